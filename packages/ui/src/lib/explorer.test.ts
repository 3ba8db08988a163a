import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricMetadata } from './api.js';
import { filterMetrics, metadataFor } from './explorer.js';

const md = (type: string, help: string): MetricMetadata[] => [{ type, help, unit: '' }];
const meta: Record<string, MetricMetadata[]> = {
  http_request_duration_seconds: md('histogram', 'Request latency.'),
  rpc_duration_seconds: md('summary', 'RPC latency.'),
  http_requests: md('counter', 'Requests served.'),
  process_cpu_seconds_total: md('counter', 'CPU time.'),
  temperature: md('gauge', 'Room temperature.'),
};

test('metric names find the metadata of their family', () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ['http_request_duration_seconds_bucket', 'histogram', 'http_request_duration_seconds'],
    ['http_request_duration_seconds_count', 'histogram', 'http_request_duration_seconds'],
    ['rpc_duration_seconds_sum', 'summary', 'rpc_duration_seconds'],
    ['rpc_duration_seconds', 'summary', 'rpc_duration_seconds'],
    ['http_requests_total', 'counter', 'http_requests'],
    ['process_cpu_seconds_total', 'counter', 'process_cpu_seconds_total'],
    ['temperature_bucket', undefined, undefined], // a gauge has no buckets
    ['unknown_metric', undefined, undefined],
  ];
  for (const [name, type, family] of cases) {
    const m = metadataFor(meta, name);
    assert.equal(m?.type, type, name);
    assert.equal(m?.family, family, name);
  }
});

test('filter matches every word in the name or the help', () => {
  const names = ['http_request_duration_seconds_bucket', 'http_requests_total', 'temperature', 'up'];
  assert.deepEqual(filterMetrics(names, meta, ''), names);
  assert.deepEqual(filterMetrics(names, meta, 'HTTP'), ['http_request_duration_seconds_bucket', 'http_requests_total']);
  assert.deepEqual(filterMetrics(names, meta, 'latency'), ['http_request_duration_seconds_bucket']);
  assert.deepEqual(filterMetrics(names, meta, 'room temp'), ['temperature']);
  assert.deepEqual(filterMetrics(names, meta, 'nothing'), []);
});
