/**
 * OpenMetrics 1.0 text (`application/openmetrics-text; version=1.0.0`).
 *
 * The grammar is strict: single spaces between tokens, no blank lines, no comments, metadata only as
 * `# TYPE`, `# HELP`, `# UNIT`, and a final `# EOF` with nothing after it. Timestamps are float seconds
 * (reported in milliseconds, truncated as Prometheus does), samples may carry an exemplar
 * (` # {labels} value [timestamp]`). The UTF-8 quoted-name syntax is accepted as Prometheus 3.x does.
 *
 * Two levels of checking:
 * - default: what Prometheus's own OpenMetrics parser checks (the grammar, types, units being a suffix of
 *   the name, finite timestamps, `# EOF`);
 * - `strict: true`: every rule of the specification (what the OpenMetrics conformance suite tests):
 *   values per type (no NaN or negative counts, integer buckets, info = 1, stateset 0/1, quantiles in
 *   [0, 1]), required labels (`le`, `quantile`, the stateset label), exemplars only on counters' `_total`
 *   and on buckets and at most 128 code points of labels, metadata once and before the samples, and the
 *   cross-line rules of `OpenMetricsValidator`.
 *
 * Real exposers do break some of these rules (client_golang writes a `_sum` next to negative buckets),
 * which is why the scrape path uses the default level, as Prometheus does.
 */
import { BaseParser, EntryType } from './parser.js';
import {
  CH_HASH, CH_LBRACE, CH_LF, CH_QUOTE, CH_SPACE, LABEL_STRIDE, NAME_ESCAPED, NAME_QUOTED, VALUE_ESCAPED,
  S_BUCKET, S_COUNT, S_CREATED, S_GCOUNT, S_GSUM, S_INFO, S_NONE, S_SUM, S_TOTAL, SUFFIXES,
  T_COUNTER, T_GAUGE, T_GAUGEHISTOGRAM, T_HISTOGRAM, T_INFO, T_STATESET, T_SUMMARY, T_UNKNOWN, TYPE_NAMES,
  isMetricNameChar, isMetricNameStart, unescapeQuoted,
} from './parser-syntax.js';
import { formatFloat } from '@vigil/model';
import { scanFloat, scanned } from './number.js';
import { ParseError } from './parse-error.js';
import { OpenMetricsValidator } from './om-validate.js';

export interface OpenMetricsParserOptions {
  /** Check every rule of the OpenMetrics 1.0 specification, not only what Prometheus checks. */
  readonly strict?: boolean;
  /**
   * The bytes `text` is the Latin-1 (for instance ASCII) decoding of, one byte per character: comparisons
   * (of names, and of expected series) then read four bytes at a time. Ignored unless `text.length` long.
   */
  readonly bytes?: Uint8Array;
}

const EXEMPLAR_MAX_CODE_POINTS = 128;

export class OpenMetricsParser extends BaseParser {
  private readonly strict: boolean;
  private readonly validator: OpenMetricsValidator | undefined;
  private eof = false;
  /** The sample timestamp in seconds as written (for the strict ordering rules). */
  private tsSeconds = NaN;
  private famHasSamples = false;
  private famHasType = false;
  private famHasHelp = false;
  private famHasUnit = false;
  private famUnitStart = 0;
  private famUnitEnd = 0;
  private famLine = 0;

  constructor(text: string, options: OpenMetricsParserOptions = {}) {
    super(text, options.bytes);
    this.strict = options.strict ?? false;
    this.validator = this.strict ? new OpenMetricsValidator((line, reason) => { throw new ParseError(line, 1, reason); }) : undefined;
  }

  next(): number {
    if (this.eof) {
      this.entry = EntryType.EOF;
      return EntryType.EOF;
    }
    const p = this.pos;
    this.line++;
    this.lineStart = p;
    if (p >= this.end) this.fail(p, 'unexpected end of input: an OpenMetrics exposition ends with a "# EOF" line');
    const c = this.text.charCodeAt(p);
    if (c === CH_LF) this.fail(p, 'blank line (OpenMetrics allows no empty lines)');
    if (c === CH_HASH) return this.parseMetadata(p);
    return this.parseSample(p);
  }

  private parseMetadata(p: number): number {
    const text = this.text;
    const end = this.end;
    if (p + 1 >= end || text.charCodeAt(p + 1) !== CH_SPACE) {
      this.expected(p + 1, '" " after "#" (OpenMetrics has no comments: only "# TYPE", "# HELP", "# UNIT" and "# EOF")');
    }
    const q = p + 2;
    if (text.startsWith('EOF', q)) {
      const r = q + 3;
      if (r === end || (text.charCodeAt(r) === CH_LF && r + 1 === end)) {
        this.finishFamily();
        this.eof = true;
        this.pos = end;
        this.entry = EntryType.EOF;
        return EntryType.EOF;
      }
      if (text.charCodeAt(r) === CH_LF) {
        this.line++;
        this.lineStart = r + 1;
        this.fail(r + 1, 'unexpected data after "# EOF"');
      }
    }
    let entry: number;
    if (text.startsWith('TYPE', q)) entry = EntryType.Type;
    else if (text.startsWith('HELP', q)) entry = EntryType.Help;
    else if (text.startsWith('UNIT', q)) entry = EntryType.Unit;
    else this.fail(q, `expected TYPE, HELP, UNIT or EOF after "# ", got ${JSON.stringify(text.slice(q, Math.min(this.lineEnd(q), q + 20)))} (OpenMetrics has no comments)`);
    const keyword = entry === EntryType.Type ? 'TYPE' : entry === EntryType.Help ? 'HELP' : 'UNIT';
    if (q + 4 >= end || text.charCodeAt(q + 4) !== CH_SPACE) this.expected(q + 4, `" " and a metric name after ${keyword}`);
    let n = q + 5;
    const c = n < end ? text.charCodeAt(n) : CH_LF;
    if (c === CH_QUOTE) {
      const e = this.scanQuoted(n, false, 'quoted metric name');
      this.metaNameStart = n + 1;
      this.metaNameEnd = e - 1;
      this.metaNameFlags = NAME_QUOTED | (this.quotedEscaped ? NAME_ESCAPED : 0);
      n = e;
    } else if (isMetricNameStart(c)) {
      this.metaNameStart = n;
      n++;
      while (n < end && isMetricNameChar(text.charCodeAt(n))) n++;
      this.metaNameEnd = n;
      this.metaNameFlags = 0;
    } else {
      this.expected(n, `a metric name after ${keyword}`);
    }
    if (n >= end || text.charCodeAt(n) !== CH_SPACE) this.expected(n, `" " after the metric name in ${keyword}`);
    const ts = n + 1;
    const eol = this.lineEnd(ts);
    this.metaTextStart = ts;
    this.metaTextEnd = eol;
    if (entry === EntryType.Type) {
      this.metaType = this.typeCode(ts, eol);
    } else if (entry === EntryType.Unit) {
      for (let i = ts; i < eol; i++) {
        if (!isMetricNameChar(text.charCodeAt(i))) this.expected(i, 'a unit made of letters, digits, "_" and ":" up to the end of the line');
      }
      const unitLen = eol - ts;
      if (unitLen > 0) {
        const name = this.metaName();
        const unit = text.slice(ts, eol);
        if (!(name.length > unitLen && name.endsWith(unit) && name.charCodeAt(name.length - unitLen - 1) === 0x5f)) {
          this.fail(ts, `unit ${JSON.stringify(unit)} is not a suffix of the metric name ${JSON.stringify(name)} (expected the name to end with "_${unit}")`);
        }
      }
    }
    this.pos = eol + 1;
    // Family bookkeeping.
    if (this.metaIsFamily()) {
      if (this.strict) {
        if (this.famHasSamples) this.fail(p, `${keyword} for ${JSON.stringify(this.metaName())} after its samples (metadata comes first)`);
        const repeated = entry === EntryType.Type ? this.famHasType : entry === EntryType.Help ? this.famHasHelp : this.famHasUnit;
        if (repeated) this.fail(p, `second ${keyword} line for ${JSON.stringify(this.metaName())}`);
      }
    } else {
      this.finishFamily();
      this.startFamilyFromMeta();
      this.beginFamily();
    }
    if (entry === EntryType.Type) {
      this.famHasType = true;
      this.famType = this.metaType;
    } else if (entry === EntryType.Help) {
      this.famHasHelp = true;
    } else {
      this.famHasUnit = true;
      this.famUnitStart = ts;
      this.famUnitEnd = eol;
    }
    this.entry = entry;
    return entry;
  }

  private typeCode(s: number, e: number): number {
    if (this.rangeIs(s, e, 'counter')) return T_COUNTER;
    if (this.rangeIs(s, e, 'gauge')) return T_GAUGE;
    if (this.rangeIs(s, e, 'histogram')) return T_HISTOGRAM;
    if (this.rangeIs(s, e, 'gaugehistogram')) return T_GAUGEHISTOGRAM;
    if (this.rangeIs(s, e, 'summary')) return T_SUMMARY;
    if (this.rangeIs(s, e, 'info')) return T_INFO;
    if (this.rangeIs(s, e, 'stateset')) return T_STATESET;
    if (this.rangeIs(s, e, 'unknown')) return T_UNKNOWN;
    this.fail(s, `invalid metric type ${JSON.stringify(this.text.slice(s, e))}: expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown`);
  }

  protected unescapeHelp(start: number, end: number): string {
    const i = this.text.indexOf('\\', start);
    return i < 0 || i >= end ? this.text.slice(start, end) : unescapeQuoted(this.text, start, end);
  }

  private beginFamily(): void {
    this.famHasSamples = false;
    this.famHasType = false;
    this.famHasHelp = false;
    this.famHasUnit = false;
    this.famUnitStart = this.famUnitEnd = 0;
    this.famLine = this.line;
    this.validator?.startFamily();
  }

  private finishFamily(): void {
    if (this.validator === undefined || this.familyIndex === 0) return;
    this.validator.endFamily(this.famName(), this.famType, this.text.slice(this.famUnitStart, this.famUnitEnd), this.famLine);
  }

  /** A value token: up to the next space or line end. */
  private tokenEnd(p: number): number {
    const text = this.text;
    const end = this.end;
    while (p < end) {
      const c = text.charCodeAt(p);
      if (c === CH_SPACE || c === CH_LF) break;
      p++;
    }
    return p;
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
    // The strict rules read the labels of every sample: no shortcut then.
    if (this.expectedLength !== 0) {
      if (!this.strict) q = this.matchExpected(p);
      this.expectedLength = 0;
    }
    let c = text.charCodeAt(p);
    if (q >= 0) {
      this.seriesMatched = true;
    } else if (isMetricNameStart(c)) {
      this.nameStart = p;
      q = p + 1;
      while (q < end && isMetricNameChar(text.charCodeAt(q))) q++;
      this.nameEnd = q;
      this.nameFlags = 0;
      if (q < end && text.charCodeAt(q) === CH_LBRACE) q = this.scanLabels(q + 1, false, false, false);
    } else if (c === CH_LBRACE) {
      this.nameStart = this.nameEnd = p;
      this.nameFlags = 0;
      q = this.scanLabels(p + 1, false, false, false);
      if (this.nameStart === this.nameEnd) this.fail(p, 'metric name missing: write it before the braces or quoted as the first item inside them');
    } else {
      this.expected(p, 'a metric name or "#" at the start of the line');
    }
    this.seriesEnd = q;
    if (q >= end || text.charCodeAt(q) !== CH_SPACE) this.expected(q, '" " and a value after the metric');
    // Value.
    const vs = q + 1;
    let r = this.tokenEnd(vs);
    if (r === vs) this.expected(vs, 'a value');
    if (!scanFloat(text, vs, r)) this.fail(vs, `invalid value ${JSON.stringify(text.slice(vs, r))}: expected a number such as 1, -2.5e3, +Inf or NaN`);
    this.value = scanned[0];
    this.timestamp = NaN;
    this.tsSeconds = NaN;
    if (r < end && text.charCodeAt(r) === CH_SPACE) {
      r++;
      if (r < end && text.charCodeAt(r) === CH_HASH) {
        // The exemplar's labels go after the sample's: those must be in place first.
        if (this.pendingLabels >= 0) this.scanPendingLabels();
        r = this.parseExemplar(r);
      } else {
        const ts = r;
        r = this.tokenEnd(ts);
        if (r === ts) this.expected(ts, 'a timestamp or "# {" (an exemplar) after the value');
        const ok = scanFloat(text, ts, r);
        const t = scanned[0];
        if (!ok || t - t !== 0) this.fail(ts, `invalid timestamp ${JSON.stringify(text.slice(ts, r))}: expected finite seconds such as 1520879607.789`);
        this.tsSeconds = t;
        this.timestamp = Math.trunc(t * 1000);
        if (r < end && text.charCodeAt(r) === CH_SPACE) {
          r++;
          if (r >= end || text.charCodeAt(r) !== CH_HASH) this.expected(r, '"# {" (an exemplar) after the timestamp');
          if (this.pendingLabels >= 0) this.scanPendingLabels();
          r = this.parseExemplar(r);
        }
      }
    }
    if (r >= end) this.fail(r, 'unexpected end of input: an OpenMetrics exposition ends with a "# EOF" line');
    if (text.charCodeAt(r) !== CH_LF) this.expected(r, 'end of line');
    this.pos = r + 1;
    if (this.familyIndex === 0 || !this.inFamily()) {
      this.finishFamily();
      this.startFamilyFromSample();
      this.beginFamily();
    }
    this.famHasSamples = true;
    if (this.strict) this.checkSample();
    this.entry = EntryType.Series;
    return EntryType.Series;
  }

  protected override scanPendingLabels(): void {
    const from = this.pendingLabels;
    this.pendingLabels = -1;
    this.nLabels = 0;
    this.scanLabels(from, false, false, false);
  }

  /** ` # {labels} value [timestamp]`; `p` is at `#`. Returns the position after it. */
  private parseExemplar(p: number): number {
    const text = this.text;
    const end = this.end;
    if (p + 2 >= end || text.charCodeAt(p + 1) !== CH_SPACE || text.charCodeAt(p + 2) !== CH_LBRACE) {
      this.expected(p + 1 < end && text.charCodeAt(p + 1) === CH_SPACE ? p + 2 : p + 1, 'an exemplar written as "# {labels} value"');
    }
    let q = this.scanLabels(p + 3, false, true, false);
    if (q >= end || text.charCodeAt(q) !== CH_SPACE) this.expected(q, '" " and a value after the exemplar labels');
    const vs = q + 1;
    q = this.tokenEnd(vs);
    if (q === vs) this.expected(vs, 'an exemplar value');
    if (!scanFloat(text, vs, q)) this.fail(vs, `invalid exemplar value ${JSON.stringify(text.slice(vs, q))}`);
    this.exValue = scanned[0];
    this.exTimestamp = NaN;
    if (q < end && text.charCodeAt(q) === CH_SPACE) {
      const ts = q + 1;
      q = this.tokenEnd(ts);
      if (q === ts) this.expected(ts, 'an exemplar timestamp');
      const ok = scanFloat(text, ts, q);
      const t = scanned[0];
      if (!ok || t - t !== 0) this.fail(ts, `invalid exemplar timestamp ${JSON.stringify(text.slice(ts, q))}: expected finite seconds`);
      this.exTimestamp = Math.trunc(t * 1000);
    }
    this.hasExemplar = true;
    return q;
  }

  /** Whether the sample belongs to the current family, and with which suffix. */
  private inFamily(): boolean {
    const diff = (this.nameEnd - this.nameStart) - (this.famEnd - this.famStart);
    const t = this.famType;
    let s = -1;
    switch (t) {
      case T_COUNTER:
        s = diff === 6 ? S_TOTAL : diff === 8 ? S_CREATED : -1;
        break;
      case T_SUMMARY:
        s = diff === 0 ? S_NONE : diff === 6 ? S_COUNT : diff === 4 ? S_SUM : diff === 8 ? S_CREATED : -1;
        break;
      case T_HISTOGRAM:
        s = diff === 7 ? S_BUCKET : diff === 6 ? S_COUNT : diff === 4 ? S_SUM : diff === 8 ? S_CREATED : -1;
        break;
      case T_GAUGEHISTOGRAM:
        s = diff === 7 ? (this.nameIs('_bucket') ? S_BUCKET : S_GCOUNT) : diff === 5 ? S_GSUM : -1;
        break;
      case T_INFO:
        s = diff === 5 ? S_INFO : -1;
        break;
      default:
        s = diff === 0 ? S_NONE : -1;
    }
    if (s < 0 || !this.nameIs(SUFFIXES[s])) return false;
    this.suffix = s;
    return true;
  }

  // ---- strict rules for one sample ----

  private checkSample(): void {
    const t = this.famType;
    const s = this.suffix;
    const v = this.value;
    const at = this.seriesStart;
    const famName = () => JSON.stringify(this.famName());
    let excluded = -1;
    let le = 0;
    let leText = 0;
    if (t === T_STATESET) {
      excluded = this.famFlags & NAME_ESCAPED ? -1 : this.findLabel(this.famStart, this.famEnd);
      if (excluded < 0) this.fail(at, `stateset sample without the label ${famName()} naming its state`);
      if (v !== 0 && v !== 1) this.fail(at, `stateset value must be 0 or 1, got ${formatFloat(v)}`);
    } else if (t === T_INFO) {
      if (v !== 1) this.fail(at, `info value must be 1, got ${formatFloat(v)}`);
    } else if (s === S_BUCKET) {
      excluded = this.findLabelNamed('le');
      if (excluded < 0) this.fail(at, 'histogram bucket without an "le" label');
      const f = this.labelFloat(excluded);
      if (f === undefined || f !== f) this.fail(at, `invalid "le" value ${JSON.stringify(this.labelValue(excluded / LABEL_STRIDE))}: expected a number`);
      if (f === Infinity && this.labelValue(excluded / LABEL_STRIDE) !== '+Inf') this.fail(at, 'the infinite bucket must be written le="+Inf"');
      if (!Number.isInteger(v)) this.fail(at, `bucket value must be an integer count, got ${formatFloat(v)}`);
      le = f;
      leText = this.hashLabel(excluded);
    } else if (s === S_COUNT || s === S_GCOUNT) {
      if (!Number.isInteger(v)) this.fail(at, `count must be an integer, got ${formatFloat(v)}`);
    } else if (t === T_SUMMARY && s === S_NONE) {
      excluded = this.findLabelNamed('quantile');
      if (excluded < 0) this.fail(at, `summary sample ${famName()} without a "quantile" label`);
      const q = this.labelFloat(excluded);
      if (q === undefined || !(q >= 0 && q <= 1)) this.fail(at, `invalid quantile ${JSON.stringify(this.labelValue(excluded / LABEL_STRIDE))}: expected a number from 0 to 1`);
      if (v < 0) this.fail(at, `quantile value must not be negative, got ${formatFloat(v)}`);
    }
    if (v !== v && (s === S_TOTAL || s === S_SUM || s === S_COUNT || s === S_BUCKET || s === S_GCOUNT || s === S_GSUM)) {
      this.fail(at, `${SUFFIXES[s]} must not be NaN`);
    }
    if (v < 0 && (s === S_TOTAL || s === S_SUM || s === S_COUNT || s === S_BUCKET || s === S_GCOUNT)) {
      this.fail(at, `${SUFFIXES[s]} must not be negative, got ${formatFloat(v)}`);
    }
    if (this.hasExemplar) {
      const allowed = ((t === T_HISTOGRAM || t === T_GAUGEHISTOGRAM) && s === S_BUCKET) || (t === T_COUNTER && s === S_TOTAL);
      if (!allowed) this.fail(at, `exemplars are allowed only on counter totals and histogram buckets, not on ${article(TYPE_NAMES[t])} ${JSON.stringify(this.metricName())}`);
      const n = this.exemplarLabelLength();
      if (n > EXEMPLAR_MAX_CODE_POINTS) this.fail(at, `exemplar labels are ${n} code points long, more than ${EXEMPLAR_MAX_CODE_POINTS}`);
    }
    // The metric's identity: its labels without the one that names the point within it.
    const hasTs = this.tsSeconds === this.tsSeconds;
    let a = 0x2d8f3a1b;
    let b = 0x5bd1e995;
    if (t !== T_INFO) {
      for (let base = 0, n = this.nLabels * LABEL_STRIDE; base < n; base += LABEL_STRIDE) {
        if (base === excluded) continue;
        const h = this.hashLabel(base);
        a = (a + h) | 0;
        b = (b + this.hashLane2) | 0;
      }
    }
    const validator = this.validator!;
    validator.sample(t, a, b, hasTs, this.tsSeconds, this.line);
    if (t === T_HISTOGRAM || t === T_GAUGEHISTOGRAM) validator.histogramSample(a, b, hasTs, this.tsSeconds, s, le, leText, v, this.line);
  }

  private hashLane2 = 0;

  /** Two 32-bit hashes of one label (name and unescaped value); the second lands in `hashLane2`. */
  private hashLabel(base: number): number {
    const lofs = this.lofs;
    let a = 0x811c9dc5;
    let b = 0x050c5d1f;
    const text = this.text;
    if (lofs[base + 4] & NAME_ESCAPED) {
      const name = this.labelNameAt(base);
      for (let i = 0; i < name.length; i++) {
        const c = name.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ (c + 0x9e), 0x0100012b);
      }
    } else {
      for (let i = lofs[base], e = lofs[base + 1]; i < e; i++) {
        const c = text.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ (c + 0x9e), 0x0100012b);
      }
    }
    a = Math.imul(a ^ 0xff, 0x01000193);
    b = Math.imul(b ^ 0xfe, 0x0100012b);
    if (lofs[base + 4] & VALUE_ESCAPED) {
      const v = this.labelValueAt(base);
      for (let i = 0; i < v.length; i++) {
        const c = v.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ (c + 0x9e), 0x0100012b);
      }
    } else {
      for (let i = lofs[base + 2], e = lofs[base + 3]; i < e; i++) {
        const c = text.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ (c + 0x9e), 0x0100012b);
      }
    }
    // Finalise so that summing pairs mixes well.
    a ^= a >>> 15;
    a = Math.imul(a, 0x2c1b3c6d);
    a ^= a >>> 12;
    b ^= b >>> 16;
    b = Math.imul(b, 0x85ebca6b);
    b ^= b >>> 13;
    this.hashLane2 = b;
    return a;
  }
}

function article(word: string): string {
  return (/^[aeiou]/.test(word) ? 'an ' : 'a ') + word;
}
