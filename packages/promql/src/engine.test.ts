/**
 * Engine behaviour the conformance scripts do not cover: result shapes, the API data layout, limits
 * (max samples, timeout, cancellation), options (lookback delta, subquery step, @ and negative offset),
 * Prometheus's default (immediate) metric-name removal, annotation texts with positions, step invariance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels, VigilError } from '@vigil/model';
import { Head, type Querier, type Queryable } from '@vigil/tsdb';
import { Engine, type QueryValue, queryTimeRange, resolveModifiers, toPrometheusData } from './engine.js';
import { parseExpr } from './parser.js';
import { parseTestScript } from './testscript.js';
import { runScript } from './testscript-run.js';

/** A head loaded from `.test` load blocks (e.g. `load 1m\n foo{a="1"} 0+1x10`). */
async function loaded(text: string): Promise<Head> {
  const head = new Head({ chunkRange: 24 * 3600 * 1000 });
  const script = parseTestScript('inline', text);
  await runScript(script, { engine: new Engine(), newStorage: () => head });
  return head;
}

const MIN = 60_000;

function vector(v: QueryValue): Array<[string, number]> {
  assert.equal(v.resultType, 'vector');
  return v.resultType === 'vector' ? v.samples.map((s) => [s.labels.toString(), s.v]) : [];
}

async function rejects(p: Promise<unknown>, code: string, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof VigilError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    return true;
  });
}

test('result shapes: vector, scalar, string, range vector, matrix', async () => {
  const head = await loaded('load 1m\n  foo{a="1"} 1 2 3\n  foo{a="2"} 10 20 30\n');
  const e = new Engine();
  assert.deepEqual(vector((await e.instantQuery(head, 'foo', 2 * MIN)).value), [
    ['{__name__="foo", a="1"}', 3],
    ['{__name__="foo", a="2"}', 30],
  ]);
  assert.deepEqual((await e.instantQuery(head, '1 + 2', 5000)).value, { resultType: 'scalar', t: 5000, v: 3 });
  assert.deepEqual((await e.instantQuery(head, '"hello"', 5000)).value, { resultType: 'string', t: 5000, v: 'hello' });
  const m = (await e.instantQuery(head, 'foo{a="2"}[2m]', 2 * MIN)).value;
  assert.equal(m.resultType, 'matrix');
  if (m.resultType === 'matrix') {
    assert.equal(m.series.length, 1);
    // (t - 2m, t]: the sample at 0 is outside, 3.x left-open windows.
    assert.deepEqual(Array.from(m.series[0].timestamps), [MIN, 2 * MIN]);
    assert.deepEqual(Array.from(m.series[0].values), [20, 30]);
  }
  const r = (await e.rangeQuery(head, 'foo * 2', 0, 2 * MIN, MIN)).value;
  assert.equal(r.resultType, 'matrix');
  if (r.resultType === 'matrix') {
    assert.deepEqual(r.series.map((s) => s.labels.toString()), ['{a="1"}', '{a="2"}']);
    assert.deepEqual(Array.from(r.series[1].values), [20, 40, 60]);
    assert.deepEqual(Array.from(r.series[1].timestamps), [0, MIN, 2 * MIN]);
  }
  const s = (await e.rangeQuery(head, 'time()', 0, MIN, 30_000)).value;
  assert.ok(s.resultType === 'matrix' && s.series.length === 1 && s.series[0].labels.size === 0);
  if (s.resultType === 'matrix') assert.deepEqual(Array.from(s.series[0].values), [0, 30, 60]);
});

test('API data layout: values as strings, timestamps in seconds, special floats', () => {
  const labels = Labels.fromObject({ __name__: 'up', job: 'x' });
  const cases: Array<[QueryValue, unknown]> = [
    [{ resultType: 'scalar', t: 1500, v: 0.1 }, { resultType: 'scalar', result: [1.5, '0.1'] }],
    [{ resultType: 'scalar', t: 1000, v: 1e-7 }, { resultType: 'scalar', result: [1, '0.0000001'] }],
    [{ resultType: 'string', t: 2000, v: 'a' }, { resultType: 'string', result: [2, 'a'] }],
    [
      { resultType: 'vector', samples: [{ labels, t: 1435781451781, v: Infinity }] },
      { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'x' }, value: [1435781451.781, '+Inf'] }] },
    ],
    [
      { resultType: 'matrix', series: [{ labels, timestamps: Float64Array.of(0, 1000), values: Float64Array.of(NaN, 1e21) }] },
      { resultType: 'matrix', result: [{ metric: { __name__: 'up', job: 'x' }, values: [[0, 'NaN'], [1, '1e+21']] }] },
    ],
  ];
  for (const [value, want] of cases) assert.deepEqual(toPrometheusData(value), want);
});

test('range queries accept only scalars and instant vectors, and a positive step', async () => {
  const head = await loaded('load 1m\n  foo 1\n');
  const e = new Engine();
  await rejects(e.rangeQuery(head, 'foo[5m]', 0, MIN, MIN), 'bad_data', 'invalid expression type "range vector" for range query, must be Scalar or instant Vector');
  await rejects(e.rangeQuery(head, '"x"', 0, MIN, MIN), 'bad_data', 'invalid expression type "string" for range query, must be Scalar or instant Vector');
  await rejects(e.rangeQuery(head, 'foo', 0, MIN, 0), 'bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
});

test("a k beyond int64 is an error, the value printed as Go's %v prints it", async () => {
  const head = await loaded('load 1m\n  foo 1\n');
  const e = new Engine();
  await rejects(e.instantQuery(head, 'topk(1e19, foo)', MIN), 'execution', 'Scalar value 1e+19 overflows int64');
  await rejects(e.instantQuery(head, 'bottomk(9.3e18, foo)', MIN), 'execution', 'Scalar value 9.3e+18 overflows int64');
});

test('max samples: Prometheus error text', async () => {
  const head = await loaded('load 1m\n  foo{a="1"} 0+1x100\n  foo{a="2"} 0+1x100\n');
  const e = new Engine({ maxSamples: 50 });
  await rejects(e.rangeQuery(head, 'foo', 0, 100 * MIN, MIN), 'execution', 'query processing would load too many samples into memory in query execution');
  await rejects(e.instantQuery(head, 'sum_over_time(foo[90m])', 100 * MIN), 'execution', 'query processing would load too many samples into memory in query execution');
  assert.equal(vector((await e.instantQuery(head, 'sum(foo)', 100 * MIN)).value).length, 1);
});

test('timeout: Prometheus error text', async () => {
  const head = await loaded('load 1m\n  foo 0+1x100\n');
  let now = 0;
  const e = new Engine({ timeout: 1000, clock: () => (now += 400) });
  await rejects(e.rangeQuery(head, 'rate(foo[5m]) + rate(foo[10m])', 0, 100 * MIN, MIN), 'timeout', 'query timed out in expression evaluation');
});

test('cancellation through an AbortSignal, before and during evaluation', async () => {
  const head = await loaded('load 1m\n  foo 0+1x100\n');
  const before = new AbortController();
  before.abort();
  await rejects(new Engine().instantQuery(head, 'foo', 0, { signal: before.signal }), 'canceled', 'query was canceled in query execution');
  // A clock that always says "time to yield": the evaluation gives the event loop a turn at once.
  let now = 0;
  const e = new Engine({ clock: () => (now += 100) });
  const during = new AbortController();
  const p = e.rangeQuery(head, 'sum(rate(foo[5m]))', 0, 100 * MIN, MIN, { signal: during.signal });
  during.abort();
  await rejects(p, 'canceled', 'query was canceled in expression evaluation');
});

test('the querier is closed after the query, also when it fails', async () => {
  const head = await loaded('load 1m\n  foo 0+1x10\n');
  let opened = 0;
  let closed = 0;
  const spy: Queryable = {
    querier(mint: number, maxt: number): Querier {
      opened++;
      const q = head.querier(mint, maxt);
      return { ...q, select: q.select.bind(q), labelNames: q.labelNames.bind(q), labelValues: q.labelValues.bind(q), close: () => { closed++; q.close(); } };
    },
  };
  const e = new Engine({ maxSamples: 1 });
  await e.instantQuery(spy, 'foo', 5 * MIN);
  await assert.rejects(e.rangeQuery(spy, 'foo', 0, 10 * MIN, MIN));
  assert.deepEqual([opened, closed], [2, 2]);
});

test('lookback delta: engine default, per-query override; left-open window', async () => {
  const head = await loaded('load 1m\n  foo 1 _ _ _\n');
  const e = new Engine({ lookbackDelta: 2 * MIN });
  assert.equal(vector((await e.instantQuery(head, 'foo', MIN + 59_999)).value).length, 1);
  assert.equal(vector((await e.instantQuery(head, 'foo', 2 * MIN)).value).length, 0, 'a sample exactly lookback old is out');
  assert.equal(vector((await e.instantQuery(head, 'foo', 3 * MIN, { lookbackDelta: 5 * MIN })).value).length, 1);
  assert.equal(vector((await new Engine().instantQuery(head, 'foo', 4 * MIN)).value).length, 1, 'default 5m');
});

test('subqueries without a step use the configured default', async () => {
  const head = await loaded('load 10s\n  foo 0+1x100\n');
  const count = async (e: Engine): Promise<number> => vector((await e.instantQuery(head, 'count_over_time(foo[5m:])', 10 * MIN)).value)[0][1];
  assert.equal(await count(new Engine()), 5, '1m by default');
  assert.equal(await count(new Engine({ noStepSubqueryInterval: 30_000 })), 10);
  assert.equal(await count(new Engine({ noStepSubqueryInterval: (range) => range / 30 })), 30);
});

test('@ modifier and negative offsets can be disabled', async () => {
  const head = await loaded('load 1m\n  foo 1\n');
  await rejects(new Engine({ enableAtModifier: false }).instantQuery(head, 'foo @ 10', 0), 'bad_data', '@ modifier is disabled');
  await rejects(new Engine({ enableNegativeOffset: false }).instantQuery(head, 'foo offset -1m', 0), 'bad_data', 'negative offset is disabled');
});

test('default (immediate) name removal and its duplicate-labelset error', async () => {
  const head = await loaded('load 1m\n  foo_total{a="1"} 0+60x10\n  bar_total{a="1"} 0+120x10\n');
  const e = new Engine();
  assert.deepEqual(vector((await e.instantQuery(head, 'rate(foo_total[5m])', 10 * MIN)).value), [['{a="1"}', 1]]);
  assert.deepEqual(vector((await e.instantQuery(head, 'last_over_time(foo_total[5m])', 10 * MIN)).value), [['{__name__="foo_total", a="1"}', 600]]);
  assert.deepEqual(vector((await e.instantQuery(head, 'foo_total > 100', 10 * MIN)).value), [['{__name__="foo_total", a="1"}', 600]]);
  assert.deepEqual(vector((await e.instantQuery(head, 'foo_total > bool 100', 10 * MIN)).value), [['{a="1"}', 1]]);
  for (const q of ['{__name__=~".+_total"} + 1', 'rate({__name__=~".+_total"}[5m])', 'abs({a="1"})']) {
    await rejects(e.instantQuery(head, q, 10 * MIN), 'execution', 'vector cannot contain metrics with the same labelset');
  }
  // With delayed removal the names survive until the end; equal label sets then merge or fail there.
  const d = new Engine({ delayedNameRemoval: true });
  assert.deepEqual(vector((await d.instantQuery(head, 'label_replace(rate({a="1"}[5m]), "n", "$1", "__name__", "(.+)")', 10 * MIN)).value), [
    ['{a="1", n="bar_total"}', 2],
    ['{a="1", n="foo_total"}', 1],
  ]);
  await rejects(d.instantQuery(head, 'sum by (__name__) (rate({a="1"}[5m]))', 10 * MIN), 'execution', 'vector cannot contain metrics with the same labelset');
});

test('vector matching errors have Prometheus texts', async () => {
  const head = await loaded('load 1m\n  a{x="1",y="1"} 1\n  a{x="1",y="2"} 2\n  b{x="1"} 3\n');
  const e = new Engine();
  await rejects(
    e.instantQuery(head, 'b + on(x) a', 0),
    'execution',
    'found duplicate series for the match group {x="1"} on the right hand-side of the operation: [{__name__="a", x="1", y="1"}, {__name__="a", x="1", y="2"}];many-to-many matching not allowed: matching labels must be unique on one side',
  );
  await rejects(e.instantQuery(head, 'a + on(x) b', 0), 'execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
  assert.deepEqual(vector((await e.instantQuery(head, 'a + on(x) group_left b', 0)).value), [['{x="1", y="1"}', 4], ['{x="1", y="2"}', 5]]);
});

test('annotations carry Prometheus texts and query positions', async () => {
  const head = await loaded('load 1m\n  foo 0+1x10\n  req_bucket{le="1"} 0+1x10\n  req_bucket{le="+Inf"} 0+2x10\n');
  const e = new Engine();
  const r = await e.instantQuery(head, 'sum(\n  rate(foo[5m]))', 10 * MIN);
  assert.deepEqual(r.infos, ['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "foo" (2:8)']);
  assert.deepEqual(r.warnings, []);
  const q = await e.instantQuery(head, 'histogram_quantile(2, req_bucket)', 10 * MIN);
  assert.deepEqual(q.warnings, ['PromQL warning: quantile value should be between 0 and 1, got 2 (1:20)']);
  assert.deepEqual(vector(q.value), [['{}', Infinity]]);
  const s = await e.rangeQuery(head, 'sort(foo)', 0, MIN, MIN);
  assert.deepEqual(s.warnings, ['PromQL warning: sort is ineffective for range queries since results are always ordered by labels (1:1)']);
  // A step-invariant sort is evaluated once, as an instant query: no warning (as Prometheus).
  assert.deepEqual((await e.rangeQuery(head, 'sort(foo @ 60)', 0, MIN, MIN)).warnings, []);
});

test('step-invariant parts of range queries repeat their single value', async () => {
  const head = await loaded('load 1m\n  foo 0+1x10\n');
  const r = (await new Engine().rangeQuery(head, 'foo @ 120 + foo', 0, 3 * MIN, MIN)).value;
  assert.ok(r.resultType === 'matrix');
  if (r.resultType === 'matrix') assert.deepEqual(Array.from(r.series[0].values), [2, 3, 4, 5]);
});

test('inline regex flags select case-insensitively', async () => {
  const head = await loaded('load 1m\n  foo{g="Production"} 1\n  foo{g="canary"} 2\n');
  const e = new Engine();
  assert.deepEqual(vector((await e.instantQuery(head, 'foo{g=~"(?i:PRO).*"}', 0)).value), [['{__name__="foo", g="Production"}', 1]]);
  assert.deepEqual(vector((await e.instantQuery(head, 'foo{g=~"(.*(?i)ANAR).*"}', 0)).value), [['{__name__="foo", g="canary"}', 2]]);
});

test('the querier covers exactly the samples a query reads', () => {
  const cases: Array<[string, number, number, [number, number]]> = [
    ['foo', 600_000, 600_000, [300_001, 600_000]],
    ['foo[1m]', 600_000, 600_000, [540_001, 600_000]],
    ['foo offset 1m', 600_000, 900_000, [240_001, 840_000]],
    ['foo @ 100', 600_000, 900_000, [-199_999, 100_000]],
    ['max_over_time(foo[2m:30s] offset 1m)', 600_000, 600_000, [120_001, 540_000]],
    ['1 + 2', 0, 100, [0, 0]],
  ];
  for (const [q, start, end, want] of cases) {
    const expr = parseExpr(q);
    assert.deepEqual(queryTimeRange(expr, resolveModifiers(expr, start, end, 1000), start, end, 300_000), want, q);
  }
});
