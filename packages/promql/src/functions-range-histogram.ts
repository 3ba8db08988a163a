/**
 * Range-vector functions over series that hold native histograms (alone or mixed with floats). Series
 * without histograms never come here: they take the float kernels of functions-range.ts unchanged.
 *
 * The samples are split into a float-only view (for the float kernels, which then see exactly what they
 * would see without the histograms) and the merged sequence. Per function, as Prometheus does:
 * - `rate`, `increase`, `delta`, `irate`, `idelta`, `sum_over_time`, `avg_over_time` compute histograms
 *   from histogram-only windows and drop mixed windows with a warning;
 * - `changes`, `resets` count over the merged sequence (a change of sample type counts);
 * - `count_over_time`, `present_over_time`, `absent_over_time`, `first/last_over_time` and their
 *   `ts_of_` versions see every sample;
 * - every other function ignores histograms, with an info when a window holds both kinds.
 */
import {
  CounterResetHint,
  type FloatHistogram,
  addHistogram,
  compactHistogram,
  copyHistogramToSchema,
  detectHistogramReset,
  divHistogram,
  FloatHistogram as Histogram,
  histogramHasOverflow,
  kahanAddHistogram,
  mulHistogram,
  subHistogram,
} from '@vigil/model';
import type { PosRange } from './ast.js';
import { type Annotations, annotation } from './annotations.js';
import type { HistColumn } from './eval-values.js';
import type { Samples } from './eval.js';
import { type RangeKernel, type Windows, extrapolationFactor, fillWindows } from './functions-range.js';
import { addWithAnnotations, histogramsEqualCompacted, interpolateHistograms, isGauge, subWithAnnotations } from './histogram-ops.js';

/** What a histogram-aware range evaluation needs besides the samples. */
export interface HistogramRangeContext {
  readonly name: string;
  /** '' plain, 'a' anchored, 's' smoothed. */
  readonly ext: '' | 'a' | 's';
  readonly annotations: Annotations;
  readonly metricName: string;
  /** Position of the range argument (annotations point there). */
  readonly pos: PosRange | null;
}

/** Functions that see every sample of the merged sequence, values not looked at (or histograms kept). */
const MERGED = new Set(['count_over_time', 'present_over_time', 'absent_over_time', 'ts_of_first_over_time', 'ts_of_last_over_time', 'first_over_time', 'last_over_time']);
const HISTOGRAM_AWARE = new Set(['rate', 'increase', 'delta', 'irate', 'idelta', 'sum_over_time', 'avg_over_time', 'changes', 'resets']);

/** True when `s` holds at least one histogram sample. */
export function hasHistograms(s: Samples): boolean {
  const hs = s.hs;
  if (!hs) return false;
  for (let k = 0; k < s.length; k++) if (hs[k] !== null) return true;
  return false;
}

function windowsLike(w: Windows): Windows {
  return { ...w, lo: new Int32Array(w.n), hi: new Int32Array(w.n) };
}

/**
 * Runs `name` over one series with histograms: writes `values`/`present` and returns the histogram
 * column of the outputs (null when none is a histogram). `w` holds the windows over the merged samples.
 */
export function evalHistogramRange(ctx: HistogramRangeContext, s: Samples, w: Windows, params: readonly Float64Array[], kernel: RangeKernel, values: Float64Array, present: Uint8Array): HistColumn | null {
  const hs = s.hs!;
  const len = s.length;
  if (MERGED.has(ctx.name)) {
    kernel(s.ts, s.vs, w, params, values, present);
    if (ctx.name !== 'first_over_time' && ctx.name !== 'last_over_time') return null;
    let out: HistColumn | null = null;
    for (let i = 0; i < w.n; i++) {
      if (present[i] === 0) continue;
      const h = hs[ctx.name === 'first_over_time' ? w.lo[i] : w.hi[i] - 1];
      if (h === null) continue;
      (out ??= new Array(w.n).fill(null))[i] = h;
      values[i] = 0;
    }
    return out;
  }
  // The float-only view and its windows; histograms in each merged window from a prefix count.
  const histBefore = new Int32Array(len + 1);
  let nf = 0;
  for (let k = 0; k < len; k++) {
    histBefore[k + 1] = histBefore[k] + (hs[k] !== null ? 1 : 0);
    if (hs[k] === null) nf++;
  }
  const tsF = new Float64Array(nf);
  const vsF = new Float64Array(nf);
  for (let k = 0, f = 0; k < len; k++) {
    if (hs[k] !== null) continue;
    tsF[f] = s.ts[k];
    vsF[f] = s.vs[k];
    f++;
  }
  const wF = windowsLike(w);
  fillWindows(tsF, nf, wF);
  kernel(tsF, vsF, wF, params, values, present);
  if (!HISTOGRAM_AWARE.has(ctx.name)) {
    for (let i = 0; i < w.n; i++) {
      const nh = histBefore[w.hi[i]] - histBefore[w.lo[i]];
      if (nh > 0 && nh < w.hi[i] - w.lo[i]) {
        ctx.annotations.add(annotation.histogramIgnoredInMixedRange(ctx.metricName, ctx.pos));
        break;
      }
    }
    return null;
  }
  let out: HistColumn | null = null;
  const emit = (i: number, h: FloatHistogram | null): void => {
    if (h === null) return;
    (out ??= new Array(w.n).fill(null))[i] = h;
    values[i] = 0;
    present[i] = 1;
  };
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    const nh = histBefore[h] - histBefore[l];
    if (nh === 0) continue;
    const mixed = nh < h - l;
    switch (ctx.name) {
      case 'rate':
      case 'increase':
      case 'delta': {
        present[i] = 0;
        if (mixed) {
          ctx.annotations.add(annotation.mixedFloatsHistograms(ctx.metricName, ctx.pos));
          continue;
        }
        const isCounter = ctx.name !== 'delta';
        const isRate = ctx.name === 'rate';
        emit(i, ctx.ext === '' ? extrapolatedHistogramRate(ctx, s.ts, hs, l, h, w, i, isCounter, isRate) : extendedHistogramRate(ctx, s.ts, hs, l, h, w, i, isCounter, isRate));
        break;
      }
      case 'irate':
      case 'idelta': {
        if (h - l < 2 || (hs[h - 1] === null && hs[h - 2] === null)) continue;
        present[i] = 0;
        if (hs[h - 1] === null || hs[h - 2] === null) {
          ctx.annotations.add(annotation.mixedFloatsHistograms(ctx.metricName, ctx.pos));
          continue;
        }
        emit(i, instantHistogramValue(ctx, s.ts, hs, h, ctx.name === 'irate'));
        break;
      }
      case 'sum_over_time':
      case 'avg_over_time':
        present[i] = 0;
        if (mixed) {
          ctx.annotations.add(annotation.mixedFloatsHistograms(ctx.metricName, ctx.pos));
          continue;
        }
        emit(i, ctx.name === 'sum_over_time' ? sumHistograms(ctx, hs, l, h) : avgHistograms(ctx, hs, l, h));
        break;
      case 'changes':
      case 'resets': {
        const c = countChanges(ctx, s.ts, s.vs, hs, l, h, w, i, ctx.name === 'resets');
        if (c < 0) {
          present[i] = 0;
        } else {
          values[i] = c;
          present[i] = 1;
        }
        break;
      }
    }
  }
  return out;
}

/** Histograms [l, h) as an array (all non-null by the caller's check). */
function windowHists(hs: HistColumn, l: number, h: number): FloatHistogram[] {
  return hs.slice(l, h) as FloatHistogram[];
}

/**
 * The increase of histograms over the window, corrected for counter resets (Prometheus's
 * `histogramRate`); null when the schemas cannot be combined.
 */
function histogramIncrease(ctx: HistogramRangeContext, points: FloatHistogram[], isCounter: boolean): FloatHistogram | null {
  let prev = points[0];
  const last = points[points.length - 1];
  let custom = prev.usesCustomBuckets();
  if (isCounter && (isGauge(prev) || isGauge(last))) ctx.annotations.add(annotation.notCounter(ctx.metricName, ctx.pos));
  if (isCounter) {
    const second = points[1];
    // A reset between the first two samples: the first is not needed (nor its layout).
    if (detectHistogramReset(second, prev)) {
      prev = new Histogram({ schema: second.schema, customValues: second.customValues });
      custom = second.usesCustomBuckets();
    }
  }
  if (last.usesCustomBuckets() !== custom) {
    ctx.annotations.add(annotation.mixedExponentialCustom(ctx.metricName, ctx.pos));
    return null;
  }
  let minSchema = Math.min(last.schema, prev.schema);
  for (let k = 1; k < points.length - 1; k++) {
    const curr = points[k];
    if (!isCounter) continue;
    if (isGauge(curr)) ctx.annotations.add(annotation.notCounter(ctx.metricName, ctx.pos));
    if (curr.schema < minSchema) minSchema = curr.schema;
    if (curr.usesCustomBuckets() !== custom) {
      ctx.annotations.add(annotation.mixedExponentialCustom(ctx.metricName, ctx.pos));
      return null;
    }
  }
  const result = copyHistogramToSchema(last, minSchema);
  const r = subHistogram(result, prev);
  if (!r.ok) {
    ctx.annotations.add(annotation.mixedExponentialCustom(ctx.metricName, ctx.pos));
    return null;
  }
  if (r.nhcbBoundsReconciled) ctx.annotations.add(annotation.mismatchedCustomBuckets('subtraction', ctx.pos));
  if (isCounter) {
    for (let k = 1; k < points.length; k++) {
      const curr = points[k];
      if (detectHistogramReset(curr, prev)) {
        const a = addHistogram(result, prev);
        if (!a.ok) {
          ctx.annotations.add(annotation.mixedExponentialCustom(ctx.metricName, ctx.pos));
          return null;
        }
        if (a.nhcbBoundsReconciled) ctx.annotations.add(annotation.mismatchedCustomBuckets('addition', ctx.pos));
      }
      prev = curr;
    }
  } else if (!isGauge(points[0]) || !isGauge(last)) {
    ctx.annotations.add(annotation.notGauge(ctx.metricName, ctx.pos));
  }
  result.counterResetHint = CounterResetHint.Gauge;
  return compactHistogram(result, 0);
}

/** `rate`/`increase`/`delta` of histograms [l, h), extrapolated to the range boundaries like floats. */
function extrapolatedHistogramRate(ctx: HistogramRangeContext, ts: Float64Array, hs: HistColumn, l: number, h: number, w: Windows, i: number, isCounter: boolean, isRate: boolean): FloatHistogram | null {
  const count = h - l;
  if (count < 2) return null;
  const points = windowHists(hs, l, h);
  const result = histogramIncrease(ctx, points, isCounter);
  if (result === null) return null;
  // For histograms, the count of observations plays the counter's part in the zero cut-off.
  return mulHistogram(result, extrapolationFactor(ts[l], ts[h - 1], count, w.rangeEnd[i], w.rangeMs, isCounter, isRate, result.count, points[0].count));
}

/** First index in [from, to) with ts > x (to if none). */
function firstAfter(ts: Float64Array, from: number, to: number, x: number): number {
  let k = from;
  while (k < to && ts[k] <= x) k++;
  return k;
}

/** `rate`/`increase`/`delta` of histograms over an anchored or smoothed range (no extrapolation). */
function extendedHistogramRate(ctx: HistogramRangeContext, ts: Float64Array, hs: HistColumn, l: number, h: number, w: Windows, i: number, isCounter: boolean, isRate: boolean): FloatHistogram | null {
  const smoothed = ctx.ext === 's';
  const rangeEnd = w.rangeEnd[i];
  const rangeStart = rangeEnd - w.rangeMs;
  let last = h - 1;
  const first = Math.max(l, firstAfter(ts, l, last, rangeStart) - 1);
  if (smoothed) {
    let k = l;
    while (k < last && ts[k] < rangeEnd) k++;
    last = k;
  }
  if (ts[last] <= rangeStart) return null;
  if (smoothed && ts[first] > rangeEnd) return null;
  const custom = hs[first]!.usesCustomBuckets();
  for (let k = first; k <= last; k++) {
    const p = hs[k]!;
    if (p.usesCustomBuckets() !== custom) {
      ctx.annotations.add(annotation.mixedExponentialCustom(ctx.metricName, ctx.pos));
      return null;
    }
    if (isCounter && isGauge(p)) ctx.annotations.add(annotation.notCounter(ctx.metricName, ctx.pos));
  }
  const left =
    smoothed && ts[first] < rangeStart
      ? interpolateHistograms(hs[first]!, ts[first], hs[first + 1]!, ts[first + 1], rangeStart, isCounter, ctx.annotations, ctx.metricName, ctx.pos)
      : hs[first]!.copy();
  if (left === null) return null;
  const right =
    smoothed && last > l && ts[last] > rangeEnd
      ? interpolateHistograms(hs[last - 1]!, ts[last - 1], hs[last]!, ts[last], rangeEnd, isCounter, ctx.annotations, ctx.metricName, ctx.pos)
      : hs[last]!.copy();
  if (right === null) return null;
  if (!isCounter && (!isGauge(left) || !isGauge(right))) ctx.annotations.add(annotation.notGauge(ctx.metricName, ctx.pos));
  const result = right.copy();
  if (!subWithAnnotations(result, left, ctx.annotations, ctx.metricName, ctx.pos)) return null;
  if (isCounter) {
    let correction: FloatHistogram | null = null;
    const addCorrection = (x: FloatHistogram): boolean => {
      if (correction === null) {
        correction = x.copy();
        return true;
      }
      return addWithAnnotations(correction, x, ctx.annotations, ctx.metricName, ctx.pos);
    };
    let from = first + 1;
    let prev: FloatHistogram = left;
    if (smoothed && ts[first] < rangeStart && detectHistogramReset(hs[first + 1]!, hs[first]!)) {
      // The left interpolation already spans the reset after the first sample.
      prev = hs[first + 1]!;
      from++;
    }
    const to = last - 1;
    if (from <= to + 1) {
      for (let k = from; k <= to; k++) {
        const p = hs[k]!;
        if (detectHistogramReset(p, prev) && !addCorrection(prev)) return null;
        prev = p;
      }
      if (detectHistogramReset(right, prev) && !addCorrection(prev)) return null;
    }
    if (correction !== null && !addWithAnnotations(result, correction, ctx.annotations, ctx.metricName, ctx.pos)) return null;
  }
  if (isRate) divHistogram(result, w.rangeMs / 1000);
  result.counterResetHint = CounterResetHint.Gauge;
  return compactHistogram(result, 0);
}

/** `irate`/`idelta` of the last two samples (both histograms). */
function instantHistogramValue(ctx: HistogramRangeContext, ts: Float64Array, hs: HistColumn, h: number, isRate: boolean): FloatHistogram | null {
  const a = hs[h - 2]!;
  const b = hs[h - 1]!;
  const interval = ts[h - 1] - ts[h - 2];
  if (interval === 0) return null;
  const result = b.copy();
  if (isRate && (isGauge(a) || isGauge(b))) ctx.annotations.add(annotation.notCounter(ctx.metricName, ctx.pos));
  if (!isRate && (!isGauge(a) || !isGauge(b))) ctx.annotations.add(annotation.notGauge(ctx.metricName, ctx.pos));
  if (!isRate || !detectHistogramReset(b, a)) {
    const r = subHistogram(result, a);
    if (!r.ok) {
      ctx.annotations.add(annotation.mixedExponentialCustom(ctx.metricName, ctx.pos));
      return null;
    }
    if (r.nhcbBoundsReconciled) ctx.annotations.add(annotation.mismatchedCustomBuckets('subtraction', ctx.pos));
  }
  result.counterResetHint = CounterResetHint.Gauge;
  compactHistogram(result, 0);
  if (isRate) divHistogram(result, interval / 1000);
  return result;
}

/** Tracks explicit counter reset hints; warns when both kinds were aggregated. */
class ResetHints {
  reset = false;
  notReset = false;
  see(h: FloatHistogram): void {
    if (h.counterResetHint === CounterResetHint.CounterReset) this.reset = true;
    else if (h.counterResetHint === CounterResetHint.NotCounterReset) this.notReset = true;
  }
  report(annos: Annotations, pos: PosRange | null): void {
    if (this.reset && this.notReset) annos.add(annotation.counterResetCollision('aggregation', pos));
  }
}

function sumHistograms(ctx: HistogramRangeContext, hs: HistColumn, l: number, h: number): FloatHistogram | null {
  const hints = new ResetHints();
  let reconciled = false;
  const sum = hs[l]!.copy();
  hints.see(sum);
  let comp: FloatHistogram | null = null;
  let ok = true;
  for (let k = l + 1; k < h; k++) {
    hints.see(hs[k]!);
    const r = kahanAddHistogram(sum, hs[k]!, comp);
    if (!r.ok) {
      ok = false;
      break;
    }
    comp = r.c;
    if (r.nhcbBoundsReconciled) reconciled = true;
  }
  if (ok && comp !== null) {
    const r = addHistogram(sum, comp);
    if (r.nhcbBoundsReconciled) reconciled = true;
  }
  if (!ok) {
    // Prometheus reports only the schema mix then.
    ctx.annotations.add(annotation.mixedExponentialCustom(ctx.metricName, ctx.pos));
    return null;
  }
  hints.report(ctx.annotations, ctx.pos);
  if (reconciled) ctx.annotations.add(annotation.mismatchedCustomBuckets('aggregation', ctx.pos));
  return sum;
}

function avgHistograms(ctx: HistogramRangeContext, hs: HistColumn, l: number, h: number): FloatHistogram | null {
  const hints = new ResetHints();
  let reconciled = false;
  let sum = hs[l]!.copy();
  hints.see(sum);
  let mean: FloatHistogram | null = null;
  let comp: FloatHistogram | null = null;
  let count = 1;
  let incremental = false;
  let result: FloatHistogram | null = null;
  let ok = true;
  for (let k = l + 1; k < h && ok; k++) {
    const x = hs[k]!;
    hints.see(x);
    count = k - l + 1;
    if (!incremental) {
      const sumCopy = sum.copy();
      const r = kahanAddHistogram(sumCopy, x, comp === null ? null : comp.copy());
      if (!r.ok) {
        ok = false;
        break;
      }
      if (r.nhcbBoundsReconciled) reconciled = true;
      if (!histogramHasOverflow(sumCopy)) {
        sum = sumCopy;
        comp = r.c;
        continue;
      }
      incremental = true;
      mean = divHistogram(sum.copy(), count - 1);
      if (comp !== null) divHistogram(comp, count - 1);
    }
    const q = (count - 1) / count;
    if (comp !== null) mulHistogram(comp, q);
    const r = kahanAddHistogram(mulHistogram(mean!, q), divHistogram(x.copy(), count), comp);
    if (!r.ok) {
      ok = false;
      break;
    }
    comp = r.c;
    if (r.nhcbBoundsReconciled) reconciled = true;
  }
  if (ok) {
    if (incremental) {
      result = mean!;
      if (comp !== null) addHistogram(result, comp);
    } else {
      result = divHistogram(sum, count);
      if (comp !== null) addHistogram(result, divHistogram(comp, count));
    }
  }
  if (!ok) {
    // Prometheus reports only the schema mix then.
    ctx.annotations.add(annotation.mixedExponentialCustom(ctx.metricName, ctx.pos));
    return null;
  }
  hints.report(ctx.annotations, ctx.pos);
  if (reconciled) ctx.annotations.add(annotation.mismatchedCustomBuckets('aggregation', ctx.pos));
  return result;
}

/**
 * `changes` (or `resets`) over the merged samples of the window: a change of sample type counts as a
 * change and as a reset. Anchored: counted from the last sample at or before the range start.
 * Returns -1 when there is nothing to count.
 */
function countChanges(ctx: HistogramRangeContext, ts: Float64Array, vs: Float64Array, hs: HistColumn, l: number, h: number, w: Windows, i: number, resetsOnly: boolean): number {
  if (h === l) return -1;
  let start = l;
  if (ctx.ext === 'a') {
    const rangeStart = w.rangeEnd[i] - w.rangeMs;
    const after = firstAfter(ts, l, h, rangeStart);
    if (after >= h) return -1;
    start = after > l ? after - 1 : l;
  }
  let c = 0;
  for (let k = start + 1; k < h; k++) {
    const ph = hs[k - 1];
    const ch = hs[k];
    if (ph === null && ch === null) {
      const cur = vs[k];
      const prev = vs[k - 1];
      if (resetsOnly ? cur < prev : cur !== prev && !(cur !== cur && prev !== prev)) c++;
    } else if (ph === null || ch === null) {
      c++;
    } else if (resetsOnly ? detectHistogramReset(ch, ph) : !histogramsEqualCompacted(ch, ph)) {
      c++;
    }
  }
  return c;
}
