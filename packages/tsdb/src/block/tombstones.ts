/**
 * Tombstones: deleted time ranges per series, kept beside a block in the `tombstones` file until the block
 * is rewritten (clean-tombstones or compaction). Intervals are closed [mint, maxt], sorted and merged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/model';
import { crc32c } from './crc32c.js';
import { Decbuf, Encbuf, corruption } from './encoding.js';
import { writeFileAtomic } from './fsutil.js';

export const TOMBSTONES_FILENAME = 'tombstones';
const MAGIC_TOMBSTONE = 0x0130ba30;
const TOMBSTONE_FORMAT_V1 = 1;

/** A closed time range [mint, maxt] in milliseconds. */
export interface Interval {
  mint: number;
  maxt: number;
}

/** Adds `n` to sorted, non-overlapping `list`, merging neighbours that touch (integer time: [1,2] and [3,4] merge). */
export function addInterval(list: Interval[], n: Interval): Interval[] {
  const out: Interval[] = [];
  let cur = { mint: n.mint, maxt: n.maxt };
  let placed = false;
  for (const iv of list) {
    if (placed || iv.maxt < cur.mint - 1) {
      out.push(iv);
    } else if (iv.mint > cur.maxt + 1) {
      out.push(cur);
      out.push(iv);
      placed = true;
    } else {
      cur = { mint: Math.min(cur.mint, iv.mint), maxt: Math.max(cur.maxt, iv.maxt) };
    }
  }
  if (!placed) out.push(cur);
  return out;
}

/** Whether `t` lies in one of the sorted intervals. */
export function isDeleted(list: readonly Interval[], t: number): boolean {
  for (const iv of list) {
    if (t < iv.mint) return false;
    if (t <= iv.maxt) return true;
  }
  return false;
}

/** Tombstones of one block: series reference → deleted intervals. */
export class Tombstones {
  private readonly map = new Map<number, Interval[]>();

  get(ref: number): readonly Interval[] | undefined {
    return this.map.get(ref);
  }

  add(ref: number, iv: Interval): void {
    this.map.set(ref, addInterval(this.map.get(ref) ?? [], iv));
  }

  /** Number of intervals over all series (the `numTombstones` of meta.json). */
  total(): number {
    let n = 0;
    for (const l of this.map.values()) n += l.length;
    return n;
  }

  get size(): number {
    return this.map.size;
  }

  /** Series references in ascending order with their intervals. */
  entries(): Array<[number, readonly Interval[]]> {
    return [...this.map.entries()].sort((a, b) => a[0] - b[0]);
  }

  clone(): Tombstones {
    const t = new Tombstones();
    for (const [ref, l] of this.map) t.map.set(ref, l.slice());
    return t;
  }
}

/** The file's bytes: magic, version, (ref, mint, maxt) per interval, CRC32-C of the entries. */
export function encodeTombstones(t: Tombstones): Buffer {
  const e = new Encbuf(64);
  e.putBE32(MAGIC_TOMBSTONE);
  e.putByte(TOMBSTONE_FORMAT_V1);
  for (const [ref, list] of t.entries()) {
    for (const iv of list) {
      e.putUvarint(ref);
      e.putVarint(iv.mint);
      e.putVarint(iv.maxt);
    }
  }
  const crc = crc32c(e.buf, 5, e.len);
  e.putBE32(crc);
  return Buffer.from(e.get());
}

export function decodeTombstones(b: Buffer, path: string): Tombstones {
  if (b.length < 9) throw corruption(path, 0, `tombstones file too short (${b.length} bytes, need at least 9)`);
  const magic = b.readUInt32BE(0);
  if (magic !== MAGIC_TOMBSTONE) throw corruption(path, 0, `invalid magic number 0x${magic.toString(16)}`);
  if (b[4] !== TOMBSTONE_FORMAT_V1) throw corruption(path, 4, `unknown tombstones format version ${b[4]}`);
  const end = b.length - 4;
  const want = b.readUInt32BE(end);
  const got = crc32c(b, 5, end);
  if (want !== got) {
    throw corruption(path, end, `checksum mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
  }
  const d = new Decbuf(b, path, 0, 5, end);
  const t = new Tombstones();
  while (d.remaining > 0) {
    const ref = d.uvarint();
    const mint = d.varint();
    const maxt = d.varint();
    if (maxt < mint) throw corruption(path, d.offset, `interval [${mint}, ${maxt}] of series ${ref} ends before it starts`);
    t.add(ref, { mint, maxt });
  }
  return t;
}

/** Reads `dir/tombstones`; a missing file means no tombstones. Returns them and the file size. */
export function readTombstonesFile(dir: string): { tombstones: Tombstones; size: number } {
  const path = join(dir, TOMBSTONES_FILENAME);
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { tombstones: new Tombstones(), size: 0 };
    throw new VigilError('internal', `cannot read tombstones file ${JSON.stringify(path)}: ${(e as Error).message}`, { cause: e });
  }
  return { tombstones: decodeTombstones(b, path), size: b.length };
}

/** Writes `dir/tombstones` atomically; returns its size. */
export function writeTombstonesFile(dir: string, t: Tombstones): number {
  const data = encodeTombstones(t);
  writeFileAtomic(join(dir, TOMBSTONES_FILENAME), data);
  return data.length;
}
