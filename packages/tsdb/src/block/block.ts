/**
 * A block on disk: `meta.json`, `index`, `chunks/`, `tombstones`. `Block.open` checks what can be checked
 * cheaply (meta, index tables, chunk segment headers, tombstones) so that a damaged block is refused at
 * open with the file and offset; `openBlocks` opens every block of a data directory and returns the good
 * ones beside the errors of the bad ones, for the caller to log and skip.
 */
import { linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError, errorMessage, type Matcher } from '@vigil/model';
import type { Querier, Queryable } from '../storage.js';
import { CHUNKS_DIRNAME, ChunkReader } from './chunks.js';
import { IndexReader } from './index-reader.js';
import { META_FILENAME, readMetaFile, writeMetaFile, type BlockMeta } from './meta.js';
import type { PageCache } from './page-cache.js';
import { BlockQuerier, postingsForMatchers } from './querier.js';
import { TOMBSTONES_FILENAME, Tombstones, readTombstonesFile, writeTombstonesFile } from './tombstones.js';
import { isUlid } from './ulid.js';
import { INDEX_FILENAME, TMP_FOR_CREATION_SUFFIX, TMP_FOR_DELETION_SUFFIX } from './writer.js';

export interface BlockOpenOptions {
  /** The page cache the block's index and chunk files are read through (bounds their memory). */
  readonly cache?: PageCache;
}

export class Block implements Queryable {
  readonly dir: string;
  private metaValue: BlockMeta;
  readonly index: IndexReader;
  readonly chunks: ChunkReader;
  private stones: Tombstones;
  private metaSize: number;
  private tombstonesSize: number;
  private pendingReaders = 0;
  private closing = false;
  private closed = false;

  private constructor(dir: string, meta: BlockMeta, metaSize: number, index: IndexReader, chunks: ChunkReader, stones: Tombstones, tombstonesSize: number) {
    this.dir = dir;
    this.metaValue = meta;
    this.metaSize = metaSize;
    this.index = index;
    this.chunks = chunks;
    this.stones = stones;
    this.tombstonesSize = tombstonesSize;
  }

  /**
   * Opens the block in `dir`; throws a VigilError naming the damaged file (and offset) when it cannot.
   * Its files are read through `options.cache` (by default the process-wide shared page cache).
   */
  static open(dir: string, options: BlockOpenOptions = {}): Block {
    const { meta, size: metaSize } = readMetaFile(dir);
    const chunks = new ChunkReader(join(dir, CHUNKS_DIRNAME), { cache: options.cache });
    let index: IndexReader | undefined;
    try {
      index = new IndexReader(join(dir, INDEX_FILENAME), { cache: options.cache });
      const { tombstones, size } = readTombstonesFile(dir);
      return new Block(dir, meta, metaSize, index, chunks, tombstones, size);
    } catch (e) {
      chunks.close();
      index?.close();
      throw e;
    }
  }

  get meta(): BlockMeta {
    return this.metaValue;
  }

  get ulid(): string {
    return this.metaValue.ulid;
  }

  get minTime(): number {
    return this.metaValue.minTime;
  }

  /** Exclusive. */
  get maxTime(): number {
    return this.metaValue.maxTime;
  }

  get tombstones(): Tombstones {
    return this.stones;
  }

  /** Bytes on disk: chunks, index, tombstones and meta.json (what size-based retention counts). */
  size(): number {
    return this.chunks.size + this.index.size + this.tombstonesSize + this.metaSize;
  }

  /** Whether the block's [minTime, maxTime) overlaps the closed interval [mint, maxt]. */
  overlapsClosedInterval(mint: number, maxt: number): boolean {
    return this.metaValue.minTime <= maxt && mint < this.metaValue.maxTime;
  }

  querier(mint: number, maxt: number): Querier {
    if (this.closing) throw new VigilError('unavailable', `block ${this.ulid} is closing`);
    this.pendingReaders++;
    return new BlockQuerier({ index: this.index, chunks: this.chunks, tombstones: this.stones }, mint, maxt, () => {
      this.pendingReaders--;
      if (this.closing && this.pendingReaders === 0) this.release();
    });
  }

  /**
   * Marks the series matching `matchers` as deleted over [mint, maxt] (clamped to each series' data) by
   * rewriting the tombstones file and meta.json. Returns how many series got a tombstone.
   */
  delete(mint: number, maxt: number, matchers: readonly Matcher[]): number {
    if (this.closing) throw new VigilError('unavailable', `block ${this.ulid} is closing`);
    const stones = this.stones.clone();
    const ids = postingsForMatchers(this.index, matchers);
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const { chunks } = this.index.series(ids[i]);
      if (chunks.length === 0) continue;
      let overlaps = false;
      for (let j = 0; j < chunks.length; j += 3) {
        if (chunks[j] <= maxt && mint <= chunks[j + 1]) {
          overlaps = true;
          break;
        }
      }
      if (!overlaps) continue;
      const first = chunks[0];
      const last = chunks[chunks.length - 2];
      stones.add(ids[i], { mint: Math.max(mint, first), maxt: Math.min(maxt, last) });
      n++;
    }
    if (n === 0) return 0;
    const size = writeTombstonesFile(this.dir, stones);
    const meta: BlockMeta = { ...this.metaValue, stats: { ...this.metaValue.stats, numTombstones: stones.total() } };
    const metaSize = writeMetaFile(this.dir, meta);
    this.stones = stones;
    this.tombstonesSize = size;
    this.metaValue = meta;
    this.metaSize = metaSize;
    return n;
  }

  /** Rewrites meta.json (e.g. to mark the block deletable or its compaction failed). */
  updateMeta(change: (meta: BlockMeta) => BlockMeta): void {
    const meta = change(this.metaValue);
    this.metaSize = writeMetaFile(this.dir, meta);
    this.metaValue = meta;
  }

  /** Hard-links the block's files into `dir/<ulid>/`, as Prometheus snapshots blocks. */
  snapshot(dir: string): void {
    const blockDir = join(dir, this.ulid);
    const chunksDir = join(blockDir, CHUNKS_DIRNAME);
    mkdirSync(chunksDir, { recursive: true });
    for (const f of [META_FILENAME, INDEX_FILENAME, TOMBSTONES_FILENAME]) {
      try {
        linkSync(join(this.dir, f), join(blockDir, f));
      } catch (e) {
        if (f === TOMBSTONES_FILENAME && (e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new VigilError('internal', `snapshot of block ${this.ulid}: cannot link ${f}: ${errorMessage(e)}`, { cause: e });
      }
    }
    for (const f of readdirSync(join(this.dir, CHUNKS_DIRNAME))) {
      linkSync(join(this.dir, CHUNKS_DIRNAME, f), join(chunksDir, f));
    }
  }

  /** Closes the files once no querier uses them any more. */
  close(): void {
    this.closing = true;
    if (this.pendingReaders === 0) this.release();
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.index.close();
    this.chunks.close();
  }
}

/** Directory names that are block ULIDs, sorted. */
export function blockDirs(dataDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => isUlid(n) && statSync(join(dataDir, n)).isDirectory())
    .sort()
    .map((n) => join(dataDir, n));
}

export interface BlockOpenError {
  readonly dir: string;
  readonly error: Error;
}

export interface OpenBlocksResult {
  /** Blocks that opened, sorted by minTime. */
  readonly blocks: Block[];
  /** Blocks that did not, each with why. */
  readonly errors: BlockOpenError[];
}

/**
 * Opens every block under `dataDir`. Leftover `*.tmp-for-creation`/`*.tmp-for-deletion` dirs (an
 * interrupted write or delete) are removed first when `removeTmp` is set. Blocks marked deletable are
 * skipped. Blocks already open in `loaded` (by ULID) are reused instead of reopened. New blocks read
 * their files through `cache` (the process-wide shared page cache by default).
 */
export function openBlocks(dataDir: string, options: { removeTmp?: boolean; loaded?: readonly Block[]; cache?: PageCache } = {}): OpenBlocksResult {
  if (options.removeTmp) removeTmpDirs(dataDir);
  const blocks: Block[] = [];
  const errors: BlockOpenError[] = [];
  const loaded = new Map((options.loaded ?? []).map((b) => [b.dir, b]));
  for (const dir of blockDirs(dataDir)) {
    const existing = loaded.get(dir);
    if (existing) {
      blocks.push(existing);
      continue;
    }
    try {
      const b = Block.open(dir, { cache: options.cache });
      if (b.meta.compaction.deletable) {
        b.close();
        continue;
      }
      blocks.push(b);
    } catch (e) {
      errors.push({ dir, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }
  // A damaged block whose data lives on in a block compacted from it is not worth an error.
  const superseded = new Set<string>();
  for (const b of blocks) for (const p of b.meta.compaction.parents ?? []) superseded.add(p.ulid);
  blocks.sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1));
  return { blocks, errors: errors.filter((e) => !superseded.has(e.dir.slice(-26))) };
}

/** Removes leftovers of interrupted block writes and deletions. */
export function removeTmpDirs(dataDir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return removed;
  }
  for (const n of names) {
    for (const suffix of [TMP_FOR_CREATION_SUFFIX, TMP_FOR_DELETION_SUFFIX]) {
      if (n.endsWith(suffix) && isUlid(n.slice(0, -suffix.length))) {
        rmSync(join(dataDir, n), { recursive: true, force: true });
        removed.push(n);
      }
    }
  }
  return removed;
}
