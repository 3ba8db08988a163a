/**
 * `/api/v1/status/tsdb`: head statistics and cardinality from the head's postings, computed as
 * Prometheus 3.x computes them (`MemPostings.Stats`): the top `limit` metric names by series, label names
 * by distinct values, label names by the bytes their values take (name and value sizes with their length
 * prefixes, times the series carrying them), and name=value pairs by series.
 * Ties are ordered by name (Prometheus leaves them in map order, which is random).
 */
import type { Head } from '@vigil/tsdb';

export interface TsdbStat {
  readonly name: string;
  readonly value: number;
}

export interface TsdbStatus {
  readonly headStats: {
    readonly numSeries: number;
    readonly numLabelPairs: number;
    readonly chunkCount: number;
    readonly minTime: number;
    readonly maxTime: number;
  };
  readonly seriesCountByMetricName: TsdbStat[];
  readonly labelValueCountByLabelName: TsdbStat[];
  readonly memoryInBytesByLabelName: TsdbStat[];
  readonly seriesCountByLabelValuePair: TsdbStat[];
}

/** Keeps the `limit` largest values. */
class TopN {
  private readonly items: TsdbStat[] = [];
  constructor(private readonly limit: number) {}

  push(name: string, value: number): void {
    this.items.push({ name, value });
    if (this.items.length > this.limit * 4 + 64) this.trim();
  }

  private trim(): void {
    this.items.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.items.length = Math.min(this.items.length, this.limit);
  }

  get(): TsdbStat[] {
    this.trim();
    return this.items;
  }
}

/** Bytes of a string with its varint length prefix (Prometheus's stringlabels `labelSize`). */
function encodedSize(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  let prefix = 1;
  for (let x = n; x >= 0x80; x >>>= 7) prefix++;
  return n + prefix;
}

/** The number of chunks in the head (open ones and closed ones not yet cut into a block), when it can tell. */
export type ChunkCounter = () => number;

/**
 * `blocksMaxTime`: the end of the newest block. An empty head reports it as both its minimum and maximum
 * time, as Prometheus's head does once it is truncated to the blocks; with no blocks either, Prometheus's
 * sentinels (MaxInt64, MinInt64).
 */
export function tsdbStatus(head: Head, limit: number, chunkCount: ChunkCounter | undefined, blocksMaxTime?: number): TsdbStatus {
  const postings = head.postings;
  const metrics = new TopN(limit);
  const names = new TopN(limit);
  const memory = new TopN(limit);
  const pairs = new TopN(limit);
  let numLabelPairs = 0;
  for (const name of postings.labelNames()) {
    const values = postings.labelValues(name);
    if (values.length === 0) continue;
    names.push(name, values.length);
    numLabelPairs += values.length;
    const nameSize = encodedSize(name);
    let size = 0;
    for (const value of values) {
      const n = postings.get(name, value).length;
      if (name === '__name__') metrics.push(value, n);
      pairs.push(name + '=' + value, n);
      size += (nameSize + encodedSize(value)) * n;
    }
    memory.push(name, size);
  }
  const empty = head.numSeries === 0 || !Number.isFinite(head.minTime);
  let minTime = head.minTime;
  let maxTime = head.maxTime;
  if (empty) {
    const b = blocksMaxTime !== undefined && Number.isFinite(blocksMaxTime);
    minTime = b ? blocksMaxTime! : 9223372036854775807;
    maxTime = b ? blocksMaxTime! : -9223372036854775808;
  }
  return {
    headStats: {
      numSeries: head.numSeries,
      numLabelPairs,
      chunkCount: chunkCount ? chunkCount() : 0,
      minTime,
      maxTime,
    },
    seriesCountByMetricName: metrics.get(),
    labelValueCountByLabelName: names.get(),
    memoryInBytesByLabelName: memory.get(),
    seriesCountByLabelValuePair: pairs.get(),
  };
}
