/**
 * Numbers read straight from a range of the input string, without slicing it: the scrape path parses one
 * value (and often a timestamp) per sample, and a substring per value would be an allocation per sample.
 *
 * The accepted syntax is what Prometheus's parsers accept (Go's `strconv.ParseFloat` without hex floats,
 * `p` exponents or `_` separators): `[+-]` then digits with an optional `.` and fraction (at least one digit
 * in all) and an optional `e`/`E` exponent, or `[+-]Inf`/`Infinity` and `NaN` in any case. A finite number
 * too large for a float64 is an error, as in Go.
 */

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Largest mantissa that can take one more decimal digit and stay an exact integer below 2^53. */
const MANTISSA_LIMIT = 900719925474098;

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** True when `text[start,end)` equals the lower-case ASCII `word`, ignoring case. */
function equalsIgnoreCase(text: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(text.charCodeAt(start + i)) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Where `scanFloat` and `scanInt` leave the number they read. A double returned from a function that is
 * not inlined is boxed in a new heap object; one written into a typed array is not.
 */
export const scanned = new Float64Array(1);

/** Parses `text[start,end)` as a float; undefined when it is not one (see `scanFloat` for the hot path). */
export function parseFloatRange(text: string, start: number, end: number): number | undefined {
  return scanFloat(text, start, end) ? scanned[0] : undefined;
}

/** Parses `text[start,end)` as an int64; undefined when it is not one. */
export function parseIntRange(text: string, start: number, end: number): number | undefined {
  return scanInt(text, start, end) ? scanned[0] : undefined;
}

/**
 * Parses `text[start,end)` as a float into `scanned[0]`. Returns false when the range is not a number in
 * the syntax above (including an empty range, and a finite number out of float64 range).
 */
export function scanFloat(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  let i = start;
  let c = text.charCodeAt(i);
  let negative = false;
  let signed = false;
  if (c === 0x2b || c === 0x2d) {
    negative = c === 0x2d;
    signed = true;
    if (++i >= end) return false;
    c = text.charCodeAt(i);
  }
  if (c === 0x69 || c === 0x49) {
    if (equalsIgnoreCase(text, i, end, 'inf') || equalsIgnoreCase(text, i, end, 'infinity')) {
      scanned[0] = negative ? -Infinity : Infinity;
      return true;
    }
    return false;
  }
  if (c === 0x6e || c === 0x4e) {
    // Go accepts no sign on NaN.
    scanned[0] = NaN;
    return !signed && equalsIgnoreCase(text, i, end, 'nan');
  }
  let mantissa = 0;
  let exp10 = 0;
  let digits = 0;
  let inexact = false;
  // Integer part.
  while (i < end) {
    c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    digits++;
    if (mantissa <= MANTISSA_LIMIT) mantissa = mantissa * 10 + (c - 0x30);
    else {
      exp10++;
      if (c !== 0x30) inexact = true;
    }
    i++;
  }
  if (i < end && c === 0x2e) {
    i++;
    while (i < end) {
      c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      digits++;
      if (mantissa <= MANTISSA_LIMIT) {
        mantissa = mantissa * 10 + (c - 0x30);
        exp10--;
      } else if (c !== 0x30) inexact = true;
      i++;
    }
  }
  if (digits === 0) return false;
  if (i < end) {
    c = text.charCodeAt(i);
    if (c !== 0x65 && c !== 0x45) return false;
    if (++i >= end) return false;
    c = text.charCodeAt(i);
    let expNegative = false;
    if (c === 0x2b || c === 0x2d) {
      expNegative = c === 0x2d;
      if (++i >= end) return false;
    }
    let e = 0;
    const expStart = i;
    while (i < end) {
      c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return false;
      if (e < 100000) e = e * 10 + (c - 0x30);
      i++;
    }
    if (i === expStart) return false;
    exp10 += expNegative ? -e : e;
  }
  let v: number;
  if (!inexact && exp10 >= -22 && exp10 <= 22) {
    // Both operands are exact doubles, so one IEEE operation rounds correctly.
    v = exp10 >= 0 ? mantissa * POW10[exp10] : mantissa / POW10[-exp10];
  } else if (mantissa === 0 && !inexact) {
    v = 0;
  } else {
    // Long mantissas and large exponents: the engine's correctly rounded conversion of the validated text.
    v = Number(text.slice(signed ? start + 1 : start, end));
  }
  if (v === Infinity) return false;
  scanned[0] = negative ? -v : v;
  return true;
}

const INT64_DIGITS = 19;

/**
 * Parses `text[start,end)` as a base-10 int64 with an optional sign (Go's `strconv.ParseInt`) into
 * `scanned[0]`. Returns false when it is not one or is out of int64 range. Values beyond 2^53 lose precision.
 */
export function scanInt(text: string, start: number, end: number): boolean {
  let i = start;
  let negative = false;
  if (i < end) {
    const c = text.charCodeAt(i);
    if (c === 0x2b || c === 0x2d) {
      negative = c === 0x2d;
      i++;
    }
  }
  if (i >= end) return false;
  let v = 0;
  const from = i;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    v = v * 10 + (c - 0x30);
  }
  if (end - from >= INT64_DIGITS - 3) {
    // Near the int64 limits: decide exactly.
    const big = BigInt(text.slice(from, end));
    if (negative ? big > 9223372036854775808n : big > 9223372036854775807n) return false;
    v = Number(big);
  }
  scanned[0] = negative ? -v : v;
  return true;
}
