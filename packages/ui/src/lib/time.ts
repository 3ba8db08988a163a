/**
 * Durations and times as the query page writes them: Prometheus durations (`1h`, `2d`, `1h30m`, `500ms`),
 * end times typed by a person (`2024-05-01 12:00`, RFC 3339, Unix seconds), and the default resolution.
 * Pure functions: the caller passes `now` when it matters.
 */

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];
const UNIT_MS = new Map(UNITS);

/**
 * Parses a Prometheus duration (`1h`, `2d`, `1h30m`, `90s`, `250ms`) into milliseconds.
 * Units must come in decreasing order, each at most once; a plain number is taken as seconds.
 * Returns null for anything else.
 */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+)(ms|y|w|d|h|m|s)/y;
  let pos = 0;
  let total = 0;
  let lastRank = -1;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) return null;
    const unit = m[2]!;
    const rank = UNITS.findIndex(([u]) => u === unit);
    if (rank <= lastRank) return null;
    lastRank = rank;
    total += Number(m[1]) * UNIT_MS.get(unit)!;
    pos = re.lastIndex;
  }
  return total;
}

/** Formats milliseconds as a Prometheus duration, largest units first (`1h30m`, `2d`, `0s`). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:mm:ss` in UTC: the form Prometheus's `g0.end_input` links carry. */
export function formatTimeInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * Parses an end or evaluation time: `YYYY-MM-DD[ HH:mm[:ss[.fff]]]` (UTC, `T` or space), RFC 3339 with a
 * zone, or Unix seconds (`1714564800`, `1714564800.5`). Returns milliseconds, or null.
 */
export function parseTimeInput(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '0', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return null;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec), Number(frac.padEnd(3, '0')));
  if (zone !== undefined && zone !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(zm[2]) * 60 + Number(zm[3])) * 60000;
    ms -= zm[1] === '+' ? offset : -offset;
  }
  // Date.UTC rolls 31 Feb over into March: reject dates that do not exist.
  if (new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day) return null;
  return ms;
}

/** The step Prometheus's UI picks for a range when none is set: range/250, at least 1 s (in seconds). */
export function defaultStepSeconds(rangeMs: number): number {
  return Math.max(Math.floor(rangeMs / 250 / 1000), 1);
}

/** Steps for a range query so that at most `maxPoints` (11,000 in Prometheus) points come back. */
export function clampStepSeconds(rangeMs: number, stepSeconds: number, maxPoints = 11000): number {
  const minStep = rangeMs / 1000 / maxPoints;
  return stepSeconds < minStep ? Math.ceil(minStep) : stepSeconds;
}

/** The ranges offered by the range picker's − and + buttons, in ms. */
export const RANGE_STEPS: readonly number[] = [
  1, 10, 60, 5 * 60, 15 * 60, 30 * 60, 3600, 2 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400,
  28 * 86400, 56 * 86400, 112 * 86400, 182 * 86400, 365 * 86400, 730 * 86400,
].map((s) => s * 1000);

/** The next larger (`dir` = 1) or smaller (`dir` = -1) preset range. */
export function stepRange(rangeMs: number, dir: 1 | -1): number {
  if (dir > 0) return RANGE_STEPS.find((r) => r > rangeMs) ?? rangeMs;
  for (let i = RANGE_STEPS.length - 1; i >= 0; i--) if (RANGE_STEPS[i]! < rangeMs) return RANGE_STEPS[i]!;
  return rangeMs;
}

/** "3.2s ago", "5m 2s ago", "in 2s" for the targets page. */
export function formatAgo(thenMs: number, nowMs: number): string {
  const d = nowMs - thenMs;
  const abs = Math.abs(d);
  let text: string;
  if (abs < 1000) text = `${abs}ms`;
  else if (abs < 60000) text = `${(abs / 1000).toFixed(abs < 10000 ? 1 : 0)}s`;
  else if (abs < 3600000) text = `${Math.floor(abs / 60000)}m ${Math.floor((abs % 60000) / 1000)}s`;
  else if (abs < 86400000) text = `${Math.floor(abs / 3600000)}h ${Math.floor((abs % 3600000) / 60000)}m`;
  else text = `${Math.floor(abs / 86400000)}d ${Math.floor((abs % 86400000) / 3600000)}h`;
  return d >= 0 ? `${text} ago` : `in ${text}`;
}

/** Seconds as a short duration for scrape durations (`12.3ms`, `1.52s`). */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)}ms`;
  return `${s.toFixed(s < 10 ? 2 : 1)}s`;
}
