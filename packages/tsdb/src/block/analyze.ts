/**
 * Cardinality analysis of one block, the figures `promtool tsdb analyze` prints: churn per label pair and
 * label name, most common pairs, label names by cumulative value length and by number of values, metric
 * names by series count, and (extended) how full the chunks are.
 */
import { METRIC_NAME } from '@vigil/model';
import { xorNumSamples } from '../chunkenc/xor.js';
import type { Block } from './block.js';

export type Ranked = Array<[key: string, value: number]>;

export interface BlockAnalysis {
  readonly labelNames: number;
  /** Distinct label pairs. */
  readonly postings: number;
  /** Label pairs over all series. */
  readonly postingsEntries: number;
  /** Label pairs by the share of the block's range their series do not cover (churn). */
  readonly churnPairs: Ranked;
  readonly churnNames: Ranked;
  readonly commonPairs: Ranked;
  readonly valueLengths: Ranked;
  readonly cardinality: Ranked;
  readonly metricNames: Ranked;
  /** Extended: chunks per fullness decile (samples / 120, capped), 10 buckets. */
  readonly fullness?: number[];
}

/** Sorted by value, highest first; ties by key so the output is stable. */
function rank(m: Map<string, number>): Ranked {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function analyzeBlock(block: Block, options: { extended?: boolean } = {}): BlockAnalysis {
  const ir = block.index;
  const meta = block.meta;
  const span = meta.maxTime - meta.minTime;
  const namesUncovered = new Map<string, number>();
  const pairsUncovered = new Map<string, number>();
  const pairsCount = new Map<string, number>();
  let entries = 0;
  const fullness = options.extended ? new Array<number>(10).fill(0) : undefined;
  const all = ir.allPostings();
  for (let i = 0; i < all.length; i++) {
    const s = ir.series(all[i]);
    if (s.chunks.length === 0) continue;
    const uncovered = span - (s.chunks[s.chunks.length - 2] - s.chunks[0]);
    const f = s.labels.flat;
    for (let j = 0; j < f.length; j += 2) {
      const key = f[j] + '=' + f[j + 1];
      namesUncovered.set(f[j], (namesUncovered.get(f[j]) ?? 0) + uncovered);
      pairsUncovered.set(key, (pairsUncovered.get(key) ?? 0) + uncovered);
      pairsCount.set(key, (pairsCount.get(key) ?? 0) + 1);
      entries++;
    }
    if (fullness) {
      for (let k = 2; k < s.chunks.length; k += 3) {
        const raw = block.chunks.chunk(s.chunks[k]);
        const n = Math.min(raw.data.length >= 2 ? xorNumSamples(raw.data) : 0, 120);
        const bucket = Math.ceil((10 * n) / 120) - 1;
        fullness[Math.max(0, bucket)]++;
      }
    }
  }
  const perSpan = (m: Map<string, number>) => {
    const out = new Map<string, number>();
    for (const [k, v] of m) out.set(k, span > 0 ? Math.floor(v / span) : 0);
    return out;
  };
  const names = ir.labelNames();
  const valueLengths = new Map<string, number>();
  const cardinality = new Map<string, number>();
  for (const n of names) {
    const values = ir.labelValues(n);
    let len = 0;
    for (const v of values) len += Buffer.byteLength(v, 'utf8');
    valueLengths.set(n, len);
    cardinality.set(n, values.length);
  }
  const metricNames = new Map<string, number>();
  for (const v of ir.labelValues(METRIC_NAME)) metricNames.set(v, ir.postings(METRIC_NAME, v).length);
  return {
    labelNames: names.length,
    postings: pairsUncovered.size,
    postingsEntries: entries,
    churnPairs: rank(perSpan(pairsUncovered)),
    churnNames: rank(perSpan(namesUncovered)),
    commonPairs: rank(pairsCount),
    valueLengths: rank(valueLengths),
    cardinality: rank(cardinality),
    metricNames: rank(metricNames),
    fullness,
  };
}
