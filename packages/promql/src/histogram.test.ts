/**
 * Native histograms in the engine, beyond what the conformance scripts check: the `.test` loader's
 * histogram notation and `load_with_nhcb` conversion, the harness's histogram comparison, the result
 * shapes (`InstantSample.h`, `MatrixSeries.histograms`, the API data), and Prometheus's stats-only
 * reading below `histogram_count` & co.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterResetHint, FloatHistogram, bucketList } from '@vigil/model';
import { Head } from '@vigil/tsdb';
import { Engine, toPrometheusData } from './engine.js';
import { parseTestScript, parseValueSequence, type LoadCommand } from './testscript.js';
import { compareHistograms, runScript } from './testscript-run.js';
import { nhcbSeries } from './testscript-nhcb.js';

const MIN = 60_000;

async function loaded(text: string): Promise<Head> {
  const head = new Head({ chunkRange: 24 * 3600 * 1000 });
  await runScript(parseTestScript('inline', text), { engine: new Engine(), newStorage: () => head });
  return head;
}

function buckets(h: FloatHistogram): string {
  const l = bucketList(h.positiveSpans, h.positiveBuckets);
  return l.idx.map((i, k) => `${i}:${l.cnt[k]}`).join(' ');
}

test('histogram values in a .test sequence: literal, repetition, increments and the hint flag', () => {
  const cases: Array<{ text: string; counts: number[]; sums: number[]; lastBuckets: string; hintSet: number[] }> = [
    { text: '{{schema:0 sum:5 count:4 buckets:[1 2 1]}}', counts: [4], sums: [5], lastBuckets: '0:1 1:2 2:1', hintSet: [0] },
    { text: '{{count:2 offset:-1 buckets:[1 1]}}x2', counts: [2, 2, 2], sums: [0, 0, 0], lastBuckets: '-1:1 0:1', hintSet: [0, 0, 0] },
    {
      text: '{{sum:1 count:1 buckets:[1]}}+{{sum:2 count:3 buckets:[1 2] counter_reset_hint:gauge}}x2',
      counts: [1, 4, 7],
      sums: [1, 3, 5],
      lastBuckets: '0:3 1:4',
      hintSet: [1, 1, 1],
    },
    { text: '1 {{count:1}} _ 2', counts: [0, 1, 0, 0], sums: [0, 0, 0, 0], lastBuckets: '', hintSet: [0, 0, 0, 0] },
  ];
  for (const c of cases) {
    const { values } = parseValueSequence('t', 1, c.text);
    const hs = values.hists!;
    assert.deepEqual(hs.map((h) => h?.count ?? 0), c.counts, c.text);
    assert.deepEqual(hs.map((h) => h?.sum ?? 0), c.sums, c.text);
    const last = [...hs].reverse().find((h) => h !== null) ?? null;
    assert.equal(last === null ? '' : buckets(last), c.lastBuckets, c.text);
    assert.deepEqual([...values.hintSet!], c.hintSet, c.text);
  }
  const gauge = parseValueSequence('t', 1, '{{schema:-53 custom_values:[5 10] buckets:[1] counter_reset_hint:gauge z_bucket_w:0 n_offset:2 n_buckets:[3]}}').values.hists![0]!;
  assert.equal(gauge.counterResetHint, CounterResetHint.Gauge);
  assert.deepEqual(gauge.customValues, [5, 10]);
  assert.deepEqual(gauge.negativeSpans, [{ offset: 2, length: 1 }]);
  for (const bad of ['{{schema:0 schema:1}}', '{{bogus:1}}', '{{counter_reset_hint:maybe}}', '{{schema:x}}', '{{count:1}}*{{count:1}}x2']) {
    assert.throws(() => parseValueSequence('t.test', 7, bad), /t\.test:7: invalid histogram/, bad);
  }
});

test('load_with_nhcb turns classic buckets into custom-bucket histograms per timestamp', () => {
  const script = parseTestScript(
    'inline',
    [
      'load_with_nhcb 1m',
      '  req_bucket{le="0.5", job="a"} 1 2',
      '  req_bucket{le="1", job="a"} 3 3',
      '  req_bucket{le="+Inf", job="a"} 4 5',
      '  req_count{job="a"} 4 5',
      '  req_sum{job="a"} 2.5 4',
      '  other 1 2',
    ].join('\n'),
  );
  const cmd = script.commands[0] as LoadCommand;
  const series = nhcbSeries(cmd);
  assert.equal(series.length, 1);
  assert.equal(series[0].labels.toString(), '{__name__="req", job="a"}');
  const [h0, h1] = series[0].samples;
  assert.deepEqual([h0.t, h1.t], [0, MIN]);
  assert.deepEqual(h0.h.customValues, [0.5, 1]);
  assert.equal(buckets(h0.h), '0:1 1:2 2:1');
  assert.deepEqual([h0.h.count, h0.h.sum, h1.h.count, h1.h.sum], [4, 2.5, 5, 4]);
  assert.equal(buckets(h1.h), '0:2 1:1 2:2');
  const broken = parseTestScript('inline', 'load_with_nhcb 1m\n  x_bucket{le="1"} 5\n  x_bucket{le="2"} 3\n').commands[0] as LoadCommand;
  assert.throws(() => nhcbSeries(broken), /count is not cumulative/);
});

test("the harness's histogram comparison ignores layout, compares the hint only when spelled out", () => {
  const exp = new FloatHistogram({ count: 3, sum: 1, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 2] });
  const got = new FloatHistogram({
    count: 3.0000001,
    sum: 1,
    counterResetHint: CounterResetHint.Gauge,
    positiveSpans: [{ offset: -1, length: 3 }, { offset: 2, length: 1 }],
    positiveBuckets: [0, 1, 2, 0],
  });
  assert.equal(compareHistograms(exp, got, false), null);
  assert.match(compareHistograms(exp, got, true) ?? '', /counter_reset_hint:unknown.*counter_reset_hint:gauge/);
  const moved = new FloatHistogram({ count: 3, sum: 1, positiveSpans: [{ offset: 1, length: 2 }], positiveBuckets: [1, 2] });
  assert.notEqual(compareHistograms(exp, moved, false), null);
  assert.notEqual(compareHistograms(exp, new FloatHistogram({ count: 3, sum: 1, schema: 1, positiveSpans: exp.positiveSpans, positiveBuckets: [1, 2] }), false), null);
});

test('results carry histograms: instant samples, matrix series apart from floats, API data', async () => {
  const head = await loaded('load 1m\n  m {{schema:0 sum:5 count:4 buckets:[1 2 1]}} 7 {{schema:0 sum:6 count:5 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 1]}}\n');
  const engine = new Engine();
  const inst = await engine.instantQuery(head, 'm', 0);
  assert.equal(inst.value.resultType, 'vector');
  if (inst.value.resultType !== 'vector') return;
  assert.equal(inst.value.samples[0].h?.count, 4);
  assert.deepEqual(toPrometheusData(inst.value), {
    resultType: 'vector',
    result: [
      {
        metric: { __name__: 'm' },
        histogram: [0, { count: '4', sum: '5', buckets: [[0, '0.5', '1', '1'], [0, '1', '2', '2'], [0, '2', '4', '1']] }],
      },
    ],
  });
  const range = await engine.rangeQuery(head, 'm', 0, 2 * MIN, MIN);
  assert.equal(range.value.resultType, 'matrix');
  if (range.value.resultType !== 'matrix') return;
  const s = range.value.series[0];
  assert.deepEqual([...s.timestamps], [MIN]);
  assert.deepEqual([...s.values], [7]);
  assert.deepEqual([...s.histograms!.timestamps], [0, 2 * MIN]);
  assert.equal(s.histograms!.values[1].zeroCount, 1);
  const data = toPrometheusData(range.value) as { result: Array<{ values: unknown[]; histograms: Array<[number, { buckets: unknown[] }]> }> };
  assert.deepEqual(data.result[0].values, [[60, '7']]);
  assert.deepEqual(data.result[0].histograms[1][1].buckets[0], [3, '-0.001', '0.001', '1']);
});

test('histogram functions, operators and aggregations on the real head', async () => {
  const head = await loaded(
    [
      'load 1m',
      '  h{job="a"} {{schema:0 sum:2 count:4 buckets:[1 2 1]}}+{{schema:0 sum:2 count:4 buckets:[1 2 1]}}x4',
      '  h{job="b"} {{schema:0 sum:1 count:2 buckets:[2]}}+{{schema:0 sum:1 count:2 buckets:[2]}}x4',
      '  f{job="a"} 1+1x4',
    ].join('\n'),
  );
  const engine = new Engine();
  const at = 4 * MIN;
  const cases: Array<[string, Array<[string, number]>]> = [
    ['histogram_count(h)', [['{job="a"}', 20], ['{job="b"}', 10]]],
    ['histogram_sum(sum(h))', [['{}', 15]]],
    ['histogram_avg(h{job="a"})', [['{job="a"}', 0.5]]],
    ['histogram_count(rate(h[4m]))', [['{job="a"}', 16 / 240], ['{job="b"}', 8 / 240]]],
    ['histogram_count(h * 2)', [['{job="a"}', 40], ['{job="b"}', 20]]],
    ['histogram_count(h{job="a"} - h{job="a"} offset 1m)', [['{job="a"}', 4]]],
    ['count(h)', [['{}', 2]]],
    ['histogram_fraction(0, 1, h{job="b"})', [['{job="b"}', 1]]],
  ];
  for (const [q, want] of cases) {
    const r = await engine.instantQuery(head, q, at);
    assert.equal(r.value.resultType, 'vector', q);
    if (r.value.resultType !== 'vector') continue;
    const got = r.value.samples.map((s) => [s.labels.toString(), s.v] as [string, number]).sort();
    assert.equal(got.length, want.length, q);
    got.forEach(([l, v], i) => {
      assert.equal(l, want[i][0], q);
      assert.ok(Math.abs(v - want[i][1]) < 1e-9, `${q}: ${v} != ${want[i][1]}`);
    });
  }
  const maxed = await engine.instantQuery(head, 'max(h)', at);
  assert.deepEqual(maxed.infos, ['PromQL info: ignored histogram in max aggregation (1:5)']);
  const mixed = await engine.instantQuery(head, 'sum({__name__=~"h|f", job="a"})', at);
  assert.deepEqual(mixed.warnings, ['PromQL warning: encountered a mix of histograms and floats for aggregation (1:5)']);
  const incompatible = await engine.instantQuery(head, 'h + 1', at);
  assert.deepEqual(incompatible.infos, ['PromQL info: incompatible sample types encountered for binary operator "+": histogram + float (1:1)']);
});

test('below histogram_count the head is read without buckets, counter resets detected while reading', async () => {
  // The 3rd sample restarts the counter: a new chunk whose first sample the head reports with an unknown
  // hint; read in sequence it becomes an explicit reset, which clashes with the "not reset" of the
  // other series in a sum (as Prometheus's HistogramStatsIterator makes it).
  const head = await loaded(
    [
      'load 1m',
      '  r{i="1"} {{sum:1 count:4 buckets:[4]}} {{sum:2 count:6 buckets:[6]}} {{sum:1 count:2 buckets:[2]}}',
      '  r{i="2"} {{sum:1 count:1 buckets:[1]}} {{sum:2 count:2 buckets:[2]}} {{sum:3 count:3 buckets:[3]}}',
    ].join('\n'),
  );
  const engine = new Engine();
  const stats = await engine.instantQuery(head, 'histogram_count(sum(r))', 2 * MIN);
  assert.deepEqual(stats.warnings, ['PromQL warning: conflicting counter resets during histogram aggregation (1:21)']);
  const full = await engine.instantQuery(head, 'sum(r)', 2 * MIN);
  assert.deepEqual(full.warnings, []);
  if (full.value.resultType === 'vector') assert.equal(full.value.samples[0].h?.count, 5);
});
