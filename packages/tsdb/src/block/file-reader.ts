/**
 * Positioned reads of a block file through 64 KiB pages kept in a `PageCache` (shared by every open block
 * file under one byte budget): reads touch only the pages they need (`fs.readSync` at an offset), so
 * opening a block costs its table of contents, not its size, and queries after the first read memory.
 *
 * Besides the bytes, a resident page can carry verification marks: one bit per `2^markShift` bytes that
 * a reader sets once it has checked the CRC of the record starting there (a chunk, a series entry), so
 * the check runs once per record while its page stays cached, not on every query. The marks go when the
 * page goes: bytes read from the file again are checked again.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { corruption } from './encoding.js';
import { PAGE_SIZE, type PageCache, type PageOwner, sharedPageCache } from './page-cache.js';

/** Reads spanning more pages than this bypass the cache (whole tables read once at open). */
const MAX_CACHED_SPAN = 4;

export interface FileReaderOptions {
  /** The page cache to read through; the process-wide shared one by default. */
  readonly cache?: PageCache;
  /** Verification marks: one bit per 2^markShift bytes (0: every byte offset). */
  readonly markShift?: number;
}

export class FileReader implements PageOwner {
  readonly path: string;
  readonly size: number;
  private fd: number;
  private readonly cache: PageCache;
  private readonly pages: (Buffer | undefined)[];
  private readonly referenced: Uint8Array;
  private readonly marks: (Uint8Array | undefined)[];
  private readonly markShift: number;
  private readonly markBytes: number;
  /** Bytes this file holds in the cache. */
  private held = 0;
  /**
   * Result of `locate`: the buffer holding the bytes and their offset in it. A page of the cache
   * (`locatedPage` >= 0) or, for a range spanning pages, a copy (`locatedPage` = -1).
   */
  located: Buffer = EMPTY;
  locatedOffset = 0;
  locatedPage = -1;

  /** Opens `path` for reading. */
  constructor(path: string, options: FileReaderOptions = {}) {
    this.path = path;
    this.cache = options.cache ?? sharedPageCache();
    this.markShift = options.markShift ?? 0;
    this.markBytes = Math.max(1, PAGE_SIZE >>> (this.markShift + 3));
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
    const n = Math.ceil(this.size / PAGE_SIZE);
    this.pages = new Array<Buffer | undefined>(n).fill(undefined);
    this.marks = new Array<Uint8Array | undefined>(n).fill(undefined);
    this.referenced = new Uint8Array(n);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
    this.pages.fill(undefined);
    this.marks.fill(undefined);
    this.cache.release(this, this.held);
    this.held = 0;
  }

  takeReferenced(index: number): boolean {
    if (this.referenced[index] === 0) return false;
    this.referenced[index] = 0;
    return true;
  }

  dropPage(index: number): number {
    const p = this.pages[index];
    if (p === undefined) return 0;
    let bytes = p.length;
    if (this.marks[index] !== undefined) bytes += this.markBytes;
    this.pages[index] = undefined;
    this.marks[index] = undefined;
    this.held -= bytes;
    return bytes;
  }

  private page(index: number): Buffer {
    const p = this.pages[index];
    if (p !== undefined) {
      this.referenced[index] = 1;
      return p;
    }
    return this.load(index);
  }

  private load(index: number): Buffer {
    if (this.fd < 0) throw new Error(`file ${this.path} is closed`);
    const start = index * PAGE_SIZE;
    const len = Math.min(PAGE_SIZE, this.size - start);
    const p = Buffer.allocUnsafeSlow(len);
    this.readInto(p, start, len);
    this.cache.reserve(len);
    this.pages[index] = p;
    this.referenced[index] = 0;
    this.held += len;
    this.cache.admit(this, index, len);
    return p;
  }

  private readInto(out: Buffer, pos: number, len: number): void {
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, out, got, len - got, pos + got);
      if (n === 0) throw corruption(this.path, pos + got, 'file shorter than its size (truncated while open?)');
      got += n;
    }
  }

  private checkRange(pos: number, len: number, what: string): void {
    if (pos < 0 || len < 0 || pos + len > this.size) {
      throw corruption(this.path, pos, `${what} of ${len} bytes runs past the end of the file (size ${this.size})`);
    }
  }

  /**
   * Finds `len` bytes at `pos` without allocating when they lie in one page: afterwards they are
   * `located[locatedOffset .. locatedOffset + len)`. Valid until the next call. Reading past the end
   * of the file throws a corruption error naming `what`.
   */
  locate(pos: number, len: number, what: string): void {
    this.checkRange(pos, len, what);
    const first = Math.floor(pos / PAGE_SIZE);
    if (len > 0 && Math.floor((pos + len - 1) / PAGE_SIZE) === first) {
      this.located = this.page(first);
      this.locatedOffset = pos - first * PAGE_SIZE;
      this.locatedPage = first;
      return;
    }
    this.located = this.copy(pos, len);
    this.locatedOffset = 0;
    this.locatedPage = -1;
  }

  /** `len` bytes at `pos` in a buffer of their own. */
  private copy(pos: number, len: number): Buffer {
    const out = Buffer.allocUnsafe(len);
    if (len === 0) return out;
    const first = Math.floor(pos / PAGE_SIZE);
    const last = Math.floor((pos + len - 1) / PAGE_SIZE);
    if (last - first >= MAX_CACHED_SPAN) {
      if (this.fd < 0) throw new Error(`file ${this.path} is closed`);
      this.readInto(out, pos, len);
      return out;
    }
    let copied = 0;
    for (let i = first; i <= last; i++) {
      const p = this.page(i);
      const from = i === first ? pos - first * PAGE_SIZE : 0;
      const to = Math.min(p.length, from + (len - copied));
      p.copy(out, copied, from, to);
      copied += to - from;
    }
    return out;
  }

  /**
   * `len` bytes at `pos`. Within one page the result is a view of the cached page (valid for good, but
   * do not modify it); across pages it is a copy. Reading past the end of the file throws a corruption
   * error naming `what`.
   */
  read(pos: number, len: number, what = 'data'): Buffer {
    this.locate(pos, len, what);
    if (this.locatedPage < 0) return this.located;
    return this.located.subarray(this.locatedOffset, this.locatedOffset + len);
  }

  /** Up to `len` bytes at `pos`, fewer at the end of the file. */
  readUpTo(pos: number, len: number): Buffer {
    return this.read(pos, Math.max(0, Math.min(len, this.size - pos)));
  }

  /** Whether the record at `pos` was verified since its page was loaded. */
  isVerified(pos: number): boolean {
    const index = Math.floor(pos / PAGE_SIZE);
    const m = this.marks[index];
    if (m === undefined) return false;
    const bit = (pos - index * PAGE_SIZE) >>> this.markShift;
    return (m[bit >>> 3] & (1 << (bit & 7))) !== 0;
  }

  /** Marks the record at `pos` verified, if its page is resident (use right after reading it). */
  markVerified(pos: number): void {
    const index = Math.floor(pos / PAGE_SIZE);
    if (this.pages[index] === undefined) return;
    let m = this.marks[index];
    if (m === undefined) {
      // Room first: making it may evict this very page, and then there is nothing to mark.
      this.cache.reserve(this.markBytes);
      if (this.pages[index] === undefined) return;
      m = new Uint8Array(this.markBytes);
      this.marks[index] = m;
      this.held += this.markBytes;
      this.cache.charge(this.markBytes);
    }
    const bit = (pos - index * PAGE_SIZE) >>> this.markShift;
    m[bit >>> 3] |= 1 << (bit & 7);
  }
}

const EMPTY = Buffer.alloc(0);
