/**
 * Warnings and infos that travel with a query result (Prometheus's `annotations`), with Prometheus's
 * texts. The API shows each as `PromQL warning: <text> (<line>:<col>)`, the position being where in the
 * query the expression the annotation is about starts.
 */
import { formatFloat, quoteGoString } from '@vigil/model';
import type { PosRange } from './ast.js';

export type AnnotationLevel = 'warning' | 'info';

/** The histogram operation an annotation is about. */
export type HistogramOperation = 'addition' | 'subtraction' | 'aggregation';

export interface Annotation {
  readonly level: AnnotationLevel;
  /** The text without the `PromQL warning: ` prefix and without the position. */
  readonly text: string;
  readonly pos: PosRange | null;
  /** Extra state of annotations that merge (histogram_quantile monotonicity). */
  readonly merge?: MonotonicityDetail;
}

interface MonotonicityDetail {
  minTs: number;
  maxTs: number;
  minBucket: number;
  maxBucket: number;
  maxDiff: number;
  count: number;
}

/** A set of annotations, de-duplicated by text as Prometheus does (the later one wins). */
export class Annotations {
  private readonly byKey = new Map<string, Annotation>();

  get size(): number {
    return this.byKey.size;
  }

  add(a: Annotation): void {
    const key = a.level + ':' + a.text;
    const prev = this.byKey.get(key);
    if (prev !== undefined && prev.merge && a.merge) {
      const p = prev.merge;
      const n = a.merge;
      a = {
        ...a,
        merge: {
          minTs: Math.min(p.minTs, n.minTs),
          maxTs: Math.max(p.maxTs, n.maxTs),
          minBucket: Math.min(p.minBucket, n.minBucket),
          maxBucket: Math.max(p.maxBucket, n.maxBucket),
          maxDiff: Math.max(p.maxDiff, n.maxDiff),
          count: p.count + n.count + 1,
        },
      };
    }
    this.byKey.set(key, a);
  }

  merge(other: Annotations): void {
    for (const a of other.byKey.values()) this.add(a);
  }

  all(): Annotation[] {
    return [...this.byKey.values()];
  }

  /** The API strings (`PromQL warning: ... (1:5)`), warnings and infos apart. */
  format(query: string): { warnings: string[]; infos: string[] } {
    const warnings: string[] = [];
    const infos: string[] = [];
    for (const a of this.byKey.values()) {
      const s = formatAnnotation(a, query);
      if (a.level === 'warning') warnings.push(s);
      else infos.push(s);
    }
    return { warnings, infos };
  }
}

export function formatAnnotation(a: Annotation, query: string): string {
  const prefix = a.level === 'warning' ? 'PromQL warning: ' : 'PromQL info: ';
  let text = a.text;
  if (a.merge) {
    const m = a.merge;
    text += `, from buckets ${formatFloat(m.minBucket)} to ${formatFloat(m.maxBucket)}, with a max diff of ${formatG2(m.maxDiff)}, over ${m.count + 1} samples from ${rfc3339(m.minTs)} to ${rfc3339(m.maxTs)}`;
  }
  if (query === '' || a.pos === null) return prefix + text;
  return `${prefix}${text} (${positionString(query, a.pos.start)})`;
}

/** `line:col`, 1-based, the column counted in bytes as Prometheus does. */
export function positionString(query: string, offset: number): string {
  if (offset < 0 || offset > query.length) return 'invalid position';
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < offset; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  const col = Buffer.byteLength(query.slice(lastBreak + 1, offset), 'utf8') + 1;
  return `${line}:${col}`;
}

function rfc3339(ms: number): string {
  return new Date(Math.trunc(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Go's `%.2g`. */
function formatG2(v: number): string {
  if (!Number.isFinite(v)) return formatFloat(v);
  if (v === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(2)))));
  if (e < -4 || e >= 2) {
    const [m, x] = v.toExponential(1).split('e');
    const xe = Number(x);
    const mant = m.replace(/\.0$/, '');
    return `${mant}e${xe < 0 ? '-' : '+'}${String(Math.abs(xe)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(2)));
}

const warn = (text: string, pos: PosRange | null): Annotation => ({ level: 'warning', text, pos });
const info = (text: string, pos: PosRange | null): Annotation => ({ level: 'info', text, pos });
const forMetric = (text: string, metricName: string): string => (metricName === '' ? text : `${text} for metric name ${quoteGoString(metricName)}`);

export const annotation = {
  invalidQuantile: (q: number, pos: PosRange | null) => warn(`quantile value should be between 0 and 1, got ${formatFloat(q)}`, pos),
  invalidRatio: (r: number, to: number, pos: PosRange | null) =>
    warn(`ratio value should be between -1 and 1, got ${formatFloat(r)}, capping to ${formatFloat(to)}`, pos),
  badBucketLabel: (metricName: string, le: string, pos: PosRange | null) =>
    warn(forMetric(`bucket label "le" is missing or has a malformed value of ${quoteGoString(le)}`, metricName), pos),
  sortInRangeQuery: (pos: PosRange | null) => warn('sort is ineffective for range queries since results are always ordered by labels', pos),
  possibleNonCounter: (metricName: string, pos: PosRange | null) =>
    info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${quoteGoString(metricName)}`, pos),
  possibleNonCounterLabel: (metricName: string, typeLabel: string, pos: PosRange | null) =>
    info(`metric might not be a counter, __type__ label is not set to "counter" or "histogram", got ${quoteGoString(typeLabel)}: ${quoteGoString(metricName)}`, pos),
  mixedFloatsHistograms: (metricName: string, pos: PosRange | null) =>
    warn(`encountered a mix of histograms and floats for metric name ${quoteGoString(metricName)}`, pos),
  mixedFloatsHistogramsAgg: (pos: PosRange | null) => warn('encountered a mix of histograms and floats for aggregation', pos),
  mixedClassicNative: (metricName: string, pos: PosRange | null) => warn(forMetric('vector contains a mix of classic and native histograms', metricName), pos),
  notCounter: (metricName: string, pos: PosRange | null) => warn(`this native histogram metric is not a counter: ${quoteGoString(metricName)}`, pos),
  notGauge: (metricName: string, pos: PosRange | null) => warn(`this native histogram metric is not a gauge: ${quoteGoString(metricName)}`, pos),
  mixedExponentialCustom: (metricName: string, pos: PosRange | null) =>
    warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${quoteGoString(metricName)}`, pos),
  incompatibleBucketLayout: (op: string, pos: PosRange | null) => warn(`incompatible bucket layout encountered for binary operator ${op}`, pos),
  incompatibleTypes: (lhs: string, op: string, rhs: string, pos: PosRange | null) =>
    info(`incompatible sample types encountered for binary operator ${quoteGoString(op)}: ${lhs} ${op} ${rhs}`, pos),
  histogramIgnoredInAggregation: (aggregation: string, pos: PosRange | null) => info(`ignored histogram in ${aggregation} aggregation`, pos),
  histogramIgnoredInMixedRange: (metricName: string, pos: PosRange | null) =>
    info(`ignored histograms in a range containing both floats and histograms for metric name ${quoteGoString(metricName)}`, pos),
  quantileNaNResult: (metricName: string, pos: PosRange | null) => info(forMetric('input to histogram_quantile has NaN observations, result is NaN', metricName), pos),
  quantileNaNSkew: (metricName: string, pos: PosRange | null) => info(forMetric('input to histogram_quantile has NaN observations, result is skewed higher', metricName), pos),
  fractionNaNs: (metricName: string, pos: PosRange | null) =>
    info(forMetric('input to histogram_fraction has NaN observations, which are excluded from all fractions', metricName), pos),
  counterResetCollision: (operation: HistogramOperation, pos: PosRange | null) => warn(`conflicting counter resets during histogram ${operation}`, pos),
  mismatchedCustomBuckets: (operation: HistogramOperation, pos: PosRange | null) => info(`mismatched custom buckets were reconciled during ${operation}`, pos),
  forcedMonotonicity: (metricName: string, pos: PosRange | null, ts: number, minBucket: number, maxBucket: number, maxDiff: number): Annotation => ({
    level: 'info',
    text: forMetric('input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)', metricName),
    pos,
    merge: { minTs: ts, maxTs: ts, minBucket, maxBucket, maxDiff, count: 0 },
  }),
};
