/**
 * One suite for the `Querier` seam, run against each implementation that serves the same data: a block,
 * the head, and the merge of two blocks and the head (the data split between them, overlapping). Every
 * answer is checked against the data itself, so the implementations must agree with each other too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Labels, Matcher, STALE_NAN, isStaleNaN } from '@vigil/model';
import { tempDir } from '@vigil/testkit';
import { Head } from '../head/head.js';
import type { Querier } from '../storage.js';
import { Block } from './block.js';
import { mergeQueriers } from './merge.js';
import { sourceOf, type TestSeries } from './test-util.js';
import { writeBlock } from './writer.js';

const SETS: Record<string, string>[] = [
  { __name__: 'req_total', job: 'api', instance: 'a', code: '200' },
  { __name__: 'req_total', job: 'api', instance: 'a', code: '500' },
  { __name__: 'req_total', job: 'api', instance: 'b', code: '200' },
  { __name__: 'req_total', job: 'web', instance: 'c' },
  { __name__: 'up', job: 'api', instance: 'a' },
  { __name__: 'up', job: 'db', instance: 'd', env: 'prod' },
  { __name__: 'queue', job: 'worker', instance: 'é', queue: 'a b' },
];

/** Series i has a sample every (i+1)·10 s over an hour; `up` goes stale once. */
function data(): TestSeries[] {
  return SETS.map((l, i) => {
    const step = (i + 1) * 10_000;
    const n = Math.floor(3_600_000 / step) + 1;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      ts[k] = k * step;
      vs[k] = l.__name__ === 'up' && k === 10 ? STALE_NAN : k * (i + 1) + 0.5;
    }
    return { labels: Labels.fromObject(l), ts, vs };
  });
}

function slice(s: TestSeries, from: number, to: number): TestSeries {
  const keep: number[] = [];
  for (let k = 0; k < s.ts.length; k++) if (s.ts[k] >= from && s.ts[k] <= to) keep.push(k);
  const ts = new Float64Array(keep.length);
  const vs = new Float64Array(keep.length);
  keep.forEach((k, j) => {
    ts[j] = s.ts[k];
    vs[j] = s.vs[k];
  });
  return { labels: s.labels, ts, vs };
}

async function headOf(series: readonly TestSeries[]): Promise<Head> {
  const h = new Head();
  const app = h.appender();
  for (const s of series) {
    let ref = 0;
    for (let k = 0; k < s.ts.length; k++) ref = app.append(ref, s.labels, s.ts[k], s.vs[k]);
  }
  await app.commit();
  return h;
}

interface Target {
  readonly name: string;
  querier(mint: number, maxt: number): Querier;
}

function check(t: Target, all: readonly TestSeries[]): void {
  const cases: Array<[string, Matcher[], number, number]> = [
    ['everything', [new Matcher('=~', '__name__', '.+')], -Infinity, Infinity],
    ['a name', [new Matcher('=', '__name__', 'req_total')], 0, 3_600_000],
    ['not equal', [new Matcher('=', '__name__', 'req_total'), new Matcher('!=', 'code', '200')], -Infinity, Infinity],
    ['regex over names', [new Matcher('=~', '__name__', 'up|queue')], 600_000, 1_800_000],
    ['negative regex', [new Matcher('=~', 'job', '.+'), new Matcher('!~', 'job', 'api')], -Infinity, Infinity],
    ['absent label', [new Matcher('=', '__name__', 'up'), new Matcher('=', 'env', '')], -Infinity, Infinity],
    ['narrow window', [new Matcher('=~', 'instance', '[ab]')], 1_234_567, 1_300_000],
    ['before the data', [new Matcher('=~', '__name__', '.+')], -10_000, -1],
    ['non-ASCII values', [new Matcher('=', 'instance', 'é'), new Matcher('=', 'queue', 'a b')], -Infinity, Infinity],
  ];
  for (const [name, ms, mint, maxt] of cases) {
    const q = t.querier(mint, maxt);
    const want = all
      .filter((s) => ms.every((m) => m.matches(s.labels.get(m.name))))
      .map((s) => slice(s, mint, maxt))
      .filter((s) => s.ts.length > 0)
      .sort((a, b) => Labels.compare(a.labels, b.labels));
    const got = q.select(ms);
    assert.deepEqual(got.map((s) => s.labels.toString()), want.map((s) => s.labels.toString()), `${t.name}: ${name}`);
    got.forEach((s, i) => {
      const it = s.iterator();
      let k = 0;
      while (it.next()) {
        assert.equal(it.t, want[i].ts[k], `${t.name}: ${name}: ${s.labels} sample ${k}`);
        const w = want[i].vs[k];
        if (isStaleNaN(w)) assert.ok(isStaleNaN(it.v), `${t.name}: ${name}: staleness marker kept`);
        else assert.equal(it.v, w, `${t.name}: ${name}: ${s.labels} at ${it.t}`);
        k++;
      }
      assert.equal(k, want[i].ts.length, `${t.name}: ${name}: ${s.labels} sample count`);
      // The optional batch read gives the same samples, here over the whole range and a sub-window.
      if (s.readSamples !== undefined) {
        const w = want[i];
        for (const [from, to] of [[-Infinity, Infinity], [w.ts[Math.floor(w.ts.length / 3)], w.ts[Math.floor((2 * w.ts.length) / 3)] + 1]]) {
          const ts: number[] = [];
          const vs = new Float64Array(w.ts.length);
          s.readSamples(from, to, { push: (t, v) => (vs[ts.length] = v, ts.push(t)), pushHistogram: () => assert.fail('no histograms in this suite') });
          const expect = slice(w, from, to);
          assert.deepEqual(ts, [...expect.ts], `${t.name}: ${name}: ${s.labels} readSamples [${from}, ${to}]`);
          for (let j = 0; j < ts.length; j++) {
            if (isStaleNaN(expect.vs[j])) assert.ok(isStaleNaN(vs[j]), `${t.name}: ${name}: readSamples keeps staleness markers`);
            else assert.equal(vs[j], expect.vs[j], `${t.name}: ${name}: ${s.labels} readSamples at ${ts[j]}`);
          }
        }
      }
      // seek lands on the first sample at or after the target.
      if (want[i].ts.length > 2) {
        const target = want[i].ts[1] + 1;
        const it2 = s.iterator();
        assert.ok(it2.seek(target));
        assert.equal(it2.t, want[i].ts[2], `${t.name}: ${name}: seek`);
      }
    });
    q.close();
  }
  const q = t.querier(-Infinity, Infinity);
  assert.deepEqual(q.labelNames(), ['__name__', 'code', 'env', 'instance', 'job', 'queue'], `${t.name}: label names`);
  assert.deepEqual(q.labelValues('job'), ['api', 'db', 'web', 'worker'], `${t.name}: label values`);
  assert.deepEqual(q.labelValues('instance', [new Matcher('=', '__name__', 'up')]), ['a', 'd'], `${t.name}: label values with matchers`);
  assert.deepEqual(q.labelNames([new Matcher('=', 'job', 'db')]), ['__name__', 'env', 'instance', 'job'], `${t.name}: label names with matchers`);
  q.close();
}

test('the Querier suite: a block, the head, and two overlapping blocks merged with the head agree with the data', async () => {
  const tmp = tempDir();
  const all = data();
  try {
    const whole = await writeBlock(join(tmp.path, 'one'), sourceOf(all));
    const first = await writeBlock(join(tmp.path, 'split'), sourceOf(all.map((s) => slice(s, 0, 1_500_000)), 0, 1_500_000));
    const second = await writeBlock(join(tmp.path, 'split'), sourceOf(all.map((s) => slice(s, 1_000_000, 2_500_000)), 1_000_000, 2_500_000));
    const blockAll = Block.open(whole!.dir);
    const b1 = Block.open(first!.dir);
    const b2 = Block.open(second!.dir);
    const head = await headOf(all);
    const headTail = await headOf(all.map((s) => slice(s, 2_000_000, 3_600_000)));
    const targets: Target[] = [
      { name: 'block', querier: (a, b) => blockAll.querier(a, b) },
      { name: 'head', querier: (a, b) => head.querier(a, b) },
      { name: 'blocks+head', querier: (a, b) => mergeQueriers([b1.querier(a, b), b2.querier(a, b), headTail.querier(a, b)]) },
    ];
    for (const t of targets) check(t, all);
    for (const b of [blockAll, b1, b2]) b.close();
  } finally {
    tmp.cleanup();
  }
});
