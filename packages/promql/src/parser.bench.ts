/**
 * `npm run bench -- parser`: parse speed on queries of the kind Grafana dashboards and alert rules send,
 * beside Prometheus's own JavaScript grammar (`@prometheus-io/lezer-promql`, the parser of its web UI),
 * same queries, same run. Ours also type-checks and builds the full AST (matchers with compiled regexes);
 * lezer only builds a syntax tree, so this is a conservative comparison.
 *
 * Rounds alternate between the two parsers; each round parses the whole corpus repeatedly for a fixed
 * time; the line reports the median round of each, in queries per second.
 */
import { parser as lezer } from '@prometheus-io/lezer-promql';
import { parseExpr } from './parser.js';

const ROUNDS = 7;
const ROUND_MS = 150;

const corpus = [
  'up',
  'up{job="node"} == 0',
  'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))',
  'histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{service=~"$service"}[5m])))',
  'topk(10, sum by (pod) (container_memory_working_set_bytes{namespace="default", container!=""}))',
  '100 - (avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)',
  'node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes < 0.1',
  'predict_linear(node_filesystem_free_bytes{mountpoint="/"}[6h], 4 * 3600) < 0',
  'rate(process_cpu_seconds_total[1m]) * on(instance) group_left(version) prometheus_build_info',
  'sum without (instance) (increase(errors_total[1h] offset 1d))',
  'max_over_time(rate(requests_total[1m])[1h:1m])',
  'label_replace(up, "host", "$1", "instance", "([^:]+):.*")',
  'count by (version) (count_values("version", node_exporter_build_info))',
  'absent(up{job="api"}) or vector(0)',
  'avg_over_time(probe_success{job="blackbox"}[10m]) < 0.9 and on (instance) up == 1',
  'sum(rate(container_cpu_usage_seconds_total{image!="", container!="POD"}[5m])) by (namespace) > bool 0.5',
  'quantile_over_time(0.95, http_latency_seconds[30m] @ end())',
  'deriv(node_memory_MemAvailable_bytes[15m]) * 3600',
  'kube_pod_container_status_restarts_total - kube_pod_container_status_restarts_total offset 1h > 3',
  'clamp_min(sum(rate(a[5m])) / sum(rate(b[5m])), 0)',
];

function round(fn: (q: string) => unknown): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ROUND_MS) {
    for (const q of corpus) fn(q);
    n += corpus.length;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const ours = (q: string): unknown => parseExpr(q);
const theirs = (q: string): unknown => lezer.parse(q);

// Every corpus query must be valid for both parsers, or the comparison means nothing.
for (const q of corpus) {
  parseExpr(q);
  let errors = 0;
  lezer.parse(q).iterate({ enter: (n) => void (n.type.isError && errors++) });
  if (errors > 0) throw new Error(`lezer-promql cannot parse ${q}`);
}

round(ours);
round(theirs);
const results = { vigil: [] as number[], lezer: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  if (r % 2 === 0) {
    results.vigil.push(round(ours));
    results.lezer.push(round(theirs));
  } else {
    results.lezer.push(round(theirs));
    results.vigil.push(round(ours));
  }
}
const v = median(results.vigil);
const l = median(results.lezer);
console.log(`parser/parse: vigil=${Math.round(v)} lezer-promql=${Math.round(l)} ratio=${(v / l).toFixed(2)} goal=>=1 queries/s`);
