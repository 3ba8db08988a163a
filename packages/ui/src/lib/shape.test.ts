import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryData, RangeSeries } from './api.js';
import { formatValue, graphData, heatmapData, parseSampleValue, resultCount, stackColumns, tableRows } from './shape.js';

test('table rows for each result type', () => {
  const cases: { name: string; data: QueryData; rows: { series: string; values: string[] }[] }[] = [
    {
      name: 'vector',
      data: { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a', instance: 'x:1' }, value: [1, '1'] }, { metric: { job: '<script>' }, value: [1, 'NaN'] }] },
      rows: [{ series: 'up{instance="x:1", job="a"}', values: ['1'] }, { series: '{job="<script>"}', values: ['NaN'] }],
    },
    {
      name: 'matrix',
      data: { resultType: 'matrix', result: [{ metric: { __name__: 'x' }, values: [[10, '1'], [20, '+Inf']] }] },
      rows: [{ series: 'x', values: ['1 @10', '+Inf @20'] }],
    },
    { name: 'scalar', data: { resultType: 'scalar', result: [5, '3.5'] }, rows: [{ series: '', values: ['3.5'] }] },
    { name: 'string', data: { resultType: 'string', result: [5, 'hello'] }, rows: [{ series: '', values: ['hello'] }] },
    {
      name: 'native histogram',
      data: { resultType: 'vector', result: [{ metric: { __name__: 'h' }, histogram: [1, { count: '4', sum: '10' }] }] },
      rows: [{ series: 'h', values: ['histogram count=4 sum=10'] }],
    },
    { name: 'empty', data: { resultType: 'vector', result: [] }, rows: [] },
  ];
  for (const c of cases) {
    const got = tableRows(c.data).rows.map((r) => ({ series: r.series, values: r.values }));
    assert.deepEqual(got, c.rows, c.name);
  }
  const many: QueryData = { resultType: 'vector', result: Array.from({ length: 50 }, (_, i) => ({ metric: { i: String(i) }, value: [0, '0'] as [number, string] })) };
  assert.equal(tableRows(many, 10).rows.length, 10);
  assert.deepEqual(resultCount(many), { count: 50, samples: 50, kind: 'vector' });
  assert.deepEqual(resultCount({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], [2, '2']] }, { metric: {}, values: [[1, '1']] }] }), { count: 2, samples: 3, kind: 'matrix' });
});

test('sample values parse like the API writes them', () => {
  assert.equal(parseSampleValue('+Inf'), Infinity);
  assert.equal(parseSampleValue('-Inf'), -Infinity);
  assert.ok(Number.isNaN(parseSampleValue('NaN')));
  assert.equal(parseSampleValue('1e3'), 1000);
});

test('graph data aligns series on the step grid, gaps as null', () => {
  const series: RangeSeries[] = [
    { metric: { __name__: 'a' }, values: [[100, '1'], [110, '2'], [130, '4']] },
    { metric: { __name__: 'b' }, values: [[110, 'NaN'], [120, '+Inf'], [130, '5']] },
    { metric: { __name__: 'c' }, values: [] },
    { metric: { __name__: 'd' }, values: [[90, '7'], [140, '8']] }, // outside the grid
  ];
  const g = graphData(series, 100, 130, 10);
  assert.deepEqual(g.xs, [100, 110, 120, 130]);
  assert.deepEqual(g.ys, [[1, 2, null, 4], [null, null, null, 5], [null, null, null, null]]);
  assert.deepEqual(g.labels.map((l) => l['__name__']), ['a', 'b', 'd']);
});

test('stacking sums the columns below, keeps gaps', () => {
  assert.deepEqual(stackColumns([[1, 2, null], [10, null, 30], [100, 200, 300]]), [[1, 2, null], [11, null, 30], [111, 202, 330]]);
  assert.deepEqual(stackColumns([]), []);
});

test('heatmap: cumulative buckets become per-bucket counts', () => {
  const b = (le: string, vals: number[]): RangeSeries => ({ metric: { __name__: 'h_bucket', job: 'j', le }, values: vals.map((v, i) => [i * 10, String(v)] as [number, string]) });
  const series = [b('+Inf', [10, 20, 5]), b('0.1', [2, 4, 1]), b('1', [7, 15, 3])];
  const values = heatmapData(series, 0, 20, 10, false);
  assert.equal(values.groups.length, 1);
  const g = values.groups[0]!;
  assert.deepEqual(g.labels, { __name__: 'h_bucket', job: 'j' });
  assert.deepEqual(g.upperBounds, [0.1, 1, Infinity]);
  // rows: bucket (0,0.1], (0.1,1], (1,+Inf]; columns: steps
  assert.deepEqual([...g.cells], [2, 4, 1, 5, 11, 2, 3, 5, 2]);
  assert.equal(g.max, 11);

  // As counters: increase per step, a reset (20 → 5) counts from 0.
  const deltas = heatmapData(series, 0, 20, 10, true).groups[0]!;
  assert.ok(Number.isNaN(deltas.cells[0]!)); // no step before the first
  // step 1: cumulative increases 2, 8, 10 → per bucket 2, 6, 2; step 2 (reset): 1, 3, 5 → 1, 2, 2
  assert.deepEqual([...deltas.cells].slice(1), [2, 1, NaN, 6, 2, NaN, 2, 2].map((v) => v));
});

test('heatmap groups by labels other than le and skips series without le', () => {
  const s = (job: string, le: string | undefined, v: number): RangeSeries => ({ metric: le === undefined ? { job } : { job, le }, values: [[0, String(v)]] });
  const d = heatmapData([s('a', '1', 1), s('b', '1', 2), s('a', '+Inf', 3), s('c', undefined, 9), s('d', 'x', 1)], 0, 0, 1, false);
  assert.equal(d.groups.length, 2);
  assert.equal(d.skipped, 2);
  assert.deepEqual(d.groups.map((g) => g.labels['job']).sort(), ['a', 'b']);
});

test('formatValue', () => {
  const cases: [number | null, string][] = [[1500, '1.5k'], [0.002, '0.002'], [2_100_000, '2.1M'], [0, '0'], [null, '–'], [1e-7, '1.00e-7'], [-4200, '-4.2k'], [Infinity, 'Infinity']];
  for (const [v, want] of cases) assert.equal(formatValue(v), want);
});
