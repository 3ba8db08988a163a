/**
 * The variable-width integer encodings of Prometheus's histogram chunks (chunks.md, `<varbit_int>` and
 * `<varbit_uint>`), and a checked bit reader for the histogram decoders.
 *
 * A varbit number is a prefix of up to eight 1 bits ended by a 0 (or not, after eight), choosing the width
 * of the value that follows: 0 (the number 0), 3, 6, 9, 12, 18, 25, 56 or 64 bits. Signed values use two's
 * complement in that width, with the range -(2^(n-1) - 1) .. 2^(n-1). Integers travel as JavaScript
 * numbers, exact up to 2^53 (counts and timestamps never come near).
 */
import { END_OF_STREAM, readBits, type BitWriter } from './bstream.js';

const TWO_32 = 4294967296;
const TWO_24 = 16777216;
/** Value widths by the number of 1 bits in the prefix. */
const WIDTHS = [0, 3, 6, 9, 12, 18, 25, 56, 64];

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer); // little-endian: [lo, hi]

/** Writes the 64-bit two's complement of the integer `v`, its low `n` (> 32) bits. */
function writeWide(w: BitWriter, v: number, n: number): void {
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  w.writeBits(n === 64 ? hi >>> 0 : hi & ((1 << (n - 32)) - 1), n - 32);
  w.writeBits(lo >>> 0, 32);
}

export function writeVarbitInt(w: BitWriter, v: number): void {
  if (v === 0) w.writeBit(0);
  else if (v >= -3 && v <= 4) w.writeBits((0b10 << 3) | (v & 0x7), 5);
  else if (v >= -31 && v <= 32) w.writeBits((0b110 << 6) | (v & 0x3f), 9);
  else if (v >= -255 && v <= 256) w.writeBits((0b1110 << 9) | (v & 0x1ff), 13);
  else if (v >= -2047 && v <= 2048) w.writeBits((0b11110 << 12) | (v & 0xfff), 17);
  else if (v >= -131071 && v <= 131072) w.writeBits((0b111110 << 18) | (v & 0x3ffff), 24);
  else if (v >= -16777215 && v <= 16777216) w.writeBits((0b1111110 << 25) | (v & 0x1ffffff), 32);
  else if (v >= -36028797018963967 && v <= 36028797018963968) {
    w.writeBits(0b11111110, 8);
    writeWide(w, v, 56);
  } else {
    w.writeBits(0b11111111, 8);
    writeWide(w, v, 64);
  }
}

export function writeVarbitUint(w: BitWriter, v: number): void {
  if (v === 0) w.writeBit(0);
  else if (v <= 7) w.writeBits((0b10 << 3) | v, 5);
  else if (v <= 63) w.writeBits((0b110 << 6) | v, 9);
  else if (v <= 511) w.writeBits((0b1110 << 9) | v, 13);
  else if (v <= 4095) w.writeBits((0b11110 << 12) | v, 17);
  else if (v <= 262143) w.writeBits((0b111110 << 18) | v, 24);
  else if (v <= 33554431) w.writeBits((0b1111110 << 25) | v, 32);
  else if (v <= 72057594037927935) {
    w.writeBits(0b11111110, 8);
    writeWide(w, v, 56);
  } else {
    w.writeBits(0b11111111, 8);
    writeWide(w, v, 64);
  }
}

/** Writes the 64 bits of a float (NaN payloads kept). */
export function writeFloatBits(w: BitWriter, v: number): void {
  f64[0] = v;
  w.writeBits(u32[1], 32);
  w.writeBits(u32[0], 32);
}

/** Reads a bit stream (most significant bit first); every read past the end throws a `RangeError`. */
export class BitReader {
  buf: Uint8Array = new Uint8Array(0);
  /** Absolute bit position in `buf` and the bit where the stream ends. */
  pos = 0;
  end = 0;

  reset(buf: Uint8Array, byteOffset: number, byteLength: number): void {
    this.buf = buf;
    this.pos = byteOffset * 8;
    this.end = (byteOffset + byteLength) * 8;
  }

  bit(): number {
    const pos = this.pos;
    if (pos >= this.end) throw new RangeError(END_OF_STREAM);
    this.pos = pos + 1;
    return (this.buf[pos >>> 3] >>> (7 - (pos & 7))) & 1;
  }

  /** `n` bits (1 <= n <= 32) as an unsigned number. */
  bits(n: number): number {
    const pos = this.pos;
    if (pos + n > this.end) throw new RangeError(END_OF_STREAM);
    this.pos = pos + n;
    return readBits(this.buf, pos, n);
  }

  byte(): number {
    return this.bits(8);
  }

  /** A float from 64 bits (NaN payloads kept). */
  float(): number {
    u32[1] = this.bits(32);
    u32[0] = this.bits(32);
    return f64[0];
  }

  /** The width announced by a varbit prefix. */
  private width(): number {
    let ones = 0;
    while (ones < 8 && this.bit() === 1) ones++;
    return WIDTHS[ones];
  }

  varbitInt(): number {
    const n = this.width();
    if (n === 0) return 0;
    if (n <= 25) {
      const v = this.bits(n);
      return v > 2 ** (n - 1) ? v - 2 ** n : v;
    }
    if (n === 56) {
      const hi = this.bits(24);
      const lo = this.bits(32);
      // The sign bit is the top bit of `hi`: subtract before combining so the result stays exact.
      return (hi > 0x800000 || (hi === 0x800000 && lo > 0) ? hi - TWO_24 : hi) * TWO_32 + lo;
    }
    const hi = this.bits(32) | 0;
    return hi * TWO_32 + this.bits(32);
  }

  varbitUint(): number {
    const n = this.width();
    if (n === 0) return 0;
    if (n <= 25) return this.bits(n);
    const hi = this.bits(n - 32);
    return hi * TWO_32 + this.bits(32);
  }
}
