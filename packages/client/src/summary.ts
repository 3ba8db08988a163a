/**
 * Summary: quantiles of observations over a sliding time window, with their sum and count.
 */
import { formatOpenMetricsValue, formatTextValue, type ExpositionWriter } from '@vigil/exposition';
import { Metric, Series, notANumber, secondsSince, type LabelValues, type MetricConfiguration, type MetricValue } from './metric.js';
import { TimeWindowQuantiles } from './quantiles.js';
import { badInput, describeValue } from './validation.js';

export const DEFAULT_PERCENTILES: readonly number[] = Object.freeze([0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999]);

export interface SummaryConfiguration<T extends string> extends MetricConfiguration<T> {
  percentiles?: number[];
  maxAgeSeconds?: number;
  ageBuckets?: number;
  /** Leave series whose window is empty out of the output. */
  pruneAgedBuckets?: boolean;
  /** Accepted for prom-client compatibility; the digest compresses when its buffer fills. */
  compressCount?: number;
  /** The clock (milliseconds) the window rotates by; `Date.now` unless a test says otherwise. */
  now?: () => number;
  collect?: (this: Summary<T>) => void | Promise<void>;
}

export interface SummaryChild<T extends string = string> {
  observe(value: number): void;
  startTimer(): (labels?: LabelValues<T>) => number;
}

/** A summary's series; `summary.labels(...)` returns one. */
export class SummarySeries extends Series implements SummaryChild {
  readonly window: TimeWindowQuantiles;
  sum = 0;
  count = 0;
  readonly owner: Summary<string>;

  constructor(owner: Summary<string>, values: readonly string[], pairs: string, window: TimeWindowQuantiles) {
    super(values, pairs);
    this.owner = owner;
    this.window = window;
  }

  observe(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw notANumber(this.owner.name, 'observation', value);
    const s = this.live ? this : this.owner.revive(this);
    s.window.push(value);
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
};

export class Summary<T extends string = string> extends Metric<T, SummarySeries> {
  readonly type = 'summary' as const;
  readonly percentiles: readonly number[];
  readonly maxAgeSeconds: number | undefined;
  readonly ageBuckets: number | undefined;
  readonly pruneAgedBuckets: boolean;
  /** Observes `value` (for `labels` when given). */
  declare observe: ObserveFn<T>;
  private readonly now: () => number;
  private readonly quantileText: string[];
  private readonly quantileOpenMetrics: string[];
  /** Reused per series while writing: the quantile values. */
  private readonly scratch: Float64Array;

  constructor(config: SummaryConfiguration<T>) {
    super(config, 'quantile');
    const percentiles = config.percentiles ?? DEFAULT_PERCENTILES;
    if (!Array.isArray(percentiles)) throw badInput(`summary "${this.name}": "percentiles" must be an array of numbers`);
    for (const q of percentiles) {
      if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
        throw badInput(`summary "${this.name}": percentile ${describeValue(q)} is not a number between 0 and 1`);
      }
    }
    this.percentiles = Object.freeze([...percentiles]);
    this.maxAgeSeconds = config.maxAgeSeconds;
    this.ageBuckets = config.ageBuckets;
    this.pruneAgedBuckets = config.pruneAgedBuckets === true;
    this.now = config.now ?? Date.now;
    this.quantileText = percentiles.map(formatTextValue);
    this.quantileOpenMetrics = percentiles.map(formatOpenMetricsValue);
    this.scratch = new Float64Array(percentiles.length);
    this.observe = (this.labelNames.length === 0 ? this.observeUnlabelled : this.observeLabelled) as ObserveFn<T>;
    this.finish();
  }

  protected newSeries(values: readonly string[], pairs: string): SummarySeries {
    return new SummarySeries(this as Summary<string>, values, pairs, new TimeWindowQuantiles(this.maxAgeSeconds, this.ageBuckets, this.now));
  }

  protected clearSeries(s: SummarySeries): void {
    s.window.reset();
    s.sum = 0;
    s.count = 0;
  }

  /** Unlike the other types, prom-client keeps a summary's series on reset, emptied. */
  override reset(): void {
    this.forEachSeries((s) => this.clearSeries(s));
  }

  private record(s: SummarySeries, v: number): void {
    s.window.push(v);
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

  /** Returns a function that observes the seconds elapsed since this call. */
  startTimer(labels?: LabelValues<T>): (labels?: LabelValues<T>) => number {
    const start = process.hrtime.bigint();
    return (endLabels?: LabelValues<T>) => {
      const seconds = secondsSince(start);
      if (labels === undefined && endLabels === undefined) (this.observe as (v: number) => void)(seconds);
      else (this.observe as (l: LabelValues<T>, v: number) => void)({ ...labels, ...endLabels } as LabelValues<T>, seconds);
      return seconds;
    };
  }

  /** The series for these label values (an object, or values in declared order), bound for good. */
  labels(...values: Array<string | number>): SummaryChild<T>;
  labels(labels: LabelValues<T>): SummaryChild<T>;
  labels(...args: unknown[]): SummaryChild<T> {
    return this.seriesFromArgs(args, 'labels()') as SummaryChild<T>;
  }

  /** @internal */
  labelsOf(s: SummarySeries): Record<string, string> {
    return this.labelsObject(s);
  }

  override shouldWrite(s: SummarySeries): boolean {
    return !this.pruneAgedBuckets || s.window.size() > 0;
  }

  override linesPerSeries(): number {
    return this.percentiles.length + 2;
  }

  /** Quantile values of a series; an empty window reports 0, as prom-client does. */
  private quantiles(s: SummarySeries): Float64Array {
    const out = this.scratch;
    for (let i = 0; i < this.percentiles.length; i++) {
      const v = s.window.percentile(this.percentiles[i]);
      out[i] = Number.isNaN(v) ? 0 : v;
    }
    return out;
  }

  writeHeader(w: ExpositionWriter): void {
    w.family(this.name, 'summary', this.help);
  }

  writeSeries(w: ExpositionWriter, s: SummarySeries, pairs: string): void {
    const q = w.openMetrics ? this.quantileOpenMetrics : this.quantileText;
    const values = this.quantiles(s);
    const open = this.name + '{' + (pairs === '' ? 'quantile="' : pairs + ',quantile="');
    for (let i = 0; i < q.length; i++) w.sample(open + q[i] + '"}', values[i]);
    const braces = pairs === '' ? '' : '{' + pairs + '}';
    w.sample(this.name + '_sum' + braces, s.sum);
    w.count(this.name + '_count' + braces, s.count);
  }

  protected seriesValues(s: SummarySeries, out: MetricValue<T>[]): void {
    const labels = this.labelsObject(s);
    const values = this.quantiles(s);
    for (let i = 0; i < this.percentiles.length; i++) {
      out.push({ labels: { quantile: this.percentiles[i], ...labels } as MetricValue<T>['labels'], value: values[i] });
    }
    out.push({ metricName: this.name + '_sum', labels: { ...labels } as MetricValue<T>['labels'], value: s.sum });
    out.push({ metricName: this.name + '_count', labels: { ...labels } as MetricValue<T>['labels'], value: s.count });
  }
}
