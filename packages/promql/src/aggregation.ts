/**
 * Aggregations (`sum`, `avg`, `count`, `min`, `max`, `group`, `stddev`, `stdvar`, `quantile`, `topk`,
 * `bottomk`, `limitk`, `limit_ratio`, `count_values`). Each input series is mapped to its group once;
 * accumulators are columns indexed by group × step, filled in one pass per input series, so every
 * (group, step) cell sees its samples in the same order as Prometheus and sums round identically.
 */
import { Labels, LabelsBuilder, VigilError, formatFloat, formatFloatFixed, histogramString, quoteGoString } from '@vigil/model';
import type { AggregateExpr } from './ast.js';
import { annotation } from './annotations.js';
import { keyForLabels, keyWithoutLabels, labelsKey, mergeSameLabels } from './eval-labels.js';
import type { StepSeries, VectorValue } from './eval-values.js';
import type { Evaluator } from './eval.js';
import { isValidLabelNameUTF8 } from './functions-labels.js';
import { ratioOffset } from './aggregation-hash.js';
import { IGNORES_HISTOGRAMS, hasHistogramSeries, sumAvgWithHistograms, withoutHistograms } from './aggregation-histogram.js';
import { kahan, kahanInc, quantileOfSorted, sortNaNFirst } from './functions-range.js';

const MAX_INT64 = 9223372036854774784;
const MIN_INT64 = -9223372036854775808;

export interface Groups {
  /** Group index of each input series. */
  of: Int32Array;
  /** Output labels of each group. */
  labels: Labels[];
}

function groupSeries(series: readonly StepSeries[], grouping: readonly string[], without: boolean, withLabels: boolean): Groups {
  const of = new Int32Array(series.length);
  const index = new Map<string, number>();
  const labels: Labels[] = [];
  for (let s = 0; s < series.length; s++) {
    const l = series[s].labels;
    const key = without ? keyWithoutLabels(l, grouping, true) : grouping.length === 0 ? '' : keyForLabels(l, grouping);
    let g = index.get(key);
    if (g === undefined) {
      g = labels.length;
      index.set(key, g);
      labels.push(withLabels ? groupingLabels(l, grouping, without) : Labels.EMPTY);
    }
    of[s] = g;
  }
  return { of, labels };
}

function groupingLabels(l: Labels, grouping: readonly string[], without: boolean): Labels {
  if (without) return l.filter((name) => name !== '__name__' && !grouping.includes(name));
  if (grouping.length === 0) return Labels.EMPTY;
  return l.keepOnly(grouping);
}

export async function evalAggregation(ev: Evaluator, node: AggregateExpr): Promise<VectorValue> {
  const grouping = [...node.grouping].sort();
  const op = node.op;
  if (op === 'count_values') return countValues(ev, node, grouping);
  let param: Float64Array | null = null;
  if (node.param !== null) param = (await ev.evalScalar(node.param)).values;
  const input = await ev.evalVector(node.expr);
  let series = input.series;
  const n = ev.n;
  if (hasHistogramSeries(series) && IGNORES_HISTOGRAMS.has(op)) series = withoutHistograms(ev, node, series);
  const k = op === 'topk' || op === 'bottomk' || op === 'limitk' || op === 'limit_ratio';
  const groups = groupSeries(series, grouping, node.without, !k);
  if (k) return selectK(ev, node, param!, series, groups);
  if (op === 'quantile') {
    let nan = false;
    let max = -Number.MAX_VALUE;
    let min = Number.MAX_VALUE;
    for (let i = 0; i < n; i++) {
      const q = param![i];
      if (q !== q) nan = true;
      max = Math.max(max, q);
      min = Math.min(min, q);
    }
    const pos = node.param!.pos;
    if (nan) ev.annotations.add(annotation.invalidQuantile(NaN, pos));
    if (max > 1) ev.annotations.add(annotation.invalidQuantile(max, pos));
    if (min < 0) ev.annotations.add(annotation.invalidQuantile(min, pos));
    return quantileAgg(ev, param!, series, groups);
  }
  const G = groups.labels.length;
  if (hasHistogramSeries(series) && (op === 'sum' || op === 'avg')) return sumAvgWithHistograms(ev, node, series, groups);
  const { value, seen, dropName } = aggregateFloats(op, series, groups, n);
  const out: StepSeries[] = [];
  for (let g = 0; g < G; g++) {
    const base = g * n;
    let any = false;
    for (let i = 0; i < n; i++) if (seen[base + i] === 1) { any = true; break; }
    if (!any) continue;
    out.push({ labels: groups.labels[g], values: value.subarray(base, base + n), present: seen.subarray(base, base + n), dropName: dropName[g] === 1 });
  }
  ev.limits.add(countAll(out));
  return { type: 'vector', series: out, distinct: true };
}

/**
 * The float aggregations (`sum`, `avg`, `count`, `group`, `min`, `max`, `stddev`, `stdvar`) into
 * group × step cells.
 */
export function aggregateFloats(op: string, series: readonly StepSeries[], groups: Groups, n: number): { value: Float64Array; seen: Uint8Array; dropName: Uint8Array } {
  const G = groups.labels.length;
  const size = G * n;
  const seen = new Uint8Array(size);
  const value = new Float64Array(size);
  const dropName = new Uint8Array(G);
  const of = groups.of;
  switch (op) {
    case 'sum': {
      const comp = new Float64Array(size);
      for (let s = 0; s < series.length; s++) {
        const src = series[s];
        const base = of[s] * n;
        if (src.dropName) dropName[of[s]] = 1;
        const p = src.present;
        const v = src.values;
        for (let i = 0; i < n; i++) {
          if (p[i] === 0) continue;
          const idx = base + i;
          const f = v[i];
          if (seen[idx] === 0) {
            seen[idx] = 1;
            value[idx] = f;
            continue;
          }
          // Kahan-Babuska summation, inlined (see kahanInc).
          const sum = value[idx];
          const t = sum + f;
          if (t > Number.MAX_VALUE || t < -Number.MAX_VALUE) comp[idx] = 0;
          else if (Math.abs(sum) >= Math.abs(f)) comp[idx] += sum - t + f;
          else comp[idx] += f - t + sum;
          value[idx] = t;
        }
      }
      for (let idx = 0; idx < size; idx++) if (seen[idx] === 1) value[idx] += comp[idx];
      break;
    }
    case 'avg': {
      const comp = new Float64Array(size);
      const mean = new Float64Array(size);
      const count = new Float64Array(size);
      const incremental = new Uint8Array(size);
      for (let s = 0; s < series.length; s++) {
        const src = series[s];
        const base = of[s] * n;
        if (src.dropName) dropName[of[s]] = 1;
        for (let i = 0; i < n; i++) {
          if (src.present[i] === 0) continue;
          const idx = base + i;
          const f = src.values[i];
          if (seen[idx] === 0) {
            seen[idx] = 1;
            value[idx] = f;
            mean[idx] = f;
            count[idx] = 1;
            continue;
          }
          const c = ++count[idx];
          if (incremental[idx] === 0) {
            const newV = kahanInc(f, value[idx], comp[idx]);
            // The direct mean is more accurate; fall back to the incremental mean only on overflow.
            if (newV !== Infinity && newV !== -Infinity) {
              value[idx] = newV;
              comp[idx] = kahan.c;
              continue;
            }
            incremental[idx] = 1;
            mean[idx] = value[idx] / (c - 1);
            comp[idx] /= c - 1;
          }
          const q = (c - 1) / c;
          mean[idx] = kahanInc(f / c, q * mean[idx], q * comp[idx]);
          comp[idx] = kahan.c;
        }
      }
      for (let idx = 0; idx < size; idx++) {
        if (seen[idx] === 0) continue;
        value[idx] = incremental[idx] === 1 ? mean[idx] + comp[idx] : value[idx] / count[idx] + comp[idx] / count[idx];
      }
      break;
    }
    case 'count':
    case 'group': {
      for (let s = 0; s < series.length; s++) {
        const src = series[s];
        const base = of[s] * n;
        if (src.dropName) dropName[of[s]] = 1;
        for (let i = 0; i < n; i++) {
          if (src.present[i] === 0) continue;
          const idx = base + i;
          seen[idx] = 1;
          if (op === 'count') value[idx]++;
          else value[idx] = 1;
        }
      }
      break;
    }
    case 'min':
    case 'max': {
      const isMax = op === 'max';
      for (let s = 0; s < series.length; s++) {
        const src = series[s];
        const base = of[s] * n;
        if (src.dropName) dropName[of[s]] = 1;
        for (let i = 0; i < n; i++) {
          if (src.present[i] === 0) continue;
          const idx = base + i;
          const f = src.values[i];
          if (seen[idx] === 0) {
            seen[idx] = 1;
            value[idx] = f;
            continue;
          }
          const cur = value[idx];
          if (isMax ? cur < f || cur !== cur : cur > f || cur !== cur) value[idx] = f;
        }
      }
      break;
    }
    case 'stddev':
    case 'stdvar': {
      const mean = new Float64Array(size);
      const count = new Float64Array(size);
      for (let s = 0; s < series.length; s++) {
        const src = series[s];
        const base = of[s] * n;
        if (src.dropName) dropName[of[s]] = 1;
        for (let i = 0; i < n; i++) {
          if (src.present[i] === 0) continue;
          const idx = base + i;
          const f = src.values[i];
          if (seen[idx] === 0) {
            seen[idx] = 1;
            value[idx] = f !== f || f === Infinity || f === -Infinity ? NaN : 0;
            mean[idx] = f;
            count[idx] = 1;
            continue;
          }
          const c = ++count[idx];
          const delta = f - mean[idx];
          mean[idx] += delta / c;
          value[idx] += delta * (f - mean[idx]);
        }
      }
      for (let idx = 0; idx < size; idx++) {
        if (seen[idx] === 0) continue;
        const v = value[idx] / count[idx];
        value[idx] = op === 'stddev' ? Math.sqrt(v) : v;
      }
      break;
    }
    default:
      throw new VigilError('internal', `unknown aggregation ${op}`);
  }
  return { value, seen, dropName };
}

function countAll(series: StepSeries[]): number {
  let c = 0;
  for (const s of series) for (let i = 0; i < s.present.length; i++) c += s.present[i];
  return c;
}

function quantileAgg(ev: Evaluator, qs: Float64Array, series: StepSeries[], groups: Groups): VectorValue {
  const n = ev.n;
  const G = groups.labels.length;
  const counts = new Int32Array(G);
  const offsets = new Int32Array(G + 1);
  const scratch = new Float64Array(series.length);
  const values = groups.labels.map(() => ev.f64());
  const present = groups.labels.map(() => ev.u8());
  const dropName = new Uint8Array(G);
  for (let s = 0; s < series.length; s++) if (series[s].dropName) dropName[groups.of[s]] = 1;
  for (let i = 0; i < n; i++) {
    counts.fill(0);
    for (let s = 0; s < series.length; s++) if (series[s].present[i] === 1) counts[groups.of[s]]++;
    offsets[0] = 0;
    for (let g = 0; g < G; g++) offsets[g + 1] = offsets[g] + counts[g];
    const fill = offsets.slice(0, G);
    for (let s = 0; s < series.length; s++) {
      if (series[s].present[i] === 0) continue;
      const g = groups.of[s];
      scratch[fill[g]++] = series[s].values[i];
    }
    for (let g = 0; g < G; g++) {
      if (counts[g] === 0) continue;
      const sub = scratch.subarray(offsets[g], offsets[g + 1]);
      sortNaNFirst(sub, sub.length);
      values[g][i] = quantileOfSorted(qs[i], sub, sub.length);
      present[g][i] = 1;
    }
  }
  const out: StepSeries[] = [];
  for (let g = 0; g < G; g++) {
    if (!present[g].includes(1)) continue;
    out.push({ labels: groups.labels[g], values: values[g], present: present[g], dropName: dropName[g] === 1 });
  }
  return { type: 'vector', series: out, distinct: true };
}

/**
 * A binary heap over series indexes with Go's container/heap algorithm, so that ties resolve exactly as
 * in Prometheus. `less(a, b)` compares the values of two entries.
 */
class IndexHeap {
  items: number[] = [];
  constructor(private readonly less: (a: number, b: number) => boolean) {}

  push(x: number): void {
    this.items.push(x);
    this.up(this.items.length - 1);
  }

  fixTop(): void {
    if (!this.down(0, this.items.length)) this.up(0);
  }

  private up(j: number): void {
    const h = this.items;
    for (;;) {
      const i = (j - 1) >> 1;
      if (i === j || i < 0 || !this.less(h[j], h[i])) break;
      [h[i], h[j]] = [h[j], h[i]];
      j = i;
    }
  }

  private down(i0: number, n: number): boolean {
    const h = this.items;
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n || j1 < 0) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.less(h[j2], h[j1])) j = j2;
      if (!this.less(h[j], h[i])) break;
      [h[i], h[j]] = [h[j], h[i]];
      i = j;
    }
    return i > i0;
  }
}

/** `topk`, `bottomk`, `limitk`, `limit_ratio`: output series are input series, selected per step. */
function selectK(ev: Evaluator, node: AggregateExpr, param: Float64Array, series: StepSeries[], groups: Groups): VectorValue {
  const op = node.op;
  const n = ev.n;
  let max = -Number.MAX_VALUE;
  let min = Number.MAX_VALUE;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    if (p !== p) nan = true;
    max = Math.max(max, p);
    min = Math.min(min, p);
  }
  if (op === 'limit_ratio') {
    if (max === 0 && min === 0) return { type: 'vector', series: [] };
    if (nan) throw new VigilError('execution', 'Ratio value is NaN');
    if (max > 1) ev.annotations.add(annotation.invalidRatio(max, 1, node.param!.pos));
    if (min < -1) ev.annotations.add(annotation.invalidRatio(min, -1, node.param!.pos));
  } else {
    if (max < 1) return { type: 'vector', series: [] };
    if (nan) throw new VigilError('execution', 'Parameter value is NaN');
    if (min <= MIN_INT64) throw new VigilError('execution', `Scalar value ${formatFloat(min)} underflows int64`);
    if (max >= MAX_INT64) throw new VigilError('execution', `Scalar value ${formatFloat(max)} overflows int64`);
  }
  if (op === 'topk' || op === 'bottomk') return topBottomK(ev, op === 'topk', param, series, groups);
  const G = groups.labels.length;
  const chosen = series.map(() => ev.u8());
  // For an instant query the output keeps Prometheus's order: group by group, heap order sorted.
  const instantOrder: number[] = [];
  let step = 0;
  const valueAt = (s: number): number => series[s].values[step];
  const isNaNAt = (s: number): boolean => valueAt(s) !== valueAt(s);
  const lessTop = (a: number, b: number): boolean => isNaNAt(a) || valueAt(a) < valueAt(b);
  const offsets = op === 'limit_ratio' ? series.map((s) => ratioOffset(s.labels)) : null;
  for (step = 0; step < n; step++) {
    ev.limits.tick();
    const p = param[step];
    let k = 0;
    let r = 0;
    if (op === 'limit_ratio') {
      if (p === 0) continue;
      r = p < -1 ? -1 : p > 1 ? 1 : p;
    } else {
      k = Math.min(Math.trunc(p), series.length);
      if (k < 1) continue;
    }
    const heaps: (IndexHeap | null)[] = new Array(G).fill(null);
    const done = new Uint8Array(G);
    let remaining = G;
    for (let s = 0; s < series.length; s++) {
      if (series[s].present[step] === 0) continue;
      const g = groups.of[s];
      let h = heaps[g];
      if (h === null) {
        h = new IndexHeap(lessTop);
        heaps[g] = h;
        if (op === 'limit_ratio') {
          if (ratioSelected(r, offsets![s])) h.push(s);
        } else {
          h.push(s);
        }
        if (op === 'limitk' && k === 1 && done[g] === 0) {
          done[g] = 1;
          remaining--;
        }
        continue;
      }
      if (op === 'limitk' && done[g] === 1) continue;
      switch (op) {
        case 'limitk':
          if (h.items.length < k) h.push(s);
          if (h.items.length === k && done[g] === 0) {
            done[g] = 1;
            remaining--;
          }
          break;
        case 'limit_ratio':
          if (ratioSelected(r, offsets![s])) h.push(s);
          break;
      }
      if (op === 'limitk' && remaining === 0) break;
    }
    for (let g = 0; g < G; g++) {
      const h = heaps[g];
      if (h === null) continue;
      for (const s of h.items) {
        chosen[s][step] = 1;
        if (ev.instant) instantOrder.push(s);
      }
    }
  }
  const out: StepSeries[] = [];
  const order = ev.instant ? instantOrder : series.map((_, s) => s);
  for (const s of order) {
    const c = chosen[s];
    if (!c.includes(1)) continue;
    const src = series[s];
    out.push(src.hist ? { labels: src.labels, values: src.values, present: c, hist: src.hist, dropName: src.dropName } : { labels: src.labels, values: src.values, present: c, dropName: src.dropName });
  }
  ev.limits.add(countAll(out));
  return { type: 'vector', series: out };
}

function ratioSelected(r: number, offset: number): boolean {
  return (r >= 0 && offset < r) || (r < 0 && offset >= 1 + r);
}

async function countValues(ev: Evaluator, node: AggregateExpr, grouping: string[]): Promise<VectorValue> {
  const labelName = ev.evalString(node.param!);
  if (!isValidLabelNameUTF8(labelName)) {
    const p = node.param!;
    const raw = p.kind === 'StringLiteral' ? ev.shared.query.slice(p.pos.start, p.pos.end) : '';
    throw new VigilError('execution', `invalid label name ${raw.startsWith('"') ? raw : quoteGoString(labelName)}`);
  }
  const names = node.without ? grouping : [...grouping, labelName].sort();
  const input = await ev.evalVector(node.expr);
  const n = ev.n;
  const out: StepSeries[] = [];
  const byKey = new Map<string, StepSeries>();
  const metricCache = new Map<string, Labels>();
  for (let i = 0; i < n; i++) {
    ev.limits.tick();
    const counts = new Map<string, { labels: Labels; count: number }>();
    for (let s = 0; s < input.series.length; s++) {
      const src = input.series[s];
      if (src.present[i] === 0) continue;
      const h = src.hist ? src.hist[i] : null;
      const valueStr = h ? histogramString(h) : formatFloatFixed(src.values[i]);
      const cacheKey = s + '\xff' + valueStr;
      let metric = metricCache.get(cacheKey);
      if (metric === undefined) {
        metric = new LabelsBuilder(src.labels).set(labelName, valueStr).labels();
        metricCache.set(cacheKey, metric);
      }
      const key = node.without ? keyWithoutLabels(metric, names, true) : keyForLabels(metric, names);
      const c = counts.get(key);
      if (c === undefined) counts.set(key, { labels: groupingLabels(metric, names, node.without), count: 1 });
      else c.count++;
    }
    for (const { labels, count } of counts.values()) {
      const k = labelsKey(labels);
      let series = byKey.get(k);
      if (series === undefined || series.present[i] === 1) {
        series = { labels, values: ev.f64(), present: ev.u8(), dropName: false };
        byKey.set(k, series);
        out.push(series);
      }
      series.values[i] = count;
      series.present[i] = 1;
    }
  }
  return { type: 'vector', series: ev.instant ? out : mergeSameLabels(out, n) };
}

/**
 * `topk`/`bottomk` over blocks of steps: each input series is visited once per block of 16 steps (its
 * values for those steps are adjacent in memory), feeding one heap per (step, group). The heaps follow
 * Go's container/heap exactly, so ties resolve as in Prometheus.
 */
function topBottomK(ev: Evaluator, top: boolean, param: Float64Array, series: StepSeries[], groups: Groups): VectorValue {
  const n = ev.n;
  const S = series.length;
  const G = groups.labels.length;
  const ks = new Int32Array(n);
  let K = 0;
  for (let i = 0; i < n; i++) {
    ks[i] = Math.min(Math.trunc(param[i]), S);
    if (ks[i] > K) K = ks[i];
  }
  const B = 16;
  const heapLen = new Int32Array(B * G);
  const heapItem = new Int32Array(B * G * K);
  const heapVal = new Float64Array(B * G * K);
  // less(a, b): a sorts before b in the heap (the root is the entry that leaves first).
  const less = top ? (a: number, b: number): boolean => a !== a || a < b : (a: number, b: number): boolean => a !== a || a > b;
  const swap = (x: number, y: number): void => {
    const ti = heapItem[x];
    heapItem[x] = heapItem[y];
    heapItem[y] = ti;
    const tv = heapVal[x];
    heapVal[x] = heapVal[y];
    heapVal[y] = tv;
  };
  const up = (base: number, j: number): void => {
    for (;;) {
      const i = (j - 1) >> 1;
      if (i === j || i < 0 || !less(heapVal[base + j], heapVal[base + i])) break;
      swap(base + i, base + j);
      j = i;
    }
  };
  const down = (base: number, i0: number, len: number): boolean => {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= len || j1 < 0) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < len && less(heapVal[base + j2], heapVal[base + j1])) j = j2;
      if (!less(heapVal[base + j], heapVal[base + i])) break;
      swap(base + i, base + j);
      i = j;
    }
    return i > i0;
  };
  const chosen: (Uint8Array | null)[] = new Array(S).fill(null);
  const instantOrder: number[] = [];
  const of = groups.of;
  for (let i0 = 0; i0 < n; i0 += B) {
    ev.limits.tick();
    const b = Math.min(B, n - i0);
    heapLen.fill(0, 0, b * G);
    for (let s = 0; s < S; s++) {
      const p = series[s].present;
      const v = series[s].values;
      const g = of[s];
      for (let j = 0; j < b; j++) {
        const i = i0 + j;
        if (p[i] === 0) continue;
        const k = ks[i];
        if (k < 1) continue;
        const h = j * G + g;
        const base = h * K;
        const len = heapLen[h];
        const val = v[i];
        if (len < k) {
          heapItem[base + len] = s;
          heapVal[base + len] = val;
          heapLen[h] = len + 1;
          up(base, len);
          continue;
        }
        const rootVal = heapVal[base];
        const replace = top ? rootVal < val || (rootVal !== rootVal && val === val) : rootVal > val || (rootVal !== rootVal && val === val);
        if (!replace) continue;
        heapItem[base] = s;
        heapVal[base] = val;
        if (k > 1 && !down(base, 0, len)) up(base, 0);
      }
    }
    for (let j = 0; j < b; j++) {
      const i = i0 + j;
      for (let g = 0; g < G; g++) {
        const h = j * G + g;
        const len = heapLen[h];
        if (len === 0) continue;
        const base = h * K;
        for (let q = 0; q < len; q++) {
          const s = heapItem[base + q];
          let c = chosen[s];
          if (c === null) chosen[s] = c = ev.u8();
          c[i] = 1;
        }
        if (ev.instant) {
          // Prometheus sorts each group's heap in reverse heap order (stable for short slices).
          const items = Array.from(heapItem.subarray(base, base + len));
          const vals = Array.from(heapVal.subarray(base, base + len));
          const order = items.map((_, q) => q);
          for (let x = 1; x < order.length; x++) {
            for (let y = x; y > 0 && less(vals[order[y - 1]], vals[order[y]]); y--) [order[y], order[y - 1]] = [order[y - 1], order[y]];
          }
          for (const q of order) instantOrder.push(items[q]);
        }
      }
    }
  }
  const out: StepSeries[] = [];
  const order = ev.instant ? instantOrder : series.map((_, s) => s);
  for (const s of order) {
    const c = chosen[s];
    if (c === null) continue;
    const src = series[s];
    out.push({ labels: src.labels, values: src.values, present: c, dropName: src.dropName });
  }
  ev.limits.add(countAll(out));
  return { type: 'vector', series: out };
}
