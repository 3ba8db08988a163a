/**
 * `load_with_nhcb`: classic histograms of a load block (`<name>_bucket{le=...}`, `<name>_count`,
 * `<name>_sum`, grouped by their other labels) also become native histograms with custom buckets
 * (schema -53) under `<name>`, timestamp by timestamp, as the reference harness converts them.
 */
import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, Labels, VigilError, compactHistogram } from '@vigil/model';
import { parseLe } from './functions-histogram.js';
import { type LoadCommand, SEQ_FLOAT } from './testscript.js';

interface TempBucket {
  le: number;
  count: number;
}

/** A classic histogram at one timestamp, filled series by series. */
class TempHistogram {
  buckets: TempBucket[] = [];
  count = 0;
  sum = 0;
  hasCount = false;
  err: string | null = null;

  setBucketCount(le: number, count: number): void {
    if (this.err !== null) return;
    if (le !== le) {
      this.err = 'bucket boundary must not be NaN';
      return;
    }
    if (count < 0) {
      this.err = `bucket count must be non-negative: le=${le}, count=${count}`;
      return;
    }
    const b = this.buckets;
    const last = b.length - 1;
    if (last < 0) {
      b.push({ le, count });
    } else if (b[last].le < le) {
      if (count < b[last].count) {
        this.err = `count is not cumulative: ${count} < ${b[last].count}`;
        return;
      }
      b.push({ le, count });
    } else if (b[last].le !== le) {
      let i = 0;
      while (b[i].le < le) i++;
      if (b[i].le === le) return;
      if (i > 0 && count < b[i - 1].count) {
        this.err = `count is not cumulative: ${count} < ${b[i - 1].count}`;
        return;
      }
      if (count > b[i].count) {
        this.err = `count is not cumulative: ${count} > ${b[i].count}`;
        return;
      }
      b.splice(i, 0, { le, count });
    }
  }

  setCount(count: number): void {
    if (this.err !== null) return;
    if (count < 0) {
      this.err = `count must be non-negative: count=${count}`;
      return;
    }
    this.count = count;
    this.hasCount = true;
  }

  setSum(sum: number): void {
    if (this.err === null) this.sum = sum;
  }

  convert(): FloatHistogram {
    if (this.err !== null) throw new VigilError('bad_data', this.err);
    const b = this.buckets;
    if (!this.hasCount && b.length > 0) this.count = b[b.length - 1].count;
    if (b.length === 0 || b[b.length - 1].le !== Infinity) b.push({ le: Infinity, count: this.count });
    const h = new FloatHistogram({
      schema: CUSTOM_BUCKETS_SCHEMA,
      count: this.count,
      sum: this.sum,
      positiveSpans: [{ offset: 0, length: b.length }],
      positiveBuckets: b.map((x, i) => x.count - (i === 0 ? 0 : b[i - 1].count)),
      customValues: b.slice(0, -1).map((x) => x.le),
    });
    if (this.count !== b[b.length - 1].count) {
      throw new VigilError('bad_data', `count mismatch: count=${this.count} != le=+Inf count=${b[b.length - 1].count}`);
    }
    return compactHistogram(h, 0);
  }
}

/** The native histograms a `load_with_nhcb` block adds: per base series, samples in time order. */
export function nhcbSeries(cmd: LoadCommand): Array<{ labels: Labels; samples: Array<{ t: number; h: FloatHistogram }> }> {
  const groups = new Map<string, { labels: Labels; byT: Map<number, TempHistogram> }>();
  for (const s of cmd.series) {
    const name = s.labels.metricName();
    const m = /^(.*)_(bucket|sum|count)$/.exec(name);
    if (!m) continue;
    let le = 0;
    if (m[2] === 'bucket') {
      if (!s.labels.has('le')) throw new VigilError('bad_data', `expected bucket label in metric ${s.labels.toString()}`);
      const parsed = parseLe(s.labels.get('le'));
      if (parsed === undefined || parsed !== parsed) continue;
      le = parsed;
    }
    const base = s.labels.builder().set('__name__', m[1]).del('le').labels();
    const key = base.flat.join('\xff');
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { labels: base, byT: new Map() }));
    const { kinds, values } = s.values;
    for (let i = 0; i < kinds.length; i++) {
      if (kinds[i] !== SEQ_FLOAT) continue;
      const t = i * cmd.interval;
      let th = g.byT.get(t);
      if (th === undefined) g.byT.set(t, (th = new TempHistogram()));
      if (m[2] === 'bucket') th.setBucketCount(le, values[i]);
      else if (m[2] === 'count') th.setCount(values[i]);
      else th.setSum(values[i]);
    }
  }
  const out: Array<{ labels: Labels; samples: Array<{ t: number; h: FloatHistogram }> }> = [];
  for (const g of groups.values()) {
    const samples = [...g.byT.entries()].sort((a, b) => a[0] - b[0]).map(([t, th]) => ({ t, h: th.convert() }));
    out.push({ labels: g.labels, samples });
  }
  return out;
}
