/**
 * Against Debian's prometheus-pushgateway (1.5.1) on 127.0.0.1: `push`, `pushAdd`, `delete` with grouping
 * keys, errors; and the exposition writer checked byte for byte against client_golang, which renders
 * what the Pushgateway holds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '@vigil/model';
import { writeFamilies, type MetricFamily } from '@vigil/exposition';
import { freePort, requireProgram, startProcess, tempDir, waitForHttp, type RunningProcess } from '@vigil/testkit';
import { Counter, Gauge, Pushgateway, Registry } from './index.js';

let gateway: RunningProcess;
let base = '';
let dir: { path: string; cleanup: () => void };

before(async () => {
  const bin = requireProgram('prometheus-pushgateway');
  const port = await freePort();
  dir = tempDir('vigil-pushgateway-');
  base = `http://127.0.0.1:${port}`;
  gateway = startProcess(bin, [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${dir.path}/persist`]);
  await waitForHttp(`${base}/-/ready`, 20_000, gateway);
});

after(async () => {
  await gateway?.stop();
  dir?.cleanup();
});

async function gatewayMetrics(): Promise<string> {
  const r = await fetch(`${base}/metrics`);
  return r.text();
}

test('push, pushAdd and delete a group with grouping labels (values with "/" go base64)', async () => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE); // pushed as text whatever the registry's type
  const c = new Counter({ name: 'batch_records_total', help: 'Records.', labelNames: ['kind'], registers: [registry] });
  const g = new Gauge({ name: 'batch_last_success_seconds', help: 'Last success.', registers: [registry] });
  c.inc({ kind: 'a' }, 3);
  g.set(1700000000);
  const pg = new Pushgateway(base, { timeout: 5000 }, registry);
  const group = { jobName: 'nightly/etl', groupings: { instance: 'host:1', path: '/data/in' } };
  await pg.push(group);
  let text = await gatewayMetrics();
  assert.ok(text.includes('batch_records_total{instance="host:1",job="nightly/etl",kind="a",path="/data/in"} 3\n'), text);
  assert.ok(text.includes('batch_last_success_seconds{instance="host:1",job="nightly/etl",path="/data/in"} 1.7e+09\n'));

  // pushAdd (POST) replaces only the metrics it sends; push (PUT) replaces the whole group.
  const other = new Registry();
  new Gauge({ name: 'batch_rows', help: 'Rows.', registers: [other] }).set(5);
  await new Pushgateway(base, {}, other).pushAdd(group);
  text = await gatewayMetrics();
  assert.ok(text.includes('batch_rows{instance="host:1",job="nightly/etl",path="/data/in"} 5\n'));
  assert.ok(text.includes('batch_records_total{instance="host:1",job="nightly/etl",kind="a",path="/data/in"} 3\n'));
  await new Pushgateway(base, {}, other).push(group);
  text = await gatewayMetrics();
  assert.ok(!text.includes('batch_records_total{'), 'push replaced the group');

  const deleted = await pg.delete(group);
  assert.equal((deleted.resp as { statusCode: number }).statusCode, 202);
  text = await gatewayMetrics();
  assert.ok(!text.includes('job="nightly/etl"'), 'the group is gone');
});

test('gzip bodies and an empty grouping value', async () => {
  const registry = new Registry();
  new Gauge({ name: 'zipped', help: 'Z.', registers: [registry] }).set(2);
  const pg = new Pushgateway(base, { headers: { 'Content-Encoding': 'gzip' } }, registry);
  await pg.pushAdd({ jobName: 'zip', groupings: { stage: '' } });
  const text = await gatewayMetrics();
  assert.ok(text.includes('zipped{instance="",job="zip",stage=""} 2\n'), text);
  await pg.delete({ jobName: 'zip', groupings: { stage: '' } });
});

test('the Pushgateway refusing a push rejects with its status and message; nothing else breaks', async () => {
  const a = new Registry();
  new Gauge({ name: 'conflicting', help: 'C.', registers: [a] }).set(1);
  await new Pushgateway(base, {}, a).push({ jobName: 'first' });
  const b = new Registry();
  new Counter({ name: 'conflicting', help: 'C.', registers: [b] }).inc();
  // The same name with another type in another group: the Pushgateway answers 400.
  await assert.rejects(new Pushgateway(base, {}, b).push({ jobName: 'second' }), /push failed with status 400, pushed metrics are invalid or inconsistent/);
  await assert.rejects(new Pushgateway(`http://127.0.0.1:${await freePort()}`, {}, b).push({ jobName: 'x' }), /ECONNREFUSED/);
  assert.ok((await gatewayMetrics()).includes('conflicting{instance="",job="first"} 1\n'));
  await new Pushgateway(base, {}, a).delete({ jobName: 'first' });
});

test('exposition writer, text format: client_golang (in the Pushgateway) prints our families byte for byte', async () => {
  const L = (o: Record<string, string>) => Labels.fromObject(o);
  // Label names sort before "instance" and "job", which the Pushgateway adds; families in name order.
  const families: MetricFamily[] = [
    {
      name: 'oracle_bytes_total',
      type: 'counter',
      help: 'Help with "quotes", \\backslash and\nnewline.',
      samples: [
        // client_golang orders series by their number of labels first.
        { name: 'oracle_bytes_total', labels: L({ a: 'y' }), value: 0.000123 },
        { name: 'oracle_bytes_total', labels: L({ a: 'x"y\\z\nw', b: 'plain' }), value: 1234567 },
      ],
    },
    {
      name: 'oracle_gauge',
      type: 'gauge',
      help: 'Floats.',
      samples: [
        { name: 'oracle_gauge', labels: L({ c: '1' }), value: -0.5 },
        { name: 'oracle_gauge', labels: L({ c: '2' }), value: 1e21 },
        { name: 'oracle_gauge', labels: L({ c: '3' }), value: 123456.789 },
        { name: 'oracle_gauge', labels: L({ c: '4' }), value: 5e-7 },
        { name: 'oracle_gauge', labels: L({ c: '5' }), value: NaN },
        { name: 'oracle_gauge', labels: L({ c: '6' }), value: -Infinity },
      ],
    },
    {
      name: 'oracle_latency_seconds',
      type: 'histogram',
      help: 'Latency.',
      samples: [
        { name: 'oracle_latency_seconds_bucket', labels: L({ d: 'x', le: '0.005' }), value: 1 },
        { name: 'oracle_latency_seconds_bucket', labels: L({ d: 'x', le: '2.5' }), value: 2 },
        { name: 'oracle_latency_seconds_bucket', labels: L({ d: 'x', le: '10' }), value: 3 },
        { name: 'oracle_latency_seconds_bucket', labels: L({ d: 'x', le: '+Inf' }), value: 4 },
        { name: 'oracle_latency_seconds_sum', labels: L({ d: 'x' }), value: 17.25 },
        { name: 'oracle_latency_seconds_count', labels: L({ d: 'x' }), value: 4 },
      ],
    },
    {
      name: 'oracle_rpc_seconds',
      type: 'summary',
      help: 'RPC.',
      samples: [
        { name: 'oracle_rpc_seconds', labels: L({ quantile: '0.5' }), value: 0.25 },
        { name: 'oracle_rpc_seconds', labels: L({ quantile: '0.99' }), value: 3 },
        { name: 'oracle_rpc_seconds_sum', labels: L({}), value: 2e7 },
        { name: 'oracle_rpc_seconds_count', labels: L({}), value: 2693 },
      ],
    },
  ];
  const ours = writeFamilies(families, 'text');
  const put = await fetch(`${base}/metrics/job/oracle`, { method: 'PUT', body: ours, headers: { 'Content-Type': 'text/plain; version=0.0.4' } });
  assert.equal(put.status, 200, await put.text());
  const theirs = (await gatewayMetrics())
    .split('\n')
    .filter((l) => l.includes('oracle_') && !l.includes('push_'))
    .map((l) => l.replace('{instance="",job="oracle"}', '').replace('{instance="",job="oracle",', '{').replace(',instance="",job="oracle"', ''))
    .join('\n');
  assert.equal(theirs + '\n', ours);
  await fetch(`${base}/metrics/job/oracle`, { method: 'DELETE' });
});
