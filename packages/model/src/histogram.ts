/**
 * Native histograms (Prometheus's sparse, exponential-bucket histograms, and custom-bucket NHCB), in the
 * float form PromQL computes with. Storage encodes them its own way (integer deltas in chunks); everything
 * that reads or writes samples meets them in this form.
 *
 * Buckets are addressed by index: with schema s >= -4, bucket i covers (base^(i-1), base^i] where
 * base = 2^(2^-s); with schema -53 (custom buckets), bucket i covers (customValues[i-1], customValues[i]].
 * Spans list runs of populated indices: the first span's offset is the first index, each later span's
 * offset is the gap after the previous span.
 */

export const CounterResetHint = {
  Unknown: 0,
  CounterReset: 1,
  NotCounterReset: 2,
  Gauge: 3,
} as const;
export type CounterResetHint = (typeof CounterResetHint)[keyof typeof CounterResetHint];

/** Schema of native histograms with custom bucket bounds (NHCB). */
export const CUSTOM_BUCKETS_SCHEMA = -53;

export interface Span {
  readonly offset: number;
  readonly length: number;
}

export class FloatHistogram {
  counterResetHint: CounterResetHint;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positiveSpans: Span[];
  /** Absolute bucket counts, one per index covered by `positiveSpans`. */
  positiveBuckets: number[];
  negativeSpans: Span[];
  negativeBuckets: number[];
  /** Upper bounds of the custom buckets (schema -53), `+Inf` implicit; empty otherwise. */
  customValues: number[];

  constructor(init: Partial<FloatHistogram> = {}) {
    this.counterResetHint = init.counterResetHint ?? CounterResetHint.Unknown;
    this.schema = init.schema ?? 0;
    this.zeroThreshold = init.zeroThreshold ?? 0;
    this.zeroCount = init.zeroCount ?? 0;
    this.count = init.count ?? 0;
    this.sum = init.sum ?? 0;
    this.positiveSpans = init.positiveSpans ? [...init.positiveSpans] : [];
    this.positiveBuckets = init.positiveBuckets ? [...init.positiveBuckets] : [];
    this.negativeSpans = init.negativeSpans ? [...init.negativeSpans] : [];
    this.negativeBuckets = init.negativeBuckets ? [...init.negativeBuckets] : [];
    this.customValues = init.customValues ? [...init.customValues] : [];
  }

  /** A deep copy: histograms are mutable, and results must never alias stored samples. */
  copy(): FloatHistogram {
    return new FloatHistogram(this);
  }

  usesCustomBuckets(): boolean {
    return this.schema === CUSTOM_BUCKETS_SCHEMA;
  }
}
