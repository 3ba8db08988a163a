/**
 * A small in-memory storage for engine tests with native histograms: appends floats and histograms,
 * and reads histograms back with the counter reset hints Prometheus's head gives (the first sample of
 * a chunk "unknown", later ones "not reset", gauges "gauge"; a counter reset or a schema, zero bucket
 * or custom bounds change starts a new chunk). Test-only; the conformance runner uses the TSDB head.
 */
import { CounterResetHint, type FloatHistogram, Labels, type Matcher, STALE_NAN, customBoundsMatch, detectHistogramReset, isStaleNaN } from '@vigil/model';
import type { Appender, Querier, SampleIterator, SampleSink, Series } from '@vigil/tsdb';

interface MemSeries {
  labels: Labels;
  ts: number[];
  /** Values; staleness markers are kept apart in `stale` (plain arrays lose NaN payloads). */
  vs: number[];
  stale: boolean[];
  hs: (FloatHistogram | null)[];
}

/** True when `h` cannot continue the chunk of `prev` (Prometheus starts a new one, hint unknown). */
function startsChunk(h: FloatHistogram, prev: FloatHistogram | null): boolean {
  if (prev === null) return true;
  const gauge = h.counterResetHint === CounterResetHint.Gauge;
  if (gauge !== (prev.counterResetHint === CounterResetHint.Gauge)) return true;
  if (gauge) return false;
  if (h.counterResetHint === CounterResetHint.CounterReset) return true;
  if (h.schema !== prev.schema || h.zeroThreshold !== prev.zeroThreshold) return true;
  if (h.usesCustomBuckets() && !customBoundsMatch(h.customValues, prev.customValues)) return true;
  const probe = h.copy();
  probe.counterResetHint = CounterResetHint.Unknown;
  return detectHistogramReset(probe, prev);
}

export class MemStorage {
  private readonly series = new Map<string, MemSeries>();

  appender(): Appender {
    const pending: Array<() => void> = [];
    const get = (labels: Labels): MemSeries => {
      const key = labels.flat.join('\xff');
      let s = this.series.get(key);
      if (s === undefined) this.series.set(key, (s = { labels, ts: [], vs: [], stale: [], hs: [] }));
      return s;
    };
    return {
      append: (_ref, labels, t, v) => {
        const stale = isStaleNaN(v);
        pending.push(() => {
          const s = get(labels);
          if (s.ts.length > 0 && t <= s.ts[s.ts.length - 1]) return;
          s.ts.push(t);
          s.vs.push(v);
          s.stale.push(stale);
          s.hs.push(null);
        });
        return 0;
      },
      appendHistogram: (_ref, labels, t, h) => {
        const c = h.copy();
        pending.push(() => {
          const s = get(labels);
          if (s.ts.length > 0 && t <= s.ts[s.ts.length - 1]) return;
          s.ts.push(t);
          s.vs.push(0);
          s.stale.push(false);
          s.hs.push(c);
        });
        return 0;
      },
      appendExemplar: () => 0,
      commit: async () => {
        for (const p of pending) p();
      },
      rollback: async () => {
        pending.length = 0;
      },
    };
  }

  querier(mint: number, maxt: number): Querier {
    const all = [...this.series.values()].sort((a, b) => Labels.compare(a.labels, b.labels));
    return {
      select: (matchers: readonly Matcher[]): Series[] =>
        all
          .filter((s) => matchers.every((m) => m.matches(s.labels.get(m.name))))
          .filter((s) => s.ts.some((t) => t >= mint && t <= maxt))
          .map((s) => memSeries(s, mint, maxt)),
      labelNames: () => [],
      labelValues: () => [],
      close: () => {},
    };
  }
}

function memSeries(s: MemSeries, mint: number, maxt: number): Series {
  // Hints as read from storage: decided over the whole series, then clipped to the querier's range.
  const hs: (FloatHistogram | null)[] = [];
  let prev: FloatHistogram | null = null;
  for (let k = 0; k < s.ts.length; k++) {
    const h = s.hs[k];
    if (h === null) {
      hs.push(null);
      prev = null;
      continue;
    }
    const c = h.copy();
    if (c.counterResetHint !== CounterResetHint.Gauge) {
      c.counterResetHint = startsChunk(h, prev) ? CounterResetHint.Unknown : CounterResetHint.NotCounterReset;
    }
    hs.push(c);
    prev = h;
  }
  const read = (lo: number, hi: number, sink: SampleSink): void => {
    for (let k = 0; k < s.ts.length; k++) {
      const t = s.ts[k];
      if (t < lo || t > hi || t < mint || t > maxt) continue;
      const h = hs[k];
      if (h !== null) sink.pushHistogram(t, h);
      else sink.push(t, s.stale[k] ? STALE_NAN : s.vs[k]);
    }
  };
  return {
    labels: s.labels,
    iterator(): SampleIterator {
      const ts: number[] = [];
      const vs = new Float64Array(s.ts.length);
      const hh: (FloatHistogram | null)[] = [];
      read(mint, maxt, {
        push: (t, v) => {
          vs[ts.length] = v;
          ts.push(t);
          hh.push(null);
        },
        pushHistogram: (t, h) => {
          ts.push(t);
          hh.push(h);
        },
      });
      let i = -1;
      return {
        next: () => ++i < ts.length,
        seek(t: number) {
          if (i < 0) i = 0;
          while (i < ts.length && ts[i] < t) i++;
          return i < ts.length;
        },
        get t() {
          return ts[i];
        },
        get v() {
          return vs[i];
        },
        get h() {
          return hh[i];
        },
      };
    },
    readSamples: (lo, hi, sink) => read(lo, hi, sink),
  };
}
