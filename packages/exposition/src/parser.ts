/**
 * The streaming parser interface shared by the text format 0.0.4 and OpenMetrics parsers, in the shape of
 * Prometheus's `textparse.Parser`: `next()` moves to the next entry and the accessors read it.
 *
 * The parsers keep only offsets into the input and scalars while scanning; nothing is allocated per
 * sample unless the caller asks for a string or a label set (`series()`, `labels()`, ...).
 */
import { Labels, METRIC_NAME, formatOpenMetricsFloat, type FloatHistogram } from '@vigil/model';
import { ParseError, columnOf, describeAt } from './parse-error.js';
import { parseFloatRange } from './number.js';
import {
  CH_BACKSLASH, CH_COMMA, CH_EQUALS, CH_LBRACE, CH_LF, CH_QUOTE, CH_RBRACE, CH_SPACE, CH_TAB, LABEL_STRIDE as L,
  NAME_ESCAPED as F_NAME_ESCAPED, NAME_QUOTED as F_NAME_QUOTED, VALUE_ESCAPED as F_VALUE_ESCAPED, S_NONE, T_HISTOGRAM, T_SUMMARY,
  T_UNKNOWN, TYPE_NAMES, bytesEqual, hashRange, isLabelNameChar, isLabelNameStart, isMetricNameChar,
  isMetricNameStart, unescapeQuoted,
} from './parser-syntax.js';
import type { Exemplar, MetricType } from './types.js';

/** `Histogram`: a native histogram sample (protobuf format only): read it with `histogram()`. */
export const EntryType = { EOF: 0, Type: 1, Help: 2, Unit: 3, Series: 4, Comment: 5, Histogram: 6 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface ExpositionParser {
  /** Moves to the next entry and returns its `EntryType`. Throws `ParseError` on bad input. */
  next(): number;

  // After Series:
  /** The series as written in the input, e.g. `http_requests_total{code="200"}`: a cache key. */
  series(): string;
  /** True when the series text equals `key` (compared in place: no string is made). */
  seriesIs(key: string): boolean;
  /** `seriesIs` for a key given as `length` ASCII bytes of `bytes` at `offset`. */
  seriesIsBytes(bytes: DataView, offset: number, length: number): boolean;
  /** `seriesHash(series())`, computed in place: no string is made. */
  seriesHash(): number;
  /**
   * Names the series text (as `series()` gave it for an earlier line, e.g. in the previous scrape, read by a
   * parser of the same format: a text-format series need not be valid OpenMetrics) that the next sample
   * line is expected to start with. When it does, the parser may check the line by comparing it with `key`
   * instead of scanning its label set again, and sets `seriesMatched`; the label accessors still work (the
   * label set is scanned when one of them is called). Applies to the next sample line only. The strict
   * OpenMetrics parser ignores it (its rules read every label).
   */
  expectSeries(key: string): void;
  /**
   * `expectSeries` for a key given as `length` ASCII bytes of `bytes` at `offset`. A parser given its
   * input's bytes (`TextParserOptions.bytes`) compares them four at a time.
   */
  expectSeriesBytes(bytes: DataView, offset: number, length: number): void;
  /** True when the current sample's series text is the one given to `expectSeries` (known without a string). */
  readonly seriesMatched: boolean;
  /** The sample's metric name (`http_requests_total`, `latency_bucket`). */
  metricName(): string;
  /** The sample value. */
  readonly value: number;
  /** Milliseconds; NaN when the sample has no timestamp. */
  readonly timestamp: number;
  /** The label set including `__name__` (sorted, empty values dropped). Allocates; call once per new series. */
  labels(): Labels;
  /** Number of labels written inside the braces (not counting the metric name). */
  labelCount(): number;
  /** Name of the i-th label as written (unescaped). */
  labelName(i: number): string;
  /** Value of the i-th label as written (unescaped). */
  labelValue(i: number): string;
  /** True when the sample carries an exemplar (OpenMetrics only). */
  readonly hasExemplar: boolean;
  exemplar(): Exemplar | undefined;
  /** After Histogram (parsers of formats with native histograms): the histogram; the caller may keep it. */
  histogram?(): FloatHistogram | undefined;

  // After Type, Help, Unit (and after Series: the family the sample belongs to):
  familyName(): string;
  familyType(): MetricType;
  help(): string;
  unit(): string;
  /** `familyName() === name`, compared in place (no string is made unless the name has escapes). */
  familyNameIs(name: string): boolean;
  /** `help() === text`, compared in place (no string is made unless the help text has escapes). */
  helpIs(text: string): boolean;
  /** `unit() === text`, compared in place. */
  unitIs(text: string): boolean;
  /** After Comment: the comment line as written, from `#`. */
  comment(): string;
  /** Increases by one each time a new metric family starts (by metadata or by a sample of a new name). */
  readonly familyIndex: number;
  /** 1-based line of the current entry. */
  readonly line: number;
}

/** Code shared by both parsers: the offsets of the current entry and the accessors that read them. */
export abstract class BaseParser implements ExpositionParser {
  protected readonly text: string;
  protected readonly end: number;
  /** Position of the next unread character. */
  protected pos = 0;
  /** Start of the line being parsed (for columns in errors). */
  protected lineStart = 0;
  line = 0;
  value = NaN;
  timestamp = NaN;
  hasExemplar = false;
  familyIndex = 0;

  protected entry: number = EntryType.EOF;
  // Current sample.
  protected seriesStart = 0;
  protected seriesEnd = 0;
  protected nameStart = 0;
  protected nameEnd = 0;
  protected nameFlags = 0;
  /** Label offsets: the sample's labels first, then the exemplar's. */
  protected lofs = new Int32Array(L * 16);
  protected nLabels = 0;
  protected nExLabels = 0;
  protected exValue = 0;
  protected exTimestamp = NaN;
  // Current metadata line.
  protected metaNameStart = 0;
  protected metaNameEnd = 0;
  protected metaNameFlags = 0;
  protected metaTextStart = 0;
  protected metaTextEnd = 0;
  protected metaType = T_UNKNOWN;
  // Current family (a range of the input: the name in its first metadata line or sample).
  protected famStart = 0;
  protected famEnd = 0;
  protected famFlags = 0;
  protected famType = T_UNKNOWN;
  /** Suffix of the current sample relative to its family name (S_*). */
  protected suffix = S_NONE;
  /**
   * The series text the next sample line is expected to start with: `expectedLength` characters, in
   * `expectedBytes` at `expectedOffset` when that is set, else in `expectedSeries`. Length 0: none.
   */
  protected expectedLength = 0;
  protected expectedSeries = '';
  protected expectedBytes: DataView | null = null;
  protected expectedOffset = 0;
  seriesMatched = false;
  /**
   * Where the current sample's label set starts (just after `{`) when it was matched by `expectSeries` and
   * not scanned yet; -1 otherwise. The label accessors scan it first.
   */
  protected pendingLabels = -1;

  /** The input's bytes when it is their ASCII decoding (one byte per character), for word-wide comparisons. */
  protected readonly view: DataView | null;

  constructor(text: string, bytes?: Uint8Array) {
    this.text = text;
    this.end = text.length;
    this.view = bytes !== undefined && bytes.length === text.length ? new DataView(bytes.buffer, bytes.byteOffset, bytes.length) : null;
  }

  /** The first line feed at or after `p`, or the end of the input. */
  protected lineEnd(p: number): number {
    const i = this.text.indexOf('\n', p);
    return i < 0 ? this.end : i;
  }

  abstract next(): number;

  /** Unescapes the HELP text of the current metadata line. */
  protected abstract unescapeHelp(start: number, end: number): string;

  // ---- errors ----

  protected fail(pos: number, reason: string): never {
    throw new ParseError(this.line, columnOf(this.text, this.lineStart, pos), reason);
  }

  /** `expected <what>, got <the character at pos>`. */
  protected expected(pos: number, what: string): never {
    this.fail(pos, `expected ${what}, got ${describeAt(this.text, pos)}`);
  }

  // ---- scanning helpers ----

  /**
   * Scans a quoted string starting at the opening quote; returns the position after the closing quote.
   * `what` names the string in errors; when it is undefined the string is the value of the label whose
   * name is at `text[labelStart,labelEnd)` (the message is built only when there is an error).
   */
  protected scanQuoted(p: number, strictEscapes: boolean, what?: string, labelStart = 0, labelEnd = 0, labelFlags = 0): number {
    const text = this.text;
    const end = this.end;
    let escaped = false;
    for (let i = p + 1; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === CH_QUOTE) {
        this.quotedEscaped = escaped;
        return i + 1;
      }
      if (c === CH_BACKSLASH) {
        escaped = true;
        i++;
        if (i >= end) break;
        const n = text.charCodeAt(i);
        if (n === CH_LF) this.fail(i, `line feed in ${this.describeQuoted(what, labelStart, labelEnd, labelFlags)} (write it as \\n)`);
        if (strictEscapes && n !== CH_BACKSLASH && n !== CH_QUOTE && n !== 0x6e) {
          this.fail(i - 1, `invalid escape sequence "\\${String.fromCodePoint(text.codePointAt(i)!)}" in ${this.describeQuoted(what, labelStart, labelEnd, labelFlags)}`);
        }
        continue;
      }
      if (c === CH_LF) this.fail(i, `unterminated ${this.describeQuoted(what, labelStart, labelEnd, labelFlags)}: line ends before the closing '"'`);
    }
    this.fail(end, `unterminated ${this.describeQuoted(what, labelStart, labelEnd, labelFlags)}: input ends before the closing '"'`);
  }
  private describeQuoted(what: string | undefined, labelStart: number, labelEnd: number, labelFlags: number): string {
    return what ?? `value of label ${this.quoteRange(labelStart, labelEnd, labelFlags)}`;
  }

  /** Whether the last string `scanQuoted` read contains a backslash. */
  protected quotedEscaped = false;

  /** Makes room for one more label in the offsets buffer; returns its base index. */
  protected pushLabel(): number {
    const base = (this.nLabels + this.nExLabels) * L;
    if (base + L > this.lofs.length) {
      const grown = new Int32Array(this.lofs.length * 2);
      grown.set(this.lofs);
      this.lofs = grown;
    }
    return base;
  }

  /**
   * Scans a label set from just after `{` to just after `}`. `lenient` (text format) allows blanks between
   * tokens and a trailing comma; `exemplar` forbids the quoted metric name. Returns the position after `}`.
   */
  protected scanLabels(p: number, lenient: boolean, exemplar: boolean, strictEscapes: boolean): number {
    const text = this.text;
    const end = this.end;
    let first = true;
    for (;;) {
      if (lenient) while (p < end && (text.charCodeAt(p) === CH_SPACE || text.charCodeAt(p) === CH_TAB)) p++;
      let c = p < end ? text.charCodeAt(p) : -1;
      if (c === CH_RBRACE && (first || lenient)) return p + 1;
      // Label name, plain or quoted.
      const nameStart = p;
      let nameEnd: number;
      let flags = 0;
      if (c >= 0 && isLabelNameStart(c)) {
        p++;
        while (p < end && isLabelNameChar(text.charCodeAt(p))) p++;
        nameEnd = p;
      } else if (c === CH_QUOTE) {
        p = this.scanQuoted(p, strictEscapes, 'quoted name');
        nameEnd = p;
        flags = F_NAME_QUOTED | (this.quotedEscaped ? F_NAME_ESCAPED : 0);
        // A quoted string followed by `,` or `}` is the metric name (UTF-8 name syntax).
        let q = p;
        if (lenient) while (q < end && (text.charCodeAt(q) === CH_SPACE || text.charCodeAt(q) === CH_TAB)) q++;
        const n = q < end ? text.charCodeAt(q) : -1;
        if (n === CH_COMMA || n === CH_RBRACE) {
          if (exemplar) this.fail(nameStart, 'expected a label name in the exemplar, got a quoted metric name');
          if (this.nameEnd !== this.nameStart) this.fail(nameStart, 'metric name given twice (before the braces and quoted inside them)');
          this.nameStart = nameStart + 1;
          this.nameEnd = nameEnd - 1;
          this.nameFlags = flags;
          first = false;
          p = q + 1;
          if (n === CH_RBRACE) return p;
          if (!lenient && (p >= end || text.charCodeAt(p) === CH_RBRACE)) this.expected(p, 'a label name after ","');
          continue;
        }
      } else {
        this.expected(p, first ? 'a label name or "}"' : 'a label name');
      }
      const base = this.pushLabel();
      const lofs = this.lofs;
      if (flags & F_NAME_QUOTED) {
        lofs[base] = nameStart + 1;
        lofs[base + 1] = nameEnd - 1;
      } else {
        lofs[base] = nameStart;
        lofs[base + 1] = nameEnd;
      }
      if (lenient) while (p < end && (text.charCodeAt(p) === CH_SPACE || text.charCodeAt(p) === CH_TAB)) p++;
      c = p < end ? text.charCodeAt(p) : -1;
      if (c !== CH_EQUALS) this.expected(p, `"=" after label name ${this.quoteRange(nameStart, nameEnd, flags)}`);
      p++;
      if (lenient) while (p < end && (text.charCodeAt(p) === CH_SPACE || text.charCodeAt(p) === CH_TAB)) p++;
      c = p < end ? text.charCodeAt(p) : -1;
      if (c !== CH_QUOTE) this.expected(p, `'"' to start the value of label ${this.quoteRange(nameStart, nameEnd, flags)}`);
      const valueStart = p + 1;
      p = this.scanQuoted(p, strictEscapes, undefined, nameStart, nameEnd, flags);
      lofs[base + 2] = valueStart;
      lofs[base + 3] = p - 1;
      lofs[base + 4] = flags | (this.quotedEscaped ? F_VALUE_ESCAPED : 0);
      this.checkLabelName(base, nameStart, exemplar);
      if (exemplar) this.nExLabels++;
      else this.nLabels++;
      first = false;
      if (lenient) while (p < end && (text.charCodeAt(p) === CH_SPACE || text.charCodeAt(p) === CH_TAB)) p++;
      c = p < end ? text.charCodeAt(p) : -1;
      if (c === CH_COMMA) {
        p++;
        if (!lenient && (p >= end || text.charCodeAt(p) === CH_RBRACE)) this.expected(p, 'a label name after ","');
        continue;
      }
      if (c === CH_RBRACE) return p + 1;
      this.expected(p, `"," or "}" after the value of label ${this.quoteRange(nameStart, nameEnd, flags)}`);
    }
  }

  /** True when `text[s,e)` is exactly `word`. */
  protected rangeIs(s: number, e: number, word: string): boolean {
    return e - s === word.length && this.text.startsWith(word, s);
  }

  /** Rejects `__name__` inside braces and a name given twice in one label set. */
  private checkLabelName(base: number, at: number, exemplar: boolean): void {
    const lofs = this.lofs;
    const text = this.text;
    const s = lofs[base];
    const e = lofs[base + 1];
    const len = e - s;
    if (len === 8 && text.startsWith(METRIC_NAME, s) && !(lofs[base + 4] & F_NAME_ESCAPED)) {
      this.fail(at, `label name "${METRIC_NAME}" is reserved: write the metric name before the braces`);
    }
    const from = exemplar ? this.nLabels * L : 0;
    for (let b = from; b < base; b += L) {
      const os = lofs[b];
      if (lofs[b + 1] - os !== len || text.charCodeAt(os) !== text.charCodeAt(s)) continue;
      if (((lofs[b + 4] | lofs[base + 4]) & F_NAME_ESCAPED) !== 0) {
        if (this.labelNameAt(b) !== this.labelNameAt(base)) continue;
      } else {
        let i = 1;
        while (i < len && text.charCodeAt(os + i) === text.charCodeAt(s + i)) i++;
        if (i < len) continue;
      }
      this.fail(at, `duplicate label name ${this.quoteRange(s, e, 0)}${exemplar ? ' in the exemplar' : ''}`);
    }
  }

  protected quoteRange(start: number, end: number, flags: number): string {
    return JSON.stringify(flags & F_NAME_QUOTED ? unescapeQuoted(this.text, start + 1, end - 1) : this.text.slice(start, end));
  }

  protected labelNameAt(base: number): string {
    const lofs = this.lofs;
    return lofs[base + 4] & F_NAME_ESCAPED ? unescapeQuoted(this.text, lofs[base], lofs[base + 1]) : this.text.slice(lofs[base], lofs[base + 1]);
  }

  protected labelValueAt(base: number): string {
    const lofs = this.lofs;
    return lofs[base + 4] & F_VALUE_ESCAPED ? unescapeQuoted(this.text, lofs[base + 2], lofs[base + 3]) : this.text.slice(lofs[base + 2], lofs[base + 3]);
  }

  /** Index (label base) of the sample label whose name equals `text[s,e)`, or -1. */
  protected findLabel(s: number, e: number): number {
    const lofs = this.lofs;
    const text = this.text;
    const len = e - s;
    for (let b = 0, n = this.nLabels * L; b < n; b += L) {
      const os = lofs[b];
      if (lofs[b + 1] - os !== len) continue;
      let i = 0;
      while (i < len && text.charCodeAt(os + i) === text.charCodeAt(s + i)) i++;
      if (i === len) return b;
    }
    return -1;
  }

  /** Index (label base) of the sample label named `name` (ASCII), or -1. */
  protected findLabelNamed(name: string): number {
    const lofs = this.lofs;
    for (let b = 0, n = this.nLabels * L; b < n; b += L) {
      if (lofs[b + 1] - lofs[b] === name.length && this.text.startsWith(name, lofs[b])) return b;
    }
    return -1;
  }

  /** The float in a label value (for `le` and `quantile`), or undefined when it is not one. */
  protected labelFloat(base: number): number | undefined {
    const lofs = this.lofs;
    if (lofs[base + 4] & F_VALUE_ESCAPED) {
      const v = this.labelValueAt(base);
      return parseFloatRange(v, 0, v.length);
    }
    return parseFloatRange(this.text, lofs[base + 2], lofs[base + 3]);
  }

  /** True when the sample name equals the family name plus `suffix`. */
  protected nameIs(suffix: string): boolean {
    const fl = this.famEnd - this.famStart;
    if (this.nameEnd - this.nameStart !== fl + suffix.length) return false;
    if (((this.nameFlags | this.famFlags) & F_NAME_ESCAPED) !== 0) {
      return this.metricName() === this.famName() + suffix;
    }
    const text = this.text;
    const a = this.nameStart;
    const b = this.famStart;
    const view = this.view;
    if (view !== null) {
      if (!bytesEqual(view, a, view, b, fl)) return false;
    } else {
      for (let i = 0; i < fl; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
    }
    return suffix === '' || text.startsWith(suffix, a + fl);
  }

  /** True when the metadata line's name equals the current family name. */
  protected metaIsFamily(): boolean {
    const fl = this.famEnd - this.famStart;
    if (this.metaNameEnd - this.metaNameStart !== fl || this.familyIndex === 0) return false;
    if (((this.metaNameFlags | this.famFlags) & F_NAME_ESCAPED) !== 0) return this.metaName() === this.famName();
    const text = this.text;
    for (let i = 0; i < fl; i++) if (text.charCodeAt(this.metaNameStart + i) !== text.charCodeAt(this.famStart + i)) return false;
    return true;
  }

  protected startFamilyFromMeta(): void {
    this.famStart = this.metaNameStart;
    this.famEnd = this.metaNameEnd;
    this.famFlags = this.metaNameFlags;
    this.famType = T_UNKNOWN;
    this.familyIndex++;
  }

  protected startFamilyFromSample(): void {
    this.famStart = this.nameStart;
    this.famEnd = this.nameEnd;
    this.famFlags = this.nameFlags;
    this.famType = T_UNKNOWN;
    this.suffix = S_NONE;
    this.familyIndex++;
  }

  /** The current family's name (whatever the current entry is). */
  protected famName(): string {
    return this.famFlags & F_NAME_ESCAPED ? unescapeQuoted(this.text, this.famStart, this.famEnd) : this.text.slice(this.famStart, this.famEnd);
  }

  protected metaName(): string {
    return this.metaNameFlags & F_NAME_ESCAPED
      ? unescapeQuoted(this.text, this.metaNameStart, this.metaNameEnd)
      : this.text.slice(this.metaNameStart, this.metaNameEnd);
  }

  /**
   * When the line at `p` starts with the expected series text (see `expectSeries`; it comes from an
   * earlier line that was scanned in full) and the series ends there, the line's series is that one: sets
   * the name range, leaves the label set to be scanned on demand, and returns the end of the series.
   * Otherwise -1 (the line is scanned in full). The key is valid series text, so comparing the line with
   * it checks the line as well as scanning would.
   */
  protected matchExpected(p: number): number {
    const text = this.text;
    const end = this.end;
    const n = this.expectedLength;
    const q = p + n;
    // The quoted-name form (`{"name",...}`) is left to the scanner.
    if (q >= end || !isMetricNameStart(text.charCodeAt(p))) return -1;
    const kb = this.expectedBytes;
    if (kb !== null) {
      const off = this.expectedOffset;
      const view = this.view;
      if (view !== null) {
        if (!bytesEqual(view, p, kb, off, n)) return -1;
      } else {
        for (let i = 0; i < n; i++) if (text.charCodeAt(p + i) !== kb.getUint8(off + i)) return -1;
      }
    } else {
      const k = this.expectedSeries;
      for (let i = 0; i < n; i++) if (text.charCodeAt(p + i) !== k.charCodeAt(i)) return -1;
    }
    // text[p, q) is the key now.
    let nameEnd: number;
    if (text.charCodeAt(q - 1) === CH_RBRACE) {
      const brace = text.indexOf('{', p);
      if (brace < 0 || brace >= q) return -1;
      nameEnd = brace;
      for (let c = text.charCodeAt(nameEnd - 1); c === CH_SPACE || c === CH_TAB; c = text.charCodeAt(nameEnd - 1)) nameEnd--;
      this.pendingLabels = brace + 1;
    } else {
      // A bare name: the line's name must end where the key ends, and no label set may follow it (in the
      // text format blanks may come between them).
      let c = text.charCodeAt(q);
      if (isMetricNameChar(c)) return -1;
      let r = q;
      while (c === CH_SPACE || c === CH_TAB) c = ++r < end ? text.charCodeAt(r) : CH_LF;
      if (c === CH_LBRACE) return -1;
      nameEnd = q;
    }
    this.nameStart = p;
    this.nameEnd = nameEnd;
    this.nameFlags = 0;
    return q;
  }

  /** Scans the label set of a sample matched by `expectSeries`. */
  protected scanPendingLabels(): void {
    this.pendingLabels = -1;
  }

  // ---- accessors ----

  series(): string {
    return this.text.slice(this.seriesStart, this.seriesEnd);
  }

  seriesIs(key: string): boolean {
    const start = this.seriesStart;
    const n = this.seriesEnd - start;
    if (key.length !== n) return false;
    const text = this.text;
    for (let i = 0; i < n; i++) if (text.charCodeAt(start + i) !== key.charCodeAt(i)) return false;
    return true;
  }

  seriesIsBytes(bytes: DataView, offset: number, length: number): boolean {
    const start = this.seriesStart;
    if (this.seriesEnd - start !== length || offset + length > bytes.byteLength) return false;
    const view = this.view;
    if (view !== null) return bytesEqual(view, start, bytes, offset, length);
    const text = this.text;
    for (let i = 0; i < length; i++) if (text.charCodeAt(start + i) !== bytes.getUint8(offset + i)) return false;
    return true;
  }

  seriesHash(): number {
    return hashRange(this.text, this.seriesStart, this.seriesEnd);
  }

  expectSeries(key: string): void {
    this.expectedSeries = key;
    this.expectedBytes = null;
    this.expectedLength = key.length;
  }

  expectSeriesBytes(bytes: DataView, offset: number, length: number): void {
    this.expectedBytes = offset + length <= bytes.byteLength ? bytes : null;
    this.expectedOffset = offset;
    this.expectedLength = this.expectedBytes === null ? 0 : length;
  }

  metricName(): string {
    return this.nameFlags & F_NAME_ESCAPED ? unescapeQuoted(this.text, this.nameStart, this.nameEnd) : this.text.slice(this.nameStart, this.nameEnd);
  }

  labelCount(): number {
    if (this.pendingLabels >= 0) this.scanPendingLabels();
    return this.nLabels;
  }

  labelName(i: number): string {
    if (this.pendingLabels >= 0) this.scanPendingLabels();
    return this.labelNameAt(i * L);
  }

  labelValue(i: number): string {
    if (this.pendingLabels >= 0) this.scanPendingLabels();
    return this.labelValueAt(i * L);
  }

  /**
   * The label set with `__name__`. As Prometheus 3.x does, the `le` of a histogram and the `quantile` of a
   * summary are normalised to their canonical float form (`le="1"` becomes `le="1.0"`).
   */
  labels(): Labels {
    return this.buildLabels(true);
  }

  /** The labels exactly as written, without `__name__` (for metric family data). */
  rawLabels(): Labels {
    return this.buildLabels(false);
  }

  private buildLabels(full: boolean): Labels {
    if (this.pendingLabels >= 0) this.scanPendingLabels();
    const flat: string[] = full ? [METRIC_NAME, this.metricName()] : [];
    const t = this.famType;
    const normalise = full && (t === T_HISTOGRAM || t === T_SUMMARY);
    for (let b = 0, n = this.nLabels * L; b < n; b += L) {
      const name = this.labelNameAt(b);
      let value = this.labelValueAt(b);
      if (normalise && ((t === T_HISTOGRAM && name === 'le') || (t === T_SUMMARY && name === 'quantile'))) {
        const f = parseFloatRange(value, 0, value.length);
        if (f !== undefined) value = formatOpenMetricsFloat(f);
      }
      flat.push(name, value);
    }
    return Labels.fromFlat(flat);
  }

  exemplar(): Exemplar | undefined {
    if (!this.hasExemplar) return undefined;
    const flat: string[] = [];
    for (let b = this.nLabels * L, n = (this.nLabels + this.nExLabels) * L; b < n; b += L) {
      flat.push(this.labelNameAt(b), this.labelValueAt(b));
    }
    const labels = Labels.fromFlat(flat);
    return this.exTimestamp === this.exTimestamp
      ? { labels, value: this.exValue, timestamp: this.exTimestamp }
      : { labels, value: this.exValue };
  }

  /** Code points in the exemplar's label names and values (OpenMetrics allows at most 128). */
  protected exemplarLabelLength(): number {
    let n = 0;
    for (let b = this.nLabels * L, e = (this.nLabels + this.nExLabels) * L; b < e; b += L) {
      const name = this.labelNameAt(b);
      const value = this.labelValueAt(b);
      n += codePoints(name) + codePoints(value);
    }
    return n;
  }

  familyName(): string {
    if (this.entry === EntryType.Type || this.entry === EntryType.Help || this.entry === EntryType.Unit) return this.metaName();
    return this.famName();
  }

  familyType(): MetricType {
    return TYPE_NAMES[this.entry === EntryType.Type ? this.metaType : this.famType];
  }

  help(): string {
    return this.entry === EntryType.Help ? this.unescapeHelp(this.metaTextStart, this.metaTextEnd) : '';
  }

  unit(): string {
    return this.entry === EntryType.Unit ? this.text.slice(this.metaTextStart, this.metaTextEnd) : '';
  }

  comment(): string {
    return this.entry === EntryType.Comment ? this.text.slice(this.metaTextStart, this.metaTextEnd) : '';
  }

  familyNameIs(name: string): boolean {
    const meta = this.entry === EntryType.Type || this.entry === EntryType.Help || this.entry === EntryType.Unit;
    if ((meta ? this.metaNameFlags : this.famFlags) & F_NAME_ESCAPED) return this.familyName() === name;
    return meta ? this.rangeEquals(this.metaNameStart, this.metaNameEnd, name) : this.rangeEquals(this.famStart, this.famEnd, name);
  }

  helpIs(text: string): boolean {
    if (this.entry !== EntryType.Help) return text === '';
    const start = this.metaTextStart;
    const end = this.metaTextEnd;
    const t = this.text;
    const n = text.length;
    // As written, unless there is an escape: then the unescaped text is what counts.
    let i = start;
    for (; i < end; i++) {
      const c = t.charCodeAt(i);
      if (c === CH_BACKSLASH) return this.help() === text;
      if (i - start >= n || c !== text.charCodeAt(i - start)) break;
    }
    if (i === end) return end - start === n;
    for (; i < end; i++) if (t.charCodeAt(i) === CH_BACKSLASH) return this.help() === text;
    return false;
  }

  unitIs(text: string): boolean {
    if (this.entry !== EntryType.Unit) return text === '';
    return this.rangeEquals(this.metaTextStart, this.metaTextEnd, text);
  }

  /** True when `text[start,end)` is `s`. */
  private rangeEquals(start: number, end: number, s: string): boolean {
    const n = end - start;
    if (n !== s.length) return false;
    const t = this.text;
    for (let i = 0; i < n; i++) if (t.charCodeAt(start + i) !== s.charCodeAt(i)) return false;
    return true;
  }
}

function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

