import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CounterResetHint,
  FloatHistogram,
  addHistogram,
  allBuckets,
  bucketList,
  compactHistogram,
  copyHistogramToSchema,
  detectHistogramReset,
  divHistogram,
  exponentialBound,
  formatFloat,
  histogramString,
  histogramsEqual,
  kahanAddHistogram,
  mulHistogram,
  spansOf,
  subHistogram,
  trimHistogramBuckets,
} from './index.js';

/** A histogram with one positive span from `offset` (and optionally one negative span). */
function hist(init: Partial<FloatHistogram> & { offset?: number; buckets?: number[]; nOffset?: number; nBuckets?: number[] }): FloatHistogram {
  const h = new FloatHistogram(init);
  if (init.buckets) {
    h.positiveSpans = [{ offset: init.offset ?? 0, length: init.buckets.length }];
    h.positiveBuckets = [...init.buckets];
  }
  if (init.nBuckets) {
    h.negativeSpans = [{ offset: init.nOffset ?? 0, length: init.nBuckets.length }];
    h.negativeBuckets = [...init.nBuckets];
  }
  return h;
}

/** Populated positive buckets as "index:count" (layout-independent). */
function pos(h: FloatHistogram): string {
  const l = bucketList(h.positiveSpans, h.positiveBuckets);
  return l.idx.map((i, k) => `${i}:${l.cnt[k]}`).filter((s) => !s.endsWith(':0')).join(' ');
}

function neg(h: FloatHistogram): string {
  const l = bucketList(h.negativeSpans, h.negativeBuckets);
  return l.idx.map((i, k) => `${i}:${l.cnt[k]}`).filter((s) => !s.endsWith(':0')).join(' ');
}

test("exponential bucket bounds: powers of the base as Prometheus's table has them, MAX_VALUE before the overflow bucket", () => {
  const cases: Array<[number, number, number]> = [
    [0, 0, 1],
    [1, 0, 2],
    [-1, 0, 0.5],
    // Prometheus's values, one unit in the last place below the nearest doubles.
    [1, 1, 1.414213562373095],
    [2, 1, 2],
    [-1, 1, 0.7071067811865475],
    [-1, 3, 0.9170040432046711],
    [1, -1, 4],
    [1, -2, 16],
    [256, 8, 2],
    [128, 8, 1.414213562373095],
    [1024, 0, Number.MAX_VALUE],
    [1025, 0, Infinity],
    [256, -2, Number.MAX_VALUE],
    [1, 3, 1.0905077326652577],
  ];
  for (const [idx, schema, want] of cases) assert.equal(exponentialBound(idx, schema), want, `idx ${idx} schema ${schema}`);
});

test('spans round-trip through bucket lists', () => {
  const spans = [{ offset: -2, length: 2 }, { offset: 2, length: 1 }, { offset: 1, length: 2 }];
  const l = bucketList(spans, [3, 5, 1, 3, 2]);
  assert.deepEqual(l.idx, [-2, -1, 2, 4, 5]);
  const back = spansOf(l.idx, l.cnt);
  assert.deepEqual(back.spans, spans);
  assert.deepEqual(back.buckets, [3, 5, 1, 3, 2]);
});

test('adding histograms: buckets merge, schemas reduce to the lower one, zero buckets widen', () => {
  const cases: Array<{ name: string; a: FloatHistogram; b: FloatHistogram; schema: number; zt: number; zc: number; count: number; sum: number; pos: string; neg?: string }> = [
    {
      name: 'same layout',
      a: hist({ count: 4, sum: 5, buckets: [1, 2, 1] }),
      b: hist({ count: 3, sum: 1, buckets: [1, 1, 1] }),
      schema: 0, zt: 0, zc: 0, count: 7, sum: 6, pos: '0:2 1:3 2:2',
    },
    {
      name: 'disjoint buckets are inserted',
      a: hist({ count: 2, sum: 1, offset: 3, buckets: [2] }),
      b: hist({ count: 3, sum: 1, offset: -1, buckets: [1, 1], nBuckets: [1] }),
      schema: 0, zt: 0, zc: 0, count: 5, sum: 2, pos: '-1:1 0:1 3:2', neg: '0:1',
    },
    {
      name: 'higher resolution operand is reduced (schema 1 to 0)',
      a: hist({ count: 1, sum: 1, schema: 0, buckets: [1] }),
      b: hist({ count: 4, sum: 4, schema: 1, buckets: [1, 1, 1, 1] }),
      schema: 0, zt: 0, zc: 0, count: 5, sum: 5, pos: '0:2 1:2 2:1',
    },
    {
      name: 'receiver with the higher resolution is reduced',
      a: hist({ count: 4, sum: 4, schema: 1, buckets: [1, 1, 1, 1] }),
      b: hist({ count: 1, sum: 1, schema: 0, buckets: [1] }),
      schema: 0, zt: 0, zc: 0, count: 5, sum: 5, pos: '0:2 1:2 2:1',
    },
    {
      name: 'wider zero bucket absorbs buckets below its threshold',
      a: hist({ count: 6, sum: 6, zeroCount: 1, buckets: [2, 3] }),
      b: hist({ count: 9, sum: 9, zeroThreshold: 1, zeroCount: 5, offset: 1, buckets: [4] }),
      schema: 0, zt: 1, zc: 8, count: 15, sum: 15, pos: '1:7',
    },
  ];
  for (const c of cases) {
    const r = addHistogram(c.a, c.b);
    assert.ok(r.ok, c.name);
    assert.equal(c.a.schema, c.schema, c.name);
    assert.equal(c.a.zeroThreshold, c.zt, c.name);
    assert.equal(c.a.zeroCount, c.zc, c.name);
    assert.equal(c.a.count, c.count, c.name);
    assert.equal(c.a.sum, c.sum, c.name);
    assert.equal(pos(c.a), c.pos, c.name);
    assert.equal(neg(c.a), c.neg ?? '', c.name);
  }
});

test('custom buckets add at the common bounds; a mix with standard schemas is refused', () => {
  const a = hist({ schema: -53, customValues: [1, 2, 5], count: 4, sum: 4, buckets: [1, 1, 1, 1] });
  const b = hist({ schema: -53, customValues: [2, 5, 10], count: 4, sum: 8, buckets: [2, 1, 0, 1] });
  const r = addHistogram(a, b);
  assert.ok(r.ok && r.nhcbBoundsReconciled);
  assert.deepEqual(a.customValues, [2, 5]);
  // a: (-Inf,2]:2 (2,5]:1 (5,Inf]:1; b: (-Inf,2]:2 (2,5]:1 (5,Inf]:1.
  assert.equal(pos(a), '0:4 1:2 2:2');
  assert.equal(a.count, 8);
  const same = hist({ schema: -53, customValues: [1], buckets: [1, 1], count: 2 });
  const ok = addHistogram(same, hist({ schema: -53, customValues: [1], buckets: [1], count: 1 }));
  assert.ok(ok.ok && !ok.nhcbBoundsReconciled);
  assert.equal(pos(same), '0:2 1:1');
  const mixed = addHistogram(hist({ schema: 0, buckets: [1] }), hist({ schema: -53, buckets: [1] }));
  assert.equal(mixed.ok, false);
});

test('subtraction, counter reset hints and their collisions', () => {
  const a = hist({ count: 5, sum: 10, buckets: [2, 3], counterResetHint: CounterResetHint.NotCounterReset });
  const b = hist({ count: 2, sum: 3, buckets: [1, 1], counterResetHint: CounterResetHint.CounterReset });
  const r = subHistogram(a, b);
  assert.ok(r.ok && r.counterResetCollision);
  assert.equal(a.counterResetHint, CounterResetHint.Unknown);
  assert.equal(pos(a), '0:1 1:2');
  assert.equal(a.count, 3);
  const hints: Array<[CounterResetHint, CounterResetHint, CounterResetHint, boolean]> = [
    [CounterResetHint.Gauge, CounterResetHint.NotCounterReset, CounterResetHint.Gauge, false],
    [CounterResetHint.NotCounterReset, CounterResetHint.Gauge, CounterResetHint.Gauge, false],
    [CounterResetHint.NotCounterReset, CounterResetHint.NotCounterReset, CounterResetHint.NotCounterReset, false],
    [CounterResetHint.Unknown, CounterResetHint.CounterReset, CounterResetHint.Unknown, false],
    [CounterResetHint.CounterReset, CounterResetHint.Unknown, CounterResetHint.Unknown, false],
    [CounterResetHint.CounterReset, CounterResetHint.NotCounterReset, CounterResetHint.Unknown, true],
  ];
  for (const [x, y, want, collision] of hints) {
    const h = hist({ counterResetHint: x });
    const res = addHistogram(h, hist({ counterResetHint: y }));
    assert.equal(h.counterResetHint, want, `${x}+${y}`);
    assert.equal(res.counterResetCollision, collision, `${x}+${y}`);
  }
});

test('Kahan addition keeps small increments that plain addition loses', () => {
  const big = 1e16;
  let plain = hist({ count: big, sum: 0, buckets: [big] });
  let sum = plain.copy();
  let c: FloatHistogram | null = null;
  for (let i = 0; i < 10; i++) {
    const one = hist({ count: 1, buckets: [1] });
    addHistogram(plain, one);
    c = kahanAddHistogram(sum, one, c).c;
  }
  addHistogram(sum, c!);
  assert.equal(plain.count, big); // Each +1 rounds away.
  assert.equal(sum.count, big + 10);
  assert.equal(sum.positiveBuckets[0], big + 10);
  plain = sum;
});

test('scaling: negative factors make gauges, division by zero drops the buckets', () => {
  const h = hist({ count: 4, sum: 6, zeroCount: 1, buckets: [1, 2], nBuckets: [1] });
  mulHistogram(h, -2);
  assert.equal(h.counterResetHint, CounterResetHint.Gauge);
  assert.deepEqual([h.count, h.sum, h.zeroCount, ...h.positiveBuckets, ...h.negativeBuckets], [-8, -12, -2, -2, -4, -2]);
  const d = hist({ count: 4, sum: 0, zeroCount: 1, buckets: [1, 2] });
  divHistogram(d, 0);
  assert.deepEqual([d.count, d.sum, d.zeroCount, d.positiveBuckets.length], [Infinity, NaN, Infinity, 0]);
});

test('compaction drops empty buckets and joins spans', () => {
  const h = new FloatHistogram({
    positiveSpans: [{ offset: -2, length: 3 }, { offset: 0, length: 2 }, { offset: 3, length: 2 }],
    positiveBuckets: [0, 1, 0, 0, 2, 3, 0],
  });
  compactHistogram(h, 0);
  assert.deepEqual(h.positiveSpans, [{ offset: -1, length: 1 }, { offset: 2, length: 1 }, { offset: 3, length: 1 }]);
  assert.deepEqual(h.positiveBuckets, [1, 2, 3]);
  compactHistogram(h, 3);
  assert.deepEqual(h.positiveSpans, [{ offset: -1, length: 8 }]);
  assert.deepEqual(h.positiveBuckets, [1, 0, 0, 2, 0, 0, 0, 3]);
});

test('counter reset detection', () => {
  const base = (): FloatHistogram => hist({ count: 10, sum: 5, zeroCount: 2, buckets: [3, 5] });
  const cases: Array<[string, FloatHistogram, boolean]> = [
    ['all equal', base(), false],
    ['sum dropped only', hist({ count: 10, sum: -5, zeroCount: 2, buckets: [3, 5] }), false],
    ['count dropped', hist({ count: 9, sum: 5, zeroCount: 2, buckets: [3, 5] }), true],
    ['bucket dropped', hist({ count: 10, sum: 5, zeroCount: 2, buckets: [4, 4] }), true],
    ['populated bucket vanished', hist({ count: 10, sum: 5, zeroCount: 2, offset: 1, buckets: [8] }), true],
    ['zero count dropped', hist({ count: 10, sum: 5, zeroCount: 1, buckets: [4, 5] }), true],
    ['new bucket', hist({ count: 11, sum: 5, zeroCount: 2, buckets: [3, 5, 1] }), false],
    ['resolution grew', hist({ count: 10, sum: 5, schema: 1, zeroCount: 2, buckets: [3, 5] }), true],
    ['resolution shrank compatibly', hist({ count: 10, sum: 5, schema: -1, zeroCount: 2, buckets: [3, 5] }), false],
    ['resolution shrank, merged bucket lower', hist({ count: 10, sum: 5, schema: -1, zeroCount: 2, buckets: [2, 5] }), true],
    ['explicit reset hint', hist({ count: 20, sum: 5, zeroCount: 2, buckets: [3, 5], counterResetHint: CounterResetHint.CounterReset }), true],
    ['explicit no-reset hint', hist({ count: 1, sum: 5, counterResetHint: CounterResetHint.NotCounterReset }), false],
    ['custom buckets after standard', hist({ count: 10, schema: -53, buckets: [10] }), true],
  ];
  for (const [name, curr, want] of cases) assert.equal(detectHistogramReset(curr, base()), want, name);
  const prevCustom = hist({ schema: -53, customValues: [1, 5], count: 3, buckets: [1, 1, 1] });
  assert.equal(detectHistogramReset(hist({ schema: -53, customValues: [5], count: 3, buckets: [2, 1] }), prevCustom), false);
  assert.equal(detectHistogramReset(hist({ schema: -53, customValues: [5], count: 3, buckets: [1, 2] }), prevCustom), true);
});

test('equality ignores zero-length spans but not values or empty buckets', () => {
  const a = hist({ count: 3, sum: 1, buckets: [1, 2] });
  const b = new FloatHistogram({ count: 3, sum: 1, positiveSpans: [{ offset: -1, length: 0 }, { offset: 1, length: 2 }], positiveBuckets: [1, 2] });
  assert.ok(histogramsEqual(a, b));
  assert.ok(!histogramsEqual(a, hist({ count: 3, sum: 1, buckets: [1, 2, 0] })));
  assert.ok(!histogramsEqual(a, hist({ count: 3, sum: 1.5, buckets: [1, 2] })));
  assert.ok(histogramsEqual(hist({ sum: NaN }), hist({ sum: NaN })));
});

test('copying to a lower schema merges buckets', () => {
  const h = hist({ schema: 2, count: 8, buckets: [1, 1, 1, 1, 1, 1, 1, 1], offset: -3 });
  const c = copyHistogramToSchema(h, 0);
  assert.equal(c.schema, 0);
  assert.equal(pos(c), '0:4 1:4');
  assert.equal(h.schema, 2);
});

test('bucket iteration and the text form', () => {
  const h = hist({ count: 6, sum: 3, zeroThreshold: 0.001, zeroCount: 1, buckets: [2, 1], nBuckets: [2] });
  const bs = allBuckets(h);
  assert.deepEqual(bs.map((b) => [b.lower, b.upper, b.count]), [[-1, -0.5, 2], [-0.001, 0.001, 1], [0.5, 1, 2], [1, 2, 1]]);
  assert.equal(histogramString(h), '{count:6, sum:3, [-1,-0.5):2, [-0.001,0.001]:1, (0.5,1]:2, (1,2]:1}');
  const custom = hist({ schema: -53, customValues: [5, 10], count: 2, sum: 1, buckets: [1, 0, 1] });
  assert.equal(histogramString(custom), '{count:2, sum:1, [-Inf,5]:1, (10,+Inf]:1}');
  const cases: Array<[number, string]> = [[1e6, '1e+06'], [123456, '123456'], [0.0001, '0.0001'], [0.00001, '1e-05'], [-2.5, '-2.5'], [NaN, 'NaN']];
  // Go's `%g` in the text form is `formatFloat`.
  for (const [v, want] of cases) assert.equal(formatFloat(v), want);
});

test('trim operators remove observations beyond a value', () => {
  // Custom buckets (0,10]:4 (10,20]:4: keep below 15 interpolates half of the second bucket.
  const h = hist({ schema: -53, customValues: [0, 10, 20], count: 8, sum: 100, offset: 1, buckets: [4, 4] });
  trimHistogramBuckets(h, 15, true);
  assert.equal(h.count, 6);
  assert.equal(h.sum, 4 * 5 + 2 * 12.5);
  assert.equal(pos(h), '1:4 2:2');
  const g = hist({ schema: -53, customValues: [0, 10, 20], count: 8, sum: 100, offset: 1, buckets: [4, 4] });
  trimHistogramBuckets(g, 10, false);
  assert.equal(g.count, 4);
  assert.equal(pos(g), '2:4');
  const untouched = hist({ schema: 0, count: 3, sum: 7, buckets: [1, 2] });
  trimHistogramBuckets(untouched, 100, true);
  assert.equal(untouched.sum, 7);
});
