/**
 * The PromQL `.test` script language (Prometheus's `promqltest`): `load`, `clear` and `eval` commands with
 * expected results. This module only parses scripts; `testscript-run.ts` executes them against the engine.
 * The format is described in `../shared/conformance/promql/FORMAT.md`.
 */
import { CounterResetHint, FloatHistogram, Labels, STALE_NAN, VigilError, addHistogram, subHistogram, tryParseDuration } from '@vigil/model';

/** Kinds of positions in an expanded value sequence. */
export const SEQ_OMITTED = 0;
export const SEQ_FLOAT = 1;
export const SEQ_HISTOGRAM = 2;

/** An expanded value sequence: one entry per position (kind + float value; NaN payloads kept). */
export interface ValueSequence {
  readonly kinds: Uint8Array;
  readonly values: Float64Array;
  /** The histogram at each SEQ_HISTOGRAM position (null elsewhere); absent without histograms. */
  readonly hists?: (FloatHistogram | null)[];
  /** 1 where the histogram spelled out `counter_reset_hint:` (only then is the hint compared). */
  readonly hintSet?: Uint8Array;
}

export interface LoadSeries {
  readonly labels: Labels;
  readonly values: ValueSequence;
  readonly line: number;
}

export interface LoadCommand {
  readonly kind: 'load';
  readonly line: number;
  /** Sample spacing in milliseconds. */
  readonly interval: number;
  readonly withNHCB: boolean;
  readonly series: LoadSeries[];
  /** True when some series carries start-timestamp (`@st`) lines. */
  readonly hasStartTimestamps: boolean;
}

export interface ClearCommand {
  readonly kind: 'clear';
  readonly line: number;
}

export type ExpectKind = 'fail' | 'warn' | 'no_warn' | 'info' | 'no_info' | 'ordered';

export interface ExpectLine {
  readonly kind: ExpectKind;
  /** Exact text (`msg:`), or undefined. */
  readonly message?: string;
  /** RE2 pattern (`regex:`), or undefined; neither means "any". */
  readonly regex?: string;
}

export interface ExpectedSeries {
  readonly labels: Labels;
  readonly values: ValueSequence;
  /** 1-based position among the body lines, for `ordered`. */
  readonly pos: number;
}

export interface EvalCommand {
  readonly kind: 'eval';
  readonly line: number;
  readonly expr: string;
  readonly isRange: boolean;
  /** Instant evaluation time (ms); for `expect range vector`, the `to` time. */
  evalTime: number;
  /** Range (or expected range-vector) grid, ms. */
  start: number;
  end: number;
  step: number;
  /** `eval_fail`/`eval_ordered`/`eval_warn`/`eval_info` header modifiers. */
  readonly headerModifier: '' | 'fail' | 'warn' | 'ordered' | 'info';
  readonly expects: ExpectLine[];
  /** Set by `expect range vector from .. to .. step ..`. */
  expectRangeVector: boolean;
  /** Set by `expect string "..."`. */
  expectedString?: string;
  /** A bare number: the expected scalar. */
  expectedScalar?: number;
  /** Expected series by label-set key (a later line for the same labels replaces the earlier one). */
  readonly expected: Map<string, ExpectedSeries>;
  /** True when some expected value is a native histogram literal. */
  expectsHistogram: boolean;
}

export type TestCommand = LoadCommand | ClearCommand | EvalCommand;

/** A parsed script, with its file name for messages. */
export interface TestScript {
  readonly file: string;
  readonly commands: TestCommand[];
}

function scriptError(file: string, line: number, why: string): VigilError {
  return new VigilError('bad_data', `${file}:${line}: ${why}`);
}

const PAT_LOAD = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const PAT_EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const PAT_EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const PAT_EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const PAT_EXPECT_RANGE = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;

/** Splits on `\n`, trims, and blanks comment lines, as the reference harness does. */
function scriptLines(text: string): string[] {
  return text.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
}

function duration(file: string, line: number, s: string): number {
  const ms = tryParseDuration(s.trim());
  if (ms === undefined) throw scriptError(file, line, `invalid duration ${JSON.stringify(s)}`);
  return ms;
}

/** Parses a whole `.test` script. */
export function parseTestScript(file: string, text: string): TestScript {
  const lines = scriptLines(text);
  const commands: TestCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') continue;
    const word = l.split(/[\t ]+/, 1)[0].toLowerCase();
    if (word === 'clear') {
      commands.push({ kind: 'clear', line: i + 1 });
    } else if (word.startsWith('load')) {
      const [next, cmd] = parseLoad(file, lines, i);
      commands.push(cmd);
      i = next;
    } else if (word.startsWith('eval')) {
      const [next, cmd] = parseEval(file, lines, i);
      commands.push(cmd);
      i = next;
    } else {
      throw scriptError(file, i + 1, `invalid command ${JSON.stringify(l)}`);
    }
  }
  return { file, commands };
}

function parseLoad(file: string, lines: string[], i: number): [number, LoadCommand] {
  const m = PAT_LOAD.exec(lines[i]);
  if (!m) throw scriptError(file, i + 1, 'invalid load command (load[_with_nhcb] <interval>)');
  const interval = duration(file, i + 1, m[2]);
  const line = i + 1;
  const byKey = new Map<string, LoadSeries>();
  let hasST = false;
  while (i + 1 < lines.length) {
    i++;
    const def = lines[i];
    if (def === '') {
      i--;
      break;
    }
    if (isStartTimestampLine(def)) {
      hasST = true;
      continue; // Start timestamps are only used by experimental features; the values line follows.
    }
    const { labels, values } = parseSeriesDesc(file, i + 1, def);
    byKey.set(labelsKey(labels), { labels, values, line: i + 1 });
  }
  return [i, { kind: 'load', line, interval, withNHCB: m[1] === 'with_nhcb', series: [...byKey.values()], hasStartTimestamps: hasST }];
}

function isStartTimestampLine(def: string): boolean {
  const sp = def.search(/[\t ]/);
  const head = sp < 0 ? def : def.slice(0, sp);
  return head.endsWith('@st');
}

function parseEval(file: string, lines: string[], i: number): [number, EvalCommand] {
  const header = lines[i];
  const inst = PAT_EVAL_INSTANT.exec(header);
  const rng = inst ? null : PAT_EVAL_RANGE.exec(header);
  if (!inst && !rng) throw scriptError(file, i + 1, `invalid evaluation command ${JSON.stringify(header)}`);
  const line = i + 1;
  let cmd: EvalCommand;
  if (inst) {
    const at = inst[2] === undefined ? 0 : duration(file, line, inst[2]);
    cmd = newEval(line, inst[3], false, (inst[1] ?? '') as EvalCommand['headerModifier']);
    cmd.evalTime = at;
    cmd.start = at;
    cmd.end = at;
  } else {
    const r = rng!;
    cmd = newEval(line, r[5], true, (r[1] ?? '') as EvalCommand['headerModifier']);
    cmd.start = duration(file, line, r[2]);
    cmd.end = duration(file, line, r[3]);
    cmd.step = duration(file, line, r[4]);
    cmd.evalTime = cmd.start;
    if (cmd.end < cmd.start) throw scriptError(file, line, 'invalid range: "to" before "from"');
  }
  let pos = 0;
  while (i + 1 < lines.length) {
    i++;
    const def = lines[i];
    if (def === '') {
      i--;
      break;
    }
    pos++;
    if (def.startsWith('expected_fail_message') || def.startsWith('expected_fail_regexp')) {
      const msg = def.replace(/^expected_fail_(message|regexp)/, '').trim();
      cmd.expects.push(def.startsWith('expected_fail_message') ? { kind: 'fail', message: msg } : { kind: 'fail', regex: msg });
      break;
    }
    if (def.startsWith('expect range vector')) {
      const m = PAT_EXPECT_RANGE.exec(def);
      if (!m) throw scriptError(file, i + 1, `invalid range vector definition ${JSON.stringify(def)}`);
      cmd.start = duration(file, i + 1, m[1]);
      cmd.end = duration(file, i + 1, m[2]);
      cmd.step = duration(file, i + 1, m[3]);
      cmd.evalTime = cmd.end;
      cmd.expectRangeVector = true;
      pos--;
      continue;
    }
    if (def.startsWith('expect string')) {
      const rest = def.slice('expect string'.length).trim();
      if (rest === '') throw scriptError(file, i + 1, 'expected string literal missing');
      cmd.expectedString = unquoteGoString(file, i + 1, rest);
      pos--;
      continue;
    }
    if (def.split(' ', 1)[0] === 'expect') {
      const m = PAT_EXPECT.exec(def.trim());
      if (!m) throw scriptError(file, i + 1, `invalid expect line ${JSON.stringify(def)}`);
      const kind = m[1] as ExpectKind;
      const e: ExpectLine = m[2] === 'msg' ? { kind, message: m[3].trim() } : m[2] === 'regex' ? { kind, regex: m[3].trim() } : { kind };
      cmd.expects.push(e);
      pos--;
      continue;
    }
    const scalar = parseGoNumber(def);
    if (scalar !== undefined) {
      cmd.expectedScalar = scalar;
      break;
    }
    const { labels, values, hasHistogram } = parseSeriesDescFull(file, i + 1, def);
    if (hasHistogram) cmd.expectsHistogram = true;
    if (values.kinds.length > 1 && !cmd.isRange && !cmd.expectRangeVector) {
      throw scriptError(file, i + 1, 'multiple values in an instant evaluation need "expect range vector"');
    }
    cmd.expected.set(labelsKey(labels), { labels, values, pos });
  }
  return [i, cmd];
}

function newEval(line: number, expr: string, isRange: boolean, headerModifier: EvalCommand['headerModifier']): EvalCommand {
  return {
    kind: 'eval', line, expr, isRange, evalTime: 0, start: 0, end: 0, step: 0, headerModifier,
    expects: [], expectRangeVector: false, expected: new Map(), expectsHistogram: false,
  };
}

/** A key that identifies a label set exactly. */
export function labelsKey(labels: Labels): string {
  return labels.flat.join('\xff');
}

// ---- numbers ----

/** Go's `strconv.ParseInt(s, 0, 64)`, then `ParseFloat(s, 64)`: the expected-scalar syntax. */
export function parseGoNumber(s: string): number | undefined {
  if (/^[+-]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[1-9][0-9_]*|0)$/.test(s)) {
    const neg = s.startsWith('-');
    const body = s.replace(/^[+-]/, '').replace(/_/g, '');
    let v: number;
    if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
    else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
    else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
    else if (body.length > 1 && body.startsWith('0')) v = parseInt(body.slice(1), 8);
    else v = Number(body);
    return neg ? -v : v;
  }
  return parseGoFloat(s);
}

/** Go's `strconv.ParseFloat(s, 64)` for the forms the suite uses (decimal, exponent, hex float, Inf, NaN). */
export function parseGoFloat(s: string): number | undefined {
  const t = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?0x[0-9a-f]+$/.test(t)) {
    const v = parseInt(t.replace(/^[+-]?0x/, ''), 16);
    return t.startsWith('-') ? -v : v;
  }
  return undefined;
}

// ---- series descriptions: `metric{label="value"} 1 2+3x4 _ stale` ----

interface SeriesDesc {
  labels: Labels;
  values: ValueSequence;
  hasHistogram: boolean;
}

export function parseSeriesDesc(file: string, line: number, def: string): SeriesDesc {
  return parseSeriesDescFull(file, line, def);
}

function parseSeriesDescFull(file: string, line: number, def: string): SeriesDesc {
  let pos = 0;
  const flat: string[] = [];
  const isNameChar = (c: string, first: boolean): boolean => /[a-zA-Z_:]/.test(c) || (!first && /[0-9]/.test(c));
  const skipWs = (): void => {
    while (pos < def.length && (def[pos] === ' ' || def[pos] === '\t')) pos++;
  };
  if (pos < def.length && isNameChar(def[pos], true)) {
    const s = pos;
    while (pos < def.length && isNameChar(def[pos], false)) pos++;
    flat.push('__name__', def.slice(s, pos));
  }
  if (def[pos] === '{') {
    pos++;
    for (;;) {
      skipWs();
      if (def[pos] === '}') {
        pos++;
        break;
      }
      let name: string;
      if (def[pos] === '"' || def[pos] === "'" || def[pos] === '`') {
        const [str, next] = readQuoted(file, line, def, pos);
        pos = next;
        skipWs();
        if (def[pos] === ',' || def[pos] === '}') {
          flat.push('__name__', str); // `{"metric.name", ...}`: a quoted metric name.
          if (def[pos] === ',') pos++;
          continue;
        }
        name = str;
      } else {
        const s = pos;
        while (pos < def.length && isNameChar(def[pos], pos === s)) pos++;
        if (pos === s) throw scriptError(file, line, `unexpected ${JSON.stringify(def[pos] ?? 'end of line')} in series description`);
        name = def.slice(s, pos);
      }
      skipWs();
      if (def[pos] !== '=') throw scriptError(file, line, `expected "=" after label name ${name} in series description`);
      pos++;
      skipWs();
      const [value, next] = readQuoted(file, line, def, pos);
      pos = next;
      flat.push(name, value);
      skipWs();
      if (def[pos] === ',') pos++;
      else if (def[pos] !== '}') throw scriptError(file, line, `expected "," or "}" in series description`);
    }
  }
  if (flat.length === 0 && pos === 0) throw scriptError(file, line, `invalid series description ${JSON.stringify(def)}`);
  const seq = parseValueSequence(file, line, def.slice(pos));
  return { labels: Labels.fromFlat(flat), values: seq.values, hasHistogram: seq.hasHistogram };
}

function readQuoted(file: string, line: number, s: string, pos: number): [string, number] {
  const q = s[pos];
  if (q !== '"' && q !== "'" && q !== '`') throw scriptError(file, line, 'expected a quoted string');
  let end = pos + 1;
  while (end < s.length && s[end] !== q) {
    if (s[end] === '\\' && q !== '`') end++;
    end++;
  }
  if (end >= s.length) throw scriptError(file, line, 'unterminated quoted string');
  return [unquoteGoString(file, line, s.slice(pos, end + 1)), end + 1];
}

/** Unquotes a Go/PromQL string literal ("..", '..' or `..`) with Go escape sequences. */
export function unquoteGoString(file: string, line: number, lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) throw scriptError(file, line, `invalid quoted string ${lit}`);
  const body = lit.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  const bytes: number[] = [];
  const flushBytes = (): void => {
    if (bytes.length > 0) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      flushBytes();
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'a': flushBytes(); out += '\x07'; break;
      case 'b': flushBytes(); out += '\b'; break;
      case 'f': flushBytes(); out += '\f'; break;
      case 'n': flushBytes(); out += '\n'; break;
      case 'r': flushBytes(); out += '\r'; break;
      case 't': flushBytes(); out += '\t'; break;
      case 'v': flushBytes(); out += '\v'; break;
      case '\\': flushBytes(); out += '\\'; break;
      case '"': flushBytes(); out += '"'; break;
      case "'": flushBytes(); out += "'"; break;
      case 'x': bytes.push(parseInt(body.slice(i + 1, i + 3), 16)); i += 2; break;
      case 'u': flushBytes(); out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16)); i += 4; break;
      case 'U': flushBytes(); out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16)); i += 8; break;
      default:
        if (n !== undefined && n >= '0' && n <= '7') {
          bytes.push(parseInt(body.slice(i, i + 3), 8));
          i += 2;
          break;
        }
        throw scriptError(file, line, `invalid escape \\${n} in ${lit}`);
    }
  }
  flushBytes();
  return out;
}

const NUM = String.raw`(?:[iI][nN][fF]|[nN][aA][nN]|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)`;
const PAT_ITEM = new RegExp(String.raw`^([+-]?${NUM})(?:([+-])(${NUM}))?(?:x(\d+))?$`);

/** Expands a value sequence (`1 2+3x4 _ _x3 stale {{...}}`) into positions. */
export function parseValueSequence(file: string, line: number, text: string): { values: ValueSequence; hasHistogram: boolean } {
  const kinds: number[] = [];
  const vals: number[] = [];
  const hists: (FloatHistogram | null)[] = [];
  const hintSet: number[] = [];
  let staleAt: number[] | undefined;
  let hasHistogram = false;
  const tokens = tokenizeSequence(text);
  for (const tok of tokens) {
    if (tok === '_') {
      kinds.push(SEQ_OMITTED);
      vals.push(0);
      continue;
    }
    const gaps = /^_x(\d+)$/.exec(tok);
    if (gaps) {
      for (let k = 0; k < Number(gaps[1]); k++) {
        kinds.push(SEQ_OMITTED);
        vals.push(0);
      }
      continue;
    }
    if (tok === 'stale') {
      (staleAt ??= []).push(kinds.length);
      kinds.push(SEQ_FLOAT);
      vals.push(0);
      continue;
    }
    if (tok.startsWith('{{')) {
      hasHistogram = true;
      for (const { h, hint } of expandHistogramItem(file, line, tok)) {
        while (hists.length < kinds.length) hists.push(null);
        while (hintSet.length < kinds.length) hintSet.push(0);
        kinds.push(SEQ_HISTOGRAM);
        vals.push(0);
        hists.push(h);
        hintSet.push(hint ? 1 : 0);
      }
      continue;
    }
    const m = PAT_ITEM.exec(tok);
    if (!m) throw scriptError(file, line, `invalid value ${JSON.stringify(tok)} in sequence`);
    const base = parseGoFloat(m[1])!;
    if (m[4] === undefined) {
      if (m[2] !== undefined) throw scriptError(file, line, `invalid value ${JSON.stringify(tok)}: missing "x<count>"`);
      kinds.push(SEQ_FLOAT);
      vals.push(base);
      continue;
    }
    const times = Number(m[4]);
    let delta = 0;
    if (m[2] !== undefined) {
      delta = parseGoFloat(m[3])!;
      if (m[2] === '-') delta = -delta;
    }
    // Go's series parser accumulates by repeated addition; do the same so values match bit for bit.
    let v = base;
    for (let k = 0; k <= times; k++) {
      kinds.push(SEQ_FLOAT);
      vals.push(v);
      v += delta;
    }
  }
  const values = new Float64Array(vals);
  if (staleAt) for (const p of staleAt) values[p] = STALE_NAN;
  if (!hasHistogram) return { values: { kinds: Uint8Array.from(kinds), values }, hasHistogram };
  while (hists.length < kinds.length) hists.push(null);
  while (hintSet.length < kinds.length) hintSet.push(0);
  return { values: { kinds: Uint8Array.from(kinds), values, hists, hintSet: Uint8Array.from(hintSet) }, hasHistogram };
}

// ---- native histogram values: `{{schema:0 sum:5 count:4 buckets:[1 2 1]}}` ----

const HINTS: Record<string, CounterResetHint> = {
  unknown: CounterResetHint.Unknown,
  reset: CounterResetHint.CounterReset,
  not_reset: CounterResetHint.NotCounterReset,
  gauge: CounterResetHint.Gauge,
};

/**
 * Expands one histogram item: `{{A}}` (one sample), `{{A}}xK` (A, K+1 times), `{{A}}+{{B}}xK` or
 * `{{A}}-{{B}}xK` (A, A±B, A±2B, ...). In an expansion every sample takes the "hint spelled out" flag of
 * B, as the reference parser does.
 */
function expandHistogramItem(file: string, line: number, tok: string): Array<{ h: FloatHistogram; hint: boolean }> {
  const firstEnd = tok.indexOf('}}');
  if (firstEnd < 0) throw scriptError(file, line, `unterminated histogram ${JSON.stringify(tok)}`);
  const a = parseHistogramLiteral(file, line, tok.slice(2, firstEnd));
  const rest = tok.slice(firstEnd + 2);
  if (rest === '') return [a];
  const times = /^x(\d+)$/.exec(rest);
  if (times) {
    const out = [];
    for (let k = 0; k <= Number(times[1]); k++) out.push(a);
    return out;
  }
  const m = /^([+-])\{\{(.*)\}\}x(\d+)$/.exec(rest);
  if (!m) throw scriptError(file, line, `invalid histogram sequence ${JSON.stringify(tok)}`);
  const inc = parseHistogramLiteral(file, line, m[2]);
  const out = [{ h: a.h, hint: inc.hint }];
  let cur = a.h;
  for (let k = 1; k <= Number(m[3]); k++) {
    if (cur.schema > inc.h.schema) throw scriptError(file, line, `error combining histograms: cannot merge from schema ${inc.h.schema} to ${cur.schema}`);
    const next = cur.copy();
    const r = m[1] === '+' ? addHistogram(next, inc.h) : subHistogram(next, inc.h);
    if (!r.ok) throw scriptError(file, line, `error combining histograms in ${JSON.stringify(tok)}: a mix of exponential and custom buckets`);
    out.push({ h: next, hint: inc.hint });
    cur = next;
  }
  return out;
}

/** Parses the inside of `{{...}}`: space-separated `key:value` pairs, lists in brackets. */
export function parseHistogramLiteral(file: string, line: number, body: string): { h: FloatHistogram; hint: boolean } {
  const h = new FloatHistogram();
  const seen = new Set<string>();
  let hint = false;
  let pos = 0;
  let offset = 0;
  let nOffset = 0;
  let buckets: number[] | null = null;
  let nBuckets: number[] | null = null;
  const fail = (why: string): VigilError => scriptError(file, line, `invalid histogram {{${body}}}: ${why}`);
  const num = (text: string, what: string): number => {
    const v = parseGoNumber(text);
    if (v === undefined) throw fail(`${what}: ${JSON.stringify(text)} is not a number`);
    return v;
  };
  const int = (text: string, what: string): number => {
    if (!/^[+-]?\d+$/.test(text)) throw fail(`${what}: ${JSON.stringify(text)} is not an integer`);
    return Number(text);
  };
  while (pos < body.length) {
    while (pos < body.length && (body[pos] === ' ' || body[pos] === '\t')) pos++;
    if (pos >= body.length) break;
    const colon = body.indexOf(':', pos);
    if (colon < 0) throw fail(`expected key:value at ${JSON.stringify(body.slice(pos))}`);
    const key = body.slice(pos, colon);
    pos = colon + 1;
    let value: string;
    if (body[pos] === '[') {
      const end = body.indexOf(']', pos);
      if (end < 0) throw fail(`unterminated list for ${key}`);
      value = body.slice(pos, end + 1);
      pos = end + 1;
    } else {
      const s0 = pos;
      while (pos < body.length && body[pos] !== ' ' && body[pos] !== '\t') pos++;
      value = body.slice(s0, pos);
    }
    if (seen.has(key)) throw fail(`duplicate key "${key}" in histogram`);
    seen.add(key);
    const list = (): number[] => {
      if (!value.startsWith('[')) throw fail(`${key} needs a list like [1 2 3]`);
      return value.slice(1, -1).trim().split(/[ \t]+/).filter((x) => x !== '').map((x) => num(x, key));
    };
    switch (key) {
      case 'schema': h.schema = int(value, key); break;
      case 'sum': h.sum = num(value, key); break;
      case 'count': h.count = num(value, key); break;
      case 'z_bucket': h.zeroCount = num(value, key); break;
      case 'z_bucket_w': h.zeroThreshold = num(value, key); break;
      case 'custom_values': h.customValues = list(); break;
      case 'buckets': buckets = list(); break;
      case 'offset': offset = int(value, key); break;
      case 'n_buckets': nBuckets = list(); break;
      case 'n_offset': nOffset = int(value, key); break;
      case 'counter_reset_hint': {
        const v = HINTS[value];
        if (v === undefined) throw fail(`unknown counter_reset_hint ${JSON.stringify(value)}`);
        h.counterResetHint = v;
        hint = true;
        break;
      }
      default:
        throw fail(`unknown key ${JSON.stringify(key)}`);
    }
  }
  if (buckets !== null && buckets.length > 0) {
    h.positiveBuckets = buckets;
    h.positiveSpans = [{ offset, length: buckets.length }];
  }
  if (nBuckets !== null && nBuckets.length > 0) {
    h.negativeBuckets = nBuckets;
    h.negativeSpans = [{ offset: nOffset, length: nBuckets.length }];
  }
  return { h, hint };
}

function tokenizeSequence(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= text.length) break;
    const s = i;
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      if (text.startsWith('{{', i)) {
        const e = text.indexOf('}}', i + 2);
        i = e < 0 ? text.length : e + 2;
      } else {
        i++;
      }
    }
    out.push(text.slice(s, i));
  }
  return out;
}
