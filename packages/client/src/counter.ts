/**
 * Counter: a value that only goes up (and back to zero when the process restarts).
 */
import type { ExpositionWriter } from '@vigil/exposition';
import { Metric, Series, notANumber, type LabelValues, type MetricConfiguration, type MetricValue } from './metric.js';
import { ExemplarSlot, exemplarJSON, type ExemplarLabels } from './exemplar.js';
import { badInput, describeValue } from './validation.js';

export interface CounterConfiguration<T extends string> extends MetricConfiguration<T> {
  collect?: (this: Counter<T>) => void | Promise<void>;
}

export interface IncreaseDataWithExemplar<T extends string> {
  value?: number;
  labels?: LabelValues<T>;
  exemplarLabels?: ExemplarLabels;
}

export interface CounterChild {
  inc(value?: number): void;
}

type IncFn<T extends string> = {
  (labels: LabelValues<T>, value?: number): void;
  (value?: number): void;
  (incData: IncreaseDataWithExemplar<T>): void;
};

function isIncreaseData(a: object): boolean {
  if ('labels' in a || 'value' in a || 'exemplarLabels' in a) return true;
  for (const _ in a) return false;
  return true;
}

function isBadIncrement(v: unknown): boolean {
  return typeof v !== 'number' || !(v >= 0) || v === Infinity;
}

function badIncrement(metric: string, v: unknown): Error {
  if (typeof v !== 'number' || Number.isNaN(v) || v === Infinity) return notANumber(metric, 'increment', v);
  return badInput(`metric "${metric}": counters only go up: cannot increase by ${describeValue(v)}`);
}

/** A counter's series; `counter.labels(...)` returns one. */
export class CounterSeries extends Series implements CounterChild {
  value = 0;
  exemplar: ExemplarSlot | undefined = undefined;
  readonly owner: Counter<string>;

  constructor(owner: Counter<string>, values: readonly string[], pairs: string) {
    super(values, pairs);
    this.owner = owner;
  }

  /** Adds `value` (default 1); negative or non-finite values throw and change nothing. */
  inc(value?: number): void {
    const v = value === undefined ? 1 : value;
    if (isBadIncrement(v)) throw badIncrement(this.owner.name, v);
    if (this.live) this.value += v;
    else this.owner.revive(this).value += v;
  }
}

export class Counter<T extends string = string> extends Metric<T, CounterSeries> {
  readonly type = 'counter' as const;
  /**
   * `inc()`, `inc(value)`, `inc(labels, value?)`; with exemplars enabled also `inc({ labels, value,
   * exemplarLabels })`. Picked once at construction: unlabelled, labelled, or with exemplars.
   */
  declare inc: IncFn<T>;
  private readonly omSampleName: string;

  constructor(config: CounterConfiguration<T>) {
    super(config);
    // OpenMetrics samples are the name without `_total`, plus `_total` (as prom-client writes them).
    this.omSampleName = this.familyName(true) + '_total';
    const inc = this.enableExemplars ? this.incWithExemplar : this.labelNames.length === 0 ? this.incUnlabelled : this.incLabelled;
    this.inc = inc as IncFn<T>;
    this.finish();
  }

  protected newSeries(values: readonly string[], pairs: string): CounterSeries {
    return new CounterSeries(this as Counter<string>, values, pairs);
  }

  protected clearSeries(s: CounterSeries): void {
    s.value = 0;
    s.exemplar = undefined;
  }

  private incUnlabelled(a?: unknown, b?: unknown): void {
    if (a === undefined) {
      this.single!.value++;
      return;
    }
    let v: unknown;
    if (typeof a === 'number') v = a;
    else {
      this.checkNoLabels(a);
      v = b === undefined ? 1 : b;
    }
    if (isBadIncrement(v)) throw badIncrement(this.name, v);
    this.single!.value += v as number;
  }

  private incLabelled(a?: unknown, b?: unknown): void {
    let v: unknown;
    let labels: object;
    if (a !== null && typeof a === 'object') {
      v = b === undefined ? 1 : b;
      labels = a;
    } else {
      // prom-client records `inc(value)` on a labelled counter as the series without labels.
      v = a === undefined ? 1 : a;
      labels = {};
    }
    if (isBadIncrement(v)) throw badIncrement(this.name, v);
    this.seriesFor(labels).value += v as number;
  }

  private incWithExemplar(a?: unknown, b?: unknown): void {
    // The exemplar form is an object with `labels`, `value` or `exemplarLabels` (or none: `inc({})`); any
    // other object is a label set, as without exemplars.
    if (a === undefined || a === null || typeof a !== 'object' || !isIncreaseData(a)) {
      if (this.labelNames.length === 0) this.incUnlabelled(a, b);
      else this.incLabelled(a, b);
      return;
    }
    const data = a as IncreaseDataWithExemplar<string>;
    const v = data.value === undefined ? 1 : data.value;
    if (isBadIncrement(v)) throw badIncrement(this.name, v);
    const exemplarLabels = data.exemplarLabels;
    const slot = exemplarLabels !== undefined ? ExemplarSlot.checked(this.name, exemplarLabels) : undefined;
    let s: CounterSeries;
    if (this.labelNames.length === 0) {
      this.checkNoLabels(data.labels);
      s = this.single!;
    } else {
      s = this.seriesFor(data.labels ?? {});
    }
    s.value += v;
    if (slot !== undefined && !slot.empty) {
      slot.record(v, Date.now());
      s.exemplar = slot;
    }
  }

  /** The series for these label values (an object, or values in declared order), bound for good. */
  labels(...values: Array<string | number>): CounterChild;
  labels(labels: LabelValues<T>): CounterChild;
  labels(...args: unknown[]): CounterChild {
    return this.seriesFromArgs(args, 'labels()');
  }

  /** The family name: in OpenMetrics without `_total`. */
  familyName(openMetrics: boolean): string {
    return openMetrics && this.name.endsWith('_total') ? this.name.slice(0, -6) : this.name;
  }

  writeHeader(w: ExpositionWriter): void {
    w.family(this.familyName(w.openMetrics), 'counter', this.help);
  }

  writeSeries(w: ExpositionWriter, s: CounterSeries, pairs: string): void {
    const om = w.openMetrics;
    if (s.linePrefixPairs !== pairs || s.linePrefixOpenMetrics !== om) {
      const name = om ? this.omSampleName : this.name;
      s.linePrefix = (pairs === '' ? name : name + '{' + pairs + '}') + ' ';
      s.linePrefixPairs = pairs;
      s.linePrefixOpenMetrics = om;
    }
    const ex = s.exemplar;
    if (ex !== undefined && om) w.line(s.linePrefix.slice(0, -1), s.value, false, undefined, ex.pairs(), ex.value, ex.timestampMs);
    else w.sampleAfter(s.linePrefix, s.value);
  }

  protected seriesValues(s: CounterSeries, out: MetricValue<T>[]): void {
    const v: MetricValue<T> = { value: s.value, labels: this.labelsObject(s) as MetricValue<T>['labels'] };
    if (s.exemplar !== undefined) v.exemplar = exemplarJSON(s.exemplar);
    out.push(v);
  }
}
