/**
 * Literal conversion as Prometheus (Go) does it: numbers (`strconv.ParseInt(s, 0, 64)`, then
 * `ParseFloat`), string unquoting (`strutil.Unquote`), and a few Go formatting helpers for messages.
 */
import { quoteGoString } from '@vigil/model';

/** Why a number literal failed, worded as Go's `strconv.ParseFloat`; `null` when it converted. */
export type NumberResult = { value: number; error: null } | { value: 0; error: string };

/** Converts the text of a NUMBER token. */
export function parseNumberLiteral(text: string): NumberResult {
  const lower = text.toLowerCase();
  if (lower === 'inf') return { value: Infinity, error: null };
  if (lower === 'nan') return { value: NaN, error: null };
  const asInt = parseGoInt(text);
  if (asInt !== undefined) return { value: asInt, error: null };
  return parseGoFloat(text);
}

/** `strconv.ParseInt(s, 0, 64)` as a float64, or `undefined` when Go would fail (syntax or range). */
function parseGoInt(s: string): number | undefined {
  let base = 10;
  let body = s;
  if (s.length > 1 && s.charCodeAt(0) === 48) {
    const p = s.charCodeAt(1) | 0x20;
    if (p === 120) {
      base = 16;
      body = s.slice(2);
    } else if (p === 111) {
      base = 8;
      body = s.slice(2);
    } else if (p === 98) {
      base = 2;
      body = s.slice(2);
    } else {
      base = 8;
      body = s.slice(1);
    }
  }
  if (!underscoreOK(s)) return undefined;
  const digits = body.replaceAll('_', '');
  if (digits === '') return undefined;
  let big = 0n;
  const b = BigInt(base);
  for (let i = 0; i < digits.length; i++) {
    const d = digitValue(digits.charCodeAt(i));
    if (d >= base) return undefined;
    big = big * b + BigInt(d);
  }
  if (big > 9223372036854775807n) return undefined;
  return Number(big);
}

function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 122) return l - 97 + 10;
  return 99;
}

/** Go's rule for `_` in number literals: only between digits, or after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0') {
    const p = s.charCodeAt(1) | 0x20;
    if (p === 120 || p === 111 || p === 98) {
      hex = p === 120;
      i = 2;
      saw = '0';
    }
  }
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const l = c | 0x20;
    if ((c >= 48 && c <= 57) || (hex && l >= 97 && l <= 102)) {
      saw = '0';
      continue;
    }
    if (c === 95) {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** `strconv.ParseFloat(s, 64)` for the decimal forms the lexer lets through. */
function parseGoFloat(s: string): NumberResult {
  const fail = (why: string): NumberResult => ({
    value: 0,
    error: `strconv.ParseFloat: parsing ${goQuote(s)}: ${why}`,
  });
  if (s.indexOf('_') >= 0 && !underscoreOK(s)) return fail('invalid syntax');
  const t = s.replaceAll('_', '');
  // Decimal: digits [. digits] [e [+-] digits], with at least one digit in the mantissa.
  let i = 0;
  let mantissaDigits = 0;
  while (i < t.length && isDigit(t.charCodeAt(i))) {
    i++;
    mantissaDigits++;
  }
  if (i < t.length && t.charCodeAt(i) === 46) {
    i++;
    while (i < t.length && isDigit(t.charCodeAt(i))) {
      i++;
      mantissaDigits++;
    }
  }
  if (mantissaDigits === 0) return fail('invalid syntax');
  if (i < t.length && (t.charCodeAt(i) | 0x20) === 101) {
    i++;
    if (i < t.length && (t.charCodeAt(i) === 43 || t.charCodeAt(i) === 45)) i++;
    const expStart = i;
    while (i < t.length && isDigit(t.charCodeAt(i))) i++;
    if (i === expStart) return fail('invalid syntax');
  }
  if (i !== t.length) return fail('invalid syntax');
  const v = Number(t);
  if (!Number.isFinite(v)) return fail('value out of range');
  return { value: v, error: null };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Unquotes a STRING token (`"..."`, `'...'` or a backtick string) as Prometheus's `strutil.Unquote`:
 * Go escapes, with `\x` and octal escapes standing for bytes (so `"\xc3\xa9"` is `é`). The lexer has
 * already rejected bad escapes.
 */
const strictUTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 bytes to a string; a byte that is not part of valid UTF-8 becomes the lone surrogate
 * U+DC00 + byte, so that it can be printed back as `\xNN` (Go strings keep such bytes).
 */
function decodeBytes(bytes: readonly number[]): string {
  const all = Uint8Array.from(bytes);
  try {
    return strictUTF8.decode(all);
  } catch {
    // Some byte is invalid: decode sequence by sequence.
  }
  let out = '';
  let i = 0;
  while (i < all.length) {
    const b = all[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= all.length) {
      try {
        out += strictUTF8.decode(all.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        // Not a valid sequence: escape its first byte.
      }
    }
    out += String.fromCharCode(0xdc00 + b);
    i++;
  }
  return out;
}

export function unquoteString(raw: string): string {
  const quote = raw.charCodeAt(0);
  const body = raw.slice(1, raw.length - 1);
  if (quote === 96) return body.indexOf('\r') >= 0 ? body.replaceAll('\r', '') : body;
  if (body.indexOf('\\') < 0) return body;
  let out = '';
  let bytes: number[] | null = null;
  const flushBytes = (): void => {
    if (bytes !== null) {
      out += decodeBytes(bytes);
      bytes = null;
    }
  };
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c !== 92) {
      flushBytes();
      out += body[i];
      continue;
    }
    const e = body[++i];
    let byte = -1;
    let rune = -1;
    switch (e) {
      case 'a':
        rune = 7;
        break;
      case 'b':
        rune = 8;
        break;
      case 'f':
        rune = 12;
        break;
      case 'n':
        rune = 10;
        break;
      case 'r':
        rune = 13;
        break;
      case 't':
        rune = 9;
        break;
      case 'v':
        rune = 11;
        break;
      case 'x':
        byte = parseInt(body.slice(i + 1, i + 3), 16);
        i += 2;
        break;
      case 'u':
        rune = parseInt(body.slice(i + 1, i + 5), 16);
        i += 4;
        break;
      case 'U':
        rune = parseInt(body.slice(i + 1, i + 9), 16);
        i += 8;
        break;
      default:
        if (e >= '0' && e <= '7') {
          byte = parseInt(body.slice(i, i + 3), 8);
          i += 2;
        } else {
          rune = e.codePointAt(0) ?? 0; // \\, \", \'
        }
    }
    if (byte >= 0) {
      if (byte < 0x80 && bytes === null) out += String.fromCharCode(byte);
      else (bytes ??= []).push(byte);
    } else {
      flushBytes();
      out += String.fromCodePoint(rune);
    }
  }
  flushBytes();
  return out;
}

/** Go's `strconv.Quote`. */
export const goQuote = quoteGoString;

/** Go's `%.10q...` shortening used when an error message shows a long token. */
export function goQuoteTruncated(s: string, runes: number): string {
  const cps = Array.from(s);
  return cps.length > runes ? goQuote(cps.slice(0, runes).join('')) : goQuote(s);
}

/** Go's `%f` (six decimals, no exponent), with `+Inf`, `-Inf`, `NaN`. */
export function goFormatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  return BigInt(v).toString() + '.000000';
}
