/**
 * Decoding of the protobuf exposition format: length-delimited `io.prometheus.client.MetricFamily`
 * messages read by index from a `Uint8Array`. Unknown fields (and known fields with another wire type) are
 * skipped, as Go's decoder does; repeated scalars may be packed or not; strings must be valid UTF-8.
 */
import {
  ProtobufError, type ProtoBucket, type ProtoBucketSpan, type ProtoCounter, type ProtoExemplar, type ProtoHistogram,
  type ProtoLabelPair, type ProtoMetric, type ProtoMetricFamily, type ProtoQuantile, type ProtoSummary, type ProtoTimestamp,
} from './protobuf-types.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;

  constructor(buf: Uint8Array, pos: number) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
  }

  fail(reason: string, at = this.pos): never {
    throw new ProtobufError(at, reason);
  }

  /** An unsigned varint of up to 64 bits as a number (exact below 2^53). */
  varint(end: number): number {
    const b = this.buf;
    let p = this.pos;
    if (p >= end) this.fail('unexpected end of message in varint');
    let c = b[p++];
    if (c < 0x80) {
      this.pos = p;
      return c;
    }
    // Low 28 bits fast, then the rest split into 32-bit halves.
    let lo = c & 0x7f;
    let shift = 7;
    while (shift < 28) {
      if (p >= end) this.fail('unexpected end of message in varint');
      c = b[p++];
      lo |= (c & 0x7f) << shift;
      if (c < 0x80) {
        this.pos = p;
        return lo >>> 0;
      }
      shift += 7;
    }
    // Byte 5 holds bits 28..34.
    if (p >= end) this.fail('unexpected end of message in varint');
    c = b[p++];
    lo = (lo | ((c & 0x0f) << 28)) >>> 0;
    let hi = (c & 0x7f) >> 4;
    if (c >= 0x80) {
      shift = 3;
      for (let i = 0; ; i++) {
        if (i >= 5) this.fail('varint longer than 10 bytes', this.pos);
        if (p >= end) this.fail('unexpected end of message in varint');
        c = b[p++];
        hi |= (c & 0x7f) << shift;
        if (c < 0x80) break;
        shift += 7;
      }
    }
    this.pos = p;
    return (hi >>> 0) * TWO_32 + lo;
  }

  /** A signed int64/int32 varint (two's complement) as a number. */
  int64(end: number): number {
    const start = this.pos;
    const v = this.varint(end);
    if (v < 2 ** 63) return v;
    // Negative: recompute exactly from the halves, since v itself lost the low bits.
    this.pos = start;
    const [lo, hi] = this.varintHalves(end);
    return (hi | 0) * TWO_32 + lo;
  }

  private varintHalves(end: number): [number, number] {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let p = this.pos;
    for (let i = 0; i < 10; i++) {
      if (p >= end) this.fail('unexpected end of message in varint');
      const c = b[p++];
      const bits = c & 0x7f;
      const shift = i * 7;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >> 4;
      } else hi |= bits << (shift - 32);
      if (c < 0x80) {
        this.pos = p;
        return [lo >>> 0, hi >>> 0];
      }
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** A zigzag-encoded sint32/sint64 as a number. */
  sint64(end: number): number {
    const start = this.pos;
    const v = this.varint(end);
    if (v < 2 ** 53) return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    this.pos = start;
    const [lo, hi] = this.varintHalves(end);
    // (n >>> 1) ^ -(n & 1) on 64 bits.
    const negative = (lo & 1) === 1;
    const shiftedLo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    const shiftedHi = hi >>> 1;
    const magnitude = shiftedHi * TWO_32 + shiftedLo;
    return negative ? -(magnitude + 1) : magnitude;
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.fail('unexpected end of message in double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The end offset of a length-delimited field that starts here. */
  lengthDelimited(end: number): number {
    const at = this.pos;
    const n = this.varint(end);
    const e = this.pos + n;
    if (e > end) this.fail(`length ${n} runs past the end of the enclosing message`, at);
    return e;
  }

  string(end: number): string {
    const e = this.lengthDelimited(end);
    const b = this.buf;
    const start = this.pos;
    this.pos = e;
    // Short ASCII strings are the common case (names, label values): build them without the decoder.
    if (e - start <= 32) {
      let ascii = true;
      for (let i = start; i < e; i++) if (b[i] >= 0x80) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, b.subarray(start, e) as unknown as number[]);
    }
    try {
      return utf8.decode(b.subarray(start, e));
    } catch {
      return this.fail('string field is not valid UTF-8', start);
    }
  }

  skip(wire: number, end: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint(end);
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > end) this.fail('unexpected end of message in fixed64');
        this.pos += 8;
        return;
      case WIRE_BYTES:
        this.pos = this.lengthDelimited(end);
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > end) this.fail('unexpected end of message in fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wire}`);
    }
  }

  /** Reads a field key; returns `field << 3 | wire`. */
  key(end: number): number {
    const at = this.pos;
    const k = this.varint(end);
    if (k >>> 3 === 0) this.fail('field number 0', at);
    const wire = k & 7;
    if (wire !== WIRE_VARINT && wire !== WIRE_FIXED64 && wire !== WIRE_BYTES && wire !== WIRE_FIXED32) this.fail(`unsupported wire type ${wire}`, at);
    return k;
  }
}

function readLabelPair(r: Reader, end: number): ProtoLabelPair {
  const out: ProtoLabelPair = {};
  while (r.pos < end) {
    const k = r.key(end);
    if (k === ((1 << 3) | WIRE_BYTES)) out.name = r.string(end);
    else if (k === ((2 << 3) | WIRE_BYTES)) out.value = r.string(end);
    else r.skip(k & 7, end);
  }
  return out;
}

function readTimestamp(r: Reader, end: number): ProtoTimestamp {
  const out: ProtoTimestamp = {};
  while (r.pos < end) {
    const k = r.key(end);
    if (k === ((1 << 3) | WIRE_VARINT)) out.seconds = r.int64(end);
    else if (k === ((2 << 3) | WIRE_VARINT)) out.nanos = r.int64(end);
    else r.skip(k & 7, end);
  }
  return out;
}

function readExemplar(r: Reader, end: number): ProtoExemplar {
  const out: ProtoExemplar = { label: [] };
  while (r.pos < end) {
    const k = r.key(end);
    switch (k) {
      case (1 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.label!.push(readLabelPair(r, e));
        break;
      }
      case (2 << 3) | WIRE_FIXED64:
        out.value = r.double(end);
        break;
      case (3 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.timestamp = readTimestamp(r, e);
        break;
      }
      default:
        r.skip(k & 7, end);
    }
  }
  return out;
}

/** A message with one double `value` field (Gauge, Untyped). */
function readValueOnly(r: Reader, end: number): { value?: number } {
  const out: { value?: number } = {};
  while (r.pos < end) {
    const k = r.key(end);
    if (k === ((1 << 3) | WIRE_FIXED64)) out.value = r.double(end);
    else r.skip(k & 7, end);
  }
  return out;
}

function readCounter(r: Reader, end: number): ProtoCounter {
  const out: ProtoCounter = {};
  while (r.pos < end) {
    const k = r.key(end);
    switch (k) {
      case (1 << 3) | WIRE_FIXED64:
        out.value = r.double(end);
        break;
      case (2 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.exemplar = readExemplar(r, e);
        break;
      }
      case (3 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.createdTimestamp = readTimestamp(r, e);
        break;
      }
      default:
        r.skip(k & 7, end);
    }
  }
  return out;
}

function readQuantile(r: Reader, end: number): ProtoQuantile {
  const out: ProtoQuantile = {};
  while (r.pos < end) {
    const k = r.key(end);
    if (k === ((1 << 3) | WIRE_FIXED64)) out.quantile = r.double(end);
    else if (k === ((2 << 3) | WIRE_FIXED64)) out.value = r.double(end);
    else r.skip(k & 7, end);
  }
  return out;
}

function readSummary(r: Reader, end: number): ProtoSummary {
  const out: ProtoSummary = { quantile: [] };
  while (r.pos < end) {
    const k = r.key(end);
    switch (k) {
      case (1 << 3) | WIRE_VARINT:
        out.sampleCount = r.varint(end);
        break;
      case (2 << 3) | WIRE_FIXED64:
        out.sampleSum = r.double(end);
        break;
      case (3 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.quantile!.push(readQuantile(r, e));
        break;
      }
      case (4 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.createdTimestamp = readTimestamp(r, e);
        break;
      }
      default:
        r.skip(k & 7, end);
    }
  }
  return out;
}

function readBucket(r: Reader, end: number): ProtoBucket {
  const out: ProtoBucket = {};
  while (r.pos < end) {
    const k = r.key(end);
    switch (k) {
      case (1 << 3) | WIRE_VARINT:
        out.cumulativeCount = r.varint(end);
        break;
      case (4 << 3) | WIRE_FIXED64:
        out.cumulativeCountFloat = r.double(end);
        break;
      case (2 << 3) | WIRE_FIXED64:
        out.upperBound = r.double(end);
        break;
      case (3 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.exemplar = readExemplar(r, e);
        break;
      }
      default:
        r.skip(k & 7, end);
    }
  }
  return out;
}

function readSpan(r: Reader, end: number): ProtoBucketSpan {
  const out: ProtoBucketSpan = {};
  while (r.pos < end) {
    const k = r.key(end);
    if (k === ((1 << 3) | WIRE_VARINT)) out.offset = r.sint64(end);
    else if (k === ((2 << 3) | WIRE_VARINT)) out.length = r.varint(end) % TWO_32;
    else r.skip(k & 7, end);
  }
  return out;
}

/** A repeated scalar, packed (one length-delimited run) or not (one value per key). */
function readRepeated(r: Reader, wire: number, end: number, into: number[], scalar: 'sint64' | 'double'): void {
  if (wire === WIRE_BYTES) {
    const e = r.lengthDelimited(end);
    while (r.pos < e) into.push(scalar === 'double' ? r.double(e) : r.sint64(e));
    return;
  }
  if (scalar === 'double' ? wire !== WIRE_FIXED64 : wire !== WIRE_VARINT) {
    r.skip(wire, end);
    return;
  }
  into.push(scalar === 'double' ? r.double(end) : r.sint64(end));
}

function readHistogram(r: Reader, end: number): ProtoHistogram {
  const out: ProtoHistogram = { bucket: [] };
  while (r.pos < end) {
    const k = r.key(end);
    const field = k >>> 3;
    const wire = k & 7;
    switch (field) {
      case 1:
        if (wire === WIRE_VARINT) out.sampleCount = r.varint(end);
        else r.skip(wire, end);
        break;
      case 4:
        if (wire === WIRE_FIXED64) out.sampleCountFloat = r.double(end);
        else r.skip(wire, end);
        break;
      case 2:
        if (wire === WIRE_FIXED64) out.sampleSum = r.double(end);
        else r.skip(wire, end);
        break;
      case 3:
        if (wire === WIRE_BYTES) {
          const e = r.lengthDelimited(end);
          out.bucket!.push(readBucket(r, e));
        } else r.skip(wire, end);
        break;
      case 15:
        if (wire === WIRE_BYTES) {
          const e = r.lengthDelimited(end);
          out.createdTimestamp = readTimestamp(r, e);
        } else r.skip(wire, end);
        break;
      case 5:
        if (wire === WIRE_VARINT) out.schema = r.sint64(end);
        else r.skip(wire, end);
        break;
      case 6:
        if (wire === WIRE_FIXED64) out.zeroThreshold = r.double(end);
        else r.skip(wire, end);
        break;
      case 7:
        if (wire === WIRE_VARINT) out.zeroCount = r.varint(end);
        else r.skip(wire, end);
        break;
      case 8:
        if (wire === WIRE_FIXED64) out.zeroCountFloat = r.double(end);
        else r.skip(wire, end);
        break;
      case 9:
      case 12:
        if (wire === WIRE_BYTES) {
          const e = r.lengthDelimited(end);
          const span = readSpan(r, e);
          if (field === 9) (out.negativeSpan ??= []).push(span);
          else (out.positiveSpan ??= []).push(span);
        } else r.skip(wire, end);
        break;
      case 10:
        readRepeated(r, wire, end, (out.negativeDelta ??= []), 'sint64');
        break;
      case 11:
        readRepeated(r, wire, end, (out.negativeCount ??= []), 'double');
        break;
      case 13:
        readRepeated(r, wire, end, (out.positiveDelta ??= []), 'sint64');
        break;
      case 14:
        readRepeated(r, wire, end, (out.positiveCount ??= []), 'double');
        break;
      case 16:
        if (wire === WIRE_BYTES) {
          const e = r.lengthDelimited(end);
          (out.exemplars ??= []).push(readExemplar(r, e));
        } else r.skip(wire, end);
        break;
      default:
        r.skip(wire, end);
    }
  }
  return out;
}

function readMetric(r: Reader, end: number): ProtoMetric {
  const out: ProtoMetric = { label: [] };
  while (r.pos < end) {
    const k = r.key(end);
    switch (k) {
      case (1 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.label!.push(readLabelPair(r, e));
        break;
      }
      case (2 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.gauge = readValueOnly(r, e);
        break;
      }
      case (3 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.counter = readCounter(r, e);
        break;
      }
      case (4 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.summary = readSummary(r, e);
        break;
      }
      case (5 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.untyped = readValueOnly(r, e);
        break;
      }
      case (7 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.histogram = readHistogram(r, e);
        break;
      }
      case (6 << 3) | WIRE_VARINT:
        out.timestampMs = r.int64(end);
        break;
      default:
        r.skip(k & 7, end);
    }
  }
  return out;
}

function readFamily(r: Reader, end: number): ProtoMetricFamily {
  const out: ProtoMetricFamily = { metric: [] };
  while (r.pos < end) {
    const k = r.key(end);
    switch (k) {
      case (1 << 3) | WIRE_BYTES:
        out.name = r.string(end);
        break;
      case (2 << 3) | WIRE_BYTES:
        out.help = r.string(end);
        break;
      case (3 << 3) | WIRE_VARINT:
        out.type = r.int64(end);
        break;
      case (4 << 3) | WIRE_BYTES: {
        const e = r.lengthDelimited(end);
        out.metric!.push(readMetric(r, e));
        break;
      }
      case (5 << 3) | WIRE_BYTES:
        out.unit = r.string(end);
        break;
      default:
        r.skip(k & 7, end);
    }
  }
  return out;
}

/** Decodes one `MetricFamily` message (not delimited). Throws `ProtobufError`. */
export function decodeMetricFamily(bytes: Uint8Array): ProtoMetricFamily {
  const r = new Reader(bytes, 0);
  return readFamily(r, bytes.length);
}

/**
 * Decodes a stream of length-delimited `MetricFamily` messages, in order. Throws `ProtobufError` on a
 * truncated or malformed message (the offset says where).
 */
export function decodeMetricFamilies(bytes: Uint8Array): ProtoMetricFamily[] {
  const r = new Reader(bytes, 0);
  const out: ProtoMetricFamily[] = [];
  const n = bytes.length;
  while (r.pos < n) {
    const at = r.pos;
    const size = r.varint(n);
    const end = r.pos + size;
    if (end > n) r.fail(`message of ${size} bytes is cut short (only ${n - r.pos} left)`, at);
    out.push(readFamily(r, end));
    r.pos = end;
  }
  return out;
}

