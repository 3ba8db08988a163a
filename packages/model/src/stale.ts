/**
 * Staleness markers: a NaN with a particular bit pattern (0x7ff0000000000002), written when a series
 * disappears from a scrape so that queries stop returning it at once rather than after the lookback delta.
 * Any other NaN is an ordinary value.
 *
 * Beware: V8 canonicalises NaN payloads in plain arrays of numbers (`[STALE_NAN]` loses the marker).
 * Keep sample values in typed arrays or scalars, as the hot paths do anyway.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian word order on every platform Node runs on: [low, high].
u32[0] = 0x00000002;
u32[1] = 0x7ff00000;

export const STALE_NAN: number = f64[0];

export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // not NaN at all: the common case, one comparison
  f64[0] = v;
  return u32[0] === 0x00000002 && u32[1] === 0x7ff00000;
}

const pair = new Float64Array(2);
const pairWords = new Uint32Array(pair.buffer);

/** Whether two floats have the same bits: a NaN equals itself, the staleness marker only itself, -0 is not 0. */
export function sameFloatBits(a: number, b: number): boolean {
  pair[0] = a;
  pair[1] = b;
  return pairWords[0] === pairWords[2] && pairWords[1] === pairWords[3];
}
