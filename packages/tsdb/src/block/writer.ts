/**
 * Writes a block directory from a source of chunked series: chunks into `chunks/`, then the index, an
 * empty `tombstones` file and `meta.json`, all in `<ulid>.tmp-for-creation`, fsynced and renamed into
 * place, so a crash leaves either the whole block or a tmp dir that is removed at the next open.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Labels, VigilError } from '@vigil/model';
import type { ChunkMeta, ChunkSeriesSource } from '../chunk-types.js';
import { ENCODING_FLOAT_HISTOGRAM, ENCODING_HISTOGRAM } from '../chunk-types.js';
import { decodeChunk, encodeSamples, newSampleColumns } from '../chunkenc/encode.js';
import { CHUNKS_DIRNAME, ChunkWriter, DEFAULT_SEGMENT_SIZE } from './chunks.js';
import { fsyncDir } from './fsutil.js';
import { IndexWriter } from './index-writer.js';
import { META_VERSION, writeMetaFile, type BlockDesc, type BlockMeta } from './meta.js';
import { Tombstones, writeTombstonesFile } from './tombstones.js';
import { newUlid } from './ulid.js';

export const TMP_FOR_CREATION_SUFFIX = '.tmp-for-creation';
export const TMP_FOR_DELETION_SUFFIX = '.tmp-for-deletion';
export const INDEX_FILENAME = 'index';

export interface WriteBlockOptions {
  /** Time used for the block's ULID (ms); defaults to the clock. */
  readonly now?: number;
  /** The block's ULID, when the caller chose one. */
  readonly ulid?: string;
  /** First millisecond of the block (meta.json `minTime`); defaults to `source.mint`. */
  readonly minTime?: number;
  /** One past the last millisecond (meta.json `maxTime`, exclusive); defaults to `source.maxt + 1`. */
  readonly maxTime?: number;
  /** Compaction history; by default level 1 with the block itself as its only source. */
  readonly level?: number;
  readonly sources?: readonly string[];
  readonly parents?: readonly BlockDesc[];
  /** Maximum size of a chunk segment file; Prometheus's 512 MiB by default. */
  readonly segmentSize?: number;
}

export interface WrittenBlock {
  readonly ulid: string;
  readonly dir: string;
  readonly meta: BlockMeta;
  /** Bytes on disk (chunks, index, tombstones, meta.json), as `Block.size()` counts them. */
  readonly size: number;
}

/** Chunks of one series clipped to [mint, maxt]: kept as they are when inside, re-encoded when straddling. */
export function clipChunks(chunks: readonly ChunkMeta[], mint: number, maxt: number): ChunkMeta[] {
  const out: ChunkMeta[] = [];
  for (const c of chunks) {
    if (c.maxt < mint || c.mint > maxt) continue;
    if (c.mint >= mint && c.maxt <= maxt) {
      out.push(c);
      continue;
    }
    const cols = newSampleColumns();
    const err = decodeChunk(c.encoding, c.data, cols, (t) => t >= mint && t <= maxt);
    if (err) throw new VigilError('corruption', `cannot re-encode chunk [${c.mint}, ${c.maxt}]: ${err.message}`);
    for (const re of encodeSamples(cols.ts, cols.vs, cols.hs, cols.n, cols.kinds)) out.push(re);
  }
  return out;
}

/** Samples in a chunk: every encoding starts with its 2-byte big-endian count. */
function chunkSamples(c: ChunkMeta): number {
  return c.data.length >= 2 ? (c.data[0] << 8) | c.data[1] : 0;
}

function isHistogramChunk(c: ChunkMeta): boolean {
  return c.encoding === ENCODING_HISTOGRAM || c.encoding === ENCODING_FLOAT_HISTOGRAM;
}

const YIELD_EVERY_SERIES = 2000;

/**
 * Writes the series of `source` (sorted by labels) as a block under `dir`. Chunks outside
 * [minTime, maxTime) are left out. Returns the new block, or undefined when there was no sample to write
 * (then nothing is left on disk). The work yields to the event loop now and then, so a server keeps
 * serving while a large block is written.
 */
export async function writeBlock(dir: string, source: ChunkSeriesSource, options: WriteBlockOptions = {}): Promise<WrittenBlock | undefined> {
  const ulid = options.ulid ?? newUlid(options.now ?? Date.now());
  const minTime = options.minTime ?? source.mint;
  const maxTime = options.maxTime ?? source.maxt + 1;
  if (!(maxTime > minTime)) throw new VigilError('bad_data', `cannot write block: empty time range [${minTime}, ${maxTime})`);
  mkdirSync(dir, { recursive: true });
  const final = join(dir, ulid);
  const tmp = final + TMP_FOR_CREATION_SUFFIX;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const chunkw = new ChunkWriter(join(tmp, CHUNKS_DIRNAME), options.segmentSize ?? DEFAULT_SEGMENT_SIZE);
  let indexw: IndexWriter | undefined;
  try {
    // Chunks go to disk as the series stream by; labels and chunk metas wait for the index.
    const seriesLabels: Labels[] = [];
    const seriesEnd: number[] = [];
    let metas = new Float64Array(3 * 1024);
    let nmeta = 0;
    const symbols = new Set<string>();
    let numSamples = 0;
    let numHistogramSamples = 0;
    let numChunks = 0;
    let prev: Labels | undefined;
    let sinceYield = 0;
    await source.prepare?.();
    for (const s of source.series()) {
      if (prev !== undefined && Labels.compare(s.labels, prev) <= 0) {
        throw new VigilError('internal', `block source is not sorted: ${s.labels.toString()} after ${prev.toString()}`);
      }
      prev = s.labels;
      const chunks = clipChunks(s.chunks, minTime, maxTime - 1);
      if (chunks.length === 0) continue;
      for (const c of chunks) {
        const ref = chunkw.write(c.encoding, c.data);
        if (nmeta + 3 > metas.length) {
          const bigger = new Float64Array(metas.length * 2);
          bigger.set(metas);
          metas = bigger;
        }
        metas[nmeta++] = c.mint;
        metas[nmeta++] = c.maxt;
        metas[nmeta++] = ref;
        const k = chunkSamples(c);
        numSamples += k;
        if (isHistogramChunk(c)) numHistogramSamples += k;
        numChunks++;
      }
      const flat = s.labels.flat;
      for (let i = 0; i < flat.length; i++) symbols.add(flat[i]);
      seriesLabels.push(s.labels);
      seriesEnd.push(nmeta);
      if (++sinceYield >= YIELD_EVERY_SERIES) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    chunkw.close();
    if (numSamples === 0) {
      rmSync(tmp, { recursive: true, force: true });
      return undefined;
    }
    indexw = new IndexWriter(join(tmp, INDEX_FILENAME), symbols);
    let from = 0;
    for (let i = 0; i < seriesLabels.length; i++) {
      indexw.addSeries(seriesLabels[i], metas, from, seriesEnd[i]);
      from = seriesEnd[i];
    }
    indexw.close();
    const meta: BlockMeta = {
      ulid,
      minTime,
      maxTime,
      // The float/histogram split only when there are histograms: float-only blocks stay identical to 2.42's.
      stats:
        numHistogramSamples > 0
          ? { numSamples, numFloatSamples: numSamples - numHistogramSamples, numHistogramSamples, numSeries: seriesLabels.length, numChunks }
          : { numSamples, numSeries: seriesLabels.length, numChunks },
      compaction: {
        level: options.level ?? 1,
        sources: options.sources ? [...options.sources] : [ulid],
        parents: options.parents ? [...options.parents] : undefined,
      },
      version: META_VERSION,
    };
    const tombstonesSize = writeTombstonesFile(tmp, new Tombstones());
    const metaSize = writeMetaFile(tmp, meta);
    const size = chunkw.size + statSync(join(tmp, INDEX_FILENAME)).size + tombstonesSize + metaSize;
    fsyncDir(tmp);
    if (existsSync(final)) rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    fsyncDir(dir);
    return { ulid, dir: final, meta, size };
  } catch (e) {
    chunkw.abort();
    indexw?.abort();
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
