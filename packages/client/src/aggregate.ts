/**
 * Combining the metrics of several processes or threads (prom-client's `getMetricsAsJSON()` shape):
 * series are matched by sample name and label set, and combined by each metric's `aggregator`.
 */
import type { MetricObjectWithValues, MetricValue } from './metric.js';
import { Registry, type MetricLike, type RegistryContentType, PROMETHEUS_CONTENT_TYPE } from './registry.js';
import { badInput } from './validation.js';

type MetricJSON = MetricObjectWithValues<MetricValue>;
export type AggregatorFunction = (metrics: MetricJSON[]) => MetricJSON | undefined;

/** A key for a label set that does not depend on key order. */
function labelsKey(labels: Record<string, unknown> | undefined): string {
  if (labels === undefined) return '';
  const keys = Object.keys(labels).sort();
  let k = '';
  for (const n of keys) k += n + '\u0000' + String(labels[n]) + '\u0001';
  return k;
}

/** Builds an aggregator from a function of the values one series has across the inputs. */
export function AggregatorFactory(combine: (values: MetricValue[]) => number): AggregatorFunction {
  return (metrics) => {
    if (metrics.length === 0) return undefined;
    const first = metrics[0];
    const bySeries = new Map<string, MetricValue[]>();
    for (const m of metrics) {
      for (const v of m.values ?? []) {
        const key = (v.metricName ?? '') + '\u0002' + labelsKey(v.labels);
        const list = bySeries.get(key);
        if (list === undefined) bySeries.set(key, [v]);
        else list.push(v);
      }
    }
    const values: MetricValue[] = [];
    for (const list of bySeries.values()) {
      const out: MetricValue = { value: combine(list), labels: list[0].labels };
      if (list[0].metricName !== undefined) out.metricName = list[0].metricName;
      values.push(out);
    }
    return { help: first.help, name: first.name, type: first.type, values, aggregator: first.aggregator };
  };
}

export const aggregators: Record<string, AggregatorFunction> = {
  sum: AggregatorFactory((v) => v.reduce((acc, x) => acc + x.value, 0)),
  first: AggregatorFactory((v) => v[0].value),
  omit: () => undefined,
  average: AggregatorFactory((v) => v.reduce((acc, x) => acc + x.value, 0) / v.length),
  min: AggregatorFactory((v) => v.reduce((acc, x) => Math.min(acc, x.value), Infinity)),
  max: AggregatorFactory((v) => v.reduce((acc, x) => Math.max(acc, x.value), -Infinity)),
};

/**
 * A registry holding the combination of several `getMetricsAsJSON()` results (one array per process or
 * thread).
 */
export function aggregate(metricsArr: MetricJSON[][], registryType: RegistryContentType = PROMETHEUS_CONTENT_TYPE): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>(registryType);
  const byName = new Map<string, MetricJSON[]>();
  for (const metrics of metricsArr) {
    for (const m of metrics) {
      const list = byName.get(m.name);
      if (list === undefined) byName.set(m.name, [m]);
      else list.push(m);
    }
  }
  for (const metrics of byName.values()) {
    const name = metrics[0].aggregator ?? 'sum';
    const fn = aggregators[name];
    if (typeof fn !== 'function') throw badInput(`aggregate: "${name}" is not a defined aggregator (metric "${metrics[0].name}")`);
    const result = fn(metrics);
    if (result === undefined) continue;
    const wrapper: MetricLike = { ...result, get: () => result };
    registry.registerMetric(wrapper);
  }
  return registry;
}
