/**
 * Label sets: the identity of a series.
 *
 * One canonical form per set: names sorted (code-unit order, as Go sorts strings byte-wise for ASCII),
 * unique, and no empty values (Prometheus treats an empty value as an absent label). The pairs live in
 * one flat array `[name0, value0, name1, value1, ...]` so a set costs two objects, not one per label.
 */
import { quoteGoString } from './go-quote.js';

export const METRIC_NAME = '__name__';

const EMPTY_FLAT: readonly string[] = Object.freeze([]);

export class Labels {
  /** `[name0, value0, name1, value1, ...]`, sorted by name. Never mutate. */
  readonly flat: readonly string[];
  private cachedHash = -1;

  private constructor(flat: readonly string[]) {
    this.flat = flat;
  }

  static readonly EMPTY: Labels = new Labels(EMPTY_FLAT);

  /** Trusts the caller: `flat` is sorted by name, names unique, values non-empty. */
  static fromSortedFlat(flat: readonly string[]): Labels {
    return flat.length === 0 ? Labels.EMPTY : new Labels(flat);
  }

  /** Any order; empty values are dropped; for a repeated name the last value wins. */
  static fromFlat(flat: readonly string[]): Labels {
    const n = flat.length >> 1;
    if (n === 0) return Labels.EMPTY;
    let sorted = true;
    for (let i = 2; i < flat.length; i += 2) {
      if (flat[i - 2] >= flat[i]) { sorted = false; break; }
    }
    let hasEmpty = false;
    for (let i = 1; i < flat.length; i += 2) if (flat[i] === '') { hasEmpty = true; break; }
    if (sorted && !hasEmpty) return new Labels(flat.slice());
    const idx: number[] = [];
    for (let i = 0; i < n; i++) idx.push(i);
    // Stable sort keeps input order among equal names, so "last wins" below is well defined.
    idx.sort((a, b) => (flat[2 * a] < flat[2 * b] ? -1 : flat[2 * a] > flat[2 * b] ? 1 : a - b));
    const out: string[] = [];
    for (let k = 0; k < n; k++) {
      const name = flat[2 * idx[k]];
      const value = flat[2 * idx[k] + 1];
      if (out.length > 0 && out[out.length - 2] === name) {
        out[out.length - 1] = value;
      } else {
        out.push(name, value);
      }
    }
    const compact: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (out[i + 1] !== '') compact.push(out[i], out[i + 1]);
    return compact.length === 0 ? Labels.EMPTY : new Labels(compact);
  }

  static fromObject(obj: Readonly<Record<string, string>>): Labels {
    const flat: string[] = [];
    for (const name of Object.keys(obj)) flat.push(name, obj[name]);
    return Labels.fromFlat(flat);
  }

  static fromPairs(pairs: Iterable<readonly [string, string]>): Labels {
    const flat: string[] = [];
    for (const [name, value] of pairs) flat.push(name, value);
    return Labels.fromFlat(flat);
  }

  /** Number of labels. */
  get size(): number {
    return this.flat.length >> 1;
  }

  name(i: number): string {
    return this.flat[2 * i];
  }

  value(i: number): string {
    return this.flat[2 * i + 1];
  }

  /** The value of `name`, or `''` when absent (Prometheus semantics). */
  get(name: string): string {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === name) return f[i + 1];
      if (f[i] > name) break;
    }
    return '';
  }

  has(name: string): boolean {
    return this.get(name) !== '';
  }

  /** The metric name (`__name__`), or `''`. */
  metricName(): string {
    const f = this.flat;
    // `__name__` sorts before any lowercase name, so it is almost always first.
    return f.length > 0 && f[0] === METRIC_NAME ? f[1] : this.get(METRIC_NAME);
  }

  /** A 53-bit hash of the whole set, computed once. Equal sets hash equal; collisions are possible. */
  hash(): number {
    if (this.cachedHash < 0) this.cachedHash = hashStrings(this.flat, 0, this.flat.length);
    return this.cachedHash;
  }

  equals(other: Labels): boolean {
    if (this === other) return true;
    const a = this.flat;
    const b = other.flat;
    if (a.length !== b.length) return false;
    for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * Orders label sets as Prometheus does: pair by pair, name then value, strings by their UTF-8 bytes;
   * shorter first on a tie.
   */
  static compare(a: Labels, b: Labels): number {
    const x = a.flat;
    const y = b.flat;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      if (x[i] !== y[i]) return compareUtf8(x[i], y[i]);
    }
    return x.length - y.length;
  }

  /** A copy without the given names. */
  without(...names: string[]): Labels {
    return this.filter((name) => !names.includes(name));
  }

  /** A copy with only the given names. */
  keepOnly(names: readonly string[]): Labels {
    return this.filter((name) => names.includes(name));
  }

  withoutMetricName(): Labels {
    return this.metricName() === '' ? this : this.without(METRIC_NAME);
  }

  filter(keep: (name: string, value: string) => boolean): Labels {
    const f = this.flat;
    const out: string[] = [];
    for (let i = 0; i < f.length; i += 2) if (keep(f[i], f[i + 1])) out.push(f[i], f[i + 1]);
    if (out.length === f.length) return this;
    return Labels.fromSortedFlat(out);
  }

  forEach(fn: (name: string, value: string) => void): void {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) fn(f[i], f[i + 1]);
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) out[f[i]] = f[i + 1];
    return out;
  }

  builder(): LabelsBuilder {
    return new LabelsBuilder(this);
  }

  /** `{__name__="up", job="api"}`, as Prometheus prints a label set. */
  toString(): string {
    const f = this.flat;
    let s = '{';
    for (let i = 0; i < f.length; i += 2) {
      if (i > 0) s += ', ';
      s += f[i] + '=' + quoteGoString(f[i + 1]);
    }
    return s + '}';
  }

  /** `up{job="api"}`: the metric name outside the braces, as in PromQL and the exposition formats. */
  toMetricString(): string {
    const name = this.metricName();
    const f = this.flat;
    let s = '';
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === METRIC_NAME) continue;
      if (s !== '') s += ', ';
      s += f[i] + '=' + quoteGoString(f[i + 1]);
    }
    if (s === '' && name !== '') return name;
    return name + '{' + s + '}';
  }
}

/** Edits a label set: set and delete by name, then `labels()` builds the canonical result. */
export class LabelsBuilder {
  private readonly base: Labels;
  private readonly changes = new Map<string, string>();

  constructor(base: Labels = Labels.EMPTY) {
    this.base = base;
  }

  get(name: string): string {
    const v = this.changes.get(name);
    return v !== undefined ? v : this.base.get(name);
  }

  /** Setting `''` deletes, as in Prometheus. */
  set(name: string, value: string): this {
    this.changes.set(name, value);
    return this;
  }

  del(...names: string[]): this {
    for (const n of names) this.changes.set(n, '');
    return this;
  }

  labels(): Labels {
    if (this.changes.size === 0) return this.base;
    const flat: string[] = [];
    const f = this.base.flat;
    for (let i = 0; i < f.length; i += 2) if (!this.changes.has(f[i])) flat.push(f[i], f[i + 1]);
    for (const [n, v] of this.changes) flat.push(n, v);
    return Labels.fromFlat(flat);
  }
}

const FNV_OFFSET_A = 0x811c9dc5;
const FNV_OFFSET_B = 0x050c5d1f;
const FNV_PRIME = 0x01000193;
/** Lane b's multiplier: must be odd, or the low bits of the product collapse. */
const FNV_PRIME_B = 0x5bd1e995;

/**
 * Hashes `strings[from..to)` into a non-negative 53-bit integer: two independent 32-bit FNV-1a lanes,
 * with a separator after each string so that ("ab","c") and ("a","bc") differ.
 */
export function hashStrings(strings: readonly string[], from: number, to: number): number {
  let a = FNV_OFFSET_A;
  let b = FNV_OFFSET_B;
  for (let i = from; i < to; i++) {
    const s = strings[i];
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      a = Math.imul(a ^ c, FNV_PRIME);
      b = Math.imul(b ^ c, FNV_PRIME_B);
    }
    a = Math.imul(a ^ 0xff, FNV_PRIME);
    b = Math.imul(b ^ 0xfe, FNV_PRIME_B);
  }
  // Final avalanche on lane b so that the low bits we keep are well mixed.
  b ^= b >>> 16;
  b = Math.imul(b, 0x85ebca6b);
  b ^= b >>> 13;
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * Compares strings by their UTF-8 bytes, as Go compares strings. UTF-16 order (`<`) agrees except where a
 * surrogate (half of a character above U+FFFF) meets a character in U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (U+D800–U+DFFF) move above U+E000–U+FFFF, keeping their order among themselves.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** `[a-zA-Z_][a-zA-Z0-9_]*`: the classic label-name charset. */
export function isValidLabelName(name: string): boolean {
  if (name.length === 0 || !isNameStart(name.charCodeAt(0))) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!isNameStart(c) && !isDigit(c)) return false;
  }
  return true;
}

/** `[a-zA-Z_:][a-zA-Z0-9_:]*`: the classic metric-name charset. */
export function isValidMetricName(name: string): boolean {
  if (name.length === 0) return false;
  const c0 = name.charCodeAt(0);
  if (!isNameStart(c0) && c0 !== 58) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!isNameStart(c) && !isDigit(c) && c !== 58) return false;
  }
  return true;
}
