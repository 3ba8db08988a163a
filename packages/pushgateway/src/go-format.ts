/**
 * Formatting as the Pushgateway (a Go program) prints things in its responses, so that error messages and
 * API bodies read the same: `%q` quoting, the compact protobuf text form of a metric in consistency
 * errors, `time.Duration` and RFC 3339 times.
 */
import { compareUtf8, escapeGoRune, formatFloat, quoteGoString } from '@vigil/model';

/** Go's `strconv.Quote` (the `%q` verb on a string). */
export const goQuote = quoteGoString;

/** Go's `%q` on raw bytes that may not be valid UTF-8: valid sequences as characters, others as `\xNN`. */
export function goQuoteBytes(b: Uint8Array, start: number, end: number): string {
  let out = '"';
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      out += escapeGoRune(c, 0x22);
      i++;
      continue;
    }
    const n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    let cp = -1;
    if (n > 0 && i + n <= end) {
      cp = n === 2 ? c & 0x1f : n === 3 ? c & 0x0f : c & 0x07;
      for (let k = 1; k < n; k++) {
        const d = b[i + k];
        if ((d & 0xc0) !== 0x80) { cp = -1; break; }
        cp = (cp << 6) | (d & 0x3f);
      }
      const min = n === 2 ? 0x80 : n === 3 ? 0x800 : 0x10000;
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = -1;
    }
    if (cp < 0) {
      out += '\\x' + c.toString(16).padStart(2, '0');
      i++;
    } else {
      out += escapeGoRune(cp, 0x22);
      i += n;
    }
  }
  return out + '"';
}

/** Go's `%q` on a byte (a quoted character literal: `'}'`, `'\n'`). */
export function goQuoteByte(c: number): string {
  return "'" + escapeGoRune(c, 0x27) + "'";
}

/** A string as the protobuf text format writes it: C escapes, bytes outside printable ASCII in octal. */
function protoString(s: string): string {
  let out = '"';
  const bytes = Buffer.from(s, 'utf8');
  for (const c of bytes) {
    switch (c) {
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x22: out += '\\"'; break;
      case 0x27: out += "\\'"; break;
      case 0x5c: out += '\\\\'; break;
      default:
        if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
        else out += '\\' + c.toString(8).padStart(3, '0');
    }
  }
  return out + '"';
}

function protoFloat(v: number): string {
  if (v !== v) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return formatFloat(v);
}

/** What a consistency error shows of a metric; see `protoTextMetric`. */
export interface MetricForText {
  /** Flat name/value pairs. */
  readonly labels: readonly string[];
  /** `gauge`, `counter`, `summary`, `untyped`, `histogram`, or `''` when the metric carries no value. */
  readonly field: string;
  readonly value: number;
  readonly count: number;
  /** Quantile/value or upper bound/count pairs. */
  readonly points: ArrayLike<number> | undefined;
  readonly timestampMs: number | undefined;
}

/**
 * The compact protobuf text form of a metric, as golang/protobuf's `String()` prints it inside the
 * Pushgateway's consistency errors: `label:<name:"job" value:"x" > gauge:<value:1 > `.
 */
export function protoTextMetric(m: MetricForText): string {
  let s = '';
  for (let i = 0; i < m.labels.length; i += 2) {
    s += `label:<name:${protoString(m.labels[i])} value:${protoString(m.labels[i + 1])} > `;
  }
  const p = m.points;
  switch (m.field) {
    case 'gauge':
    case 'counter':
    case 'untyped':
      s += `${m.field}:<value:${protoFloat(m.value)} > `;
      break;
    case 'summary': {
      s += `summary:<sample_count:${m.count} sample_sum:${protoFloat(m.value)} `;
      if (p) for (let i = 0; i < p.length; i += 2) s += `quantile:<quantile:${protoFloat(p[i])} value:${protoFloat(p[i + 1])} > `;
      s += '> ';
      break;
    }
    case 'histogram': {
      s += `histogram:<sample_count:${m.count} sample_sum:${protoFloat(m.value)} `;
      if (p) for (let i = 0; i < p.length; i += 2) s += `bucket:<cumulative_count:${p[i + 1]} upper_bound:${protoFloat(p[i])} > `;
      s += '> ';
      break;
    }
  }
  if (m.timestampMs !== undefined) s += `timestamp_ms:${m.timestampMs} `;
  return s;
}

/** Go's `time.Duration.String()` for a duration in milliseconds: `5m0s`, `1h30m0s`, `1.5s`, `100ms`, `0s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  if (neg) ms = -ms;
  let out: string;
  if (ms < 1000) {
    out = trimFraction(ms) + 'ms';
  } else {
    const h = Math.floor(ms / 3600000);
    const m = Math.floor((ms % 3600000) / 60000);
    const sec = (ms % 60000) / 1000;
    out = '';
    if (h > 0) out += h + 'h';
    if (h > 0 || m > 0) out += m + 'm';
    out += trimFraction(sec) + 's';
  }
  return (neg ? '-' : '') + out;
}

function trimFraction(v: number): string {
  let s = v.toFixed(9);
  s = s.replace(/0+$/, '');
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/**
 * A time (milliseconds since the epoch, fractions kept to the microsecond) as Go's `time.Time` marshals
 * to JSON (RFC 3339 with the fraction's trailing zeros dropped), in the process's local time zone.
 */
export function rfc3339Nano(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1000);
  const d = new Date(whole);
  const offsetMin = -d.getTimezoneOffset();
  const local = new Date(whole + offsetMin * 60000);
  let frac = pad(local.getUTCMilliseconds(), 3) + pad(micros >= 1000 ? 999 : micros, 3);
  frac = frac.replace(/0+$/, '');
  let s = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  if (frac !== '') s += '.' + frac;
  if (offsetMin === 0) return s + 'Z';
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `${s}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** Go's `time.RFC3339` (seconds precision), for the web page. */
export function rfc3339(ms: number): string {
  return rfc3339Nano(Math.floor(ms / 1000) * 1000);
}

const HEX = '0123456789abcdef';

/**
 * A string as a JSON string, the way Go's `encoding/json` writes it: `\n`, `\r`, `\t` short, other control
 * characters as `\u00XX`, and `<`, `>`, `&`, U+2028, U+2029 escaped (HTML-safe).
 */
export function goJsonString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26 && c !== 0x2028 && c !== 0x2029) continue;
    out += s.slice(from, i);
    from = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default:
        out += '\\u' + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
    }
  }
  return out + s.slice(from) + '"';
}

/** A JSON object from already-encoded values, keys sorted as Go sorts map keys (byte order). */
export function goJsonObject(entries: Array<[string, string]>): string {
  entries.sort((a, b) => compareUtf8(a[0], b[0]));
  let out = '{';
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) out += ',';
    out += goJsonString(entries[i][0]) + ':' + entries[i][1];
  }
  return out + '}';
}

