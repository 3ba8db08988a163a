/**
 * Histogram: observations counted in buckets, with their sum and count.
 *
 * A series keeps per-bucket (not cumulative) counts in a Float64Array, so `observe` finds one bucket and
 * adds one; the cumulative counts are summed when written.
 */
import { formatOpenMetricsValue, formatTextValue, type ExpositionWriter } from '@vigil/exposition';
import { Metric, Series, notANumber, secondsSince, type LabelValues, type MetricConfiguration, type MetricValue } from './metric.js';
import { ExemplarSlot, exemplarJSON, type ExemplarLabels } from './exemplar.js';
import { badInput, describeValue } from './validation.js';

export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

export interface HistogramConfiguration<T extends string> extends MetricConfiguration<T> {
  buckets?: number[];
  collect?: (this: Histogram<T>) => void | Promise<void>;
}

export interface ObserveDataWithExemplar<T extends string> {
  value: number;
  labels?: LabelValues<T>;
  exemplarLabels?: ExemplarLabels;
}

export interface HistogramChild<T extends string = string> {
  observe(value: number): void;
  startTimer(): (labels?: LabelValues<T>) => number;
}

/** A histogram's series; `histogram.labels(...)` returns one. */
export class HistogramSeries extends Series implements HistogramChild {
  /** Observations per bucket; the last slot is the `+Inf` bucket. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Per bucket, when exemplars are enabled. */
  exemplars: Array<ExemplarSlot | undefined> | undefined = undefined;
  readonly owner: Histogram<string>;

  constructor(owner: Histogram<string>, values: readonly string[], pairs: string, buckets: number) {
    super(values, pairs);
    this.owner = owner;
    this.counts = new Float64Array(buckets + 1);
  }

  observe(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw notANumber(this.owner.name, 'observation', value);
    const s = this.live ? this : this.owner.revive(this);
    s.counts[this.owner.bucketIndex(value)]++;
    s.sum += value;
    s.count++;
  }

  startTimer(): (labels?: LabelValues<string>) => number {
    const start = process.hrtime.bigint();
    return (labels?: LabelValues<string>) => {
      const seconds = secondsSince(start);
      if (labels === undefined) this.observe(seconds);
      else this.owner.observe({ ...this.owner.labelsOf(this), ...labels }, seconds);
      return seconds;
    };
  }
}

type ObserveFn<T extends string> = {
  (value: number): void;
  (labels: LabelValues<T>, value: number): void;
  (observeData: ObserveDataWithExemplar<T>): void;
};

function checkBuckets(metric: string, buckets: unknown): number[] {
  if (!Array.isArray(buckets)) throw badInput(`histogram "${metric}": "buckets" must be an array of numbers`);
  const out = [...buckets] as number[];
  // A trailing +Inf is implied; client_golang drops it too.
  while (out.length > 0 && out[out.length - 1] === Infinity) out.pop();
  for (let i = 0; i < out.length; i++) {
    const b = out[i];
    if (typeof b !== 'number' || Number.isNaN(b)) throw badInput(`histogram "${metric}": bucket ${i} is not a number: ${describeValue(b)}`);
    if (i > 0 && !(b > out[i - 1])) {
      throw badInput(`histogram "${metric}": buckets must be in increasing order: ${out[i - 1]} is followed by ${b}`);
    }
  }
  return out;
}

export class Histogram<T extends string = string> extends Metric<T, HistogramSeries> {
  readonly type = 'histogram' as const;
  /** The upper bounds (without +Inf), as configured. */
  readonly upperBounds: readonly number[];
  /** Alias of `upperBounds`, as prom-client names the configuration. */
  readonly buckets: readonly number[];
  /** Observes `value` (for `labels` when given); with exemplars also `observe({ labels, value, exemplarLabels })`. */
  declare observe: ObserveFn<T>;
  private readonly bounds: Float64Array;
  private readonly leText: string[];
  private readonly leOpenMetrics: string[];

  constructor(config: HistogramConfiguration<T>) {
    super(config, 'le');
    const bounds = checkBuckets(this.name, config.buckets ?? DEFAULT_BUCKETS);
    this.upperBounds = Object.freeze(bounds);
    this.buckets = this.upperBounds;
    this.bounds = Float64Array.from(bounds);
    this.leText = [...bounds.map(formatTextValue), '+Inf'];
    this.leOpenMetrics = [...bounds.map(formatOpenMetricsValue), '+Inf'];
    const observe = this.enableExemplars ? this.observeWithExemplar : this.labelNames.length === 0 ? this.observeUnlabelled : this.observeLabelled;
    this.observe = observe as ObserveFn<T>;
    this.finish();
  }

  protected newSeries(values: readonly string[], pairs: string): HistogramSeries {
    return new HistogramSeries(this as Histogram<string>, values, pairs, this.bounds.length);
  }

  protected clearSeries(s: HistogramSeries): void {
    s.counts.fill(0);
    s.sum = 0;
    s.count = 0;
    s.exemplars = undefined;
  }

  /** @internal The bucket an observation falls in (`bounds.length` for +Inf). */
  bucketIndex(v: number): number {
    const b = this.bounds;
    const n = b.length;
    if (n <= 16) {
      let i = 0;
      while (i < n && v > b[i]) i++;
      return i;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v > b[mid]) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private record(s: HistogramSeries, v: number): void {
    s.counts[this.bucketIndex(v)]++;
    s.sum += v;
    s.count++;
  }

  private observeUnlabelled(a: unknown, b?: unknown): void {
    let v = a;
    if (a !== null && typeof a === 'object') {
      this.checkNoLabels(a);
      v = b;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw notANumber(this.name, 'observation', v);
    this.record(this.single!, v);
  }

  private observeLabelled(a: unknown, b?: unknown): void {
    let labels: object;
    let v: unknown;
    if (a !== null && typeof a === 'object') {
      labels = a;
      v = b;
    } else {
      labels = {};
      v = a;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw notANumber(this.name, 'observation', v);
    this.record(this.seriesFor(labels), v);
  }

  private observeWithExemplar(a: unknown, b?: unknown): void {
    // The exemplar form is an object with `value` (and `labels`, `exemplarLabels`); any other object is a
    // label set followed by the value, as without exemplars.
    if (a === null || typeof a !== 'object' || !('value' in a || 'exemplarLabels' in a)) {
      if (this.labelNames.length === 0) this.observeUnlabelled(a, b);
      else this.observeLabelled(a, b);
      return;
    }
    const data = a as ObserveDataWithExemplar<string>;
    const v = data.value;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw notANumber(this.name, 'observation', v);
    const slot = data.exemplarLabels !== undefined ? ExemplarSlot.checked(this.name, data.exemplarLabels) : undefined;
    let s: HistogramSeries;
    if (this.labelNames.length === 0) {
      this.checkNoLabels(data.labels);
      s = this.single!;
    } else {
      s = this.seriesFor(data.labels ?? {});
    }
    const i = this.bucketIndex(v);
    s.counts[i]++;
    s.sum += v;
    s.count++;
    if (slot !== undefined && !slot.empty) {
      slot.record(v, Date.now());
      (s.exemplars ??= new Array(this.bounds.length + 1).fill(undefined))[i] = slot;
    }
  }

  /** Sets the series of `labels` to zero (creating it), so that it is exported before any observation. */
  zero(labels: LabelValues<T>): void {
    const s = this.labelNames.length === 0 ? (this.checkNoLabels(labels), this.single!) : this.seriesFor(labels ?? {});
    this.clearSeries(s);
  }

  /** Returns a function that observes the seconds elapsed since this call. */
  startTimer(labels?: LabelValues<T>, exemplarLabels?: ExemplarLabels): (labels?: LabelValues<T>, exemplarLabels?: ExemplarLabels) => number {
    const start = process.hrtime.bigint();
    return (endLabels?: LabelValues<T>, endExemplarLabels?: ExemplarLabels) => {
      const seconds = secondsSince(start);
      const all = labels === undefined && endLabels === undefined ? undefined : ({ ...labels, ...endLabels } as LabelValues<T>);
      if (this.enableExemplars) {
        const ex = exemplarLabels === undefined && endExemplarLabels === undefined ? undefined : { ...exemplarLabels, ...endExemplarLabels };
        (this.observe as (d: ObserveDataWithExemplar<T>) => void)({ labels: all, value: seconds, exemplarLabels: ex });
      } else if (all === undefined) {
        (this.observe as (v: number) => void)(seconds);
      } else {
        (this.observe as (l: LabelValues<T>, v: number) => void)(all, seconds);
      }
      return seconds;
    };
  }

  /** The series for these label values (an object, or values in declared order), bound for good. */
  labels(...values: Array<string | number>): HistogramChild<T>;
  labels(labels: LabelValues<T>): HistogramChild<T>;
  labels(...args: unknown[]): HistogramChild<T> {
    return this.seriesFromArgs(args, 'labels()') as HistogramChild<T>;
  }

  /** @internal */
  labelsOf(s: HistogramSeries): Record<string, string> {
    return this.labelsObject(s);
  }

  override linesPerSeries(): number {
    return this.bounds.length + 3;
  }

  writeHeader(w: ExpositionWriter): void {
    w.family(this.name, 'histogram', this.help);
  }

  writeSeries(w: ExpositionWriter, s: HistogramSeries, pairs: string): void {
    const le = w.openMetrics ? this.leOpenMetrics : this.leText;
    if (s.linePrefixPairs !== pairs) {
      s.linePrefix = this.name + '_bucket{' + (pairs === '' ? 'le="' : pairs + ',le="');
      s.linePrefixPairs = pairs;
    }
    const bucket = s.linePrefix;
    const braces = pairs === '' ? '' : '{' + pairs + '}';
    const counts = s.counts;
    const ex = w.openMetrics ? s.exemplars : undefined;
    let cumulative = 0;
    for (let i = 0; i < counts.length; i++) {
      cumulative += counts[i];
      const e = ex !== undefined ? ex[i] : undefined;
      if (e === undefined) w.count(bucket + le[i] + '"}', cumulative);
      else w.line(bucket + le[i] + '"}', cumulative, true, undefined, e.pairs(), e.value, e.timestampMs);
    }
    w.sample(this.name + '_sum' + braces, s.sum);
    w.count(this.name + '_count' + braces, s.count);
  }

  protected seriesValues(s: HistogramSeries, out: MetricValue<T>[]): void {
    const labels = this.labelsObject(s);
    const bucketName = this.name + '_bucket';
    let cumulative = 0;
    for (let i = 0; i < s.counts.length; i++) {
      cumulative += s.counts[i];
      const e = s.exemplars?.[i];
      out.push({
        value: cumulative,
        metricName: bucketName,
        exemplar: e === undefined ? null : exemplarJSON(e),
        labels: { le: i < this.bounds.length ? this.bounds[i] : '+Inf', ...labels } as MetricValue<T>['labels'],
      });
    }
    out.push({ value: s.sum, metricName: this.name + '_sum', labels: { ...labels } as MetricValue<T>['labels'] });
    out.push({ value: s.count, metricName: this.name + '_count', labels: { ...labels } as MetricValue<T>['labels'] });
  }
}
