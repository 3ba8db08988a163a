/**
 * Request parameters as Prometheus reads them: form values from the URL query and from an
 * `application/x-www-form-urlencoded` body (Go's `Request.ParseForm`/`FormValue`), times
 * (float seconds or RFC 3339), durations (float seconds or `5m`), limits and `match[]` selectors, with
 * Prometheus's error texts.
 */
import type { IncomingMessage } from 'node:http';
import { Matcher, VigilError, quoteGoString, tryParseDuration } from '@vigil/model';
import { parseMetricSelector } from '@vigil/promql';

/** Go's `maxFormSize`: a larger form body is refused. */
export const MAX_FORM_BYTES = 10 << 20;

/** Form values: the body's first, then the URL query's (Go's `Request.Form`). */
export class Form {
  private readonly values = new Map<string, string[]>();
  /** The first problem met while decoding (an invalid escape, a body too large), if any. */
  error: string | undefined;

  add(key: string, value: string): void {
    const list = this.values.get(key);
    if (list) list.push(value);
    else this.values.set(key, [value]);
  }

  /** The first value of `key`, or `''` (Go's `FormValue`). */
  get(key: string): string {
    const list = this.values.get(key);
    return list !== undefined ? list[0] : '';
  }

  all(key: string): string[] {
    return this.values.get(key) ?? [];
  }

  has(key: string): boolean {
    return this.values.has(key);
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Go's `url.QueryUnescape`; throws the Go error text on a bad escape. */
export function queryUnescape(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const h = i + 2 < s.length ? hexVal(s.charCodeAt(i + 1)) : -1;
      const l = i + 2 < s.length ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (h < 0 || l < 0) {
        const bad = s.slice(i, i + 3);
        throw new Error(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      bytes.push(h * 16 + l);
      i += 2;
    } else if (c === 0x2b) {
      bytes.push(0x20);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's `url.ParseQuery` into `form`: bad pairs are skipped, the first error kept. */
export function parseQueryInto(form: Form, query: string): void {
  let rest = query;
  while (rest !== '') {
    const amp = rest.indexOf('&');
    const pair = amp < 0 ? rest : rest.slice(0, amp);
    rest = amp < 0 ? '' : rest.slice(amp + 1);
    if (pair === '') continue;
    if (pair.indexOf(';') >= 0) {
      form.error ??= 'invalid semicolon separator in query';
      continue;
    }
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      form.add(queryUnescape(rawKey), queryUnescape(rawValue));
    } catch (e) {
      form.error ??= (e as Error).message;
    }
  }
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(header: string | undefined): string {
  if (!header) return '';
  const semi = header.indexOf(';');
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
}

/**
 * Reads the request's form: a urlencoded body (POST, PUT, PATCH; at most 10 MiB) and the URL query.
 * Never throws: problems end up in `form.error`, as Go's `FormValue` ignores them.
 */
export async function readForm(req: IncomingMessage, rawQuery: string): Promise<Form> {
  const form = new Form();
  const m = req.method;
  if ((m === 'POST' || m === 'PUT' || m === 'PATCH') && mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded') {
    const body = await readBody(req, MAX_FORM_BYTES);
    if (body === undefined) form.error = 'http: POST too large';
    else parseQueryInto(form, body.toString('utf8'));
  } else if (m === 'POST' || m === 'PUT' || m === 'PATCH' || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
    // Drain what we do not read, so the connection can be reused.
    req.resume();
  }
  parseQueryInto(form, rawQuery);
  return form;
}

/** The body, or undefined when it is longer than `limit` (the rest is drained). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let n = 0;
    let over = false;
    req.on('data', (d: Buffer) => {
      if (over) return;
      n += d.length;
      if (n > limit) {
        over = true;
        parts.length = 0;
        return;
      }
      parts.push(d);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(parts)));
    req.on('error', () => resolve(over ? undefined : Buffer.concat(parts)));
    req.on('aborted', () => resolve(undefined));
  });
}

// ---------------------------------------------------------------------------------------------------
// Times and durations.

/** Prometheus's `MinTime`/`MaxTime`: the defaults of optional time ranges, in ms. */
export const MIN_TIME = -9223309901257974 * 1000;
export const MAX_TIME = 9223309901257974 * 1000 + 999;
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Float seconds or RFC 3339 to ms; undefined when neither. */
export function parseTime(s: string): number | undefined {
  if (FLOAT.test(s)) {
    const f = Number(s);
    const whole = Math.trunc(f);
    const ms = whole * 1000 + roundHalfAway((f - whole) * 1000);
    // Beyond int64 milliseconds Go's conversion is undefined; refuse rather than guess.
    if (!(Math.abs(ms) <= 9223372036854775807)) return undefined;
    return ms;
  }
  const m = RFC3339.exec(s);
  if (m) {
    const [year, month, day, hour, min, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
    if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || min > 59 || sec > 59) return undefined;
    let offsetMin = 0;
    const z = m[8];
    if (z !== 'Z') {
      const oh = Number(z.slice(1, 3));
      const om = Number(z.slice(4, 6));
      if (oh > 23 || om > 59) return undefined;
      offsetMin = (z[0] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const frac = m[7] ? Math.floor(Number('0' + m[7]) * 1000 + 1e-9) : 0;
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    d.setUTCHours(hour, min, sec, 0);
    return d.getTime() + frac - offsetMin * 60000;
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME;
  return undefined;
}

/** A bad parameter: `invalid parameter "name": why` (Prometheus's `invalidParamError`). */
export function invalidParam(name: string, why: string): VigilError {
  return new VigilError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${why}`);
}

function cannotParseTime(s: string): string {
  return `cannot parse ${goQuote(s)} to a valid timestamp`;
}

/** A required time (query_range's `start`/`end`): `invalid parameter "start": cannot parse "x" to a valid timestamp`. */
export function requireTime(form: Form, name: string): number {
  const s = form.get(name);
  const t = parseTime(s);
  if (t === undefined) throw invalidParam(name, cannotParseTime(s));
  return t;
}

/** An optional time with a default (Prometheus 3.x's `parseTimeParam` wording). */
export function optionalTime(form: Form, name: string, def: number): number {
  const s = form.get(name);
  if (s === '') return def;
  const t = parseTime(s);
  if (t === undefined) throw invalidParam(name, `invalid time value for '${name}': ${cannotParseTime(s)}`);
  return t;
}

/** Float seconds or a Prometheus duration, in ms (fractions of a ms kept); Prometheus's `parseDuration` errors. */
export function parseDurationValue(s: string): number {
  if (FLOAT.test(s) || /^[+-]?(inf|infinity)$/i.test(s)) {
    const f = Number(s.replace(/inf(inity)?/i, 'Infinity'));
    const ns = f * 1e9;
    if (!(ns <= 9223372036854775807 && ns >= -9223372036854775808)) {
      throw new Error(`cannot parse ${goQuote(s)} to a valid duration. It overflows int64`);
    }
    return Math.trunc(ns) / 1e6;
  }
  const d = tryParseDuration(s);
  if (d !== undefined) return d;
  throw new Error(`cannot parse ${goQuote(s)} to a valid duration`);
}

/** A duration parameter in ms. */
export function durationParam(form: Form, name: string): number {
  try {
    return parseDurationValue(form.get(name));
  } catch (e) {
    throw invalidParam(name, (e as Error).message);
  }
}

/** Go's `strconv.Atoi` error texts. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) && (n > 9223372036854775807 || n < -9223372036854775808)) {
    throw new Error(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  }
  return n;
}

/** `limit` of the query and label APIs: 0 (or absent) means no limit. */
export function limitParam(form: Form): number {
  const s = form.get('limit');
  if (s === '') return 0;
  let n: number;
  try {
    n = atoi(s);
  } catch (e) {
    throw invalidParam('limit', (e as Error).message);
  }
  if (n < 0) throw invalidParam('limit', 'limit must be non-negative');
  return n;
}

/** An integer parameter of the metadata APIs (`limit must be a number`); -1 when absent. */
export function metadataLimit(form: Form, name: string): number {
  const s = form.get(name);
  if (s === '') return -1;
  try {
    return atoi(s);
  } catch {
    throw new VigilError('bad_data', `${name} must be a number`);
  }
}

/**
 * `match[]` selectors: each parsed as a metric selector, each needing a matcher that does not match the
 * empty string. Throws the parse error's or the check's text (callers add the `invalid parameter` prefix
 * where Prometheus does).
 */
export function parseMatchers(selectors: readonly string[]): Matcher[][] {
  const sets: Matcher[][] = [];
  for (const s of selectors) sets.push(parseMetricSelector(s));
  for (const set of sets) {
    if (!set.some((m) => !m.matchesEmpty)) throw new VigilError('bad_data', 'match[] must contain at least one non-empty matcher');
  }
  return sets;
}

/**
 * Go's `%q` of a parameter. A U+FFFD there stands for bytes that were not UTF-8 (Go keeps and prints
 * them as `\xNN`; by the time Node has decoded the URL they are gone), so it is shown escaped, `\ufffd`.
 */
export function goQuote(s: string): string {
  return quoteGoString(s).replaceAll('\ufffd', '\\ufffd');
}
