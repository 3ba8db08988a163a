/**
 * The write-ahead log, in Prometheus's format (conformance/tsdb-format/wal.md): numbered segment files of
 * up to 128 MiB, written in 32 KiB pages of record fragments, each with a CRC-32C. Records never cross a
 * segment boundary. As Prometheus does, a WAL opened on an existing directory starts a fresh segment, so
 * a torn tail is never appended to.
 *
 * `log()` is synchronous: when it returns, the records are in the segment file (written to the kernel,
 * so they survive the process being killed); segments are fsynced when they are completed and on close.
 * A failed write is cut back off the file, so the segment stays readable.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/model';
import { crc32c } from '../block/crc32c.js';
import { fsyncDir } from '../block/fsutil.js';
import {
  DEFAULT_SEGMENT_SIZE,
  FragmentType,
  PAGE_SIZE,
  RECORD_HEADER_SIZE,
  SNAPPY_MASK,
  WalCorruptionError,
  listSegments,
  segmentName,
} from './reader.js';
import { snappyEncode, snappyMaxEncodedLength } from './snappy.js';

export interface WalOptions {
  /** Segment size in bytes (a multiple of 32 KiB); 128 MiB by default. */
  readonly segmentSize?: number;
  /** Snappy-compress records, as Prometheus does with `--storage.tsdb.wal-compression`. */
  readonly compress?: boolean;
}

export class WAL {
  readonly dir: string;
  readonly segmentSize: number;
  readonly compress: boolean;
  private fd = -1;
  private seg = -1;
  /** Bytes of the current segment file. */
  private fileSize = 0;
  private readonly page = new Uint8Array(PAGE_SIZE);
  /** Bytes of the page filled, and written to the file. */
  private alloc = 0;
  private flushed = 0;
  private donePages = 0;
  private compressBuf = new Uint8Array(0);
  private closed = false;
  /** Bytes written since open (for metrics and benchmarks). */
  bytesWritten = 0;

  private constructor(dir: string, options: WalOptions) {
    this.dir = dir;
    const size = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (size % PAGE_SIZE !== 0 || size < PAGE_SIZE) {
      throw new VigilError('bad_data', `WAL segment size ${size} is not a positive multiple of ${PAGE_SIZE}`);
    }
    this.segmentSize = size;
    this.compress = options.compress ?? false;
  }

  /** Opens (creating) the WAL directory and starts a new segment after the last one. */
  static open(dir: string, options: WalOptions = {}): WAL {
    mkdirSync(dir, { recursive: true });
    const w = new WAL(dir, options);
    const segs = listSegments(dir);
    w.openSegment(segs.length > 0 ? segs[segs.length - 1] + 1 : 0);
    return w;
  }

  /** Where the next record goes: segment index and byte offset in it (records before are on file). */
  position(): { segment: number; offset: number } {
    return { segment: this.seg, offset: this.fileSize };
  }

  /** Index of the segment being written. */
  get currentSegment(): number {
    return this.seg;
  }

  private get pagesPerSegment(): number {
    return this.segmentSize / PAGE_SIZE;
  }

  private openSegment(i: number): void {
    const path = join(this.dir, segmentName(i));
    this.fd = openSync(path, 'w');
    this.seg = i;
    this.fileSize = 0;
    this.alloc = 0;
    this.flushed = 0;
    this.donePages = 0;
    fsyncDir(this.dir);
  }

  /** Pads the page, fsyncs and closes the segment, and starts the next one. Returns its index. */
  nextSegment(): number {
    this.ensureOpen();
    if (this.alloc > 0) this.flushPage(true);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.openSegment(this.seg + 1);
    return this.seg;
  }

  private ensureOpen(): void {
    if (this.closed) throw new VigilError('unavailable', `WAL ${this.dir} is closed`);
  }

  /** Writes `records` (each a whole record, type byte first) and flushes them to the segment file. */
  log(records: readonly Uint8Array[]): void {
    this.ensureOpen();
    const sizeBefore = this.fileSize;
    const allocBefore = this.alloc;
    const flushedBefore = this.flushed;
    const segBefore = this.seg;
    const pagesBefore = this.donePages;
    try {
      for (let i = 0; i < records.length; i++) this.logOne(records[i], i === records.length - 1);
    } catch (e) {
      if (this.seg === segBefore) {
        // Cut the partial write off, so the segment ends with whole records.
        try {
          ftruncateSync(this.fd, sizeBefore);
          this.fileSize = sizeBefore;
          this.alloc = allocBefore;
          this.flushed = flushedBefore;
          this.donePages = pagesBefore;
          this.page.fill(0, allocBefore);
        } catch {
          // Leave it: a restart's repair will cut the torn record off.
        }
      }
      throw new VigilError('unavailable', `write to WAL segment ${join(this.dir, segmentName(this.seg))}: ${(e as Error).message}`, { cause: e });
    }
  }

  private logOne(rec: Uint8Array, final: boolean): void {
    // Records do not cross segments: start a new one when this one cannot hold the record.
    let left = PAGE_SIZE - this.alloc - RECORD_HEADER_SIZE;
    left += (PAGE_SIZE - RECORD_HEADER_SIZE) * (this.pagesPerSegment - this.donePages - 1);
    if (rec.length > left) this.nextSegment();

    let compressed = false;
    if (this.compress && rec.length > 0) {
      const max = snappyMaxEncodedLength(rec.length);
      if (this.compressBuf.length < max) this.compressBuf = new Uint8Array(max);
      const n = snappyEncode(rec, 0, rec.length, this.compressBuf);
      if (n < rec.length) {
        rec = this.compressBuf.subarray(0, n);
        compressed = true;
      }
    }
    const page = this.page;
    let off = 0;
    for (let i = 0; i === 0 || off < rec.length; i++) {
      const l = Math.min(rec.length - off, PAGE_SIZE - this.alloc - RECORD_HEADER_SIZE);
      const last = off + l === rec.length;
      let typ: number;
      if (i === 0 && last) typ = FragmentType.Full;
      else if (last) typ = FragmentType.Last;
      else if (i === 0) typ = FragmentType.First;
      else typ = FragmentType.Middle;
      if (compressed) typ |= SNAPPY_MASK;
      const p = this.alloc;
      const crc = crc32c(rec, off, off + l);
      page[p] = typ;
      page[p + 1] = l >>> 8;
      page[p + 2] = l & 0xff;
      page[p + 3] = crc >>> 24;
      page[p + 4] = (crc >>> 16) & 0xff;
      page[p + 5] = (crc >>> 8) & 0xff;
      page[p + 6] = crc & 0xff;
      page.set(rec.subarray(off, off + l), p + RECORD_HEADER_SIZE);
      this.alloc = p + RECORD_HEADER_SIZE + l;
      off += l;
      if (PAGE_SIZE - this.alloc < RECORD_HEADER_SIZE) this.flushPage(true);
    }
    if (final && this.alloc > 0) this.flushPage(false);
  }

  /** Writes the unwritten part of the page; with `clear`, pads it to the end and starts a new page. */
  private flushPage(clear: boolean): void {
    if (clear) this.alloc = PAGE_SIZE; // the rest is zeros already
    const n = this.alloc - this.flushed;
    if (n > 0) {
      let done = 0;
      while (done < n) done += writeSync(this.fd, this.page, this.flushed + done, n - done, this.fileSize + done);
      this.fileSize += n;
      this.bytesWritten += n;
      this.flushed = this.alloc;
    }
    if (clear) {
      this.page.fill(0);
      this.alloc = 0;
      this.flushed = 0;
      this.donePages++;
    }
  }

  /** fsyncs what was written so far. */
  sync(): void {
    this.ensureOpen();
    fsyncSync(this.fd);
  }

  /** Deletes segments below `index`. */
  truncate(index: number): void {
    for (const s of listSegments(this.dir)) {
      if (s >= index || s === this.seg) continue;
      rmSync(join(this.dir, segmentName(s)), { force: true });
    }
  }

  close(): void {
    if (this.closed) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.closed = true;
    }
  }
}

export interface RepairResult {
  /** Bytes removed: the tail of the damaged segment plus all later segments. */
  readonly droppedBytes: number;
  readonly droppedSegments: number;
}

/**
 * Repairs a WAL after `err`: the damaged segment is cut at the end of its last whole record and every
 * later segment is deleted (records after a damaged one cannot be trusted to follow the series records
 * they refer to), as Prometheus's repair does.
 */
export function repairWal(err: WalCorruptionError): RepairResult {
  const path = join(err.dir, segmentName(err.segment));
  let dropped = Math.max(0, statSync(path).size - err.goodOffset);
  truncateSync(path, err.goodOffset);
  let droppedSegments = 0;
  for (const s of listSegments(err.dir)) {
    if (s <= err.segment) continue;
    const p = join(err.dir, segmentName(s));
    dropped += statSync(p).size;
    rmSync(p, { force: true });
    droppedSegments++;
  }
  fsyncDir(err.dir);
  return { droppedBytes: dropped, droppedSegments };
}

/** Checkpoint directories (`checkpoint.NNNNNNNN`) in `walDir`, sorted by index; `.tmp` ones excluded. */
export function listCheckpoints(walDir: string): Array<{ name: string; index: number }> {
  let names: string[];
  try {
    names = readdirSync(walDir);
  } catch {
    return [];
  }
  const out: Array<{ name: string; index: number }> = [];
  for (const n of names) {
    const m = /^checkpoint\.(\d+)$/.exec(n);
    if (m) out.push({ name: n, index: Number(m[1]) });
  }
  return out.sort((a, b) => a.index - b.index);
}

export function checkpointName(index: number): string {
  return 'checkpoint.' + segmentName(index);
}

export { WalCorruptionError };
