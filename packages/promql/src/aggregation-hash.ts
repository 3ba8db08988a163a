/**
 * The label-set hash Prometheus uses to sample series in `limit_ratio`: XXH64 (seed 0) over the label
 * set's "stringlabels" encoding (each name and value prefixed by its length). Matching it makes
 * `limit_ratio` select the same series as Prometheus. BigInt arithmetic: only used once per series.
 */
import type { Labels } from '@vigil/model';

const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const round = (acc: bigint, input: bigint): bigint => (rotl((acc + input * P2) & MASK, 31n) * P1) & MASK;
const mergeRound = (acc: bigint, val: bigint): bigint => (((acc ^ round(0n, val)) * P1) & MASK) + P4 & MASK;

function u64(b: Uint8Array, i: number): bigint {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]);
  return v;
}

function u32(b: Uint8Array, i: number): bigint {
  return BigInt((b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0);
}

/** XXH64 with seed 0. */
export function xxhash64(b: Uint8Array): bigint {
  const len = b.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (P1 + P2) & MASK;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & MASK;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, u64(b, i));
      v2 = round(v2, u64(b, i + 8));
      v3 = round(v3, u64(b, i + 16));
      v4 = round(v4, u64(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(len)) & MASK;
  for (; i + 8 <= len; i += 8) {
    h ^= round(0n, u64(b, i));
    h = ((rotl(h, 27n) * P1) & MASK) + P4 & MASK;
  }
  if (i + 4 <= len) {
    h ^= (u32(b, i) * P1) & MASK;
    h = ((rotl(h, 23n) * P2) & MASK) + P3 & MASK;
    i += 4;
  }
  for (; i < len; i++) {
    h ^= (BigInt(b[i]) * P5) & MASK;
    h = (rotl(h, 11n) * P1) & MASK;
  }
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}

const encoder = new TextEncoder();

/** Prometheus's `labels.Labels.Hash()` (stringlabels build, the default). */
export function prometheusLabelsHash(labels: Labels): bigint {
  const parts: number[] = [];
  const put = (s: string): void => {
    const bytes = encoder.encode(s);
    const n = bytes.length;
    if (n < 255) parts.push(n);
    else parts.push(255, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff);
    for (const x of bytes) parts.push(x);
  };
  const f = labels.flat;
  for (let i = 0; i < f.length; i++) put(f[i]);
  return xxhash64(Uint8Array.from(parts));
}

/** `limit_ratio`'s sampling offset of a series in [0, 1]: its hash over the largest uint64. */
export function ratioOffset(labels: Labels): number {
  return Number(prometheusLabelsHash(labels)) / 18446744073709551615;
}
