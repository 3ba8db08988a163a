/**
 * `promtool check metrics` as a library: parse an exposition, then report the metric-naming problems that
 * client_golang's `promlint` reports (the linter promtool runs), with the same wording and order.
 *
 * Text format input is grouped into families the way `expfmt` (promtool's parser) groups it, and the
 * family-level mistakes `expfmt` rejects are errors here too: a second HELP or TYPE line for a family,
 * TYPE after the family's samples, an `le` or `quantile` that is not a number, unknown escape sequences.
 *
 * OpenMetrics input is parsed strictly (every rule of the specification), then linted under the names
 * it would have in the text format (a counter `x` as `x_total`, an info `x` as the gauge `x_info`).
 */
import type { ExpositionFormat } from './writer.js';
import { EntryType } from './parser.js';
import { TextParser } from './text-parser.js';
import { parseFamilies } from './families.js';
import { parseFloatRange } from './number.js';
import { ParseError } from './parse-error.js';

export interface LintProblem {
  /** The family name the problem is about. */
  readonly metric: string;
  readonly text: string;
}

type LintType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';

interface LintFamily {
  readonly name: string;
  type: LintType | undefined;
  hasHelp: boolean;
  /** Metrics: for histograms and summaries one per label set without le/quantile, otherwise one per sample. */
  metrics: number;
  /** Label occurrences over all metrics, for the per-label rules (promlint reports each occurrence). */
  camelCaseLabels: number;
  leLabels: number;
  quantileLabels: number;
  readonly signatures: Set<string>;
}

/**
 * Parses and lints an exposition. Returns the problems (an empty list for clean input), sorted by metric
 * name then text. Throws `ParseError` when the input does not parse.
 */
export function lintMetrics(text: string, format: ExpositionFormat): LintProblem[] {
  const families = format === 'openmetrics' ? openMetricsFamilies(text) : textFamilies(text);
  const problems: LintProblem[] = [];
  for (const f of families) if (f.metrics > 0) lintFamily(f, problems);
  // A stable sort keeps repeated problems (one per metric) together, as promlint does.
  problems.sort((a, b) => (a.metric === b.metric ? (a.text < b.text ? -1 : a.text > b.text ? 1 : 0) : a.metric < b.metric ? -1 : 1));
  return problems;
}

function newFamily(name: string): LintFamily {
  return { name, type: undefined, hasHelp: false, metrics: 0, camelCaseLabels: 0, leLabels: 0, quantileLabels: 0, signatures: new Set() };
}

const camelCaseNames = new Map<string, boolean>();

/** Counts one metric's labels into the family's per-label rule counters. */
function countLabels(f: LintFamily, names: readonly string[]): void {
  f.metrics++;
  for (const n of names) {
    let camel = camelCaseNames.get(n);
    if (camel === undefined) {
      camel = CAMEL_CASE.test(n);
      camelCaseNames.set(n, camel);
    }
    if (camel) f.camelCaseLabels++;
    if (n === 'le') f.leLabels++;
    else if (n === 'quantile') f.quantileLabels++;
  }
}

/** A label set's identity, the same for any order of the pairs. */
function signature(flat: string[]): string {
  let sorted = true;
  for (let i = 2; i < flat.length; i += 2) if (flat[i - 2] > flat[i]) sorted = false;
  if (!sorted) {
    const pairs: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    flat = pairs.flat();
  }
  return flat.join('\u0000');
}

/** The families of a text exposition, grouped as `expfmt.TextParser` groups them. */
function textFamilies(text: string): LintFamily[] {
  const p = new TextParser(text, { strict: true });
  const byName = new Map<string, LintFamily>();
  const lookup = (name: string): LintFamily => {
    const exact = byName.get(name);
    if (exact !== undefined) return exact;
    const base = name.endsWith('_count') && name.length > 6 ? name.slice(0, -6) : name.endsWith('_sum') && name.length > 4 ? name.slice(0, -4) : undefined;
    if (base !== undefined) {
      const f = byName.get(base);
      if (f !== undefined && f.type === 'summary') return f;
    }
    const hbase = base ?? (name.endsWith('_bucket') && name.length > 7 ? name.slice(0, -7) : undefined);
    if (hbase !== undefined) {
      const f = byName.get(hbase);
      if (f !== undefined && f.type === 'histogram') return f;
    }
    const f = newFamily(name);
    byName.set(name, f);
    return f;
  };
  const fail = (reason: string): never => {
    throw new ParseError(p.line, 1, reason);
  };
  for (;;) {
    const e = p.next();
    if (e === EntryType.EOF) break;
    if (e === EntryType.Help) {
      if (p.help().replace(/^[ \t]+/, '') === '') continue; // expfmt ignores a HELP without text
      const f = lookup(p.familyName());
      if (f.hasHelp) fail(`second HELP line for metric name ${JSON.stringify(f.name)}`);
      f.hasHelp = true;
    } else if (e === EntryType.Type) {
      const f = lookup(p.familyName());
      if (f.type !== undefined) fail(`second TYPE line for metric name ${JSON.stringify(f.name)}, or TYPE reported after samples`);
      const t = p.familyType();
      f.type = t === 'unknown' ? 'untyped' : (t as LintType);
    } else if (e === EntryType.Series) {
      const f = lookup(p.metricName());
      if (f.type === undefined) f.type = 'untyped';
      const grouped = f.type === 'histogram' || f.type === 'summary';
      const names: string[] = [];
      const rest: string[] = [];
      for (let i = 0; i < p.labelCount(); i++) {
        const name = p.labelName(i);
        if ((f.type === 'histogram' && name === 'le') || (f.type === 'summary' && name === 'quantile')) {
          const v = p.labelValue(i);
          if (parseFloatRange(v, 0, v.length) === undefined) fail(`expected float as value for '${name}' label, got ${JSON.stringify(v)}`);
          continue;
        }
        names.push(name);
        if (grouped) rest.push(name, p.labelValue(i));
      }
      if (grouped) {
        const sig = signature(rest);
        if (f.signatures.has(sig)) continue;
        f.signatures.add(sig);
      }
      countLabels(f, names);
    }
  }
  return [...byName.values()];
}

/** The families of an OpenMetrics exposition (parsed strictly), under their text-format names. */
function openMetricsFamilies(text: string): LintFamily[] {
  const out: LintFamily[] = [];
  for (const mf of parseFamilies(text, 'openmetrics', { strict: true })) {
    let name = mf.name;
    let type: LintType;
    let member = (sampleName: string) => sampleName === mf.name;
    switch (mf.type) {
      case 'counter':
        name = mf.name + '_total';
        type = 'counter';
        member = (s) => s === name;
        break;
      case 'info':
        name = mf.name + '_info';
        type = 'gauge';
        member = (s) => s === name;
        break;
      case 'histogram':
      case 'gaugehistogram':
        type = 'histogram';
        member = (s) => !s.endsWith('_created');
        break;
      case 'summary':
        type = 'summary';
        member = (s) => !s.endsWith('_created');
        break;
      case 'unknown':
        type = 'untyped';
        break;
      default:
        type = 'gauge';
    }
    const f = newFamily(name);
    f.type = type;
    f.hasHelp = mf.help !== undefined && mf.help !== '';
    for (const s of mf.samples) {
      if (!member(s.name)) continue;
      const names: string[] = [];
      const rest: string[] = [];
      s.labels.forEach((n, v) => {
        if ((type === 'histogram' && n === 'le') || (type === 'summary' && n === 'quantile')) return;
        names.push(n);
        rest.push(n, v);
      });
      if (type === 'histogram' || type === 'summary') {
        const sig = signature(rest);
        if (f.signatures.has(sig)) continue;
        f.signatures.add(sig);
      }
      countLabels(f, names);
    }
    out.push(f);
  }
  return out;
}

// ---- promlint's rules (client_golang 1.14, the version Debian's promtool 2.42 uses) ----

/** Type names checked in metric names: client_model's types except UNTYPED. */
const TYPE_WORDS = ['counter', 'gauge', 'summary', 'histogram', 'gauge_histogram'];

const UNITS: ReadonlyMap<string, string> = new Map([
  ['amperes', 'amperes'], ['bytes', 'bytes'], ['celsius', 'celsius'], ['grams', 'grams'], ['joules', 'joules'],
  ['kelvin', 'kelvin'], ['meters', 'meters'], ['metres', 'metres'], ['seconds', 'seconds'], ['volts', 'volts'],
  ['minutes', 'seconds'], ['hours', 'seconds'], ['days', 'seconds'], ['weeks', 'seconds'],
  ['kelvins', 'kelvin'], ['fahrenheit', 'celsius'], ['rankine', 'celsius'],
  ['inches', 'meters'], ['yards', 'meters'], ['miles', 'meters'],
  ['bits', 'bytes'], ['calories', 'joules'], ['pounds', 'grams'], ['ounces', 'grams'],
]);

const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi', ''];

const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

const CAMEL_CASE = /[a-z][A-Z]/;

/** The first name segment that is a known unit (with or without an SI prefix), and its base unit. */
function metricUnit(name: string): { unit: string; base: string } | undefined {
  for (const seg of name.split('_')) {
    for (const prefix of UNIT_PREFIXES) {
      if (!seg.startsWith(prefix)) continue;
      const base = UNITS.get(seg.slice(prefix.length));
      if (base !== undefined) return { unit: seg, base };
    }
  }
  return undefined;
}

function lintFamily(f: LintFamily, out: LintProblem[]): void {
  const name = f.name;
  const add = (text: string) => out.push({ metric: name, text });
  const type = f.type ?? 'untyped';
  if (!f.hasHelp) add('no help text');
  const u = metricUnit(name);
  if (u !== undefined && u.unit !== u.base) add(`use base unit ${JSON.stringify(u.base)} instead of ${JSON.stringify(u.unit)}`);
  const total = name.endsWith('_total');
  if (type === 'counter' && !total) add('counter metrics should have "_total" suffix');
  else if (type !== 'untyped' && type !== 'counter' && total) add('non-counter metrics should not have "_total" suffix');
  if (type !== 'untyped') {
    const histogram = type === 'histogram';
    const summary = type === 'summary';
    if (!histogram && name.endsWith('_bucket')) add('non-histogram metrics should not have "_bucket" suffix');
    if (!histogram && !summary && name.endsWith('_count')) add('non-histogram and non-summary metrics should not have "_count" suffix');
    if (!histogram && !summary && name.endsWith('_sum')) add('non-histogram and non-summary metrics should not have "_sum" suffix');
    // Histograms and summaries have le/quantile taken out of their metrics' labels already.
    for (let i = 0; i < f.leLabels; i++) if (!histogram) add('non-histogram metrics should not have "le" label');
    for (let i = 0; i < f.quantileLabels; i++) if (!summary) add('non-summary metrics should not have "quantile" label');
  }
  const lower = name.toLowerCase();
  for (const t of TYPE_WORDS) {
    if (lower.includes('_' + t + '_') || lower.endsWith('_' + t)) add(`metric name should not include type '${t}'`);
  }
  if (name.includes(':')) add("metric names should not contain ':'");
  if (CAMEL_CASE.test(name)) add("metric names should be written in 'snake_case' not 'camelCase'");
  for (let i = 0; i < f.camelCaseLabels; i++) add("label names should be written in 'snake_case' not 'camelCase'");
  for (const a of UNIT_ABBREVIATIONS) {
    if (lower.includes('_' + a + '_') || lower.endsWith('_' + a)) add('metric names should not contain abbreviated units');
  }
}
