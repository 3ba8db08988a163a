/**
 * Building blocks from samples that arrive in bulk (`vigil tsdb import openmetrics`), the way
 * `promtool tsdb create-blocks-from` does: samples are bucketed into aligned windows of the block
 * duration (2h), each window becomes one block whose time range is that of its samples, and chunks are
 * cut where Prometheus's head would cut them (120 samples, or earlier at a predicted end time within
 * a chunk range of twice the block duration), so the blocks match promtool's chunk for chunk.
 */
import { Labels } from '@vigil/model';
import { AppendError } from '../storage.js';
import type { ChunkMeta, ChunkSeries } from '../chunk-types.js';
import { ENCODING_XOR } from '../chunk-types.js';
import { SAMPLES_PER_CHUNK, XorChunk } from '../chunkenc/xor.js';
import { DEFAULT_BLOCK_DURATION } from './compact.js';
import { writeBlock, type WrittenBlock } from './writer.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Where Prometheus's head predicts a chunk should end once it is a quarter full. */
function computeChunkEndTime(start: number, cur: number, max: number): number {
  const n = Math.trunc((max - start) / ((cur - start + 1) * 4));
  if (n <= 1) return max;
  return start + Math.trunc((max - start) / n);
}

function rangeEnd(t: number, width: number): number {
  return Math.floor(t / width) * width + width;
}

/** One series' chunks within one window. */
class WindowSeries {
  readonly chunks: ChunkMeta[] = [];
  cur = new XorChunk();
  nextAt = 0;
  maxt = -Infinity;
  lastHi = 0;
  lastLo = 0;
  mint = Infinity;
}

class ImportSeries {
  readonly labels: Labels;
  readonly windows = new Map<number, WindowSeries>();

  constructor(labels: Labels) {
    this.labels = labels;
  }
}

export interface BlockBuilderOptions {
  /** Width of the aligned windows, one block each; promtool's 2h unless raised. */
  readonly blockDuration?: number;
}

/** Collects samples by series and writes one block per aligned window. */
export class BlockBuilder {
  private readonly blockDuration: number;
  private readonly chunkRange: number;
  private readonly series: ImportSeries[] = [];
  private readonly windowMin = new Map<number, number>();
  private readonly windowMax = new Map<number, number>();
  /** Samples appended (duplicates of identical samples not counted). */
  samples = 0;

  constructor(options: BlockBuilderOptions = {}) {
    this.blockDuration = options.blockDuration ?? DEFAULT_BLOCK_DURATION;
    // promtool's block writer pretends blocks are twice as long, so that a whole window can be appended.
    this.chunkRange = 2 * this.blockDuration;
  }

  /** Registers a series; returns the reference to append with. */
  addSeries(labels: Labels): number {
    this.series.push(new ImportSeries(labels));
    return this.series.length - 1;
  }

  /**
   * Appends a sample of series `ref`. Within one window a series' samples must come in time order:
   * an earlier timestamp is an `out_of_order` AppendError, the same timestamp with another value a
   * `duplicate` (the same value again is ignored), as Prometheus's head decides.
   */
  append(ref: number, t: number, v: number): void {
    const s = this.series[ref];
    const bd = this.blockDuration;
    const w0 = Math.floor(t / bd) * bd;
    let w = s.windows.get(w0);
    if (w === undefined) {
      w = new WindowSeries();
      s.windows.set(w0, w);
    }
    f64[0] = v;
    if (t <= w.maxt) {
      if (t === w.maxt) {
        if (u32[0] === w.lastLo && u32[1] === w.lastHi) return;
        throw new AppendError('duplicate', `series ${s.labels.toString()} at ${t}`);
      }
      throw new AppendError('out_of_order', `series ${s.labels.toString()} at ${t}, after ${w.maxt}`);
    }
    w.lastLo = u32[0];
    w.lastHi = u32[1];
    let c = w.cur;
    const num = c.numSamples;
    if (num === 0) {
      w.nextAt = rangeEnd(t, this.chunkRange);
    } else {
      if (num === SAMPLES_PER_CHUNK / 4) w.nextAt = computeChunkEndTime(c.mint, c.maxt, w.nextAt);
      if (t >= w.nextAt || num >= SAMPLES_PER_CHUNK * 2) {
        w.chunks.push({ mint: c.mint, maxt: c.maxt, encoding: ENCODING_XOR, data: c.copyBytes() });
        c = w.cur = new XorChunk();
        w.nextAt = rangeEnd(t, this.chunkRange);
      }
    }
    c.append(t, v);
    w.maxt = t;
    if (t < w.mint) w.mint = t;
    const mn = this.windowMin.get(w0);
    if (mn === undefined || t < mn) this.windowMin.set(w0, t);
    const mx = this.windowMax.get(w0);
    if (mx === undefined || t > mx) this.windowMax.set(w0, t);
    this.samples++;
  }

  /** Start times of the windows holding samples, ascending. */
  windows(): number[] {
    return [...this.windowMin.keys()].sort((a, b) => a - b);
  }

  /**
   * Writes one block per window into `dir`, oldest first, calling `onBlock` after each. A window's data is
   * released once its block is written.
   */
  async write(dir: string, options: { now?: number; onBlock?: (b: WrittenBlock) => void } = {}): Promise<WrittenBlock[]> {
    const order = this.series.map((_, i) => i).sort((a, b) => Labels.compare(this.series[a].labels, this.series[b].labels));
    const out: WrittenBlock[] = [];
    for (const w0 of this.windows()) {
      const series = this.series;
      const source = {
        mint: this.windowMin.get(w0)!,
        maxt: this.windowMax.get(w0)!,
        *series(): Iterable<ChunkSeries> {
          for (const i of order) {
            const w = series[i].windows.get(w0);
            if (w === undefined) continue;
            const chunks = w.chunks;
            if (w.cur.numSamples > 0) chunks.push({ mint: w.cur.mint, maxt: w.cur.maxt, encoding: ENCODING_XOR, data: w.cur.copyBytes() });
            series[i].windows.delete(w0);
            yield { labels: series[i].labels, chunks };
          }
        },
      };
      const b = await writeBlock(dir, source, { now: options.now });
      if (b) {
        out.push(b);
        options.onBlock?.(b);
      }
    }
    return out;
  }
}
