/**
 * Aggregations over vectors that hold native histograms. `sum` and `avg` add histograms (Kahan
 * compensated, like floats; `avg` switches to an incremental mean on overflow), drop groups that mix
 * floats and histograms (warning) or standard and custom bucket schemas (warning), and combine counter
 * reset hints. `count`, `group`, `limitk`, `limit_ratio` and `count_values` treat histograms as any
 * sample; every other aggregation ignores them (info).
 */
import { CounterResetHint, type FloatHistogram, addHistogram, compactHistogram, divHistogram, histogramHasOverflow, kahanAddHistogram, mulHistogram } from '@vigil/model';
import type { AggregateExpr } from './ast.js';
import { annotation } from './annotations.js';
import { type Groups, aggregateFloats } from './aggregation.js';
import type { HistColumn, StepSeries, VectorValue } from './eval-values.js';
import type { Evaluator } from './eval.js';

/** Aggregations that skip histogram samples. */
export const IGNORES_HISTOGRAMS: ReadonlySet<string> = new Set(['min', 'max', 'stddev', 'stdvar', 'quantile', 'topk', 'bottomk']);

export function hasHistogramSeries(series: readonly StepSeries[]): boolean {
  for (const s of series) if (s.hist) return true;
  return false;
}

/** The series with their histogram points removed; an info annotation when there were any. */
export function withoutHistograms(ev: Evaluator, node: AggregateExpr, series: readonly StepSeries[]): StepSeries[] {
  let removed = false;
  const out: StepSeries[] = [];
  for (const s of series) {
    const hist = s.hist;
    if (!hist) {
      out.push(s);
      continue;
    }
    const present = ev.copyU8(s.present);
    for (let i = 0; i < present.length; i++) {
      if (present[i] === 1 && hist[i] !== null) {
        present[i] = 0;
        removed = true;
      }
    }
    out.push({ labels: s.labels, values: s.values, present, dropName: s.dropName });
  }
  if (removed) {
    // topk/bottomk point at the whole aggregation, the others at their argument (as Prometheus does).
    const pos = node.op === 'topk' || node.op === 'bottomk' ? node.pos : node.expr.pos;
    ev.annotations.add(annotation.histogramIgnoredInAggregation(node.op, pos));
  }
  return out;
}

/** Per group and step: the histogram accumulation state when the cell's first sample was a histogram. */
interface Cell {
  value: FloatHistogram;
  comp: FloatHistogram | null;
  mean: FloatHistogram | null;
  incremental: boolean;
  count: number;
  hasFloat: boolean;
  incompatible: boolean;
  reset: boolean;
  notReset: boolean;
}

function seeHint(c: Cell, h: FloatHistogram): void {
  if (h.counterResetHint === CounterResetHint.CounterReset) c.reset = true;
  else if (h.counterResetHint === CounterResetHint.NotCounterReset) c.notReset = true;
}

/** `sum` or `avg` when some input series hold histograms. */
export function sumAvgWithHistograms(ev: Evaluator, node: AggregateExpr, series: readonly StepSeries[], groups: Groups): VectorValue {
  const n = ev.n;
  const G = groups.labels.length;
  const op = node.op;
  const pos = node.expr.pos;
  const annos = ev.annotations;
  // Floats as if histograms were absent: the result of every cell without histograms.
  const floatView = series.map((s) => {
    if (!s.hist) return s;
    const present = ev.copyU8(s.present);
    for (let i = 0; i < n; i++) if (s.hist[i] !== null) present[i] = 0;
    return { ...s, present, hist: null };
  });
  const floats = aggregateFloats(op, floatView, groups, n);
  // Cells whose first sample is a histogram, and cells with any histogram (for the mixed check).
  const cells: (Cell | null)[] = new Array(G * n).fill(null);
  const firstSeen = new Uint8Array(G * n);
  const anyHist = new Uint8Array(G * n);
  const dropName = floats.dropName;
  for (let s = 0; s < series.length; s++) {
    const src = series[s];
    const g = groups.of[s];
    if (src.dropName) dropName[g] = 1;
    const hist = src.hist;
    for (let i = 0; i < n; i++) {
      if (src.present[i] === 0) continue;
      const idx = g * n + i;
      const h = hist ? hist[i] : null;
      if (h !== null) anyHist[idx] = 1;
      if (firstSeen[idx] === 0) {
        firstSeen[idx] = 1;
        if (h !== null) {
          const c: Cell = { value: h.copy(), comp: null, mean: null, incremental: false, count: 1, hasFloat: false, incompatible: false, reset: false, notReset: false };
          seeHint(c, h);
          cells[idx] = c;
        }
        continue;
      }
      const c = cells[idx];
      if (c === null || c.incompatible) continue;
      c.count++;
      if (h === null) {
        c.hasFloat = true;
        continue;
      }
      seeHint(c, h);
      const metricName = src.labels.metricName();
      if (op === 'sum') {
        const r = kahanAddHistogram(c.value, h, c.comp);
        if (!r.ok) {
          annos.add(annotation.mixedExponentialCustom(metricName, pos));
          c.incompatible = true;
          continue;
        }
        c.comp = r.c;
        if (r.nhcbBoundsReconciled) annos.add(annotation.mismatchedCustomBuckets('aggregation', pos));
        continue;
      }
      if (!c.incremental) {
        const v = c.value.copy();
        const r = kahanAddHistogram(v, h, c.comp === null ? null : c.comp.copy());
        if (!r.ok) {
          annos.add(annotation.mixedExponentialCustom(metricName, pos));
          c.incompatible = true;
          continue;
        }
        if (r.nhcbBoundsReconciled) annos.add(annotation.mismatchedCustomBuckets('aggregation', pos));
        if (!histogramHasOverflow(v)) {
          c.value = v;
          c.comp = r.c;
          continue;
        }
        c.incremental = true;
        c.mean = divHistogram(c.value.copy(), c.count - 1);
        if (c.comp !== null) divHistogram(c.comp, c.count - 1);
      }
      const q = (c.count - 1) / c.count;
      if (c.comp !== null) mulHistogram(c.comp, q);
      const r = kahanAddHistogram(mulHistogram(c.mean!, q), divHistogram(h.copy(), c.count), c.comp);
      if (!r.ok) {
        annos.add(annotation.mixedExponentialCustom(metricName, pos));
        c.incompatible = true;
        continue;
      }
      c.comp = r.c;
      if (r.nhcbBoundsReconciled) annos.add(annotation.mismatchedCustomBuckets('aggregation', pos));
    }
  }
  const out: StepSeries[] = [];
  for (let g = 0; g < G; g++) {
    const values = ev.f64();
    const present = ev.u8();
    let hist: HistColumn | null = null;
    let any = false;
    for (let i = 0; i < n; i++) {
      const idx = g * n + i;
      if (firstSeen[idx] === 0) continue;
      const c = cells[idx];
      if (c === null) {
        // First sample a float: histograms in the cell make it a mix.
        if (anyHist[idx] === 1) {
          annos.add(annotation.mixedFloatsHistogramsAgg(pos));
          continue;
        }
        values[i] = floats.value[idx];
        present[i] = 1;
        any = true;
        continue;
      }
      if (c.hasFloat) {
        annos.add(annotation.mixedFloatsHistogramsAgg(pos));
        continue;
      }
      if (c.incompatible) continue;
      let h: FloatHistogram;
      if (op === 'sum') {
        h = c.value;
        if (c.comp !== null) addHistogram(h, c.comp);
      } else if (c.incremental) {
        h = c.mean!;
        if (c.comp !== null) addHistogram(h, c.comp);
      } else {
        h = divHistogram(c.value, c.count);
        if (c.comp !== null) addHistogram(h, divHistogram(c.comp, c.count));
      }
      compactHistogram(h, 0);
      if (c.reset && c.notReset) annos.add(annotation.counterResetCollision('aggregation', pos));
      (hist ??= new Array(n).fill(null))[i] = h;
      present[i] = 1;
      any = true;
    }
    if (!any) continue;
    const s: StepSeries = { labels: groups.labels[g], values, present, dropName: dropName[g] === 1 };
    if (hist !== null) s.hist = hist;
    out.push(s);
  }
  let points = 0;
  for (const s of out) for (let i = 0; i < n; i++) points += s.present[i];
  ev.limits.add(points);
  return { type: 'vector', series: out, distinct: true };
}
