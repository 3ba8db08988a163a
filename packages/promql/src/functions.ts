/**
 * Function calls: dispatch, the range-vector path (windows over decoded series, see functions-range.ts)
 * and the instant-vector functions (math, time, labels, sorting, `absent`, `scalar`, ...).
 */
import { type FloatHistogram, Labels, LabelsBuilder, VigilError, allBuckets } from '@vigil/model';
import type { Call, Expr, MatrixSelector, SubqueryExpr } from './ast.js';
import { annotation } from './annotations.js';
import { checkNoSameLabels, dropMetadata, mergeSameLabels, sameMetadata } from './eval-labels.js';
import { type EvalValue, type HistColumn, type ScalarValue, type StepSeries, type VectorValue, SampleBuffer } from './eval-values.js';
import type { Evaluator, RangeInput } from './eval.js';
import { EXTENDED_KERNELS, RANGE_KERNELS, type Windows, fillWindows, kahan, kahanInc } from './functions-range.js';
import { evalHistogramRange, hasHistograms } from './functions-range-histogram.js';
import { histogramFraction, histogramQuantile, histogramQuantiles } from './functions-histogram.js';
import { evalInfo } from './functions-info.js';
import { evalLabelJoin, evalLabelReplace } from './functions-labels.js';
import { DATE_FUNCTIONS, evalDateFunction } from './functions-time.js';

function unwrap(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

export async function evalCall(ev: Evaluator, call: Call): Promise<EvalValue> {
  const name = call.func.name;
  if (name === 'timestamp') {
    const arg = unwrap(call.args[0]);
    if (arg.kind === 'VectorSelector') return timestampOfSelector(ev, arg);
  }
  let matrixIndex = -1;
  for (let i = 0; i < call.args.length; i++) {
    const a = unwrap(call.args[i]);
    if (a.kind === 'MatrixSelector' || a.kind === 'SubqueryExpr') {
      matrixIndex = i;
      break;
    }
  }
  switch (name) {
    case 'label_replace':
      return evalLabelReplace(ev, call);
    case 'label_join':
      return evalLabelJoin(ev, call);
    case 'info':
      return evalInfo(ev, call);
  }
  if ((name === 'sort' || name === 'sort_desc' || name === 'sort_by_label' || name === 'sort_by_label_desc') && !ev.instant) {
    ev.annotations.add(annotation.sortInRangeQuery(call.pos));
  }
  if (matrixIndex >= 0) return evalRangeFunction(ev, call, matrixIndex);
  return evalInstantFunction(ev, call);
}

// ---------------------------------------------------------------------------------------------------
// Range-vector functions

const ANCHORED_SAFE = ['changes', 'delta', 'increase', 'rate', 'resets'];
const SMOOTHED_SAFE = ['delta', 'increase', 'rate'];

async function evalRangeFunction(ev: Evaluator, call: Call, matrixIndex: number): Promise<VectorValue> {
  const name = call.func.name;
  const arg = unwrap(call.args[matrixIndex]) as MatrixSelector | SubqueryExpr;
  if (arg.kind === 'MatrixSelector') {
    const vs = arg.vectorSelector;
    if (vs.anchored && !ANCHORED_SAFE.includes(name)) {
      throw new VigilError('execution', `anchored modifier can only be used with: ${ANCHORED_SAFE.join(', ')} - not with ${name}`);
    }
    if (vs.smoothed && !SMOOTHED_SAFE.includes(name)) {
      throw new VigilError('execution', `smoothed modifier can only be used with: ${SMOOTHED_SAFE.join(', ')} - not with ${name}`);
    }
  }
  const ext = arg.kind === 'MatrixSelector' ? (arg.vectorSelector.anchored ? 'a' : arg.vectorSelector.smoothed ? 's' : '') : '';
  const kernel = ext === '' ? RANGE_KERNELS.get(name) : EXTENDED_KERNELS.get(ext + ':' + name);
  if (kernel === undefined) throw new VigilError('execution', `function ${name}() over a range vector is not supported`);
  const params: Float64Array[] = [];
  for (let i = 0; i < call.args.length; i++) {
    if (i !== matrixIndex) params.push((await ev.evalScalar(call.args[i])).values);
  }
  const input: RangeInput = arg.kind === 'MatrixSelector' ? await ev.rangeInputOfSelector(arg) : await ev.rangeInputOfSubquery(arg);
  const n = ev.n;
  const rangeEnd = ev.f64();
  const stepTime = ev.f64();
  for (let i = 0; i < n; i++) {
    stepTime[i] = ev.time(i);
    rangeEnd[i] = (input.at ?? stepTime[i]) - input.offset;
  }
  const lookback = ev.opts.lookbackDelta;
  const w: Windows = {
    n,
    lo: new Int32Array(n),
    hi: new Int32Array(n),
    rangeEnd,
    stepTime,
    rangeMs: input.range,
    open: ev.opts.leftOpen ? 1 : 0,
    extBefore: ext === '' ? 0 : lookback,
    extAfter: ext === 's' ? lookback : 0,
  };
  const keepName = name === 'last_over_time' || name === 'first_over_time';
  const delayed = ev.opts.delayedNameRemoval;
  const checkCounter = name === 'rate' || name === 'increase';
  const out: StepSeries[] = [];
  const buf = new SampleBuffer();
  for (const src of input.series) {
    if (ev.limits.due()) await ev.limits.pause();
    const s = src.load(buf);
    if (s.length === 0) continue;
    fillWindows(s.ts, s.length, w);
    let maxWindow = 0;
    for (let i = 0; i < n; i++) if (w.hi[i] - w.lo[i] > maxWindow) maxWindow = w.hi[i] - w.lo[i];
    if (maxWindow === 0) continue;
    ev.limits.add(maxWindow);
    const values = ev.f64();
    const present = ev.u8();
    let hist: HistColumn | null = null;
    if (hasHistograms(s)) {
      const ctx = { name, ext: ext as '' | 'a' | 's', annotations: ev.annotations, metricName: src.labels.metricName(), pos: call.args[0].pos };
      hist = evalHistogramRange(ctx, s, w, params, kernel, values, present);
    } else {
      kernel(s.ts, s.vs, w, params, values, present);
    }
    ev.limits.release(maxWindow);
    let count = 0;
    for (let i = 0; i < n; i++) count += present[i];
    if (count === 0) continue;
    let floats = count;
    if (hist !== null) for (let i = 0; i < n; i++) if (hist[i] !== null) floats--;
    ev.limits.add(count);
    const dropName = !keepName || src.dropName;
    const labels = !delayed && dropName ? dropMetadata(src.labels) : src.labels;
    out.push(hist === null ? { labels, values, present, dropName } : { labels, values, present, hist, dropName });
    if (checkCounter && floats > 0) {
      const metricName = src.labels.metricName();
      if (metricName !== '' && !/(_total|_sum|_count|_bucket)$/.test(metricName)) {
        ev.annotations.add(annotation.possibleNonCounter(metricName, call.args[0].pos));
      }
    }
    if (name === 'quantile_over_time') {
      const qs = params[0];
      for (let i = 0; i < n; i++) {
        const q = qs[i];
        if (present[i] === 1 && (q !== q || q < 0 || q > 1)) {
          ev.annotations.add(annotation.invalidQuantile(q, call.args[0].pos));
          break;
        }
      }
    }
  }
  if (name === 'absent_over_time') return absentOverTime(ev, call, out);
  // Outputs are distinct when the inputs are and dropping the name cannot make two of them equal.
  const distinct = delayed || input.series.length < 2 || (input.distinct && sameMetadataSources(input.series));
  if (!delayed && !distinct) checkNoSameLabels(out);
  return { type: 'vector', series: out, distinct: !delayed || distinct };
}

function absentOverTime(ev: Evaluator, call: Call, found: StepSeries[]): VectorValue {
  const n = ev.n;
  const values = ev.f64().fill(1);
  const present = ev.u8().fill(1);
  let missing = n;
  for (const s of found) {
    for (let i = 0; i < n; i++) {
      if (s.present[i] === 1 && present[i] === 1) {
        present[i] = 0;
        missing--;
      }
    }
  }
  if (missing === 0) return { type: 'vector', series: [] };
  return { type: 'vector', series: [{ labels: labelsForAbsent(call.args[0]), values, present, dropName: true }] };
}

/** The labels `absent()` reports: those fixed by equality matchers (a label matched twice is left out). */
export function labelsForAbsent(arg: Expr): Labels {
  const e = unwrap(arg);
  const matchers = e.kind === 'VectorSelector' ? e.matchers : e.kind === 'MatrixSelector' ? e.vectorSelector.matchers : null;
  if (matchers === null) return Labels.EMPTY;
  const b = new LabelsBuilder();
  const has = new Set<string>();
  for (const m of matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !has.has(m.name)) {
      b.set(m.name, m.value);
      has.add(m.name);
    } else {
      b.del(m.name);
    }
  }
  return b.labels();
}

// ---------------------------------------------------------------------------------------------------
// Instant-vector functions

const MATH: ReadonlyMap<string, (v: number) => number> = new Map<string, (v: number) => number>([
  ['abs', Math.abs],
  ['ceil', Math.ceil],
  ['floor', Math.floor],
  ['exp', Math.exp],
  ['sqrt', Math.sqrt],
  ['ln', Math.log],
  ['log2', Math.log2],
  ['log10', Math.log10],
  ['sin', Math.sin],
  ['cos', Math.cos],
  ['tan', Math.tan],
  ['asin', Math.asin],
  ['acos', Math.acos],
  ['atan', Math.atan],
  ['sinh', Math.sinh],
  ['cosh', Math.cosh],
  ['tanh', Math.tanh],
  ['asinh', Math.asinh],
  ['acosh', Math.acosh],
  ['atanh', Math.atanh],
  ['rad', (v) => (v * Math.PI) / 180],
  ['deg', (v) => (v * 180) / Math.PI],
  ['sgn', (v) => (v < 0 ? -1 : v > 0 ? 1 : v)],
]);

/** A new series from `s` with the name dropped (now, or at the end with delayed name removal). */
export function derivedSeries(ev: Evaluator, s: StepSeries, values: Float64Array, present: Uint8Array): StepSeries {
  const labels = ev.opts.delayedNameRemoval ? s.labels : dropMetadata(s.labels);
  return { labels, values, present, dropName: true };
}

/** The presence of the float points of `s` (histogram points left out); `s.present` itself without histograms. */
export function floatPresence(ev: Evaluator, s: StepSeries): Uint8Array {
  const p = ev.copyU8(s.present);
  const hist = s.hist;
  if (hist) for (let i = 0; i < p.length; i++) if (hist[i] !== null) p[i] = 0;
  return p;
}

/** Finishes an instant function's output: equal label sets merge (or fail when they collide). */
export function finishVector(ev: Evaluator, series: StepSeries[], distinct = false): VectorValue {
  if (distinct) return { type: 'vector', series, distinct: true };
  if (ev.instant) {
    if (!ev.opts.delayedNameRemoval) {
      checkNoSameLabels(series);
      return { type: 'vector', series, distinct: true };
    }
    return { type: 'vector', series };
  }
  return { type: 'vector', series: mergeSameLabels(series, ev.n), distinct: true };
}

/** The outputs of a per-series function keep the inputs' distinctness when the names they lose were all equal. */
export function keepsDistinct(input: VectorValue): boolean {
  return input.distinct === true && sameMetadata(input.series);
}

function sameMetadataSources(series: readonly { labels: Labels }[]): boolean {
  return sameMetadata(series as unknown as StepSeries[]);
}

function mapValues(ev: Evaluator, input: VectorValue, f: (v: number) => number): VectorValue {
  const n = ev.n;
  const out: StepSeries[] = [];
  for (const s of input.series) {
    const values = ev.f64();
    const src = s.values;
    const p = s.present;
    for (let i = 0; i < n; i++) if (p[i] === 1) values[i] = f(src[i]);
    out.push(derivedSeries(ev, s, values, floatPresence(ev, s)));
  }
  return finishVector(ev, out, keepsDistinct(input));
}

function scalarOf(values: Float64Array): ScalarValue {
  return { type: 'scalar', values };
}

async function evalInstantFunction(ev: Evaluator, call: Call): Promise<EvalValue> {
  const name = call.func.name;
  const n = ev.n;
  const math = MATH.get(name);
  if (math !== undefined) return mapValues(ev, await ev.evalVector(call.args[0]), math);
  if (DATE_FUNCTIONS.has(name)) {
    return evalDateFunction(ev, name, call.args.length === 0 ? null : await ev.evalVector(call.args[0]));
  }
  const times = ev.shared.times;
  switch (name) {
    case 'time': {
      const v = ev.f64();
      for (let i = 0; i < n; i++) v[i] = ev.time(i) / 1000;
      return scalarOf(v);
    }
    case 'pi':
      return ev.scalar(Math.PI);
    case 'start':
      return ev.scalar(times.start / 1000);
    case 'end':
      return ev.scalar(times.end / 1000);
    case 'range':
      return ev.scalar((times.end - times.start) / 1000);
    case 'step':
      return ev.scalar(times.start === times.end ? 0 : times.step / 1000);
    case 'min_of':
    case 'max_of': {
      const a = (await ev.evalScalar(call.args[0])).values;
      const b = (await ev.evalScalar(call.args[1])).values;
      const v = ev.f64();
      for (let i = 0; i < n; i++) v[i] = name === 'min_of' ? Math.min(a[i], b[i]) : Math.max(a[i], b[i]);
      return scalarOf(v);
    }
    case 'vector': {
      const s = (await ev.evalScalar(call.args[0])).values;
      return { type: 'vector', series: [{ labels: Labels.EMPTY, values: ev.copyF64(s), present: ev.u8().fill(1), dropName: false }] };
    }
    case 'scalar': {
      const input = await ev.evalVector(call.args[0]);
      const v = ev.f64();
      for (let i = 0; i < n; i++) {
        let found = 0;
        let value = NaN;
        for (const s of input.series) {
          if (s.present[i] === 1 && (!s.hist || s.hist[i] === null)) {
            found++;
            value = s.values[i];
          }
        }
        v[i] = found === 1 ? value : NaN;
      }
      return scalarOf(v);
    }
    case 'absent': {
      const input = await ev.evalVector(call.args[0]);
      const values = ev.f64().fill(1);
      const present = ev.u8().fill(1);
      let any = false;
      for (let i = 0; i < n; i++) {
        for (const s of input.series) {
          if (s.present[i] === 1) {
            present[i] = 0;
            break;
          }
        }
        if (present[i] === 1) any = true;
      }
      if (!any) return { type: 'vector', series: [] };
      return { type: 'vector', series: [{ labels: labelsForAbsent(call.args[0]), values, present, dropName: false }] };
    }
    case 'round': {
      const input = await ev.evalVector(call.args[0]);
      const to = call.args.length > 1 ? (await ev.evalScalar(call.args[1])).values : ev.f64().fill(1);
      const out: StepSeries[] = [];
      for (const s of input.series) {
        const values = ev.f64();
        for (let i = 0; i < n; i++) {
          if (s.present[i] === 0) continue;
          // Rounding with the inverse causes fewer floating point surprises (as Prometheus does).
          const inv = 1 / to[i];
          values[i] = Math.floor(s.values[i] * inv + 0.5) / inv;
        }
        out.push(derivedSeries(ev, s, values, floatPresence(ev, s)));
      }
      return finishVector(ev, out, keepsDistinct(input));
    }
    case 'clamp':
    case 'clamp_min':
    case 'clamp_max': {
      const input = await ev.evalVector(call.args[0]);
      let lo: Float64Array;
      let hi: Float64Array;
      if (name === 'clamp') {
        lo = (await ev.evalScalar(call.args[1])).values;
        hi = (await ev.evalScalar(call.args[2])).values;
      } else if (name === 'clamp_min') {
        lo = (await ev.evalScalar(call.args[1])).values;
        hi = ev.f64().fill(Infinity);
      } else {
        lo = ev.f64().fill(-Infinity);
        hi = (await ev.evalScalar(call.args[1])).values;
      }
      const out: StepSeries[] = [];
      for (const s of input.series) {
        const values = ev.f64();
        const present = ev.u8();
        let any = false;
        for (let i = 0; i < n; i++) {
          if (s.present[i] === 0 || hi[i] < lo[i] || (s.hist && s.hist[i] !== null)) continue;
          values[i] = Math.max(lo[i], Math.min(hi[i], s.values[i]));
          present[i] = 1;
          any = true;
        }
        if (any) out.push(derivedSeries(ev, s, values, present));
      }
      return finishVector(ev, out, keepsDistinct(input));
    }
    case 'timestamp': {
      const input = await ev.evalVector(call.args[0]);
      const out: StepSeries[] = [];
      for (const s of input.series) {
        const values = ev.f64();
        for (let i = 0; i < n; i++) if (s.present[i] === 1) values[i] = ev.time(i) / 1000;
        out.push(derivedSeries(ev, s, values, ev.copyU8(s.present)));
      }
      return finishVector(ev, out, keepsDistinct(input));
    }
    case 'sort':
    case 'sort_desc':
      return sortByValue(ev, await ev.evalVector(call.args[0]), name === 'sort_desc');
    case 'sort_by_label':
    case 'sort_by_label_desc': {
      const input = await ev.evalVector(call.args[0]);
      const names = call.args.slice(1).map((a) => ev.evalString(a));
      return sortByLabel(ev, input, names, name === 'sort_by_label_desc');
    }
    case 'histogram_quantile':
      return histogramQuantile(ev, call, (await ev.evalScalar(call.args[0])).values, await ev.evalVector(call.args[1]));
    case 'histogram_quantiles': {
      const input = await ev.evalVector(call.args[0]);
      const label = ev.evalString(call.args[1]);
      const qs: Float64Array[] = [];
      for (const a of call.args.slice(2)) qs.push((await ev.evalScalar(a)).values);
      return histogramQuantiles(ev, call, input, label, qs);
    }
    case 'histogram_fraction': {
      const lower = (await ev.evalScalar(call.args[0])).values;
      const upper = (await ev.evalScalar(call.args[1])).values;
      return histogramFraction(ev, call, lower, upper, await ev.evalVector(call.args[2]));
    }
    case 'histogram_count':
      return histogramStat(ev, await ev.evalVector(call.args[0]), (h) => h.count);
    case 'histogram_sum':
      return histogramStat(ev, await ev.evalVector(call.args[0]), (h) => h.sum);
    case 'histogram_avg':
      return histogramStat(ev, await ev.evalVector(call.args[0]), (h) => h.sum / h.count);
    case 'histogram_stddev':
      return histogramStat(ev, await ev.evalVector(call.args[0]), (h) => Math.sqrt(histogramVariance(h)));
    case 'histogram_stdvar':
      return histogramStat(ev, await ev.evalVector(call.args[0]), histogramVariance);
    case 'start_timestamp':
      // Start timestamps are not stored: no result.
      await ev.evalVector(call.args[0]);
      return { type: 'vector', series: [] };
  }
  throw new VigilError('execution', `function ${name}() is not supported`);
}

/**
 * A float per histogram sample (`histogram_count`, `_sum`, `_avg`, `_stddev`, `_stdvar`); float samples
 * are ignored. Only `__name__` is dropped (type and unit labels stay), as in Prometheus.
 */
function histogramStat(ev: Evaluator, input: VectorValue, f: (h: FloatHistogram) => number): VectorValue {
  const n = ev.n;
  const out: StepSeries[] = [];
  for (const s of input.series) {
    const hist = s.hist;
    if (!hist) continue;
    const values = ev.f64();
    const present = ev.u8();
    let any = false;
    for (let i = 0; i < n; i++) {
      const h = hist[i];
      if (s.present[i] === 0 || h === null) continue;
      values[i] = f(h);
      present[i] = 1;
      any = true;
    }
    if (!any) continue;
    const labels = ev.opts.delayedNameRemoval ? s.labels : s.labels.without('__name__');
    out.push({ labels, values, present, dropName: true });
  }
  return finishVector(ev, out);
}

/**
 * Estimated variance of the observations: every observation taken at its bucket's mean (arithmetic for
 * custom and zero buckets, geometric for exponential ones).
 */
function histogramVariance(h: FloatHistogram): number {
  const mean = h.sum / h.count;
  let variance = 0;
  let c = 0;
  for (const b of allBuckets(h)) {
    if (b.count === 0) continue;
    let val: number;
    if (h.usesCustomBuckets()) val = (b.upper + b.lower) / 2;
    else if (b.lower <= 0 && b.upper >= 0) val = 0;
    else {
      val = Math.sqrt(b.upper * b.lower);
      if (b.upper < 0) val = -val;
    }
    const delta = val - mean;
    variance = kahanInc(b.count * delta * delta, variance, c);
    c = kahan.c;
  }
  return (variance + c) / h.count;
}

async function timestampOfSelector(ev: Evaluator, vs: Extract<Expr, { kind: 'VectorSelector' }>): Promise<VectorValue> {
  const { value, timestamps } = await ev.evalVectorSelector(vs, true);
  const out: StepSeries[] = [];
  for (let k = 0; k < value.series.length; k++) {
    const s = value.series[k];
    const ts = timestamps[k];
    const values = ev.f64();
    for (let i = 0; i < ev.n; i++) if (s.present[i] === 1) values[i] = ts[i] / 1000;
    out.push(derivedSeries(ev, s, values, s.present));
  }
  return finishVector(ev, out, keepsDistinct(value));
}

/** `sort`/`sort_desc`: reorders an instant result; NaN last. Range results are always sorted by labels. */
function sortByValue(ev: Evaluator, input: VectorValue, desc: boolean): VectorValue {
  if (!ev.instant) {
    // Range results are ordered by labels anyway; histogram samples are still left out.
    if (!input.series.some((s) => s.hist)) return input;
    const series: StepSeries[] = [];
    for (const s of input.series) {
      if (!s.hist) series.push(s);
      else {
        const present = floatPresence(ev, s);
        if (present.includes(1)) series.push({ labels: s.labels, values: s.values, present, dropName: s.dropName });
      }
    }
    return { type: 'vector', series, distinct: input.distinct };
  }
  const present = input.series.filter((s) => s.present[0] === 1 && (!s.hist || s.hist[0] === null));
  present.sort((a, b) => {
    const x = a.values[0];
    const y = b.values[0];
    if (x !== x) return y !== y ? 0 : 1;
    if (y !== y) return -1;
    return desc ? y - x : x - y;
  });
  return { type: 'vector', series: present };
}

function sortByLabel(ev: Evaluator, input: VectorValue, names: string[], desc: boolean): VectorValue {
  if (!ev.instant) return input;
  const series = input.series.slice();
  series.sort((a, b) => {
    for (const name of names) {
      const x = a.labels.get(name);
      const y = b.labels.get(name);
      if (x === y) continue;
      const lt = naturalLess(x, y);
      return desc ? (lt ? 1 : -1) : lt ? -1 : 1;
    }
    const c = Labels.compare(a.labels, b.labels);
    return desc ? -c : c;
  });
  return { type: 'vector', series };
}

/** Natural order of label values: runs of digits compare as numbers (leading zeros ignored). */
export function naturalLess(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  const isDigit = (c: number): boolean => c >= 48 && c <= 57;
  for (;;) {
    if (i >= a.length) return j < b.length;
    if (j >= b.length) return false;
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      // Skip leading zeros (keeping the last digit), then compare the digit runs by length, then text.
      let la = 1;
      while (i + la < a.length) {
        const x = a.charCodeAt(i + la);
        if (ca === 48) {
          i++;
          ca = x;
          continue;
        }
        if (isDigit(x)) la++;
        else break;
      }
      let lb = 1;
      while (j + lb < b.length) {
        const x = b.charCodeAt(j + lb);
        if (cb === 48) {
          j++;
          cb = x;
          continue;
        }
        if (isDigit(x)) lb++;
        else break;
      }
      if (lb > la) return true;
      if (la > lb) return false;
      const ra = a.slice(i, i + la);
      const rb = b.slice(j, j + lb);
      if (ra < rb) return true;
      if (ra > rb) return false;
      i += la;
      j += lb;
      continue;
    }
    if (ca === cb) {
      i++;
      j++;
      continue;
    }
    return ca < cb;
  }
}
