/**
 * Bit streams as Prometheus's chunk encodings use them (docs: conformance/tsdb-format/bstream.md): bits are
 * written most significant first, bytes in order. Values travel as unsigned 32-bit words; 64-bit values
 * (float bits, large deltas) as a high and a low word, because JavaScript has no cheap 64-bit integer.
 *
 * The writer works in a caller's `Uint8Array` at a byte offset and needs the bytes it has not written yet
 * to be zero; it never allocates. Readers keep their own position and end (`XorIterator` in its fields, for
 * speed; `BitReader` for the histogram chunks) and take the bits with `readBits`/`read32`.
 */

/** What a read past the end of a chunk's bit stream throws (as a `RangeError`). */
export const END_OF_STREAM = 'unexpected end of bit stream';

/** The 32 bits at bit `pos` of `b` (as a signed 32-bit number); bytes `pos/8 .. pos/8 + 4` must exist. */
export function read32(b: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const s = pos & 7;
  return (((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) << s) | (b[i + 4] >>> (8 - s));
}

/**
 * `n` bits (1 <= n <= 32) at bit `pos` of `b`, as an unsigned number; the caller has checked that they lie
 * within its stream. Away from the end of the buffer, the five bytes around `pos` are read at once.
 */
export function readBits(b: Uint8Array, pos: number, n: number): number {
  if ((pos >>> 3) + 4 < b.length) return read32(b, pos) >>> (32 - n);
  // Near the end of the buffer: byte by byte.
  let result = 0;
  let idx = pos >>> 3;
  let avail = 8 - (pos & 7);
  let left = n;
  while (left > 0) {
    const take = left < avail ? left : avail;
    result = (result << take) | ((b[idx] >>> (avail - take)) & ((1 << take) - 1));
    left -= take;
    idx++;
    avail = 8;
  }
  return result >>> 0;
}

export class BitWriter {
  /** The buffer written into; bytes past the write position must be zero. */
  buf: Uint8Array;
  /** Byte offset in `buf` where the stream starts. */
  base: number;
  /** Bits written so far, counted from `base`. */
  pos: number;
  /**
   * Whether the stream ends with an empty byte. Prometheus's bstream appends a fresh byte after every
   * whole byte it writes, so a stream whose last write was a multiple of 8 bits ending on a byte boundary
   * carries one zero byte more; chunks are only bit-identical if we count it too.
   */
  trailingByte: boolean;

  constructor(buf: Uint8Array = new Uint8Array(0), base = 0, pos = 0, trailingByte = false) {
    this.buf = buf;
    this.base = base;
    this.pos = pos;
    this.trailingByte = trailingByte;
  }

  /** Points the writer at another stream (no copy). */
  reset(buf: Uint8Array, base: number, pos: number, trailingByte = false): void {
    this.buf = buf;
    this.base = base;
    this.pos = pos;
    this.trailingByte = trailingByte;
  }

  /** Bytes the stream occupies so far, as Prometheus counts them (see `trailingByte`). */
  get byteLength(): number {
    const pos = this.pos;
    return ((pos + 7) >>> 3) + (this.trailingByte && (pos & 7) === 0 ? 1 : 0);
  }

  writeBit(bit: number): void {
    if (bit !== 0) this.buf[this.base + (this.pos >>> 3)] |= 0x80 >>> (this.pos & 7);
    this.pos++;
    this.trailingByte = false;
  }

  /** Writes the low `n` bits of `value` (0 <= n <= 32). */
  writeBits(value: number, n: number): void {
    const buf = this.buf;
    const wholeBytes = n > 0 && (n & 7) === 0;
    let pos = this.pos;
    let idx = this.base + (pos >>> 3);
    let free = 8 - (pos & 7);
    pos += n;
    while (n >= free) {
      n -= free;
      // n - free <= 31 here, so the shift is well defined.
      buf[idx++] |= (value >>> n) & ((1 << free) - 1);
      free = 8;
    }
    if (n > 0) buf[idx] |= (value & ((1 << n) - 1)) << (free - n);
    this.pos = pos;
    this.trailingByte = wholeBytes && (pos & 7) === 0;
  }

  /** Writes the low `n` bits (0 <= n <= 64) of the 64-bit value `hi:lo`. */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.writeBits(hi, n - 32);
      this.writeBits(lo, 32);
      // Prometheus writes whole bytes first, then single bits: only a multiple of 8 ends on a byte write.
      this.trailingByte = (n & 7) === 0 && (this.pos & 7) === 0;
    } else {
      this.writeBits(lo, n);
    }
  }

  writeByte(b: number): void {
    this.writeBits(b & 0xff, 8);
  }
}

/** Appends a Go unsigned varint of `x` (a non-negative integer up to 2^53) to the writer. */
export function writeUvarintBits(w: BitWriter, x: number): void {
  while (x >= 0x80) {
    w.writeBits((x % 128) | 0x80, 8);
    x = Math.floor(x / 128);
  }
  w.writeBits(x, 8);
}

/** Appends a Go zig-zag varint of the integer `x`. */
export function writeVarintBits(w: BitWriter, x: number): void {
  writeUvarintBits(w, x >= 0 ? x * 2 : -x * 2 - 1);
}
