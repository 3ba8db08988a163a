/**
 * The trim operators on native histograms: `</` keeps the observations below a value, `>/` those above
 * it, interpolating within the bucket that holds the value (linearly for custom buckets, on a log scale
 * for standard ones), and re-estimates count and sum from what remains, as Prometheus does.
 */
import type { FloatHistogram } from './histogram.js';
import { type HistogramBucket, negativeBuckets, positiveBuckets, zeroBucket } from './histogram-buckets.js';
import { compactHistogram } from './histogram-math.js';

function midpoint(lower: number, upper: number, positive: boolean, linear: boolean): number {
  const lInf = lower === Infinity || lower === -Infinity;
  const uInf = upper === Infinity || upper === -Infinity;
  if (lInf) {
    if (uInf) return 0;
    return upper > 0 ? upper / 2 : upper;
  }
  if (uInf) return lower;
  if (linear) return (lower + upper) / 2;
  const g = Math.sqrt(Math.abs(lower * upper));
  return positive ? g : -g;
}

/** Fraction of the bucket's width at or below v (lower < v < upper), linear or on a log scale. */
export function fractionBelow(b: HistogramBucket, v: number, linear: boolean): number {
  if (linear) return (v - b.lower) / (b.upper - b.lower);
  const logLower = Math.log2(Math.abs(b.lower));
  const logUpper = Math.log2(Math.abs(b.upper));
  const logV = Math.log2(Math.abs(v));
  if (v > 0) return (logV - logLower) / (logUpper - logLower);
  return 1 - (logV - logUpper) / (logLower - logUpper);
}

function trimInfiniteBucket(upperTrim: boolean, b: HistogramBucket, rhs: number): [number, number] {
  const zeroIfInf = (x: number): number => (x === Infinity || x === -Infinity ? 0 : x);
  if (b.lower === -Infinity) {
    if (upperTrim) {
      if (rhs >= b.upper) return [b.count, 0];
      if (rhs > 0 && b.upper > 0 && b.upper !== Infinity) return [(b.count * rhs) / b.upper, rhs / 2];
      if (b.upper <= 0) return [b.count, rhs];
      return [0, zeroIfInf(b.upper)];
    }
    if (rhs <= b.lower) return [b.count, 0];
    if (rhs >= 0 && b.upper > rhs && b.upper !== Infinity) return [b.count * (1 - rhs / b.upper), (rhs + b.upper) / 2];
    return [0, zeroIfInf(b.upper)];
  }
  // Upper bound +Inf.
  if (upperTrim) return [0, zeroIfInf(b.lower)];
  if (rhs >= b.lower) return [b.count, rhs];
  return [0, zeroIfInf(b.lower)];
}

function trimBucket(b: HistogramBucket, rhs: number, upperTrim: boolean, positive: boolean, custom: boolean): [number, number] {
  if (b.lower === -Infinity || b.upper === Infinity) return trimInfiniteBucket(upperTrim, b, rhs);
  const under = rhs <= b.lower ? 0 : rhs >= b.upper ? b.count : b.count * fractionBelow(b, rhs, custom);
  if (upperTrim) return [under, midpoint(b.lower, rhs, positive, custom)];
  return [b.count - under, midpoint(rhs, b.upper, positive, custom)];
}

function trimZeroBucket(z: HistogramBucket, rhs: number, hasNegative: boolean, hasPositive: boolean, upperTrim: boolean): [number, number] {
  let lower = z.lower;
  let upper = z.upper;
  if (hasNegative && !hasPositive) upper = 0;
  if (hasPositive && !hasNegative) lower = 0;
  if (upperTrim) {
    if (rhs <= lower) return [0, 0];
    if (rhs >= upper) return [z.count, (lower + upper) / 2];
    return [(z.count * (rhs - lower)) / (upper - lower), (lower + rhs) / 2];
  }
  if (rhs <= lower) return [z.count, (lower + upper) / 2];
  if (rhs >= upper) return [0, 0];
  return [(z.count * (upper - rhs)) / (upper - lower), (rhs + upper) / 2];
}

/**
 * Removes the observations above (`upperTrim`, the `</` operator) or below (`>/`) `rhs`, interpolating
 * within the bucket that contains it. When anything was removed, count and sum are re-estimated from
 * the remaining buckets.
 */
export function trimHistogramBuckets(h: FloatHistogram, rhs: number, upperTrim: boolean): FloatHistogram {
  const custom = h.usesCustomBuckets();
  let count = 0;
  let sum = 0;
  let trimmed = false;
  let hasPositive = false;
  let hasNegative = false;
  const side = (buckets: HistogramBucket[], target: number[], positive: boolean): void => {
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      if (b.count === 0) continue;
      if (positive) hasPositive = true;
      else hasNegative = true;
      const keepAll = upperTrim ? b.upper <= rhs : b.lower >= rhs;
      const partial = upperTrim ? b.lower < rhs : b.upper > rhs;
      if (keepAll) {
        count += b.count;
        sum += midpoint(b.lower, b.upper, positive, custom) * b.count;
      } else if (partial) {
        const [keep, mid] = trimBucket(b, rhs, upperTrim, positive, custom);
        count += keep;
        sum += mid * keep;
        if (target[i] !== keep) {
          target[i] = keep;
          trimmed = true;
        }
      } else {
        target[i] = 0;
        trimmed = true;
      }
    }
  };
  side(positiveBuckets(h), h.positiveBuckets, true);
  side(negativeBuckets(h), h.negativeBuckets, false);
  if (h.zeroCount > 0) {
    const [keep, mid] = trimZeroBucket(zeroBucket(h), rhs, hasNegative, hasPositive, upperTrim);
    if (h.zeroCount !== keep) {
      h.zeroCount = keep;
      trimmed = true;
    }
    sum += mid * keep;
    count += keep;
  }
  if (trimmed) {
    h.count = count;
    h.sum = sum;
    compactHistogram(h, 0);
  }
  return h;
}
