/**
 * Turns API results into what the views draw: table rows, aligned columns for the graph (uPlot's
 * `[xs, ...ys]`), stacked columns, and heatmap cells from histogram `_bucket` series.
 */
import { formatSeries, type Labels, type QueryData, type RangeSeries, type SamplePair } from './api.js';

/** The API's sample value string as a number (`+Inf`, `-Inf`, `NaN` included). */
export function parseSampleValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

export interface TableRow {
  /** The series as `name{label="value"}`; empty for scalars and strings. */
  series: string;
  labels: Labels;
  /** One line per sample: instant vectors have one, range vectors one per sample (`value @timestamp`). */
  values: string[];
}
export interface TableResult {
  resultType: QueryData['resultType'];
  rows: TableRow[];
}

const formatPair = (p: SamplePair) => `${p[1]} @${p[0]}`;

export function tableRows(data: QueryData, limit = Infinity): TableResult {
  switch (data.resultType) {
    case 'scalar':
    case 'string':
      return { resultType: data.resultType, rows: [{ series: '', labels: {}, values: [data.result[1]] }] };
    case 'vector':
      return {
        resultType: 'vector',
        rows: data.result.slice(0, limit).map((s) => ({
          series: formatSeries(s.metric),
          labels: s.metric,
          values: [s.value ? s.value[1] : s.histogram ? `histogram count=${s.histogram[1].count} sum=${s.histogram[1].sum}` : ''],
        })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        rows: data.result.slice(0, limit).map((s) => ({
          series: formatSeries(s.metric),
          labels: s.metric,
          values: [
            ...(s.values ?? []).map(formatPair),
            ...(s.histograms ?? []).map(([t, h]) => `histogram count=${h.count} sum=${h.sum} @${t}`),
          ],
        })),
      };
  }
}

/** The number of results, as the explain view and the panel header say it. */
export function resultCount(data: QueryData): { count: number; samples: number; kind: string } {
  switch (data.resultType) {
    case 'scalar':
    case 'string':
      return { count: 1, samples: 1, kind: data.resultType };
    case 'vector':
      return { count: data.result.length, samples: data.result.length, kind: 'vector' };
    case 'matrix': {
      let samples = 0;
      for (const s of data.result) samples += (s.values?.length ?? 0) + (s.histograms?.length ?? 0);
      return { count: data.result.length, samples, kind: 'matrix' };
    }
  }
}

export interface GraphData {
  /** Timestamps in seconds, start..end every step. */
  xs: number[];
  /** One column per series, aligned to xs; null where the series has no (finite) sample. */
  ys: (number | null)[][];
  labels: Labels[];
}

/** Aligns range-query series onto the step grid [start, end] (seconds). */
export function graphData(series: readonly RangeSeries[], startSec: number, endSec: number, stepSec: number): GraphData {
  const n = Math.max(0, Math.floor((endSec - startSec) / stepSec + 1e-9) + 1);
  const xs = new Array<number>(n);
  for (let i = 0; i < n; i++) xs[i] = startSec + i * stepSec;
  const ys: (number | null)[][] = [];
  const labels: Labels[] = [];
  for (const s of series) {
    if (!s.values || s.values.length === 0) continue;
    const col = new Array<number | null>(n).fill(null);
    for (const [t, v] of s.values) {
      const i = Math.round((t - startSec) / stepSec);
      if (i < 0 || i >= n) continue;
      const x = parseSampleValue(v);
      col[i] = Number.isFinite(x) ? x : null;
    }
    ys.push(col);
    labels.push(s.metric);
  }
  return { xs, ys, labels };
}

/**
 * Stacks columns: each becomes the sum of itself and those before it. A missing point stays missing in
 * its own column and counts as 0 for the ones above.
 */
export function stackColumns(ys: readonly (readonly (number | null)[])[]): (number | null)[][] {
  const out: (number | null)[][] = [];
  const n = ys[0]?.length ?? 0;
  const acc = new Float64Array(n);
  for (const col of ys) {
    const stacked = new Array<number | null>(n);
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (v === null || v === undefined) stacked[i] = null;
      else {
        acc[i]! += v;
        stacked[i] = acc[i]!;
      }
    }
    out.push(stacked);
  }
  return out;
}

export interface HeatmapGroup {
  /** The series' labels without `le` (and without the `_bucket` suffix's meaning changed). */
  labels: Labels;
  /** Upper bounds, ascending; the last may be +Inf. */
  upperBounds: number[];
  /** Per-bucket (non-cumulative) values: cells[bucket * steps + step]; NaN where unknown. */
  cells: Float64Array;
  steps: number;
  max: number;
}

export interface HeatmapData {
  xs: number[];
  groups: HeatmapGroup[];
  /** Series that had no parsable `le` label. */
  skipped: number;
}

const groupKey = (l: Labels) =>
  Object.keys(l)
    .filter((k) => k !== 'le')
    .sort()
    .map((k) => `${k}\u0000${l[k]}`)
    .join('\u0001');

/**
 * Heatmap cells from classic histogram bucket series (`le` label) over the step grid. Cumulative bucket
 * counts become per-bucket counts; with `delta`, each cell is the increase since the previous step (for
 * raw `_bucket` counters; counter resets count from 0), otherwise the value itself (e.g. for `rate(...)`).
 */
export function heatmapData(series: readonly RangeSeries[], startSec: number, endSec: number, stepSec: number, delta: boolean): HeatmapData {
  const { xs, ys, labels } = graphData(series, startSec, endSec, stepSec);
  const steps = xs.length;
  const groups = new Map<string, { labels: Labels; buckets: { le: number; col: (number | null)[] }[] }>();
  let skipped = 0;
  labels.forEach((l, idx) => {
    const leText = l['le'];
    const le = leText === undefined ? NaN : parseSampleValue(leText);
    if (Number.isNaN(le)) {
      skipped++;
      return;
    }
    const key = groupKey(l);
    let g = groups.get(key);
    if (!g) {
      const rest: Labels = { ...l };
      delete rest['le'];
      g = { labels: rest, buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ le, col: ys[idx]! });
  });
  const out: HeatmapGroup[] = [];
  for (const g of groups.values()) {
    g.buckets.sort((a, b) => a.le - b.le);
    const nb = g.buckets.length;
    const cells = new Float64Array(nb * steps).fill(NaN);
    let max = 0;
    // The cumulative count per bucket and step: the value itself, or its increase since the step before.
    const cum = (b: number, s: number): number | null => {
      const col = g.buckets[b]!.col;
      const v = col[s] ?? null;
      if (!delta || v === null) return v;
      const before = s > 0 ? (col[s - 1] ?? null) : null;
      if (before === null) return null;
      return before <= v ? v - before : v; // after a counter reset, the count starts from 0
    };
    for (let s = 0; s < steps; s++) {
      let below = 0;
      for (let b = 0; b < nb; b++) {
        const c = cum(b, s);
        if (c === null) continue;
        const v = Math.max(0, c - below);
        below = c;
        cells[b * steps + s] = v;
        if (v > max) max = v;
      }
    }
    out.push({ labels: g.labels, upperBounds: g.buckets.map((b) => b.le), cells, steps, max });
  }
  return { xs, groups: out, skipped };
}

/** Series colours (readable on light and dark backgrounds), repeated after the last. */
export const PALETTE: readonly string[] = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f',
  '#3366cc', '#dc3912', '#109618', '#990099', '#0099c6', '#dd4477', '#66aa00', '#b82e2e', '#316395', '#994499',
];
export const seriesColor = (i: number): string => PALETTE[i % PALETTE.length]!;

/** `#rrggbb` as [r, g, b]. */
export function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A short number for axes, legends and tooltips (`1.5k`, `0.002`, `2.1M`). */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1e15 || (abs > 0 && abs < 1e-4)) return v.toExponential(2);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) if (abs >= size) return `${trim(v / size)}${suffix}`;
  return trim(v);
}
function trim(v: number): string {
  return String(Number(v.toPrecision(4)));
}
