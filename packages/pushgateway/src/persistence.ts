/**
 * The persistence file (`--persistence.file`): the whole store, written atomically (a temporary file in
 * the same directory, fsync, rename over the old file, fsync of the directory), so that a crash at any
 * moment leaves either the previous complete file or the new complete file, never a torn one.
 *
 * Format (version 1), little-endian:
 *
 *     offset 0   8 bytes  magic "VIGILPGW"
 *            8   uint32   format version (1)
 *           12   uint32   payload length, low 32 bits
 *           16   uint32   payload length, high bits
 *           20   uint32   CRC-32 (IEEE) of the payload
 *           24   payload: length-delimited Group messages, in order of last push
 *
 *     message Group  { repeated LabelPair label = 1; double push_time = 2; double push_stamp_ms = 3;
 *                      double failure_time = 4; double failure_stamp_ms = 5; double last_seen_ms = 6;
 *                      repeated Family family = 7; }
 *     message Family { double pushed_ms = 1; bytes metric_family = 2; }   // io.prometheus.client.MetricFamily
 *
 * A file that is cut short, fails its checksum or does not decode is refused with an error that says
 * which and where: the gateway then does not start, rather than overwrite the file with an empty store.
 *
 * Writes follow the Pushgateway's schedule: after a change, at the earliest `interval` after the previous
 * write; and once more on shutdown.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { VigilError } from '@vigil/model';
import { decodeMetricFamily, encodeMetricFamily } from '@vigil/exposition';
import { FamilyBlock, familyFromProto, protoFamilyOf } from './family.js';
import type { MetricStore } from './store.js';

const MAGIC = 'VIGILPGW';
const VERSION = 1;
const HEADER = 24;

/** Appends protobuf fields to a list of byte chunks. */
class Out {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(n);
      this.view = new DataView(this.buf.buffer);
    }
  }

  private flush(): void {
    if (this.pos > 0) this.chunks.push(this.buf.slice(0, this.pos));
    this.pos = 0;
  }

  varint(v: number): void {
    this.room(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  double(field: number, v: number): void {
    this.varint((field << 3) | 1);
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  field(field: number, b: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.bytes(b);
  }

  take(): Uint8Array {
    this.flush();
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    this.chunks = [];
    return out;
  }
}

const encoder = new TextEncoder();

function labelPair(name: string, value: string): Uint8Array {
  const o = new Out();
  o.field(1, encoder.encode(name));
  o.field(2, encoder.encode(value));
  return o.take();
}

export interface GroupTimes {
  readonly pushTime: number;
  readonly pushStampMs: number;
  readonly failureTime: number;
  readonly failureStampMs: number;
  readonly lastSeenMs: number;
}

/** One group as a `Group` message. */
export function encodeGroup(labels: readonly string[], families: readonly FamilyBlock[], t: GroupTimes): Uint8Array {
  const o = new Out();
  for (let i = 0; i < labels.length; i += 2) o.field(1, labelPair(labels[i], labels[i + 1]));
  o.double(2, t.pushTime);
  o.double(3, t.pushStampMs);
  o.double(4, t.failureTime);
  o.double(5, t.failureStampMs);
  o.double(6, t.lastSeenMs);
  for (const b of families) {
    const f = new Out();
    f.double(1, b.pushedMs);
    f.field(2, encodeMetricFamily(protoFamilyOf(b)));
    o.field(7, f.take());
  }
  return o.take();
}

/** The file's bytes for a list of encoded groups. */
export function fileBytes(groups: readonly Uint8Array[]): Uint8Array {
  const o = new Out();
  for (const g of groups) {
    o.varint(g.length);
    o.bytes(g);
  }
  const payload = o.take();
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, payload.length % 2 ** 32, true);
  view.setUint32(16, Math.floor(payload.length / 2 ** 32), true);
  view.setUint32(20, crc32(payload), true);
  out.set(payload, HEADER);
  return out;
}

export interface RestoredGroup {
  labels: string[];
  blocks: FamilyBlock[];
  pushTime: number;
  pushStampMs: number;
  failureTime: number;
  failureStampMs: number;
  lastSeenMs: number;
}

class In {
  pos: number;
  constructor(readonly b: Uint8Array, readonly view: DataView, start: number, readonly file: string) {
    this.pos = start;
  }

  fail(what: string): never {
    throw new VigilError('corruption', `persistence file ${JSON.stringify(this.file)} is corrupt: ${what} at byte ${this.pos}; move it away to start with an empty store`);
  }

  varint(end: number): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail('unexpected end of data in a varint');
      const c = this.b[this.pos++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 128;
    }
    return this.fail('varint too long');
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.fail('unexpected end of data in a double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  sub(end: number): number {
    const n = this.varint(end);
    const e = this.pos + n;
    if (e > end) this.fail(`a field of ${n} bytes runs past its message`);
    return e;
  }

  skip(wire: number, end: number): void {
    if (wire === 0) this.varint(end);
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos = this.sub(end);
    else if (wire === 5) this.pos += 4;
    else this.fail(`unknown wire type ${wire}`);
    if (this.pos > end) this.fail('a field runs past its message');
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function readGroup(r: In, end: number): RestoredGroup {
  const g: RestoredGroup = { labels: [], blocks: [], pushTime: 0, pushStampMs: 0, failureTime: 0, failureStampMs: 0, lastSeenMs: 0 };
  while (r.pos < end) {
    const key = r.varint(end);
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      const e = r.sub(end);
      let name = '';
      let value = '';
      while (r.pos < e) {
        const k = r.varint(e);
        if ((k & 7) !== 2) {
          r.skip(k & 7, e);
          continue;
        }
        const se = r.sub(e);
        let s: string;
        try {
          s = decoder.decode(r.b.subarray(r.pos, se));
        } catch {
          r.fail('a label is not valid UTF-8');
        }
        r.pos = se;
        if (k >>> 3 === 1) name = s;
        else if (k >>> 3 === 2) value = s;
      }
      g.labels.push(name, value);
    } else if (field >= 2 && field <= 6 && wire === 1) {
      const v = r.double(end);
      if (field === 2) g.pushTime = v;
      else if (field === 3) g.pushStampMs = v;
      else if (field === 4) g.failureTime = v;
      else if (field === 5) g.failureStampMs = v;
      else g.lastSeenMs = v;
    } else if (field === 7 && wire === 2) {
      const e = r.sub(end);
      let pushedMs = 0;
      let family: Uint8Array | undefined;
      while (r.pos < e) {
        const k = r.varint(e);
        if (k === ((1 << 3) | 1)) pushedMs = r.double(e);
        else if (k === ((2 << 3) | 2)) {
          const fe = r.sub(e);
          family = r.b.subarray(r.pos, fe);
          r.pos = fe;
        } else r.skip(k & 7, e);
      }
      if (family === undefined) r.fail('a family record without its metric family');
      let parsed;
      try {
        parsed = familyFromProto(decodeMetricFamily(family));
      } catch (err) {
        r.fail(`a metric family does not decode (${(err as Error).message})`);
      }
      g.blocks.push(new FamilyBlock(parsed.name, parsed.type, parsed.help, pushedMs, parsed.metrics));
    } else {
      r.skip(wire, end);
    }
  }
  if (g.labels.length === 0) r.fail('a group without grouping labels');
  return g;
}

/** Reads a persistence file; undefined when it does not exist. Throws a `corruption` VigilError when it is damaged. */
export function readPersistenceFile(path: string): RestoredGroup[] | undefined {
  if (!existsSync(path)) return undefined;
  const b = new Uint8Array(readFileSync(path));
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const bad = (what: string): never => {
    throw new VigilError('corruption', `persistence file ${JSON.stringify(path)} is corrupt: ${what}; move it away to start with an empty store`);
  };
  if (b.length < HEADER) bad(`only ${b.length} bytes, shorter than the ${HEADER}-byte header`);
  for (let i = 0; i < 8; i++) if (b[i] !== MAGIC.charCodeAt(i)) bad(`it does not start with ${JSON.stringify(MAGIC)} (not a Vigil pushgateway persistence file)`);
  const version = view.getUint32(8, true);
  if (version !== VERSION) bad(`format version ${version}, this program reads version ${VERSION}`);
  const length = view.getUint32(12, true) + view.getUint32(16, true) * 2 ** 32;
  if (HEADER + length !== b.length) bad(`the header announces ${length} bytes of data, the file holds ${b.length - HEADER} (cut short or appended to)`);
  const payload = b.subarray(HEADER);
  const stored = view.getUint32(20, true);
  const computed = crc32(payload);
  if (stored !== computed) bad(`checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`);
  const r = new In(b, view, HEADER, path);
  const out: RestoredGroup[] = [];
  while (r.pos < b.length) {
    const end = r.sub(b.length);
    out.push(readGroup(r, end));
    r.pos = end;
  }
  return out;
}

/** Removes temporary files left by a write that a crash interrupted. */
export function removeStaleTemporaries(path: string): string[] {
  const dir = dirname(path);
  const prefix = basename(path) + '.in_progress.';
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    try {
      unlinkSync(join(dir, n));
      removed.push(n);
    } catch {
      // Not ours to worry about.
    }
  }
  return removed;
}

/** Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the directory. */
export async function writeFileAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.in_progress.${process.pid}.${Date.now().toString(36)}`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  try {
    const d = openSync(dirname(path), 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename is done either way.
  }
}

/** Snapshots the store (cheap: blocks are immutable) and encodes it, yielding to the event loop between slices. */
export async function encodeStore(store: MetricStore): Promise<Uint8Array> {
  const snapshot: Array<[readonly string[], FamilyBlock[], GroupTimes]> = [];
  for (const g of store.groups.values()) {
    const times = { pushTime: g.pushTime, pushStampMs: g.pushStampMs, failureTime: g.failureTime, failureStampMs: g.failureStampMs, lastSeenMs: g.lastSeenMs };
    snapshot.push([g.labels, [...g.families.values()], times]);
  }
  const encoded: Uint8Array[] = [];
  for (let i = 0; i < snapshot.length; i++) {
    const [labels, blocks, times] = snapshot[i];
    encoded.push(encodeGroup(labels, blocks, times));
    if (i % 500 === 499) await new Promise<void>((r) => setImmediate(r));
  }
  return fileBytes(encoded);
}

export type PersistLog = (level: 'info' | 'error' | 'debug', msg: string, fields?: Record<string, string | number>) => void;

/** Writes the store to the file on the Pushgateway's schedule. */
export class Persister {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private lastPersistMs: number;
  private persistedVersion: number;
  private closed = false;

  constructor(
    readonly path: string,
    readonly intervalMs: number,
    private readonly store: MetricStore,
    private readonly log: PersistLog,
    private readonly now: () => number = Date.now,
  ) {
    this.lastPersistMs = now();
    this.persistedVersion = store.version;
  }

  /** Call after every change: schedules a write `interval` after the previous one (or now, if that has passed). */
  changed(): void {
    if (this.closed || this.timer !== undefined || this.writing !== undefined) return;
    if (this.store.version === this.persistedVersion) return;
    const delay = Math.max(0, this.lastPersistMs + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.persist();
    }, delay);
    this.timer.unref();
  }

  /** Writes now. */
  persist(): Promise<void> {
    if (this.writing !== undefined) return this.writing;
    const started = this.now();
    const version = this.store.version;
    this.writing = (async () => {
      try {
        const bytes = await encodeStore(this.store);
        await writeFileAtomically(this.path, bytes);
        this.persistedVersion = version;
        this.log('info', 'metrics persisted', { file: this.path });
      } catch (e) {
        this.log('error', 'error persisting metrics', { err: (e as Error).message });
      } finally {
        this.lastPersistMs = started;
        this.writing = undefined;
      }
      this.changed(); // something may have been written in the meantime
    })();
    return this.writing;
  }

  /** Stops the schedule and writes a last time if anything changed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.writing !== undefined) await this.writing;
    if (this.store.version !== this.persistedVersion) {
      this.closed = false;
      await this.persist();
      this.closed = true;
    }
  }
}

/** Restores groups into the store; returns how many. */
export function restoreInto(store: MetricStore, groups: readonly RestoredGroup[]): number {
  const ordered = [...groups].sort((a, b) => a.lastSeenMs - b.lastSeenMs);
  for (const g of ordered) store.restoreGroup(g.labels, g.blocks, g);
  return ordered.length;
}

/** Whether a path can be opened for writing in its directory (checked at start, to fail early). */
export function checkWritable(path: string): void {
  const probe = `${path}.in_progress.probe.${process.pid}`;
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (e) {
    throw new VigilError('unavailable', `cannot write the persistence file next to ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}
