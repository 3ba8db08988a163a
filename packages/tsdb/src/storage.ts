/**
 * The storage seam. Everything that writes samples (scrape, rules, remote-write receiver, import) goes
 * through an `Appender`; everything that reads them (PromQL, federation, the series/labels API) through a
 * `Querier`. Nothing else of the TSDB is visible outside this package.
 *
 * Times are milliseconds since the epoch; values are float64. Reads are synchronous: blocks are read
 * with positioned reads and the head is in memory, so the query engine runs tight loops without awaits.
 */
import type { FloatHistogram, Labels, Matcher } from '@vigil/model';
import { VigilError } from '@vigil/model';

/** A number the head hands out for a series at its first append; 0 means "not known yet". */
export type SeriesRef = number;

export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds; NaN when the exemplar had no timestamp. */
  readonly t: number;
}

export interface Appender {
  /**
   * Appends a float sample. With `ref` 0, the series is found (or created) by `labels`; with a ref from an
   * earlier call, `labels` may be `Labels.EMPTY` and is not looked at. Returns the series' ref.
   * Throws `AppendError` when the sample is rejected (out of order, duplicate, out of bounds); the rest of
   * the batch is unaffected.
   */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef;
  /**
   * Appends a native histogram sample, as `append` does for floats. A series may hold both kinds; the
   * histogram is not kept by reference (the caller may reuse it).
   */
  appendHistogram(ref: SeriesRef, labels: Labels, t: number, h: FloatHistogram): SeriesRef;
  /** Attaches an exemplar to a series (created if needed), as `append` does for samples. */
  appendExemplar(ref: SeriesRef, labels: Labels, exemplar: Exemplar): SeriesRef;
  /** Makes the batch durable (in the WAL) and visible to queriers; resolves once both hold. */
  commit(): Promise<void>;
  /** Drops the batch: nothing of it is stored. */
  rollback(): Promise<void>;
}

export interface Appendable {
  appender(): Appender;
}

/** Iterates a series' samples in timestamp order, without allocating per sample. */
export interface SampleIterator {
  /** Moves to the next sample; false when there is none. */
  next(): boolean;
  /** Moves to the first sample with timestamp >= t (staying put if already there); false when none. */
  seek(t: number): boolean;
  /** Timestamp of the current sample (valid after `next`/`seek` returned true). */
  readonly t: number;
  /** Value of the current sample; staleness markers come through as `STALE_NAN`. */
  readonly v: number;
  /**
   * The current sample's native histogram, or null when it is a float sample (then `v` holds it). Owned by
   * the iterator: valid until the next move; copy it to keep it.
   */
  readonly h: FloatHistogram | null;
}

/** Where `Series.readSamples` puts samples: typically two growable typed-array columns. */
export interface SampleSink {
  push(t: number, v: number): void;
  /** A native histogram sample; `h` is owned by the reader (copy to keep). */
  pushHistogram(t: number, h: FloatHistogram): void;
}

export interface Series {
  readonly labels: Labels;
  /** Samples within the querier's time range. Each call returns a fresh iterator. */
  iterator(): SampleIterator;
  /**
   * Optional fast path for readers that want all samples of a window at once: pushes the samples with
   * `mint <= t <= maxt` (and within the querier's range), in time order, staleness markers included,
   * exactly as an iterator would return them, but without an iterator object per series. Throws what
   * the iterator would throw (e.g. a corruption error).
   */
  readSamples?(mint: number, maxt: number, sink: SampleSink): void;
}

export interface SelectHints {
  /** Narrower time range for this select than the querier's (e.g. a range vector's window). */
  readonly start?: number;
  readonly end?: number;
  /** Series are needed for their labels only (e.g. /api/v1/series): samples need not be read. */
  readonly labelsOnly?: boolean;
}

export interface Querier {
  /**
   * Series that satisfy every matcher and have data in the time range, sorted by labels
   * (`Labels.compare`). At least one matcher must not match the empty string, as in Prometheus.
   */
  select(matchers: readonly Matcher[], hints?: SelectHints): Series[];
  /** Sorted label names of series in range (of those matching `matchers` when given). */
  labelNames(matchers?: readonly Matcher[]): string[];
  /** Sorted values of label `name` in range (of series matching `matchers` when given). */
  labelValues(name: string, matchers?: readonly Matcher[]): string[];
  close(): void;
}

export interface Queryable {
  /** A querier over samples with mint <= t <= maxt. */
  querier(mint: number, maxt: number): Querier;
}

export interface ExemplarQuerier {
  /** Exemplars of series matching any of the matcher sets, within [start, end]. */
  selectExemplars(start: number, end: number, matcherSets: readonly (readonly Matcher[])[]):
    Array<{ seriesLabels: Labels; exemplars: Exemplar[] }>;
}

export type AppendErrorReason =
  | 'out_of_order'
  | 'duplicate'
  | 'out_of_bounds'
  | 'too_old'
  | 'invalid'
  | 'out_of_order_exemplar'
  | 'exemplar_labels_too_long';

const APPEND_MESSAGES: Record<AppendErrorReason, string> = {
  out_of_order: 'out of order sample',
  duplicate: 'duplicate sample for timestamp',
  out_of_bounds: 'out of bounds',
  too_old: 'too old sample',
  invalid: 'invalid sample',
  out_of_order_exemplar: 'out of order exemplar',
  exemplar_labels_too_long: 'exemplar label set is too long',
};

/** A rejected sample, with Prometheus's error text as the message. */
export class AppendError extends VigilError {
  readonly reason: AppendErrorReason;

  constructor(reason: AppendErrorReason, detail?: string) {
    super('bad_data', detail ? `${APPEND_MESSAGES[reason]}: ${detail}` : APPEND_MESSAGES[reason]);
    this.name = 'AppendError';
    this.reason = reason;
  }
}
