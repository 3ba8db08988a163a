/**
 * Real pushers and a real scraper against Vigil's gateway, on loopback:
 * - Debian's python3-prometheus-client (`push_to_gateway`, `pushadd_to_gateway`, `delete_from_gateway`),
 *   run against Vigil and against Debian's prometheus-pushgateway: the expositions must be equal;
 * - `@vigil/client`'s `Pushgateway`, against both;
 * - protobuf pushes made by `@vigil/exposition`'s encoder, accepted by both alike, and the protobuf
 *   exposition of both decoding to the same families;
 * - Debian's `prometheus` scraping Vigil's gateway with `honor_labels: true`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Pushgateway as ClientPushgateway, Registry, Summary } from '@vigil/client';
import {
  PROTOBUF_CONTENT_TYPE, decodeMetricFamilies, encodeMetricFamilies, familiesToProto, parseFamilies, ProtoMetricType,
  type ProtoMetricFamily,
} from '@vigil/exposition';
import { eventually, pythonWithClient, startPrometheus, startProcess, tempDir, type PrometheusPeer } from '@vigil/testkit';
import { exposition, send, startReal, startVigil, type RealGateway } from './test-helpers.js';
import type { RunningPushgateway } from './start.js';

const PYTHON_PUSHER = `
import sys
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary
from prometheus_client import push_to_gateway, pushadd_to_gateway, delete_from_gateway

gateways = sys.argv[1:]
def each(fn):
    for gw in gateways:
        fn(gw)

reg = CollectorRegistry()
g = Gauge('job_last_success_unixtime', 'Last time a batch job successfully finished', registry=reg)
g.set(1700000000.5)
c = Counter('records_processed', 'Records processed by the job.', ['kind'], registry=reg)
c.labels('insert').inc(42)
c.labels('update').inc(7)
h = Histogram('job_duration_seconds', 'Duration of the job.', buckets=(0.1, 1, 10), registry=reg)
h.observe(0.05)
h.observe(3)
s = Summary('job_item_seconds', 'Time per item.', registry=reg)
s.observe(0.25)

key = {'instance': 'db-1', 'path': '/var/tmp', 'empty': ''}
each(lambda gw: push_to_gateway(gw, job='batch', registry=reg, grouping_key=key))

reg2 = CollectorRegistry()
Gauge('job_rows', 'Rows written.', registry=reg2).set(1234)
Gauge('job_last_success_unixtime', 'Last time a batch job successfully finished', registry=reg2).set(1700000100)
each(lambda gw: pushadd_to_gateway(gw, job='batch', registry=reg2, grouping_key=key))

each(lambda gw: push_to_gateway(gw, job='nightly report', registry=reg2, grouping_key={'instance': 'x y'}))
each(lambda gw: push_to_gateway(gw, job='to_delete', registry=reg2))
each(lambda gw: delete_from_gateway(gw, job='to_delete'))
each(lambda gw: push_to_gateway(gw, job='to_delete_keyed', registry=reg2, grouping_key={'a': '/'}))
each(lambda gw: delete_from_gateway(gw, job='to_delete_keyed', grouping_key={'a': '/'}))
print('ok')
`;

let real: RealGateway;
let vigil: RunningPushgateway;

before(async () => {
  real = await startReal();
  vigil = await startVigil();
});

after(async () => {
  await real?.stop();
  await vigil?.close();
});

async function wipeBoth(): Promise<void> {
  // The real gateway has no admin API here: delete what the tests pushed, group by group.
  const groups = JSON.parse((await send(real.url + '/api/v1/metrics', 'GET')).body) as { data: Array<{ labels: Record<string, string> }> };
  for (const g of groups.data) {
    let path = '/metrics/job@base64/' + (Buffer.from(g.labels.job).toString('base64url') || '=');
    for (const [k, v] of Object.entries(g.labels)) if (k !== 'job') path += `/${k}@base64/${Buffer.from(v).toString('base64url') || '='}`;
    await send(real.url + path, 'DELETE');
  }
  vigil.gateway.store.wipe();
  assert.equal(await exposition(real.url), await exposition(vigil.url));
}

test('interop: client_python push_to_gateway, pushadd_to_gateway, delete_from_gateway', async () => {
  await wipeBoth();
  // Not runProgram: a synchronous child would block this process, where Vigil's gateway runs.
  const proc = startProcess(pythonWithClient(), ['-c', PYTHON_PUSHER, real.url, vigil.url]);
  const code = await proc.exited;
  assert.equal(code, 0, proc.output());
  const [a, b] = await Promise.all([exposition(real.url), exposition(vigil.url)]);
  assert.equal(b, a);
  assert.match(b, /job_rows\{empty="",instance="db-1",job="batch",path="\/var\/tmp"\} 1234/);
  assert.match(b, /job_last_success_unixtime\{empty="",instance="db-1",job="batch",path="\/var\/tmp"\} 1\.7000001e\+09/);
  assert.match(b, /records_processed_total\{empty="",instance="db-1",job="batch",kind="insert",path="\/var\/tmp"\} 42/);
  assert.match(b, /job_rows\{instance="x\+y",job="nightly\+report"\} 1234/);
  assert.doesNotMatch(b, /to_delete/);
});

test('interop: @vigil/client Pushgateway against both gateways', async () => {
  await wipeBoth();
  const registry = new Registry();
  const c = new Counter({ name: 'client_jobs_total', help: 'Jobs run.', labelNames: ['result'], registers: [registry] });
  c.inc({ result: 'ok' }, 3);
  c.inc({ result: 'failed' });
  new Gauge({ name: 'client_last_run_seconds', help: 'When it ran.', registers: [registry] }).set(1700000000);
  const h = new Histogram({ name: 'client_duration_seconds', help: 'How long.', buckets: [0.5, 5], registers: [registry] });
  h.observe(1);
  const s = new Summary({ name: 'client_size_bytes', help: 'Sizes.', percentiles: [0.5, 0.9], registers: [registry] });
  s.observe(100);
  s.observe(300);
  for (const url of [real.url, vigil.url]) {
    const gw = new ClientPushgateway(url, {}, registry);
    await gw.push({ jobName: 'client', groupings: { instance: 'a/b', empty: '' } });
    await gw.pushAdd({ jobName: 'client', groupings: { instance: 'second' } });
    await gw.push({ jobName: 'client-gone' });
    await gw.delete({ jobName: 'client-gone' });
  }
  const [a, b] = await Promise.all([exposition(real.url), exposition(vigil.url)]);
  assert.equal(b, a);
  assert.match(b, /client_jobs_total\{empty="",instance="a\/b",job="client",result="ok"\} 3/);
  assert.match(b, /client_duration_seconds_bucket\{instance="second",job="client",le="\+Inf"\} 1/);
  assert.doesNotMatch(b, /client-gone/);
  // A rejected push surfaces as an error in the client, from both.
  for (const url of [real.url, vigil.url]) {
    const bad = new Registry();
    new Gauge({ name: 'client_jobs_total', help: 'Jobs run.', registers: [bad] }).set(1);
    await assert.rejects(new ClientPushgateway(url, {}, bad).pushAdd({ jobName: 'other' }), /status 400/);
  }
});

const PROTO_SOURCE = [
  '# HELP proto_requests_total Requests.',
  '# TYPE proto_requests_total counter',
  'proto_requests_total{code="200"} 1027',
  'proto_requests_total{code="500"} 3',
  '# HELP proto_temperature Temperature.',
  '# TYPE proto_temperature gauge',
  'proto_temperature{room="a \\"b\\" c"} -3.5',
  '# TYPE proto_latency_seconds histogram',
  'proto_latency_seconds_bucket{le="0.1"} 2',
  'proto_latency_seconds_bucket{le="1"} 5',
  'proto_latency_seconds_bucket{le="+Inf"} 6',
  'proto_latency_seconds_sum 4.5',
  'proto_latency_seconds_count 6',
  '# TYPE proto_rpc_seconds summary',
  'proto_rpc_seconds{quantile="0.5"} 0.2',
  'proto_rpc_seconds{quantile="0.99"} 1.1',
  'proto_rpc_seconds_sum 9',
  'proto_rpc_seconds_count 30',
  'proto_untyped 12',
  '',
].join('\n');

function protoBody(): Uint8Array {
  const families = familiesToProto(parseFamilies(PROTO_SOURCE, 'text'));
  // A histogram without a +Inf bucket and with an exemplar (kept in protobuf, not shown in text).
  const extra: ProtoMetricFamily = {
    name: 'proto_sizes',
    help: 'Sizes.',
    type: ProtoMetricType.HISTOGRAM,
    metric: [{ label: [{ name: 'kind', value: 'x' }], histogram: { sampleCount: 3, sampleSum: 30, bucket: [{ upperBound: 10, cumulativeCount: 1, exemplar: { label: [{ name: 'id', value: 'e1' }], value: 7 } }] } }],
  };
  return encodeMetricFamilies([...families, extra]);
}

test('interop: protobuf pushes are accepted alike and exposed alike', async () => {
  await wipeBoth();
  const body = protoBody();
  for (const url of [real.url, vigil.url]) {
    const r = await send(url + '/metrics/job/proto/instance/i1', 'PUT', body, { 'Content-Type': PROTOBUF_CONTENT_TYPE });
    assert.equal(r.status, 200, `${url}: ${r.body}`);
    // A truncated body is refused by both.
    const bad = await send(url + '/metrics/job/proto/instance/i2', 'PUT', body.subarray(0, body.length - 3), { 'Content-Type': PROTOBUF_CONTENT_TYPE });
    assert.equal(bad.status, 400, url);
  }
  const [a, b] = await Promise.all([exposition(real.url), exposition(vigil.url)]);
  assert.equal(b, a);
  assert.match(b, /proto_sizes_bucket\{instance="i1",job="proto",kind="x",le="\+Inf"\} 3/);
  assert.match(b, /proto_temperature\{instance="i1",job="proto",room="a \\"b\\" c"\} -3\.5/);

  // Scraped as protobuf, both decode to the same pushed families (push times aside).
  const accept = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3';
  const pushed = async (url: string) => {
    const res = await fetch(url + '/metrics', { headers: { Accept: accept } });
    assert.equal(res.headers.get('content-type'), PROTOBUF_CONTENT_TYPE, url);
    const fams = decodeMetricFamilies(new Uint8Array(await res.arrayBuffer()));
    return fams.filter((f) => f.name!.startsWith('proto_'));
  };
  const [pa, pb] = await Promise.all([pushed(real.url), pushed(vigil.url)]);
  assert.deepEqual(pb, pa);
  const sizes = pb.find((f) => f.name === 'proto_sizes')!;
  assert.deepEqual(sizes.metric![0].histogram!.bucket![0].exemplar, { label: [{ name: 'id', value: 'e1' }], value: 7 });
});

test('interop: Debian prometheus scrapes the gateway with honor_labels and sees the pushed series', async () => {
  await wipeBoth();
  const dir = tempDir('vigil-pg-prom-');
  let prom: PrometheusPeer | undefined;
  try {
    const push = await send(vigil.url + '/metrics/job/batch/instance/db-1', 'PUT', '# TYPE rows_written gauge\nrows_written{table="t1"} 42\n');
    assert.equal(push.status, 200);
    const target = `127.0.0.1:${vigil.port}`;
    prom = await startPrometheus(
      dir.path,
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const query = prom.query;
    const rows = await eventually(async () => {
      const r = await query('rows_written');
      return r.length > 0 ? r : undefined;
    }, 30000, 'rows_written in prometheus');
    assert.deepEqual(rows[0].metric, { __name__: 'rows_written', instance: 'db-1', job: 'batch', table: 't1' });
    assert.equal(rows[0].value[1], '42');
    const pt = await query('push_time_seconds{job="batch"}');
    assert.equal(pt.length, 1);
    assert.ok(Number(pt[0].value[1]) > 1.6e9);
    // The gateway's own metrics carry the scrape's labels, the pushed ones their own.
    const up = await query('up{job="pushgateway"}');
    assert.equal(up[0].value[1], '1');
  } finally {
    await prom?.proc.stop();
    dir.cleanup();
  }
});
