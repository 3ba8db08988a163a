/**
 * The text format as the Pushgateway reads a push: client_golang's `expfmt.TextParser`, byte by byte, with
 * its rules and its error messages (`text format parsing error in line 3: expected float as value, got
 * "1x"`), so that a push Prometheus's Pushgateway rejects is rejected here with the same words.
 *
 * What differs from the scrape parser in `@vigil/exposition`: every line must end with a line feed (no
 * `\r`), label values escape only `\\`, `\"` and `\n`, HELP only `\\` and `\n`, TYPE is read up to the end of
 * the line, a second HELP or TYPE for a family is an error, and samples are grouped into metrics as the
 * Go client's data model wants them: the lines of one summary or histogram with the same labels (without
 * `quantile`/`le`) form one metric, found again even when the lines are apart.
 *
 * One deliberate difference: a `gauge_histogram` TYPE, which the Go parser accepts and then cannot expose
 * (breaking every scrape of the gateway), is an error here.
 */
import { goQuote, goQuoteByte, goQuoteBytes } from './go-format.js';
import { Kind, type ParsedFamily, type ParsedMetric } from './family.js';
import { INTERN_MAX_LENGTH, intern } from './intern.js';

export class TextParseError extends Error {
  readonly line: number;
  constructor(line: number, msg: string) {
    super(`text format parsing error in line ${line}: ${msg}`);
    this.name = 'TextParseError';
    this.line = line;
  }
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const EOF = -1;

const isBlank = (c: number) => c === SPACE || c === TAB;
const isLabelStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
const isLabelCont = (c: number) => isLabelStart(c) || (c >= 0x30 && c <= 0x39);
const isNameStart = (c: number) => isLabelStart(c) || c === 0x3a;
const isNameCont = (c: number) => isLabelCont(c) || c === 0x3a;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

const TYPES: Record<string, Kind> = {
  COUNTER: Kind.Counter,
  GAUGE: Kind.Gauge,
  SUMMARY: Kind.Summary,
  UNTYPED: Kind.Untyped,
  HISTOGRAM: Kind.Histogram,
  GAUGE_HISTOGRAM: Kind.GaugeHistogram,
};

/** A family while parsing: `type` is undefined until a TYPE line or the first sample. */
interface Building {
  name: string;
  type: Kind | undefined;
  help: string | undefined;
  metrics: ParsedMetric[];
  /** Summaries and histograms: metrics by label signature. */
  bySignature: Map<string, ParsedMetric> | undefined;
}

/** Go's `strconv.ParseFloat` as expfmt calls it: no hex, `p` exponents or `_`. */
export function parseGoFloat(s: string): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let i = 0;
  let c = s.charCodeAt(0);
  let sign = 1;
  let signed = false;
  if (c === 0x2b || c === 0x2d) {
    sign = c === 0x2d ? -1 : 1;
    signed = true;
    i = 1;
  }
  const rest = s.slice(i).toLowerCase();
  if (rest === 'inf' || rest === 'infinity') return sign * Infinity;
  if (rest === 'nan') return signed ? undefined : NaN;
  let digits = 0;
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    digits++;
  }
  if (i < n && s.charCodeAt(i) === 0x2e) {
    for (i++; i < n; i++) {
      c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      digits++;
    }
  }
  if (digits === 0) return undefined;
  if (i < n && (s.charCodeAt(i) | 0x20) === 0x65) {
    i++;
    if (i < n && (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d)) i++;
    const start = i;
    while (i < n && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === start) return undefined;
  }
  if (i !== n) return undefined;
  const v = Number(s);
  if (!Number.isFinite(v)) return undefined; // out of range, as Go's ErrRange
  return v;
}

/** Go's `strconv.ParseInt(s, 10, 64)`. */
function parseGoInt(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const big = BigInt(s);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return undefined;
  return Number(big);
}

/**
 * A float64 converted to uint64 the way Go does on amd64 (and the text parser does for counts): truncated
 * toward zero; negative values wrap around; NaN and values at or beyond 2^64 give 2^63.
 */
export function goUint64(v: number): number {
  if (v !== v || v >= 18446744073709551616 || v <= -9223372036854775808) return 9223372036854775808;
  const t = Math.trunc(v);
  return t < 0 ? 18446744073709551616 + t : t + 0; // + 0 turns -0 into 0
}

/**
 * Parses a push body. Returns the families by name, without those that have no metrics (as Go's parser
 * drops them). Throws `TextParseError`.
 */
export function parseText(body: Uint8Array): Map<string, ParsedFamily> {
  return new Parser(body).parse();
}

class Parser {
  private readonly b: Uint8Array;
  private pos = 0;
  private line = 0;
  /** The byte last read (`EOF` at the end). */
  private cur = 0;
  private readonly families = new Map<string, Building>();
  private mf!: Building;
  private metric!: ParsedMetric;
  private isCount = false;
  private isSum = false;
  /** Summary/histogram: labels other than quantile/le, for the signature. */
  private sigLabels: string[] = [];
  private quantile = NaN;
  private bucket = NaN;
  private tokenStart = 0;
  private tokenEnd = 0;

  constructor(b: Uint8Array) {
    this.b = b;
  }

  /** The current byte (a call, so that the compiler does not narrow it across reads). */
  private at(): number {
    return this.cur;
  }

  private fail(msg: string): never {
    throw new TextParseError(this.line, msg);
  }

  private eof(): never {
    return this.fail('unexpected end of input stream');
  }

  private read(): number {
    this.cur = this.pos < this.b.length ? this.b[this.pos++] : EOF;
    return this.cur;
  }

  private skipBlankTab(): number {
    do this.read();
    while (this.cur === SPACE || this.cur === TAB);
    return this.cur;
  }

  private token(): string {
    return String.fromCharCode.apply(null, this.b.subarray(this.tokenStart, this.tokenEnd) as unknown as number[]);
  }

  /** A token that may hold UTF-8 (values, help): decoded, invalid sequences replaced. */
  private utf8Token(): string {
    return utf8Lenient.decode(this.b.subarray(this.tokenStart, this.tokenEnd));
  }

  /** Reads from `cur` up to a blank, tab or line feed (which stays in `cur`). */
  private readUntilWhitespace(): void {
    this.tokenStart = this.pos - 1;
    while (this.cur !== EOF && !isBlank(this.cur) && this.cur !== LF) this.read();
    if (this.cur === EOF) this.eof();
    this.tokenEnd = this.pos - 1;
  }

  private readName(start: (c: number) => boolean, cont: (c: number) => boolean): string {
    if (!start(this.cur)) return '';
    this.tokenStart = this.pos - 1;
    do this.read();
    while (this.cur !== EOF && cont(this.cur));
    this.tokenEnd = this.cur === EOF ? this.pos : this.pos - 1;
    const name = intern(this.token());
    if (this.cur === EOF) this.eof();
    return name;
  }

  /**
   * Reads the rest of the line from `cur`. With `escapes`, `\\` and `\n` are unescaped and any other escape
   * is an error; without, backslashes are dropped (as Go's parser does).
   */
  private readUntilNewline(escapes: boolean): string {
    const bytes: number[] = [];
    let escaped = false;
    for (;;) {
      if (this.cur === EOF) this.eof();
      const c = this.cur;
      if (escapes && escaped) {
        if (c === 0x5c) bytes.push(0x5c);
        else if (c === 0x6e) bytes.push(LF);
        else this.fail(`invalid escape sequence '\\${String.fromCodePoint(c)}'`);
        escaped = false;
      } else if (c === LF) {
        break;
      } else if (c === 0x5c) {
        escaped = true;
      } else {
        bytes.push(c);
      }
      this.read();
    }
    return utf8Lenient.decode(Uint8Array.from(bytes));
  }

  parse(): Map<string, ParsedFamily> {
    for (;;) {
      // Start of a line.
      this.line++;
      this.skipBlankTab();
      if (this.cur === EOF) break;
      if (this.cur === LF) continue;
      if (this.cur === 0x23) this.comment();
      else this.sample();
    }
    const out = new Map<string, ParsedFamily>();
    for (const [name, f] of this.families) {
      if (f.metrics.length === 0) continue;
      out.set(name, { name: f.name, type: f.type ?? Kind.Untyped, help: f.help, metrics: f.metrics });
    }
    return out;
  }

  private comment(): void {
    if (this.skipBlankTab() === EOF) this.eof();
    if (this.cur === LF) return;
    this.readUntilWhitespace();
    if (this.cur === LF) return;
    const keyword = this.token();
    if (keyword !== 'HELP' && keyword !== 'TYPE') {
      while (this.cur !== LF) if (this.read() === EOF) this.eof();
      return;
    }
    if (this.skipBlankTab() === EOF) this.eof();
    const name = this.readName(isNameStart, isNameCont);
    if (this.cur === LF) return;
    if (!isBlank(this.cur)) this.fail('invalid metric name in comment');
    this.setCurrentFamily(name);
    if (this.skipBlankTab() === EOF) this.eof();
    if (this.at() === LF) return;
    if (keyword === 'HELP') {
      if (this.mf.help !== undefined) this.fail(`second HELP line for metric name ${goQuote(this.mf.name)}`);
      this.mf.help = this.readUntilNewline(true);
    } else {
      if (this.mf.type !== undefined) this.fail(`second TYPE line for metric name ${goQuote(this.mf.name)}, or TYPE reported after samples`);
      const word = this.readUntilNewline(false);
      const t = TYPES[word.toUpperCase()];
      if (t === undefined) this.fail(`unknown metric type ${goQuote(word)}`);
      this.mf.type = t;
    }
  }

  /** Finds the family a name belongs to (a summary's or histogram's `_sum`/`_count`/`_bucket` included), or creates it. */
  private setCurrentFamily(name: string): void {
    this.isCount = false;
    this.isSum = false;
    const exact = this.families.get(name);
    if (exact !== undefined) {
      this.mf = exact;
      return;
    }
    const count = name.length > 6 && name.endsWith('_count');
    const sum = name.length > 4 && name.endsWith('_sum');
    const bucket = name.length > 7 && name.endsWith('_bucket');
    if (count || sum) {
      const base = this.families.get(name.slice(0, name.length - (count ? 6 : 4)));
      if (base !== undefined && (base.type === Kind.Summary || base.type === Kind.Histogram)) {
        this.mf = base;
        this.isCount = count;
        this.isSum = sum;
        return;
      }
    } else if (bucket) {
      const base = this.families.get(name.slice(0, name.length - 7));
      if (base !== undefined && base.type === Kind.Histogram) {
        this.mf = base;
        return;
      }
    }
    const f: Building = { name, type: undefined, help: undefined, metrics: [], bySignature: undefined };
    this.families.set(name, f);
    this.mf = f;
  }

  private sample(): void {
    const name = this.readName(isNameStart, isNameCont);
    if (name === '') this.fail('invalid metric name');
    this.setCurrentFamily(name);
    const mf = this.mf;
    if (mf.type === undefined) mf.type = Kind.Untyped;
    this.metric = { labels: [], field: mf.type, value: 0, count: 0, points: undefined, timestampMs: undefined, extra: undefined };
    if (isBlank(this.cur)) this.skipBlankTab();
    if (this.cur === EOF) this.eof();
    const complex = mf.type === Kind.Summary || mf.type === Kind.Histogram;
    if (complex) {
      this.sigLabels = [];
      this.quantile = NaN;
      this.bucket = NaN;
    }
    if (this.cur === 0x7b) this.labels(complex);
    this.value(complex);
  }

  private labels(complex: boolean): void {
    const mf = this.mf;
    const special = mf.type === Kind.Summary ? 'quantile' : mf.type === Kind.Histogram ? 'le' : '';
    for (;;) {
      if (this.skipBlankTab() === EOF) this.eof();
      if (this.cur === 0x7d) {
        if (this.skipBlankTab() === EOF) this.eof();
        return;
      }
      const name = this.readName(isLabelStart, isLabelCont);
      if (name === '') this.fail(`invalid label name for metric ${goQuote(mf.name)}`);
      if (name === '__name__') this.fail('label name "__name__" is reserved');
      const listed = name !== special;
      const labels = this.metric.labels;
      if (listed) labels.push(name, '');
      if (isBlank(this.cur)) this.skipBlankTab();
      if (this.cur === EOF) this.eof();
      if (this.cur !== 0x3d) this.fail(`expected '=' after label name, found ${goQuoteByte(this.cur)}`);
      if (listed) {
        for (let i = 0; i < labels.length - 2; i += 2) {
          if (labels[i] === name) this.fail(`duplicate label names for metric ${goQuote(mf.name)}`);
        }
      }
      // The value.
      if (this.skipBlankTab() === EOF) this.eof();
      if (this.at() !== 0x22) this.fail(`expected '"' at start of label value, found ${goQuoteByte(this.cur)}`);
      const value = this.labelValue();
      if (listed) labels[labels.length - 1] = value;
      if (complex) {
        if (!listed) {
          const f = parseGoFloat(value);
          if (f === undefined) this.fail(`expected float as value for '${special}' label, got ${goQuote(value)}`);
          if (special === 'quantile') this.quantile = f;
          else this.bucket = f;
        } else {
          this.sigLabels.push(name, value);
        }
      }
      const next = this.skipBlankTab();
      if (next === EOF) this.eof();
      if (next === 0x2c) continue;
      if (next === 0x7d) {
        if (this.skipBlankTab() === EOF) this.eof();
        return;
      }
      this.fail(`unexpected end of label value ${goQuote(value)}`);
    }
  }

  /** Reads a quoted label value (the opening quote is in `cur`). */
  private labelValue(): string {
    const bytes: number[] = [];
    let escaped = false;
    let plain = true;
    const start = this.pos;
    for (;;) {
      if (this.read() === EOF) this.eof();
      const c = this.cur;
      if (escaped) {
        if (c === 0x22 || c === 0x5c) bytes.push(c);
        else if (c === 0x6e) bytes.push(LF);
        else this.fail(`invalid escape sequence '\\${String.fromCodePoint(c)}'`);
        escaped = false;
        continue;
      }
      if (c === 0x22) break;
      if (c === LF) this.fail(`label value ${goQuoteBytes(Uint8Array.from(bytes), 0, bytes.length)} contains unescaped new-line`);
      if (c === 0x5c) {
        escaped = true;
        plain = false;
      } else bytes.push(c);
    }
    const raw = plain ? this.b.subarray(start, this.pos - 1) : Uint8Array.from(bytes);
    try {
      const v = utf8.decode(raw);
      return v.length <= INTERN_MAX_LENGTH ? intern(v) : v;
    } catch {
      return this.fail(`invalid label value ${goQuoteBytes(raw, 0, raw.length)}`);
    }
  }

  private value(complex: boolean): void {
    const mf = this.mf;
    let m = this.metric;
    if (complex) {
      const sig = signature(this.sigLabels);
      mf.bySignature ??= new Map();
      const existing = mf.bySignature.get(sig);
      if (existing !== undefined) {
        m = existing;
        this.metric = m;
      } else {
        mf.bySignature.set(sig, m);
        mf.metrics.push(m);
      }
    } else {
      mf.metrics.push(m);
    }
    this.readUntilWhitespace();
    const text = this.token();
    const v = parseGoFloat(text);
    if (v === undefined) this.fail(`expected float as value, got ${goQuote(this.utf8Token())}`);
    switch (mf.type) {
      case Kind.Counter:
      case Kind.Gauge:
      case Kind.Untyped:
        m.value = v;
        break;
      case Kind.Summary:
        m.points ??= [];
        if (this.isCount) m.count = goUint64(v);
        else if (this.isSum) m.value = v;
        else if (this.quantile === this.quantile) m.points.push(this.quantile, v);
        break;
      case Kind.Histogram:
        m.points ??= [];
        if (this.isCount) m.count = goUint64(v);
        else if (this.isSum) m.value = v;
        else if (this.bucket === this.bucket) m.points.push(this.bucket, goUint64(v));
        break;
      default:
        this.fail(`unexpected type for metric name ${goQuote(mf.name)}`);
    }
    if (this.cur === LF) return;
    // A timestamp.
    if (this.skipBlankTab() === EOF) this.eof();
    this.readUntilWhitespace();
    const tsText = this.token();
    const ts = parseGoInt(tsText);
    if (ts === undefined) this.fail(`expected integer as timestamp, got ${goQuote(this.utf8Token())}`);
    m.timestampMs = ts;
    const rest = this.readUntilNewline(false);
    if (rest.length > 0) this.fail(`spurious string after timestamp: ${goQuote(rest)}`);
  }
}

/** Go's `LabelsToSignature` for our purpose: the sorted name/value pairs as one string. */
function signature(flat: string[]): string {
  if (flat.length === 0) return '';
  const idx: number[] = [];
  for (let i = 0; i < flat.length; i += 2) idx.push(i);
  idx.sort((a, b) => (flat[a] < flat[b] ? -1 : flat[a] > flat[b] ? 1 : 0));
  let s = '';
  for (const i of idx) s += flat[i] + '\u0000' + flat[i + 1] + '\u0000';
  return s;
}
