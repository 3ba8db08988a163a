/**
 * Snappy block format (github.com/google/snappy, format_description.txt), which Prometheus uses to
 * compress WAL records: a uvarint of the decoded length, then literals and back-references.
 * The encoder is the classic greedy one: 4-byte hashes per 64 KiB block, copies of up to 64 bytes.
 */
import { VigilError } from '@vigil/model';

function fail(why: string): never {
  throw new VigilError('corruption', `snappy: ${why}`);
}

/** The decoded length announced by a snappy block. */
export function snappyDecodedLength(src: Uint8Array, from = 0, to = src.length): number {
  let x = 0;
  let mul = 1;
  for (let p = from; p < to && p < from + 5; p++) {
    const c = src[p];
    x += (c & 0x7f) * mul;
    if (c < 0x80) return x;
    mul *= 128;
  }
  return fail('invalid length preamble');
}

/** Decodes `src[from..to)` into `dst` (which must have room for the decoded length); returns that length. */
export function snappyDecode(src: Uint8Array, from: number, to: number, dst: Uint8Array): number {
  let p = from;
  let n = 0;
  let mul = 1;
  for (;;) {
    if (p >= to) fail('truncated length preamble');
    const c = src[p++];
    n += (c & 0x7f) * mul;
    if (c < 0x80) break;
    mul *= 128;
    if (mul > 2 ** 35) fail('length preamble too long');
  }
  if (n > dst.length) fail(`decoded length ${n} exceeds buffer of ${dst.length}`);
  let d = 0;
  while (p < to) {
    const tag = src[p++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (p + extra > to) fail('truncated literal length');
        len = 0;
        for (let i = 0; i < extra; i++) len |= src[p + i] << (8 * i);
        len = len >>> 0;
        p += extra;
      }
      len += 1;
      if (p + len > to || d + len > n) fail('literal runs past the end');
      dst.set(src.subarray(p, p + len), d);
      p += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (p >= to) fail('truncated copy');
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[p++];
    } else if (kind === 2) {
      if (p + 2 > to) fail('truncated copy');
      len = (tag >>> 2) + 1;
      offset = src[p] | (src[p + 1] << 8);
      p += 2;
    } else {
      if (p + 4 > to) fail('truncated copy');
      len = (tag >>> 2) + 1;
      offset = (src[p] | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24)) >>> 0;
      p += 4;
    }
    if (offset === 0 || offset > d || d + len > n) fail(`invalid copy (offset ${offset}, length ${len}) at output byte ${d}`);
    // Copies may overlap their own output (run-length style): byte by byte.
    for (let i = 0; i < len; i++) dst[d + i] = dst[d - offset + i];
    d += len;
  }
  if (d !== n) fail(`decoded ${d} bytes, preamble announced ${n}`);
  return n;
}

const BLOCK = 65536;
const HASH_BITS = 14;
const table = new Int32Array(1 << HASH_BITS);

/** The most bytes `snappyEncode` can produce for `n` input bytes. */
export function snappyMaxEncodedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

function load32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function hash(x: number): number {
  return Math.imul(x, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

function emitLiteral(dst: Uint8Array, d: number, src: Uint8Array, from: number, to: number): number {
  const len = to - from;
  if (len === 0) return d;
  const n = len - 1;
  if (n < 60) {
    dst[d++] = n << 2;
  } else if (n < 256) {
    dst[d++] = 60 << 2;
    dst[d++] = n;
  } else if (n < 65536) {
    dst[d++] = 61 << 2;
    dst[d++] = n & 0xff;
    dst[d++] = n >>> 8;
  } else {
    dst[d++] = 62 << 2;
    dst[d++] = n & 0xff;
    dst[d++] = (n >>> 8) & 0xff;
    dst[d++] = n >>> 16;
  }
  dst.set(src.subarray(from, to), d);
  return d + len;
}

function emitCopy(dst: Uint8Array, d: number, offset: number, len: number): number {
  while (len > 0) {
    // Copy-2 elements carry up to 64 bytes; keep at least 4 for the last one.
    const l = len > 64 ? (len - 64 < 4 ? 60 : 64) : len;
    if (l < 12 && l >= 4 && offset < 2048) {
      dst[d++] = 1 | ((l - 4) << 2) | ((offset >>> 8) << 5);
      dst[d++] = offset & 0xff;
    } else {
      dst[d++] = 2 | ((l - 1) << 2);
      dst[d++] = offset & 0xff;
      dst[d++] = offset >>> 8;
    }
    len -= l;
  }
  return d;
}

/** Encodes `src[from..to)` into `dst` (sized by `snappyMaxEncodedLength`); returns the encoded length. */
export function snappyEncode(src: Uint8Array, from: number, to: number, dst: Uint8Array): number {
  let d = 0;
  let n = to - from;
  while (n >= 0x80) {
    dst[d++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  dst[d++] = n;
  for (let blockStart = from; blockStart < to; blockStart += BLOCK) {
    const blockEnd = Math.min(to, blockStart + BLOCK);
    table.fill(-1);
    let lit = blockStart;
    let i = blockStart;
    const limit = blockEnd - 4;
    while (i <= limit) {
      const x = load32(src, i);
      const h = hash(x);
      const cand = table[h];
      table[h] = i;
      if (cand >= blockStart && i - cand < 65536 && load32(src, cand) === x) {
        d = emitLiteral(dst, d, src, lit, i);
        let len = 4;
        while (i + len < blockEnd && src[cand + len] === src[i + len]) len++;
        d = emitCopy(dst, d, i - cand, len);
        i += len;
        lit = i;
      } else {
        i++;
      }
    }
    d = emitLiteral(dst, d, src, lit, blockEnd);
  }
  return d;
}
