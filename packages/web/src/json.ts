/**
 * JSON written the way Prometheus's API writes it (Go's encoding/json and jsoniter with
 * `ConfigCompatibleWithStandardLibrary`), so responses compare equal byte for byte:
 * - strings HTML-escaped (`<` `>` `&` as `\u003c` `\u003e` `\u0026`), U+2028/U+2029 escaped, control
 *   characters as `\n` `\r` `\t` or `\u00XX`;
 * - sample values as strings in Go's shortest `'f'` form, switching to `'e'` below 1e-6 and from 1e21
 *   (`"1e-07"`, `"+Inf"`, `"NaN"`);
 * - timestamps as seconds with up to three decimals (`1435781451.781`).
 *
 * `JsonWriter` collects the output as string pieces and packs them into Buffers every 64 KiB, so a large
 * matrix never becomes one giant string.
 */
import type { Labels } from '@vigil/model';

// Characters that JSON.stringify leaves alone (or escapes differently) but Go escapes.
const NEEDS_GO_ESCAPE = /[<>&\u2028\u2029\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff]/;
const HEX = '0123456789abcdef';

/** A JSON string literal as Go's encoding/json writes it. */
export function goString(s: string): string {
  if (!NEEDS_GO_ESCAPE.test(s)) return JSON.stringify(s);
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; continue;
      case 0x5c: out += '\\\\'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0d: out += '\\r'; continue;
      case 0x09: out += '\\t'; continue;
      case 0x3c: out += '\\u003c'; continue;
      case 0x3e: out += '\\u003e'; continue;
      case 0x26: out += '\\u0026'; continue;
      case 0x2028: out += '\\u2028'; continue;
      case 0x2029: out += '\\u2029'; continue;
    }
    if (c < 0x20) {
      out += '\\u00' + HEX[c >> 4] + HEX[c & 15];
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A well-formed pair passes through; a lone surrogate is invalid UTF-8 for Go: U+FFFD.
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else {
        out += '\ufffd';
      }
    } else {
      out += s[i];
    }
  }
  return out + '"';
}

/**
 * A number as Go's encoding/json writes a float64: shortest digits, exponent form below 1e-6 and from
 * 1e21 with the exponent's leading zero removed (`1e-7`), which is JavaScript's own form.
 */
export function goNumber(v: number): string {
  if (!Number.isFinite(v)) return '0';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** `{"name":"value",...}` in the labels' (sorted) order. */
export function labelsJSON(labels: Labels): string {
  const f = labels.flat;
  if (f.length === 0) return '{}';
  let s = '{' + goString(f[0]) + ':' + goString(f[1]);
  for (let i = 2; i < f.length; i += 2) s += ',' + goString(f[i]) + ':' + goString(f[i + 1]);
  return s + '}';
}

/** A Go `time.Time` in JSON (RFC 3339 with the fraction's trailing zeros dropped); Go's zero time for 0. */
export function goTime(ms: number): string {
  if (ms === 0 || !Number.isFinite(ms)) return '"0001-01-01T00:00:00Z"';
  return '"' + rfc3339(ms) + '"';
}

/** RFC 3339 in UTC with milliseconds when there are any: `2024-05-01T10:00:00.123Z`. */
export function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  if (iso.endsWith('.000Z')) return iso.slice(0, -5) + 'Z';
  return iso.replace(/0+Z$/, 'Z');
}

const CHUNK = 64 * 1024;

const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * Accumulates JSON text; `buffers()` hands it out as Buffers of about 64 KiB. Text known to be ASCII
 * (numbers, timestamps, keys) is encoded as latin1, which is cheaper than UTF-8.
 */
export class JsonWriter {
  private cur = '';
  private ascii = true;
  private readonly chunks: Buffer[] = [];
  private total = 0;

  /** Appends text that may hold any character. */
  write(s: string): void {
    if (this.ascii && NON_ASCII.test(s)) this.ascii = false;
    this.cur += s;
    if (this.cur.length >= CHUNK) this.flush();
  }

  /** Appends text the caller knows to be ASCII. */
  writeAscii(s: string): void {
    this.cur += s;
    if (this.cur.length >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.cur.length === 0) return;
    const b = Buffer.from(this.cur, this.ascii ? 'latin1' : 'utf8');
    this.chunks.push(b);
    this.total += b.length;
    this.cur = '';
    this.ascii = true;
  }

  /** The whole output so far. */
  buffers(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  get byteLength(): number {
    return this.total + Buffer.byteLength(this.cur, this.ascii ? 'latin1' : 'utf8');
  }

  toString(): string {
    return Buffer.concat(this.buffers()).toString('utf8');
  }
}

/**
 * Encodes a plain value (objects, arrays, strings, numbers, booleans, null) the way Go's encoding/json
 * encodes the equivalent struct: keys in insertion order, `undefined` members left out, HTML-safe strings.
 * Maps in Go are written with sorted keys: pass `sortKeys` for those.
 */
export function goJSON(v: unknown, sortKeys = false): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goString(v);
    case 'number':
      return goNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(v)) return '[' + v.map((x) => goJSON(x, sortKeys)).join(',') + ']';
      if (v instanceof RawJSON) return v.json;
      const keys = Object.keys(v as object);
      if (sortKeys) keys.sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) continue;
        if (!first) s += ',';
        first = false;
        s += goString(k) + ':' + goJSON(x, sortKeys);
      }
      return s + '}';
    }
    default:
      return 'null';
  }
}

/** Already-encoded JSON to embed as it is in `goJSON`. */
export class RawJSON {
  constructor(readonly json: string) {}
}
