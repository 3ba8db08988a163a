/**
 * Compaction and retention, as Prometheus does them:
 * - ranges: 2h blocks are merged into 6h, 18h, 54h, ... (×3 each step) up to the maximum block duration
 *   (31 days, or a tenth of the time retention when that is smaller);
 * - planning: overlapping blocks first (vertical compaction), then the oldest full range of smaller blocks
 *   (never including the newest block), then a block with more than 5% of its series tombstoned;
 * - merging: series of all blocks in label order; chunks copied as they are unless they overlap or hold
 *   deleted samples, in which case they are decoded, merged (one sample per timestamp) and re-encoded;
 * - retention: by time (blocks whose end is older than the newest end minus retention) and by size
 *   (oldest blocks beyond the byte budget, the head's bytes counted first).
 */
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChunkMeta, ChunkSeries, ChunkSeriesSource } from '../chunk-types.js';
import { decodeChunk, encodeSamples, newSampleColumns, pushSample } from '../chunkenc/encode.js';
import { Labels, VigilError } from '@vigil/model';
import type { Block } from './block.js';
import type { BlockDesc, BlockMeta } from './meta.js';
import { isDeleted, type Interval } from './tombstones.js';
import { TMP_FOR_DELETION_SUFFIX, writeBlock, type WrittenBlock } from './writer.js';

export const HOUR_MS = 3600_000;
export const DEFAULT_BLOCK_DURATION = 2 * HOUR_MS;
const DAY_MS = 24 * HOUR_MS;

/** `minSize`, `minSize × stepSize`, ... (`steps` values). */
export function exponentialBlockRanges(minSize: number, steps: number, stepSize: number): number[] {
  const out: number[] = [];
  let cur = minSize;
  for (let i = 0; i < steps; i++) {
    out.push(cur);
    cur *= stepSize;
  }
  return out;
}

/** The maximum block duration Prometheus picks: 31 days, or retention / 10 when that is smaller. */
export function defaultMaxBlockDuration(retentionDuration: number): number {
  let max = 31 * DAY_MS;
  if (retentionDuration > 0 && retentionDuration / 10 < max) max = Math.floor(retentionDuration / 10);
  return max;
}

/** Compaction ranges: ×3 steps from `minBlockDuration`, none beyond `maxBlockDuration`. */
export function compactionRanges(minBlockDuration = DEFAULT_BLOCK_DURATION, maxBlockDuration = 31 * DAY_MS): number[] {
  const max = Math.max(maxBlockDuration, minBlockDuration);
  const out: number[] = [];
  for (const r of exponentialBlockRanges(minBlockDuration, 10, 3)) {
    if (r > max) break;
    out.push(r);
  }
  return out;
}

/** Groups blocks (sorted by minTime) into aligned ranges of width `tr`; blocks that do not fit are skipped. */
export function splitByRange(metas: readonly BlockMeta[], tr: number): BlockMeta[][] {
  const out: BlockMeta[][] = [];
  for (let i = 0; i < metas.length; ) {
    const m = metas[i];
    const t0 = m.minTime >= 0 ? tr * Math.floor(m.minTime / tr) : tr * Math.trunc((m.minTime - tr + 1) / tr);
    if (m.maxTime > t0 + tr) {
      i++;
      continue;
    }
    const group: BlockMeta[] = [];
    for (; i < metas.length; i++) {
      if (metas[i].maxTime > t0 + tr) break;
      group.push(metas[i]);
    }
    if (group.length > 0) out.push(group);
  }
  return out;
}

function selectOverlapping(metas: readonly BlockMeta[]): BlockMeta[] {
  const out: BlockMeta[] = [];
  if (metas.length < 2) return out;
  let globalMaxt = metas[0].maxTime;
  for (let i = 1; i < metas.length; i++) {
    const d = metas[i];
    if (d.minTime < globalMaxt) {
      if (out.length === 0) out.push(metas[i - 1]);
      out.push(d);
    } else if (out.length > 0) {
      break;
    }
    if (d.maxTime > globalMaxt) globalMaxt = d.maxTime;
  }
  return out;
}

function selectRange(metas: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] {
  if (ranges.length < 2 || metas.length < 1) return [];
  const highTime = metas[metas.length - 1].minTime;
  for (const iv of ranges.slice(1)) {
    for (const p of splitByRange(metas, iv)) {
      if (p.some((m) => m.compaction.failed)) continue;
      const mint = p[0].minTime;
      const maxt = p[p.length - 1].maxTime;
      // A full range (gaps allowed), or one wholly before the newest block; never a single block.
      if ((maxt - mint === iv || maxt <= highTime) && p.length > 1) return p;
    }
  }
  return [];
}

/** The blocks to compact next (in minTime order), or none. */
export function planCompaction(blocks: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] {
  const metas = [...blocks].sort((a, b) => a.minTime - b.minTime);
  const overlapping = selectOverlapping(metas);
  if (overlapping.length > 0) return overlapping;
  // The newest block stays out: it gives a window of one block to back up fresh data without overlap.
  const older = metas.slice(0, -1);
  const picked = selectRange(older, ranges);
  if (picked.length > 0) return picked;
  for (let i = older.length - 1; i >= 0; i--) {
    const m = older[i];
    const stats = m.stats;
    const tombs = stats.numTombstones ?? 0;
    const series = stats.numSeries ?? 0;
    if (m.maxTime - m.minTime < ranges[Math.floor(ranges.length / 2)]) {
      // A small block is only worth rewriting when it is entirely deleted.
      if (tombs > 0 && tombs >= series) return [m];
      break;
    }
    if (tombs / (series + 1) > 0.05) return [m];
  }
  return [];
}

/** The meta of a block compacted from `metas`. */
export function compactedMeta(metas: readonly BlockMeta[]): { minTime: number; maxTime: number; level: number; sources: string[]; parents: BlockDesc[] } {
  let minTime = Infinity;
  let maxTime = -Infinity;
  let level = 0;
  const sources = new Set<string>();
  const parents: BlockDesc[] = [];
  for (const m of metas) {
    minTime = Math.min(minTime, m.minTime);
    maxTime = Math.max(maxTime, m.maxTime);
    level = Math.max(level, m.compaction.level);
    for (const s of m.compaction.sources ?? [m.ulid]) sources.add(s);
    parents.push({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime });
  }
  return { minTime, maxTime, level: level + 1, sources: [...sources].sort(), parents };
}

interface SourceChunk {
  readonly mint: number;
  readonly maxt: number;
  readonly ref: number;
  readonly block: number;
  readonly deleted: readonly Interval[] | undefined;
}

function intersects(deleted: readonly Interval[] | undefined, mint: number, maxt: number): boolean {
  if (deleted === undefined) return false;
  for (const iv of deleted) if (iv.mint <= maxt && mint <= iv.maxt) return true;
  return false;
}

/**
 * Decodes a group of chunks (floats and native histograms), drops deleted samples, merges by time (first
 * block wins), re-encodes.
 */
function mergeChunkGroup(blocks: readonly Block[], group: readonly SourceChunk[], out: ChunkMeta[]): void {
  const all = newSampleColumns();
  const pri: number[] = [];
  for (const c of group) {
    const raw = blocks[c.block].chunks.chunk(c.ref);
    const from = all.n;
    const err = decodeChunk(raw.encoding, raw.data, all, (t) => c.deleted === undefined || !isDeleted(c.deleted, t));
    if (err) throw new VigilError('corruption', `block ${blocks[c.block].ulid}: chunk ${c.ref}: ${err.message}`);
    for (let i = from; i < all.n; i++) pri.push(c.block);
  }
  const n = all.n;
  const ts = all.ts;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ts[a] - ts[b] || pri[a] - pri[b]);
  const merged = newSampleColumns(n + 1);
  let last = -Infinity;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (ts[i] === last) continue;
    last = ts[i];
    pushSample(merged, ts[i], all.vs[i], all.hs !== null ? all.hs[i] : null, all.kinds !== null ? all.kinds[i] : 1);
  }
  for (const c of encodeSamples(merged.ts, merged.vs, merged.hs, merged.n, merged.kinds)) out.push(c);
}

/** The chunks of one series gathered from several blocks, as they should be written. */
function mergeSeriesChunks(blocks: readonly Block[], chunks: SourceChunk[]): ChunkMeta[] {
  chunks.sort((a, b) => a.mint - b.mint || a.block - b.block);
  const out: ChunkMeta[] = [];
  for (let i = 0; i < chunks.length; ) {
    // A group: chunks that overlap one another transitively.
    let j = i + 1;
    let maxt = chunks[i].maxt;
    while (j < chunks.length && chunks[j].mint <= maxt) {
      maxt = Math.max(maxt, chunks[j].maxt);
      j++;
    }
    const c = chunks[i];
    if (j === i + 1 && !intersects(c.deleted, c.mint, c.maxt)) {
      const raw = blocks[c.block].chunks.chunk(c.ref);
      out.push({ mint: c.mint, maxt: c.maxt, encoding: raw.encoding, data: raw.data });
    } else {
      mergeChunkGroup(blocks, chunks.slice(i, j), out);
    }
    i = j;
  }
  return out;
}

/**
 * The series of `blocks` merged in label order, with tombstones applied: the source compaction,
 * clean-tombstones and snapshots write from.
 */
export function blocksChunkSource(blocks: readonly Block[], mint: number, maxt: number): ChunkSeriesSource {
  return {
    mint,
    maxt,
    *series(): Iterable<ChunkSeries> {
      const all = blocks.map((b) => b.index.allPostings());
      const pos = blocks.map(() => 0);
      const heads: ({ labels: Labels; chunks: Float64Array; id: number } | undefined)[] = blocks.map(() => undefined);
      const advance = (i: number) => {
        if (pos[i] < all[i].length) {
          const id = all[i][pos[i]++];
          const e = blocks[i].index.series(id);
          heads[i] = { labels: e.labels, chunks: e.chunks, id };
        } else {
          heads[i] = undefined;
        }
      };
      for (let i = 0; i < blocks.length; i++) advance(i);
      for (;;) {
        let min: Labels | undefined;
        for (const h of heads) if (h && (min === undefined || Labels.compare(h.labels, min) < 0)) min = h.labels;
        if (min === undefined) return;
        const chunks: SourceChunk[] = [];
        for (let i = 0; i < blocks.length; i++) {
          const h = heads[i];
          if (!h || !h.labels.equals(min)) continue;
          const deleted = blocks[i].tombstones.get(h.id);
          for (let k = 0; k < h.chunks.length; k += 3) {
            const cm = h.chunks[k];
            const cx = h.chunks[k + 1];
            if (cx < mint || cm > maxt) continue;
            if (deleted && deleted.some((iv) => iv.mint <= cm && cx <= iv.maxt)) continue;
            chunks.push({ mint: cm, maxt: cx, ref: h.chunks[k + 2], block: i, deleted: deleted && deleted.length > 0 ? deleted : undefined });
          }
          advance(i);
        }
        if (chunks.length === 0) continue;
        const merged = mergeSeriesChunks(blocks, chunks);
        if (merged.length > 0) yield { labels: min, chunks: merged };
      }
    },
  };
}

/**
 * Compacts `blocks` into one new block under `dataDir`. When nothing is left (all deleted), the sources
 * are marked deletable and undefined is returned. The caller reloads and deletes the parents.
 */
export async function compactBlocks(dataDir: string, blocks: readonly Block[], options: { now?: number } = {}): Promise<WrittenBlock | undefined> {
  if (blocks.length === 0) throw new VigilError('bad_data', 'compaction needs at least one block');
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime);
  const m = compactedMeta(sorted.map((b) => b.meta));
  let written: WrittenBlock | undefined;
  try {
    written = await writeBlock(dataDir, blocksChunkSource(sorted, m.minTime, m.maxTime - 1), {
      now: options.now,
      minTime: m.minTime,
      maxTime: m.maxTime,
      level: m.level,
      sources: m.sources,
      parents: m.parents,
    });
  } catch (e) {
    // As Prometheus: remember the failure so the planner does not pick the same blocks again and again.
    if (!(e instanceof VigilError && e.code === 'canceled')) {
      for (const b of sorted) {
        try {
          b.updateMeta((meta) => ({ ...meta, compaction: { ...meta.compaction, failed: true } }));
        } catch {
          // The compaction error below is the one worth reporting.
        }
      }
    }
    throw e;
  }
  if (written === undefined) {
    for (const b of sorted) b.updateMeta((meta) => ({ ...meta, compaction: { ...meta.compaction, deletable: true } }));
  }
  return written;
}

/**
 * Rewrites a block without its tombstoned data. Returns the new block (undefined when nothing is left,
 * then the old block is marked deletable), or null when the block had no tombstones.
 */
export async function cleanTombstones(dataDir: string, block: Block, options: { now?: number } = {}): Promise<WrittenBlock | undefined | null> {
  if (block.tombstones.total() === 0) return null;
  const meta = block.meta;
  const written = await writeBlock(dataDir, blocksChunkSource([block], meta.minTime, meta.maxTime - 1), {
    now: options.now,
    minTime: meta.minTime,
    maxTime: meta.maxTime,
    level: meta.compaction.level,
    sources: meta.compaction.sources,
    parents: [{ ulid: meta.ulid, minTime: meta.minTime, maxTime: meta.maxTime }],
  });
  block.updateMeta((m) => ({ ...m, compaction: { ...m.compaction, deletable: true } }));
  return written;
}

export interface RetentionOptions {
  /** Time retention in ms; 0 disables it. */
  readonly retentionDuration?: number;
  /** Size budget in bytes for blocks plus `headBytes`; 0 disables it. */
  readonly maxBytes?: number;
  /** Bytes of the head (WAL, head chunks) counted against `maxBytes` first. */
  readonly headBytes?: number;
}

export interface RetentionCandidate {
  readonly meta: BlockMeta;
  size(): number;
}

/** Why each block should go: beyond time retention, beyond size retention, or already compacted away. */
export function blocksToDelete(blocks: readonly RetentionCandidate[], options: RetentionOptions): Map<string, 'time' | 'size' | 'deletable'> {
  const out = new Map<string, 'time' | 'size' | 'deletable'>();
  // Newest first, so the oldest go.
  const sorted = [...blocks].sort((a, b) => b.meta.maxTime - a.meta.maxTime);
  for (const b of sorted) if (b.meta.compaction.deletable) out.set(b.meta.ulid, 'deletable');
  const retention = options.retentionDuration ?? 0;
  if (retention > 0 && sorted.length > 0) {
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[0].meta.maxTime - sorted[i].meta.maxTime > retention) {
        for (const b of sorted.slice(i)) if (!out.has(b.meta.ulid)) out.set(b.meta.ulid, 'time');
        break;
      }
    }
  }
  const maxBytes = options.maxBytes ?? 0;
  if (maxBytes > 0 && sorted.length > 0) {
    let total = options.headBytes ?? 0;
    for (let i = 0; i < sorted.length; i++) {
      total += sorted[i].size();
      if (total > maxBytes) {
        for (const b of sorted.slice(i)) if (!out.has(b.meta.ulid)) out.set(b.meta.ulid, 'size');
        break;
      }
    }
  }
  return out;
}

/**
 * Deletes block directories (closed by the caller): each is renamed to `<ulid>.tmp-for-deletion` first,
 * so a crash midway leaves a tmp dir that the next open removes, never half a block.
 */
export function deleteBlockDirs(dataDir: string, ulids: Iterable<string>): void {
  for (const u of ulids) {
    const dir = join(dataDir, u);
    const tmp = dir + TMP_FOR_DELETION_SUFFIX;
    try {
      renameSync(dir, tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}
