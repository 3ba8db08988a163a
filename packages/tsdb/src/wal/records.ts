/**
 * WAL record payloads, as Prometheus's `tsdb/record` encodes them (conformance/tsdb-format/wal.md):
 *
 *   series (1):     { ref <BE64> | n <uvarint> | (len <uvarint> | bytes) x 2n }...
 *   samples (2):    first ref <BE64> | first t <BE64> | { dref <varint> | dt <varint> | value <BE64 bits> }...
 *   tombstones (3): { ref <BE64> | mint <varint> | maxt <varint> }...
 *   exemplars (4):  first ref <BE64> | first t <BE64> | { dref <varint> | dt <varint> | value <BE64> | labels }...
 *   histograms (7, 9 with custom buckets; 8, 10 with float counts):
 *                   first ref <BE64> | first t <BE64> | { dref <varint> | dt <varint> | histogram }...
 *     histogram: hint <1b> | schema <varint> | zero threshold <BE64 float> | zero count | count | sum <BE64 float>
 *                | spans (n <uvarint>, { offset <varint> | length <uvarint> }) x 2 | buckets (n <uvarint>, ...) x 2
 *                | custom bounds (n <uvarint>, <BE64 float>...) with schema -53
 *     where counts are uvarints and buckets varint deltas (7, 9), or all BE64 floats (8, 10).
 *
 * (The deltas are zig-zag varints, which is what Prometheus writes.) Encoders write into reusable
 * buffers; decoders call back per entry, so replay allocates nothing per sample.
 */
import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, Labels, VigilError, type CounterResetHint, type Span } from '@vigil/model';
import { EXPONENTIAL_SCHEMA_MAX, isKnownSchema, isStaleHistogram, reduceResolution } from '../chunkenc/histogram-util.js';

export const enum RecordType {
  Series = 1,
  Samples = 2,
  Tombstones = 3,
  Exemplars = 4,
  MmapMarkers = 5,
  Metadata = 6,
  HistogramSamples = 7,
  FloatHistogramSamples = 8,
  CustomBucketsHistogramSamples = 9,
  CustomBucketsFloatHistogramSamples = 10,
}

const TWO_32 = 4294967296;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** A growable byte buffer for one record at a time. */
export class RecordBuffer {
  buf: Uint8Array;
  view: DataView;
  len = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.len = 0;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  be64(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.view.setUint32(this.len, hi >>> 0);
    this.view.setUint32(this.len + 4, (v - hi * TWO_32) >>> 0);
    this.len += 8;
  }

  float(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.len, v);
    this.len += 8;
  }

  uvarint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.len;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v = v < TWO_32 ? v >>> 7 : Math.floor(v / 128);
    }
    b[p++] = v;
    this.len = p;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  str(s: string): void {
    // ASCII fast path: most label names and values.
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.uvarint(s.length);
      this.ensure(s.length);
      const b = this.buf;
      let p = this.len;
      for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
      this.len = p;
      return;
    }
    const enc = textEncoder.encode(s);
    this.uvarint(enc.length);
    this.ensure(enc.length);
    this.buf.set(enc, this.len);
    this.len += enc.length;
  }

  labels(ls: Labels): void {
    const f = ls.flat;
    this.uvarint(f.length >> 1);
    for (let i = 0; i < f.length; i++) this.str(f[i]);
  }
}

export function encodeSeriesRecord(b: RecordBuffer, refs: ArrayLike<number>, labels: ArrayLike<Labels>, n: number): Uint8Array {
  b.reset();
  b.byte(RecordType.Series);
  for (let i = 0; i < n; i++) {
    b.be64(refs[i]);
    b.labels(labels[i]);
  }
  return b.bytes();
}

/** Samples `[from, to)` of the parallel columns. */
export function encodeSamplesRecord(b: RecordBuffer, refs: ArrayLike<number>, ts: ArrayLike<number>, vs: Float64Array, from: number, to: number): Uint8Array {
  b.reset();
  b.byte(RecordType.Samples);
  if (to <= from) return b.bytes();
  const ref0 = refs[from];
  const t0 = ts[from];
  b.be64(ref0);
  b.be64(t0); // two's complement for negative times, as be64 splits with floor
  b.ensure((to - from) * 28);
  for (let i = from; i < to; i++) {
    b.varint(refs[i] - ref0);
    b.varint(ts[i] - t0);
    b.float(vs[i]);
  }
  return b.bytes();
}

export function encodeTombstonesRecord(b: RecordBuffer, stones: ReadonlyArray<{ ref: number; mint: number; maxt: number }>): Uint8Array {
  b.reset();
  b.byte(RecordType.Tombstones);
  for (const s of stones) {
    b.be64(s.ref);
    b.varint(s.mint);
    b.varint(s.maxt);
  }
  return b.bytes();
}

export interface RefExemplar {
  readonly ref: number;
  readonly t: number;
  readonly value: number;
  readonly labels: Labels;
}

export function encodeExemplarsRecord(b: RecordBuffer, exemplars: readonly RefExemplar[]): Uint8Array {
  b.reset();
  b.byte(RecordType.Exemplars);
  if (exemplars.length === 0) return b.bytes();
  const first = exemplars[0];
  b.be64(first.ref);
  b.be64(first.t);
  for (const e of exemplars) {
    b.varint(e.ref - first.ref);
    b.varint(e.t - first.t);
    b.float(e.value);
    b.labels(e.labels);
  }
  return b.bytes();
}

/** A bounds-checked reader over one record; errors say which record type and where. */
export class RecordReader {
  buf: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(this.buf.buffer);
  pos = 0;
  end = 0;
  what = 'record';

  reset(buf: Uint8Array, from: number, to: number, what: string): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.pos = from;
    this.end = to;
    this.what = what;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(why: string): never {
    throw new VigilError('corruption', `decode ${this.what}: ${why} at byte ${this.pos}`);
  }

  byte(): number {
    if (this.pos >= this.end) this.fail('unexpected end');
    return this.buf[this.pos++];
  }

  be64(): number {
    if (this.pos + 8 > this.end) this.fail('unexpected end');
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  be64int(): number {
    if (this.pos + 8 > this.end) this.fail('unexpected end');
    const hi = this.view.getInt32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  float(): number {
    if (this.pos + 8 > this.end) this.fail('unexpected end');
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) {
        this.pos = p;
        this.fail('unexpected end in varint');
      }
      const c = b[p++];
      if (c < 0x80) {
        this.pos = p;
        return x + c * mul;
      }
      x += (c & 0x7f) * mul;
      mul *= 128;
    }
    this.pos = p;
    return this.fail('varint overflows 64 bits');
  }

  varint(): number {
    const ux = this.uvarint();
    return ux % 2 === 1 ? -(ux + 1) / 2 : ux / 2;
  }

  str(): string {
    const n = this.uvarint();
    if (this.pos + n > this.end) this.fail(`string of ${n} bytes runs past the end`);
    const p = this.pos;
    this.pos = p + n;
    return utf8Slice(this.buf, p, p + n);
  }

  /** A label set; trusted to be in canonical order when it is (as every writer sorts them). */
  labels(): Labels {
    const n = this.uvarint();
    if (n > this.remaining) this.fail(`label count ${n} runs past the end`);
    const flat = new Array<string>(2 * n);
    let canonical = true;
    for (let i = 0; i < 2 * n; i += 2) {
      flat[i] = this.str();
      flat[i + 1] = this.str();
      if (flat[i + 1] === '' || (i > 0 && !(flat[i - 2] < flat[i]))) canonical = false;
    }
    return canonical ? Labels.fromSortedFlat(flat) : Labels.fromFlat(flat);
  }
}

const nativeUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (start: number, end: number) => string }).utf8Slice;

/** UTF-8 bytes to a string: Node's native slice decoder when available (several times faster per call). */
function utf8Slice(b: Uint8Array, start: number, end: number): string {
  if (nativeUtf8Slice !== undefined) return nativeUtf8Slice.call(b, start, end);
  return textDecoder.decode(b.subarray(start, end));
}

/** Calls `fn(ref, labels)` per series in a series record (`rec[from..to)`, type byte included). */
export function decodeSeriesRecord(r: RecordReader, rec: Uint8Array, from: number, to: number, fn: (ref: number, labels: Labels) => void): void {
  r.reset(rec, from + 1, to, 'series record');
  while (r.remaining > 0) {
    const ref = r.be64();
    fn(ref, r.labels());
  }
}

/**
 * Decodes a samples record into the columns (grown as needed); returns the sample count. The columns
 * come back in `out` because they may be replaced by bigger ones.
 */
export interface SampleColumns {
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
}

export function newSampleColumns(n = 4096): SampleColumns {
  return { refs: new Float64Array(n), ts: new Float64Array(n), vs: new Float64Array(n) };
}

export function decodeSamplesRecord(r: RecordReader, rec: Uint8Array, from: number, to: number, out: SampleColumns): number {
  r.reset(rec, from + 1, to, 'samples record');
  if (r.remaining === 0) return 0;
  const ref0 = r.be64();
  const t0 = r.be64int();
  let n = 0;
  // Each sample takes at least 10 bytes: a cheap upper bound to size the columns once.
  const maxN = Math.ceil(r.remaining / 10);
  if (out.refs.length < maxN) {
    const cap = Math.max(maxN, out.refs.length * 2);
    out.refs = new Float64Array(cap);
    out.ts = new Float64Array(cap);
    out.vs = new Float64Array(cap);
  }
  const refs = out.refs;
  const ts = out.ts;
  const vs = out.vs;
  while (r.remaining > 0) {
    refs[n] = ref0 + r.varint();
    ts[n] = t0 + r.varint();
    vs[n] = r.float();
    n++;
  }
  return n;
}

export function decodeTombstonesRecord(r: RecordReader, rec: Uint8Array, from: number, to: number, fn: (ref: number, mint: number, maxt: number) => void): void {
  r.reset(rec, from + 1, to, 'tombstones record');
  while (r.remaining > 0) {
    const ref = r.be64();
    const mint = r.varint();
    const maxt = r.varint();
    fn(ref, mint, maxt);
  }
}

export function decodeExemplarsRecord(r: RecordReader, rec: Uint8Array, from: number, to: number, fn: (e: RefExemplar) => void): void {
  r.reset(rec, from + 1, to, 'exemplars record');
  if (r.remaining === 0) return;
  const ref0 = r.be64();
  const t0 = r.be64int();
  while (r.remaining > 0) {
    const ref = ref0 + r.varint();
    const t = t0 + r.varint();
    const value = r.float();
    fn({ ref, t, value, labels: r.labels() });
  }
}

function putSpans(b: RecordBuffer, spans: readonly Span[]): void {
  b.uvarint(spans.length);
  for (const sp of spans) {
    b.varint(sp.offset);
    b.uvarint(sp.length);
  }
}

function putHistogram(b: RecordBuffer, h: FloatHistogram, isInt: boolean): void {
  const stale = isStaleHistogram(h);
  b.byte(h.counterResetHint);
  b.varint(h.schema);
  b.float(h.zeroThreshold);
  if (isInt) {
    b.uvarint(stale ? 0 : h.zeroCount);
    b.uvarint(stale ? 0 : h.count);
  } else {
    b.float(h.zeroCount);
    b.float(h.count);
  }
  b.float(h.sum);
  putSpans(b, h.positiveSpans);
  putSpans(b, h.negativeSpans);
  for (const buckets of [h.positiveBuckets, h.negativeBuckets]) {
    b.uvarint(buckets.length);
    let prev = 0;
    for (const c of buckets) {
      if (isInt) {
        b.varint(c - prev);
        prev = c;
      } else {
        b.float(c);
      }
    }
  }
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    b.uvarint(h.customValues.length);
    for (const v of h.customValues) b.float(v);
  }
}

/**
 * The histogram samples of a batch as WAL records: integer-count histograms (those `isInt` accepts) in
 * type 7 records, float-count ones in type 8, those with custom buckets in types 9 and 10, as Prometheus
 * writes them.
 */
export function encodeHistogramSamplesRecords(
  refs: readonly number[],
  ts: readonly number[],
  hs: readonly FloatHistogram[],
  isInt: (h: FloatHistogram) => boolean,
): Uint8Array[] {
  const groups = new Map<RecordType, number[]>();
  for (let i = 0; i < hs.length; i++) {
    const custom = hs[i].schema === CUSTOM_BUCKETS_SCHEMA;
    const type = isInt(hs[i])
      ? custom ? RecordType.CustomBucketsHistogramSamples : RecordType.HistogramSamples
      : custom ? RecordType.CustomBucketsFloatHistogramSamples : RecordType.FloatHistogramSamples;
    let g = groups.get(type);
    if (g === undefined) groups.set(type, (g = []));
    g.push(i);
  }
  const out: Uint8Array[] = [];
  for (const [type, idx] of groups) {
    const b = new RecordBuffer(64 + idx.length * 64);
    b.byte(type);
    const ref0 = refs[idx[0]];
    const t0 = ts[idx[0]];
    b.be64(ref0);
    b.be64(t0);
    const isInt = type === RecordType.HistogramSamples || type === RecordType.CustomBucketsHistogramSamples;
    for (const i of idx) {
      b.varint(refs[i] - ref0);
      b.varint(ts[i] - t0);
      putHistogram(b, hs[i], isInt);
    }
    out.push(b.bytes());
  }
  return out;
}

function readSpans(r: RecordReader): Span[] {
  const n = r.uvarint();
  if (n > r.remaining) r.fail(`span count ${n} runs past the end`);
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const offset = r.varint();
    const length = r.uvarint();
    spans.push({ offset, length });
  }
  return spans;
}

function readHistogram(r: RecordReader, isInt: boolean): FloatHistogram {
  const hint = r.byte();
  if (hint > 3) r.fail(`counter reset hint ${hint}`);
  const schema = r.varint();
  const zeroThreshold = r.float();
  const zeroCount = isInt ? r.uvarint() : r.float();
  const count = isInt ? r.uvarint() : r.float();
  const sum = r.float();
  const positiveSpans = readSpans(r);
  const negativeSpans = readSpans(r);
  const sides: number[][] = [];
  for (let side = 0; side < 2; side++) {
    const n = r.uvarint();
    if (n > r.remaining) r.fail(`bucket count ${n} runs past the end`);
    const buckets = new Array<number>(n);
    let cur = 0;
    for (let i = 0; i < n; i++) {
      if (isInt) {
        cur += r.varint();
        buckets[i] = cur;
      } else {
        buckets[i] = r.float();
      }
    }
    sides.push(buckets);
  }
  const customValues: number[] = [];
  if (schema === CUSTOM_BUCKETS_SCHEMA) {
    const n = r.uvarint();
    if (n > r.remaining) r.fail(`custom bound count ${n} runs past the end`);
    for (let i = 0; i < n; i++) customValues.push(r.float());
  }
  const h = new FloatHistogram({
    counterResetHint: hint as CounterResetHint,
    schema,
    zeroThreshold,
    zeroCount,
    count,
    sum,
    positiveSpans,
    negativeSpans,
    customValues,
  });
  h.positiveBuckets = sides[0];
  h.negativeBuckets = sides[1];
  return h;
}

/**
 * Calls `fn(ref, t, h)` per histogram sample of a histogram record (types 7 to 10). Samples with a schema
 * this version does not know are skipped (as Prometheus does); schemas above 8 are reduced to 8.
 */
export function decodeHistogramSamplesRecord(r: RecordReader, rec: Uint8Array, from: number, to: number, fn: (ref: number, t: number, h: FloatHistogram) => void): void {
  const type = rec[from];
  const isInt = type === RecordType.HistogramSamples || type === RecordType.CustomBucketsHistogramSamples;
  r.reset(rec, from + 1, to, 'histogram samples record');
  if (r.remaining === 0) return;
  const ref0 = r.be64();
  const t0 = r.be64int();
  while (r.remaining > 0) {
    const ref = ref0 + r.varint();
    const t = t0 + r.varint();
    const h = readHistogram(r, isInt);
    if (!isKnownSchema(h.schema)) continue;
    if (h.schema > EXPONENTIAL_SCHEMA_MAX) reduceResolution(h, EXPONENTIAL_SCHEMA_MAX);
    fn(ref, t, h);
  }
}

/** Whether a record type holds histogram samples. */
export function isHistogramRecord(type: number): boolean {
  return type >= RecordType.HistogramSamples && type <= RecordType.CustomBucketsFloatHistogramSamples;
}
