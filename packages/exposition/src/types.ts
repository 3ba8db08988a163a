/**
 * Metric families as plain data: what `parseFamilies` returns and what the writers take. Used where a
 * whole exposition is held at once (pushgateway groups, node-exporter collectors, federation). The
 * scrape path does not build these: it reads the streaming parser directly.
 */
import type { Labels } from '@vigil/model';

/** OpenMetrics types; the text format's `untyped` is `unknown` here. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds; undefined when the exemplar has none. */
  readonly timestamp?: number;
}

export interface Sample {
  /** The full sample name, with its suffix: `http_requests_total`, `latency_bucket`, `latency_sum`. */
  readonly name: string;
  /** Labels without `__name__` (e.g. `le`, `quantile` included). */
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds; undefined when the sample has none. */
  readonly timestamp?: number;
  readonly exemplar?: Exemplar;
}

export interface MetricFamily {
  /** The family name (for a counter in OpenMetrics, without `_total`). */
  readonly name: string;
  readonly type: MetricType;
  readonly help?: string;
  readonly unit?: string;
  /** Samples in exposition order; the samples of one series (e.g. a histogram's buckets, sum, count) together. */
  readonly samples: readonly Sample[];
}
