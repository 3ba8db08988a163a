/**
 * A data directory: blocks (Prometheus's format) plus the head and its WAL. `openDB` replays the WAL
 * (Vigil's or Prometheus's), then the head is cut into 2 h blocks as it grows, blocks are compacted into
 * larger ones, and retention by time and size deletes the oldest. `openMemoryDB` is the same head
 * without any files, for tests and tools.
 *
 * Layout (as Prometheus): `<dir>/<ULID>/` blocks, `<dir>/wal/` segments and checkpoints, `<dir>/lock`.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError, errorMessage, type Labels, type Matcher } from '@vigil/model';
import { deleteFromBlocks, snapshot as snapshotBlocks } from './block/admin.js';
import { Block, openBlocks } from './block/block.js';
import {
  blocksToDelete,
  cleanTombstones as cleanBlockTombstones,
  compactBlocks,
  compactionRanges,
  defaultMaxBlockDuration,
  deleteBlockDirs,
  planCompaction,
} from './block/compact.js';
import { mergeQueriers } from './block/merge.js';
import { DEFAULT_BLOCK_CACHE_BYTES, PageCache } from './block/page-cache.js';
import { writeBlock, type WrittenBlock } from './block/writer.js';
import { DEFAULT_CHUNK_RANGE, Head, rangeForTimestamp, type HeadOptions } from './head/head.js';
import { DirLock } from './lock.js';
import type { Appendable, Appender, Exemplar, ExemplarQuerier, Querier, Queryable } from './storage.js';
import { createCheckpoint, deleteCheckpoints } from './wal/checkpoint.js';
import { listSegments } from './wal/reader.js';
import { RecordBuffer, encodeSamplesRecord, encodeTombstonesRecord } from './wal/records.js';
import { replayWal, type ReplayStats } from './wal/replay.js';
import { WAL } from './wal/wal.js';
import { replayWbl } from './wal/wbl.js';

export const DEFAULT_RETENTION = 15 * 24 * 3600 * 1000;
export const WAL_DIRNAME = 'wal';

/** The shape of the project's loggers (scrape, node-exporter): any of them can be passed in. */
export interface TsdbLogger {
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Warnings and errors to stderr in logfmt; the CLI passes its own logger. */
export const STDERR_LOGGER: TsdbLogger = (() => {
  const write = (level: string) => (msg: string, fields?: Readonly<Record<string, unknown>>) => {
    let line = `ts=${new Date().toISOString()} level=${level} component=tsdb msg=${JSON.stringify(msg)}`;
    if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${JSON.stringify(v)}`;
    process.stderr.write(line + '\n');
  };
  const nop = () => {};
  return { debug: nop, info: nop, warn: write('warn'), error: write('error') };
})();

export interface DBOptions extends HeadOptions {
  /** Width of head blocks (`--storage.tsdb.min-block-duration`); 2 h by default. */
  readonly minBlockDuration?: number;
  /** Largest compacted block; 10% of the retention, at most 31 d, by default (as Prometheus). */
  readonly maxBlockDuration?: number;
  /** Time retention in ms (`--storage.tsdb.retention.time`); 15 d by default, 0 for none. */
  readonly retentionDuration?: number;
  /** Size retention in bytes (`--storage.tsdb.retention.size`); 0 (none) by default. */
  readonly retentionSize?: number;
  /** WAL segment size; 128 MiB by default. */
  readonly walSegmentSize?: number;
  /** Snappy-compress WAL records (`--storage.tsdb.wal-compression`); off by default. */
  readonly walCompression?: boolean;
  /**
   * Memory for pages of block files (index and chunks), shared by all blocks of the DB; 256 MiB by
   * default (`DEFAULT_BLOCK_CACHE_BYTES`). Pages beyond it are read from the files again when needed.
   */
  readonly blockCacheBytes?: number;
  /** Do not create the `lock` file (`--storage.tsdb.no-lockfile`). */
  readonly noLockfile?: boolean;
  /** How often to check for compaction in the background (ms); 60 s by default, 0 for never (call `compact()`). */
  readonly compactionInterval?: number;
  readonly logger?: TsdbLogger;
}

/** Running totals read by the server's `/metrics` (`vigil_tsdb_*_total`). */
export interface DBCounters {
  /** Blocks written: head cuts, compactions and tombstone cleaning (Prometheus counts every compactor write). */
  compactions: number;
  compactionsFailed: number;
  /** Block directory rescans (`reloadBlocks`). */
  reloads: number;
  /** Rescans that deleted blocks beyond the time retention, and beyond the size retention. */
  timeRetentions: number;
  sizeRetentions: number;
}

export interface DBStats {
  readonly numSeries: number;
  readonly headMinTime: number;
  readonly headMaxTime: number;
  readonly blocks: number;
  readonly replay: ReplayStats | undefined;
}

/** A head with no files: appends, queries, exemplars, deletion, all in memory. */
export function openMemoryDB(options: HeadOptions = {}): Head {
  return new Head(options);
}

export async function openDB(dir: string, options: DBOptions = {}): Promise<DB> {
  const logger = options.logger ?? STDERR_LOGGER;
  mkdirSync(dir, { recursive: true });
  const lock = options.noLockfile ? null : DirLock.acquire(dir);
  let wal: WAL | null = null;
  try {
    const chunkRange = options.minBlockDuration ?? options.chunkRange ?? DEFAULT_CHUNK_RANGE;
    const head = new Head({ ...options, chunkRange });
    const db = new DB(dir, head, lock, options, logger, chunkRange);
    db.reloadBlocks();
    let minValid = -Infinity;
    for (const b of db.blocks) if (b.maxTime > minValid) minValid = b.maxTime;
    head.minValidTime = minValid;
    const walDir = join(dir, WAL_DIRNAME);
    const stats = replayWal(head, walDir, { log: (line) => logger.warn(line) });
    logger.info('WAL replay completed', {
      series: stats.series,
      samples: stats.samples,
      histogram_samples: stats.histogramSamples,
      checkpoint: stats.checkpoint ?? '',
      segments: stats.segments,
      duration_ms: Math.round(stats.durationMs),
    });
    if (stats.unknownRefSamples > 0) logger.warn(`WAL replay: ${stats.unknownRefSamples} samples for unknown series were dropped`);
    const skipped = Object.entries(stats.skippedRecords);
    if (skipped.length > 0) {
      logger.warn(`WAL replay: skipped records of types this head does not store: ${skipped.map(([t, n]) => `type ${t} x${n}`).join(', ')}`);
    }
    // Prometheus's memory-mapped head chunks repeat what the WAL holds; left in place they would go stale.
    const chunksHead = join(dir, 'chunks_head');
    if (existsSync(chunksHead)) {
      rmSync(chunksHead, { recursive: true, force: true });
      logger.info('removed chunks_head/ (its data is in the WAL, which was replayed)');
    }
    wal = WAL.open(walDir, { segmentSize: options.walSegmentSize, compress: options.walCompression });
    head.wal = wal;
    takeOverWbl(head, wal, join(dir, 'wbl'), logger);
    db.start(wal, stats);
    return db;
  } catch (e) {
    wal?.close();
    lock?.release();
    throw e;
  }
}

export class DB implements Appendable, Queryable, ExemplarQuerier {
  readonly dir: string;
  readonly head: Head;
  blocks: Block[] = [];
  private wal: WAL | null = null;
  private readonly lock: DirLock | null;
  private readonly options: DBOptions;
  private readonly logger: TsdbLogger;
  private readonly ranges: number[];
  private replayStats: ReplayStats | undefined;
  private timer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | null = null;
  private compactionScheduled = false;
  private closed = false;
  private readonly reportedBroken = new Set<string>();
  private readonly tombstoneRecord = new RecordBuffer();
  /** Pages of the blocks' files, under `blockCacheBytes`. */
  readonly pageCache: PageCache;
  readonly counters: DBCounters = { compactions: 0, compactionsFailed: 0, reloads: 0, timeRetentions: 0, sizeRetentions: 0 };

  /** Use `openDB`. */
  constructor(dir: string, head: Head, lock: DirLock | null, options: DBOptions, logger: TsdbLogger, chunkRange: number) {
    this.dir = dir;
    this.head = head;
    this.lock = lock;
    this.options = options;
    this.logger = logger;
    const retention = options.retentionDuration ?? DEFAULT_RETENTION;
    this.ranges = compactionRanges(chunkRange, options.maxBlockDuration ?? defaultMaxBlockDuration(retention));
    this.pageCache = new PageCache(options.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES);
  }

  start(wal: WAL, stats: ReplayStats): void {
    this.wal = wal;
    this.replayStats = stats;
    this.head.afterCommit = () => this.scheduleCompactionIfNeeded();
    const every = this.options.compactionInterval ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.compact().catch((e) => this.logger.error(`compaction failed: ${errorMessage(e)}`)), every);
      this.timer.unref();
    }
    this.scheduleCompactionIfNeeded();
  }

  private ensureOpen(): void {
    if (this.closed) throw new VigilError('unavailable', `TSDB ${this.dir} is closed`);
  }

  appender(): Appender {
    this.ensureOpen();
    return this.head.appender();
  }

  /** Blocks and head merged; where both have a sample for a timestamp, the block's is returned. */
  querier(mint: number, maxt: number): Querier {
    this.ensureOpen();
    const qs: Querier[] = [];
    for (const b of this.blocks) if (b.overlapsClosedInterval(mint, maxt)) qs.push(b.querier(mint, maxt));
    qs.push(this.head.querier(mint, maxt));
    return mergeQueriers(qs);
  }

  selectExemplars(start: number, end: number, matcherSets: readonly (readonly Matcher[])[]): Array<{ seriesLabels: Labels; exemplars: Exemplar[] }> {
    return this.head.selectExemplars(start, end, matcherSets);
  }

  stats(): DBStats {
    return {
      numSeries: this.head.numSeries,
      headMinTime: this.head.minTime,
      headMaxTime: this.head.maxTime,
      blocks: this.blocks.length,
      replay: this.replayStats,
    };
  }

  /** Whether the head spans more than 1.5 block ranges (Prometheus's `compactable`). */
  headCompactable(): boolean {
    const h = this.head;
    return h.maxTime - h.minTime > (h.chunkRange / 2) * 3;
  }

  private scheduleCompactionIfNeeded(): void {
    if (this.compactionScheduled || this.closed || !this.headCompactable()) return;
    this.compactionScheduled = true;
    setImmediate(() => {
      this.compactionScheduled = false;
      if (this.closed) return;
      this.compact().catch((e) => this.logger.error(`compaction failed: ${errorMessage(e)}`));
    });
  }

  /** Cuts the head into blocks while it is compactable, compacts blocks, applies retention. */
  compact(): Promise<void> {
    if (this.compacting !== null) return this.compacting;
    this.compacting = (async () => {
      try {
        while (!this.closed && this.headCompactable()) {
          const mint = this.head.minTime;
          await this.persistHead(mint, rangeForTimestamp(mint, this.head.chunkRange));
        }
        await this.compactBlocks();
      } finally {
        this.compacting = null;
      }
    })();
    return this.compacting;
  }

  /** Writes the head's samples in [mint, maxt) as a block, then drops them from the head and the WAL. */
  private async persistHead(mint: number, maxt: number): Promise<WrittenBlock | undefined> {
    const keepFrom = this.head.beginCut();
    const written = await this.countCompaction(() => writeBlock(this.dir, this.head.chunkSeriesSource(mint, maxt - 1), { minTime: mint, maxTime: maxt }));
    if (written) this.logger.info('head block written', { ulid: written.ulid, mint, maxt, series: written.meta.stats.numSeries });
    this.reloadBlocks();
    this.head.truncate(maxt, keepFrom);
    this.truncateWal(maxt);
    return written;
  }

  /** Checkpoints the older two thirds of the WAL and deletes those segments (Prometheus's `truncateWAL`). */
  private truncateWal(mint: number): void {
    const wal = this.wal;
    if (wal === null) return;
    const segs = listSegments(wal.dir);
    if (segs.length === 0) return;
    const first = segs[0];
    // A fresh segment, so that a quiet head does not keep more WAL than needed.
    wal.nextSegment();
    let last = wal.currentSegment - 1;
    last = first + Math.floor(((last - first) * 2) / 3);
    if (last <= first) return;
    const head = this.head;
    const stats = createCheckpoint(wal.dir, first, last, (ref) => head.getByRef(ref) !== undefined, mint);
    wal.truncate(last + 1);
    deleteCheckpoints(wal.dir, last);
    this.logger.info('WAL checkpoint complete', { first, last, series: stats.keptSeries, samples: stats.keptSamples });
  }

  private async compactBlocks(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const plan = planCompaction(
        this.blocks.map((b) => b.meta),
        this.ranges,
      );
      if (plan.length === 0) return;
      const picked = plan.map((m) => this.blocks.find((b) => b.ulid === m.ulid)!).filter(Boolean);
      try {
        const out = await this.countCompaction(() => compactBlocks(this.dir, picked));
        this.logger.info('compacted blocks', { sources: picked.map((b) => b.ulid).join(','), result: out?.ulid ?? '(empty)' });
      } catch (e) {
        this.logger.error(`compaction of ${picked.map((b) => b.ulid).join(', ')} failed: ${errorMessage(e)}`);
        this.reloadBlocks();
        return;
      }
      this.reloadBlocks();
    }
  }

  /** Runs one block write, counting it and whether it failed. */
  private async countCompaction<T>(write: () => Promise<T>): Promise<T> {
    this.counters.compactions++;
    try {
      return await write();
    } catch (e) {
      this.counters.compactionsFailed++;
      throw e;
    }
  }

  /** Bytes of the WAL (counted against the size retention first, as Prometheus does). */
  walSize(): number {
    return dirBytes(join(this.dir, WAL_DIRNAME));
  }

  /**
   * Rescans the block directories: opens new blocks (logging, once, those that cannot be read), drops
   * blocks compacted into others, and applies time and size retention.
   */
  reloadBlocks(): void {
    this.counters.reloads++;
    const { blocks, errors } = openBlocks(this.dir, { removeTmp: !this.compacting, loaded: this.blocks, cache: this.pageCache });
    for (const e of errors) {
      if (this.reportedBroken.has(e.dir)) continue;
      this.reportedBroken.add(e.dir);
      this.logger.error(`skipping block ${e.dir}: ${e.error.message}`);
    }
    const parents = new Set<string>();
    for (const b of blocks) for (const p of b.meta.compaction.parents ?? []) parents.add(p.ulid);
    const drop = blocksToDelete(blocks, {
      retentionDuration: this.options.retentionDuration ?? DEFAULT_RETENTION,
      maxBytes: this.options.retentionSize ?? 0,
      headBytes: this.options.retentionSize ? this.walSize() : 0,
    });
    for (const u of parents) if (blocks.some((b) => b.ulid === u)) drop.set(u, 'deletable');
    let byTime = false;
    let bySize = false;
    for (const why of drop.values()) {
      if (why === 'time') byTime = true;
      else if (why === 'size') bySize = true;
    }
    if (byTime) this.counters.timeRetentions++;
    if (bySize) this.counters.sizeRetentions++;
    const keep: Block[] = [];
    for (const b of blocks) {
      const why = drop.get(b.ulid);
      if (why === undefined) {
        keep.push(b);
        continue;
      }
      if (why !== 'deletable') this.logger.info(`deleting block ${b.ulid} (${why} retention)`);
      b.close();
    }
    for (const old of this.blocks) if (!keep.includes(old) && !blocks.includes(old)) old.close();
    this.blocks = keep;
    if (drop.size > 0) deleteBlockDirs(this.dir, drop.keys());
  }

  /** Deletes the samples in [mint, maxt] of the series matching `matchers`, in blocks and head. */
  async delete(mint: number, maxt: number, matchers: readonly Matcher[]): Promise<void> {
    this.ensureOpen();
    deleteFromBlocks(this.blocks, mint, maxt, matchers);
    const stones = this.head.deleteRange(mint, maxt, matchers);
    if (stones.length > 0 && this.wal !== null) this.wal.log([encodeTombstonesRecord(this.tombstoneRecord, stones)]);
  }

  /** Rewrites the blocks that have tombstones without the deleted data. */
  async cleanTombstones(): Promise<void> {
    this.ensureOpen();
    for (const b of [...this.blocks]) {
      if (b.tombstones.total() === 0) continue;
      await this.countCompaction(() => cleanBlockTombstones(this.dir, b));
    }
    this.reloadBlocks();
  }

  /** Hard-links the blocks into `dir` and, with `withHead`, writes the head's samples there as a block. */
  async snapshot(dir: string, withHead: boolean): Promise<{ blocks: string[]; head?: WrittenBlock }> {
    this.ensureOpen();
    const h = this.head;
    const source = withHead && h.minTime <= h.maxTime ? h.chunkSeriesSource(h.minTime, h.maxTime) : undefined;
    return snapshotBlocks(dir, this.dir, this.blocks, source);
  }

  /** Stops background work, closes the WAL (fsynced) and the blocks, and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.head.afterCommit = null;
    if (this.compacting) {
      try {
        await this.compacting;
      } catch {
        // logged where it happened
      }
    }
    try {
      this.wal?.close();
      this.head.wal = null;
    } finally {
      for (const b of this.blocks) b.close();
      this.blocks = [];
      this.lock?.release();
    }
  }
}

/** Bytes of the files below `dir`, 0 when it does not exist. */
function dirBytes(dir: string): number {
  let total = 0;
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      try {
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else total += st.size;
      } catch {
        // gone meanwhile
      }
    }
  };
  walk(dir);
  return total;
}

/**
 * Prometheus's out-of-order WAL: its samples go into the head and, logged again, into Vigil's WAL (which
 * keeps out-of-order samples itself); only then is `wbl/` removed. Damage stops the reading and keeps
 * `wbl/` as it is, so nothing is lost that was not read.
 */
function takeOverWbl(head: Head, wal: WAL, wblDir: string, logger: TsdbLogger): void {
  if (dirBytes(wblDir) === 0) return;
  const r = replayWbl(head, wblDir);
  const buf = new RecordBuffer();
  const BATCH = 10_000;
  for (let from = 0; from < r.refs.length; from += BATCH) {
    const to = Math.min(from + BATCH, r.refs.length);
    wal.log([encodeSamplesRecord(buf, r.refs, r.ts, r.vs, from, to)]);
  }
  wal.sync();
  const skipped = Object.entries(r.skippedRecords).map(([t, n]) => `type ${t} x${n}`).join(', ');
  const summary = `${r.refs.length} out-of-order samples from Prometheus's wbl/ added to the head and the WAL` +
    (r.duplicateSamples > 0 ? `, ${r.duplicateSamples} already present` : '') +
    (r.unknownRefSamples > 0 ? `, ${r.unknownRefSamples} for unknown series dropped` : '') +
    (skipped ? ` (skipped records: ${skipped})` : '');
  if (r.damage !== undefined) {
    logger.warn(`${summary}; reading stopped at damage (${r.damage}): wbl/ is left as it is`);
    return;
  }
  rmSync(wblDir, { recursive: true, force: true });
  logger.info(`${summary}; removed wbl/`);
}
