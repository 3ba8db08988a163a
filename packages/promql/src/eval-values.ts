/**
 * The evaluator's data layout. Every expression is evaluated over a step grid (one step for an instant
 * query): an instant vector is a list of series, each a column of `Float64Array` values over the grid
 * with a `Uint8Array` saying at which steps the series has a point. Range vectors (matrix selectors and
 * subqueries) are decoded once per series into timestamp/value columns and read through sliding windows.
 * No object per sample anywhere.
 */
import { type FloatHistogram, type Labels, STALE_NAN, isStaleNaN } from '@vigil/model';

/**
 * Native histogram samples of a column, parallel to its values: null where the sample is a float. A
 * column of a series without histograms is absent altogether, so float-only series pay nothing.
 * Histogram objects in evaluation results are shared, never changed: operations copy before they modify.
 */
export type HistColumn = (FloatHistogram | null)[];

/** The evaluation steps: `start, start + step, ..., end` (ms); `n` steps. An instant query has n = 1. */
export interface Grid {
  readonly start: number;
  readonly end: number;
  /** Step in ms (1 for an instant query, as in Prometheus). */
  readonly step: number;
  readonly n: number;
}

export function makeGrid(start: number, end: number, step: number): Grid {
  const n = end < start ? 0 : Math.floor((end - start) / step) + 1;
  return { start, end, step, n };
}

/** One series of an instant vector over the grid. */
export interface StepSeries {
  labels: Labels;
  /** Value at each step (meaningful where `present[i]` is 1). */
  values: Float64Array;
  /** 1 where the series has a point at step i. */
  present: Uint8Array;
  /** Where the point at step i is a native histogram, that histogram (then `values[i]` is 0). */
  hist?: HistColumn | null;
  /**
   * Delayed `__name__` removal (Prometheus's `DropName`): the name is dropped at the end of evaluation.
   * Without delayed removal the engine drops names at once and this only records that it did.
   */
  dropName: boolean;
}

/** A series of a range vector: its samples in time order (stale markers removed). */
export interface RangeSeries {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  /** Native histogram samples (null for floats); absent when the series has none. */
  hs?: HistColumn | null;
  dropName: boolean;
}

export interface ScalarValue {
  readonly type: 'scalar';
  /** One value per step. */
  readonly values: Float64Array;
}

export interface VectorValue {
  readonly type: 'vector';
  series: StepSeries[];
  /** True when no two series have the same labels (known without checking). */
  distinct?: boolean;
}

export interface StringValue {
  readonly type: 'string';
  readonly value: string;
}

export interface MatrixValue {
  readonly type: 'matrix';
  series: RangeSeries[];
}

export type EvalValue = ScalarValue | VectorValue | StringValue | MatrixValue;

export function newStepSeries(labels: Labels, n: number, dropName = false): StepSeries {
  return { labels, values: new Float64Array(n), present: new Uint8Array(n), dropName };
}

/** Number of points of a series. */
export function countPoints(s: StepSeries): number {
  const p = s.present;
  let c = 0;
  for (let i = 0; i < p.length; i++) c += p[i];
  return c;
}

export function totalPoints(series: readonly StepSeries[]): number {
  let c = 0;
  for (const s of series) c += countPoints(s);
  return c;
}

const F64_CHUNK = 32768;
const U8_CHUNK = 65536;

/**
 * Hands out zeroed columns as views of large shared buffers: allocating a typed array per series is
 * costly (one backing store each), a view of a pooled chunk is not. Lives as long as one query.
 */
export class ColumnPool {
  private f = new Float64Array(0);
  private fp = 0;
  private u = new Uint8Array(0);
  private up = 0;

  f64(n: number): Float64Array {
    if (this.fp + n > this.f.length) {
      this.f = new Float64Array(Math.max(F64_CHUNK, n));
      this.fp = 0;
    }
    const v = this.f.subarray(this.fp, this.fp + n);
    this.fp += n;
    return v;
  }

  u8(n: number): Uint8Array {
    if (this.up + n > this.u.length) {
      this.u = new Uint8Array(Math.max(U8_CHUNK, n));
      this.up = 0;
    }
    const v = this.u.subarray(this.up, this.up + n);
    this.up += n;
    return v;
  }
}

/** Number of histogram points of a series (0 without a histogram column). */
export function histPoints(s: StepSeries): number {
  const h = s.hist;
  if (!h) return 0;
  let c = 0;
  for (let i = 0; i < h.length; i++) if (h[i] !== null && s.present[i] === 1) c++;
  return c;
}

/**
 * A growable pair of columns used to decode one series at a time (reused across series), plus a
 * histogram column created at the first histogram sample. `push` stays as lean as without histograms:
 * float positions after the first histogram are left unset until `finish` fills them with null.
 */
export class SampleBuffer {
  ts: Float64Array;
  vs: Float64Array;
  hs: HistColumn | null = null;
  length = 0;

  constructor(capacity = 256) {
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  reset(): void {
    this.length = 0;
    this.hs = null;
  }

  push(t: number, v: number): void {
    if (this.length === this.ts.length) this.grow();
    this.ts[this.length] = t;
    this.vs[this.length] = v;
    this.length++;
  }

  /** Completes the histogram column after a read (null at every float position). */
  finish(): void {
    const hs = this.hs;
    if (hs === null) return;
    for (let k = 0; k < this.length; k++) if (hs[k] === undefined) hs[k] = null;
    hs.length = this.length;
  }

  /** A histogram sample (copied: the reader owns `h`); a histogram staleness marker becomes a float one. */
  pushHistogram(t: number, h: FloatHistogram): void {
    if (isStaleNaN(h.sum)) {
      this.push(t, STALE_NAN);
      return;
    }
    if (this.hs === null) this.hs = [];
    if (this.length === this.ts.length) this.grow();
    this.ts[this.length] = t;
    this.vs[this.length] = 0;
    this.hs[this.length] = h.copy();
    this.length++;
  }

  private grow(): void {
    const ts = new Float64Array(this.ts.length * 2);
    const vs = new Float64Array(this.vs.length * 2);
    ts.set(this.ts);
    vs.set(this.vs);
    this.ts = ts;
    this.vs = vs;
  }
}
