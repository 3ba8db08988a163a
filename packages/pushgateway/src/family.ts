/**
 * Pushed metric families: what the parsers produce (`ParsedFamily`, one object per metric) and what the
 * store keeps (`FamilyBlock`, one family of one group in columns: a flat label array with offsets, values
 * in typed arrays, no object per metric).
 *
 * The shape follows client_model's `MetricFamily`, as the Pushgateway keeps it: a metric is one label set
 * with one value (counter, gauge, untyped) or one summary (count, sum, quantiles) or one histogram (count,
 * sum, buckets). Label pairs may have empty values, and keep them: the exposition shows `instance=""`.
 */
import {
  ProtoMetricType, type ProtoMetric, type ProtoMetricFamily,
} from '@vigil/exposition';
import { INTERN_MAX_LENGTH, intern } from './intern.js';

/** Metric types, numbered as `io.prometheus.client.MetricType`. */
export const Kind = {
  Counter: 0,
  Gauge: 1,
  Summary: 2,
  Untyped: 3,
  Histogram: 4,
  GaugeHistogram: 5,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Upper-case names, as Go prints the enum (`GAUGE`). */
export const KIND_NAMES: readonly string[] = ['COUNTER', 'GAUGE', 'SUMMARY', 'UNTYPED', 'HISTOGRAM', 'GAUGE_HISTOGRAM'];
/** The text format's `# TYPE` words. */
export const KIND_TEXT: readonly string[] = ['counter', 'gauge', 'summary', 'untyped', 'histogram', 'histogram'];
/** The protobuf field a metric of each kind carries its value in. */
export const KIND_FIELD: readonly string[] = ['counter', 'gauge', 'summary', 'untyped', 'histogram', 'histogram'];

export interface ParsedMetric {
  /** Flat name/value pairs, as written (sanitized before storing: grouping labels, `instance`, sorted). */
  labels: string[];
  /** The kind whose value field the metric carries, -1 for none (protobuf may carry another than the family's). */
  field: number;
  /** Counter, gauge or untyped value; summary or histogram sum. */
  value: number;
  /** Summary or histogram sample count. */
  count: number;
  /** Quantile/value pairs (summary) or upper bound/cumulative count pairs (histogram). */
  points: number[] | undefined;
  timestampMs: number | undefined;
  /** Protobuf data without a text form (exemplars, native buckets, created timestamps), kept for protobuf output. */
  extra: ProtoMetric | undefined;
}

export interface ParsedFamily {
  name: string;
  type: Kind;
  /** Undefined when the push had no HELP (not the same as an empty one). */
  help: string | undefined;
  metrics: ParsedMetric[];
}

/** One family of one group, in columns. Immutable once built. */
export class FamilyBlock {
  readonly name: string;
  readonly type: Kind;
  readonly help: string | undefined;
  /** When the family was written to its group (the JSON API's `time_stamp`), in ms. */
  readonly pushedMs: number;
  readonly size: number;
  /** Metric i's labels are `labels[labelEnd[i - 1] .. labelEnd[i])` (from 0 for the first). */
  readonly labelEnd: Uint32Array;
  readonly labels: string[];
  readonly values: Float64Array;
  readonly counts: Float64Array | undefined;
  /** Metric i's points are `points[pointEnd[i - 1] .. pointEnd[i])`, in pairs. */
  readonly pointEnd: Uint32Array | undefined;
  readonly points: Float64Array | undefined;
  /** Each metric's series hash (name and labels), for the store's duplicate index. */
  readonly hashes: Float64Array;
  readonly extras: (ProtoMetric | undefined)[] | undefined;

  constructor(name: string, type: Kind, help: string | undefined, pushedMs: number, metrics: readonly ParsedMetric[]) {
    this.name = name;
    this.type = type;
    this.help = help;
    this.pushedMs = pushedMs;
    const n = metrics.length;
    this.size = n;
    this.labelEnd = new Uint32Array(n);
    this.values = new Float64Array(n);
    this.hashes = new Float64Array(n);
    const complex = type === Kind.Summary || type === Kind.Histogram || type === Kind.GaugeHistogram;
    this.counts = complex ? new Float64Array(n) : undefined;
    this.pointEnd = complex ? new Uint32Array(n) : undefined;
    const labels: string[] = [];
    let pointCount = 0;
    let anyExtra = false;
    for (let i = 0; i < n; i++) {
      const m = metrics[i];
      for (let j = 0; j < m.labels.length; j++) labels.push(m.labels[j]);
      this.labelEnd[i] = labels.length;
      this.values[i] = m.value;
      this.hashes[i] = seriesHash(name, m.labels, 0, m.labels.length);
      if (complex) {
        this.counts![i] = m.count;
        pointCount += m.points?.length ?? 0;
        this.pointEnd![i] = pointCount;
      }
      if (m.extra !== undefined) anyExtra = true;
    }
    this.labels = labels;
    if (complex) {
      const pts = new Float64Array(pointCount);
      let k = 0;
      for (const m of metrics) if (m.points) for (const v of m.points) pts[k++] = v;
      this.points = pts;
    } else {
      this.points = undefined;
    }
    this.extras = anyExtra ? metrics.map((m) => m.extra) : undefined;
  }

  labelStart(i: number): number {
    return i === 0 ? 0 : this.labelEnd[i - 1];
  }

  pointStart(i: number): number {
    return i === 0 ? 0 : this.pointEnd![i - 1];
  }

  /** Metric i's labels as a new flat array. */
  metricLabels(i: number): string[] {
    return this.labels.slice(this.labelStart(i), this.labelEnd[i]);
  }

  /** Metric i's points as a new array (empty for counters, gauges, untyped). */
  metricPoints(i: number): number[] {
    if (this.points === undefined) return [];
    return Array.from(this.points.subarray(this.pointStart(i), this.pointEnd![i]));
  }

  /** Whether metric i has exactly these labels (flat, sorted). */
  hasLabels(i: number, flat: readonly string[]): boolean {
    const start = this.labelStart(i);
    const end = this.labelEnd[i];
    if (end - start !== flat.length) return false;
    for (let k = 0; k < flat.length; k++) if (this.labels[start + k] !== flat[k]) return false;
    return true;
  }
}

const FNV_PRIME = 0x01000193;

/**
 * A 53-bit hash of a series: the family name and the flat label pairs `labels[from..to)`, each string
 * followed by a separator so that ("ab","c") and ("a","bc") differ.
 */
export function seriesHash(name: string, labels: readonly string[], from: number, to: number): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = from - 1; i < to; i++) {
    const s = i < from ? name : labels[i];
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      a = Math.imul(a ^ c, FNV_PRIME);
      b = Math.imul(b ^ (c + 0x9e), 0x0100012b);
    }
    a = Math.imul(a ^ 0xff, FNV_PRIME);
    b = Math.imul(b ^ 0xfe, 0x0100012b);
  }
  b ^= b >>> 16;
  b = Math.imul(b, 0x85ebca6b);
  b ^= b >>> 13;
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * Sets the grouping labels on every metric (their values win over pushed ones), adds `instance=""` where
 * there is no `instance`, and sorts each metric's labels by name: what the Pushgateway does to a push.
 * `grouping` is flat and sorted by name.
 */
export function sanitizeLabels(f: ParsedFamily, grouping: readonly string[]): void {
  for (const m of f.metrics) m.labels = sanitizedLabels(m.labels, grouping);
}

export function sanitizedLabels(labels: readonly string[], grouping: readonly string[]): string[] {
  const out: string[] = [];
  let hasInstance = false;
  for (let i = 0; i < labels.length; i += 2) {
    const name = labels[i];
    let value = labels[i + 1];
    for (let g = 0; g < grouping.length; g += 2) {
      if (grouping[g] === name) {
        value = grouping[g + 1];
        break;
      }
    }
    if (name === 'instance') hasInstance = true;
    out.push(name, value);
  }
  for (let g = 0; g < grouping.length; g += 2) {
    const name = grouping[g];
    let present = false;
    for (let i = 0; i < labels.length; i += 2) if (labels[i] === name) { present = true; break; }
    if (!present) {
      out.push(name, grouping[g + 1]);
      if (name === 'instance') hasInstance = true;
    }
  }
  if (!hasInstance) out.push('instance', '');
  return sortPairs(out);
}

/** Sorts flat name/value pairs by name (insertion sort: label sets are small). Stable. */
export function sortPairs(flat: string[]): string[] {
  for (let i = 2; i < flat.length; i += 2) {
    const n = flat[i];
    const v = flat[i + 1];
    let j = i - 2;
    while (j >= 0 && flat[j] > n) {
      flat[j + 2] = flat[j];
      flat[j + 3] = flat[j + 1];
      j -= 2;
    }
    flat[j + 2] = n;
    flat[j + 3] = v;
  }
  return flat;
}

// ---------------------------------------------------------------------------------------------------
// Protobuf

/** A uint64 count as Go reads it (a float count overrides when positive, as the schema says). */
function countOf(int: number | undefined, float: number | undefined): number {
  return float !== undefined && float > 0 ? float : int ?? 0;
}

function hasExtra(m: ProtoMetric): boolean {
  if (m.counter?.exemplar !== undefined || m.counter?.createdTimestamp !== undefined) return true;
  if (m.summary?.createdTimestamp !== undefined) return true;
  const h = m.histogram;
  if (h === undefined) return false;
  if (h.createdTimestamp !== undefined || h.schema !== undefined || h.zeroThreshold !== undefined || h.zeroCount !== undefined || h.zeroCountFloat !== undefined) return true;
  if ((h.negativeSpan?.length ?? 0) + (h.positiveSpan?.length ?? 0) + (h.negativeDelta?.length ?? 0) + (h.positiveDelta?.length ?? 0) > 0) return true;
  if ((h.negativeCount?.length ?? 0) + (h.positiveCount?.length ?? 0) + (h.exemplars?.length ?? 0) > 0) return true;
  for (const b of h.bucket ?? []) if (b.exemplar !== undefined) return true;
  return false;
}

/** A decoded protobuf family as a `ParsedFamily`. The metric's value is read from the field of the family's type. */
export function familyFromProto(f: ProtoMetricFamily): ParsedFamily {
  const type = (f.type ?? ProtoMetricType.COUNTER) as Kind;
  const metrics: ParsedMetric[] = [];
  for (const m of f.metric ?? []) {
    const labels: string[] = [];
    for (const l of m.label ?? []) {
      const v = l.value ?? '';
      labels.push(intern(l.name ?? ''), v.length <= INTERN_MAX_LENGTH ? intern(v) : v);
    }
    const pm: ParsedMetric = { labels, field: -1, value: 0, count: 0, points: undefined, timestampMs: m.timestampMs, extra: hasExtra(m) ? m : undefined };
    const wanted = KIND_FIELD[type] ?? '';
    const present = m.gauge ? 'gauge' : m.counter ? 'counter' : m.summary ? 'summary' : m.untyped ? 'untyped' : m.histogram ? 'histogram' : '';
    const field = wanted !== '' && (m as Record<string, unknown>)[wanted] !== undefined ? wanted : present;
    switch (field) {
      case 'counter':
        pm.field = Kind.Counter;
        pm.value = m.counter!.value ?? 0;
        break;
      case 'gauge':
        pm.field = Kind.Gauge;
        pm.value = m.gauge!.value ?? 0;
        break;
      case 'untyped':
        pm.field = Kind.Untyped;
        pm.value = m.untyped!.value ?? 0;
        break;
      case 'summary': {
        pm.field = Kind.Summary;
        const s = m.summary!;
        pm.value = s.sampleSum ?? 0;
        pm.count = s.sampleCount ?? 0;
        pm.points = [];
        for (const q of s.quantile ?? []) pm.points.push(q.quantile ?? 0, q.value ?? 0);
        break;
      }
      case 'histogram': {
        pm.field = type === Kind.GaugeHistogram ? Kind.GaugeHistogram : Kind.Histogram;
        const h = m.histogram!;
        pm.value = h.sampleSum ?? 0;
        pm.count = countOf(h.sampleCount, h.sampleCountFloat);
        pm.points = [];
        for (const b of h.bucket ?? []) pm.points.push(b.upperBound ?? 0, countOf(b.cumulativeCount, b.cumulativeCountFloat));
        break;
      }
    }
    metrics.push(pm);
  }
  return { name: f.name ?? '', type, help: f.help, metrics };
}

/** Metric i of a block as a protobuf message (its extra data merged back in). */
export function protoMetricOf(b: FamilyBlock, i: number): ProtoMetric {
  const label = [];
  const start = b.labelStart(i);
  const end = b.labelEnd[i];
  for (let k = start; k < end; k += 2) label.push({ name: b.labels[k], value: b.labels[k + 1] });
  const extra = b.extras?.[i];
  const m: ProtoMetric = { label };
  const v = b.values[i];
  switch (b.type) {
    case Kind.Counter:
      m.counter = { ...extra?.counter, value: v };
      break;
    case Kind.Gauge:
      m.gauge = { value: v };
      break;
    case Kind.Untyped:
      m.untyped = { value: v };
      break;
    case Kind.Summary: {
      const quantile = [];
      const ps = b.pointStart(i);
      const pe = b.pointEnd![i];
      for (let k = ps; k < pe; k += 2) quantile.push({ quantile: b.points![k], value: b.points![k + 1] });
      m.summary = { ...extra?.summary, sampleCount: b.counts![i], sampleSum: v, quantile };
      break;
    }
    default: {
      const h = { ...extra?.histogram };
      const ps = b.pointStart(i);
      const pe = b.pointEnd![i];
      if (extra?.histogram?.bucket !== undefined) {
        h.bucket = extra.histogram.bucket;
      } else {
        h.bucket = [];
        for (let k = ps; k < pe; k += 2) h.bucket.push(countField(b.points![k], b.points![k + 1]));
      }
      if (extra?.histogram === undefined) {
        const c = b.counts![i];
        if (Number.isInteger(c) && c >= 0) h.sampleCount = c;
        else h.sampleCountFloat = c;
      }
      h.sampleSum = v;
      m.histogram = h;
    }
  }
  return m;
}

function countField(upperBound: number, count: number): { upperBound: number; cumulativeCount?: number; cumulativeCountFloat?: number } {
  return Number.isInteger(count) && count >= 0 ? { upperBound, cumulativeCount: count } : { upperBound, cumulativeCountFloat: count };
}

/** A block as a protobuf family (labels already sanitized). */
export function protoFamilyOf(b: FamilyBlock): ProtoMetricFamily {
  const metric: ProtoMetric[] = [];
  for (let i = 0; i < b.size; i++) metric.push(protoMetricOf(b, i));
  const f: ProtoMetricFamily = { name: b.name, type: b.type, metric };
  if (b.help !== undefined) f.help = b.help;
  return f;
}
