import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterResetHint, FloatHistogram, Labels, Matcher, STALE_NAN, isStaleNaN } from '@vigil/model';
import { ENCODING_FLOAT_HISTOGRAM, ENCODING_HISTOGRAM, ENCODING_XOR } from '../chunk-types.js';
import { CounterResetHeader } from '../chunkenc/histogram.js';
import { AppendError, type Querier } from '../storage.js';
import { Head } from './head.js';

const L = (o: Record<string, string>) => Labels.fromObject(o);
const ALL = [new Matcher('=~', '__name__', '.+')];
const T0 = 1_767_225_600_000; // a multiple of 2 h

function hist(i: number, extra: Partial<FloatHistogram> = {}): FloatHistogram {
  return new FloatHistogram({
    schema: 0, zeroThreshold: 0.001, zeroCount: i, count: 3 * i + 3, sum: 2.5 * i,
    positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [i + 1, i + 2],
    ...extra,
  });
}

type Sample = [number, number | string];

/** A float as its value, a histogram as `h:<count>/<sum>` (or `h:stale`). */
function read(q: Querier): Record<string, Sample[]> {
  const out: Record<string, Sample[]> = {};
  for (const s of q.select(ALL)) {
    const it = s.iterator();
    const samples: Sample[] = [];
    while (it.next()) {
      const h = it.h;
      if (h === null) samples.push([it.t, isStaleNaN(it.v) ? 'stale' : it.v]);
      else samples.push([it.t, isStaleNaN(h.sum) ? 'h:stale' : `h:${h.count}/${h.sum}`]);
    }
    out[s.labels.get('__name__')] = samples;
  }
  return out;
}

/** The head's chunks for a block over everything: encoding, sample count and counter-reset header. */
function chunks(head: Head): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (const s of head.chunkSeriesSource(-Infinity, Infinity).series()) {
    for (const c of s.chunks) out.push([c.encoding, (c.data[0] << 8) | c.data[1], c.encoding === ENCODING_XOR ? 0 : c.data[2] & 0xc0]);
  }
  return out;
}

test('histogram samples are stored and read back; a series may mix floats and histograms', async () => {
  const head = new Head();
  const app = head.appender();
  const ref = app.appendHistogram(0, L({ __name__: 'm' }), T0, hist(1));
  app.appendHistogram(ref, Labels.EMPTY, T0 + 1000, hist(2));
  await app.commit();
  const app2 = head.appender();
  app2.append(ref, Labels.EMPTY, T0 + 2000, 7);
  app2.append(ref, Labels.EMPTY, T0 + 3000, 8);
  await app2.commit();
  const app3 = head.appender();
  app3.appendHistogram(ref, Labels.EMPTY, T0 + 4000, hist(0, { count: 2.5, positiveBuckets: [1, 1.5], zeroCount: 0 }));
  await app3.commit();
  assert.deepEqual(read(head.querier(T0, T0 + 10_000)), {
    m: [[T0, 'h:6/2.5'], [T0 + 1000, 'h:9/5'], [T0 + 2000, 7], [T0 + 3000, 8], [T0 + 4000, 'h:2.5/0']],
  });
  // One chunk per kind: integer counts, floats, float counts.
  assert.deepEqual(chunks(head).map((c) => c[0]), [ENCODING_HISTOGRAM, ENCODING_XOR, ENCODING_FLOAT_HISTOGRAM]);
  // The iterator's float view of a histogram sample is NaN, and h is a fresh object with the hint.
  const it = head.querier(T0, T0 + 10_000).select(ALL)[0].iterator();
  const hints: Array<number | null> = [];
  while (it.next()) hints.push(it.h === null ? null : it.h.counterResetHint);
  assert.deepEqual(hints, [CounterResetHint.Unknown, CounterResetHint.NotCounterReset, null, null, CounterResetHint.Unknown]);
  const it2 = head.querier(T0, T0 + 10_000).select(ALL)[0].iterator();
  assert.ok(it2.next() && Number.isNaN(it2.v));
  assert.ok(it2.seek(T0 + 2000) && it2.h === null && it2.v === 7);
  assert.deepEqual(head.stats().numSeries, 1);
  assert.equal(head.countSamples(), 5);
});

test('histograms are appended by value: the caller may reuse its object', async () => {
  const head = new Head();
  const app = head.appender();
  const h = hist(1);
  const ref = app.appendHistogram(0, L({ __name__: 'm' }), T0, h);
  h.count = 1000;
  h.positiveBuckets[0] = 999;
  app.appendHistogram(ref, Labels.EMPTY, T0 + 1, hist(2));
  await app.commit();
  assert.deepEqual(read(head.querier(T0, T0 + 10)).m, [[T0, 'h:6/2.5'], [T0 + 1, 'h:9/5']]);
});

test('histogram samples are rejected as floats are: out of order, duplicates, invalid', async () => {
  const cases: Array<{ name: string; window?: number; t: number; h?: FloatHistogram; v?: number; err?: RegExp; stored?: string }> = [
    { name: 'older than the newest sample', t: T0 - 1, h: hist(3), err: /out of order sample/ },
    { name: 'same time, other histogram', t: T0, h: hist(3), err: /duplicate sample for timestamp/ },
    { name: 'same time, same histogram: dropped', t: T0, h: hist(1, { counterResetHint: CounterResetHint.NotCounterReset }), stored: 'no' },
    { name: 'a float at the time of a histogram', t: T0, v: 1, err: /duplicate sample for timestamp/ },
    { name: 'invalid: spans need more buckets', t: T0 + 1, h: hist(3, { positiveSpans: [{ offset: 0, length: 3 }] }), err: /invalid sample: .*spans need 3 buckets, have 2/ },
    { name: 'invalid: negative bucket', t: T0 + 1, h: hist(3, { positiveBuckets: [1, -1] }), err: /negative/ },
    { name: 'out of order within the window', window: 600_000, t: T0 - 1000, h: hist(0), stored: 'yes' },
    { name: 'older than the window', window: 600_000, t: T0 - 700_000, h: hist(0), err: /too old sample/ },
  ];
  for (const c of cases) {
    const head = new Head({ outOfOrderTimeWindow: c.window ?? 0 });
    const app = head.appender();
    const ref = app.appendHistogram(0, L({ __name__: 'm' }), T0, hist(1));
    await app.commit();
    const app2 = head.appender();
    const add = () => (c.h !== undefined ? app2.appendHistogram(ref, Labels.EMPTY, c.t, c.h) : app2.append(ref, Labels.EMPTY, c.t, c.v!));
    if (c.err) {
      assert.throws(add, (e: unknown) => e instanceof AppendError && c.err!.test(e.message), c.name);
      continue;
    }
    add();
    await app2.commit();
    const got = read(head.querier(-Infinity, Infinity)).m;
    assert.equal(got.length, c.stored === 'yes' ? 2 : 1, c.name);
  }
  // Within one batch too: the newest pending sample counts.
  const head = new Head();
  const app = head.appender();
  const ref = app.appendHistogram(0, L({ __name__: 'm' }), T0, hist(1));
  assert.throws(() => app.appendHistogram(ref, Labels.EMPTY, T0, hist(2)), /duplicate/);
  assert.throws(() => app.append(ref, Labels.EMPTY, T0, 5), /duplicate/);
  assert.throws(() => app.appendHistogram(ref, Labels.EMPTY, T0 - 5, hist(2)), /out of order/);
  assert.equal(app.appendHistogram(ref, Labels.EMPTY, T0, hist(1)), ref);
});

test('a staleness marker on a histogram series is stored as a histogram marker', async () => {
  const head = new Head();
  const app = head.appender();
  const ref = app.appendHistogram(0, L({ __name__: 'm' }), T0, hist(1));
  await app.commit();
  const app2 = head.appender();
  app2.append(ref, Labels.EMPTY, T0 + 1000, STALE_NAN);
  await app2.commit();
  // In the same batch as the histogram too.
  const app3 = head.appender();
  const ref2 = app3.appendHistogram(0, L({ __name__: 'n' }), T0, hist(1));
  app3.append(ref2, Labels.EMPTY, T0 + 1000, STALE_NAN);
  await app3.commit();
  assert.deepEqual(read(head.querier(T0, T0 + 10_000)), { m: [[T0, 'h:6/2.5'], [T0 + 1000, 'h:stale']], n: [[T0, 'h:6/2.5'], [T0 + 1000, 'h:stale']] });
  const it = head.querier(T0, T0 + 10_000).select(ALL)[0].iterator();
  it.seek(T0 + 1000);
  assert.ok(isStaleNaN(it.v) && isStaleNaN(it.h!.sum), 'the float view is the marker too');
  // A histogram after the marker starts a new chunk.
  const app4 = head.appender();
  app4.appendHistogram(ref, Labels.EMPTY, T0 + 2000, hist(2));
  await app4.commit();
  assert.deepEqual(chunks(head).slice(0, 2).map((c) => c[1]), [2, 1]);
  // A float series' marker stays a float.
  const app5 = head.appender();
  const r3 = app5.append(0, L({ __name__: 'f' }), T0, 1);
  app5.append(r3, Labels.EMPTY, T0 + 1, STALE_NAN);
  await app5.commit();
  assert.deepEqual(read(head.querier(T0, T0 + 10)).f, [[T0, 1], [T0 + 1, 'stale']]);
});

test('histogram chunks are cut at counter resets (with the header), layout changes and by size', async () => {
  const head = new Head();
  let ref = 0;
  const add = async (t: number, h: FloatHistogram) => {
    const app = head.appender();
    ref = app.appendHistogram(ref, ref === 0 ? L({ __name__: 'm' }) : Labels.EMPTY, t, h);
    await app.commit();
  };
  for (let i = 0; i < 5; i++) await add(T0 + i * 1000, hist(10 + i));
  await add(T0 + 5000, hist(1)); // reset
  await add(T0 + 6000, hist(2, { schema: 1 })); // schema change
  await add(T0 + 7000, hist(3, { schema: 1, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [4, 5, 6], count: 18 })); // new bucket: same chunk
  assert.deepEqual(chunks(head), [
    [ENCODING_HISTOGRAM, 5, CounterResetHeader.Unknown],
    [ENCODING_HISTOGRAM, 1, CounterResetHeader.CounterReset],
    [ENCODING_HISTOGRAM, 2, CounterResetHeader.Unknown],
  ]);
  // Big histograms: chunks of about 1 KiB (at least 10 samples), not 120 samples.
  const big = new Head();
  const app = big.appender();
  let r = 0;
  for (let i = 0; i < 300; i++) {
    const buckets = Array.from({ length: 40 }, (_, k) => 1000 * i + k * 37 * i);
    const h = new FloatHistogram({ schema: 3, count: buckets.reduce((a, b) => a + b, 0), sum: i, positiveSpans: [{ offset: 0, length: 40 }], positiveBuckets: buckets });
    r = app.appendHistogram(r, r === 0 ? L({ __name__: 'big' }) : Labels.EMPTY, T0 + i * 15_000, h);
  }
  await app.commit();
  const sizes = [...big.chunkSeriesSource(-Infinity, Infinity).series()][0].chunks.map((c) => c.data.length);
  assert.ok(sizes.length > 3, `several chunks: ${sizes}`);
  for (const s of sizes.slice(0, -1)) assert.ok(s <= 2048 + 400, `chunk of ${s} bytes`);
  const counts = [...big.chunkSeriesSource(-Infinity, Infinity).series()][0].chunks.map((c) => (c.data[0] << 8) | c.data[1]);
  assert.equal(counts.reduce((a, b) => a + b, 0), 300);
  assert.ok(counts.every((c) => c < 120), `${counts}`);
});

test('integer counts go to integer chunks, others to float chunks; a float chunk keeps integer samples', async () => {
  const head = new Head();
  const app = head.appender();
  const ref = app.appendHistogram(0, L({ __name__: 'm' }), T0, hist(1));
  app.appendHistogram(ref, Labels.EMPTY, T0 + 1, hist(1, { count: 6.5, zeroCount: 1.5 }));
  app.appendHistogram(ref, Labels.EMPTY, T0 + 2, hist(2));
  await app.commit();
  assert.deepEqual(chunks(head).map((c) => [c[0], c[1]]), [[ENCODING_HISTOGRAM, 1], [ENCODING_FLOAT_HISTOGRAM, 2]]);
  assert.deepEqual(read(head.querier(T0, T0 + 10)).m, [[T0, 'h:6/2.5'], [T0 + 1, 'h:6.5/2.5'], [T0 + 2, 'h:9/5']]);
});

test('out-of-order histograms are merged into queries and into blocks', async () => {
  const head = new Head({ outOfOrderTimeWindow: 3_600_000 });
  const app = head.appender();
  const ref = app.appendHistogram(0, L({ __name__: 'm' }), T0 + 10_000, hist(5));
  app.append(ref, Labels.EMPTY, T0 + 20_000, 1);
  await app.commit();
  const app2 = head.appender();
  app2.appendHistogram(ref, Labels.EMPTY, T0 + 5000, hist(2));
  app2.append(ref, Labels.EMPTY, T0 + 15_000, 3);
  app2.appendHistogram(ref, Labels.EMPTY, T0 + 12_000, hist(6, { count: 1.5 }));
  await app2.commit();
  const want: Sample[] = [[T0 + 5000, 'h:9/5'], [T0 + 10_000, 'h:18/12.5'], [T0 + 12_000, 'h:1.5/15'], [T0 + 15_000, 3], [T0 + 20_000, 1]];
  assert.deepEqual(read(head.querier(T0, T0 + 100_000)).m, want);
  // The ArrayIterator hands out copies: changing one does not change the head.
  const it = head.querier(T0, T0 + 100_000).select(ALL)[0].iterator();
  it.next();
  it.h!.count = -1;
  assert.deepEqual(read(head.querier(T0, T0 + 100_000)).m, want);
  // Cut into a block: the samples re-encoded, each kind in its chunk.
  assert.deepEqual(chunks(head).map((c) => [c[0], c[1]]), [[ENCODING_HISTOGRAM, 2], [ENCODING_FLOAT_HISTOGRAM, 1], [ENCODING_XOR, 2]]);
});

test('deletion and truncation apply to histogram samples', async () => {
  const head = new Head();
  const app = head.appender();
  let ref = 0;
  for (let i = 0; i < 10; i++) ref = app.appendHistogram(ref, ref === 0 ? L({ __name__: 'm' }) : Labels.EMPTY, T0 + i * 1000, hist(i));
  await app.commit();
  await head.delete(T0 + 2000, T0 + 7000, ALL);
  assert.deepEqual(read(head.querier(T0, T0 + 100_000)).m.map((s) => s[0] - T0), [0, 1000, 8000, 9000]);
  // A block cut from the head has the deleted samples re-encoded away.
  assert.deepEqual(chunks(head).map((c) => c[1]), [4]);
  head.truncate(T0 + 100_000);
  assert.equal(head.numSeries, 0);
});
