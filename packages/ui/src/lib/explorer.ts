/** The metrics explorer's model: metric names with the metadata of their family. */
import type { MetricMetadata } from './api.js';

const SUFFIXES: readonly [string, readonly string[]][] = [
  ['_bucket', ['histogram', 'gaugehistogram']],
  ['_count', ['histogram', 'summary', 'gaugehistogram']],
  ['_sum', ['histogram', 'summary', 'gaugehistogram']],
  ['_gcount', ['gaugehistogram']],
  ['_gsum', ['gaugehistogram']],
  ['_total', ['counter']],
  ['_created', ['counter', 'histogram', 'summary']],
  ['_info', ['info']],
];

/**
 * The metadata of a metric name: its own, or that of the family it is a sample of (`x_bucket` of the
 * histogram `x`, `x_total` of the counter `x`), with `family` saying which name it came from.
 */
export function metadataFor(meta: Readonly<Record<string, MetricMetadata[]>>, name: string): (MetricMetadata & { family: string }) | undefined {
  const own = meta[name]?.[0];
  if (own) return { ...own, family: name };
  for (const [suffix, types] of SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const family = name.slice(0, -suffix.length);
    const m = meta[family]?.[0];
    if (m && types.includes(m.type)) return { ...m, family };
  }
  return undefined;
}

/** Names whose name or help contains every word of `filter` (case-insensitive). */
export function filterMetrics(names: readonly string[], meta: Readonly<Record<string, MetricMetadata[]>>, filter: string): string[] {
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return [...names];
  return names.filter((n) => {
    const hay = `${n} ${metadataFor(meta, n)?.help ?? ''}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
