/**
 * Runs parsed `.test` scripts against the engine and judges each `eval` as the reference harness does
 * (FORMAT.md §4-§7): expected failures and their messages, annotations, result type, label sets, values
 * within 1e-6 relative tolerance, point timestamps, ordering.
 */
import { type FloatHistogram, type Labels, CUSTOM_BUCKETS_SCHEMA, bucketList, compactHistogram, customBoundsMatch, isStaleNaN, translateRegex } from '@vigil/model';
import type { Appendable, Queryable } from '@vigil/tsdb';
import { type Expr, inspect } from './ast.js';
import type { Engine, QueryResult, QueryValue } from './engine.js';
import {
  type EvalCommand,
  type ExpectLine,
  type LoadCommand,
  type TestScript,
  SEQ_FLOAT,
  SEQ_HISTOGRAM,
  labelsKey,
} from './testscript.js';
import { nhcbSeries } from './testscript-nhcb.js';

export type Storage = Appendable & Queryable;

export interface EvalOutcome {
  readonly file: string;
  readonly line: number;
  readonly expr: string;
  readonly status: 'pass' | 'fail' | 'skip';
  /** Why it was skipped, or why it failed. */
  readonly reason?: string;
}

/** What a skip rule can look at. */
export interface SkipContext {
  readonly file: string;
  readonly cmd: EvalCommand;
  /** The parsed query, or null when it does not parse. */
  readonly expr: Expr | null;
  /** True when start-timestamp (`@st`) data was loaded since the last `clear`. */
  readonly startTimestampsLoaded: boolean;
}

export interface RunOptions {
  readonly engine: Engine;
  readonly newStorage: () => Storage;
  /** Returns why an eval is skipped, or null to run it. */
  readonly skip?: (ctx: SkipContext) => string | null;
  /** 2.x harness rules: `eval_fail` accepts any error, annotations are never checked. */
  readonly v2?: boolean;
  /**
   * Also run each instant eval as a range query from t-1m to t+1m (step 1m) and compare its middle step,
   * as the reference harness does (FORMAT.md §7.7).
   */
  readonly rangeModeCheck?: boolean;
  /**
   * Also pin every selector and subquery without `@` to the eval time (`@ <t>`) and evaluate the
   * rewritten query at -10t, 0, t/5, t and 10t: each must give the expected result (FORMAT.md §7.7).
   * Needs a printer from AST back to PromQL.
   */
  readonly atModifierCheck?: (expr: Expr) => string;
}

export async function runScript(script: TestScript, opts: RunOptions): Promise<EvalOutcome[]> {
  let storage = opts.newStorage();
  let stLoaded = false;
  const outcomes: EvalOutcome[] = [];
  for (const cmd of script.commands) {
    if (cmd.kind === 'clear') {
      storage = opts.newStorage();
      stLoaded = false;
      continue;
    }
    if (cmd.kind === 'load') {
      if (cmd.hasStartTimestamps) stLoaded = true;
      await load(storage, cmd);
      continue;
    }
    let expr: Expr | null = null;
    try {
      expr = opts.engine.parse(cmd.expr);
    } catch {
      expr = null;
    }
    const base = { file: script.file, line: cmd.line, expr: cmd.expr };
    const reason = opts.skip?.({ file: script.file, cmd, expr, startTimestampsLoaded: stLoaded }) ?? null;
    if (reason !== null) {
      outcomes.push({ ...base, status: 'skip', reason });
      continue;
    }
    const failure = await runEval(storage, cmd, opts);
    outcomes.push(failure === null ? { ...base, status: 'pass' } : { ...base, status: 'fail', reason: failure });
  }
  return outcomes;
}

/**
 * Appends a load block's samples through the storage's Appender; with `load_with_nhcb`, then the native
 * histograms converted from its classic histograms.
 */
async function load(storage: Storage, cmd: LoadCommand): Promise<void> {
  const app = storage.appender();
  try {
    for (const s of cmd.series) {
      let ref = 0;
      const { kinds, values, hists } = s.values;
      for (let i = 0; i < kinds.length; i++) {
        if (kinds[i] === SEQ_FLOAT) ref = app.append(ref, s.labels, i * cmd.interval, values[i]);
        else if (kinds[i] === SEQ_HISTOGRAM) ref = app.appendHistogram(ref, s.labels, i * cmd.interval, hists![i]!);
      }
    }
    if (cmd.withNHCB) {
      for (const s of nhcbSeries(cmd)) {
        let ref = 0;
        for (const { t, h } of s.samples) ref = app.appendHistogram(ref, s.labels, t, h);
      }
    }
    await app.commit();
  } catch (e) {
    await app.rollback();
    throw e;
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function runEval(storage: Storage, cmd: EvalCommand, opts: RunOptions): Promise<string | null> {
  const why = await runOne(storage, cmd, opts, cmd.expr, cmd.evalTime);
  if (why !== null || cmd.isRange || opts.atModifierCheck === undefined) return why;
  for (const [query, t] of atModifierCases(opts.engine, opts.atModifierCheck, cmd.expr, cmd.evalTime)) {
    const r = await runOne(storage, cmd, opts, query, t);
    if (r !== null) return `@ modifier check, ${query} at ${t}: ${r}`;
  }
  return null;
}

/** Functions whose result depends on the evaluation time even when their arguments are pinned. */
const AT_UNSAFE = new Set(['days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'end', 'hour', 'minute', 'month', 'year', 'predict_linear', 'range', 'start', 'step', 'time', 'timestamp']);

/** The reference harness's `@` invariance cases: the query with `@ <t>` everywhere, and the times to run it at. */
function atModifierCases(engine: Engine, print: (e: Expr) => string, query: string, t: number): Array<[string, number]> {
  const expr = engine.parse(query);
  let unsafe = false;
  inspect(expr, (node, path) => {
    if (path.some((p) => p.kind === 'SubqueryExpr' && (p.timestamp !== null || p.startOrEnd !== null))) return undefined;
    switch (node.kind) {
      case 'VectorSelector':
      case 'SubqueryExpr':
        if (node.timestamp === null && node.startOrEnd === null) node.timestamp = t;
        break;
      case 'MatrixSelector':
        if (node.vectorSelector.timestamp === null && node.vectorSelector.startOrEnd === null) node.vectorSelector.timestamp = t;
        break;
      case 'Call':
        if (AT_UNSAFE.has(node.func.name)) unsafe = true;
        break;
    }
    return undefined;
  });
  if (unsafe) return [];
  const pinned = print(expr);
  const times = t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, Math.trunc(t / 5), t, 10 * t];
  return times.map((x) => [pinned, x]);
}

async function runOne(storage: Storage, cmd: EvalCommand, opts: RunOptions, query: string, evalTime: number): Promise<string | null> {
  const expectFail = cmd.headerModifier === 'fail' || cmd.expects.some((e) => e.kind === 'fail');
  let result: QueryResult;
  try {
    result = cmd.isRange
      ? await opts.engine.rangeQuery(storage, query, cmd.start, cmd.end, cmd.step)
      : await opts.engine.instantQuery(storage, query, evalTime);
  } catch (e) {
    if (!expectFail) return `error evaluating query: ${errText(e)}`;
    if (opts.v2) return null;
    const f = cmd.expects.find((x) => x.kind === 'fail');
    if (f !== undefined && !matchesExpect(f, errText(e))) return `expected error ${describe(f)}, got: ${errText(e)}`;
    return null;
  }
  if (expectFail) return 'expected an error but the query succeeded';
  if (!opts.v2) {
    const why = checkAnnotations(cmd, result);
    if (why !== null) return why;
  }
  const why = compareResult(cmd, result.value);
  if (why !== null || !opts.rangeModeCheck) return why;
  const ordered = cmd.headerModifier === 'ordered' || cmd.expects.some((e) => e.kind === 'ordered');
  if (cmd.isRange || ordered || cmd.expectedString !== undefined || cmd.expectRangeVector) return null;
  if (/\b(start|end|range|step)\s*\(/.test(query)) return null;
  let range: QueryResult;
  try {
    range = await opts.engine.rangeQuery(storage, query, evalTime - 60_000, evalTime + 60_000, 60_000);
  } catch (e) {
    return `range mode: error evaluating query: ${errText(e)}`;
  }
  if (range.value.resultType !== 'matrix') return `range mode: expected a matrix, got ${range.value.resultType}`;
  const samples: Array<{ labels: Labels; t: number; v: number; h?: FloatHistogram }> = [];
  for (const s of range.value.series) {
    const i = s.timestamps.indexOf(evalTime);
    if (i >= 0) samples.push({ labels: s.labels, t: evalTime, v: s.values[i] });
    const k = s.histograms ? s.histograms.timestamps.indexOf(evalTime) : -1;
    if (k >= 0) samples.push({ labels: s.labels, t: evalTime, v: 0, h: s.histograms!.values[k] });
  }
  const mid: QueryValue =
    result.value.resultType === 'scalar'
      ? { resultType: 'scalar', t: evalTime, v: samples.length > 0 ? samples[0].v : NaN }
      : { resultType: 'vector', samples };
  const r = compareResult(cmd, mid);
  return r === null ? null : `range mode: ${r}`;
}

function describe(e: ExpectLine): string {
  return e.message !== undefined ? `msg: ${JSON.stringify(e.message)}` : e.regex !== undefined ? `regex: ${e.regex}` : '(any)';
}

function matchesExpect(e: ExpectLine, text: string): boolean {
  if (e.message !== undefined) return e.message === text;
  if (e.regex !== undefined) {
    const t = translateRegex(e.regex);
    return new RegExp(t.source, t.flags).test(text);
  }
  return true;
}

function checkAnnotations(cmd: EvalCommand, result: QueryResult): string | null {
  const warnLines = cmd.expects.filter((e) => e.kind === 'warn');
  const infoLines = cmd.expects.filter((e) => e.kind === 'info');
  if ((cmd.headerModifier === 'warn' || warnLines.length > 0) && result.warnings.length === 0) return 'expected warnings but got none';
  if ((cmd.headerModifier === 'info' || infoLines.length > 0) && result.infos.length === 0) return 'expected info annotations but got none';
  const check = (lines: ExpectLine[], actual: string[], kind: string): string | null => {
    if (lines.length === 0) return null;
    for (const e of lines) {
      if (!actual.some((a) => matchesExpect(e, a))) return `expected ${kind} annotation ${describe(e)}, found: ${JSON.stringify(actual)}`;
    }
    for (const a of actual) {
      if (!lines.some((e) => matchesExpect(e, a))) return `unexpected ${kind} annotation ${JSON.stringify(a)}`;
    }
    return null;
  };
  const w = check(warnLines, result.warnings, 'warn');
  if (w !== null) return w;
  const i = check(infoLines, result.infos, 'info');
  if (i !== null) return i;
  if (cmd.expects.some((e) => e.kind === 'no_warn') && result.warnings.length > 0) return `unexpected warnings: ${JSON.stringify(result.warnings)}`;
  if (cmd.expects.some((e) => e.kind === 'no_info') && result.infos.length > 0) return `unexpected infos: ${JSON.stringify(result.infos)}`;
  return null;
}

const MIN_NORMAL = 2.2250738585072014e-308;
const EPSILON = 1e-6;

/** The harness's float equality (FORMAT.md §7.3). */
export function floatsEqual(a: number, b: number): boolean {
  if (isStaleNaN(a) || isStaleNaN(b)) return isStaleNaN(a) && isStaleNaN(b);
  if (a !== a && b !== b) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < EPSILON;
}

function fmt(labels: Labels): string {
  return labels.toString();
}

function compareResult(cmd: EvalCommand, v: QueryValue): string | null {
  const ordered = cmd.headerModifier === 'ordered' || cmd.expects.some((e) => e.kind === 'ordered');
  if (cmd.expectedString !== undefined) {
    if (v.resultType !== 'string') return `expected a string, got ${v.resultType}`;
    return v.v === cmd.expectedString ? null : `expected string ${JSON.stringify(cmd.expectedString)}, got ${JSON.stringify(v.v)}`;
  }
  switch (v.resultType) {
    case 'string':
      return `unexpected string result ${JSON.stringify(v.v)}`;
    case 'scalar': {
      if (cmd.expectedScalar === undefined) return `expected a vector or matrix, got scalar ${v.v}`;
      return floatsEqual(cmd.expectedScalar, v.v) ? null : `expected scalar ${cmd.expectedScalar}, got ${v.v}`;
    }
    case 'vector': {
      if (cmd.expectedScalar !== undefined) return `expected a scalar, got a vector of ${v.samples.length}`;
      const seen = new Set<string>();
      for (let pos = 0; pos < v.samples.length; pos++) {
        const s = v.samples[pos];
        const key = labelsKey(s.labels);
        const exp = cmd.expected.get(key);
        if (exp === undefined) return `unexpected series ${fmt(s.labels)} with value ${s.v}`;
        if (ordered && exp.pos !== pos + 1) return `expected ${fmt(s.labels)} at position ${exp.pos}, found at ${pos + 1}`;
        const kind = exp.values.kinds[0];
        if (s.h) {
          if (kind !== SEQ_HISTOGRAM) return `expected ${kind === SEQ_FLOAT ? exp.values.values[0] : 'no value'} for ${fmt(s.labels)}, got histogram ${histogramText(s.h)}`;
          const why = compareHistograms(exp.values.hists![0]!, s.h, exp.values.hintSet![0] === 1);
          if (why !== null) return `${fmt(s.labels)}: ${why}`;
        } else {
          if (kind !== SEQ_FLOAT) return `expected ${kind === SEQ_HISTOGRAM ? 'histogram ' + histogramText(exp.values.hists![0]!) : 'no value'} for ${fmt(s.labels)}, got ${s.v}`;
          if (!floatsEqual(exp.values.values[0], s.v)) return `expected ${exp.values.values[0]} for ${fmt(s.labels)}, got ${s.v}`;
        }
        seen.add(key);
      }
      for (const [key, exp] of cmd.expected) if (!seen.has(key)) return `expected series ${fmt(exp.labels)} not found`;
      return null;
    }
    case 'matrix': {
      if (ordered) return 'expected an ordered vector, got a matrix';
      if (cmd.expectedScalar !== undefined) return 'expected a scalar, got a matrix';
      for (let i = 1; i < v.series.length; i++) {
        const a = v.series[i - 1].labels.flat;
        const b = v.series[i].labels.flat;
        if (compareFlat(a, b) > 0) return `matrix not sorted by labels at index ${i}`;
      }
      const seen = new Set<string>();
      for (const s of v.series) {
        const key = labelsKey(s.labels);
        const exp = cmd.expected.get(key);
        if (exp === undefined) return `unexpected series ${fmt(s.labels)} with ${s.values.length} points`;
        seen.add(key);
        const expT: number[] = [];
        const expV: number[] = [];
        const expHT: number[] = [];
        const expH: Array<[FloatHistogram, boolean]> = [];
        const { kinds, values, hists, hintSet } = exp.values;
        for (let i = 0; i < kinds.length; i++) {
          const t = cmd.start + i * cmd.step;
          if (t > cmd.end) return `expected ${kinds.length} points for ${fmt(s.labels)}, more than the range allows`;
          if (kinds[i] === SEQ_HISTOGRAM) {
            expHT.push(t);
            expH.push([hists![i]!, hintSet![i] === 1]);
          }
          if (kinds[i] === SEQ_FLOAT) {
            expT.push(t);
            expV.push(values[i]);
          }
        }
        const gotH = s.histograms;
        const nh = gotH ? gotH.timestamps.length : 0;
        if (expH.length !== nh) return `expected ${expH.length} histogram points for ${fmt(s.labels)}, got ${nh}${gotH ? ' (' + Array.from(gotH.timestamps, (t, i) => `${t}:${histogramText(gotH.values[i])}`).join(' ') + ')' : ''}`;
        for (let i = 0; i < nh; i++) {
          if (expHT[i] !== gotH!.timestamps[i]) return `histogram point ${i} of ${fmt(s.labels)}: expected timestamp ${expHT[i]}, got ${gotH!.timestamps[i]}`;
          const why = compareHistograms(expH[i][0], gotH!.values[i], expH[i][1]);
          if (why !== null) return `histogram point ${i} (t=${expHT[i]}) of ${fmt(s.labels)}: ${why}`;
        }
        const got = Array.from(s.timestamps, (t, i) => `${t}:${s.values[i]}`).join(' ');
        if (expT.length !== s.values.length) return `expected ${expT.length} points for ${fmt(s.labels)}, got ${s.values.length} (${got})`;
        for (let i = 0; i < expT.length; i++) {
          if (expT[i] !== s.timestamps[i]) return `point ${i} of ${fmt(s.labels)}: expected timestamp ${expT[i]}, got ${s.timestamps[i]} (${got})`;
          if (!floatsEqual(expV[i], s.values[i])) return `point ${i} (t=${expT[i]}) of ${fmt(s.labels)}: expected ${expV[i]}, got ${s.values[i]} (${got})`;
        }
      }
      for (const [key, exp] of cmd.expected) if (!seen.has(key)) return `expected series ${fmt(exp.labels)} not found`;
      return null;
    }
  }
}

/** A histogram in the script notation (populated buckets only), for failure messages. */
export function histogramText(h: FloatHistogram): string {
  const c = compactHistogram(h.copy(), 0);
  const parts = [`schema:${c.schema}`, `count:${c.count}`, `sum:${c.sum}`];
  if (c.zeroCount !== 0) parts.push(`z_bucket:${c.zeroCount}`);
  if (c.zeroThreshold !== 0) parts.push(`z_bucket_w:${c.zeroThreshold}`);
  if (c.schema === CUSTOM_BUCKETS_SCHEMA) parts.push(`custom_values:[${c.customValues.join(' ')}]`);
  parts.push(`counter_reset_hint:${['unknown', 'reset', 'not_reset', 'gauge'][c.counterResetHint]}`);
  const side = (spans: FloatHistogram['positiveSpans'], buckets: number[]): string => {
    const l = bucketList(spans, buckets);
    return l.idx.map((i, k) => `${i}:${l.cnt[k]}`).join(' ');
  };
  if (c.positiveBuckets.length > 0) parts.push(`buckets:{${side(c.positiveSpans, c.positiveBuckets)}}`);
  if (c.negativeBuckets.length > 0) parts.push(`n_buckets:{${side(c.negativeSpans, c.negativeBuckets)}}`);
  return `{{${parts.join(' ')}}}`;
}

/**
 * The harness's histogram comparison (FORMAT.md §7.4): both compacted to their populated buckets, then
 * schema, custom bounds, zero threshold and bucket positions exactly; counts, sum and buckets within the
 * float tolerance; the counter reset hint only when the expectation spells it out.
 */
export function compareHistograms(expected: FloatHistogram, got: FloatHistogram, hintSet: boolean): string | null {
  const e = compactHistogram(expected.copy(), 0);
  const g = compactHistogram(got.copy(), 0);
  const differ = (): string => `expected ${histogramText(expected)}, got ${histogramText(got)}`;
  if (e.schema !== g.schema || !floatsEqual(e.count, g.count) || !floatsEqual(e.sum, g.sum)) return differ();
  if (e.schema === CUSTOM_BUCKETS_SCHEMA && !customBoundsMatch(e.customValues, g.customValues)) return differ();
  if (e.zeroThreshold !== g.zeroThreshold || !floatsEqual(e.zeroCount, g.zeroCount)) return differ();
  const sameSide = (es: FloatHistogram['positiveSpans'], eb: number[], gs: FloatHistogram['positiveSpans'], gb: number[]): boolean => {
    const a = bucketList(es, eb);
    const b = bucketList(gs, gb);
    if (a.idx.length !== b.idx.length) return false;
    for (let i = 0; i < a.idx.length; i++) if (a.idx[i] !== b.idx[i] || !floatsEqual(a.cnt[i], b.cnt[i])) return false;
    return true;
  };
  if (!sameSide(e.negativeSpans, e.negativeBuckets, g.negativeSpans, g.negativeBuckets)) return differ();
  if (!sameSide(e.positiveSpans, e.positiveBuckets, g.positiveSpans, g.positiveBuckets)) return differ();
  if (hintSet && e.counterResetHint !== g.counterResetHint) return differ();
  return null;
}

function compareFlat(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length;
}

/** Names of metrics a query selects by literal name, and whether some selector has no literal name. */
export function selectorNames(expr: Expr): { names: Set<string>; unnamed: boolean } {
  const names = new Set<string>();
  let unnamed = false;
  inspect(expr, (node) => {
    if (node.kind !== 'VectorSelector') return;
    const eq = node.matchers.find((m) => m.name === '__name__' && m.type === '=');
    if (eq) names.add(eq.value);
    else unnamed = true;
  });
  return { names, unnamed };
}
