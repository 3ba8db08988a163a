export type { MetricType, MetricFamily, Sample, Exemplar } from './types.js';
