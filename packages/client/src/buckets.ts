/**
 * Bucket generators for histograms (prom-client's `linearBuckets`, `exponentialBuckets`).
 */
import { badInput } from './validation.js';

/** `count` buckets starting at `start`, `width` apart. */
export function linearBuckets(start: number, width: number, count: number): number[] {
  if (!(count >= 1)) throw badInput(`linearBuckets: count must be positive, got ${count}`);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = start + i * width;
  return out;
}

/** `count` buckets starting at `start`, each `factor` times the one before. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0)) throw badInput(`exponentialBuckets: start must be positive, got ${start}`);
  if (!(count >= 1)) throw badInput(`exponentialBuckets: count must be positive, got ${count}`);
  if (!(factor > 1)) throw badInput(`exponentialBuckets: factor must be greater than 1, got ${factor}`);
  const out = new Array<number>(count);
  let b = start;
  for (let i = 0; i < count; i++) {
    out[i] = b;
    b *= factor;
  }
  return out;
}
