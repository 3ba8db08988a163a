/**
 * Prometheus durations (`1h30m`, `5m`, `90d`, `1y`, `250ms`), in milliseconds: units in descending order,
 * each at most once, integers only; `0` alone is allowed.
 */
import { VigilError } from './errors.js';

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

/** Parses a Prometheus duration into milliseconds; throws a `bad_data` VigilError naming the input. */
export function parseDuration(s: string): number {
  const ms = tryParseDuration(s);
  if (ms === undefined) {
    if (s === '') throw new VigilError('bad_data', 'empty duration string');
    throw new VigilError('bad_data', `not a valid duration string: ${JSON.stringify(s)}`);
  }
  return ms;
}

/** Like `parseDuration`, but returns `undefined` instead of throwing. */
export function tryParseDuration(s: string): number | undefined {
  if (s === '') return undefined;
  if (s === '0') return 0;
  let pos = 0;
  let unitIdx = 0;
  let total = 0;
  while (pos < s.length) {
    const start = pos;
    while (pos < s.length && s.charCodeAt(pos) >= 48 && s.charCodeAt(pos) <= 57) pos++;
    if (pos === start) return undefined;
    const n = Number(s.slice(start, pos));
    // The unit: "ms" must be tried before "m".
    let matched = -1;
    for (let u = unitIdx; u < UNITS.length; u++) {
      const name = UNITS[u][0];
      if (s.startsWith(name, pos) && !(name === 'm' && s.charCodeAt(pos + 1) === 115)) {
        matched = u;
        break;
      }
    }
    if (matched < 0) return undefined;
    pos += UNITS[matched][0].length;
    total += n * UNITS[matched][1];
    unitIdx = matched + 1;
  }
  if (!Number.isSafeInteger(total)) return undefined;
  return total;
}

/** Formats milliseconds as Prometheus does: `1h30m`, `90d` (years and weeks only when exact), `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let sign = '';
  if (ms < 0) {
    sign = '-';
    ms = -ms;
  }
  let out = '';
  for (const [unit, mult] of UNITS) {
    if ((unit === 'y' || unit === 'w') && ms % mult !== 0) continue;
    const v = Math.floor(ms / mult);
    if (v > 0) {
      out += v + unit;
      ms -= v * mult;
    }
  }
  return sign + out;
}
