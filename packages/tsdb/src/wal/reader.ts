/**
 * Reading WAL segments: pages of 32 KiB holding record fragments `type <1> | len <BE16> | crc32c <BE32> |
 * data`, fragments joined into records (full, or first-middle-last), snappy- and zstd-compressed records
 * decoded (Prometheus 3.x writes zstd with `--storage.tsdb.wal-compression-type=zstd`).
 * A segment that ends inside a page counts as padded with zeros, as Prometheus reads it.
 *
 * Any damage (bad checksum, impossible length, fragment out of sequence, a record cut off by the end of
 * the segment, non-zero padding) stops reading with a `WalCorruptionError` naming the segment file, the
 * byte offset of the damage and the end of the last good record, which is what repair needs.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/model';
import { crc32c } from '../block/crc32c.js';
import { decompress as zstdDecompress } from 'fzstd';
import { snappyDecode, snappyDecodedLength } from './snappy.js';

export const PAGE_SIZE = 32 * 1024;
export const RECORD_HEADER_SIZE = 7;
export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;

export const enum FragmentType {
  PageTerm = 0,
  Full = 1,
  First = 2,
  Middle = 3,
  Last = 4,
}
export const SNAPPY_MASK = 0x08;
export const ZSTD_MASK = 0x10;

export class WalCorruptionError extends VigilError {
  readonly dir: string;
  readonly segment: number;
  /** Where the damage was found. */
  readonly offset: number;
  /** End of the last whole record before it: what repair keeps. */
  readonly goodOffset: number;
  readonly reason: string;

  constructor(dir: string, segment: number, offset: number, goodOffset: number, reason: string) {
    super('corruption', `corrupted WAL segment ${JSON.stringify(join(dir, segmentName(segment)))} at offset ${offset}: ${reason}`);
    this.name = 'WalCorruptionError';
    this.dir = dir;
    this.segment = segment;
    this.offset = offset;
    this.goodOffset = goodOffset;
    this.reason = reason;
  }
}

export function segmentName(i: number): string {
  return String(i).padStart(8, '0');
}

/** Segment indexes in `dir`, sorted (files named by 8-or-more digits only). */
export function listSegments(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      if (!statSync(join(dir, n)).isFile()) continue;
    } catch {
      continue;
    }
    out.push(Number(n));
  }
  return out.sort((a, b) => a - b);
}

export type RecordHandler = (rec: Uint8Array, len: number, segment: number, offset: number) => void;

const READ_CHUNK = 32 * PAGE_SIZE;

/**
 * Reads every record of segment `segment` in `dir`, calling `onRecord(buf, len, segment, offset)`; the
 * buffer is reused: decode before returning. Returns the number of records.
 */
export function readSegment(dir: string, segment: number, onRecord: RecordHandler, state = new ReaderState()): number {
  const path = join(dir, segmentName(segment));
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const buf = state.io;
    let fileOff = 0; // file offset of buf[0]
    let have = 0; // bytes valid in buf
    let pos = 0; // current offset in the file
    let records = 0;
    let goodOffset = 0; // end of the last whole record
    let recStart = -1; // file offset where the record being assembled began
    let recLen = 0;
    let compression = 0; // 0, SNAPPY_MASK or ZSTD_MASK
    const corrupt = (at: number, why: string): never => {
      throw new WalCorruptionError(dir, segment, at, goodOffset, why);
    };
    // Pages are read whole; a short last page reads as zero-padded.
    const ensurePage = (pageStart: number): void => {
      if (pageStart >= fileOff && pageStart + PAGE_SIZE <= fileOff + have) return;
      fileOff = pageStart;
      const want = Math.min(READ_CHUNK, Math.max(0, size - pageStart));
      have = want > 0 ? readFully(fd, buf, want, pageStart) : 0;
      // Bytes past the end of the file read as zeros (up to the page boundary).
      const padEnd = Math.ceil(have / PAGE_SIZE) * PAGE_SIZE;
      if (padEnd > have) buf.fill(0, have, padEnd);
      have = Math.max(have, Math.min(padEnd, buf.length));
    };
    // A record whose checksum holds but whose contents do not decode is damage too, at its start.
    const deliver = (rec: Uint8Array, len: number, at: number): void => {
      try {
        onRecord(rec, len, segment, at);
      } catch (e) {
        if (!(e instanceof VigilError) || e.code !== 'corruption' || e instanceof WalCorruptionError) throw e;
        goodOffset = at;
        corrupt(at, e.message);
      }
    };
    while (pos < size) {
      const pageStart = pos - (pos % PAGE_SIZE);
      ensurePage(pageStart);
      const pageEnd = pageStart + PAGE_SIZE;
      const b = pos - fileOff;
      const typ = buf[b];
      if (typ === FragmentType.PageTerm) {
        // The rest of the page must be padding.
        for (let i = b + 1; i < pageEnd - fileOff; i++) {
          if (buf[i] !== 0) corrupt(fileOff + i, 'unexpected non-zero byte in padded page');
        }
        pos = pageEnd;
        continue;
      }
      if (pos + RECORD_HEADER_SIZE > pageEnd) corrupt(pos, 'record header crosses a page boundary');
      if ((typ & 0xe0) !== 0) corrupt(pos, `invalid record type byte 0x${typ.toString(16)}`);
      const kind = typ & 0x07;
      const length = (buf[b + 1] << 8) | buf[b + 2];
      const crc = ((buf[b + 3] << 24) | (buf[b + 4] << 16) | (buf[b + 5] << 8) | buf[b + 6]) >>> 0;
      const dataStart = b + RECORD_HEADER_SIZE;
      if (pos + RECORD_HEADER_SIZE + length > pageEnd) corrupt(pos, `record fragment of ${length} bytes crosses a page boundary`);
      if (pos + RECORD_HEADER_SIZE + length > size) corrupt(pos, `record fragment of ${length} bytes cut off by the end of the file`);
      const sum = crc32c(buf, dataStart, dataStart + length);
      if (sum !== crc) corrupt(pos, `unexpected checksum ${sum.toString(16).padStart(8, '0')}, expected ${crc.toString(16).padStart(8, '0')}`);
      switch (kind) {
        case FragmentType.Full:
        case FragmentType.First:
          if (recStart >= 0) corrupt(pos, `unexpected ${kind === FragmentType.Full ? 'full' : 'first'} record fragment after an unfinished record`);
          recStart = pos;
          recLen = 0;
          compression = 0;
          break;
        case FragmentType.Middle:
        case FragmentType.Last:
          if (recStart < 0) corrupt(pos, `unexpected ${kind === FragmentType.Middle ? 'middle' : 'last'} record fragment`);
          break;
        default:
          corrupt(pos, `unknown record fragment type ${kind}`);
      }
      if ((typ & (SNAPPY_MASK | ZSTD_MASK)) === (SNAPPY_MASK | ZSTD_MASK)) corrupt(pos, 'record fragment marked both snappy- and zstd-compressed');
      if ((typ & SNAPPY_MASK) !== 0) compression = SNAPPY_MASK;
      else if ((typ & ZSTD_MASK) !== 0) compression = ZSTD_MASK;
      state.ensureRecord(recLen + length);
      state.rec.set(buf.subarray(dataStart, dataStart + length), recLen);
      recLen += length;
      pos += RECORD_HEADER_SIZE + length;
      // A page with less room than a header left is padding.
      if (pageEnd - pos < RECORD_HEADER_SIZE) pos = pageEnd;
      if (kind === FragmentType.Full || kind === FragmentType.Last) {
        const at = recStart;
        recStart = -1;
        goodOffset = Math.min(pos, size);
        records++;
        if (compression === SNAPPY_MASK) {
          let out: number;
          try {
            const n = snappyDecodedLength(state.rec, 0, recLen);
            state.ensureDecoded(n);
            out = snappyDecode(state.rec, 0, recLen, state.decoded);
          } catch (e) {
            goodOffset = at;
            return corrupt(at, (e as Error).message);
          }
          deliver(state.decoded, out, at);
        } else if (compression === ZSTD_MASK) {
          let out: Uint8Array;
          try {
            out = zstdDecompress(state.rec.subarray(0, recLen));
          } catch (e) {
            goodOffset = at;
            return corrupt(at, `zstd: ${(e as Error).message}`);
          }
          deliver(out, out.length, at);
        } else {
          deliver(state.rec, recLen, at);
        }
      }
    }
    if (recStart >= 0) corrupt(recStart, 'record cut off by the end of the segment (torn write)');
    return records;
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, buf: Uint8Array, n: number, position: number): number {
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, position + got);
    if (r === 0) break;
    got += r;
  }
  return got;
}

/** Buffers reused across segments and records. */
export class ReaderState {
  readonly io = new Uint8Array(READ_CHUNK);
  rec = new Uint8Array(64 * 1024);
  decoded = new Uint8Array(64 * 1024);

  ensureRecord(n: number): void {
    if (n <= this.rec.length) return;
    const b = new Uint8Array(Math.max(n, this.rec.length * 2));
    b.set(this.rec);
    this.rec = b;
  }

  ensureDecoded(n: number): void {
    if (n > this.decoded.length) this.decoded = new Uint8Array(Math.max(n, this.decoded.length * 2));
  }
}
