import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Registry } from './index.js';

const fresh = (type: 'text' | 'om' = 'text') =>
  new Registry(type === 'om' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);

test('an unlabelled counter adds up every form of inc()', async () => {
  const r = fresh();
  const c = new Counter({ name: 'jobs_total', help: 'Jobs done.', registers: [r] });
  c.inc();
  c.inc(2.5);
  c.inc({}, 1);
  c.inc(0);
  assert.equal(await r.metrics(), '# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 4.5\n');
  assert.deepEqual((await c.get()).values, [{ value: 4.5, labels: {} }]);
});

test('labelled counters: object and positional labels reach the same series; labels sorted, creation order kept', async () => {
  const r = fresh();
  const c = new Counter({ name: 'http_requests_total', help: 'Requests.', labelNames: ['method', 'code'] as const, registers: [r] });
  c.inc({ method: 'GET', code: '200' });
  c.inc({ code: 200, method: 'GET' }, 2); // numbers are label values too, key order does not matter
  c.labels('GET', '200').inc();
  c.labels({ method: 'POST', code: '500' }).inc(3);
  c.labels('POST', 500).inc();
  assert.equal(
    await r.metrics(),
    [
      '# HELP http_requests_total Requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{code="200",method="GET"} 4',
      'http_requests_total{code="500",method="POST"} 4',
      '',
    ].join('\n'),
  );
  assert.deepEqual((await c.get()).values, [
    { value: 4, labels: { method: 'GET', code: '200' } },
    { value: 4, labels: { method: 'POST', code: '500' } },
  ]);
});

test('a missing label is an absent label, as in prom-client (and Prometheus)', async () => {
  const r = fresh();
  const c = new Counter({ name: 'x_total', help: 'X.', labelNames: ['a', 'b'], registers: [r] });
  c.inc({ a: '1' });
  c.inc({ a: '1', b: '' });
  c.inc(5); // a value without labels goes to the series without labels
  assert.equal(await r.metrics(), '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 2\nx_total 5\n');
});

test('label values are escaped; children stay bound to their series', async () => {
  const r = fresh();
  const c = new Counter({ name: 'e_total', help: 'Help with \\ and\nnewline.', labelNames: ['path'], registers: [r] });
  const child = c.labels('C:\\dir\n"x"');
  child.inc();
  child.inc(2);
  assert.equal(
    await r.metrics(),
    '# HELP e_total Help with \\\\ and\\nnewline.\n# TYPE e_total counter\ne_total{path="C:\\\\dir\\n\\"x\\""} 3\n',
  );
});

test('remove() and reset() drop series; a held child comes back from zero on its next inc()', async () => {
  const r = fresh();
  const c = new Counter({ name: 'r_total', help: 'R.', labelNames: ['k'], registers: [r] });
  const a = c.labels('a');
  a.inc(5);
  c.inc({ k: 'b' }, 7);
  c.remove('a');
  assert.equal(await r.metrics(), '# HELP r_total R.\n# TYPE r_total counter\nr_total{k="b"} 7\n');
  a.inc();
  assert.equal(await r.metrics(), '# HELP r_total R.\n# TYPE r_total counter\nr_total{k="b"} 7\nr_total{k="a"} 1\n');
  c.reset();
  assert.equal(await r.metrics(), '# HELP r_total R.\n# TYPE r_total counter\n');
  c.inc({ k: 'a' }, 2); // a new series for "a" exists now: the old child adds to it
  a.inc();
  assert.equal(await r.metrics(), '# HELP r_total R.\n# TYPE r_total counter\nr_total{k="a"} 3\n');
  c.remove({ k: 'a' });
  c.remove({ k: 'never' }); // removing what is not there is no error
  assert.equal(await r.metrics(), '# HELP r_total R.\n# TYPE r_total counter\n');
});

test('an unlabelled counter resets to zero and stays exported', async () => {
  const r = fresh();
  const c = new Counter({ name: 'z_total', help: 'Z.', registers: [r] });
  c.inc(3);
  r.resetMetrics();
  assert.equal(await r.metrics(), '# HELP z_total Z.\n# TYPE z_total counter\nz_total 0\n');
});

test('OpenMetrics: family without _total, samples with it, exemplars on the sample', async () => {
  const r = fresh('om');
  const c = new Counter({ name: 'req_total', help: 'Req "quoted".', labelNames: ['m'], registers: [r], enableExemplars: true });
  const plain = new Counter({ name: 'legacy', help: 'No suffix.', registers: [r] });
  const before = Date.now();
  c.inc({ labels: { m: 'GET' }, value: 2, exemplarLabels: { trace_id: 'abc123' } });
  c.inc({ labels: { m: 'PUT' } });
  c.inc({ m: 'PUT' }, 2); // the plain form works with exemplars enabled too
  plain.inc(1);
  const out = await r.metrics();
  const lines = out.split('\n');
  assert.equal(lines[0], '# HELP req Req \\"quoted\\".');
  assert.equal(lines[1], '# TYPE req counter');
  assert.match(lines[2], /^req_total\{m="GET"\} 2\.0 # \{trace_id="abc123"\} 2\.0 (\S+)$/);
  const ts = Number(lines[2].split(' ').pop());
  assert.ok(ts * 1000 >= before - 1 && ts * 1000 <= Date.now() + 1, `exemplar timestamp ${ts} is now`);
  assert.equal(lines[3], 'req_total{m="PUT"} 3.0');
  assert.deepEqual(lines.slice(4), ['# HELP legacy No suffix.', '# TYPE legacy counter', 'legacy_total 1.0', '# EOF', '']);
  // The text format has no exemplars.
  assert.equal((await r.metricsAs('text')).split('\n')[2], 'req_total{m="GET"} 2');
  // And the metric keeps its name (prom-client renames it to "req" after an OpenMetrics scrape).
  assert.equal(c.name, 'req_total');
  const json = (await c.get()).values[0];
  assert.deepEqual(json.exemplar?.labelSet, { trace_id: 'abc123' });
});

test('collect() runs on every scrape, sync or async, with the metric as this', async () => {
  const r = fresh();
  let n = 0;
  new Gauge({
    name: 'sync_value',
    help: 'S.',
    registers: [r],
    collect() {
      this.set(++n);
    },
  });
  new Counter({
    name: 'async_total',
    help: 'A.',
    registers: [r],
    async collect() {
      await new Promise((res) => setTimeout(res, 5));
      this.inc(10);
    },
  });
  assert.equal(await r.metrics(), '# HELP sync_value S.\n# TYPE sync_value gauge\nsync_value 1\n# HELP async_total A.\n# TYPE async_total counter\nasync_total 10\n');
  assert.match(await r.metrics(), /sync_value 2\n[^]*async_total 20\n/);
  const json = await r.getMetricsAsJSON();
  assert.equal(json[0].values[0].value, 3);
});
