import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry, exponentialBuckets, linearBuckets } from './index.js';

test('bucket generators', () => {
  assert.deepEqual(linearBuckets(0, 10, 4), [0, 10, 20, 30]);
  assert.deepEqual(linearBuckets(0.5, 0.25, 3), [0.5, 0.75, 1]);
  assert.deepEqual(exponentialBuckets(1, 2, 5), [1, 2, 4, 8, 16]);
  assert.deepEqual(exponentialBuckets(0.001, 10, 3), [0.001, 0.001 * 10, 0.001 * 10 * 10]);
  for (const bad of [() => linearBuckets(0, 1, 0), () => exponentialBuckets(0, 2, 3), () => exponentialBuckets(1, 1, 3), () => exponentialBuckets(1, 2, 0)]) {
    assert.throws(bad, /Buckets: .* must be/);
  }
});

test('histogram: observations land in the right bucket (upper bound inclusive), cumulative on output', async () => {
  const r = new Registry();
  const h = new Histogram({ name: 'lat_seconds', help: 'L.', buckets: [0.1, 0.5, 1], registers: [r] });
  const values = [0.05, 0.1, 0.3, 0.5, 0.7, 1, 2, -1];
  for (const v of values) h.observe(v);
  const sum = values.reduce((a, b) => a + b, 0);
  assert.equal(
    await r.metrics(),
    [
      '# HELP lat_seconds L.',
      '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{le="0.1"} 3',
      'lat_seconds_bucket{le="0.5"} 5',
      'lat_seconds_bucket{le="1"} 7',
      'lat_seconds_bucket{le="+Inf"} 8',
      `lat_seconds_sum ${sum}`,
      'lat_seconds_count 8',
      '',
    ].join('\n'),
  );
});

test('histogram: many buckets use a binary search that agrees with a linear scan', async () => {
  const r = new Registry();
  const bounds = linearBuckets(1, 1, 40);
  const h = new Histogram({ name: 'many', help: 'M.', buckets: bounds, registers: [r] });
  const values: number[] = [];
  for (let i = 0; i < 500; i++) values.push(((i * 7919) % 4300) / 100);
  for (const v of values) h.observe(v);
  const json = (await h.get()).values.filter((v) => v.metricName === 'many_bucket');
  bounds.forEach((b, i) => assert.equal(json[i].value, values.filter((v) => v <= b).length, `le=${b}`));
  assert.equal(json[bounds.length].value, values.length);
});

test('histogram with labels: default buckets, zero(), labels() children, startTimer', async () => {
  const r = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
  const h = new Histogram({ name: 'req_seconds', help: 'R.', labelNames: ['method', 'code'], registers: [r] });
  h.zero({ method: 'GET', code: '200' });
  h.observe({ method: 'POST', code: '500' }, 0.02);
  h.labels('POST', '500').observe(7);
  const end = h.startTimer({ method: 'PUT' });
  const seconds = end({ code: '201' });
  assert.ok(seconds >= 0 && seconds < 1);
  const out = await r.metrics();
  const zeroLines = out.split('\n').filter((l) => l.includes('method="GET"'));
  assert.equal(zeroLines.length, 14); // 11 default buckets, +Inf, sum, count
  assert.ok(zeroLines.every((l) => l.endsWith(' 0') || l.endsWith(' 0.0')));
  assert.ok(out.includes('req_seconds_bucket{code="500",method="POST",le="0.025"} 1\n'));
  assert.ok(out.includes('req_seconds_bucket{code="500",method="POST",le="5.0"} 1\n'));
  assert.ok(out.includes('req_seconds_bucket{code="500",method="POST",le="10.0"} 2\n'));
  assert.ok(out.includes('req_seconds_sum{code="500",method="POST"} 7.02\n'));
  assert.ok(out.includes('req_seconds_count{code="201",method="PUT"} 1\n'));
  assert.ok(out.endsWith('# EOF\n'));
  // zero() on an existing series sets it back to zero, as prom-client does.
  h.zero({ method: 'POST', code: '500' });
  assert.ok((await r.metrics()).includes('req_seconds_count{code="500",method="POST"} 0\n'));
});

test('histogram exemplars go on the bucket the observation fell in (OpenMetrics only)', async () => {
  const r = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
  const h = new Histogram({ name: 'ex', help: 'E.', buckets: [1, 2], enableExemplars: true, registers: [r] });
  h.observe({ value: 1.5, exemplarLabels: { trace_id: 't1' } });
  h.observe({ value: 0.5 });
  h.observe(3); // plain form
  const lines = (await r.metrics()).split('\n');
  assert.equal(lines[2], 'ex_bucket{le="1.0"} 1');
  assert.match(lines[3], /^ex_bucket\{le="2\.0"\} 2 # \{trace_id="t1"\} 1\.5 \d\.\d+e\+09$/);
  assert.equal(lines[4], 'ex_bucket{le="+Inf"} 3');
  assert.equal(lines[6], 'ex_count 3');
  const json = (await h.get()).values;
  assert.equal(json[1].exemplar?.value, 1.5);
  assert.equal(json[0].exemplar, null);
});

test('histogram get() has prom-client shape', async () => {
  const h = new Histogram({ name: 'shape', help: 'S.', buckets: [1], labelNames: ['a'], registers: [] });
  h.observe({ a: 'x' }, 0.5);
  assert.deepEqual((await h.get()).values, [
    { value: 1, metricName: 'shape_bucket', exemplar: null, labels: { le: 1, a: 'x' } },
    { value: 1, metricName: 'shape_bucket', exemplar: null, labels: { le: '+Inf', a: 'x' } },
    { value: 0.5, metricName: 'shape_sum', labels: { a: 'x' } },
    { value: 1, metricName: 'shape_count', labels: { a: 'x' } },
  ]);
});
