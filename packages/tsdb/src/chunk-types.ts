/**
 * Chunks as the head hands them to the block writer and as blocks hand them to queriers: the bytes of one
 * Prometheus chunk (encoding `XOR` = 1, `histogram` = 2 or `floathistogram` = 3, each starting with its
 * 2-byte big-endian sample count) and its time range.
 * Internal to this package.
 */
import type { Labels } from '@vigil/model';

export const ENCODING_XOR = 1;
/** Native histograms with integer counts (`histogram`) and with float counts (`floathistogram`). */
export const ENCODING_HISTOGRAM = 2;
export const ENCODING_FLOAT_HISTOGRAM = 3;

export interface ChunkMeta {
  /** Timestamp of the first sample (ms). */
  readonly mint: number;
  /** Timestamp of the last sample (ms). */
  readonly maxt: number;
  readonly encoding: number;
  /** The chunk's data as stored in a chunks segment file (without the length, encoding and CRC around it). */
  readonly data: Uint8Array;
}

export interface ChunkSeries {
  readonly labels: Labels;
  /** In time order, not overlapping. */
  readonly chunks: readonly ChunkMeta[];
}

/** A source of series with their chunks, sorted by labels: what a block is written from. */
export interface ChunkSeriesSource {
  readonly mint: number;
  readonly maxt: number;
  /** Long preparation (sorting) that `series()` would otherwise do in one piece; awaited first if present. */
  prepare?(): Promise<void>;
  series(): Iterable<ChunkSeries>;
}
