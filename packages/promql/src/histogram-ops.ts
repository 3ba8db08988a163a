/**
 * Native histogram building blocks of the evaluator: arithmetic that reports what went wrong as
 * annotations (mixed schemas, reconciled custom bounds), interpolation, the sample weight used by the
 * max-samples limit, and `histogram_quantile`/`histogram_fraction` on one native histogram.
 */
import {
  CounterResetHint,
  type FloatHistogram,
  addHistogram,
  allBuckets,
  allBucketsReverse,
  compactHistogram,
  detectHistogramReset,
  fractionBelow,
  histogramsEqual,
  mulHistogram,
  subHistogram,
} from '@vigil/model';
import type { PosRange } from './ast.js';
import { type Annotations, annotation } from './annotations.js';

/** Adds `other` into `base`; false (with a warning) when their schemas cannot be combined. */
export function addWithAnnotations(base: FloatHistogram, other: FloatHistogram, annos: Annotations, metricName: string, pos: PosRange | null): boolean {
  const r = addHistogram(base, other);
  if (!r.ok) {
    annos.add(annotation.mixedExponentialCustom(metricName, pos));
    return false;
  }
  if (r.nhcbBoundsReconciled) annos.add(annotation.mismatchedCustomBuckets('addition', pos));
  return true;
}

/** Subtracts `other` from `base`, like `addWithAnnotations`. */
export function subWithAnnotations(base: FloatHistogram, other: FloatHistogram, annos: Annotations, metricName: string, pos: PosRange | null): boolean {
  const r = subHistogram(base, other);
  if (!r.ok) {
    annos.add(annotation.mixedExponentialCustom(metricName, pos));
    return false;
  }
  if (r.nhcbBoundsReconciled) annos.add(annotation.mismatchedCustomBuckets('subtraction', pos));
  return true;
}

/**
 * The histogram at time t between h1 (at t1) and h2 (at t2), interpolated linearly; a counter that
 * reset in between is taken to restart from zero. Null (with a warning) for mixed schemas.
 */
export function interpolateHistograms(
  h1: FloatHistogram,
  t1: number,
  h2: FloatHistogram,
  t2: number,
  t: number,
  isCounter: boolean,
  annos: Annotations,
  metricName: string,
  pos: PosRange | null,
): FloatHistogram | null {
  if (t === t1) return h1.copy();
  if (t === t2) return h2.copy();
  const fraction = (t - t1) / (t2 - t1);
  if (isCounter && detectHistogramReset(h2, h1)) return mulHistogram(h2.copy(), fraction);
  const result = h2.copy();
  if (!subWithAnnotations(result, h1, annos, metricName, pos)) return null;
  mulHistogram(result, fraction);
  if (!addWithAnnotations(result, h1, annos, metricName, pos)) return null;
  return result;
}

/** Equality of two histograms regardless of their layout of empty buckets (for `==`, `!=`, `changes`). */
export function histogramsEqualCompacted(a: FloatHistogram, b: FloatHistogram): boolean {
  return histogramsEqual(compactHistogram(a.copy(), 0), compactHistogram(b.copy(), 0));
}

/** How many float samples a histogram counts as for the max-samples limit (Prometheus's `HPoint.size`). */
export function histogramWeight(h: FloatHistogram): number {
  const bytes =
    168 + 8 * (h.positiveSpans.length + h.negativeSpans.length + h.positiveBuckets.length + h.negativeBuckets.length + h.customValues.length);
  return Math.trunc((bytes + 8) / 16);
}

/** Gauge or counter: whether a histogram is marked as a gauge. */
export const isGauge = (h: FloatHistogram): boolean => h.counterResetHint === CounterResetHint.Gauge;

/**
 * `histogram_quantile` of a native histogram: linear interpolation within custom and zero buckets,
 * exponential within standard buckets. NaN observations count as +Inf (with an info annotation).
 */
export function nativeHistogramQuantile(q: number, h: FloatHistogram, annos: Annotations, metricName: string, pos: PosRange | null): number {
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (h.count === 0 || q !== q) return NaN;
  const nanSum = h.sum !== h.sum;
  const forward = nanSum || q < 0.5;
  const buckets = forward ? allBuckets(h) : allBucketsReverse(h);
  let rank = forward ? q * h.count : (1 - q) * h.count;
  let count = 0;
  let k = 0;
  let lower = 0;
  let upper = 0;
  let bcount = 0;
  for (; k < buckets.length; k++) {
    const b = buckets[k];
    lower = b.lower;
    upper = b.upper;
    bcount = b.count;
    if (b.count === 0) continue;
    count += b.count;
    if (count >= rank) break;
  }
  const custom = h.usesCustomBuckets();
  if (!custom && lower < 0 && upper > 0) {
    if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) lower = 0;
    else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) upper = 0;
  } else if (custom) {
    if (lower === -Infinity) {
      if (upper <= 0) return upper;
      lower = 0;
    } else if (upper === Infinity) {
      return lower;
    }
  }
  if (count > h.count) count = h.count;
  if (count < rank) {
    if (nanSum) {
      annos.add(annotation.quantileNaNResult(metricName, pos));
      return NaN;
    }
    return upper;
  }
  if (forward) rank -= count - bcount;
  else rank = count - rank;
  if (nanSum) {
    for (let m = k + 1; m < buckets.length; m++) count += buckets[m].count;
    if (count < h.count) annos.add(annotation.quantileNaNSkew(metricName, pos));
  }
  const fraction = rank / bcount;
  if (custom || (lower <= 0 && upper >= 0)) return lower + (upper - lower) * fraction;
  const logLower = Math.log2(Math.abs(lower));
  const logUpper = Math.log2(Math.abs(upper));
  if (lower > 0) return 2 ** (logLower + (logUpper - logLower) * fraction);
  return -(2 ** (logUpper + (logLower - logUpper) * (1 - fraction)));
}

/** `histogram_fraction(lower, upper, h)` of a native histogram (NaN observations are outside any range). */
export function nativeHistogramFraction(lower: number, upper: number, h: FloatHistogram, annos: Annotations, metricName: string, pos: PosRange | null): number {
  if (h.count === 0 || lower !== lower || upper !== upper) return NaN;
  if (lower >= upper) return 0;
  let count = 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  const custom = h.usesCustomBuckets();
  const buckets = allBuckets(h);
  let k = 0;
  for (; k < buckets.length; k++) {
    const b = { ...buckets[k] };
    count += b.count;
    let zero = false;
    const linear = (v: number): number => (b.lower === -Infinity ? b.count : rank + b.count * fractionBelow(b, v, true));
    const exponential = (v: number): number => rank + b.count * fractionBelow(b, v, false);
    if (b.lower <= 0 && b.upper >= 0) {
      zero = true;
      if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) b.lower = 0;
      else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) b.upper = 0;
    }
    if (!lowerSet && b.lower >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && b.lower >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && b.lower < lower && b.upper > lower) {
      lowerRank = custom || zero ? linear(lower) : exponential(lower);
      lowerSet = true;
    }
    if (!upperSet && b.lower < upper && b.upper > upper) {
      upperRank = custom || zero ? linear(upper) : exponential(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank += b.count;
  }
  if (h.sum !== h.sum) {
    for (let m = k + 1; m < buckets.length; m++) count += buckets[m].count;
    if (count < h.count) annos.add(annotation.fractionNaNs(metricName, pos));
  } else {
    count = h.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / h.count;
}
