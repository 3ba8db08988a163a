/**
 * `histogram_quantile`, `histogram_quantiles` and `histogram_fraction` over classic histograms
 * (`_bucket` series with an `le` label), with Prometheus's bucket monotonicity fix, and over native
 * histograms. A native histogram and classic buckets with the same labels at the same step are a
 * conflict: neither gives a result there (warning).
 */
import { type FloatHistogram, Labels, LabelsBuilder, formatOpenMetricsFloat } from '@vigil/model';
import type { Call } from './ast.js';
import { annotation } from './annotations.js';
import { dropMetadata } from './eval-labels.js';
import type { StepSeries, VectorValue } from './eval-values.js';
import { nativeHistogramFraction, nativeHistogramQuantile } from './histogram-ops.js';
import type { Evaluator } from './eval.js';
import { finishVector } from './functions.js';

/** Ignore relative differences between buckets below this: they are floating point noise. */
const SMALL_DELTA_TOLERANCE = 1e-12;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus's `almost.Equal`. */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (a !== a && b !== b) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Go's `strconv.ParseFloat` for an `le` value; undefined when malformed. */
export function parseLe(s: string): number | undefined {
  const t = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  const hex = /^([+-]?)0x(_?[0-9a-f_]*)(?:\.([0-9a-f_]*))?p([+-]?\d+)$/.exec(t);
  if (hex && (hex[2] + (hex[3] ?? '')).replace(/_/g, '') !== '') {
    let v = parseInt(hex[2].replace(/_/g, '') || '0', 16);
    const fp = (hex[3] ?? '').replace(/_/g, '');
    for (let k = 0; k < fp.length; k++) v += parseInt(fp[k], 16) / 16 ** (k + 1);
    v *= 2 ** Number(hex[4]);
    return hex[1] === '-' ? -v : v;
  }
  return undefined;
}

/** Buckets of one histogram at one step: parallel arrays, filled then sorted by upper bound. */
class Buckets {
  upper = new Float64Array(16);
  count = new Float64Array(16);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  push(upper: number, count: number): void {
    if (this.length === this.upper.length) {
      const cap = Math.max(16, this.length * 2);
      const u = new Float64Array(cap);
      const c = new Float64Array(cap);
      u.set(this.upper);
      c.set(this.count);
      this.upper = u;
      this.count = c;
    }
    this.upper[this.length] = upper;
    this.count[this.length] = count;
    this.length++;
  }

  /** Sorts by upper bound (stable) and merges buckets with the same bound. */
  sortAndCoalesce(): void {
    const n = this.length;
    const idx = Array.from({ length: n }, (_, i) => i);
    const u = this.upper;
    idx.sort((a, b) => (u[a] < u[b] ? -1 : u[a] > u[b] ? 1 : a - b));
    const nu = new Float64Array(n);
    const nc = new Float64Array(n);
    let k = -1;
    for (const i of idx) {
      if (k >= 0 && nu[k] === u[i]) {
        nc[k] += this.count[i];
      } else {
        k++;
        nu[k] = u[i];
        nc[k] = this.count[i];
      }
    }
    this.upper = nu;
    this.count = nc;
    this.length = k + 1;
  }
}

/** Result of the monotonicity fix. */
const fix = { forced: false, minBucket: Infinity, maxBucket: -Infinity, maxDiff: 0 };

function ensureMonotonic(b: Buckets): void {
  fix.forced = false;
  fix.minBucket = Infinity;
  fix.maxBucket = -Infinity;
  fix.maxDiff = 0;
  let prev = b.count[0];
  for (let i = 1; i < b.length; i++) {
    const curr = b.count[i];
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      b.count[i] = prev;
      continue;
    }
    if (curr < prev) {
      b.count[i] = prev;
      fix.forced = true;
      if (b.upper[i] < fix.minBucket) fix.minBucket = b.upper[i];
      if (b.upper[i] > fix.maxBucket) fix.maxBucket = b.upper[i];
      if (prev - curr > fix.maxDiff) fix.maxDiff = prev - curr;
      continue;
    }
    prev = curr;
  }
}

/** Prometheus's `BucketQuantile`; the monotonicity fix is reported through `fix`. */
export function bucketQuantile(q: number, b: Buckets): number {
  fix.forced = false;
  if (q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  b.sortAndCoalesce();
  if (b.upper[b.length - 1] !== Infinity) return NaN;
  ensureMonotonic(b);
  if (b.length < 2) return NaN;
  const observations = b.count[b.length - 1];
  if (observations === 0) return NaN;
  let rank = q * observations;
  // First bucket (among all but the last) whose count reaches the rank.
  let lo = 0;
  let hi = b.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (b.count[mid] >= rank) hi = mid;
    else lo = mid + 1;
  }
  const i = lo;
  if (i === b.length - 1) return b.upper[b.length - 2];
  if (i === 0 && b.upper[0] <= 0) return b.upper[0];
  let bucketStart = 0;
  const bucketEnd = b.upper[i];
  let count = b.count[i];
  if (i > 0) {
    bucketStart = b.upper[i - 1];
    count -= b.count[i - 1];
    rank -= b.count[i - 1];
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Prometheus's `BucketFraction`. */
export function bucketFraction(lower: number, upper: number, b: Buckets): number {
  b.sortAndCoalesce();
  if (b.upper[b.length - 1] !== Infinity) return NaN;
  const count = b.count[b.length - 1];
  if (count === 0 || lower !== lower || upper !== upper) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = b.upper[0] <= 0 ? -Infinity : 0;
  for (let i = 0; i < b.length; i++) {
    if (i > 0) lowerBound = b.upper[i - 1];
    const upperBound = b.upper[i];
    const bc = b.count[i];
    const interpolate = (v: number): number =>
      lowerBound === -Infinity ? bc : rank + ((bc - rank) * (v - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = bc;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

interface HistogramGroup {
  labels: Labels;
  members: number[];
  les: number[];
  /** Steps where a native histogram with these labels makes the group give nothing (null: none). */
  blocked: Uint8Array | null;
}

/** True when series `s` has a classic (float) point at step i. */
const floatAt = (s: StepSeries, i: number): boolean => s.present[i] === 1 && (!s.hist || s.hist[i] === null);

/**
 * Groups bucket series by their labels without `le`. Series whose `le` does not parse are reported (at
 * the steps where they have points) and left out.
 */
function groupBuckets(ev: Evaluator, input: StepSeries[], call: Call, argIndex: number): HistogramGroup[] {
  const groups = new Map<string, HistogramGroup>();
  const pos = call.args[argIndex].pos;
  for (let s = 0; s < input.length; s++) {
    const series = input[s];
    if (series.hist) {
      // A series of native histograms only is no bucket of a classic one.
      let anyFloat = false;
      for (let i = 0; i < series.present.length && !anyFloat; i++) anyFloat = floatAt(series, i);
      if (!anyFloat) continue;
    }
    const leStr = series.labels.get('le');
    const le = parseLe(leStr);
    if (le === undefined) {
      if (series.present.includes(1)) {
        const name = ev.opts.delayedNameRemoval ? series.labels.metricName() : '';
        ev.annotations.add(annotation.badBucketLabel(name, leStr, pos));
      }
      continue;
    }
    const withoutLe = series.labels.without('le');
    const key = withoutLe.flat.join('\xff');
    let g = groups.get(key);
    if (g === undefined) {
      g = { labels: withoutLe, members: [], les: [], blocked: null };
      groups.set(key, g);
    }
    g.members.push(s);
    g.les.push(le);
  }
  // Native histograms with the labels of a classic histogram group: both sides give nothing at the
  // steps where both have points.
  for (const series of input) {
    if (!series.hist) continue;
    const g = groups.get(series.labels.flat.join('\xff'));
    if (g === undefined) continue;
    for (let i = 0; i < series.present.length; i++) {
      if (series.present[i] === 0 || series.hist[i] === null) continue;
      if (!g.members.some((m) => floatAt(input[m], i))) continue;
      (g.blocked ??= new Uint8Array(series.present.length))[i] = 1;
      const name = ev.opts.delayedNameRemoval ? series.labels.metricName() : '';
      ev.annotations.add(annotation.mixedClassicNative(name, pos));
    }
  }
  return [...groups.values()];
}

/**
 * One output per native histogram series: `f` of each histogram point (not where a classic group with
 * the same labels blocks it).
 */
function nativeOutputs(ev: Evaluator, input: StepSeries[], groups: HistogramGroup[], f: (h: FloatHistogram, metricName: string, i: number) => number, label: ((labels: Labels) => Labels) | null): StepSeries[] {
  const blockedBy = new Map<string, Uint8Array>();
  for (const g of groups) if (g.blocked !== null) blockedBy.set(g.labels.flat.join('\xff'), g.blocked);
  const out: StepSeries[] = [];
  for (const series of input) {
    const hist = series.hist;
    if (!hist) continue;
    const blocked = blockedBy.get(series.labels.flat.join('\xff'));
    const labels = outputLabels(ev, series.labels);
    const name = labels.metricName();
    const values = ev.f64();
    const present = ev.u8();
    let any = false;
    for (let i = 0; i < ev.n; i++) {
      const h = hist[i];
      if (series.present[i] === 0 || h === null || (blocked !== undefined && blocked[i] === 1)) continue;
      values[i] = f(h, name, i);
      present[i] = 1;
      any = true;
    }
    if (any) out.push({ labels: label === null ? labels : label(labels), values, present, dropName: true });
  }
  return out;
}

function outputLabels(ev: Evaluator, labels: Labels): Labels {
  return ev.opts.delayedNameRemoval ? labels : dropMetadata(labels);
}

/** `histogram_quantile(q, buckets)`. */
export function histogramQuantile(ev: Evaluator, call: Call, qs: Float64Array, input: VectorValue): VectorValue {
  const n = ev.n;
  for (let i = 0; i < n; i++) {
    const q = qs[i];
    if (q !== q || q < 0 || q > 1) {
      ev.annotations.add(annotation.invalidQuantile(q, call.args[0].pos));
      break;
    }
  }
  return quantilesOver(ev, call, 1, input.series, [qs], null);
}

/** `histogram_quantiles(buckets, "label", q1, q2, ...)` (experimental). */
export function histogramQuantiles(ev: Evaluator, call: Call, input: VectorValue, label: string, qs: Float64Array[]): VectorValue {
  for (let k = 0; k < qs.length; k++) {
    for (let i = 0; i < ev.n; i++) {
      const q = qs[k][i];
      if (q !== q || q < 0 || q > 1) {
        ev.annotations.add(annotation.invalidQuantile(q, call.args[k + 2].pos));
        break;
      }
    }
  }
  return quantilesOver(ev, call, 0, input.series, qs, label);
}

function quantilesOver(ev: Evaluator, call: Call, argIndex: number, input: StepSeries[], qs: Float64Array[], label: string | null): VectorValue {
  const n = ev.n;
  const groups = groupBuckets(ev, input, call, argIndex);
  const out: StepSeries[] = [];
  const b = new Buckets();
  const pos = call.args[argIndex].pos;
  for (let k = 0; k < qs.length; k++) {
    const withLabel = label === null ? null : (l: Labels): Labels => new LabelsBuilder(l).set(label, quantileLabel(qs[k][0])).labels();
    out.push(...nativeOutputs(ev, input, groups, (h, name, i) => nativeHistogramQuantile(qs[k][i], h, ev.annotations, name, pos), withLabel));
  }
  for (const g of groups) {
    const results = qs.map(() => ({ values: ev.f64(), present: ev.u8(), any: false }));
    for (let i = 0; i < n; i++) {
      if (g.blocked !== null && g.blocked[i] === 1) continue;
      let hasAny = false;
      for (let m = 0; m < g.members.length; m++) if (floatAt(input[g.members[m]], i)) hasAny = true;
      if (!hasAny) continue;
      for (let k = 0; k < qs.length; k++) {
        b.reset();
        for (let m = 0; m < g.members.length; m++) {
          const s = input[g.members[m]];
          if (floatAt(s, i)) b.push(g.les[m], s.values[i]);
        }
        const v = bucketQuantile(qs[k][i], b);
        if (fix.forced) {
          const name = ev.opts.delayedNameRemoval ? g.labels.metricName() : '';
          ev.annotations.add(annotation.forcedMonotonicity(name, pos, ev.time(i), fix.minBucket, fix.maxBucket, fix.maxDiff));
        }
        results[k].values[i] = v;
        results[k].present[i] = 1;
        results[k].any = true;
      }
    }
    const base = outputLabels(ev, g.labels);
    for (let k = 0; k < qs.length; k++) {
      if (!results[k].any) continue;
      let labels = base;
      if (label !== null) {
        // One series per quantile; steps with different q values would need different labels.
        labels = new LabelsBuilder(base).set(label, quantileLabel(qs[k][0])).labels();
      }
      out.push({ labels, values: results[k].values, present: results[k].present, dropName: true });
    }
  }
  return finishVector(ev, out);
}

/** `histogram_fraction(lower, upper, buckets)`. */
export function histogramFraction(ev: Evaluator, call: Call, lower: Float64Array, upper: Float64Array, input: VectorValue): VectorValue {
  const n = ev.n;
  const series = input.series;
  const groups = groupBuckets(ev, series, call, 2);
  const pos = call.args[2].pos;
  const out: StepSeries[] = nativeOutputs(ev, series, groups, (h, name, i) => nativeHistogramFraction(lower[i], upper[i], h, ev.annotations, name, pos), null);
  const b = new Buckets();
  for (const g of groups) {
    const values = ev.f64();
    const present = ev.u8();
    let any = false;
    for (let i = 0; i < n; i++) {
      if (g.blocked !== null && g.blocked[i] === 1) continue;
      b.reset();
      for (let m = 0; m < g.members.length; m++) {
        const s = series[g.members[m]];
        if (floatAt(s, i)) b.push(g.les[m], s.values[i]);
      }
      if (b.length === 0) continue;
      values[i] = bucketFraction(lower[i], upper[i], b);
      present[i] = 1;
      any = true;
    }
    if (any) out.push({ labels: outputLabels(ev, g.labels), values, present, dropName: true });
  }
  return finishVector(ev, out);
}

/** The label value of quantile q (OpenMetrics formatting). */
function quantileLabel(q: number): string {
  return q !== q ? 'NaN' : formatOpenMetricsFloat(q);
}

