/**
 * Gorilla XOR chunks, bit for bit as Prometheus writes them (encoding `XOR` = 1; layout in
 * conformance/tsdb-format/chunks.md, "XOR chunk data"):
 *
 *   num_samples <uint16 BE> | ts_0 <varint> | v_0 <64 bits> | ts_1 - ts_0 <uvarint> | v_1 <xor>
 *   | dod_2 <varbit_ts> | v_2 <xor> | ...
 *
 * Timestamp delta-of-deltas use 1, 2+14, 3+17, 4+20 or 4+64 bits; values are XORed with the previous one
 * and stored as `0` (same), `10` + significant bits (same leading/trailing window), or `11` + 5 bits of
 * leading zeros + 6 bits of significant-bit count + the bits.
 *
 * Values travel as the two 32-bit halves of their IEEE-754 bits, so NaN payloads (the staleness marker)
 * survive exactly.
 */
import type { FloatHistogram } from '@vigil/model';
import type { SampleIterator, SampleSink } from '../storage.js';
import { BitWriter, END_OF_STREAM, read32, readBits, writeUvarintBits, writeVarintBits } from './bstream.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer); // little-endian: [lo, hi]

/** Bytes of the sample-count header at the start of every XOR chunk. */
export const XOR_HEADER_BYTES = 2;
/** The most bytes one appended sample can take (first: 10-byte varint + 8 bytes; later: 145 bits; plus the trailing empty byte Prometheus keeps). */
export const XOR_MAX_SAMPLE_BYTES = 20;
/** Prometheus cuts head chunks at this many samples (or at its predicted end time). */
export const SAMPLES_PER_CHUNK = 120;
const TWO_32 = 4294967296;

/**
 * What appenders must remember between samples (everything else is in the bytes), one column per field so
 * that the head keeps the state of all its open chunks in a few typed arrays, indexed by series slot.
 */
export class XorColumns {
  /** Last timestamp and delta. */
  lastT: Float64Array;
  tDelta: Float64Array;
  /** Bits of the last value. */
  vHi: Uint32Array;
  vLo: Uint32Array;
  /** Current leading/trailing zero window of the value XOR (leading 0xff: none yet). */
  leading: Uint8Array;
  trailing: Uint8Array;

  constructor(capacity: number) {
    this.lastT = new Float64Array(capacity);
    this.tDelta = new Float64Array(capacity);
    this.vHi = new Uint32Array(capacity);
    this.vLo = new Uint32Array(capacity);
    this.leading = new Uint8Array(capacity);
    this.trailing = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.lastT.length;
  }

  /** A copy with room for `capacity` entries. */
  grown(capacity: number): XorColumns {
    const c = new XorColumns(capacity);
    c.lastT.set(this.lastT);
    c.tDelta.set(this.tDelta);
    c.vHi.set(this.vHi);
    c.vLo.set(this.vLo);
    c.leading.set(this.leading);
    c.trailing.set(this.trailing);
    return c;
  }
}

export function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

/**
 * Appends one sample to the stream `w` (which starts after the 2-byte header) of the chunk whose state is
 * entry `i` of `c` and which holds `num` samples. The caller keeps `t` increasing, keeps room for
 * `XOR_MAX_SAMPLE_BYTES` more bytes, and writes `num + 1` into the header (see `writeXorHeader`).
 */
export function xorAppend(w: BitWriter, c: XorColumns, i: number, num: number, t: number, v: number): void {
  f64[0] = v;
  const hi = u32[1];
  const lo = u32[0];
  if (num === 0) {
    writeVarintBits(w, t);
    w.writeBits(hi, 32);
    w.writeBits(lo, 32);
    c.tDelta[i] = 0;
    c.leading[i] = 0xff;
    c.trailing[i] = 0;
  } else {
    const tDelta = t - c.lastT[i];
    if (num === 1) {
      writeUvarintBits(w, tDelta);
    } else {
      const dod = tDelta - c.tDelta[i];
      // Prometheus's bitRange(dod, n): -(2^(n-1) - 1) <= dod <= 2^(n-1).
      if (dod === 0) {
        w.writeBit(0);
      } else if (dod >= -8191 && dod <= 8192) {
        w.writeBits((0b10 << 14) | (dod & 0x3fff), 16);
      } else if (dod >= -65535 && dod <= 65536) {
        w.writeBits((0b110 << 17) | (dod & 0x1ffff), 20);
      } else if (dod >= -524287 && dod <= 524288) {
        w.writeBits((0b1110 << 20) | (dod & 0xfffff), 24);
      } else {
        w.writeBits(0b1111, 4);
        const dHi = Math.floor(dod / TWO_32);
        w.writeBits(dHi >>> 0, 32);
        w.writeBits((dod - dHi * TWO_32) >>> 0, 32);
      }
    }
    xorWriteValue(w, c, i, hi, lo);
    c.tDelta[i] = tDelta;
  }
  c.lastT[i] = t;
  c.vHi[i] = hi;
  c.vLo[i] = lo;
}

function xorWriteValue(w: BitWriter, c: XorColumns, i: number, hi: number, lo: number): void {
  const dHi = (hi ^ c.vHi[i]) >>> 0;
  const dLo = (lo ^ c.vLo[i]) >>> 0;
  if (dHi === 0 && dLo === 0) {
    w.writeBit(0);
    return;
  }
  let leading = clz64(dHi, dLo);
  const trailing = ctz64(dHi, dLo);
  // Leading zeros are stored in 5 bits.
  if (leading >= 32) leading = 31;
  const curLeading = c.leading[i];
  const curTrailing = c.trailing[i];
  if (curLeading !== 0xff && leading >= curLeading && trailing >= curTrailing) {
    // '10' and the significant bits in the window already announced.
    w.writeBits(0b10, 2);
    writeShifted(w, dHi, dLo, curTrailing, 64 - curLeading - curTrailing);
    return;
  }
  c.leading[i] = leading;
  c.trailing[i] = trailing;
  const sigbits = 64 - leading - trailing;
  // '11', 5 bits of leading zeros, 6 bits of significant-bit count (64 is written as 0), in one write.
  w.writeBits((0b11 << 11) | (leading << 6) | (sigbits & 0x3f), 13);
  writeShifted(w, dHi, dLo, trailing, sigbits);
}

/** Writes the low `n` bits of `(hi:lo) >> shift`. */
export function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  if (shift >= 32) {
    lo = hi >>> (shift - 32);
    hi = 0;
  } else if (shift > 0) {
    lo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    hi = hi >>> shift;
  }
  w.writeBits64(hi, lo, n);
}

/** Stores the sample count in the chunk's 2-byte big-endian header at `buf[base]`. */
export function writeXorHeader(buf: Uint8Array, base: number, num: number): void {
  buf[base] = num >>> 8;
  buf[base + 1] = num & 0xff;
}

/** The sample count in the header of the chunk at `buf[offset]`. */
export function xorNumSamples(buf: Uint8Array, offset = 0): number {
  return (buf[offset] << 8) | buf[offset + 1];
}

/**
 * An XOR chunk being built in its own growing buffer: for tests, for re-encoding (compaction, head
 * blocks with deletions or out-of-order data) and anywhere a standalone chunk is wanted.
 */
export class XorChunk {
  private buf: Uint8Array;
  private readonly w = new BitWriter();
  private readonly s = new XorColumns(1);
  private num = 0;
  /** Time of the first and last sample (NaN when empty). */
  mint = NaN;
  maxt = NaN;

  constructor(initialCapacity = 128) {
    this.buf = new Uint8Array(Math.max(initialCapacity, XOR_HEADER_BYTES + XOR_MAX_SAMPLE_BYTES));
    this.w.reset(this.buf, XOR_HEADER_BYTES, 0);
  }

  get numSamples(): number {
    return this.num;
  }

  /** Appends a sample; `t` must be greater than the last one (the caller checks). */
  append(t: number, v: number): void {
    const need = XOR_HEADER_BYTES + this.w.byteLength + XOR_MAX_SAMPLE_BYTES;
    if (need > this.buf.length) {
      const bigger = new Uint8Array(Math.max(need, this.buf.length * 2));
      bigger.set(this.buf);
      this.buf = bigger;
      this.w.buf = bigger;
    }
    xorAppend(this.w, this.s, 0, this.num, t, v);
    this.num++;
    writeXorHeader(this.buf, 0, this.num);
    if (this.num === 1) this.mint = t;
    this.maxt = t;
  }

  /** The chunk's bytes (a view, valid until the next append or reset). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, XOR_HEADER_BYTES + this.w.byteLength);
  }

  /** A copy of the chunk's bytes, exactly sized. */
  copyBytes(): Uint8Array {
    return this.buf.slice(0, XOR_HEADER_BYTES + this.w.byteLength);
  }

  /** Empties the chunk, keeping its buffer. */
  reset(): void {
    this.buf.fill(0, 0, XOR_HEADER_BYTES + this.w.byteLength);
    this.w.reset(this.buf, XOR_HEADER_BYTES, 0);
    this.num = 0;
    this.mint = NaN;
    this.maxt = NaN;
  }

  iterator(): XorIterator {
    return new XorIterator(this.bytes());
  }
}

/** Raised when a chunk's bytes do not decode; `XorIterator` reports it through `err`. */
export class ChunkDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkDecodeError';
  }
}

/**
 * Reads an XOR chunk sample by sample, without allocating. A corrupt or truncated chunk ends the
 * iteration early with `err` set, rather than throwing into the query loop.
 *
 * The stream position lives in the iterator's own fields (no separate reader object): a read of up to
 * 32 bits is `readBits` (the five bytes around the position at once), and the iterator is one object.
 * Subclasses (the block series iterator) build on `next`.
 */
export class XorIterator implements SampleIterator {
  t = 0;
  /** The stream: bytes, bit position and bit end (absolute in `buf`). */
  private buf: Uint8Array = EMPTY_BYTES;
  private pos = 0;
  private end = 0;
  private numTotal = 0;
  private numRead = 0;
  private tDelta = 0;
  protected vHi = 0;
  protected vLo = 0;
  private leading = 0;
  private trailing = 0;
  /** Why iteration stopped early, if it did. */
  err: ChunkDecodeError | undefined = undefined;

  constructor(bytes?: Uint8Array, offset = 0, length = bytes ? bytes.length - offset : 0) {
    if (bytes) this.reset(bytes, offset, length);
  }

  /** Starts over on another chunk (the bytes at `bytes[offset .. offset+length)`, header included). */
  reset(bytes: Uint8Array, offset = 0, length = bytes.length - offset): void {
    this.err = undefined;
    this.numRead = 0;
    this.t = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0;
    this.trailing = 0;
    this.buf = bytes;
    if (length < XOR_HEADER_BYTES) {
      this.numTotal = 0;
      if (length !== 0) this.err = new ChunkDecodeError(`XOR chunk of ${length} bytes is shorter than its header`);
      this.pos = this.end = offset * 8;
      return;
    }
    this.numTotal = xorNumSamples(bytes, offset);
    this.pos = (offset + XOR_HEADER_BYTES) * 8;
    this.end = (offset + length) * 8;
  }

  /** The value of the current sample (bits exact: the staleness marker comes through). */
  get v(): number {
    u32[1] = this.vHi;
    u32[0] = this.vLo;
    return f64[0];
  }

  /** An XOR chunk holds float samples only. */
  get h(): FloatHistogram | null {
    return null;
  }

  /** Samples the header announces. */
  get numSamples(): number {
    return this.numTotal;
  }

  next(): boolean {
    const n = this.numRead;
    if (n >= this.numTotal) return false;
    try {
      if (n >= 2) this.readDod();
      else if (n === 1) this.readFirstDelta();
      else this.readFirst();
    } catch (e) {
      this.err = new ChunkDecodeError(`XOR chunk: cannot decode sample ${n + 1} of ${this.numTotal}: ${(e as Error).message}`);
      this.numTotal = n;
      return false;
    }
    this.numRead = n + 1;
    return true;
  }

  seek(t: number): boolean {
    if (this.numRead > 0 && this.t >= t) return true;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }

  /**
   * Decodes the rest of the chunk in one loop, pushing the samples with `mint <= t <= maxt` to `sink`.
   * Returns false once a sample is past `maxt` (the caller need not look at later chunks), true when
   * the chunk is exhausted; a corrupt chunk stops it with `err` set, as `next` does. The iterator is
   * left on the last sample decoded.
   *
   * The loop keeps the stream position and the sample state in locals and reads 32 bits at a time
   * without bounds checks while at least 24 bytes of the buffer remain (a sample takes at most 145
   * bits); only the last samples of a buffer go through `next`.
   */
  pushSamples(mint: number, maxt: number, sink: SampleSink): boolean {
    while (this.numRead < 2) {
      if (!this.next()) return true;
      const t = this.t;
      if (t > maxt) return false;
      if (t >= mint) sink.push(t, this.v);
    }
    const b = this.buf;
    const safeEnd = (b.length - 24) * 8;
    const end = this.end;
    const total = this.numTotal;
    let n = this.numRead;
    let pos = this.pos;
    let t = this.t;
    let tDelta = this.tDelta;
    let vHi = this.vHi;
    let vLo = this.vLo;
    let leading = this.leading;
    let trailing = this.trailing;
    let past = false;
    while (n < total && pos <= safeEnd) {
      // Timestamp: delta of deltas behind a prefix of up to four bits.
      let w = read32(b, pos);
      if (w >= 0) {
        pos += 1;
      } else {
        let dod: number;
        if ((w & 0x40000000) === 0) {
          dod = (w >>> 16) & 0x3fff;
          if (dod > 0x2000) dod -= 0x4000;
          pos += 16;
        } else if ((w & 0x20000000) === 0) {
          dod = (w >>> 12) & 0x1ffff;
          if (dod > 0x10000) dod -= 0x20000;
          pos += 20;
        } else if ((w & 0x10000000) === 0) {
          dod = (w >>> 8) & 0xfffff;
          if (dod > 0x80000) dod -= 0x100000;
          pos += 24;
        } else {
          pos += 4;
          const hi = read32(b, pos);
          pos += 32;
          dod = hi * TWO_32 + (read32(b, pos) >>> 0);
          pos += 32;
        }
        tDelta += dod;
      }
      t += tDelta;
      // Value: '0' same, '10' bits in the current window, '11' new window then bits.
      w = read32(b, pos);
      if (w >= 0) {
        pos += 1;
      } else {
        let mbits: number;
        if ((w & 0x40000000) === 0) {
          pos += 2;
          mbits = 64 - leading - trailing;
        } else {
          leading = (w >>> 25) & 0x1f;
          mbits = (w >>> 19) & 0x3f;
          if (mbits === 0) mbits = 64;
          trailing = 64 - leading - mbits;
          pos += 13;
        }
        let hi = 0;
        let lo: number;
        if (mbits > 32) {
          hi = read32(b, pos) >>> (64 - mbits);
          pos += mbits - 32;
          lo = read32(b, pos);
          pos += 32;
        } else {
          lo = read32(b, pos) >>> (32 - mbits);
          pos += mbits;
        }
        if (trailing >= 32) {
          hi = lo << (trailing - 32);
          lo = 0;
        } else if (trailing > 0) {
          hi = (hi << trailing) | (lo >>> (32 - trailing));
          lo = lo << trailing;
        }
        vHi ^= hi;
        vLo ^= lo;
      }
      if (pos > end) break;
      n++;
      if (t > maxt) {
        past = true;
        break;
      }
      if (t >= mint) {
        u32[1] = vHi;
        u32[0] = vLo;
        sink.push(t, f64[0]);
      }
    }
    if (pos > end) {
      this.err = new ChunkDecodeError(`XOR chunk: cannot decode sample ${n + 1} of ${total}: ${END_OF_STREAM}`);
      this.numTotal = n;
      return true;
    }
    this.numRead = n;
    this.pos = pos;
    this.t = t;
    this.tDelta = tDelta;
    this.vHi = vHi;
    this.vLo = vLo;
    this.leading = leading;
    this.trailing = trailing;
    if (past) return false;
    // The tail of the buffer, checked read by read.
    while (this.next()) {
      const t2 = this.t;
      if (t2 > maxt) return false;
      if (t2 >= mint) sink.push(t2, this.v);
    }
    return true;
  }

  /** Reads one bit. */
  private bit(): number {
    const pos = this.pos;
    if (pos >= this.end) throw new RangeError(END_OF_STREAM);
    this.pos = pos + 1;
    return (this.buf[pos >>> 3] >>> (7 - (pos & 7))) & 1;
  }

  /** Reads `n` bits (1 <= n <= 32) as an unsigned number. */
  private bits(n: number): number {
    const pos = this.pos;
    if (pos + n > this.end) throw new RangeError(END_OF_STREAM);
    this.pos = pos + n;
    return readBits(this.buf, pos, n);
  }

  /** A Go unsigned varint from the bit stream (exact up to 2^53). */
  private uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.bits(8);
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError('varint overflows 64 bits');
  }

  private readFirst(): void {
    // The timestamp's varint, decoded in place (a helper returning it would box the number).
    let ux = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (i === 10) throw new RangeError('varint overflows 64 bits');
      const b = this.bits(8);
      ux += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    // Zig-zag: odd means negative. Division keeps values above 2^32 exact.
    this.t = ux % 2 === 1 ? -(ux + 1) / 2 : ux / 2;
    this.vHi = this.bits(32);
    this.vLo = this.bits(32);
  }

  private readFirstDelta(): void {
    this.tDelta = this.uvarint();
    this.t += this.tDelta;
    this.readValue();
  }

  private readDod(): void {
    if (this.bit() !== 0) {
      let dod: number;
      if (this.bit() === 0) {
        dod = this.bits(14);
        // Negative numbers come back as large unsigned ones (bstream.md).
        if (dod > 0x2000) dod -= 0x4000;
      } else if (this.bit() === 0) {
        dod = this.bits(17);
        if (dod > 0x10000) dod -= 0x20000;
      } else if (this.bit() === 0) {
        dod = this.bits(20);
        if (dod > 0x80000) dod -= 0x100000;
      } else {
        const hi = this.bits(32) | 0;
        dod = hi * TWO_32 + this.bits(32);
      }
      this.tDelta += dod;
    }
    this.t += this.tDelta;
    this.readValue();
  }

  private readValue(): void {
    if (this.bit() === 0) return;
    let mbits: number;
    let trailing: number;
    if (this.bit() === 0) {
      trailing = this.trailing;
      mbits = 64 - this.leading - trailing;
    } else {
      const x = this.bits(11);
      const leading = x >>> 6;
      mbits = x & 0x3f;
      if (mbits === 0) mbits = 64;
      trailing = 64 - leading - mbits;
      this.leading = leading;
      this.trailing = trailing;
    }
    // `mbits` significant bits, shifted left by `trailing` into place.
    let hi = 0;
    let lo: number;
    if (mbits > 32) {
      hi = this.bits(mbits - 32);
      lo = this.bits(32);
    } else {
      lo = this.bits(mbits);
    }
    if (trailing >= 32) {
      hi = lo << (trailing - 32);
      lo = 0;
    } else if (trailing > 0) {
      hi = (hi << trailing) | (lo >>> (32 - trailing));
      lo = lo << trailing;
    }
    this.vHi ^= hi;
    this.vLo ^= lo;
  }
}

const EMPTY_BYTES = new Uint8Array(0);

