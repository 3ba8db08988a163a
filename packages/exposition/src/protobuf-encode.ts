/**
 * Encoding of the protobuf exposition format: every message is sized first (nested sizes kept in visiting
 * order), then written into one `Uint8Array`. Repeated scalars are written unpacked, as Go's proto2 encoder
 * writes them.
 */
import { WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT } from './protobuf-decode.js';
import type {
  ProtoBucket, ProtoBucketSpan, ProtoCounter, ProtoExemplar, ProtoHistogram, ProtoLabelPair, ProtoMetric,
  ProtoMetricFamily, ProtoQuantile, ProtoSummary, ProtoTimestamp,
} from './protobuf-types.js';

const TWO_32 = 4294967296;
const encoder = new TextEncoder();

function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  let x = Math.floor(v / 0x10000000);
  while (x > 0) {
    n++;
    x = Math.floor(x / 128);
  }
  return n;
}

/** Size of a signed int64 varint: negatives take ten bytes. */
function int64Size(v: number): number {
  return v < 0 ? 10 : varintSize(v);
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // four bytes for the pair's two code units
      i++;
    } else n += 2;
  }
  return n;
}

function stringField(s: string | undefined): number {
  if (s === undefined) return 0;
  const len = utf8Length(s);
  return 1 + varintSize(len) + len;
}

class Sizer {
  /** Sizes of nested messages, in the order the writer visits them. */
  readonly sizes: number[] = [];

  /**
   * Reserves a slot, computes the nested message's size into it, returns the bytes the whole field takes
   * (`keyBytes`: 1 for fields 1..15, 2 for 16..2047).
   */
  message<T>(v: T, measure: (s: Sizer, v: T) => number, keyBytes = 1): number {
    const slot = this.sizes.length;
    this.sizes.push(0);
    const size = measure(this, v);
    this.sizes[slot] = size;
    return keyBytes + varintSize(size) + size;
  }
}

function sizeLabelPair(_s: Sizer, l: ProtoLabelPair): number {
  return stringField(l.name) + stringField(l.value);
}

function sizeTimestamp(_s: Sizer, t: ProtoTimestamp): number {
  let n = 0;
  if (t.seconds !== undefined) n += 1 + int64Size(t.seconds);
  if (t.nanos !== undefined) n += 1 + int64Size(t.nanos);
  return n;
}

function sizeExemplar(s: Sizer, e: ProtoExemplar): number {
  let n = 0;
  for (const l of e.label ?? []) n += s.message(l, sizeLabelPair);
  if (e.value !== undefined) n += 9;
  if (e.timestamp !== undefined) n += s.message(e.timestamp, sizeTimestamp);
  return n;
}

function sizeValueOnly(_s: Sizer, g: { value?: number }): number {
  return g.value !== undefined ? 9 : 0;
}

function sizeCounter(s: Sizer, c: ProtoCounter): number {
  let n = c.value !== undefined ? 9 : 0;
  if (c.exemplar !== undefined) n += s.message(c.exemplar, sizeExemplar);
  if (c.createdTimestamp !== undefined) n += s.message(c.createdTimestamp, sizeTimestamp);
  return n;
}

function sizeQuantile(_s: Sizer, q: ProtoQuantile): number {
  return (q.quantile !== undefined ? 9 : 0) + (q.value !== undefined ? 9 : 0);
}

function sizeSummary(s: Sizer, m: ProtoSummary): number {
  let n = 0;
  if (m.sampleCount !== undefined) n += 1 + varintSize(m.sampleCount);
  if (m.sampleSum !== undefined) n += 9;
  for (const q of m.quantile ?? []) n += s.message(q, sizeQuantile);
  if (m.createdTimestamp !== undefined) n += s.message(m.createdTimestamp, sizeTimestamp);
  return n;
}

function sizeBucket(s: Sizer, b: ProtoBucket): number {
  let n = 0;
  if (b.cumulativeCount !== undefined) n += 1 + varintSize(b.cumulativeCount);
  if (b.cumulativeCountFloat !== undefined) n += 9;
  if (b.upperBound !== undefined) n += 9;
  if (b.exemplar !== undefined) n += s.message(b.exemplar, sizeExemplar);
  return n;
}

function sizeSpan(_s: Sizer, sp: ProtoBucketSpan): number {
  let n = 0;
  if (sp.offset !== undefined) n += 1 + varintSize(zigzag(sp.offset));
  if (sp.length !== undefined) n += 1 + varintSize(sp.length);
  return n;
}

function sizeHistogram(s: Sizer, h: ProtoHistogram): number {
  let n = 0;
  if (h.sampleCount !== undefined) n += 1 + varintSize(h.sampleCount);
  if (h.sampleCountFloat !== undefined) n += 9;
  if (h.sampleSum !== undefined) n += 9;
  for (const b of h.bucket ?? []) n += s.message(b, sizeBucket);
  if (h.createdTimestamp !== undefined) n += s.message(h.createdTimestamp, sizeTimestamp);
  if (h.schema !== undefined) n += 1 + varintSize(zigzag(h.schema));
  if (h.zeroThreshold !== undefined) n += 9;
  if (h.zeroCount !== undefined) n += 1 + varintSize(h.zeroCount);
  if (h.zeroCountFloat !== undefined) n += 9;
  for (const sp of h.negativeSpan ?? []) n += s.message(sp, sizeSpan);
  for (const d of h.negativeDelta ?? []) n += 1 + varintSize(zigzag(d));
  n += (h.negativeCount?.length ?? 0) * 9;
  for (const sp of h.positiveSpan ?? []) n += s.message(sp, sizeSpan);
  for (const d of h.positiveDelta ?? []) n += 1 + varintSize(zigzag(d));
  n += (h.positiveCount?.length ?? 0) * 9;
  for (const e of h.exemplars ?? []) n += s.message(e, sizeExemplar, 2);
  return n;
}

function sizeMetric(s: Sizer, m: ProtoMetric): number {
  let n = 0;
  for (const l of m.label ?? []) n += s.message(l, sizeLabelPair);
  if (m.gauge !== undefined) n += s.message(m.gauge, sizeValueOnly);
  if (m.counter !== undefined) n += s.message(m.counter, sizeCounter);
  if (m.summary !== undefined) n += s.message(m.summary, sizeSummary);
  if (m.untyped !== undefined) n += s.message(m.untyped, sizeValueOnly);
  if (m.histogram !== undefined) n += s.message(m.histogram, sizeHistogram);
  if (m.timestampMs !== undefined) n += 1 + int64Size(m.timestampMs);
  return n;
}

function sizeFamily(s: Sizer, f: ProtoMetricFamily): number {
  let n = stringField(f.name) + stringField(f.help) + stringField(f.unit);
  if (f.type !== undefined) n += 1 + int64Size(f.type);
  for (const m of f.metric ?? []) n += s.message(m, sizeMetric);
  return n;
}

class Writer {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;
  private slot = 0;
  private readonly sizes: number[];

  /** The next precomputed size, in visiting order. */
  nextSize(): number {
    return this.sizes[this.slot++];
  }

  constructor(size: number, sizes: number[]) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    this.sizes = sizes;
  }

  varint(v: number): void {
    const b = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      if (v < TWO_32) {
        // 32-bit fast path.
        let x = v >>> 0;
        while (x >= 0x80) {
          b[p++] = (x & 0x7f) | 0x80;
          x >>>= 7;
        }
        b[p++] = x;
        this.pos = p;
        return;
      }
      b[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.pos = p;
  }

  int64(v: number): void {
    if (v >= 0) {
      this.varint(v);
      return;
    }
    // Two's complement on 64 bits, ten bytes.
    let hi = Math.floor(v / TWO_32);
    let lo = v - hi * TWO_32;
    hi >>>= 0;
    lo >>>= 0;
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < 4; i++) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    b[p++] = (lo & 0x0f) | ((hi & 0x07) << 4) | 0x80;
    hi >>>= 3;
    for (let i = 0; i < 4; i++) {
      b[p++] = (hi & 0x7f) | 0x80;
      hi >>>= 7;
    }
    b[p++] = hi & 0x01;
    this.pos = p;
  }

  key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  double(field: number, v: number): void {
    this.key(field, WIRE_FIXED64);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  string(field: number, s: string | undefined): void {
    if (s === undefined) return;
    this.key(field, WIRE_BYTES);
    let ascii = true;
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) { ascii = false; break; }
    if (ascii) {
      this.varint(s.length);
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
      return;
    }
    const len = utf8Length(s);
    this.varint(len);
    encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
  }

  message<T>(field: number, v: T, write: (w: Writer, v: T) => void): void {
    this.key(field, WIRE_BYTES);
    this.varint(this.nextSize());
    write(this, v);
  }
}

function writeLabelPair(w: Writer, l: ProtoLabelPair): void {
  w.string(1, l.name);
  w.string(2, l.value);
}

function writeTimestamp(w: Writer, t: ProtoTimestamp): void {
  if (t.seconds !== undefined) {
    w.key(1, WIRE_VARINT);
    w.int64(t.seconds);
  }
  if (t.nanos !== undefined) {
    w.key(2, WIRE_VARINT);
    w.int64(t.nanos);
  }
}

function writeExemplar(w: Writer, e: ProtoExemplar): void {
  for (const l of e.label ?? []) w.message(1, l, writeLabelPair);
  if (e.value !== undefined) w.double(2, e.value);
  if (e.timestamp !== undefined) w.message(3, e.timestamp, writeTimestamp);
}

function writeValueOnly(w: Writer, g: { value?: number }): void {
  if (g.value !== undefined) w.double(1, g.value);
}

function writeCounter(w: Writer, c: ProtoCounter): void {
  if (c.value !== undefined) w.double(1, c.value);
  if (c.exemplar !== undefined) w.message(2, c.exemplar, writeExemplar);
  if (c.createdTimestamp !== undefined) w.message(3, c.createdTimestamp, writeTimestamp);
}

function writeQuantile(w: Writer, q: ProtoQuantile): void {
  if (q.quantile !== undefined) w.double(1, q.quantile);
  if (q.value !== undefined) w.double(2, q.value);
}

function writeSummary(w: Writer, m: ProtoSummary): void {
  if (m.sampleCount !== undefined) {
    w.key(1, WIRE_VARINT);
    w.varint(m.sampleCount);
  }
  if (m.sampleSum !== undefined) w.double(2, m.sampleSum);
  for (const q of m.quantile ?? []) w.message(3, q, writeQuantile);
  if (m.createdTimestamp !== undefined) w.message(4, m.createdTimestamp, writeTimestamp);
}

function writeBucket(w: Writer, b: ProtoBucket): void {
  if (b.cumulativeCount !== undefined) {
    w.key(1, WIRE_VARINT);
    w.varint(b.cumulativeCount);
  }
  if (b.upperBound !== undefined) w.double(2, b.upperBound);
  if (b.exemplar !== undefined) w.message(3, b.exemplar, writeExemplar);
  if (b.cumulativeCountFloat !== undefined) w.double(4, b.cumulativeCountFloat);
}

function writeSpan(w: Writer, sp: ProtoBucketSpan): void {
  if (sp.offset !== undefined) {
    w.key(1, WIRE_VARINT);
    w.varint(zigzag(sp.offset));
  }
  if (sp.length !== undefined) {
    w.key(2, WIRE_VARINT);
    w.varint(sp.length);
  }
}

function writeHistogram(w: Writer, h: ProtoHistogram): void {
  // Field order follows the Sizer's visiting order for nested messages (buckets, created, spans, exemplars).
  if (h.sampleCount !== undefined) {
    w.key(1, WIRE_VARINT);
    w.varint(h.sampleCount);
  }
  if (h.sampleCountFloat !== undefined) w.double(4, h.sampleCountFloat);
  if (h.sampleSum !== undefined) w.double(2, h.sampleSum);
  for (const b of h.bucket ?? []) w.message(3, b, writeBucket);
  if (h.createdTimestamp !== undefined) w.message(15, h.createdTimestamp, writeTimestamp);
  if (h.schema !== undefined) {
    w.key(5, WIRE_VARINT);
    w.varint(zigzag(h.schema));
  }
  if (h.zeroThreshold !== undefined) w.double(6, h.zeroThreshold);
  if (h.zeroCount !== undefined) {
    w.key(7, WIRE_VARINT);
    w.varint(h.zeroCount);
  }
  if (h.zeroCountFloat !== undefined) w.double(8, h.zeroCountFloat);
  for (const sp of h.negativeSpan ?? []) w.message(9, sp, writeSpan);
  for (const d of h.negativeDelta ?? []) {
    w.key(10, WIRE_VARINT);
    w.varint(zigzag(d));
  }
  for (const c of h.negativeCount ?? []) w.double(11, c);
  for (const sp of h.positiveSpan ?? []) w.message(12, sp, writeSpan);
  for (const d of h.positiveDelta ?? []) {
    w.key(13, WIRE_VARINT);
    w.varint(zigzag(d));
  }
  for (const c of h.positiveCount ?? []) w.double(14, c);
  for (const e of h.exemplars ?? []) w.message(16, e, writeExemplar);
}

function writeMetric(w: Writer, m: ProtoMetric): void {
  for (const l of m.label ?? []) w.message(1, l, writeLabelPair);
  if (m.gauge !== undefined) w.message(2, m.gauge, writeValueOnly);
  if (m.counter !== undefined) w.message(3, m.counter, writeCounter);
  if (m.summary !== undefined) w.message(4, m.summary, writeSummary);
  if (m.untyped !== undefined) w.message(5, m.untyped, writeValueOnly);
  if (m.histogram !== undefined) w.message(7, m.histogram, writeHistogram);
  if (m.timestampMs !== undefined) {
    w.key(6, WIRE_VARINT);
    w.int64(m.timestampMs);
  }
}

function writeFamily(w: Writer, f: ProtoMetricFamily): void {
  w.string(1, f.name);
  w.string(2, f.help);
  if (f.type !== undefined) {
    w.key(3, WIRE_VARINT);
    w.int64(f.type);
  }
  for (const m of f.metric ?? []) w.message(4, m, writeMetric);
  w.string(5, f.unit);
}

/** Encodes one `MetricFamily` message (not delimited). */
export function encodeMetricFamily(family: ProtoMetricFamily): Uint8Array {
  const s = new Sizer();
  const size = sizeFamily(s, family);
  const w = new Writer(size, s.sizes);
  writeFamily(w, family);
  return w.buf;
}

/** Encodes families as a stream of length-delimited `MetricFamily` messages. */
export function encodeMetricFamilies(families: readonly ProtoMetricFamily[]): Uint8Array {
  const s = new Sizer();
  let total = 0;
  const slots: number[] = [];
  for (const f of families) {
    slots.push(s.sizes.length);
    s.sizes.push(0);
    const size = sizeFamily(s, f);
    s.sizes[slots[slots.length - 1]] = size;
    total += varintSize(size) + size;
  }
  const w = new Writer(total, s.sizes);
  for (const f of families) {
    // The delimiter is the family's size: the slot reserved for it above.
    w.varint(w.nextSize());
    writeFamily(w, f);
  }
  return w.buf;
}
