import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from './index.js';
import { Counter, Gauge, Histogram, Registry } from './index.js';

test('content types: constants, per registry, and the default registry binding', () => {
  assert.equal(Registry.PROMETHEUS_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(Registry.OPENMETRICS_CONTENT_TYPE, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  assert.equal(client.prometheusContentType, Registry.PROMETHEUS_CONTENT_TYPE);
  assert.equal(client.openMetricsContentType, Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal(new Registry().contentType, Registry.PROMETHEUS_CONTENT_TYPE);
  assert.equal(new Registry(Registry.OPENMETRICS_CONTENT_TYPE).contentType, Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal(client.contentType, Registry.PROMETHEUS_CONTENT_TYPE);
  client.register.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal(client.contentType, Registry.OPENMETRICS_CONTENT_TYPE);
  client.register.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
  assert.equal(client.contentType, Registry.PROMETHEUS_CONTENT_TYPE);
});

test('metrics join the default registry unless told otherwise', async () => {
  const c = new Counter({ name: 'registry_test_default_total', help: 'D.' });
  c.inc();
  assert.equal(client.register.getSingleMetric('registry_test_default_total'), c);
  assert.ok((await client.register.metrics()).includes('registry_test_default_total 1\n'));
  client.register.removeSingleMetric('registry_test_default_total');
  assert.equal(client.register.getSingleMetric('registry_test_default_total'), undefined);
  const none = new Gauge({ name: 'registry_test_none', help: 'N.', registers: [] });
  assert.equal(client.register.getSingleMetric(none.name), undefined);
});

test('register, get, remove, clear, reset; the same metric may register twice', async () => {
  const r = new Registry();
  const h = new Histogram({ name: 'h', help: 'H.', buckets: [1], registers: [] });
  r.registerMetric(h);
  r.registerMetric(h);
  assert.equal(r.getMetricsAsArray().length, 1);
  h.observe(2);
  assert.equal(await r.getSingleMetricAsString('h'), '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 1\nh_sum 2\nh_count 1');
  r.resetMetrics();
  assert.ok((await r.metrics()).includes('h_count 0\n'));
  r.setDefaultLabels({ a: 'b' });
  r.clear();
  assert.equal(await r.metrics(), '');
  assert.deepEqual(await r.getMetricsAsJSON(), []);
  // Default labels went with clear().
  new Gauge({ name: 'after', help: 'A.', registers: [r] }).set(1);
  assert.equal(await r.metrics(), '# HELP after A.\n# TYPE after gauge\nafter 1\n');
});

test('default labels: merged in name order, a series label of the same name wins, JSON too', async () => {
  const r = new Registry();
  const g = new Gauge({ name: 'g', help: 'G.', labelNames: ['zone', 'instance'], registers: [r] });
  g.set({ zone: 'a' }, 1);
  g.set({ zone: 'b', instance: 'mine' }, 2);
  r.setDefaultLabels({ instance: 'default', service: 'api' });
  assert.equal(
    await r.metrics(),
    '# HELP g G.\n# TYPE g gauge\ng{instance="default",service="api",zone="a"} 1\ng{instance="mine",service="api",zone="b"} 2\n',
  );
  const json = await r.getMetricsAsJSON();
  assert.deepEqual(json[0].values.map((v) => v.labels), [
    { zone: 'a', instance: 'default', service: 'api' },
    { zone: 'b', instance: 'mine', service: 'api' },
  ]);
  // Changing the default labels takes effect on the next scrape.
  r.setDefaultLabels({ service: 'web' });
  assert.ok((await r.metrics()).includes('g{service="web",zone="a"} 1\n'));
});

test('Registry.merge exposes several registries together; same names or mixed types are refused', async () => {
  const a = new Registry();
  const b = new Registry();
  new Gauge({ name: 'ga', help: 'A.', registers: [a] }).set(1);
  new Gauge({ name: 'gb', help: 'B.', registers: [b] }).set(2);
  const merged = Registry.merge([a, b]);
  assert.equal(await merged.metrics(), '# HELP ga A.\n# TYPE ga gauge\nga 1\n# HELP gb B.\n# TYPE gb gauge\ngb 2\n');
  new Gauge({ name: 'ga', help: 'Again.', registers: [b] });
  assert.throws(() => Registry.merge([a, b]), /"ga" has already been registered/);
  assert.throws(() => Registry.merge([a, new Registry(Registry.OPENMETRICS_CONTENT_TYPE)]), /same content type/);
});

test('objects in prom-client JSON shape register and write like metrics', async () => {
  const r = new Registry();
  r.registerMetric({
    name: 'external_total',
    help: 'From elsewhere.',
    type: 'counter',
    aggregator: 'sum',
    get: async () => ({
      name: 'external_total',
      help: 'From elsewhere.',
      type: 'counter',
      aggregator: 'sum',
      values: [{ value: 3, labels: { b: '2', a: 1 } }],
    }),
  });
  r.setDefaultLabels({ env: 'x' });
  assert.equal(await r.metrics(), '# HELP external_total From elsewhere.\n# TYPE external_total counter\nexternal_total{a="1",b="2",env="x"} 3\n');
  assert.equal(
    await r.metricsAs('openmetrics'),
    '# HELP external From elsewhere.\n# TYPE external counter\nexternal_total{a="1",b="2",env="x"} 3.0\n# EOF\n',
  );
});

test('a metric in two registries writes with each one’s default labels', async () => {
  const a = new Registry();
  const b = new Registry();
  a.setDefaultLabels({ r: 'a' });
  b.setDefaultLabels({ r: 'b' });
  const c = new Counter({ name: 'both_total', help: 'B.', labelNames: ['k'], registers: [a, b] });
  c.inc({ k: 'x' });
  for (let i = 0; i < 2; i++) {
    assert.ok((await a.metrics()).includes('both_total{k="x",r="a"} 1\n'));
    assert.ok((await b.metrics()).includes('both_total{k="x",r="b"} 1\n'));
  }
});
