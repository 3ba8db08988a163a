/**
 * Positioned reads of a block file through a small page cache: reads touch only the pages they need
 * (`fs.readSync` at an offset), so opening a block costs its table of contents, not its size, and a
 * sequential scan of series or chunks reads each page once.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { corruption } from './encoding.js';

const PAGE_SHIFT = 16;
const PAGE_SIZE = 1 << PAGE_SHIFT; // 64 KiB

export class FileReader {
  readonly path: string;
  readonly size: number;
  private fd: number;
  private readonly pages = new Map<number, Buffer>();
  private readonly maxPages: number;

  /** Opens `path` for reading; `cacheBytes` bounds the page cache. */
  constructor(path: string, cacheBytes = 4 << 20) {
    this.path = path;
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
    this.maxPages = Math.max(2, Math.floor(cacheBytes / PAGE_SIZE));
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
    this.pages.clear();
  }

  private page(index: number): Buffer {
    let p = this.pages.get(index);
    if (p !== undefined) {
      // Refresh its place in the LRU order.
      this.pages.delete(index);
      this.pages.set(index, p);
      return p;
    }
    if (this.fd < 0) throw new Error(`file ${this.path} is closed`);
    const start = index * PAGE_SIZE;
    const len = Math.min(PAGE_SIZE, this.size - start);
    p = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, p, got, len - got, start + got);
      if (n === 0) throw corruption(this.path, start + got, 'file shorter than its size (truncated while open?)');
      got += n;
    }
    if (this.pages.size >= this.maxPages) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
    this.pages.set(index, p);
    return p;
  }

  /**
   * `len` bytes at `pos`. Within one page the result is a view of the cached page: use it before the next
   * read, or copy it. Reading past the end of the file throws a corruption error naming `what`.
   */
  read(pos: number, len: number, what = 'data'): Buffer {
    if (pos < 0 || len < 0 || pos + len > this.size) {
      throw corruption(this.path, pos, `${what} of ${len} bytes runs past the end of the file (size ${this.size})`);
    }
    if (len === 0) return Buffer.alloc(0);
    const first = Math.floor(pos / PAGE_SIZE);
    const last = Math.floor((pos + len - 1) / PAGE_SIZE);
    if (first === last) {
      const off = pos - first * PAGE_SIZE;
      return this.page(first).subarray(off, off + len);
    }
    if (len > PAGE_SIZE * 4) {
      // Large reads (whole tables) bypass the cache.
      const out = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const n = readSync(this.fd, out, got, len - got, pos + got);
        if (n === 0) throw corruption(this.path, pos + got, 'file shorter than its size');
        got += n;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(len);
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

  /** Up to `len` bytes at `pos`, fewer at the end of the file. */
  readUpTo(pos: number, len: number): Buffer {
    return this.read(pos, Math.max(0, Math.min(len, this.size - pos)));
  }
}
