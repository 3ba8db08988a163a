/**
 * The query engine: instant and range queries over any `Queryable`, with Prometheus 3.x semantics,
 * limits (timeout, max samples, cancellation) and annotations. Results have the shapes of Prometheus's
 * HTTP API (`resultType` scalar, string, vector or matrix).
 */
import { type FloatHistogram, Labels, VigilError, allBuckets, formatApiFloat, formatFloatFixed } from '@vigil/model';
import type { Querier, Queryable } from '@vigil/tsdb';
import { type Expr, type Node, type DurationExpr, type NumberLiteral, type VectorSelector, inspect, type as typeOf } from './ast.js';
import { type Annotation, Annotations } from './annotations.js';
import { dropMetadata, mergeSameLabels } from './eval-labels.js';
import { ColumnPool, type EvalValue, type HistColumn, type StepSeries, makeGrid } from './eval-values.js';
import { type EvalShared, Evaluator, type ResolvedModifiers } from './eval.js';
import { QueryLimits } from './limits.js';
import { type ParseOptions, parseExpr } from './parser.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample, ms (`--query.lookback-delta`, default 5m). */
  readonly lookbackDelta?: number;
  /** Query timeout, ms (`--query.timeout`, default 2m). */
  readonly timeout?: number;
  /** Samples a query may hold in memory at once (`--query.max-samples`, default 50,000,000). */
  readonly maxSamples?: number;
  /**
   * Step of subqueries written without one (`[30m:]`), ms or a function of the subquery range in ms.
   * Prometheus uses the global evaluation interval (default 1m).
   */
  readonly noStepSubqueryInterval?: number | ((rangeMs: number) => number);
  /** Prometheus's experimental `promql-delayed-name-removal` (default false). */
  readonly delayedNameRemoval?: boolean;
  /** Allow the `@` modifier (default true, as Prometheus since 2.33). */
  readonly enableAtModifier?: boolean;
  /** Allow negative offsets (default true). */
  readonly enableNegativeOffset?: boolean;
  /**
   * Prometheus 2.x window boundaries (`[t - range, t]` and a lookback that includes its start) instead of
   * 3.x's left-open ones. Only for comparing with 2.x results; default false.
   */
  readonly leftClosedWindows?: boolean;
  /** Parser settings for queries given as text. */
  readonly parseOptions?: ParseOptions;
  /** Milliseconds clock for timeouts (default `performance.now`). */
  readonly clock?: () => number;
}

export interface QueryOptions {
  /** Aborts the query (e.g. when the HTTP client goes away): it fails with "query was canceled". */
  readonly signal?: AbortSignal;
  /** Overrides the engine's lookback delta for this query, ms. */
  readonly lookbackDelta?: number;
}

export interface InstantSample {
  readonly labels: Labels;
  /** ms */
  readonly t: number;
  /** The float value (0 when the sample is a native histogram). */
  readonly v: number;
  /** The native histogram, when the sample is one (shared with the engine: do not modify). */
  readonly h?: FloatHistogram;
}

/** The histogram points of a matrix series: times (ms, ascending) and histograms. */
export interface HistogramPoints {
  readonly timestamps: Float64Array;
  readonly values: readonly FloatHistogram[];
}

export interface MatrixSeries {
  readonly labels: Labels;
  /** Times of the float points, ms, ascending. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** Native histogram points, when the series has any (a series may hold both kinds). */
  readonly histograms?: HistogramPoints;
}

export type QueryValue =
  | { readonly resultType: 'scalar'; readonly t: number; readonly v: number }
  | { readonly resultType: 'string'; readonly t: number; readonly v: string }
  | { readonly resultType: 'vector'; readonly samples: readonly InstantSample[] }
  | { readonly resultType: 'matrix'; readonly series: readonly MatrixSeries[] };

export interface QueryStats {
  /** Highest number of samples held at once. */
  readonly peakSamples: number;
}

export interface QueryResult {
  readonly value: QueryValue;
  /** Warning annotations as the API shows them: `PromQL warning: <text> (<line>:<col>)`. */
  readonly warnings: string[];
  /** Info annotations: `PromQL info: <text> (<line>:<col>)`. */
  readonly infos: string[];
  readonly annotations: readonly Annotation[];
  readonly stats: QueryStats;
}

const DEFAULT_LOOKBACK = 5 * 60 * 1000;
const DEFAULT_TIMEOUT = 2 * 60 * 1000;
const DEFAULT_MAX_SAMPLES = 50_000_000;

/** Prometheus's name of a value type in messages. */
function documentedType(t: string): string {
  return t === 'matrix' ? 'range vector' : t === 'vector' ? 'instant vector' : t;
}

export class Engine {
  private readonly lookbackDelta: number;
  private readonly timeout: number;
  private readonly maxSamples: number;
  private readonly noStepSubqueryInterval: (rangeMs: number) => number;
  private readonly delayedNameRemoval: boolean;
  private readonly enableAtModifier: boolean;
  private readonly enableNegativeOffset: boolean;
  private readonly parseOptions: ParseOptions | undefined;
  private readonly leftOpen: boolean;
  private readonly clock: () => number;

  constructor(options: EngineOptions = {}) {
    this.lookbackDelta = options.lookbackDelta ?? DEFAULT_LOOKBACK;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
    const nss = options.noStepSubqueryInterval ?? 60_000;
    this.noStepSubqueryInterval = typeof nss === 'number' ? () => nss : nss;
    this.delayedNameRemoval = options.delayedNameRemoval ?? false;
    this.enableAtModifier = options.enableAtModifier ?? true;
    this.enableNegativeOffset = options.enableNegativeOffset ?? true;
    this.parseOptions = options.parseOptions;
    this.leftOpen = !(options.leftClosedWindows ?? false);
    this.clock = options.clock ?? (() => performance.now());
  }

  /** Parses a query with the engine's parser settings. */
  parse(query: string): Expr {
    return parseExpr(query, this.parseOptions);
  }

  /** Evaluates `query` at `time` (ms). */
  async instantQuery(queryable: Queryable, query: string | Expr, time: number, options: QueryOptions = {}): Promise<QueryResult> {
    const { expr, text } = this.toExpr(query);
    return this.exec(queryable, expr, text, time, time, 0, options);
  }

  /** Evaluates `query` at `start`, `start + step`, ... up to `end` (ms). */
  async rangeQuery(queryable: Queryable, query: string | Expr, start: number, end: number, step: number, options: QueryOptions = {}): Promise<QueryResult> {
    const { expr, text } = this.toExpr(query);
    const t = typeOf(expr);
    if (t !== 'vector' && t !== 'scalar') {
      throw new VigilError('bad_data', `invalid expression type "${documentedType(t)}" for range query, must be Scalar or instant Vector`);
    }
    if (!(step > 0)) throw new VigilError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (end < start) throw new VigilError('bad_data', 'end timestamp must not be before start time');
    return this.exec(queryable, expr, text, start, end, step, options);
  }

  private toExpr(query: string | Expr): { expr: Expr; text: string } {
    if (typeof query === 'string') return { expr: this.parse(query), text: query };
    return { expr: query, text: '' };
  }

  private async exec(queryable: Queryable, expr: Expr, text: string, start: number, end: number, step: number, options: QueryOptions): Promise<QueryResult> {
    const lookback = options.lookbackDelta !== undefined && options.lookbackDelta > 0 ? options.lookbackDelta : this.lookbackDelta;
    const limits = new QueryLimits(this.maxSamples, this.timeout, options.signal, this.clock);
    limits.check('query execution');
    this.validate(expr);
    const modifiers = resolveModifiers(expr, start, end, step);
    const stepInvariant = findStepInvariant(expr, modifiers);
    const [mint, maxt] = queryTimeRange(expr, modifiers, start, end, lookback, this.leftOpen ? 1 : 0);
    const querier: Querier = queryable.querier(mint, maxt);
    try {
      const annotations = new Annotations();
      const shared: EvalShared = {
        querier,
        limits,
        annotations,
        opts: { lookbackDelta: lookback, delayedNameRemoval: this.delayedNameRemoval, noStepSubqueryInterval: this.noStepSubqueryInterval, leftOpen: this.leftOpen },
        times: { start, end, step },
        modifiers,
        stepInvariant,
        query: text,
        pool: new ColumnPool(),
        statsOnly: findStatsOnlySelectors(expr),
      };
      const instant = step === 0;
      const grid = makeGrid(start, end, instant ? 1 : step);
      const ev = new Evaluator(grid, shared);
      let v = await ev.eval(expr);
      if (this.delayedNameRemoval) v = cleanupNames(v, grid.n);
      limits.check('expression evaluation');
      const value = instant ? toInstantValue(v, start) : toRangeValue(ev, v);
      const { warnings, infos } = annotations.format(text);
      return { value, warnings, infos, annotations: annotations.all(), stats: { peakSamples: limits.peak } };
    } finally {
      querier.close();
    }
  }

  private validate(expr: Expr): void {
    if (this.enableAtModifier && this.enableNegativeOffset) return;
    inspect(expr, (node) => {
      if (node.kind === 'VectorSelector' || node.kind === 'SubqueryExpr') {
        if (!this.enableAtModifier && (node.timestamp !== null || node.startOrEnd !== null)) throw new VigilError('bad_data', '@ modifier is disabled');
        if (!this.enableNegativeOffset && node.originalOffset < 0) throw new VigilError('bad_data', 'negative offset is disabled');
      }
    });
  }
}

/** Delayed name removal: drop the names marked for dropping, then merge series that became equal. */
function cleanupNames(v: EvalValue, n: number): EvalValue {
  if (v.type !== 'vector') return v;
  const series: StepSeries[] = v.series.map((s) => (s.dropName ? { ...s, labels: dropMetadata(s.labels) } : s));
  return { type: 'vector', series: mergeSameLabels(series, n) };
}

function toInstantValue(v: EvalValue, t: number): QueryValue {
  switch (v.type) {
    case 'scalar':
      return { resultType: 'scalar', t, v: v.values[0] };
    case 'string':
      return { resultType: 'string', t, v: v.value };
    case 'vector': {
      const samples: InstantSample[] = [];
      for (const s of v.series) {
        if (s.present[0] === 0) continue;
        const h = s.hist ? s.hist[0] : null;
        samples.push(h ? { labels: s.labels, t, v: 0, h } : { labels: s.labels, t, v: s.values[0] });
      }
      return { resultType: 'vector', samples };
    }
    case 'matrix': {
      const series = v.series.map((s) => (s.hs ? splitPoints(s.labels, s.ts, s.vs, s.hs) : { labels: s.labels, timestamps: s.ts, values: s.vs }));
      series.sort((a, b) => Labels.compare(a.labels, b.labels));
      return { resultType: 'matrix', series };
    }
  }
}

function toRangeValue(ev: Evaluator, v: EvalValue): QueryValue {
  const n = ev.n;
  let stepSeries: StepSeries[];
  if (v.type === 'scalar') {
    stepSeries = [{ labels: Labels.EMPTY, values: v.values, present: new Uint8Array(n).fill(1), dropName: false }];
  } else if (v.type === 'vector') {
    stepSeries = v.series;
  } else {
    throw new VigilError('execution', `invalid expression type "${documentedType(v.type)}" for range query, must be Scalar or instant Vector`);
  }
  const series: MatrixSeries[] = [];
  for (const s of stepSeries) {
    let c = 0;
    for (let i = 0; i < n; i++) c += s.present[i];
    if (c === 0) continue;
    if (s.hist) {
      series.push(splitSteps(ev, s, c));
      continue;
    }
    if (c === n) {
      // Dense series share the grid's timestamps and keep their value column.
      series.push({ labels: s.labels, timestamps: ev.gridTimes(), values: s.values });
      continue;
    }
    const timestamps = new Float64Array(c);
    const values = new Float64Array(c);
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (s.present[i] === 0) continue;
      timestamps[k] = ev.time(i);
      values[k] = s.values[i];
      k++;
    }
    series.push({ labels: s.labels, timestamps, values });
  }
  series.sort((a, b) => Labels.compare(a.labels, b.labels));
  return { resultType: 'matrix', series };
}

/** A matrix series from mixed sample columns: floats and histograms apart. */
function splitPoints(labels: Labels, ts: Float64Array, vs: Float64Array, hs: HistColumn): MatrixSeries {
  let nh = 0;
  for (let k = 0; k < ts.length; k++) if (hs[k]) nh++;
  const timestamps = new Float64Array(ts.length - nh);
  const values = new Float64Array(ts.length - nh);
  const hts = new Float64Array(nh);
  const hvs: FloatHistogram[] = [];
  let f = 0;
  for (let k = 0; k < ts.length; k++) {
    const h = hs[k];
    if (h) {
      hts[hvs.length] = ts[k];
      hvs.push(h);
    } else {
      timestamps[f] = ts[k];
      values[f] = vs[k];
      f++;
    }
  }
  return nh === 0 ? { labels, timestamps, values } : { labels, timestamps, values, histograms: { timestamps: hts, values: hvs } };
}

/** The matrix series of a step series with histogram points (`c` points in all). */
function splitSteps(ev: Evaluator, s: StepSeries, c: number): MatrixSeries {
  const ts = new Float64Array(c);
  const vs = new Float64Array(c);
  const hs: HistColumn = [];
  let k = 0;
  for (let i = 0; i < ev.n; i++) {
    if (s.present[i] === 0) continue;
    ts[k] = ev.time(i);
    vs[k] = s.values[i];
    hs.push(s.hist![i] ?? null);
    k++;
  }
  return splitPoints(s.labels, ts, vs, hs);
}

/** Prometheus's JSON of a native histogram: count, sum and the populated buckets with boundary rules. */
export function histogramJSON(h: FloatHistogram): { count: string; sum: string; buckets?: Array<[number, string, string, string]> } {
  const buckets: Array<[number, string, string, string]> = [];
  for (const b of allBuckets(h)) {
    if (b.count === 0) continue;
    // 0: open left, 1: open right, 2: open both, 3: closed both.
    const rule = b.lowerInclusive ? (b.upperInclusive ? 3 : 1) : b.upperInclusive ? 0 : 2;
    buckets.push([rule, formatApiFloat(b.lower), formatApiFloat(b.upper), formatApiFloat(b.count)]);
  }
  const out: { count: string; sum: string; buckets?: Array<[number, string, string, string]> } = { count: formatApiFloat(h.count), sum: formatApiFloat(h.sum) };
  if (buckets.length > 0) out.buckets = buckets;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Preparation: modifiers, step invariance, the time range the querier must cover.

function durationError(node: Node, why: string): VigilError {
  return new VigilError('bad_data', `${node.pos.start}:${node.pos.end}: ${why}`);
}

/** Evaluates a duration expression (seconds) with the query's step and range. */
function durationValue(e: NumberLiteral | DurationExpr, stepSec: number, rangeSec: number): number {
  if (e.kind === 'NumberLiteral') return e.value;
  const l = e.lhs === null ? 0 : durationValue(e.lhs, stepSec, rangeSec);
  const r = e.rhs === null ? 0 : durationValue(e.rhs, stepSec, rangeSec);
  switch (e.op) {
    case 'step': return stepSec;
    case 'range': return rangeSec;
    case 'min_of': return Math.min(l, r);
    case 'max_of': return Math.max(l, r);
    case '+': return e.lhs === null ? r : l + r;
    case '-': return e.lhs === null ? -r : l - r;
    case '*': return l * r;
    case '/':
      if (r === 0) throw durationError(e, 'division by zero');
      return l / r;
    case '%':
      if (r === 0) throw durationError(e, 'modulo by zero');
      return l % r;
    case '^': return l ** r;
  }
}

function durationMs(e: DurationExpr, allowNegative: boolean, stepSec: number, rangeSec: number): number {
  const d = durationValue(e, stepSec, rangeSec);
  if (!Number.isFinite(d)) throw durationError(e, 'duration is NaN or infinite');
  if (d <= 0 && !allowNegative) throw durationError(e, 'duration must be greater than 0');
  if (Math.abs(d) > 9223372036.854775) throw durationError(e, 'duration is out of range');
  return Math.trunc(d * 1000);
}

/** Resolves duration expressions and `@ start()`/`@ end()` for every selector and subquery. */
export function resolveModifiers(expr: Expr, start: number, end: number, step: number): Map<Node, ResolvedModifiers> {
  const stepSec = step / 1000;
  const rangeSec = (end - start) / 1000;
  const out = new Map<Node, ResolvedModifiers>();
  const at = (ts: number | null, se: 'start' | 'end' | null): number | null => (ts !== null ? ts : se === 'start' ? start : se === 'end' ? end : null);
  inspect(expr, (node) => {
    switch (node.kind) {
      case 'VectorSelector':
        out.set(node, {
          offset: node.offsetExpr ? durationMs(node.offsetExpr, true, stepSec, rangeSec) : node.originalOffset,
          range: 0,
          step: 0,
          timestamp: at(node.timestamp, node.startOrEnd),
        });
        break;
      case 'MatrixSelector':
        out.set(node, { offset: 0, range: node.rangeExpr ? durationMs(node.rangeExpr, false, stepSec, rangeSec) : node.range, step: 0, timestamp: null });
        break;
      case 'SubqueryExpr':
        out.set(node, {
          offset: node.offsetExpr ? durationMs(node.offsetExpr, true, stepSec, rangeSec) : node.originalOffset,
          range: node.rangeExpr ? durationMs(node.rangeExpr, false, stepSec, rangeSec) : node.range,
          step: node.stepExpr ? durationMs(node.stepExpr, false, stepSec, rangeSec) : node.step,
          timestamp: at(node.timestamp, node.startOrEnd),
        });
        break;
    }
  });
  return out;
}

/** Functions whose result depends on the evaluation time even when their arguments do not. */
const AT_MODIFIER_UNSAFE = new Set([
  'days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'end', 'hour', 'minute', 'month', 'year',
  'predict_linear', 'range', 'start', 'step', 'time', 'timestamp',
]);

/**
 * Marks the largest step-invariant parts of the expression (Prometheus's StepInvariantExpr wrapping):
 * they are evaluated once and repeated across steps.
 */
export function findStepInvariant(expr: Expr, modifiers: Map<Node, ResolvedModifiers>): Set<Expr> {
  const wrapped = new Set<Expr>();
  const unwrap = (e: Expr): Expr => {
    while (e.kind === 'ParenExpr') e = e.expr;
    return e;
  };
  const helper = (e: Expr): [boolean, boolean] => {
    switch (e.kind) {
      case 'VectorSelector': {
        const ts = modifiers.get(e)!.timestamp;
        return [ts !== null, ts !== null];
      }
      case 'AggregateExpr':
        return helper(unwrap(e.expr));
      case 'BinaryExpr': {
        const [li, lw] = helper(e.lhs);
        const [ri, rw] = helper(e.rhs);
        if (li && ri) return [true, true];
        if (lw) wrapped.add(e.lhs);
        if (rw) wrapped.add(e.rhs);
        return [false, false];
      }
      case 'Call': {
        let invariant = !AT_MODIFIER_UNSAFE.has(e.func.name);
        let timestampSafe = e.func.name === 'timestamp';
        const should: boolean[] = [];
        for (const a of e.args) {
          const arg = unwrap(a);
          const [ai, aw] = helper(arg);
          should.push(aw);
          invariant = invariant && ai;
          if (!ai || arg.kind !== 'VectorSelector') timestampSafe = false;
        }
        if (invariant || timestampSafe) return [true, true];
        e.args.forEach((a, i) => {
          if (should[i]) wrapped.add(a);
        });
        return [false, false];
      }
      case 'MatrixSelector':
        return [helper(e.vectorSelector)[0], false];
      case 'SubqueryExpr': {
        const [inv] = helper(e.expr);
        if (inv) wrapped.add(e.expr);
        return [modifiers.get(e)!.timestamp !== null, false];
      }
      case 'ParenExpr':
      case 'UnaryExpr':
        return helper(e.expr);
      case 'StringLiteral':
      case 'NumberLiteral':
        return [true, false];
    }
  };
  const [, wrapWhole] = helper(expr);
  if (wrapWhole) wrapped.add(expr);
  return wrapped;
}

/**
 * Selectors whose histograms only need count and sum: below `histogram_count`, `histogram_sum` or
 * `histogram_avg`, with no subquery, `histogram_quantile(s)`, `histogram_fraction` or trim operator
 * closer to them (Prometheus's detectHistogramStatsDecoding).
 */
export function findStatsOnlySelectors(expr: Expr): Set<VectorSelector> {
  const out = new Set<VectorSelector>();
  inspect(expr, (node, path) => {
    if (node.kind !== 'VectorSelector') return;
    let skip = false;
    for (let i = path.length - 1; i >= 0; i--) {
      const p = path[i];
      if (p.kind === 'SubqueryExpr') {
        skip = false;
        break;
      }
      if (p.kind === 'Call') {
        const name = p.func.name;
        if (name === 'histogram_count' || name === 'histogram_sum' || name === 'histogram_avg') skip = true;
        else if (name === 'histogram_quantile' || name === 'histogram_quantiles' || name === 'histogram_fraction') {
          skip = false;
          break;
        }
      }
      if (p.kind === 'BinaryExpr' && (p.op === '</' || p.op === '>/')) {
        skip = false;
        break;
      }
    }
    if (skip) out.add(node);
  });
  return out;
}

/** The earliest and latest sample time the query can read (Prometheus's FindMinMaxTime). */
export function queryTimeRange(expr: Expr, modifiers: Map<Node, ResolvedModifiers>, start: number, end: number, lookback: number, open = 1): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  inspect(expr, (node, path) => {
    if (node.kind !== 'VectorSelector') return;
    let subqOffset = 0;
    let subqRange = 0;
    let subqTs: number | null = null;
    for (const p of path) {
      if (p.kind !== 'SubqueryExpr') continue;
      const m = modifiers.get(p)!;
      subqOffset += m.offset;
      subqRange += m.range;
      if (m.timestamp !== null) {
        subqOffset = m.offset;
        subqRange = m.range;
        subqTs = m.timestamp;
      }
    }
    let s = start;
    let e = end;
    if (subqTs !== null) {
      s = subqTs;
      e = subqTs;
    }
    const m = modifiers.get(node)!;
    if (m.timestamp !== null) {
      s = m.timestamp;
      e = m.timestamp;
    } else {
      s -= subqOffset + subqRange;
      e -= subqOffset;
    }
    const parent = path.length > 0 ? path[path.length - 1] : null;
    if (parent !== null && parent.kind === 'MatrixSelector') {
      s -= modifiers.get(parent)!.range - open;
      if (node.anchored || node.smoothed) s -= lookback;
    } else {
      s -= lookback - open;
    }
    if (node.smoothed) e += lookback;
    s -= m.offset;
    e -= m.offset;
    if (s < min) min = s;
    if (e > max) max = e;
  });
  if (max === -Infinity) return [0, 0];
  return [min, max];
}

/** The `data` member of Prometheus's `/api/v1/query` response, ready for `JSON.stringify`. */
export function toPrometheusData(value: QueryValue): { resultType: string; result: unknown } {
  const ts = (ms: number): number => ms / 1000;
  switch (value.resultType) {
    case 'scalar':
      // promql.Scalar marshals its value with 'f' formatting, unlike samples (`formatApiFloat`).
      return { resultType: 'scalar', result: [ts(value.t), formatFloatFixed(value.v)] };
    case 'string':
      return { resultType: 'string', result: [ts(value.t), value.v] };
    case 'vector':
      return {
        resultType: 'vector',
        result: value.samples.map((s) =>
          s.h ? { metric: s.labels.toObject(), histogram: [ts(s.t), histogramJSON(s.h)] } : { metric: s.labels.toObject(), value: [ts(s.t), formatApiFloat(s.v)] },
        ),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: value.series.map((s) => {
          const out: Record<string, unknown> = { metric: s.labels.toObject() };
          if (s.timestamps.length > 0 || !s.histograms) out.values = Array.from(s.timestamps, (t, i) => [ts(t), formatApiFloat(s.values[i])]);
          if (s.histograms) out.histograms = Array.from(s.histograms.timestamps, (t, i) => [ts(t), histogramJSON(s.histograms!.values[i])]);
          return out;
        }),
      };
  }
}
