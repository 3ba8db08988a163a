/**
 * Bucket boundaries and bucket iteration of native histograms (see `histogram.ts` for the layout).
 *
 * Standard schemas: bucket i covers (base^(i-1), base^i], base = 2^(2^-schema); the bucket holding the
 * largest float64 ends at MAX_VALUE and the next one (the overflow bucket) at +Inf. Negative buckets are
 * mirrored. Custom buckets (schema -53): bucket i covers (customValues[i-1], customValues[i]], bucket 0
 * starts at -Inf and bucket customValues.length ends at +Inf.
 */
import { formatFloat } from './format.js';
import { CUSTOM_BUCKETS_SCHEMA, type FloatHistogram, type Span } from './histogram.js';

/** One bucket with its boundaries, as the bucket iterators return it. */
export interface HistogramBucket {
  lower: number;
  upper: number;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  count: number;
  /** Index within the schema (irrelevant for the zero bucket). */
  index: number;
}

/** Bucket indices and counts of one side of a histogram, in ascending index order. */
export interface BucketList {
  idx: number[];
  cnt: number[];
}

export function isExponentialSchema(schema: number): boolean {
  return schema >= -4 && schema <= 8;
}

// ---- boundaries ----

/**
 * Prometheus's bucket boundary fractions for schema 8: f_k ~ 2^(k/256 - 1) in [0.5, 1). They are not all
 * the doubles nearest to the exact values: Prometheus's table (which fixes the boundaries every
 * implementation must reproduce) is up to 4 units in the last place lower. Each value here is the
 * correctly rounded one (exact integer arithmetic) plus the offset in ulps given by this string
 * (character code - 52, i.e. '0' is -4 and '5' is +1). Schema s uses every 2^(8-s)-th fraction.
 */
const FRACTION_OFFSETS = '4444443444344444443244333333333344344434433344334433453344334433444444333322342344344434444344444443454434224433433344343422333334343322332334333333332323222322443344343322342233223433232233233312332322122212222222111100120133233222231133222312332222012211';

let fractions8: Float64Array | null = null;

function schema8Fractions(): Float64Array {
  if (fractions8 !== null) return fractions8;
  const t = new Float64Array(256);
  const N = 256n;
  for (let k = 0; k < 256; k++) {
    // c = M * 2^-53 with M in [2^52, 2^53); c is correctly rounded when (2M-1)^N <= 2^(k + 53N) <= (2M+1)^N.
    let m = BigInt(Math.round(Math.pow(2, k / 256 - 1) * 2 ** 53));
    const target = 1n << (BigInt(k) + 53n * N);
    for (let guard = 0; guard < 8; guard++) {
      if ((2n * m - 1n) ** N > target) m -= 1n;
      else if ((2n * m + 1n) ** N < target) m += 1n;
      else break;
    }
    t[k] = Number(m + BigInt(FRACTION_OFFSETS.charCodeAt(k) - 52)) / 2 ** 53;
  }
  fractions8 = t;
  return t;
}

const fractionTables: (Float64Array | undefined)[] = [];

function fractionTable(schema: number): Float64Array {
  let t = fractionTables[schema];
  if (t !== undefined) return t;
  const all = schema8Fractions();
  const n = 1 << schema;
  t = new Float64Array(n);
  for (let k = 0; k < n; k++) t[k] = all[k << (8 - schema)];
  fractionTables[schema] = t;
  return t;
}

/** Go's `math.Ldexp(frac, exp)` for the ranges bucket boundaries use. */
function ldexp(frac: number, exp: number): number {
  if (exp > 1000) return frac * 2 ** (exp - 100) * 2 ** 100;
  if (exp < -1000) return frac * 2 ** (exp + 100) * 2 ** -100;
  return frac * 2 ** exp;
}

/** Upper bound of positive bucket `idx` in a standard schema. */
export function exponentialBound(idx: number, schema: number): number {
  if (schema < 0) {
    const exp = idx * 2 ** -schema;
    // The bucket holding MAX_VALUE ends there rather than at the overflowing power of two.
    if (exp === 1024) return Number.MAX_VALUE;
    return ldexp(1, exp);
  }
  const frac = fractionTable(schema)[idx & ((1 << schema) - 1)];
  const exp = (idx >> schema) + 1;
  if (frac === 0.5 && exp === 1025) return Number.MAX_VALUE;
  return ldexp(frac, exp);
}

/** Upper bound of (positive) bucket `idx` in any schema. */
export function bucketBound(idx: number, schema: number, customValues: readonly number[]): number {
  if (schema === CUSTOM_BUCKETS_SCHEMA) {
    if (idx === customValues.length) return Infinity;
    if (idx === -1) return -Infinity;
    return customValues[idx];
  }
  return exponentialBound(idx, schema);
}

// ---- lists and spans ----

/** Expands spans and buckets into (index, count) pairs, empty buckets included. */
export function bucketList(spans: readonly Span[], buckets: readonly number[]): BucketList {
  const idx: number[] = [];
  const cnt: number[] = [];
  let i = 0;
  let b = 0;
  for (let s = 0; s < spans.length; s++) {
    i += spans[s].offset;
    for (let k = 0; k < spans[s].length && b < buckets.length; k++) {
      idx.push(i);
      cnt.push(buckets[b]);
      i++;
      b++;
    }
  }
  return { idx, cnt };
}

/** Spans covering exactly the bucket indices `idx`, in ascending order. */
export function spansOfIndices(idx: readonly number[]): Span[] {
  const spans: Span[] = [];
  let last = 0;
  let len = 0;
  let offset = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (len > 0 && i === last + 1) {
      len++;
    } else {
      if (len > 0) spans.push({ offset, length: len });
      offset = spans.length === 0 && len === 0 ? i : i - last - 1;
      len = 1;
    }
    last = i;
  }
  if (len > 0) spans.push({ offset, length: len });
  return spans;
}

/** Spans and buckets for (index, count) pairs in ascending index order (every pair kept). */
export function spansOf(idx: readonly number[], cnt: readonly number[]): { spans: Span[]; buckets: number[] } {
  const buckets: number[] = [];
  for (let k = 0; k < idx.length; k++) buckets.push(cnt[k]);
  return { spans: spansOfIndices(idx), buckets };
}

// ---- iteration ----

function makeBucket(h: FloatHistogram, index: number, count: number, positive: boolean): HistogramBucket {
  const cv = h.customValues;
  let lower: number;
  let upper: number;
  if (positive) {
    upper = bucketBound(index, h.schema, cv);
    lower = bucketBound(index - 1, h.schema, cv);
  } else {
    lower = -bucketBound(index, h.schema, cv);
    upper = -bucketBound(index - 1, h.schema, cv);
  }
  const custom = h.schema === CUSTOM_BUCKETS_SCHEMA;
  return {
    lower,
    upper,
    lowerInclusive: custom ? index === 0 : lower < 0,
    upperInclusive: custom ? true : upper > 0,
    count,
    index,
  };
}

/** Positive buckets in ascending order (starting next to zero), empty ones included. */
export function positiveBuckets(h: FloatHistogram): HistogramBucket[] {
  const l = bucketList(h.positiveSpans, h.positiveBuckets);
  return l.idx.map((i, k) => makeBucket(h, i, l.cnt[k], true));
}

/** Negative buckets in descending order (starting next to zero), empty ones included. */
export function negativeBuckets(h: FloatHistogram): HistogramBucket[] {
  const l = bucketList(h.negativeSpans, h.negativeBuckets);
  return l.idx.map((i, k) => makeBucket(h, i, l.cnt[k], false));
}

/** The zero bucket [-threshold, threshold] (standard schemas only). */
export function zeroBucket(h: FloatHistogram): HistogramBucket {
  return { lower: -h.zeroThreshold, upper: h.zeroThreshold, lowerInclusive: true, upperInclusive: true, count: h.zeroCount, index: 0 };
}

function clampToZeroBucket(h: FloatHistogram, b: HistogramBucket): HistogramBucket {
  if (b.upper < 0 && b.upper > -h.zeroThreshold) b.upper = -h.zeroThreshold;
  else if (b.lower > 0 && b.lower < h.zeroThreshold) b.lower = h.zeroThreshold;
  return b;
}

/**
 * Every bucket from the lowest to the highest: negative buckets, the zero bucket (when populated), the
 * positive buckets. Buckets overlapping the zero bucket are cut at its threshold.
 */
export function allBuckets(h: FloatHistogram): HistogramBucket[] {
  const out: HistogramBucket[] = [];
  const neg = negativeBuckets(h);
  for (let k = neg.length - 1; k >= 0; k--) out.push(clampToZeroBucket(h, neg[k]));
  if (h.zeroCount > 0) out.push(zeroBucket(h));
  for (const b of positiveBuckets(h)) out.push(clampToZeroBucket(h, b));
  return out;
}

/** `allBuckets` from the highest bucket down. */
export function allBucketsReverse(h: FloatHistogram): HistogramBucket[] {
  return allBuckets(h).reverse();
}

function bucketString(b: HistogramBucket): string {
  return `${b.lowerInclusive ? '[' : '('}${formatFloat(b.lower)},${formatFloat(b.upper)}${b.upperInclusive ? ']' : ')'}:${formatFloat(b.count)}`;
}

/** The text form Prometheus prints (`FloatHistogram.String`): `{count:3, sum:5, [-4,-2):1, (0.5,1]:2}`. */
export function histogramString(h: FloatHistogram): string {
  let s = `{count:${formatFloat(h.count)}, sum:${formatFloat(h.sum)}`;
  const neg = negativeBuckets(h).filter((b) => b.count !== 0);
  for (let k = neg.length - 1; k >= 0; k--) s += ', ' + bucketString(neg[k]);
  if (h.zeroCount !== 0) s += ', ' + bucketString(zeroBucket(h));
  for (const b of positiveBuckets(h)) if (b.count !== 0) s += ', ' + bucketString(b);
  return s + '}';
}
