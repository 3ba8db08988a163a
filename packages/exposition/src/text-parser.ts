/**
 * The Prometheus text format 0.0.4, as Prometheus 3.x reads it (`textparse.PromParser`):
 *
 * - lines end with `\n`; blank lines and blanks (spaces, tabs) around tokens are ignored;
 * - `# HELP name text` and `# TYPE name type`; any other line starting with `#` is a comment;
 * - samples `name{label="value",...} value [timestamp]`, a trailing comma allowed in the braces, the UTF-8
 *   name syntax (`{"my.metric", "label.name"="v"}`) too; timestamps are integer milliseconds.
 *
 * Escapes: `\\`, `\"` and `\n` in label values, `\\` and `\n` in HELP; any other backslash sequence stays as
 * written (Prometheus keeps it; the `strict` option rejects it, as client_golang's `expfmt` does).
 */
import { BaseParser, EntryType } from './parser.js';
import {
  CH_BACKSLASH, CH_HASH, CH_LBRACE, CH_LF, CH_QUOTE, CH_RBRACE, CH_SPACE, CH_TAB, NAME_ESCAPED, NAME_QUOTED,
  S_BUCKET, S_COUNT, S_NONE, S_SUM, T_COUNTER, T_GAUGE, T_HISTOGRAM, T_SUMMARY, T_UNKNOWN, isMetricNameChar,
  isMetricNameStart,
} from './parser-syntax.js';
import { scanFloat, scanInt, scanned } from './number.js';

export interface TextParserOptions {
  /**
   * Also reject what client_golang's `expfmt` parser (promtool, pushgateway) rejects and Prometheus's
   * scrape parser lets through: backslash sequences other than `\\`, `\"` (label values) and `\n`, and
   * blanks at the end of a sample line.
   */
  readonly strict?: boolean;
  /**
   * The bytes `text` is the Latin-1 (for instance ASCII) decoding of, one byte per character: comparisons
   * (of names, and of expected series) then read four bytes at a time. Ignored unless `text.length` long.
   */
  readonly bytes?: Uint8Array;
}

export class TextParser extends BaseParser {
  /** `expfmt` compatibility (see `TextParserOptions.strict`). */
  private readonly strictEscapes: boolean;

  constructor(text: string, options: TextParserOptions = {}) {
    super(text, options.bytes);
    this.strictEscapes = options.strict ?? false;
  }

  next(): number {
    const text = this.text;
    const end = this.end;
    for (;;) {
      let p = this.pos;
      if (p >= end) {
        this.entry = EntryType.EOF;
        return EntryType.EOF;
      }
      this.line++;
      this.lineStart = p;
      let c = text.charCodeAt(p);
      while (c === CH_SPACE || c === CH_TAB) c = ++p < end ? text.charCodeAt(p) : CH_LF;
      if (c === CH_LF) {
        this.pos = p + 1;
        continue;
      }
      if (c === CH_HASH) return this.parseComment(p);
      return this.parseSample(p);
    }
  }

  private parseComment(p: number): number {
    const text = this.text;
    const end = this.end;
    let q = p + 1;
    let c = q < end ? text.charCodeAt(q) : CH_LF;
    if (c === CH_SPACE || c === CH_TAB) {
      while (c === CH_SPACE || c === CH_TAB) c = ++q < end ? text.charCodeAt(q) : CH_LF;
      const isHelp = text.startsWith('HELP', q);
      const isType = !isHelp && text.startsWith('TYPE', q);
      const after = q + 4 < end ? text.charCodeAt(q + 4) : CH_LF;
      if ((isHelp || isType) && (after === CH_SPACE || after === CH_TAB)) {
        return this.parseMetadata(q + 4, isHelp);
      }
    }
    const eol = this.lineEnd(p);
    this.metaTextStart = p;
    this.metaTextEnd = eol;
    this.pos = eol + 1;
    this.entry = EntryType.Comment;
    return EntryType.Comment;
  }

  /** `p` is just after `HELP`/`TYPE` (at the blanks before the name). */
  private parseMetadata(p: number, isHelp: boolean): number {
    const text = this.text;
    const end = this.end;
    const keyword = isHelp ? 'HELP' : 'TYPE';
    let c = text.charCodeAt(p);
    while (c === CH_SPACE || c === CH_TAB) c = ++p < end ? text.charCodeAt(p) : CH_LF;
    if (c === CH_QUOTE) {
      const q = this.scanQuoted(p, this.strictEscapes, 'quoted metric name');
      this.metaNameStart = p + 1;
      this.metaNameEnd = q - 1;
      this.metaNameFlags = NAME_QUOTED | (this.quotedEscaped ? NAME_ESCAPED : 0);
      p = q;
    } else if (p < end && isMetricNameStart(c)) {
      this.metaNameStart = p;
      p++;
      while (p < end && isMetricNameChar(text.charCodeAt(p))) p++;
      this.metaNameEnd = p;
      this.metaNameFlags = 0;
    } else {
      this.expected(p, `a metric name after ${keyword}`);
    }
    c = p < end ? text.charCodeAt(p) : CH_LF;
    let eol: number;
    if (c === CH_LF) {
      eol = p;
      this.metaTextStart = p;
    } else if (c === CH_SPACE || c === CH_TAB) {
      eol = this.lineEnd(p);
      // One blank separates the name from the text; the rest is the text (as Prometheus reads it).
      this.metaTextStart = p + 1;
    } else {
      this.expected(p, `a blank after the metric name in ${keyword}`);
    }
    this.metaTextEnd = eol;
    if (isHelp) {
      if (this.strictEscapes) this.checkHelpEscapes(this.metaTextStart, eol);
    } else {
      this.metaType = this.typeCode(this.metaTextStart, eol);
    }
    this.pos = eol + 1;
    if (!this.metaIsFamily()) this.startFamilyFromMeta();
    if (!isHelp) this.famType = this.metaType;
    this.entry = isHelp ? EntryType.Help : EntryType.Type;
    return this.entry;
  }

  private typeCode(s: number, e: number): number {
    if (this.rangeIs(s, e, 'counter')) return T_COUNTER;
    if (this.rangeIs(s, e, 'gauge')) return T_GAUGE;
    if (this.rangeIs(s, e, 'histogram')) return T_HISTOGRAM;
    if (this.rangeIs(s, e, 'summary')) return T_SUMMARY;
    if (this.rangeIs(s, e, 'untyped')) return T_UNKNOWN;
    this.fail(s, `invalid metric type ${JSON.stringify(this.text.slice(s, e))}: expected counter, gauge, histogram, summary or untyped`);
  }

  private checkHelpEscapes(s: number, e: number): void {
    const text = this.text;
    for (let i = s; i < e; i++) {
      if (text.charCodeAt(i) !== CH_BACKSLASH) continue;
      const n = i + 1 < e ? text.charCodeAt(i + 1) : -1;
      if (n !== CH_BACKSLASH && n !== 0x6e) {
        this.fail(i, `invalid escape sequence "\\${n < 0 ? '' : String.fromCodePoint(text.codePointAt(i + 1)!)}" in HELP text`);
      }
      i++;
    }
  }

  protected unescapeHelp(start: number, end: number): string {
    const text = this.text;
    let i = text.indexOf('\\', start);
    if (i < 0 || i >= end) return text.slice(start, end);
    let out = '';
    let from = start;
    for (; i < end; i++) {
      if (text.charCodeAt(i) !== CH_BACKSLASH || i + 1 >= end) continue;
      const n = text.charCodeAt(i + 1);
      if (n === CH_BACKSLASH || n === 0x6e) {
        out += text.slice(from, i) + (n === CH_BACKSLASH ? '\\' : '\n');
        from = i + 2;
      }
      i++;
    }
    return out + text.slice(from, end);
  }

  private parseSample(p: number): number {
    const text = this.text;
    const end = this.end;
    this.nLabels = 0;
    this.nExLabels = 0;
    this.hasExemplar = false;
    this.seriesStart = p;
    this.pendingLabels = -1;
    this.seriesMatched = false;
    let q = -1;
    let closedBrace = false;
    if (this.expectedLength !== 0) {
      q = this.matchExpected(p);
      this.expectedLength = 0;
      closedBrace = q >= 0 && text.charCodeAt(q - 1) === CH_RBRACE;
    }
    let c: number;
    if (q >= 0) {
      this.seriesMatched = true;
    } else if (isMetricNameStart((c = text.charCodeAt(p)))) {
      this.nameStart = p;
      q = p + 1;
      while (q < end && isMetricNameChar(text.charCodeAt(q))) q++;
      this.nameEnd = q;
      this.nameFlags = 0;
      let r = q;
      c = r < end ? text.charCodeAt(r) : CH_LF;
      while (c === CH_SPACE || c === CH_TAB) c = ++r < end ? text.charCodeAt(r) : CH_LF;
      if (c === CH_LBRACE) {
        q = this.scanLabels(r + 1, true, false, this.strictEscapes);
        closedBrace = true;
      }
    } else if (c === CH_LBRACE) {
      this.nameStart = this.nameEnd = p;
      this.nameFlags = 0;
      q = this.scanLabels(p + 1, true, false, this.strictEscapes);
      if (this.nameStart === this.nameEnd) this.fail(p, 'metric name missing: write it before the braces or quoted as the first item inside them');
      closedBrace = true;
    } else {
      this.expected(p, 'a metric name, "{" or "#" at the start of the line');
    }
    this.seriesEnd = q;
    // Value.
    let r = q;
    c = r < end ? text.charCodeAt(r) : CH_LF;
    while (c === CH_SPACE || c === CH_TAB) c = ++r < end ? text.charCodeAt(r) : CH_LF;
    if (r === q && !closedBrace && c !== CH_LF) this.expected(r, 'a blank or "{" after the metric name');
    const vs = r;
    while (c !== CH_SPACE && c !== CH_TAB && c !== CH_LF && c !== CH_LBRACE) c = ++r < end ? text.charCodeAt(r) : CH_LF;
    if (r === vs) this.expected(vs, 'a value after the metric');
    if (!scanFloat(text, vs, r)) this.fail(vs, `invalid value ${JSON.stringify(text.slice(vs, r))}: expected a float such as 1, -2.5e3, +Inf or NaN`);
    this.value = scanned[0];
    // Optional timestamp.
    const afterValue = r;
    while (c === CH_SPACE || c === CH_TAB) c = ++r < end ? text.charCodeAt(r) : CH_LF;
    if (c === CH_LF) {
      if (this.strictEscapes && r !== afterValue) this.fail(afterValue, 'blank at the end of the line after the value');
      this.timestamp = NaN;
    } else {
      const ts = r;
      while (c !== CH_SPACE && c !== CH_TAB && c !== CH_LF) c = ++r < end ? text.charCodeAt(r) : CH_LF;
      if (!scanInt(text, ts, r)) this.fail(ts, `invalid timestamp ${JSON.stringify(text.slice(ts, r))}: expected integer milliseconds`);
      this.timestamp = scanned[0];
      const afterTs = r;
      while (c === CH_SPACE || c === CH_TAB) c = ++r < end ? text.charCodeAt(r) : CH_LF;
      if (c !== CH_LF) this.expected(r, 'end of line after the timestamp');
      if (this.strictEscapes && r !== afterTs) this.fail(afterTs, 'blank at the end of the line after the timestamp');
    }
    this.pos = r + 1;
    if (this.familyIndex === 0 || !this.inFamily()) this.startFamilyFromSample();
    this.entry = EntryType.Series;
    return EntryType.Series;
  }

  protected override scanPendingLabels(): void {
    const from = this.pendingLabels;
    this.pendingLabels = -1;
    this.nLabels = 0;
    this.scanLabels(from, true, false, this.strictEscapes);
  }

  /** Whether the sample belongs to the current family, and with which suffix. */
  private inFamily(): boolean {
    if (this.nameIs('')) {
      this.suffix = S_NONE;
      return true;
    }
    const t = this.famType;
    if (t === T_HISTOGRAM || t === T_SUMMARY) {
      if (t === T_HISTOGRAM && this.nameIs('_bucket')) {
        this.suffix = S_BUCKET;
        return true;
      }
      if (this.nameIs('_count')) {
        this.suffix = S_COUNT;
        return true;
      }
      if (this.nameIs('_sum')) {
        this.suffix = S_SUM;
        return true;
      }
    }
    return false;
  }
}
