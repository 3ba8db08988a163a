/**
 * `meta.json`: a block's identity (ULID), time range [minTime, maxTime), statistics and compaction
 * history, written as Prometheus writes it (tab-indented JSON, zero stats left out, `version: 1`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/model';
import { writeFileAtomic } from './fsutil.js';
import { isUlid } from './ulid.js';

export const META_FILENAME = 'meta.json';
export const META_VERSION = 1;

export interface BlockStats {
  numSamples?: number;
  /** Float and native histogram samples (Prometheus 3.x writes both; older blocks lack them). */
  numFloatSamples?: number;
  numHistogramSamples?: number;
  numSeries?: number;
  numChunks?: number;
  numTombstones?: number;
}

/** A block by ULID and time range (a parent in the compaction history). */
export interface BlockDesc {
  ulid: string;
  minTime: number;
  maxTime: number;
}

export interface BlockMetaCompaction {
  /** How many compactions the block's data went through (1 for a block cut from the head). */
  level: number;
  /** ULIDs of the level-1 blocks that went into it. */
  sources?: string[];
  /** Set when compaction left nothing of the block: it is deleted at the next reload. */
  deletable?: boolean;
  parents?: BlockDesc[];
  failed?: boolean;
  hints?: string[];
}

export interface BlockMeta {
  ulid: string;
  /** First millisecond covered. */
  minTime: number;
  /** Last millisecond covered, plus one: blocks are half-open [minTime, maxTime). */
  maxTime: number;
  stats: BlockStats;
  compaction: BlockMetaCompaction;
  version: number;
}

/** The JSON as Go's `json.MarshalIndent(meta, "", "\t")` writes it: same keys, order and omissions. */
export function encodeMeta(meta: BlockMeta): string {
  const stats: Record<string, number> = {};
  for (const k of ['numSamples', 'numFloatSamples', 'numHistogramSamples', 'numSeries', 'numChunks', 'numTombstones'] as const) {
    const v = meta.stats[k];
    if (v) stats[k] = v;
  }
  const c = meta.compaction;
  const compaction: Record<string, unknown> = { level: c.level };
  if (c.sources && c.sources.length > 0) compaction.sources = c.sources;
  if (c.deletable) compaction.deletable = true;
  if (c.parents && c.parents.length > 0) {
    compaction.parents = c.parents.map((p) => ({ ulid: p.ulid, minTime: p.minTime, maxTime: p.maxTime }));
  }
  if (c.failed) compaction.failed = true;
  if (c.hints && c.hints.length > 0) compaction.hints = c.hints;
  return JSON.stringify(
    { ulid: meta.ulid, minTime: meta.minTime, maxTime: meta.maxTime, stats, compaction, version: META_VERSION },
    null,
    '\t',
  );
}

/** Writes `dir/meta.json` atomically; returns its size in bytes. */
export function writeMetaFile(dir: string, meta: BlockMeta): number {
  const data = Buffer.from(encodeMeta(meta), 'utf8');
  writeFileAtomic(join(dir, META_FILENAME), data);
  return data.length;
}

function bad(path: string, why: string): VigilError {
  return new VigilError('corruption', `invalid block meta file ${JSON.stringify(path)}: ${why}`);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** Parses and checks a meta.json; every problem is a `corruption` error naming the file and the field. */
export function parseMeta(text: string, path: string): BlockMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(path, (e as Error).message);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(path, 'not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.version !== META_VERSION) throw bad(path, `unexpected meta file version ${JSON.stringify(m.version)}`);
  if (typeof m.ulid !== 'string' || !isUlid(m.ulid)) throw bad(path, `field "ulid": not a ULID: ${JSON.stringify(m.ulid)}`);
  if (!isInt(m.minTime)) throw bad(path, `field "minTime": not an integer: ${JSON.stringify(m.minTime)}`);
  if (!isInt(m.maxTime)) throw bad(path, `field "maxTime": not an integer: ${JSON.stringify(m.maxTime)}`);
  if (m.maxTime < m.minTime) throw bad(path, `maxTime ${m.maxTime} is before minTime ${m.minTime}`);
  const stats: BlockStats = {};
  if (m.stats !== undefined) {
    if (typeof m.stats !== 'object' || m.stats === null) throw bad(path, 'field "stats": not an object');
    const s = m.stats as Record<string, unknown>;
    for (const k of ['numSamples', 'numFloatSamples', 'numHistogramSamples', 'numSeries', 'numChunks', 'numTombstones'] as const) {
      if (s[k] === undefined) continue;
      if (!isInt(s[k]) || (s[k] as number) < 0) throw bad(path, `field "stats.${k}": not a non-negative integer`);
      stats[k] = s[k] as number;
    }
  }
  const compaction: BlockMetaCompaction = { level: 0 };
  if (m.compaction !== undefined) {
    if (typeof m.compaction !== 'object' || m.compaction === null) throw bad(path, 'field "compaction": not an object');
    const c = m.compaction as Record<string, unknown>;
    if (c.level !== undefined) {
      if (!isInt(c.level)) throw bad(path, 'field "compaction.level": not an integer');
      compaction.level = c.level;
    }
    if (c.sources !== undefined && c.sources !== null) {
      if (!Array.isArray(c.sources) || !c.sources.every((x) => typeof x === 'string' && isUlid(x))) {
        throw bad(path, 'field "compaction.sources": not a list of ULIDs');
      }
      compaction.sources = c.sources as string[];
    }
    if (c.deletable === true) compaction.deletable = true;
    if (c.failed === true) compaction.failed = true;
    if (Array.isArray(c.parents)) {
      compaction.parents = [];
      for (const p of c.parents as unknown[]) {
        const d = p as Record<string, unknown>;
        if (typeof d !== 'object' || d === null || typeof d.ulid !== 'string' || !isInt(d.minTime) || !isInt(d.maxTime)) {
          throw bad(path, 'field "compaction.parents": malformed entry');
        }
        compaction.parents.push({ ulid: d.ulid, minTime: d.minTime, maxTime: d.maxTime });
      }
    }
    if (Array.isArray(c.hints)) compaction.hints = (c.hints as unknown[]).filter((h): h is string => typeof h === 'string');
  }
  return { ulid: m.ulid.toUpperCase(), minTime: m.minTime, maxTime: m.maxTime, stats, compaction, version: META_VERSION };
}

/** Reads `dir/meta.json`; returns the meta and the file's size. */
export function readMetaFile(dir: string): { meta: BlockMeta; size: number } {
  const path = join(dir, META_FILENAME);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new VigilError(code === 'ENOENT' ? 'not_found' : 'internal', `cannot read block meta file ${JSON.stringify(path)}: ${(e as Error).message}`, { cause: e });
  }
  return { meta: parseMeta(data.toString('utf8'), path), size: data.length };
}
