/**
 * Number formatting that matches what Prometheus tools print, so that output compares equal byte for
 * byte: Go's shortest `'g'` form in the exposition formats, Go's shortest `'f'` form in the HTTP API.
 */

interface Decimal {
  negative: boolean;
  /** Shortest round-trip digits, no leading or trailing zeros (except "0"). */
  digits: string;
  /** Position of the decimal point relative to the start of `digits` (value = 0.digits × 10^point). */
  point: number;
}

function shortestDecimal(v: number): Decimal {
  const e = v.toExponential(); // shortest round-trip digits, e.g. "-1.2345e+6"
  const negative = e.charCodeAt(0) === 45;
  const body = negative ? e.slice(1) : e;
  const eIdx = body.indexOf('e');
  const mantissa = body.slice(0, eIdx);
  const exp = Number(body.slice(eIdx + 1));
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  return { negative, digits, point: exp + 1 };
}

function special(v: number): string | undefined {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

/** Go's `strconv.FormatFloat(v, 'g', -1, 64)` with Prometheus's `+Inf`, `-Inf`, `NaN`. */
export function formatFloat(v: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const d = shortestDecimal(v);
  const exp = d.point - 1;
  // Shortest formatting switches to %e from exponent 6 on, as Go does.
  if (exp < -4 || exp >= 6) {
    // %e: d.ddde±XX with at least two exponent digits.
    let m = d.digits[0];
    if (d.digits.length > 1) m += '.' + d.digits.slice(1);
    const ae = Math.abs(exp);
    return (d.negative ? '-' : '') + m + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  }
  return (d.negative ? '-' : '') + fixed(d);
}

/** `formatFloat` with `.0` added to integers, as Prometheus 3.x normalises `le` and `quantile` label values (`1.0`, `0.5`, `+Inf`). */
export function formatOpenMetricsFloat(v: number): string {
  const s = formatFloat(v);
  if (s === 'NaN' || s === '+Inf' || s === '-Inf') return s;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e || c === 0x65) return s;
  }
  return s + '.0';
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)` with `+Inf`, `-Inf`, `NaN`: the HTTP API's sample values. */
export function formatFloatFixed(v: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  const d = shortestDecimal(v);
  return (d.negative ? '-' : '') + fixed(d);
}

function fixed(d: Decimal): string {
  const { digits, point } = d;
  if (point <= 0) return '0.' + '0'.repeat(-point) + digits;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return digits.slice(0, point) + '.' + digits.slice(point);
}

/**
 * Milliseconds as the HTTP API's float seconds, written as Prometheus writes them: the fraction, when
 * there is one, always with three digits (`1435781451.781`, `1.500`, `2.050`).
 */
export function formatTimestampSeconds(ms: number): string {
  let sign = '';
  if (ms < 0) {
    sign = '-';
    ms = -ms;
  }
  const sec = Math.floor(ms / 1000);
  const frac = Math.round(ms - sec * 1000);
  if (frac === 0) return sign + sec;
  return sign + sec + (frac < 10 ? '.00' : frac < 100 ? '.0' : '.') + frac;
}

/**
 * A sample value as the HTTP API writes it: Go's shortest `'f'` form, switching to the `'e'` form below
 * 1e-6 and from 1e21 (`1.5e-07`, `1e+21`), with `+Inf`, `-Inf`, `NaN`.
 */
export function formatApiFloat(v: number): string {
  const sp = special(v);
  if (sp !== undefined) return sp;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // JavaScript switches to exponent form at the same bounds; Go pads the exponent to two digits.
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  return s.length - e - 2 >= 2 ? s : s.slice(0, e + 2) + '0' + s.slice(e + 2);
}

/** Escapes a label value for the exposition formats: backslash, double quote, line feed. */
export function escapeLabelValue(v: string): string {
  let needs = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c === 0x0a) { needs = true; break; }
  }
  if (!needs) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x0a) out += '\\n';
    else out += v[i];
  }
  return out;
}

/** Escapes HELP text for the text format 0.0.4: backslash and line feed (quotes stay as they are). */
export function escapeHelp(v: string): string {
  let needs = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x5c || c === 0x0a) { needs = true; break; }
  }
  if (!needs) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else out += v[i];
  }
  return out;
}
