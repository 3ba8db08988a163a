/**
 * Writers for the Prometheus text format 0.0.4 and OpenMetrics 1.0, byte for byte as client_golang's
 * `expfmt` prints them:
 *
 * - text: Go's shortest `%g` floats (`1.5e+06`, `0`, `+Inf`), integer millisecond timestamps, HELP escaping
 *   of `\` and line feed only, no exemplars, no `_created` samples, a gauge histogram is a `histogram`.
 * - OpenMetrics: floats always carry a `.` or an exponent (`1.0`, `0.0`, `1e+06`), bucket and `_count`
 *   values as plain integers, timestamps as float seconds, HELP escaping of `"` too, `# UNIT`,
 *   exemplars, and a final `# EOF`.
 *
 * Two layers: `ExpositionWriter` appends lines to a string the caller drains (the client library's hot
 * path renders its series prefixes once and calls it per sample), and `writeFamilies` writes whole
 * `MetricFamily` values (pushgateway, node-exporter, federation).
 */
import { escapeHelp, escapeLabelValue, formatFloat, formatOpenMetricsFloat, isValidLabelName, isValidMetricName } from '@vigil/model';
import type { Exemplar, MetricFamily, MetricType, Sample } from './types.js';

export type ExpositionFormat = 'text' | 'openmetrics';

/** A float as the text format prints it (Go `strconv.FormatFloat(v, 'g', -1, 64)`, `-0` as `0`). */
export function formatTextValue(v: number): string {
  if (v === 0) return '0';
  // Go's shortest %g prints the plain decimal form exactly where JavaScript does within this range.
  const a = v < 0 ? -v : v;
  if (a >= 1e-4 && a < 1e6) return String(v);
  return formatFloat(v);
}

/** A float as OpenMetrics prints it: like the text format, with `.0` added when there is no `.` or `e`. */
export function formatOpenMetricsValue(v: number): string {
  if (v === 0) return '0.0';
  const a = v < 0 ? -v : v;
  if (a >= 1e-4 && a < 1e6) {
    const s = String(v);
    return Number.isInteger(v) ? s + '.0' : s;
  }
  return formatOpenMetricsFloat(v);
}

/** A float in the given format. */
export function formatValue(v: number, format: ExpositionFormat): string {
  return format === 'openmetrics' ? formatOpenMetricsValue(v) : formatTextValue(v);
}

/**
 * A metric name or label name as it appears in a line: as is when it fits the classic charset, otherwise
 * quoted (the UTF-8 name syntax both formats accept).
 */
export function formatName(name: string): string {
  return isValidMetricName(name) ? name : '"' + escapeLabelValue(name) + '"';
}

function formatLabelName(name: string): string {
  return isValidLabelName(name) ? name : '"' + escapeLabelValue(name) + '"';
}

/** `name="value"` with the value escaped (backslash, double quote, line feed). */
export function formatLabelPair(name: string, value: string): string {
  return formatLabelName(name) + '="' + escapeLabelValue(value) + '"';
}

/**
 * The series part of a sample line, without the value: `name`, `name{a="1",b="2"}`, or with a name outside
 * the classic charset `{"name",a="1"}`. `labelPairs` is already rendered (`a="1",b="2"`), or `''`.
 */
export function formatSeries(name: string, labelPairs: string): string {
  if (isValidMetricName(name)) return labelPairs === '' ? name : name + '{' + labelPairs + '}';
  const quoted = '"' + escapeLabelValue(name) + '"';
  return labelPairs === '' ? '{' + quoted + '}' : '{' + quoted + ',' + labelPairs + '}';
}

/** A regular expression match flattens its subject; this one then looks at one character only. */
const FLATTEN = /[^]/y;
/**
 * Characters appended before the rope is flattened into a piece (measured: smaller pieces cost more
 * flattening calls, larger ones longer scavenges and old-generation allocations).
 */
const PIECE = 32 * 1024;

/**
 * Appends exposition lines to an internal string. The caller may `take()` what has accumulated at any
 * time (to yield to the event loop, or to stream), and calls `end()` once at the end.
 */
export class ExpositionWriter {
  readonly format: ExpositionFormat;
  readonly openMetrics: boolean;
  private buf = '';
  private pieces: string[] = [];
  private cut = 0;

  constructor(format: ExpositionFormat) {
    this.format = format;
    this.openMetrics = format === 'openmetrics';
  }

  /**
   * The family's comment lines: `# HELP` (when `help` is defined), `# TYPE`, and in OpenMetrics `# UNIT`
   * (when `unit` is non-empty). `type` is written as given: the caller maps types to the format.
   */
  family(name: string, type: string, help: string | undefined, unit?: string): void {
    const n = formatName(name);
    let s = '';
    if (help !== undefined) s = '# HELP ' + n + ' ' + (this.openMetrics ? escapeLabelValue(help) : escapeHelp(help)) + '\n';
    s += '# TYPE ' + n + ' ' + type + '\n';
    if (this.openMetrics && unit) s += '# UNIT ' + n + ' ' + escapeLabelValue(unit) + '\n';
    this.buf += s;
    if (this.buf.length > PIECE) this.flush();
  }

  /** `<series> <value>\n`, the value as a float of this format. */
  sample(series: string, value: number): void {
    this.buf += series + ' ' + (this.openMetrics ? formatOpenMetricsValue(value) : formatTextValue(value)) + '\n';
    if (this.buf.length > PIECE) this.flush();
  }

  /**
   * `sample()` for a caller that keeps `<series> ` (with its trailing space) ready: the value and line
   * feed form one short flat string, so the line costs fewer string objects.
   */
  sampleAfter(seriesAndSpace: string, value: number): void {
    this.buf += seriesAndSpace + ((this.openMetrics ? formatOpenMetricsValue(value) : formatTextValue(value)) + '\n');
    if (this.buf.length > PIECE) this.flush();
  }

  /**
   * A count (histogram bucket, `_count`, `_gcount`): OpenMetrics prints non-negative integers without
   * `.0`, as client_golang does; the text format prints every value as a float.
   */
  count(series: string, value: number): void {
    if (this.openMetrics) {
      this.buf += series + ' ' + (Number.isInteger(value) && value >= 0 ? String(value) : formatOpenMetricsValue(value)) + '\n';
    } else {
      this.buf += series + ' ' + formatTextValue(value) + '\n';
    }
    if (this.buf.length > PIECE) this.flush();
  }

  /**
   * The general form: `isCount` selects `count()` formatting; `timestampMs` is written when defined; the
   * exemplar (OpenMetrics only, and only when it has labels) is `exemplarLabelPairs` (rendered
   * `a="1",b="2"`), its value and optional timestamp in milliseconds.
   */
  line(
    series: string,
    value: number,
    isCount: boolean,
    timestampMs?: number,
    exemplarLabelPairs?: string,
    exemplarValue?: number,
    exemplarTimestampMs?: number,
  ): void {
    const om = this.openMetrics;
    let s = series + ' ';
    if (om) s += isCount && Number.isInteger(value) && value >= 0 ? String(value) : formatOpenMetricsValue(value);
    else s += formatTextValue(value);
    if (timestampMs !== undefined) {
      s += ' ' + (om ? formatOpenMetricsValue(timestampMs / 1000) : String(Math.round(timestampMs)));
    }
    if (om && exemplarLabelPairs !== undefined && exemplarLabelPairs !== '' && exemplarValue !== undefined) {
      s += ' # {' + exemplarLabelPairs + '} ' + formatOpenMetricsValue(exemplarValue);
      if (exemplarTimestampMs !== undefined) s += ' ' + formatOpenMetricsValue(exemplarTimestampMs / 1000);
    }
    this.buf += s + '\n';
    if (this.buf.length > PIECE) this.flush();
  }

  /** Appends text as is (it must be whole lines). */
  raw(text: string): void {
    this.buf += text;
    if (this.buf.length > PIECE) this.flush();
  }

  /** Characters accumulated since the last `take()`. */
  get size(): number {
    return this.cut + this.buf.length;
  }

  /**
   * Returns what has accumulated, as one flat string, and clears it. (Appending builds a rope of small
   * strings; it is flattened every `PIECE` characters so that it neither lingers in the young generation
   * nor costs one long flattening at the end.)
   */
  take(): string {
    if (this.buf.length > 0) this.flush();
    const p = this.pieces;
    const s = p.length === 0 ? '' : p.length === 1 ? p[0] : p.join('');
    this.pieces = [];
    this.cut = 0;
    return s;
  }

  private flush(): void {
    const s = this.buf;
    FLATTEN.lastIndex = 0;
    FLATTEN.test(s);
    this.pieces.push(s);
    this.cut += s.length;
    this.buf = '';
  }

  /** Adds the format's end marker (`# EOF` in OpenMetrics) and returns the rest. */
  end(): string {
    if (this.openMetrics) this.buf += '# EOF\n';
    return this.take();
  }
}

/** The `# TYPE` word of a family type in the text format 0.0.4 (which knows five). */
export function textTypeName(type: MetricType): string {
  switch (type) {
    case 'counter':
    case 'gauge':
    case 'summary':
    case 'histogram':
      return type;
    case 'gaugehistogram':
      return 'histogram';
    case 'info':
    case 'stateset':
      return 'gauge';
    default:
      return 'untyped';
  }
}

/**
 * Writes metric families in the given format. Families are written in the order given, samples in their
 * order, labels sorted by name except that `le` (histogram buckets) and `quantile` (summary quantiles) come
 * last with their values reformatted for the format (`le="1"` in text, `le="1.0"` in OpenMetrics), as
 * client_golang prints them. A family without samples still gets its comment lines.
 *
 * Conversions between the two type systems follow client_golang (and Python's client for the types Go has
 * not got): in text, a counter family is named after its `_total` samples, `_created` samples are left out,
 * a gauge histogram is a `histogram` with `_sum`/`_count`, info and stateset are gauges, unknown is
 * `untyped`; in OpenMetrics, a counter family named `x_total` is written as `x`, and a counter whose
 * samples lack the `_total` suffix is written as `unknown`, as client_golang does.
 */
export function writeFamilies(families: readonly MetricFamily[], format: ExpositionFormat): string {
  const w = new ExpositionWriter(format);
  for (const f of families) {
    if (format === 'openmetrics') writeOpenMetricsFamily(w, f);
    else writeTextFamily(w, f);
  }
  return w.end();
}

function hasSampleNamed(f: MetricFamily, name: string): boolean {
  for (const s of f.samples) if (s.name === name) return true;
  return false;
}

function writeTextFamily(w: ExpositionWriter, f: MetricFamily): void {
  let name = f.name;
  const t = f.type;
  if (t === 'counter' && !name.endsWith('_total') && hasSampleNamed(f, name + '_total')) name += '_total';
  else if (t === 'info' && !name.endsWith('_info') && hasSampleNamed(f, name + '_info')) name += '_info';
  w.family(name, textTypeName(t), f.help);
  const base = t === 'counter' && name !== f.name ? f.name : name;
  const dropCreated = t === 'counter' || t === 'histogram' || t === 'summary' || t === 'gaugehistogram';
  const created = base + '_created';
  for (const s of f.samples) {
    let sampleName = s.name;
    if (dropCreated && sampleName === created) continue;
    if (t === 'gaugehistogram') {
      if (sampleName === base + '_gsum') sampleName = base + '_sum';
      else if (sampleName === base + '_gcount') sampleName = base + '_count';
    }
    const series = formatSeries(sampleName, samplePairs(s, t, base, 'text'));
    w.line(series, s.value, false, s.timestamp);
  }
}

function writeOpenMetricsFamily(w: ExpositionWriter, f: MetricFamily): void {
  let name = f.name;
  let typeName: string = f.type;
  if (f.type === 'counter') {
    if (name.endsWith('_total')) name = name.slice(0, -6);
    else if (hasSampleNamed(f, name)) typeName = 'unknown'; // samples without `_total`: not an OpenMetrics counter
  } else if (f.type === 'info' && name.endsWith('_info') && hasSampleNamed(f, name)) {
    name = name.slice(0, -5);
  }
  w.family(name, typeName, f.help, f.unit);
  const t = f.type;
  const countNames = t === 'histogram' || t === 'gaugehistogram' || t === 'summary'
    ? [name + '_bucket', name + '_count', name + '_gcount']
    : undefined;
  for (const s of f.samples) {
    const isCount = countNames !== undefined && countNames.includes(s.name);
    const series = formatSeries(s.name, samplePairs(s, t, name, 'openmetrics'));
    const ex = s.exemplar;
    if (ex === undefined) {
      w.line(series, s.value, isCount, s.timestamp);
    } else {
      w.line(series, s.value, isCount, s.timestamp, exemplarPairs(ex), ex.value, ex.timestamp);
    }
  }
}

/** The label name that goes last for this sample (and has its value reformatted), or `''`. */
function trailingLabel(s: Sample, type: MetricType, base: string): string {
  if ((type === 'histogram' || type === 'gaugehistogram') && s.name === base + '_bucket') return 'le';
  if (type === 'summary' && s.name === base) return 'quantile';
  return '';
}

function samplePairs(s: Sample, type: MetricType, base: string, format: ExpositionFormat): string {
  const flat = s.labels.flat;
  if (flat.length === 0) return '';
  const last = trailingLabel(s, type, base);
  let out = '';
  let lastValue: string | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === last) {
      lastValue = flat[i + 1];
      continue;
    }
    if (out !== '') out += ',';
    out += formatLabelPair(flat[i], flat[i + 1]);
  }
  if (lastValue !== undefined) {
    if (out !== '') out += ',';
    out += last + '="' + escapeLabelValue(reformatFloatLabel(lastValue, format)) + '"';
  }
  return out;
}

function exemplarPairs(e: Exemplar): string {
  const flat = e.labels.flat;
  let out = '';
  for (let i = 0; i < flat.length; i += 2) {
    if (i > 0) out += ',';
    out += formatLabelPair(flat[i], flat[i + 1]);
  }
  return out;
}

/** `le`/`quantile` values are floats: print them as this format prints floats; leave anything else. */
function reformatFloatLabel(v: string, format: ExpositionFormat): string {
  const n = parseLabelFloat(v);
  if (n === undefined) return v;
  return format === 'openmetrics' ? formatOpenMetricsValue(n) : formatTextValue(n);
}

function parseLabelFloat(v: string): number | undefined {
  switch (v) {
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  if (v === '' || v.trim() !== v) return undefined;
  const n = Number(v);
  return Number.isNaN(n) || !Number.isFinite(n) ? undefined : n;
}
