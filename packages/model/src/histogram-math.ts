/**
 * Arithmetic on native histograms, with Prometheus's semantics: scaling, addition and subtraction (with
 * schema and zero-bucket reconciliation, and custom bounds reconciled to their intersection), Kahan
 * compensated addition, compaction, resolution reduction, counter reset detection and equality. The
 * trim operators are in histogram-trim.ts.
 *
 * Like Prometheus's methods, the functions change the histogram they are given (the receiver) and leave
 * the other operand alone; copy first to keep the original.
 */
import { CounterResetHint, CUSTOM_BUCKETS_SCHEMA, FloatHistogram, type Span } from './histogram.js';
import {
  type BucketList,
  bucketBound,
  bucketList,
  exponentialBound,
  isExponentialSchema,
  negativeBuckets,
  positiveBuckets,
  spansOf,
} from './histogram-buckets.js';

/** Outcome of an addition or subtraction. */
export interface HistogramOpResult {
  /** False when one operand has custom buckets and the other standard ones: nothing was changed. */
  readonly ok: boolean;
  /** One operand was marked as a counter reset, the other as not a counter reset. */
  readonly counterResetCollision: boolean;
  /** Custom bucket bounds differed and were reduced to the common ones. */
  readonly nhcbBoundsReconciled: boolean;
}

const INCOMPATIBLE: HistogramOpResult = { ok: false, counterResetCollision: false, nhcbBoundsReconciled: false };

const MAX = Number.MAX_VALUE;

/** Kahan-Babuska (Neumaier) summation step; the new compensation is left in `kc.c`. */
const kc = { c: 0 };
function kahanInc(inc: number, sum: number, c: number): number {
  const t = sum + inc;
  if (t > MAX || t < -MAX) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  kc.c = c;
  return t;
}

export function customBoundsMatch(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Multiplies counts, sum and every bucket by `factor`; a negative factor makes it a gauge. */
export function mulHistogram(h: FloatHistogram, factor: number): FloatHistogram {
  h.zeroCount *= factor;
  h.count *= factor;
  h.sum *= factor;
  for (let i = 0; i < h.positiveBuckets.length; i++) h.positiveBuckets[i] *= factor;
  for (let i = 0; i < h.negativeBuckets.length; i++) h.negativeBuckets[i] *= factor;
  if (factor < 0) h.counterResetHint = CounterResetHint.Gauge;
  return h;
}

/** Divides like `mulHistogram` multiplies; dividing by zero removes every regular bucket. */
export function divHistogram(h: FloatHistogram, scalar: number): FloatHistogram {
  h.zeroCount /= scalar;
  h.count /= scalar;
  h.sum /= scalar;
  if (scalar === 0) {
    h.positiveBuckets = [];
    h.negativeBuckets = [];
    h.positiveSpans = [];
    h.negativeSpans = [];
    return h;
  }
  for (let i = 0; i < h.positiveBuckets.length; i++) h.positiveBuckets[i] /= scalar;
  for (let i = 0; i < h.negativeBuckets.length; i++) h.negativeBuckets[i] /= scalar;
  if (scalar < 0) h.counterResetHint = CounterResetHint.Gauge;
  return h;
}

/** True when a count, the sum, a bucket or a bound is infinite. */
export function histogramHasOverflow(h: FloatHistogram): boolean {
  const inf = (v: number): boolean => v === Infinity || v === -Infinity;
  if (inf(h.zeroCount) || inf(h.count) || inf(h.sum)) return true;
  return h.positiveBuckets.some(inf) || h.negativeBuckets.some(inf) || h.customValues.some(inf);
}

// ---------------------------------------------------------------------------------------------------
// Layout helpers

/** Merges buckets into the lower resolution `target` (buckets merged in index order). */
function reduceList(l: BucketList, comp: number[] | null, from: number, to: number): { list: BucketList; comp: number[] | null } {
  const shift = from - to;
  const idx: number[] = [];
  const cnt: number[] = [];
  const c: number[] | null = comp === null ? null : [];
  for (let k = 0; k < l.idx.length; k++) {
    const t = ((l.idx[k] - 1) >> shift) + 1;
    const last = idx.length - 1;
    if (last >= 0 && idx[last] === t) {
      if (c === null) {
        cnt[last] += l.cnt[k];
      } else {
        cnt[last] = kahanInc(l.cnt[k], cnt[last], c[last]);
        c[last] = kc.c;
        cnt[last] = kahanInc(comp![k], cnt[last], c[last]);
        c[last] = kc.c;
      }
    } else {
      idx.push(t);
      cnt.push(l.cnt[k]);
      if (c !== null) c.push(comp![k]);
    }
  }
  return { list: { idx, cnt }, comp: c };
}

function setPositive(h: FloatHistogram, l: BucketList): void {
  const r = spansOf(l.idx, l.cnt);
  h.positiveSpans = r.spans;
  h.positiveBuckets = r.buckets;
}

function setNegative(h: FloatHistogram, l: BucketList): void {
  const r = spansOf(l.idx, l.cnt);
  h.negativeSpans = r.spans;
  h.negativeBuckets = r.buckets;
}

/**
 * Adds (or subtracts) the buckets `b` into `a`. Buckets of `b` at or below the zero threshold (standard
 * schemas) are skipped: their counts are already in the zero bucket. `ca`/`cb` are Kahan compensations
 * parallel to `a`/`b` (null for plain addition).
 */
function addLists(
  schema: number,
  threshold: number,
  negative: boolean,
  a: BucketList,
  ca: number[] | null,
  b: BucketList,
  cb: number[] | null,
): { list: BucketList; comp: number[] | null } {
  const idx: number[] = [];
  const cnt: number[] = [];
  const comp: number[] | null = ca === null ? null : [];
  const exponential = isExponentialSchema(schema);
  let i = 0;
  let j = 0;
  while (j < b.idx.length && exponential && exponentialBound(b.idx[j], schema) <= threshold) j++;
  while (i < a.idx.length || j < b.idx.length) {
    if (j >= b.idx.length || (i < a.idx.length && a.idx[i] < b.idx[j])) {
      idx.push(a.idx[i]);
      cnt.push(a.cnt[i]);
      if (comp !== null) comp.push(ca![i]);
      i++;
      continue;
    }
    let vb = b.cnt[j];
    let vcb = cb === null ? 0 : cb[j];
    if (negative) {
      vb = -vb;
      vcb = -vcb;
    }
    if (i < a.idx.length && a.idx[i] === b.idx[j]) {
      idx.push(a.idx[i]);
      if (comp === null) {
        cnt.push(a.cnt[i] + vb);
      } else {
        let v = kahanInc(vb, a.cnt[i], ca![i]);
        let c = kc.c;
        if (vcb !== 0) {
          v = kahanInc(vcb, v, c);
          c = kc.c;
        }
        cnt.push(v);
        comp.push(c);
      }
      i++;
    } else {
      idx.push(b.idx[j]);
      cnt.push(vb);
      if (comp !== null) comp.push(vcb);
    }
    j++;
  }
  return { list: { idx, cnt }, comp };
}

// ---------------------------------------------------------------------------------------------------
// Compaction and resolution

/**
 * Drops empty buckets, then joins spans at most `maxEmptyBuckets` apart (filling the gap with empty
 * buckets). With 0, exactly the populated buckets remain.
 */
export function compactHistogram(h: FloatHistogram, maxEmptyBuckets = 0): FloatHistogram {
  h.positiveBuckets = compactSide(h, true, maxEmptyBuckets, null);
  h.negativeBuckets = compactSide(h, false, maxEmptyBuckets, null);
  return h;
}

/** Compacts one side (and the parallel compensation buckets `c`, if given); sets the spans. */
function compactSide(h: FloatHistogram, positive: boolean, maxEmpty: number, c: FloatHistogram | null): number[] {
  const l = positive ? bucketList(h.positiveSpans, h.positiveBuckets) : bucketList(h.negativeSpans, h.negativeBuckets);
  const cb = c === null ? null : positive ? c.positiveBuckets : c.negativeBuckets;
  const idx: number[] = [];
  const cnt: number[] = [];
  const comp: number[] = [];
  for (let k = 0; k < l.idx.length; k++) {
    const compK = cb === null ? 0 : cb[k];
    if (l.cnt[k] === 0 && compK === 0) continue;
    if (maxEmpty > 0 && idx.length > 0) {
      const gap = l.idx[k] - idx[idx.length - 1] - 1;
      if (gap > 0 && gap <= maxEmpty) {
        for (let g = 1; g <= gap; g++) {
          idx.push(idx[idx.length - 1] + 1);
          cnt.push(0);
          comp.push(0);
        }
      }
    }
    idx.push(l.idx[k]);
    cnt.push(l.cnt[k]);
    comp.push(compK);
  }
  const r = spansOf(idx, cnt);
  if (positive) h.positiveSpans = r.spans;
  else h.negativeSpans = r.spans;
  if (c !== null) {
    if (positive) {
      c.positiveSpans = r.spans;
      c.positiveBuckets = comp;
    } else {
      c.negativeSpans = r.spans;
      c.negativeBuckets = comp;
    }
  }
  return r.buckets;
}

/** Lowers the resolution to `targetSchema` (< schema) by merging neighbouring buckets. */
export function reduceHistogramResolution(h: FloatHistogram, targetSchema: number): FloatHistogram {
  if (h.schema === CUSTOM_BUCKETS_SCHEMA || targetSchema === CUSTOM_BUCKETS_SCHEMA || targetSchema >= h.schema) return h;
  setPositive(h, reduceList(bucketList(h.positiveSpans, h.positiveBuckets), null, h.schema, targetSchema).list);
  setNegative(h, reduceList(bucketList(h.negativeSpans, h.negativeBuckets), null, h.schema, targetSchema).list);
  h.schema = targetSchema;
  return h;
}

/** A copy in the lower (or equal) resolution `targetSchema`; the counter reset hint is not copied. */
export function copyHistogramToSchema(h: FloatHistogram, targetSchema: number): FloatHistogram {
  if (targetSchema === h.schema) return h.copy();
  const c = h.copy();
  c.counterResetHint = CounterResetHint.Unknown;
  return reduceHistogramResolution(c, targetSchema);
}

// ---------------------------------------------------------------------------------------------------
// Zero bucket reconciliation

/**
 * The zero count `h` would have with the larger threshold, the threshold actually needed (moved up to
 * a bucket boundary when it would split a populated bucket), and the Kahan compensation of that sum.
 */
function zeroCountForLargerThreshold(h: FloatHistogram, largerThreshold: number, c: FloatHistogram | null): [number, number, number] {
  let cz = c === null ? 0 : c.zeroCount;
  if (largerThreshold === h.zeroThreshold) return [h.zeroCount, largerThreshold, cz];
  const pos = positiveBuckets(h);
  const neg = negativeBuckets(h);
  outer: for (;;) {
    let hz = h.zeroCount;
    for (let k = 0; k < pos.length; k++) {
      const b = pos[k];
      if (b.lower >= largerThreshold) break;
      hz = kahanInc(b.count, hz, cz);
      cz = kc.c;
      if (c !== null) {
        hz = kahanInc(c.positiveBuckets[k], hz, cz);
        cz = kc.c;
      }
      if (b.upper > largerThreshold) {
        if (b.count !== 0) largerThreshold = b.upper;
        break;
      }
    }
    for (let k = 0; k < neg.length; k++) {
      const b = neg[k];
      if (b.upper <= -largerThreshold) break;
      hz = kahanInc(b.count, hz, cz);
      cz = kc.c;
      if (c !== null) {
        hz = kahanInc(c.negativeBuckets[k], hz, cz);
        cz = kc.c;
      }
      if (b.lower < -largerThreshold) {
        if (b.count !== 0) {
          largerThreshold = -b.lower;
          continue outer;
        }
        break;
      }
    }
    return [hz, largerThreshold, cz];
  }
}

/** Empties the buckets inside the zero bucket (their counts are already in the zero count). */
function trimBucketsInZeroBucket(h: FloatHistogram, c: FloatHistogram | null): void {
  const pos = positiveBuckets(h);
  for (let k = 0; k < pos.length && pos[k].lower < h.zeroThreshold; k++) {
    h.positiveBuckets[k] = 0;
    if (c !== null) c.positiveBuckets[k] = 0;
  }
  const neg = negativeBuckets(h);
  for (let k = 0; k < neg.length && neg[k].upper > -h.zeroThreshold; k++) {
    h.negativeBuckets[k] = 0;
    if (c !== null) c.negativeBuckets[k] = 0;
  }
  h.positiveBuckets = compactSide(h, true, 0, c);
  h.negativeBuckets = compactSide(h, false, 0, c);
}

/**
 * Widens the zero bucket of `h` (and of its compensation `c`) to cover both zero buckets; returns the
 * zero count `other` would have with that threshold, and its compensation.
 */
function reconcileZeroBuckets(h: FloatHistogram, other: FloatHistogram, c: FloatHistogram | null): [number, number] {
  let otherZeroCount = other.zeroCount;
  let otherThreshold = other.zeroThreshold;
  let otherComp = 0;
  while (otherThreshold !== h.zeroThreshold) {
    if (h.zeroThreshold > otherThreshold) {
      [otherZeroCount, otherThreshold, otherComp] = zeroCountForLargerThreshold(other, h.zeroThreshold, null);
    }
    if (otherThreshold > h.zeroThreshold) {
      const [zc, zt, cz] = zeroCountForLargerThreshold(h, otherThreshold, c);
      h.zeroCount = zc;
      h.zeroThreshold = zt;
      if (c !== null) c.zeroCount = cz;
      trimBucketsInZeroBucket(h, c);
    }
  }
  return [otherZeroCount, otherComp];
}

// ---------------------------------------------------------------------------------------------------
// Addition and subtraction

/** Combines the counter reset hints for an addition; true on a CounterReset/NotCounterReset clash. */
function adjustCounterReset(h: FloatHistogram, other: FloatHistogram): boolean {
  const a = h.counterResetHint;
  const b = other.counterResetHint;
  if (a === b || a === CounterResetHint.Gauge) return false;
  if (b === CounterResetHint.Gauge) {
    h.counterResetHint = CounterResetHint.Gauge;
    return false;
  }
  if (a === CounterResetHint.Unknown) return false;
  h.counterResetHint = CounterResetHint.Unknown;
  return b !== CounterResetHint.Unknown;
}

/** The bounds both lists share (empty when either is empty). */
export function intersectCustomBounds(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) {
      i++;
    } else {
      j++;
    }
  }
  return out;
}

/**
 * Adds (or subtracts) custom buckets with different bounds: both sides are mapped onto `bounds` (each
 * bucket goes to the first common bound at or above its own upper bound, else to the overflow bucket).
 */
function addMismatchedCustom(
  negative: boolean,
  a: BucketList,
  boundsA: readonly number[],
  ca: number[] | null,
  b: BucketList,
  boundsB: readonly number[],
  bounds: readonly number[],
): { list: BucketList; comp: number[] } {
  const target = new Array<number>(bounds.length + 1).fill(0);
  const cTarget = new Array<number>(bounds.length + 1).fill(0);
  const map = (l: BucketList, src: readonly number[], neg: boolean, comp: number[] | null): void => {
    let k = 0;
    for (let n = 0; n < l.idx.length; n++) {
      const srcIdx = l.idx[n];
      let t = target.length - 1;
      if (srcIdx < src.length) {
        const srcBound = src[srcIdx];
        while (k < bounds.length) {
          if (bounds[k] >= srcBound) {
            t = k;
            break;
          }
          k++;
        }
      }
      target[t] = kahanInc(neg ? -l.cnt[n] : l.cnt[n], target[t], cTarget[t]);
      cTarget[t] = kc.c;
      if (comp !== null) {
        target[t] = kahanInc(comp[n], target[t], cTarget[t]);
        cTarget[t] = kc.c;
      }
    }
  };
  map(a, boundsA, false, ca);
  map(b, boundsB, negative, null);
  const idx: number[] = [];
  const cnt: number[] = [];
  const comp: number[] = [];
  for (let t = 0; t < target.length; t++) {
    if (target[t] === 0 && cTarget[t] === 0) continue;
    idx.push(t);
    cnt.push(target[t]);
    comp.push(cTarget[t]);
  }
  return { list: { idx, cnt }, comp };
}

function addOrSub(h: FloatHistogram, other: FloatHistogram, negative: boolean): HistogramOpResult {
  if (h.usesCustomBuckets() !== other.usesCustomBuckets()) return INCOMPATIBLE;
  const counterResetCollision = adjustCounterReset(h, other);
  if (!h.usesCustomBuckets()) {
    const [oz] = reconcileZeroBuckets(h, other, null);
    h.zeroCount = negative ? h.zeroCount - oz : h.zeroCount + oz;
  }
  if (negative) {
    h.count -= other.count;
    h.sum -= other.sum;
  } else {
    h.count += other.count;
    h.sum += other.sum;
  }
  let hp = bucketList(h.positiveSpans, h.positiveBuckets);
  let op = bucketList(other.positiveSpans, other.positiveBuckets);
  if (h.usesCustomBuckets()) {
    if (customBoundsMatch(h.customValues, other.customValues)) {
      setPositive(h, addLists(h.schema, h.zeroThreshold, negative, hp, null, op, null).list);
      return { ok: true, counterResetCollision, nhcbBoundsReconciled: false };
    }
    const bounds = intersectCustomBounds(h.customValues, other.customValues);
    setPositive(h, addMismatchedCustom(negative, hp, h.customValues, null, op, other.customValues, bounds).list);
    h.customValues = bounds;
    return { ok: true, counterResetCollision, nhcbBoundsReconciled: true };
  }
  let hn = bucketList(h.negativeSpans, h.negativeBuckets);
  let on = bucketList(other.negativeSpans, other.negativeBuckets);
  if (other.schema < h.schema) {
    hp = reduceList(hp, null, h.schema, other.schema).list;
    hn = reduceList(hn, null, h.schema, other.schema).list;
    h.schema = other.schema;
  } else if (other.schema > h.schema) {
    op = reduceList(op, null, other.schema, h.schema).list;
    on = reduceList(on, null, other.schema, h.schema).list;
  }
  setPositive(h, addLists(h.schema, h.zeroThreshold, negative, hp, null, op, null).list);
  setNegative(h, addLists(h.schema, h.zeroThreshold, negative, hn, null, on, null).list);
  return { ok: true, counterResetCollision, nhcbBoundsReconciled: false };
}

/**
 * Adds `other` into `h`: counts, sum and buckets (missing buckets are inserted). Schemas are reduced to
 * the lower one, zero buckets widened to the larger one, custom bounds reduced to the common ones.
 */
export function addHistogram(h: FloatHistogram, other: FloatHistogram): HistogramOpResult {
  return addOrSub(h, other, false);
}

/**
 * Subtracts `other` from `h`, like `addHistogram`. The counter reset hint is combined as for addition;
 * the `-` operator marks its result as a gauge itself.
 */
export function subHistogram(h: FloatHistogram, other: FloatHistogram): HistogramOpResult {
  return addOrSub(h, other, true);
}

/** A compensation histogram for `kahanAddHistogram`: the layout of `h`, all zero. */
function newCompensation(h: FloatHistogram): FloatHistogram {
  return new FloatHistogram({
    counterResetHint: h.counterResetHint,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    customValues: h.customValues,
    positiveSpans: h.positiveSpans,
    positiveBuckets: new Array<number>(h.positiveBuckets.length).fill(0),
    negativeSpans: h.negativeSpans,
    negativeBuckets: new Array<number>(h.usesCustomBuckets() ? 0 : h.negativeBuckets.length).fill(0),
  });
}

/**
 * `addHistogram` with Kahan summation: `c` holds the running compensation in the layout of `h` (null
 * at the start: one is created). Add the final `c` to `h` to get the compensated total.
 */
export function kahanAddHistogram(h: FloatHistogram, other: FloatHistogram, c: FloatHistogram | null): HistogramOpResult & { c: FloatHistogram | null } {
  if (h.usesCustomBuckets() !== other.usesCustomBuckets()) return { ...INCOMPATIBLE, c };
  const counterResetCollision = adjustCounterReset(h, other);
  const comp = c ?? newCompensation(h);
  if (!h.usesCustomBuckets()) {
    const [oz, ocz] = reconcileZeroBuckets(h, other, comp);
    h.zeroCount = kahanInc(oz, h.zeroCount, comp.zeroCount);
    comp.zeroCount = kc.c;
    h.zeroCount = kahanInc(ocz, h.zeroCount, comp.zeroCount);
    comp.zeroCount = kc.c;
  }
  h.count = kahanInc(other.count, h.count, comp.count);
  comp.count = kc.c;
  h.sum = kahanInc(other.sum, h.sum, comp.sum);
  comp.sum = kc.c;
  let hp = bucketList(h.positiveSpans, h.positiveBuckets);
  let cp: number[] = comp.positiveBuckets.slice();
  let op = bucketList(other.positiveSpans, other.positiveBuckets);
  if (h.usesCustomBuckets()) {
    let nhcbBoundsReconciled = false;
    if (customBoundsMatch(h.customValues, other.customValues)) {
      const r = addLists(h.schema, h.zeroThreshold, false, hp, cp, op, null);
      setPositive(h, r.list);
      comp.positiveBuckets = r.comp!;
    } else {
      nhcbBoundsReconciled = true;
      const bounds = intersectCustomBounds(h.customValues, other.customValues);
      const r = addMismatchedCustom(false, hp, h.customValues, cp, op, other.customValues, bounds);
      setPositive(h, r.list);
      comp.positiveBuckets = r.comp;
      h.customValues = bounds;
      comp.customValues = bounds;
    }
    comp.positiveSpans = h.positiveSpans;
    return { ok: true, counterResetCollision, nhcbBoundsReconciled, c: comp };
  }
  let hn = bucketList(h.negativeSpans, h.negativeBuckets);
  let cn: number[] = comp.negativeBuckets.slice();
  let on = bucketList(other.negativeSpans, other.negativeBuckets);
  let ocp: number[] | null = null;
  let ocn: number[] | null = null;
  if (other.schema < h.schema) {
    const rp = reduceList(hp, cp, h.schema, other.schema);
    const rn = reduceList(hn, cn, h.schema, other.schema);
    hp = rp.list;
    cp = rp.comp!;
    hn = rn.list;
    cn = rn.comp!;
    h.schema = other.schema;
  } else if (other.schema > h.schema) {
    if (op.idx.length > 0) {
      const r = reduceList(op, new Array<number>(op.idx.length).fill(0), other.schema, h.schema);
      op = r.list;
      ocp = r.comp;
    }
    if (on.idx.length > 0) {
      const r = reduceList(on, new Array<number>(on.idx.length).fill(0), other.schema, h.schema);
      on = r.list;
      ocn = r.comp;
    }
  }
  const rp = addLists(h.schema, h.zeroThreshold, false, hp, cp, op, ocp);
  const rn = addLists(h.schema, h.zeroThreshold, false, hn, cn, on, ocn);
  setPositive(h, rp.list);
  setNegative(h, rn.list);
  comp.positiveBuckets = rp.comp!;
  comp.negativeBuckets = rn.comp!;
  comp.schema = h.schema;
  comp.zeroThreshold = h.zeroThreshold;
  comp.positiveSpans = h.positiveSpans;
  comp.negativeSpans = h.negativeSpans;
  return { ok: true, counterResetCollision, nhcbBoundsReconciled: false, c: comp };
}

// ---------------------------------------------------------------------------------------------------
// Counter resets

/** Merged buckets of one side in `schema` (<= the histogram's), skipping those ending at or below `start`. */
function sideInSchema(h: FloatHistogram, positive: boolean, schema: number, start: number): BucketList {
  let l = positive ? bucketList(h.positiveSpans, h.positiveBuckets) : bucketList(h.negativeSpans, h.negativeBuckets);
  if (schema !== h.schema) l = reduceList(l, null, h.schema, schema).list;
  if (start === 0 || !isExponentialSchema(schema)) return l;
  let k = 0;
  while (k < l.idx.length && exponentialBound(l.idx[k], schema) <= start) k++;
  return k === 0 ? l : { idx: l.idx.slice(k), cnt: l.cnt.slice(k) };
}

/** A bucket of `prev` that is populated and missing or lower in `curr`. */
function bucketsReset(curr: BucketList, prev: BucketList): boolean {
  let i = 0;
  for (let p = 0; p < prev.idx.length; p++) {
    while (i < curr.idx.length && curr.idx[i] < prev.idx[p]) i++;
    if (i >= curr.idx.length || curr.idx[i] > prev.idx[p]) {
      if (prev.cnt[p] !== 0) return true;
    } else if (curr.cnt[i] < prev.cnt[p]) {
      return true;
    }
  }
  return false;
}

/** Counter reset detection between custom-bucket histograms with different bounds (at the common bounds). */
function resetWithMismatchedBounds(h: FloatHistogram, prev: FloatHistogram): boolean {
  const cumulativeAt = (x: FloatHistogram, bound: number, from: { k: number; sum: number }): number => {
    const l = bucketList(x.positiveSpans, x.positiveBuckets);
    let sum = 0;
    while (from.k < l.idx.length && bucketBound(l.idx[from.k], x.schema, x.customValues) <= bound) {
      sum += l.cnt[from.k];
      from.k++;
    }
    return sum;
  };
  const cur = { k: 0, sum: 0 };
  const prv = { k: 0, sum: 0 };
  const a = h.customValues;
  const b = prev.customValues;
  let i = 0;
  let j = 0;
  while (i <= a.length && j <= b.length) {
    const ba = i < a.length ? a[i] : Infinity;
    const bb = j < b.length ? b[j] : Infinity;
    if (ba === bb) {
      if (cumulativeAt(h, ba, cur) < cumulativeAt(prev, ba, prv)) return true;
      i++;
      j++;
    } else if (ba < bb) {
      i++;
    } else {
      j++;
    }
  }
  return false;
}

/**
 * True when `h` cannot follow `previous` without a counter reset: an explicit hint says so, the count or
 * a bucket (zero bucket included) dropped, a populated bucket vanished, the resolution grew or the zero
 * bucket shrank or would split a populated bucket. A drop of the sum alone is no reset.
 */
export function detectHistogramReset(h: FloatHistogram, previous: FloatHistogram): boolean {
  if (h.counterResetHint === CounterResetHint.CounterReset) return true;
  if (h.counterResetHint === CounterResetHint.NotCounterReset) return false;
  if (h.count < previous.count) return true;
  if (h.usesCustomBuckets()) {
    if (!previous.usesCustomBuckets()) return true;
    if (!customBoundsMatch(h.customValues, previous.customValues)) return resetWithMismatchedBounds(h, previous);
  }
  if (h.schema > previous.schema) return true;
  if (h.zeroThreshold < previous.zeroThreshold) return true;
  const [prevZeroCount, threshold] = zeroCountForLargerThreshold(previous, h.zeroThreshold, null);
  if (threshold !== h.zeroThreshold) return true;
  if (h.zeroCount < prevZeroCount) return true;
  const zt = h.zeroThreshold;
  if (bucketsReset(sideInSchema(h, true, h.schema, zt), sideInSchema(previous, true, h.schema, zt))) return true;
  return bucketsReset(sideInSchema(h, false, h.schema, zt), sideInSchema(previous, false, h.schema, zt));
}

// ---------------------------------------------------------------------------------------------------
// Equality

const sameBits = (a: number, b: number): boolean => Object.is(a, b) || (a !== a && b !== b);

/** Spans describe the same buckets (zero-length spans do not matter). */
export function spansMatch(s1: readonly Span[], s2: readonly Span[]): boolean {
  const norm = (s: readonly Span[]): Span[] => {
    const out: Span[] = [];
    let carry = 0;
    for (const sp of s) {
      if (sp.length === 0) {
        carry += sp.offset;
        continue;
      }
      out.push({ offset: sp.offset + carry, length: sp.length });
      carry = 0;
    }
    return out;
  };
  const a = norm(s1);
  const b = norm(s2);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].offset !== b[i].offset || a[i].length !== b[i].length) return false;
  return true;
}

/**
 * Prometheus's `Equals`: same schema, custom bounds, zero threshold, bucket layout (empty buckets
 * included) and bit-identical counts, sum and buckets. The counter reset hint does not matter.
 */
export function histogramsEqual(a: FloatHistogram, b: FloatHistogram): boolean {
  if (a.schema !== b.schema || !sameBits(a.count, b.count) || !sameBits(a.sum, b.sum)) return false;
  if (a.usesCustomBuckets() && !customBoundsMatch(a.customValues, b.customValues)) return false;
  if (a.zeroThreshold !== b.zeroThreshold || !sameBits(a.zeroCount, b.zeroCount)) return false;
  const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((v, i) => sameBits(v, y[i]));
  if (!spansMatch(a.negativeSpans, b.negativeSpans) || !same(a.negativeBuckets, b.negativeBuckets)) return false;
  return spansMatch(a.positiveSpans, b.positiveSpans) && same(a.positiveBuckets, b.positiveBuckets);
}
