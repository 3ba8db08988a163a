/**
 * The bucket layout of a histogram chunk (chunks.md, "Histogram chunk data"): zero threshold, schema,
 * positive and negative spans and, for schema -53, the custom bucket bounds; written once at the start of
 * a chunk and shared by all its samples. Also the layout arithmetic Prometheus's appenders use to decide
 * whether a sample fits a chunk: walking bucket indices of spans, finding the buckets one layout lacks
 * against another ("inserts"), and widening a chunk's samples to a larger layout.
 *
 * Bucket counts are handled as absolute values here (the integer chunk's deltas are taken when written).
 */
import { CUSTOM_BUCKETS_SCHEMA, spansOfIndices, type Span } from '@vigil/model';
import type { BitWriter } from './bstream.js';
import { writeFloatBits, writeVarbitInt, writeVarbitUint, type BitReader } from './varbit.js';

export interface HistogramLayout {
  schema: number;
  zeroThreshold: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
  customValues: number[];
}

export function writeZeroThreshold(w: BitWriter, threshold: number): void {
  if (threshold === 0) {
    w.writeByte(0);
    return;
  }
  // A power of two 2^(exp-1) with -242 <= exp <= 11 fits in one byte as exp + 243.
  const exp = Math.floor(Math.log2(threshold)) + 1;
  if (threshold > 0 && Number.isFinite(threshold) && 2 ** (exp - 1) === threshold && exp >= -242 && exp <= 11) {
    w.writeByte(exp + 243);
    return;
  }
  w.writeByte(255);
  writeFloatBits(w, threshold);
}

export function readZeroThreshold(r: BitReader): number {
  const b = r.byte();
  if (b === 0) return 0;
  if (b === 255) return r.float();
  return 2 ** (b - 243 - 1);
}

function writeSpans(w: BitWriter, spans: readonly Span[]): void {
  writeVarbitUint(w, spans.length);
  for (const s of spans) {
    writeVarbitUint(w, s.length);
    writeVarbitInt(w, s.offset);
  }
}

function readSpans(r: BitReader): Span[] {
  const n = r.varbitUint();
  if (n > 1 << 16) throw new RangeError(`${n} spans in a histogram chunk layout`);
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const length = r.varbitUint();
    const offset = r.varbitInt();
    spans.push({ offset, length });
  }
  return spans;
}

/** Custom bounds with at most three decimals and below 33554.43 take a short varbit; others 65 bits. */
function writeCustomBound(w: BitWriter, v: number): void {
  const scaled = v * 1000;
  const rounded = Math.round(scaled);
  if (scaled < 0 || scaled > 33554430 || rounded / 1000 !== v) {
    w.writeBit(0);
    writeFloatBits(w, v);
    return;
  }
  writeVarbitUint(w, rounded + 1);
}

function readCustomBound(r: BitReader): number {
  const b = r.varbitUint();
  if (b === 0) return r.float();
  return (b - 1) / 1000;
}

export function writeLayout(w: BitWriter, l: HistogramLayout): void {
  writeZeroThreshold(w, l.zeroThreshold);
  writeVarbitInt(w, l.schema);
  writeSpans(w, l.positiveSpans);
  writeSpans(w, l.negativeSpans);
  if (l.schema === CUSTOM_BUCKETS_SCHEMA) {
    writeVarbitUint(w, l.customValues.length);
    for (const v of l.customValues) writeCustomBound(w, v);
  }
}

export function readLayout(r: BitReader): HistogramLayout {
  const zeroThreshold = readZeroThreshold(r);
  const schema = r.varbitInt();
  const positiveSpans = readSpans(r);
  const negativeSpans = readSpans(r);
  const customValues: number[] = [];
  if (schema === CUSTOM_BUCKETS_SCHEMA) {
    const n = r.varbitUint();
    if (n > 1 << 16) throw new RangeError(`${n} custom bounds in a histogram chunk layout`);
    for (let i = 0; i < n; i++) customValues.push(readCustomBound(r));
  }
  return { schema, zeroThreshold, positiveSpans, negativeSpans, customValues };
}

/** Buckets the spans cover. */
export function countSpans(spans: readonly Span[]): number {
  let n = 0;
  for (const s of spans) n += s.length;
  return n;
}

/** The bucket indices covered by `spans`, in order. */
export function bucketIndices(spans: readonly Span[]): number[] {
  const out: number[] = [];
  let idx = 0;
  for (let i = 0; i < spans.length; i++) {
    idx += spans[i].offset;
    for (let k = 0; k < spans[i].length; k++) out.push(idx++);
  }
  return out;
}

/**
 * How a sample with buckets `bSpans`/`bCounts` relates to the chunk's last sample (`aSpans`/`aCounts`),
 * for a counter histogram: null when a bucket count went down or a populated bucket disappeared (a
 * counter reset); otherwise whether the chunk lacks some of the sample's buckets (`forward`: the chunk
 * must be widened) and whether the sample lacks some of the chunk's, all empty (`backward`: the sample is
 * widened with zeros). Prometheus's `expandIntSpansAndBuckets` / `expandFloatSpansAndBuckets`.
 */
export function compareCounterBuckets(
  aSpans: readonly Span[],
  aCounts: ArrayLike<number>,
  bSpans: readonly Span[],
  bCounts: ArrayLike<number>,
): { forward: boolean; backward: boolean } | null {
  const ai = bucketIndices(aSpans);
  const bi = bucketIndices(bSpans);
  let i = 0;
  let j = 0;
  let forward = false;
  let backward = false;
  while (i < ai.length || j < bi.length) {
    if (i < ai.length && j < bi.length && ai[i] === bi[j]) {
      if (aCounts[i] > bCounts[j]) return null;
      i++;
      j++;
    } else if (j >= bi.length || (i < ai.length && ai[i] < bi[j])) {
      // The sample lacks a bucket the chunk has: fine only when that bucket was empty.
      if (aCounts[i] !== 0) return null;
      backward = true;
      i++;
    } else {
      forward = true;
      j++;
    }
  }
  return { forward, backward };
}

/** The union of two bucket layouts (Prometheus's `expandSpansBothWays`, as gauge chunks use it). */
export function mergeSpans(a: readonly Span[], b: readonly Span[]): { spans: Span[]; forward: boolean; backward: boolean } {
  const ai = bucketIndices(a);
  const bi = bucketIndices(b);
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  let forward = false;
  let backward = false;
  while (i < ai.length || j < bi.length) {
    if (i < ai.length && j < bi.length && ai[i] === bi[j]) {
      merged.push(ai[i]);
      i++;
      j++;
    } else if (j >= bi.length || (i < ai.length && ai[i] < bi[j])) {
      merged.push(ai[i++]);
      backward = true;
    } else {
      merged.push(bi[j++]);
      forward = true;
    }
  }
  return { spans: spansOfIndices(merged), forward, backward };
}

/** Bucket counts of `spans` re-laid out to `to` (a superset of `spans`), zeros in the new buckets. */
export function widenBuckets(spans: readonly Span[], counts: ArrayLike<number>, to: readonly Span[]): number[] {
  const from = bucketIndices(spans);
  const target = bucketIndices(to);
  const out = new Array<number>(target.length).fill(0);
  let k = 0;
  for (let i = 0; i < from.length; i++) {
    while (k < target.length && target[k] < from[i]) k++;
    if (k < target.length && target[k] === from[i]) out[k] = counts[i];
  }
  return out;
}

/** The union of two span lists (for widening a sample to the chunk's layout plus its own buckets). */
export function unionSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  return mergeSpans(a, b).spans;
}
