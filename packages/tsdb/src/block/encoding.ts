/**
 * Byte-level encoding shared by the block files: a growable write buffer and a bounds-checked read
 * cursor. Integers are JavaScript numbers: exact up to 2^53, which covers millisecond timestamps, file
 * offsets and chunk references (segment << 32 | offset) for any realistic block.
 *
 * Reads never run past their slice: a truncated or garbled varint throws a `corruption` VigilError that
 * names the file and the absolute offset, so a damaged block is reported, never crashes the process.
 */
import { VigilError } from '@vigil/model';

const TWO_32 = 0x100000000;

/** A corruption error naming the file and the byte offset where reading went wrong. */
export function corruption(file: string, offset: number, why: string): VigilError {
  return new VigilError('corruption', `corrupted file ${JSON.stringify(file)} at offset ${offset}: ${why}`);
}

/** A growable byte buffer; `put*` append at the end. */
export class Encbuf {
  buf: Buffer;
  len = 0;

  constructor(initial = 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): void {
    this.len = 0;
  }

  /** The bytes written so far (a view, valid until the next write). */
  get(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  putByte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  putBE32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  putBE64(v: number): void {
    this.ensure(8);
    this.buf.writeUInt32BE(Math.floor(v / TWO_32) >>> 0, this.len);
    this.buf.writeUInt32BE(v >>> 0, this.len + 4);
    this.len += 8;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  putUvarint(v: number): void {
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

  /** Zig-zag signed varint (Go's `binary.PutVarint`). */
  putVarint(v: number): void {
    this.putUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  putBytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    this.buf.set(src.subarray(start, end), this.len);
    this.len += n;
  }

  /** The UTF-8 bytes of `s`, preceded by their length as a uvarint. */
  putUvarintStr(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.putUvarint(n);
    this.ensure(n);
    this.buf.write(s, this.len, n, 'utf8');
    this.len += n;
  }

  /** Pads with zero bytes until `base + len` is a multiple of `align`. */
  padTo(base: number, align: number): void {
    const rem = (base + this.len) % align;
    if (rem === 0) return;
    const n = align - rem;
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
}

/**
 * A read cursor over `b[pos..end)`. `base` is the absolute file offset of `b[0]`, so errors name the
 * position in the file.
 */
export class Decbuf {
  b: Buffer;
  pos: number;
  end: number;
  readonly file: string;
  base: number;

  constructor(b: Buffer, file: string, base = 0, pos = 0, end = b.length) {
    this.b = b;
    this.file = file;
    this.base = base;
    this.pos = pos;
    this.end = end;
  }

  /** Points the cursor at `b[pos..end)` (no copy), `base` being the file offset of `b[0]`. */
  reset(b: Buffer, base: number, pos: number, end: number): void {
    this.b = b;
    this.base = base;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** The absolute file offset of the cursor. */
  get offset(): number {
    return this.base + this.pos;
  }

  fail(why: string): VigilError {
    return corruption(this.file, this.offset, why);
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw this.fail(`unexpected end of data reading ${what} (need ${n} bytes, have ${this.end - this.pos})`);
  }

  byte(): number {
    this.need(1, 'a byte');
    return this.b[this.pos++];
  }

  be32(): number {
    this.need(4, 'a 32-bit integer');
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  be64(): number {
    this.need(8, 'a 64-bit integer');
    const hi = this.b.readUInt32BE(this.pos);
    const lo = this.b.readUInt32BE(this.pos + 4);
    this.pos += 8;
    if (hi >= 0x200000) throw corruption(this.file, this.offset - 8, `64-bit value too large (high word 0x${hi.toString(16)})`);
    return hi * TWO_32 + lo;
  }

  /** An unsigned varint; values below 2^28 with four bytes in reach take the short, inlinable path. */
  uvarint(): number {
    const b = this.b;
    const p = this.pos;
    if (p + 3 < this.end) {
      let c = b[p];
      if (c < 0x80) {
        this.pos = p + 1;
        return c;
      }
      let v = c & 0x7f;
      c = b[p + 1];
      if (c < 0x80) {
        this.pos = p + 2;
        return v | (c << 7);
      }
      v |= (c & 0x7f) << 7;
      c = b[p + 2];
      if (c < 0x80) {
        this.pos = p + 3;
        return v | (c << 14);
      }
      v |= (c & 0x7f) << 14;
      c = b[p + 3];
      if (c < 0x80) {
        this.pos = p + 4;
        return v | (c << 21);
      }
    }
    return this.uvarintLong();
  }

  /** Any unsigned varint, bounds-checked byte by byte (exact up to 2^53). */
  private uvarintLong(): number {
    const b = this.b;
    const end = this.end;
    let p = this.pos;
    if (p + 10 <= end) {
      // Room for any varint (millisecond timestamps take 6 bytes): no bounds check per byte.
      let v = 0;
      let mul = 1;
      for (let i = 0; i < 10; i++) {
        const c = b[p++];
        v += (c & 0x7f) * mul;
        if (c < 0x80) {
          this.pos = p;
          if (v > Number.MAX_SAFE_INTEGER) throw corruption(this.file, this.base + p - i - 1, 'varint overflows 2^53');
          return v;
        }
        mul *= 128;
      }
      throw this.fail('varint longer than 10 bytes');
    }
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) throw this.fail('unexpected end of data in a varint');
      const c = b[p++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) {
        this.pos = p;
        if (v > Number.MAX_SAFE_INTEGER) throw corruption(this.file, this.base + p - i - 1, 'varint overflows 2^53');
        return v;
      }
      mul *= 128;
    }
    throw this.fail('varint longer than 10 bytes');
  }

  varint(): number {
    const u = this.uvarint();
    // Zig-zag: even → u/2, odd → -(u+1)/2; 32-bit arithmetic while it fits.
    if (u <= 0x7fffffff) return (u >>> 1) ^ -(u & 1);
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.need(n, `${n} bytes`);
    this.pos += n;
  }

  uvarintStr(): string {
    const n = this.uvarint();
    this.need(n, 'a string');
    const s = this.b.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

