/**
 * The evaluator: walks the syntax tree once per query and computes each node over the whole step grid.
 * Selectors decode every series once (one pass of the storage iterator) into columns; range functions
 * slide windows over those columns; everything above works on `Float64Array` columns per series.
 */
import { CounterResetHint, FloatHistogram, Labels, type Matcher, VigilError, detectHistogramReset, isStaleNaN } from '@vigil/model';
import type { Querier, Series } from '@vigil/tsdb';
import type { Expr, MatrixSelector, Node, SubqueryExpr, VectorSelector } from './ast.js';
import { annotation } from './annotations.js';
import { Annotations } from './annotations.js';
import { evalAggregation } from './aggregation.js';
import { evalBinary, evalUnary } from './binop.js';
import { evalCall } from './functions.js';
import { QueryLimits } from './limits.js';
import { extendWindow } from './functions-range.js';
import { histogramWeight, interpolateHistograms } from './histogram-ops.js';
import {
  type EvalValue,
  type Grid,
  type HistColumn,
  type MatrixValue,
  type RangeSeries,
  type ScalarValue,
  type StepSeries,
  type VectorValue,
  ColumnPool,
  SampleBuffer,
  countPoints,
  makeGrid,
} from './eval-values.js';

export interface EvaluatorOptions {
  /** How far back an instant selector looks for a sample, ms. */
  readonly lookbackDelta: number;
  /** Prometheus's `promql-delayed-name-removal`: drop `__name__` at the end instead of at once. */
  readonly delayedNameRemoval: boolean;
  /** Range and lookback windows exclude their start (`(t - range, t]`, Prometheus 3.x); false: 2.x's `[t - range, t]`. */
  readonly leftOpen: boolean;
  /** Step of a subquery written without one (`[5m:]`), from its range in ms. */
  readonly noStepSubqueryInterval: (rangeMs: number) => number;
}

/** The query's own time parameters (for `start()`, `end()`, `range()`, `step()` and `@ start()`). */
export interface QueryTimes {
  readonly start: number;
  readonly end: number;
  /** 0 for an instant query. */
  readonly step: number;
}

/** Modifier values resolved before evaluation (duration expressions, `@ start()`/`@ end()`). */
export interface ResolvedModifiers {
  offset: number;
  range: number;
  step: number;
  timestamp: number | null;
}

/** State shared by the evaluators of one query (the outer one and those of subqueries). */
export interface EvalShared {
  readonly querier: Querier;
  readonly limits: QueryLimits;
  readonly annotations: Annotations;
  readonly opts: EvaluatorOptions;
  readonly times: QueryTimes;
  readonly modifiers: Map<Node, ResolvedModifiers>;
  /** Nodes that give the same result at every step (Prometheus's StepInvariantExpr). */
  readonly stepInvariant: Set<Expr>;
  /** The query text (for error messages that quote it). */
  readonly query: string;
  /** Where result columns come from. */
  readonly pool: ColumnPool;
  /**
   * Selectors whose histograms are only read for count and sum (below `histogram_count`/`_sum`/`_avg`):
   * they are read without buckets, with counter resets detected as they are read (Prometheus's
   * HistogramStatsIterator).
   */
  readonly statsOnly: ReadonlySet<VectorSelector>;
}

/** Samples of one series: columns valid up to `length`. */
export interface Samples {
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  /** Native histogram samples (null for floats); null or absent when there are none. */
  readonly hs?: HistColumn | null;
  readonly length: number;
}

/** One series of a range vector; its samples are decoded on demand (`load`), one series at a time. */
export interface RangeSource {
  readonly labels: Labels;
  readonly dropName: boolean;
  /** The samples (stale markers removed); the returned columns may be reused by the next `load`. */
  load(buf: SampleBuffer): Samples;
}

/** A range vector ready for windowed reading: its series plus where its windows sit. */
export interface RangeInput {
  readonly series: RangeSource[];
  /** Window length, ms. */
  readonly range: number;
  /** Offset, ms. */
  readonly offset: number;
  /** `@` time, or null: windows then end at each step's time minus the offset. */
  readonly at: number | null;
  /** The experimental `anchored`/`smoothed` modifier of a range selector, or null. */
  readonly extended: 'anchored' | 'smoothed' | null;
  /** True when no two series have the same labels. */
  readonly distinct: boolean;
}

export class Evaluator {
  readonly n: number;
  private readonly pool: ColumnPool;

  constructor(
    readonly grid: Grid,
    readonly shared: EvalShared,
  ) {
    this.n = grid.n;
    this.pool = shared.pool;
  }

  /** A zeroed value column over the grid. */
  f64(): Float64Array {
    return this.pool.f64(this.n);
  }

  /** A zeroed presence column over the grid. */
  u8(): Uint8Array {
    return this.pool.u8(this.n);
  }

  /** A zeroed column of any length (pooled). */
  f64Len(len: number): Float64Array {
    return this.pool.f64(len);
  }

  private times: Float64Array | null = null;

  /** The time of every step (shared; do not modify). */
  gridTimes(): Float64Array {
    if (this.times === null) {
      this.times = new Float64Array(this.n);
      for (let i = 0; i < this.n; i++) this.times[i] = this.time(i);
    }
    return this.times;
  }

  /** A copy of a column. */
  copyF64(src: Float64Array): Float64Array {
    const c = this.pool.f64(src.length);
    c.set(src);
    return c;
  }

  copyU8(src: Uint8Array): Uint8Array {
    const c = this.pool.u8(src.length);
    c.set(src);
    return c;
  }

  get opts(): EvaluatorOptions {
    return this.shared.opts;
  }

  get annotations(): Annotations {
    return this.shared.annotations;
  }

  get limits(): QueryLimits {
    return this.shared.limits;
  }

  /** True when this is a one-step evaluation (an instant query, or a step-invariant part). */
  get instant(): boolean {
    return this.grid.start === this.grid.end;
  }

  /** Time of step i, ms. */
  time(i: number): number {
    return this.grid.start + i * this.grid.step;
  }

  modifiers(node: Node): ResolvedModifiers {
    const m = this.shared.modifiers.get(node);
    if (m === undefined) throw new VigilError('internal', `unresolved modifiers for ${node.kind}`);
    return m;
  }

  async eval(node: Expr): Promise<EvalValue> {
    await this.limits.pause();
    if (!this.instant && this.shared.stepInvariant.has(node)) return this.evalStepInvariant(node);
    switch (node.kind) {
      case 'NumberLiteral':
        return this.scalar(node.value);
      case 'StringLiteral':
        return { type: 'string', value: node.value };
      case 'ParenExpr':
        return this.eval(node.expr);
      case 'UnaryExpr':
        return evalUnary(this, node);
      case 'BinaryExpr':
        return evalBinary(this, node);
      case 'AggregateExpr':
        return evalAggregation(this, node);
      case 'Call':
        return evalCall(this, node);
      case 'VectorSelector':
        return (await this.evalVectorSelector(node, false)).value;
      case 'MatrixSelector':
        return this.evalMatrixSelectorResult(node);
      case 'SubqueryExpr':
        return this.evalSubqueryResult(node);
    }
  }

  scalar(v: number): ScalarValue {
    return { type: 'scalar', values: this.f64().fill(v) };
  }

  async evalScalar(node: Expr): Promise<ScalarValue> {
    const v = await this.eval(node);
    if (v.type !== 'scalar') throw new VigilError('internal', `expected a scalar, got ${v.type}`);
    return v;
  }

  async evalVector(node: Expr): Promise<VectorValue> {
    const v = await this.eval(node);
    if (v.type !== 'vector') throw new VigilError('internal', `expected an instant vector, got ${v.type}`);
    return v;
  }

  evalString(node: Expr): string {
    let n = node;
    while (n.kind === 'ParenExpr') n = n.expr;
    if (n.kind !== 'StringLiteral') throw new VigilError('internal', `expected a string literal, got ${n.kind}`);
    return n.value;
  }

  private select(vs: VectorSelector, start: number, end: number): Series[] {
    return this.shared.querier.select(vs.matchers, { start, end });
  }

  /**
   * An instant vector selector over the grid: per step, the newest sample in `(t - lookback, t]` (t being
   * the step time, or the `@` time, minus the offset), unless that sample is a staleness marker.
   * With `withTimestamps`, also returns the sample timestamps (for `timestamp()`).
   */
  async evalVectorSelector(vs: VectorSelector, withTimestamps: boolean): Promise<{ value: VectorValue; timestamps: Float64Array[] }> {
    const mod = this.modifiers(vs);
    if (vs.smoothed && !withTimestamps) {
      // timestamp() reads sample timestamps: Prometheus does not smooth its argument.
      const lookback = this.opts.lookbackDelta;
      const mint = (mod.timestamp ?? this.grid.start) - mod.offset - lookback + (this.opts.leftOpen ? 1 : 0);
      const maxt = (mod.timestamp ?? this.grid.end) - mod.offset;
      return this.evalSmoothedSelector(vs, mint, maxt + lookback);
    }
    return this.selectInstant(vs.matchers, mod.offset, mod.timestamp, withTimestamps, this.shared.statsOnly.has(vs));
  }

  /**
   * The instant-vector selection of `matchers` over the grid, with an offset and an optional `@` time
   * (also used by `info()` for the info series).
   */
  async selectInstant(matchers: readonly Matcher[], off: number, at: number | null, withTimestamps: boolean, statsOnly = false): Promise<{ value: VectorValue; timestamps: Float64Array[] }> {
    const lookback = this.opts.lookbackDelta;
    const g = this.grid;
    const n = this.n;
    const open = this.opts.leftOpen ? 1 : 0;
    const mint = (at ?? g.start) - off - lookback + open;
    const maxt = (at ?? g.end) - off;
    const series = this.shared.querier.select(matchers, { start: mint, end: maxt });
    const buf = new SampleBuffer();
    const out: StepSeries[] = [];
    const timestamps: Float64Array[] = [];
    for (const s of series) {
      if (this.limits.due()) await this.limits.pause();
      // Stats-only reading looks one sample further back, as Prometheus's seek does, for reset detection.
      decode(s, statsOnly ? mint - 1 : mint, maxt, buf, true);
      if (statsOnly) toHistogramStats(buf);
      const len = buf.length;
      if (len === 0) continue;
      const ts = buf.ts;
      const vals = buf.vs;
      const hs = buf.hs;
      const values = this.f64();
      const present = this.u8();
      const hist: HistColumn | null = hs === null ? null : new Array(n).fill(null);
      const sampleTs = withTimestamps ? this.f64() : undefined;
      let count = 0;
      let j = -1;
      if (at !== null) {
        const ref = at - off;
        while (j + 1 < len && ts[j + 1] <= ref) j++;
        if (j >= 0 && ts[j] >= ref - lookback + open && !isStaleNaN(vals[j])) {
          values.fill(vals[j]);
          present.fill(1);
          if (hist !== null) hist.fill(hs![j]);
          sampleTs?.fill(ts[j]);
          count = n;
        }
      } else if (hist !== null) {
        for (let i = 0; i < n; i++) {
          const ref = g.start + i * g.step - off;
          while (j + 1 < len && ts[j + 1] <= ref) j++;
          if (j < 0 || ts[j] < ref - lookback + open) continue;
          const v = vals[j];
          if (v !== v && isStaleNaN(v)) continue;
          values[i] = v;
          present[i] = 1;
          hist[i] = hs![j];
          if (sampleTs) sampleTs[i] = ts[j];
          count++;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const ref = g.start + i * g.step - off;
          while (j + 1 < len && ts[j + 1] <= ref) j++;
          if (j < 0 || ts[j] < ref - lookback + open) continue;
          const v = vals[j];
          if (v !== v && isStaleNaN(v)) continue;
          values[i] = v;
          present[i] = 1;
          if (sampleTs) sampleTs[i] = ts[j];
          count++;
        }
      }
      if (count === 0) continue;
      // A histogram weighs as much as Prometheus counts it for the samples limit (its size in 16 bytes).
      if (hist !== null) for (let i = 0; i < n; i++) if (hist[i] !== null) count += histogramWeight(hist[i]!) - 1;
      this.limits.add(count);
      out.push(hist === null ? { labels: s.labels, values, present, dropName: false } : { labels: s.labels, values, present, hist, dropName: false });
      if (sampleTs) timestamps.push(sampleTs);
    }
    return { value: { type: 'vector', series: out, distinct: true }, timestamps };
  }

  /**
   * `foo smoothed` (experimental): per step, the value at exactly the step time, interpolated between
   * the samples around it within the lookback delta (or the last one before it, carried forward).
   */
  private async evalSmoothedSelector(vs: VectorSelector, mint: number, maxt: number): Promise<{ value: VectorValue; timestamps: Float64Array[] }> {
    const mod = this.modifiers(vs);
    const lookback = this.opts.lookbackDelta;
    const open = this.opts.leftOpen ? 1 : 0;
    const series = this.select(vs, mint, maxt);
    const buf = new SampleBuffer();
    const out: StepSeries[] = [];
    const timestamps: Float64Array[] = [];
    for (const s of series) {
      if (this.limits.due()) await this.limits.pause();
      decode(s, mint, maxt, buf, false);
      const len = buf.length;
      if (len === 0) continue;
      const ts = buf.ts;
      const v = buf.vs;
      const hs = buf.hs;
      const values = this.f64();
      const present = this.u8();
      const hist: HistColumn | null = hs === null ? null : new Array(this.n).fill(null);
      const metricName = s.labels.metricName();
      let lo = 0;
      let mid = 0;
      let hiEnd = 0;
      let count = 0;
      for (let i = 0; i < this.n; i++) {
        const dataTs = (mod.timestamp ?? this.time(i)) - mod.offset;
        while (lo < len && ts[lo] < dataTs - lookback + open) lo++;
        if (mid < lo) mid = lo;
        while (mid < len && ts[mid] < dataTs) mid++;
        if (hs !== null) {
          if (hiEnd < mid) hiEnd = mid;
          while (hiEnd < len && ts[hiEnd] <= dataTs + lookback) hiEnd++;
          let nh = 0;
          for (let k = lo; k < hiEnd; k++) if (hs[k] !== null) nh++;
          if (nh > 0) {
            if (nh < hiEnd - lo) {
              this.annotations.add(annotation.mixedFloatsHistograms(metricName, vs.pos));
              continue;
            }
            let h: FloatHistogram | null = null;
            if (mid < hiEnd && ts[mid] === dataTs) {
              h = hs[mid]!;
            } else if (mid > lo && mid < hiEnd) {
              const prev = hs[mid - 1]!;
              const next = hs[mid]!;
              if (prev.usesCustomBuckets() !== next.usesCustomBuckets()) {
                this.annotations.add(annotation.mixedExponentialCustom(metricName, vs.pos));
                continue;
              }
              const isCounter = prev.counterResetHint !== CounterResetHint.Gauge || next.counterResetHint !== CounterResetHint.Gauge;
              h = interpolateHistograms(prev, ts[mid - 1], next, ts[mid], dataTs, isCounter, this.annotations, metricName, vs.pos);
              if (h === null) continue;
            } else if (mid > lo) {
              h = hs[mid - 1]!.copy();
              h.counterResetHint = CounterResetHint.Unknown;
            } else {
              continue;
            }
            hist![i] = h;
            present[i] = 1;
            count++;
            continue;
          }
        }
        if (mid < len && ts[mid] === dataTs) {
          values[i] = v[mid];
        } else if (mid > lo && mid < len && ts[mid] <= dataTs + lookback) {
          values[i] = v[mid - 1] + ((v[mid] - v[mid - 1]) * (dataTs - ts[mid - 1])) / (ts[mid] - ts[mid - 1]);
        } else if (mid > lo) {
          values[i] = v[mid - 1];
        } else {
          continue;
        }
        present[i] = 1;
        count++;
      }
      if (count === 0) continue;
      this.limits.add(count);
      out.push(hist === null ? { labels: s.labels, values, present, dropName: false } : { labels: s.labels, values, present, hist, dropName: false });
    }
    return { value: { type: 'vector', series: out, distinct: true }, timestamps };
  }

  /**
   * A step-invariant part of a range query (e.g. `foo @ 100`, literals): evaluated once at the first step
   * and repeated at every step, as Prometheus does.
   */
  private async evalStepInvariant(node: Expr): Promise<EvalValue> {
    const child = new Evaluator(makeGrid(this.grid.start, this.grid.start, this.grid.step), this.shared);
    const v = await child.eval(node);
    const n = this.n;
    switch (v.type) {
      case 'scalar':
        return { type: 'scalar', values: this.f64().fill(v.values[0]) };
      case 'vector': {
        const series: StepSeries[] = [];
        for (const s of v.series) {
          if (s.present[0] === 0) continue;
          const h = s.hist ? s.hist[0] : null;
          const out: StepSeries = { labels: s.labels, values: this.f64().fill(s.values[0]), present: this.u8().fill(1), dropName: s.dropName };
          if (h) out.hist = new Array(n).fill(h);
          series.push(out);
        }
        this.limits.add(series.length * (n - 1));
        return { type: 'vector', series, distinct: v.distinct };
      }
      default:
        return v;
    }
  }

  /** Decoded samples of a matrix selector, for every window the grid needs. */
  async rangeInputOfSelector(ms: MatrixSelector): Promise<RangeInput> {
    const vs = ms.vectorSelector;
    const mod = this.modifiers(vs);
    const range = this.modifiers(ms).range;
    const g = this.grid;
    const at = mod.timestamp;
    const off = mod.offset;
    const lookback = this.opts.lookbackDelta;
    // Anchored and smoothed ranges also read the lookback delta before (and, smoothed, after) the range.
    const mint = (at ?? g.start) - off - range - (vs.anchored || vs.smoothed ? lookback : 0) + (this.opts.leftOpen ? 1 : 0);
    const maxt = (at ?? g.end) - off + (vs.smoothed ? lookback : 0);
    const series = this.select(vs, mint, maxt);
    const window: SampleWindow = { mint, maxt, statsOnly: this.shared.statsOnly.has(vs) };
    const out: RangeSource[] = new Array(series.length);
    for (let i = 0; i < series.length; i++) out[i] = new SelectedSeries(series[i], window);
    return { series: out, range, offset: off, at, extended: vs.anchored ? 'anchored' : vs.smoothed ? 'smoothed' : null, distinct: true };
  }

  /** A subquery evaluated on its own grid, as a range input. */
  async rangeInputOfSubquery(sq: SubqueryExpr): Promise<RangeInput> {
    const mod = this.modifiers(sq);
    const at = mod.timestamp;
    const off = mod.offset;
    const range = mod.range;
    const step = mod.step !== 0 ? mod.step : this.opts.noStepSubqueryInterval(range);
    if (!(step > 0)) throw new VigilError('bad_data', 'subquery step must be greater than 0');
    const g = this.grid;
    // The parent's last step, as the parent's loop reaches it.
    const parentEnd = at ?? g.start + (g.n - 1) * g.step;
    const parentStart = at ?? g.start;
    const end = parentEnd - off;
    // The first step after (start - offset - range) that is a multiple of the step.
    const lower = parentStart - off - range;
    let start = step * Math.trunc(lower / step);
    if (start < lower + (this.opts.leftOpen ? 1 : 0)) start += step;
    const child = new Evaluator(makeGrid(start, end, step), this.shared);
    const series: RangeSource[] = [];
    let distinct = true;
    if (child.n > 0) {
      const v = await child.eval(sq.expr);
      if (v.type === 'scalar') {
        const ts = new Float64Array(child.n);
        for (let i = 0; i < child.n; i++) ts[i] = child.time(i);
        series.push(materialized({ labels: Labels.EMPTY, ts, vs: v.values.slice(), dropName: false }));
      } else if (v.type === 'vector') {
        distinct = v.distinct === true;
        for (const s of v.series) series.push(materialized(forgetResetHints(stepSeriesToRange(child, s))));
        this.limits.release(totalPresent(v.series));
      }
    }
    return { series, range, offset: off, at, extended: null, distinct };
  }

  /** Top-level `foo[5m]` (instant queries only): the raw samples of each window. */
  private async evalMatrixSelectorResult(ms: MatrixSelector): Promise<MatrixValue> {
    if (!this.instant) throw new VigilError('execution', 'cannot do range evaluation of matrix selector');
    const input = await this.rangeInputOfSelector(ms);
    return { type: 'matrix', series: windowAt(this, input, false) };
  }

  /** Top-level subquery: the subquery's points as a range vector. */
  private async evalSubqueryResult(sq: SubqueryExpr): Promise<MatrixValue> {
    const input = await this.rangeInputOfSubquery(sq);
    if (!this.instant) return { type: 'matrix', series: windowAt(this, input, true) };
    return { type: 'matrix', series: windowAt(this, input, false) };
  }
}

function firstIndexAfter(ts: Float64Array, len: number, x: number): number {
  let i = 0;
  while (i < len && ts[i] <= x) i++;
  return i;
}

interface SampleWindow {
  readonly mint: number;
  readonly maxt: number;
  readonly statsOnly: boolean;
}

/** A selected series as a range source: decoded on `load` (one small object per series, no closure). */
class SelectedSeries implements RangeSource {
  readonly labels: Labels;
  readonly dropName = false;
  private readonly series: Series;
  private readonly window: SampleWindow;

  constructor(series: Series, window: SampleWindow) {
    this.labels = series.labels;
    this.series = series;
    this.window = window;
  }

  load(buf: SampleBuffer): Samples {
    decode(this.series, this.window.mint, this.window.maxt, buf, false);
    if (this.window.statsOnly) toHistogramStats(buf);
    return buf;
  }
}

function materialized(s: RangeSeries): RangeSource {
  const samples: Samples = { ts: s.ts, vs: s.vs, hs: s.hs ?? null, length: s.ts.length };
  return { labels: s.labels, dropName: s.dropName, load: () => samples };
}

/**
 * Subquery results lose explicit counter reset hints: their samples need not be consecutive in storage,
 * so resets are detected anew (as Prometheus does).
 */
function forgetResetHints(s: RangeSeries): RangeSeries {
  const hs = s.hs;
  if (!hs) return s;
  for (let k = 0; k < hs.length; k++) {
    const h = hs[k];
    if (h && (h.counterResetHint === CounterResetHint.NotCounterReset || h.counterResetHint === CounterResetHint.CounterReset)) {
      const c = h.copy();
      c.counterResetHint = CounterResetHint.Unknown;
      hs[k] = c;
    }
  }
  return s;
}

/**
 * Prometheus's HistogramStatsIterator: histograms keep only count, sum, schema and hint, and a sample
 * without a known hint gets one from reset detection against the previous histogram read.
 */
function toHistogramStats(buf: SampleBuffer): void {
  const hs = buf.hs;
  if (hs === null) return;
  let last: FloatHistogram | null = null;
  for (let k = 0; k < buf.length; k++) {
    const h = hs[k];
    if (h === null) continue;
    let hint = h.counterResetHint;
    if (hint === CounterResetHint.Unknown && last !== null) {
      hint = detectHistogramReset(h, last) ? CounterResetHint.CounterReset : CounterResetHint.NotCounterReset;
    }
    last = h;
    hs[k] = new FloatHistogram({ counterResetHint: hint, schema: h.schema, count: h.count, sum: h.sum });
  }
}

/** The samples of each series inside the window of the (single) step of `ev`, or all of them. */
function windowAt(ev: Evaluator, input: RangeInput, all: boolean): RangeSeries[] {
  const end = (input.at ?? ev.grid.start) - input.offset;
  const start = end - input.range + (ev.opts.leftOpen ? 1 : 0);
  const out: RangeSeries[] = [];
  const buf = new SampleBuffer();
  if (input.extended !== null) {
    // Anchored/smoothed: boundary values at the range's ends, the samples strictly inside between them.
    const lookback = ev.opts.lookbackDelta;
    const smoothed = input.extended === 'smoothed';
    for (const src of input.series) {
      const s = src.load(buf);
      if (s.hs) throw new VigilError('execution', `${input.extended} modifier is not supported with histograms`);
      const from = firstIndexAfter(s.ts, s.length, end - input.range - lookback);
      const to = firstIndexAfter(s.ts, s.length, end + (smoothed ? lookback : 0));
      const w = extendWindow(s.ts, s.vs, from, to, end - input.range, end, smoothed);
      if (w.ts.length === 0) continue;
      ev.limits.add(w.ts.length);
      out.push({ labels: src.labels, ts: Float64Array.from(w.ts), vs: Float64Array.from(w.vs), dropName: src.dropName });
    }
    return out;
  }
  for (const src of input.series) {
    const s = src.load(buf);
    let lo = 0;
    let hi = s.length;
    if (!all) {
      while (lo < s.length && s.ts[lo] < start) lo++;
      hi = lo;
      while (hi < s.length && s.ts[hi] <= end) hi++;
    }
    if (hi === lo) continue;
    ev.limits.add(hi - lo);
    const r: RangeSeries = { labels: src.labels, ts: s.ts.slice(lo, hi), vs: s.vs.slice(lo, hi), dropName: src.dropName };
    if (s.hs && s.hs.slice(lo, hi).some((h) => h !== null)) r.hs = s.hs.slice(lo, hi);
    out.push(r);
  }
  return out;
}

function totalPresent(series: readonly StepSeries[]): number {
  let c = 0;
  for (const s of series) c += countPoints(s);
  return c;
}

function stepSeriesToRange(ev: Evaluator, s: StepSeries): RangeSeries {
  const n = ev.n;
  let c = 0;
  for (let i = 0; i < n; i++) c += s.present[i];
  const hist = s.hist;
  // A series with a point at every step shares the grid's timestamps and keeps its own values.
  if (c === n) {
    const r: RangeSeries = { labels: s.labels, ts: ev.gridTimes(), vs: s.values, dropName: s.dropName };
    if (hist) r.hs = hist.slice(0, n);
    return r;
  }
  const ts = ev.f64Len(c);
  const vs = ev.f64Len(c);
  const hs: HistColumn | null = hist ? [] : null;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (s.present[i] === 0) continue;
    ts[k] = ev.time(i);
    vs[k] = s.values[i];
    if (hs !== null) hs.push(hist![i] ?? null);
    k++;
  }
  const r: RangeSeries = { labels: s.labels, ts, vs, dropName: s.dropName };
  if (hs !== null) r.hs = hs;
  return r;
}

/**
 * Reads the samples of `s` with mint <= t <= maxt into `buf` (reset first). Staleness markers are kept
 * for instant selectors (they end a series) and dropped for range selectors (as Prometheus does).
 */
function decode(s: Series, mint: number, maxt: number, buf: SampleBuffer, keepStale: boolean): void {
  buf.reset();
  if (s.readSamples !== undefined) {
    // The storage's batch read: no iterator per series.
    s.readSamples(mint, maxt, buf);
    buf.finish();
    if (!keepStale) dropStaleMarkers(buf);
    return;
  }
  const it = s.iterator();
  if (!it.seek(mint)) return;
  do {
    const t = it.t;
    if (t > maxt) break;
    const h = it.h;
    if (h !== null) {
      if (!keepStale && isStaleNaN(h.sum)) continue;
      buf.pushHistogram(t, h);
      continue;
    }
    const v = it.v;
    if (!keepStale && v !== v && isStaleNaN(v)) continue;
    buf.push(t, v);
  } while (it.next());
  buf.finish();
}

/** Removes staleness markers from `buf` in place. */
function dropStaleMarkers(buf: SampleBuffer): void {
  const ts = buf.ts;
  const vs = buf.vs;
  const hs = buf.hs;
  const n = buf.length;
  let w = 0;
  for (let i = 0; i < n; i++) {
    const v = vs[i];
    if (v !== v && isStaleNaN(v)) continue;
    if (w !== i) {
      ts[w] = ts[i];
      vs[w] = v;
      if (hs !== null) hs[w] = hs[i];
    }
    w++;
  }
  buf.length = w;
  if (hs !== null) {
    hs.length = w;
    if (!hs.some((h) => h !== null)) buf.hs = null;
  }
}
