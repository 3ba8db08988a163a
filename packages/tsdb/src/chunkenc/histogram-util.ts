/**
 * What storage needs to know about native histograms beyond their data: whether one is valid (the checks
 * Prometheus's `Validate` makes before a histogram is appended), whether two are the same sample (its
 * `Equals`, for duplicate detection), whether its counts are integers (then it is stored in an integer
 * histogram chunk), and reducing schemas above 8 that newer writers may use.
 */
import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, customBoundsMatch, isStaleNaN, sameFloatBits, spansMatch, type Span } from '@vigil/model';

export const EXPONENTIAL_SCHEMA_MIN = -4;
export const EXPONENTIAL_SCHEMA_MAX = 8;
/** Schemas a reader accepts from storage (reducing those above 8). */
export const EXPONENTIAL_SCHEMA_MIN_RESERVED = -9;
export const EXPONENTIAL_SCHEMA_MAX_RESERVED = 52;

export function isStaleHistogram(h: FloatHistogram): boolean {
  return isStaleNaN(h.sum);
}

/** A staleness marker in histogram form: only the sum (the marker) is set. */
export function staleHistogram(sum: number): FloatHistogram {
  return new FloatHistogram({ sum });
}

export function isKnownSchema(schema: number): boolean {
  return schema === CUSTOM_BUCKETS_SCHEMA || (schema >= EXPONENTIAL_SCHEMA_MIN_RESERVED && schema <= EXPONENTIAL_SCHEMA_MAX_RESERVED);
}

function checkSpans(spans: readonly Span[], numBuckets: number, firstMayBeNegative: boolean): string | null {
  let n = 0;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (!Number.isInteger(s.offset) || !Number.isInteger(s.length) || s.length < 0) return `span number ${i + 1} is not a pair of integers`;
    if ((i > 0 || !firstMayBeNegative) && s.offset < 0) {
      return `span number ${i + 1} with offset ${s.offset}: histogram has a span whose offset is negative`;
    }
    n += s.length;
  }
  if (n !== numBuckets) return `spans need ${n} buckets, have ${numBuckets} buckets: histogram spans specify different number of buckets than provided`;
  return null;
}

function checkBuckets(buckets: readonly number[]): string | null {
  for (let i = 0; i < buckets.length; i++) {
    if (buckets[i] < 0) return `bucket number ${i + 1} has observation count of ${buckets[i]}: histogram has a bucket whose observation count is negative`;
  }
  return null;
}

/** Why `h` cannot be stored (Prometheus's messages), or null when it is valid. */
export function validateHistogram(h: FloatHistogram): string | null {
  if (isStaleHistogram(h)) return null;
  let err: string | null;
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    const bounds = h.customValues;
    let prev = -Infinity;
    for (let i = 0; i < bounds.length; i++) {
      if (Number.isNaN(bounds[i])) return 'custom buckets: histogram custom bounds must not be NaN';
      if (i > 0 && bounds[i] <= prev) {
        return `custom buckets: previous bound is ${prev} and current is ${bounds[i]}: histogram custom bounds must be in strictly increasing order`;
      }
      prev = bounds[i];
    }
    if (prev === Infinity) return 'custom buckets: last +Inf bound must not be explicitly defined: histogram custom bounds must be finite';
    if ((err = checkSpans(h.positiveSpans, h.positiveBuckets.length, false)) !== null) return `custom buckets: ${err}`;
    let total = 0;
    for (const s of h.positiveSpans) total += s.offset + s.length;
    if (bounds.length + 1 < total) {
      return `custom buckets: only ${bounds.length} custom bounds defined which is insufficient to cover total span length of ${total}: histogram custom bounds are too few`;
    }
    if (h.zeroCount !== 0) return 'custom buckets: must have zero count of 0';
    if (h.zeroThreshold !== 0) return 'custom buckets: must have zero threshold of 0';
    if (h.negativeSpans.length > 0) return 'custom buckets: must not have negative spans';
    if (h.negativeBuckets.length > 0) return 'custom buckets: must not have negative buckets';
  } else if (Number.isInteger(h.schema) && h.schema >= EXPONENTIAL_SCHEMA_MIN && h.schema <= EXPONENTIAL_SCHEMA_MAX) {
    if ((err = checkSpans(h.positiveSpans, h.positiveBuckets.length, true)) !== null) return `positive side: ${err}`;
    if ((err = checkSpans(h.negativeSpans, h.negativeBuckets.length, true)) !== null) return `negative side: ${err}`;
    if ((err = checkBuckets(h.negativeBuckets)) !== null) return `negative side: ${err}`;
    if (h.zeroCount < 0) return `zero bucket has observation count of ${h.zeroCount}: histogram has a bucket whose observation count is negative`;
    if (h.customValues.length > 0) return 'histogram with exponential schema must not have custom bounds';
  } else {
    return `histogram has an invalid schema, which must be between ${EXPONENTIAL_SCHEMA_MIN} and ${EXPONENTIAL_SCHEMA_MAX} for exponential buckets, or ${CUSTOM_BUCKETS_SCHEMA} for custom buckets, got schema ${h.schema}`;
  }
  if (h.count < 0) return `observation count is ${h.count}: histogram's observation count is negative`;
  if ((err = checkBuckets(h.positiveBuckets)) !== null) return `positive side: ${err}`;
  return null;
}

function bucketsMatch(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameFloatBits(a[i], b[i])) return false;
  return true;
}

/**
 * Whether two histograms are the same sample (Prometheus's `FloatHistogram.Equals`; the hint is not
 * compared). Unlike `histogramsEqual` of `@vigil/model` (which takes any NaN as equal to any other), values
 * are compared bit for bit: a staleness marker is a duplicate only of a staleness marker.
 */
export function histogramsEqual(a: FloatHistogram, b: FloatHistogram): boolean {
  if (a.schema !== b.schema || !sameFloatBits(a.count, b.count) || !sameFloatBits(a.sum, b.sum)) return false;
  if (a.schema === CUSTOM_BUCKETS_SCHEMA && !customBoundsMatch(a.customValues, b.customValues)) return false;
  if (a.zeroThreshold !== b.zeroThreshold || !sameFloatBits(a.zeroCount, b.zeroCount)) return false;
  return (
    spansMatch(a.negativeSpans, b.negativeSpans) &&
    bucketsMatch(a.negativeBuckets, b.negativeBuckets) &&
    spansMatch(a.positiveSpans, b.positiveSpans) &&
    bucketsMatch(a.positiveBuckets, b.positiveBuckets)
  );
}

function isCount(x: number): boolean {
  return x >= 0 && Number.isSafeInteger(x);
}

/** Whether every count of `h` is a non-negative integer (a staleness marker is), so an integer chunk can hold it. */
export function isIntegral(h: FloatHistogram): boolean {
  if (isStaleHistogram(h)) return true;
  if (!isCount(h.count) || !isCount(h.zeroCount)) return false;
  for (const b of h.positiveBuckets) if (!isCount(b)) return false;
  for (const b of h.negativeBuckets) if (!isCount(b)) return false;
  return true;
}

/** The index a bucket of schema `from` falls in at the coarser schema `to`. */
function targetIndex(idx: number, from: number, to: number): number {
  return Math.floor((idx - 1) / 2 ** (from - to)) + 1;
}

function reduceSide(spans: readonly Span[], buckets: readonly number[], from: number, to: number): { spans: Span[]; buckets: number[] } {
  const outIdx: number[] = [];
  const outCounts: number[] = [];
  let idx = 0;
  let k = 0;
  for (const s of spans) {
    idx += s.offset;
    for (let i = 0; i < s.length; i++, idx++, k++) {
      const ti = targetIndex(idx, from, to);
      if (outIdx.length > 0 && outIdx[outIdx.length - 1] === ti) outCounts[outCounts.length - 1] += buckets[k];
      else {
        outIdx.push(ti);
        outCounts.push(buckets[k]);
      }
    }
  }
  const out: Span[] = [];
  let next = 0;
  for (let i = 0; i < outIdx.length; i++) {
    if (out.length > 0 && outIdx[i] === next) out[out.length - 1] = { offset: out[out.length - 1].offset, length: out[out.length - 1].length + 1 };
    else out.push({ offset: out.length === 0 ? outIdx[i] : outIdx[i] - next, length: 1 });
    next = outIdx[i] + 1;
  }
  return { spans: out, buckets: outCounts };
}

/** Reduces a histogram of an exponential schema above `to` to schema `to`, in place (merging buckets). */
export function reduceResolution(h: FloatHistogram, to: number): void {
  if (h.schema <= to || h.schema === CUSTOM_BUCKETS_SCHEMA) return;
  const p = reduceSide(h.positiveSpans, h.positiveBuckets, h.schema, to);
  const n = reduceSide(h.negativeSpans, h.negativeBuckets, h.schema, to);
  h.positiveSpans = p.spans;
  h.positiveBuckets = p.buckets;
  h.negativeSpans = n.spans;
  h.negativeBuckets = n.buckets;
  h.schema = to;
}
