/**
 * The public surface of `@vigil/client`: prom-client's API, plus `startHttpServer` and
 * `AggregatorRegistry#workerThreadMetrics`.
 */
import { globalRegistry, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './registry.js';

export {
  Registry,
  contentType,
  PROMETHEUS_CONTENT_TYPE,
  OPENMETRICS_CONTENT_TYPE,
  type RegistryContentType,
  type PrometheusContentType,
  type OpenMetricsContentType,
  type MetricLike,
} from './registry.js';
export { Counter, type CounterConfiguration, type CounterChild, type IncreaseDataWithExemplar } from './counter.js';
export { Gauge, type GaugeConfiguration, type GaugeChild } from './gauge.js';
export { Histogram, type HistogramConfiguration, type HistogramChild, type ObserveDataWithExemplar } from './histogram.js';
export { Summary, type SummaryConfiguration, type SummaryChild } from './summary.js';
export {
  Metric,
  type LabelValues,
  type Aggregator,
  type CollectFunction,
  type MetricConfiguration,
  type MetricValue,
  type MetricObjectWithValues,
  type ExemplarJSON,
} from './metric.js';
export { linearBuckets, exponentialBuckets } from './buckets.js';
export { collectDefaultMetrics, type DefaultMetricsCollectorConfiguration } from './default-metrics.js';
export { aggregators, AggregatorFactory, type AggregatorFunction } from './aggregate.js';
export { AggregatorRegistry } from './cluster.js';
export { Pushgateway, type PushgatewayOptions } from './pushgateway.js';
export { validateMetricName, validateLabelName } from './validation.js';
export { startHttpServer, type MetricsServer, type MetricsServerOptions } from './http-server.js';

/** The default registry. */
export const register = globalRegistry;
export const prometheusContentType = PROMETHEUS_CONTENT_TYPE;
export const openMetricsContentType = OPENMETRICS_CONTENT_TYPE;
