/**
 * Gauge: a value that goes up and down, or is set.
 */
import type { ExpositionWriter } from '@vigil/exposition';
import { Metric, Series, notANumber, secondsSince, type LabelValues, type MetricConfiguration, type MetricValue } from './metric.js';

export interface GaugeConfiguration<T extends string> extends MetricConfiguration<T> {
  collect?: (this: Gauge<T>) => void | Promise<void>;
}

export interface GaugeChild<T extends string = string> {
  inc(value?: number): void;
  dec(value?: number): void;
  set(value: number): void;
  setToCurrentTime(): void;
  startTimer(): (labels?: LabelValues<T>) => number;
}

/** A gauge's series; `gauge.labels(...)` returns one. */
export class GaugeSeries extends Series implements GaugeChild {
  value = 0;
  readonly owner: Gauge<string>;

  constructor(owner: Gauge<string>, values: readonly string[], pairs: string) {
    super(values, pairs);
    this.owner = owner;
  }

  private target(): GaugeSeries {
    return this.live ? this : this.owner.revive(this);
  }

  inc(value?: number): void {
    const v = value === undefined ? 1 : value;
    if (typeof v !== 'number') throw notANumber(this.owner.name, 'increment', v);
    this.target().value += v;
  }

  dec(value?: number): void {
    const v = value === undefined ? 1 : value;
    if (typeof v !== 'number') throw notANumber(this.owner.name, 'decrement', v);
    this.target().value -= v;
  }

  set(value: number): void {
    if (typeof value !== 'number') throw notANumber(this.owner.name, 'value', value);
    this.target().value = value;
  }

  setToCurrentTime(): void {
    this.set(Date.now() / 1000);
  }

  /** Returns a function that sets the gauge to the seconds elapsed (its labels may add to this series'). */
  startTimer(): (labels?: LabelValues<string>) => number {
    const start = process.hrtime.bigint();
    return (labels?: LabelValues<string>) => {
      const seconds = secondsSince(start);
      if (labels === undefined) this.set(seconds);
      else this.owner.set({ ...this.owner.labelsOf(this), ...labels }, seconds);
      return seconds;
    };
  }
}

type ValueFn<T extends string> = {
  (labels: LabelValues<T>, value?: number): void;
  (value?: number): void;
};
type SetFn<T extends string> = {
  (labels: LabelValues<T>, value: number): void;
  (value: number): void;
};

export class Gauge<T extends string = string> extends Metric<T, GaugeSeries> {
  readonly type = 'gauge' as const;
  /** Adds `value` (default 1), to the series of `labels` when given. */
  declare inc: ValueFn<T>;
  /** Subtracts `value` (default 1). */
  declare dec: ValueFn<T>;
  /** Sets the value. */
  declare set: SetFn<T>;

  constructor(config: GaugeConfiguration<T>) {
    super(config);
    if (this.labelNames.length === 0) {
      this.inc = this.incUnlabelled as ValueFn<T>;
      this.dec = this.decUnlabelled as ValueFn<T>;
      this.set = this.setUnlabelled as SetFn<T>;
    } else {
      this.inc = this.incLabelled as ValueFn<T>;
      this.dec = this.decLabelled as ValueFn<T>;
      this.set = this.setLabelled as SetFn<T>;
    }
    this.finish();
  }

  protected newSeries(values: readonly string[], pairs: string): GaugeSeries {
    return new GaugeSeries(this as Gauge<string>, values, pairs);
  }

  protected clearSeries(s: GaugeSeries): void {
    s.value = 0;
  }

  // Unlabelled: `set(v)`, or `set({}, v)` as prom-client allows.
  private setUnlabelled(a: unknown, b?: unknown): void {
    let v = a;
    if (a !== null && typeof a === 'object') {
      this.checkNoLabels(a);
      v = b;
    }
    if (typeof v !== 'number') throw notANumber(this.name, 'value', v);
    this.single!.value = v;
  }

  private incUnlabelled(a?: unknown, b?: unknown): void {
    this.single!.value += this.delta(a, b, 'increment');
  }

  private decUnlabelled(a?: unknown, b?: unknown): void {
    this.single!.value -= this.delta(a, b, 'decrement');
  }

  private delta(a: unknown, b: unknown, what: string): number {
    let v = a;
    if (a !== null && typeof a === 'object') {
      this.checkNoLabels(a);
      v = b;
    }
    if (v === undefined) return 1;
    if (typeof v !== 'number') throw notANumber(this.name, what, v);
    return v;
  }

  private setLabelled(a: unknown, b?: unknown): void {
    if (a !== null && typeof a === 'object') {
      if (typeof b !== 'number') throw notANumber(this.name, 'value', b);
      this.seriesFor(a).value = b;
    } else {
      if (typeof a !== 'number') throw notANumber(this.name, 'value', a);
      this.seriesFor({}).value = a;
    }
  }

  private incLabelled(a?: unknown, b?: unknown): void {
    this.seriesAndDelta(a, b, 'increment', 1);
  }

  private decLabelled(a?: unknown, b?: unknown): void {
    this.seriesAndDelta(a, b, 'decrement', -1);
  }

  private seriesAndDelta(a: unknown, b: unknown, what: string, sign: number): void {
    let labels: object;
    let v: unknown;
    if (a !== null && typeof a === 'object') {
      labels = a;
      v = b;
    } else {
      labels = {};
      v = a;
    }
    if (v === undefined) v = 1;
    if (typeof v !== 'number') throw notANumber(this.name, what, v);
    this.seriesFor(labels).value += sign * v;
  }

  /** Sets the gauge to the current time in seconds since the epoch. */
  setToCurrentTime(labels?: LabelValues<T>): void {
    const now = Date.now() / 1000;
    if (labels === undefined) this.set(now);
    else this.set(labels, now);
  }

  /** Returns a function that sets the gauge to the seconds elapsed since this call. */
  startTimer(labels?: LabelValues<T>): (labels?: LabelValues<T>) => number {
    const start = process.hrtime.bigint();
    return (endLabels?: LabelValues<T>) => {
      const seconds = secondsSince(start);
      if (labels === undefined && endLabels === undefined) this.set(seconds);
      else this.set({ ...labels, ...endLabels } as LabelValues<T>, seconds);
      return seconds;
    };
  }

  /** The series for these label values (an object, or values in declared order), bound for good. */
  labels(...values: Array<string | number>): GaugeChild<T>;
  labels(labels: LabelValues<T>): GaugeChild<T>;
  labels(...args: unknown[]): GaugeChild<T> {
    return this.seriesFromArgs(args, 'labels()') as GaugeChild<T>;
  }

  /** @internal The labels of a series as an object. */
  labelsOf(s: GaugeSeries): Record<string, string> {
    return this.labelsObject(s);
  }

  /** The current value of a series (prom-client's internal `_getValue`). */
  _getValue(labels?: LabelValues<T>): number {
    if (this.labelNames.length === 0) return this.single!.value;
    return this.seriesFor(labels ?? {}).value;
  }

  writeHeader(w: ExpositionWriter): void {
    w.family(this.name, 'gauge', this.help);
  }

  writeSeries(w: ExpositionWriter, s: GaugeSeries, pairs: string): void {
    if (s.linePrefixPairs !== pairs) {
      s.linePrefix = (pairs === '' ? this.name : this.name + '{' + pairs + '}') + ' ';
      s.linePrefixPairs = pairs;
    }
    w.sampleAfter(s.linePrefix, s.value);
  }

  protected seriesValues(s: GaugeSeries, out: MetricValue<T>[]): void {
    out.push({ value: s.value, labels: this.labelsObject(s) as MetricValue<T>['labels'] });
  }
}
