import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels, Matcher, STALE_NAN, isStaleNaN } from '@vigil/model';
import { tempDir } from '@vigil/testkit';
import type { Querier } from '../storage.js';
import { Block } from './block.js';
import { ChainSampleIterator, mergeQueriers } from './merge.js';
import { dumpQuerier, range, samplesOf, sourceOf, testSeries, type TestSeries } from './test-util.js';
import { writeBlock } from './writer.js';

const LABEL_SETS: Record<string, string>[] = [
  { __name__: 'http_requests_total', job: 'api', instance: 'a', code: '200' },
  { __name__: 'http_requests_total', job: 'api', instance: 'a', code: '500' },
  { __name__: 'http_requests_total', job: 'api', instance: 'b', code: '200' },
  { __name__: 'http_requests_total', job: 'web', instance: 'c' },
  { __name__: 'up', job: 'api', instance: 'a' },
  { __name__: 'up', job: 'web', instance: 'c' },
  { __name__: 'up', job: 'db', instance: 'd', env: 'prod' },
  { __name__: 'queue', job: 'worker', instance: 'é\u{1F600}', queue: 'line\nbreak' },
];

async function withBlock(series: TestSeries[], fn: (b: Block, dir: string) => void | Promise<void>, perChunk?: number): Promise<void> {
  const tmp = tempDir();
  try {
    const w = await writeBlock(tmp.path, sourceOf(series, undefined, undefined, perChunk));
    assert.ok(w);
    const b = Block.open(w.dir);
    try {
      await fn(b, tmp.path);
    } finally {
      b.close();
    }
  } finally {
    tmp.cleanup();
  }
}

const seriesAll = LABEL_SETS.map((l, i) => testSeries(l, range(0, 600_000, 10_000), (t) => t / 1000 + i));

test('select: every matcher type agrees with evaluating the matchers on each label set', async () => {
  const cases: Array<[string, Matcher[]]> = [
    ['metric name', [new Matcher('=', '__name__', 'up')]],
    ['name and label', [new Matcher('=', '__name__', 'http_requests_total'), new Matcher('=', 'instance', 'a')]],
    ['not equal', [new Matcher('=', '__name__', 'http_requests_total'), new Matcher('!=', 'code', '200')]],
    ['regex', [new Matcher('=~', 'job', 'api|web')]],
    ['negative regex', [new Matcher('=~', '__name__', '.+'), new Matcher('!~', 'job', 'api|db')]],
    ['absent label as empty', [new Matcher('=', '__name__', 'up'), new Matcher('=', 'env', '')]],
    ['present label', [new Matcher('=~', 'env', '.+')]],
    ['match-all regex with another', [new Matcher('=~', '__name__', '.*'), new Matcher('=', 'job', 'web')]],
    ['unknown value', [new Matcher('=', 'job', 'nope')]],
    ['unknown label name', [new Matcher('=', 'nope', 'x')]],
    ['only empty-matching matchers select all the rest', [new Matcher('!=', 'job', 'api')]],
    ['unicode and newline values', [new Matcher('=', 'queue', 'line\nbreak'), new Matcher('=~', 'instance', 'é.*')]],
  ];
  await withBlock(seriesAll, (b) => {
    const q = b.querier(-Infinity, Infinity);
    for (const [name, ms] of cases) {
      const want = LABEL_SETS.map((l) => Labels.fromObject(l))
        .filter((l) => ms.every((m) => m.matches(l.get(m.name))))
        .sort(Labels.compare)
        .map((l) => l.toString());
      const got = q.select(ms).map((s) => s.labels.toString());
      assert.deepEqual(got, want, name);
    }
    q.close();
  });
});

test('select: time range, hints and seek stay within [mint, maxt] across chunk boundaries', async () => {
  const s = testSeries({ __name__: 'x' }, range(0, 1_000_000, 1000), (t) => t);
  await withBlock([s], (b) => {
    const m = [new Matcher('=', '__name__', 'x')];
    const q = b.querier(10_500, 400_000);
    const [got] = samplesOf(q, m);
    assert.equal(got.ts[0], 11_000);
    assert.equal(got.ts[got.ts.length - 1], 400_000);
    assert.equal(got.ts.length, 390);
    const narrowed = q.select(m, { start: 200_000, end: 200_999 });
    const it = narrowed[0].iterator();
    assert.ok(it.next());
    assert.equal(it.t, 200_000);
    assert.equal(it.next(), false);
    // seek jumps chunks (30 samples each here) and never goes back.
    const it2 = q.select(m)[0].iterator();
    assert.ok(it2.seek(123_456));
    assert.equal(it2.t, 124_000);
    assert.equal(it2.v, 124_000);
    assert.ok(it2.seek(5));
    assert.equal(it2.t, 124_000);
    assert.ok(it2.seek(399_999));
    assert.equal(it2.t, 400_000);
    assert.equal(it2.seek(400_001), false);
    // No series outside the block's data.
    assert.deepEqual(b.querier(2_000_000, 3_000_000).select(m), []);
    q.close();
  }, 30);
});

test('staleness markers and other NaNs come back bit for bit', async () => {
  const ts = [1000, 2000, 3000, 4000];
  // Element by element: an array literal would lose the NaN payload.
  const vs = new Float64Array(4);
  vs[0] = 1;
  vs[1] = STALE_NAN;
  vs[2] = NaN;
  vs[3] = 2;
  assert.equal(isStaleNaN(vs[1]), true);
  const s: TestSeries = { labels: Labels.fromObject({ __name__: 'stale' }), ts: Float64Array.from(ts), vs };
  await withBlock([s], (b) => {
    const [got] = samplesOf(b.querier(0, 10_000), [new Matcher('=', '__name__', 'stale')]);
    assert.deepEqual(got.ts, ts);
    assert.equal(isStaleNaN(got.vs[1]), true);
    assert.equal(Number.isNaN(got.vs[2]) && !isStaleNaN(got.vs[2]), true);
  });
});

test('label names and values, with and without matchers', async () => {
  await withBlock(seriesAll, (b) => {
    const q = b.querier(-Infinity, Infinity);
    assert.deepEqual(q.labelNames(), ['__name__', 'code', 'env', 'instance', 'job', 'queue']);
    assert.deepEqual(q.labelNames([new Matcher('=', '__name__', 'up')]), ['__name__', 'env', 'instance', 'job']);
    assert.deepEqual(q.labelValues('job'), ['api', 'db', 'web', 'worker']);
    assert.deepEqual(q.labelValues('job', [new Matcher('=', '__name__', 'up')]), ['api', 'db', 'web']);
    assert.deepEqual(q.labelValues('nope'), []);
    q.close();
  });
});

test('deletion writes tombstones that hide samples, survive reopening and count in meta', async () => {
  const tmp = tempDir();
  try {
    const w = await writeBlock(tmp.path, sourceOf(seriesAll));
    assert.ok(w);
    let b = Block.open(w.dir);
    const n = b.delete(100_000, 200_000, [new Matcher('=', '__name__', 'up')]);
    assert.equal(n, 3);
    assert.equal(b.meta.stats.numTombstones, 3);
    // Deleting a range the data does not reach marks nothing.
    assert.equal(b.delete(5_000_000, 6_000_000, [new Matcher('=', '__name__', 'up')]), 0);
    b.close();
    b = Block.open(w.dir);
    assert.equal(b.tombstones.total(), 3);
    const q = b.querier(-Infinity, Infinity);
    for (const s of samplesOf(q, [new Matcher('=', '__name__', 'up')])) {
      assert.equal(s.ts.length, 61 - 11, s.labels);
      assert.ok(s.ts.every((t) => t < 100_000 || t > 200_000));
    }
    // Other series are untouched.
    assert.equal(samplesOf(q, [new Matcher('=', '__name__', 'queue')])[0].ts.length, 61);
    // A series deleted over its whole range disappears.
    b.delete(-Infinity, Infinity, [new Matcher('=', '__name__', 'queue')]);
    assert.deepEqual(b.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'queue')]), []);
    q.close();
    b.close();
  } finally {
    tmp.cleanup();
  }
});

test('merge querier: sorted union of series, duplicates across sources kept once (first source wins)', async () => {
  const tmp = tempDir();
  try {
    const a = await writeBlock(tmp.path, sourceOf([
      testSeries({ __name__: 'm', k: '1' }, range(0, 100_000, 10_000), () => 1),
      testSeries({ __name__: 'm', k: '3' }, range(0, 50_000, 10_000), () => 3),
    ]));
    const c = await writeBlock(tmp.path, sourceOf([
      testSeries({ __name__: 'm', k: '1' }, range(50_000, 150_000, 5_000), () => 2),
      testSeries({ __name__: 'm', k: '2' }, range(0, 20_000, 10_000), () => 2),
    ]));
    const ba = Block.open(a!.dir);
    const bc = Block.open(c!.dir);
    const q: Querier = mergeQueriers([ba.querier(-Infinity, Infinity), bc.querier(-Infinity, Infinity)]);
    const lines = dumpQuerier(q);
    const k1 = lines.filter((l) => l.includes('k="1"'));
    // 0..40s from a, 50s..100s from both (a wins: value 1), odd 5s steps and 105s..150s from c.
    assert.equal(k1.length, 5 + 6 + 5 + 10);
    assert.ok(k1.includes('{__name__="m", k="1"} 1 50000'));
    assert.ok(k1.includes('{__name__="m", k="1"} 2 55000'));
    assert.ok(!k1.includes('{__name__="m", k="1"} 2 50000'));
    const ts = k1.map((l) => Number(l.split(' ').pop()));
    assert.deepEqual(ts, [...ts].sort((x, y) => x - y));
    assert.deepEqual(q.select([new Matcher('=', '__name__', 'm')]).map((s) => s.labels.get('k')), ['1', '2', '3']);
    assert.deepEqual(q.labelValues('k'), ['1', '2', '3']);
    const it = q.select([new Matcher('=', 'k', '1')])[0].iterator();
    assert.ok(it.seek(52_000));
    assert.equal(it.t, 55_000);
    assert.ok(it.next());
    assert.equal(it.t, 60_000);
    assert.equal(it.v, 1);
    q.close();
    ba.close();
    bc.close();
  } finally {
    tmp.cleanup();
  }
});

test('chain iterator over plain iterators', () => {
  const mk = (ts: number[], v: number) => {
    let i = -1;
    return {
      get t() { return ts[i]; },
      get v() { return v; },
      h: null,
      next() { i++; return i < ts.length; },
      seek(t: number) { if (i < 0) i = 0; while (i < ts.length && ts[i] < t) i++; return i < ts.length; },
    };
  };
  const it = new ChainSampleIterator([mk([1, 3, 5], 10), mk([2, 3, 6], 20), mk([], 30)]);
  const got: string[] = [];
  while (it.next()) got.push(`${it.t}:${it.v}`);
  assert.deepEqual(got, ['1:10', '2:20', '3:10', '5:10', '6:20']);
  const s = new ChainSampleIterator([mk([1, 3, 5], 10), mk([2, 3, 6], 20)]);
  assert.ok(s.seek(4));
  assert.equal(s.t, 5);
  assert.ok(s.next());
  assert.equal(s.t, 6);
  assert.equal(s.next(), false);
});
