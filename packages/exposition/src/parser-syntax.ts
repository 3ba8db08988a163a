/**
 * The lexical side of the text and OpenMetrics parsers: metric type and name-suffix codes, character
 * classes, the layout of a label in the offsets buffer, unescaping, and the series hash.
 */
import type { MetricType } from './types.js';

// Metric type codes, index into TYPE_NAMES.
export const T_UNKNOWN = 0;
export const T_COUNTER = 1;
export const T_GAUGE = 2;
export const T_HISTOGRAM = 3;
export const T_GAUGEHISTOGRAM = 4;
export const T_SUMMARY = 5;
export const T_INFO = 6;
export const T_STATESET = 7;
export const TYPE_NAMES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

// Sample name suffixes relative to the family name.
export const S_NONE = 0;
export const S_TOTAL = 1;
export const S_CREATED = 2;
export const S_COUNT = 3;
export const S_SUM = 4;
export const S_BUCKET = 5;
export const S_GCOUNT = 6;
export const S_GSUM = 7;
export const S_INFO = 8;
export const SUFFIXES: readonly string[] = ['', '_total', '_created', '_count', '_sum', '_bucket', '_gcount', '_gsum', '_info'];

/** Stride of one label in the offsets buffer: name start/end, value start/end, flags. */
const L = 5;
const F_NAME_QUOTED = 1;
const F_NAME_ESCAPED = 2;
const F_VALUE_ESCAPED = 4;

export const CH_LF = 0x0a;
export const CH_SPACE = 0x20;
export const CH_TAB = 0x09;
export const CH_HASH = 0x23;
export const CH_QUOTE = 0x22;
export const CH_BACKSLASH = 0x5c;
export const CH_LBRACE = 0x7b;
export const CH_RBRACE = 0x7d;
export const CH_COMMA = 0x2c;
export const CH_EQUALS = 0x3d;

/** Character classes of ASCII, one bit each: label name start/char, metric name start/char. */
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  const digit = c >= 48 && c <= 57;
  CLASS[c] = (letter ? 1 | 2 | 4 | 8 : 0) | (digit ? 2 | 8 : 0) | (c === 58 ? 4 | 8 : 0);
}

export function isLabelNameStart(c: number): boolean {
  return c < 128 && (CLASS[c] & 1) !== 0;
}
export function isLabelNameChar(c: number): boolean {
  return c < 128 && (CLASS[c] & 2) !== 0;
}
export function isMetricNameStart(c: number): boolean {
  return c < 128 && (CLASS[c] & 4) !== 0;
}
export function isMetricNameChar(c: number): boolean {
  return c < 128 && (CLASS[c] & 8) !== 0;
}

/** Undoes `\\`, `\"` and `\n`; any other backslash sequence stays as written (as Prometheus does). */
export function unescapeQuoted(text: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) !== CH_BACKSLASH || i + 1 >= end) continue;
    const n = text.charCodeAt(i + 1);
    const rep = n === CH_BACKSLASH ? '\\' : n === CH_QUOTE ? '"' : n === 0x6e ? '\n' : undefined;
    if (rep === undefined) {
      i++; // keep both characters
      continue;
    }
    out += text.slice(from, i) + rep;
    i++;
    from = i + 1;
  }
  return out + text.slice(from, end);
}

/** 30-bit FNV-1a over the UTF-16 code units of `text[start,end)` (small enough to stay a V8 small integer). */
export function hashRange(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** The hash a parser's `seriesHash()` gives for a line whose series text is `series`. */
export function seriesHash(series: string): number {
  return hashRange(series, 0, series.length);
}

/** True when `a` at `i` and `b` at `j` hold the same `n` bytes (both ranges in bounds). */
export function bytesEqual(a: DataView, i: number, b: DataView, j: number, n: number): boolean {
  let k = 0;
  for (; k + 4 <= n; k += 4) if (a.getUint32(i + k) !== b.getUint32(j + k)) return false;
  for (; k < n; k++) if (a.getUint8(i + k) !== b.getUint8(j + k)) return false;
  return true;
}

/** Flags exported for the parsers. */
export const NAME_QUOTED = F_NAME_QUOTED;
export const NAME_ESCAPED = F_NAME_ESCAPED;
export const VALUE_ESCAPED = F_VALUE_ESCAPED;
export const LABEL_STRIDE = L;
