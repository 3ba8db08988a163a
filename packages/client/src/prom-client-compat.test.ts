/**
 * The same instrumentation run through prom-client and through this library, side by side.
 *
 * Where the two print alike (labels given in name order, values printed the same by JavaScript and by Go,
 * `le` the only histogram label) the outputs must be equal byte for byte, once prom-client's blank lines
 * between families are dropped. Elsewhere they differ only in form (label order, Go float formatting,
 * OpenMetrics `.0`): the samples must be the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as prom from 'prom-client';
import * as vigil from './index.js';

type Lib = typeof vigil | typeof prom;

interface Instrumented {
  registry: { metrics(): Promise<string>; getMetricsAsJSON(): Promise<unknown>; setContentType(t: string): void; setDefaultLabels(l: object): void };
}

/** The program, written once against prom-client's API. */
function instrument(lib: Lib, opts: { formSensitive: boolean }): Instrumented {
  const L = lib as typeof prom;
  const registry = new L.Registry();
  const registers = [registry];
  const c = new L.Counter({ name: 'http_requests_total', help: 'Requests served.', labelNames: ['code', 'method'], registers });
  c.inc({ code: '200', method: 'GET' });
  c.inc({ code: '200', method: 'GET' }, 4);
  c.labels('500', 'POST').inc(2.5);
  c.labels({ code: '404', method: 'GET' }).inc();
  const plain = new L.Counter({ name: 'jobs_total', help: 'Jobs.', registers });
  plain.inc(41);
  plain.inc();
  const g = new L.Gauge({ name: 'queue_depth', help: 'Queue depth.', labelNames: ['queue'], registers });
  g.set({ queue: 'a' }, 10);
  g.dec({ queue: 'a' }, 3);
  g.labels('b').set(0.25);
  g.labels('b').inc(0.5);
  new L.Gauge({ name: 'up', help: 'Up.', registers, collect() { this.set(1); } });
  const h = new L.Histogram({ name: 'latency_seconds', help: 'Latency.', buckets: [0.1, 0.5, 1, 2.5], registers });
  for (const v of [0.05, 0.3, 0.3, 0.7, 3]) h.observe(v);
  if (opts.formSensitive) {
    // Content whose printed form differs: labels out of name order, histogram labels, big values.
    const lh = new L.Histogram({ name: 'size_bytes', help: 'Sizes.', labelNames: ['route'], buckets: L.exponentialBuckets(100, 10, 3), registers });
    lh.observe({ route: '/x' }, 5000);
    lh.labels('/y').observe(50);
    const big = new L.Gauge({ name: 'memory_bytes', help: 'Memory.', labelNames: ['zone', 'area'], registers });
    big.set({ zone: 'z', area: 'a' }, 123456789);
    const s = new L.Summary({ name: 'rpc_seconds', help: 'RPC.', percentiles: [0.5, 0.9], registers });
    s.observe(3);
    s.observe(5);
  }
  return { registry: registry as unknown as Instrumented['registry'] };
}

/** Samples of an exposition: `name{sorted labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, n, v]) => [n, n === 'le' || n === 'quantile' ? String(Number(v.replace('+Inf', 'Infinity'))) : v])
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([n, v]) => `${n}=${v}`)
      .join(',');
    out.set(`${m[1]}{${labels}}`, m[3] === 'Nan' ? NaN : Number(m[3].replace('+Inf', 'Infinity')));
  }
  return out;
}

test('text format: byte for byte the same where both print alike (prom-client adds blank lines)', async () => {
  const theirs = await instrument(prom, { formSensitive: false }).registry.metrics();
  const ours = await instrument(vigil, { formSensitive: false }).registry.metrics();
  assert.equal(ours, theirs.replace(/\n\n/g, '\n'));
});

test('text format: the same samples where the forms differ', async () => {
  const theirs = await instrument(prom, { formSensitive: true }).registry.metrics();
  const ours = await instrument(vigil, { formSensitive: true }).registry.metrics();
  assert.deepEqual(samples(ours), samples(theirs));
  // The differences are of form: Go's float format, labels sorted, `le` last.
  assert.ok(ours.includes('memory_bytes{area="a",zone="z"} 1.23456789e+08\n'));
  assert.ok(theirs.includes('memory_bytes{zone="z",area="a"} 123456789\n'));
  assert.ok(ours.includes('size_bytes_bucket{route="/x",le="10000"} 1\n'));
  assert.ok(theirs.includes('size_bytes_bucket{le="10000",route="/x"} 1\n'));
});

test('OpenMetrics: the same samples (prom-client prints no ".0" and no quotes escaping differences here)', async () => {
  const a = instrument(prom, { formSensitive: true }).registry;
  const b = instrument(vigil, { formSensitive: true }).registry;
  a.setContentType(prom.Registry.OPENMETRICS_CONTENT_TYPE);
  b.setContentType(vigil.Registry.OPENMETRICS_CONTENT_TYPE);
  const theirs = await a.metrics();
  const ours = await b.metrics();
  assert.ok(ours.endsWith('# EOF\n') && theirs.endsWith('# EOF\n'));
  assert.deepEqual(samples(ours), samples(theirs));
  const headers = (t: string) => t.split('\n').filter((l) => l.startsWith('# TYPE'));
  assert.deepEqual(headers(ours), headers(theirs));
});

test('default labels: the same samples', async () => {
  const a = instrument(prom, { formSensitive: true }).registry;
  const b = instrument(vigil, { formSensitive: true }).registry;
  a.setDefaultLabels({ service: 'api', queue: 'default' });
  b.setDefaultLabels({ service: 'api', queue: 'default' });
  assert.deepEqual(samples(await b.metrics()), samples(await a.metrics()));
});

test('getMetricsAsJSON: the same objects', async () => {
  const norm = (x: unknown) => JSON.parse(JSON.stringify(x));
  const theirs = norm(await instrument(prom, { formSensitive: false }).registry.getMetricsAsJSON());
  const ours = norm(await instrument(vigil, { formSensitive: false }).registry.getMetricsAsJSON());
  assert.deepEqual(ours, theirs);
});

test('prom-client aggregates our JSON (cluster interop) as it aggregates its own', async () => {
  const ours = (await instrument(vigil, { formSensitive: false }).registry.getMetricsAsJSON()) as object[];
  const theirs = (await instrument(prom, { formSensitive: false }).registry.getMetricsAsJSON()) as object[];
  const viaProm = await prom.AggregatorRegistry.aggregate([ours, ours]).metrics();
  const reference = await prom.AggregatorRegistry.aggregate([theirs, theirs]).metrics();
  assert.equal(viaProm, reference);
  // And ours aggregates prom-client's JSON.
  const viaVigil = await vigil.AggregatorRegistry.aggregate([theirs, theirs] as never).metrics();
  assert.deepEqual(samples(viaVigil), samples(reference));
});

test('default metrics: the same names, types and label names as prom-client', async () => {
  const a = new prom.Registry();
  const b = new vigil.Registry();
  prom.collectDefaultMetrics({ register: a, prefix: 'cmp_', labels: { app: 'x' } });
  vigil.collectDefaultMetrics({ register: b, prefix: 'cmp_', labels: { app: 'x' } });
  const shape = async (r: { getMetricsAsJSON(): Promise<unknown> }) =>
    ((await r.getMetricsAsJSON()) as Array<{ name: string; type: string; help: string; aggregator: string }>)
      .map((m) => `${m.name} ${m.type} ${m.aggregator} ${m.help}`)
      .sort();
  assert.deepEqual(await shape(b), await shape(a));
  assert.deepEqual(vigil.collectDefaultMetrics.metricsList, prom.collectDefaultMetrics.metricsList);
});
