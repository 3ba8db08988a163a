import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels, Matcher, STALE_NAN, isStaleNaN, type MatchType } from '@vigil/model';
import { AppendError, type Querier } from '../storage.js';
import { XorIterator } from '../chunkenc/xor.js';
import { Head } from './head.js';

const L = (o: Record<string, string>) => Labels.fromObject(o);
const M = (type: MatchType, name: string, value: string) => new Matcher(type, name, value);

function read(q: Querier, matchers: Matcher[]): Array<{ labels: string; samples: Array<[number, number]> }> {
  return q.select(matchers).map((s) => {
    const it = s.iterator();
    const samples: Array<[number, number]> = [];
    while (it.next()) samples.push([it.t, it.v]);
    return { labels: s.labels.toString(), samples };
  });
}

async function headWith(series: Array<[Record<string, string>, Array<[number, number]>]>): Promise<Head> {
  const head = new Head();
  const app = head.appender();
  for (const [ls, samples] of series) {
    let ref = 0;
    for (const [t, v] of samples) ref = app.append(ref, ref === 0 ? L(ls) : Labels.EMPTY, t, v);
  }
  await app.commit();
  return head;
}

test('appended samples are invisible until commit, gone after rollback', async () => {
  const head = new Head();
  const app = head.appender();
  const ref = app.append(0, L({ __name__: 'up', job: 'a' }), 1000, 1);
  assert.ok(ref > 0);
  assert.equal(app.append(ref, Labels.EMPTY, 2000, 2), ref);
  assert.deepEqual(read(head.querier(0, 10000), [M('=', '__name__', 'up')]), []);
  await app.commit();
  assert.deepEqual(read(head.querier(0, 10000), [M('=', '__name__', 'up')]), [
    { labels: '{__name__="up", job="a"}', samples: [[1000, 1], [2000, 2]] },
  ]);
  const app2 = head.appender();
  app2.append(ref, Labels.EMPTY, 3000, 3);
  await app2.rollback();
  assert.deepEqual(read(head.querier(0, 10000), [M('=', '__name__', 'up')])[0].samples, [[1000, 1], [2000, 2]]);
  // The same sample can be appended again after the rollback.
  const app3 = head.appender();
  app3.append(ref, Labels.EMPTY, 3000, 3);
  await app3.commit();
  assert.equal(read(head.querier(0, 10000), [M('=', '__name__', 'up')])[0].samples.length, 3);
});

test('rejects samples as Prometheus does', async () => {
  const cases: Array<{ name: string; window?: number; setup: Array<[number, number]>; t: number; v: number; err?: string; stored?: boolean }> = [
    { name: 'older than the newest sample', setup: [[1000, 1], [2000, 2]], t: 1500, v: 1, err: 'out of order sample' },
    { name: 'same timestamp, other value', setup: [[1000, 1]], t: 1000, v: 2, err: 'duplicate sample for timestamp' },
    { name: 'same timestamp, same value: accepted, stored once', setup: [[1000, 1]], t: 1000, v: 1, stored: false },
    { name: 'older than half a chunk range before the head max', setup: [[10_000_000, 1]], t: 10_000_000 - 3_600_001, v: 1, err: 'out of bounds' },
    { name: 'out of order within the window', window: 600_000, setup: [[1_000_000, 1]], t: 500_000, v: 7, stored: true },
    { name: 'older than the out-of-order window', window: 600_000, setup: [[1_000_000, 1]], t: 300_000, v: 7, err: 'too old sample' },
    { name: 'newer sample', setup: [[1000, 1]], t: 1001, v: 1, stored: true },
  ];
  for (const c of cases) {
    const head = new Head({ outOfOrderTimeWindow: c.window ?? 0 });
    const app = head.appender();
    let ref = 0;
    for (const [t, v] of c.setup) ref = app.append(ref, L({ __name__: 'x' }), t, v);
    await app.commit();
    const app2 = head.appender();
    if (c.err) {
      assert.throws(() => app2.append(ref, Labels.EMPTY, c.t, c.v), (e: unknown) => e instanceof AppendError && e.message === c.err, c.name);
      continue;
    }
    app2.append(ref, Labels.EMPTY, c.t, c.v);
    await app2.commit();
    const got = read(head.querier(-Infinity, Infinity), [M('=', '__name__', 'x')])[0].samples;
    assert.equal(got.length, c.setup.length + (c.stored ? 1 : 0), c.name);
    if (c.stored) assert.ok(got.some(([t, v]) => t === c.t && v === c.v), c.name);
    // Samples come back sorted even with out-of-order ones.
    assert.deepEqual(got.map((s) => s[0]), [...got.map((s) => s[0])].sort((a, b) => a - b), c.name);
  }
});

test('duplicates and disorder within one batch are rejected too', () => {
  const head = new Head();
  const app = head.appender();
  const ref = app.append(0, L({ __name__: 'x' }), 1000, 1);
  assert.throws(() => app.append(ref, Labels.EMPTY, 1000, 2), /duplicate sample for timestamp/);
  assert.throws(() => app.append(ref, Labels.EMPTY, 999, 2), /out of order sample/);
  assert.equal(app.append(ref, Labels.EMPTY, 1000, 1), ref);
});

test('empty label sets are invalid', () => {
  const head = new Head();
  assert.throws(() => head.appender().append(0, Labels.EMPTY, 1, 1), (e: unknown) => e instanceof AppendError && e.reason === 'invalid');
  assert.throws(() => head.appender().append(12345, Labels.EMPTY, 1, 1), /unknown series ref 12345/);
});

test('staleness markers are stored and returned bit for bit', async () => {
  const head = new Head();
  const app = head.appender();
  const ref = app.append(0, L({ __name__: 's' }), 1000, 1);
  app.append(ref, Labels.EMPTY, 2000, STALE_NAN);
  app.append(ref, Labels.EMPTY, 3000, NaN);
  await app.commit();
  const it = head.querier(0, 5000).select([M('=', '__name__', 's')])[0].iterator();
  const vs = new Float64Array(3);
  let i = 0;
  while (it.next()) vs[i++] = it.v;
  assert.equal(i, 3);
  assert.equal(vs[0], 1);
  assert.ok(isStaleNaN(vs[1]), 'staleness marker');
  assert.ok(Number.isNaN(vs[2]) && !isStaleNaN(vs[2]), 'ordinary NaN');
});

test('chunks are cut at 120 samples and at chunk range boundaries, as Prometheus does', async () => {
  const head = new Head();
  const app = head.appender();
  // 15 s scrape interval over 4 h: 960 samples, two 2 h ranges of 480 samples, 4 chunks each.
  let ref = 0;
  for (let i = 0; i < 960; i++) ref = app.append(ref, L({ __name__: 'c' }), i * 15000, i);
  await app.commit();
  const src = head.chunkSeriesSource(0, 4 * 3600 * 1000);
  const [series] = [...src.series()];
  assert.deepEqual(
    series.chunks.map((c) => [c.mint, c.maxt, new XorIterator(c.data).numSamples]),
    [
      [0, 1785000, 120], [1800000, 3585000, 120], [3600000, 5385000, 120], [5400000, 7185000, 120],
      [7200000, 8985000, 120], [9000000, 10785000, 120], [10800000, 12585000, 120], [12600000, 14385000, 120],
    ],
  );
  const all = read(head.querier(0, Infinity), [M('=', '__name__', 'c')])[0].samples;
  assert.equal(all.length, 960);
  assert.deepEqual(all[959], [959 * 15000, 959]);
});

const MATCHER_SERIES: Array<[Record<string, string>, Array<[number, number]>]> = [
  [{ __name__: 'http', job: 'api', code: '200' }, [[1, 1]]],
  [{ __name__: 'http', job: 'api', code: '500' }, [[1, 2]]],
  [{ __name__: 'http', job: 'web' }, [[1, 3]]],
  [{ __name__: 'http', job: 'web', code: '' , path: '/x' }, [[1, 4]]],
  [{ __name__: 'cpu', job: 'node' }, [[1, 5]]],
];

test('matchers select series with Prometheus semantics (empty string matches absent labels)', async () => {
  const head = await headWith(MATCHER_SERIES);
  const q = head.querier(0, 10);
  const cases: Array<{ name: string; ms: Matcher[]; want: number[] }> = [
    { name: 'equal', ms: [M('=', 'job', 'api')], want: [1, 2] },
    { name: 'not equal keeps series without the label', ms: [M('=', '__name__', 'http'), M('!=', 'code', '200')], want: [2, 3, 4] },
    { name: 'equal empty selects series without the label', ms: [M('=', '__name__', 'http'), M('=', 'code', '')], want: [3, 4] },
    { name: 'not equal empty requires the label', ms: [M('=', '__name__', 'http'), M('!=', 'code', '')], want: [1, 2] },
    { name: 'regex', ms: [M('=~', 'code', '2..|5..')], want: [1, 2] },
    { name: 'regex set', ms: [M('=~', 'job', 'web|node')], want: [3, 4, 5] },
    { name: 'regex is anchored', ms: [M('=~', 'job', 'we')], want: [] },
    { name: 'regex matching empty includes absent', ms: [M('=', '__name__', 'http'), M('=~', 'code', '2.*|')], want: [1, 3, 4] },
    { name: 'negative regex', ms: [M('=', '__name__', 'http'), M('!~', 'code', '5..')], want: [1, 3, 4] },
    { name: 'negative regex set', ms: [M('!~', 'job', 'api|web')], want: [5] },
    { name: 'only matchers that match empty', ms: [M('!=', 'job', 'api')], want: [3, 4, 5] },
    { name: 'dot star everything', ms: [M('=~', '__name__', '.*'), M('=', 'job', 'node')], want: [5] },
    { name: 'unknown name', ms: [M('=', 'nope', 'x')], want: [] },
    { name: 'unknown name matched empty', ms: [M('=', 'nope', ''), M('=', 'job', 'node')], want: [5] },
    { name: 'intersection', ms: [M('=~', 'job', '.+'), M('=~', 'code', '.+')], want: [1, 2] },
  ];
  for (const c of cases) {
    const got = read(q, c.ms).map((s) => s.samples[0][1]).sort();
    assert.deepEqual(got, c.want, c.name);
  }
  // Sorted by labels.
  assert.deepEqual(
    q.select([M('=~', '__name__', '.+')]).map((s) => s.labels.toString()),
    [
      '{__name__="cpu", job="node"}',
      '{__name__="http", code="200", job="api"}',
      '{__name__="http", code="500", job="api"}',
      '{__name__="http", job="web"}',
      '{__name__="http", job="web", path="/x"}',
    ],
  );
});

test('label names and values, optionally filtered by matchers and time', async () => {
  const head = await headWith(MATCHER_SERIES);
  const q = head.querier(0, 10);
  assert.deepEqual(q.labelNames(), ['__name__', 'code', 'job', 'path']);
  assert.deepEqual(q.labelValues('job'), ['api', 'node', 'web']);
  assert.deepEqual(q.labelNames([M('=', 'job', 'node')]), ['__name__', 'job']);
  assert.deepEqual(q.labelValues('code', [M('=', 'job', 'api')]), ['200', '500']);
  assert.deepEqual(q.labelValues('nope'), []);
  assert.deepEqual(head.querier(100, 200).labelNames(), []);
  assert.deepEqual(head.querier(100, 200).select([M('=', 'job', 'api')]), []);
});

test('select honours the querier range and hints', async () => {
  const head = await headWith([[{ __name__: 'r' }, [[10, 1], [20, 2], [30, 3], [40, 4]]]]);
  assert.deepEqual(read(head.querier(15, 35), [M('=', '__name__', 'r')])[0].samples, [[20, 2], [30, 3]]);
  const [s] = head.querier(0, 100).select([M('=', '__name__', 'r')], { start: 25, end: 40 });
  const it = s.iterator();
  assert.ok(it.next());
  assert.equal(it.t, 30);
  assert.ok(it.seek(40));
  assert.equal(it.v, 4);
  assert.equal(it.next(), false);
  const [lo] = head.querier(0, 100).select([M('=', '__name__', 'r')], { labelsOnly: true });
  assert.equal(lo.labels.toString(), '{__name__="r"}');
});

test('a query snapshot does not change with later appends', async () => {
  const head = await headWith([[{ __name__: 'snap' }, [[10, 1], [20, 2]]]]);
  const [s] = head.querier(0, 1000).select([M('=', '__name__', 'snap')]);
  const app = head.appender();
  app.append(0, L({ __name__: 'snap' }), 30, 3);
  await app.commit();
  const it = s.iterator();
  let n = 0;
  while (it.next()) n++;
  assert.equal(n, 2);
});

test('deletion hides samples of matching series in the range', async () => {
  const head = await headWith([
    [{ __name__: 'd', i: '1' }, [[10, 1], [20, 2], [30, 3], [40, 4]]],
    [{ __name__: 'd', i: '2' }, [[10, 1], [20, 2]]],
  ]);
  const stones = head.deleteRange(15, 30, [M('=', 'i', '1')]);
  assert.deepEqual(stones, [{ ref: 1, mint: 15, maxt: 30 }]);
  const got = read(head.querier(0, 100), [M('=', '__name__', 'd')]);
  assert.deepEqual(got.map((s) => s.samples), [[[10, 1], [40, 4]], [[10, 1], [20, 2]]]);
  // The block source applies the deletion too.
  const [first] = [...head.chunkSeriesSource(0, 100).series()];
  const it = new XorIterator(first.chunks[0].data);
  const ts: number[] = [];
  while (it.next()) ts.push(it.t);
  assert.deepEqual(ts, [10, 40]);
});

test('truncation drops old chunks and empty series, and makes old samples out of bounds', async () => {
  const head = new Head({ chunkRange: 1000 });
  const app = head.appender();
  const a = app.append(0, L({ __name__: 'old' }), 100, 1);
  app.append(a, Labels.EMPTY, 200, 1);
  const b = app.append(0, L({ __name__: 'new' }), 100, 1);
  for (let t = 200; t <= 2500; t += 100) app.append(b, Labels.EMPTY, t, t);
  await app.commit();
  assert.equal(head.numSeries, 2);
  assert.equal(head.truncate(1000), 1);
  assert.equal(head.numSeries, 1);
  assert.equal(head.getByRef(a), undefined);
  assert.deepEqual(head.querier(0, 10000).labelValues('__name__'), ['new']);
  const got = read(head.querier(0, 10000), [M('=', '__name__', 'new')])[0].samples;
  assert.equal(got[0][0], 1000);
  assert.throws(() => head.appender().append(b, Labels.EMPTY, 999, 1), /out of bounds/);
  // A new series for the old labels gets a new ref.
  const app2 = head.appender();
  assert.ok(app2.append(0, L({ __name__: 'old' }), 2600, 1) > b);
});

test('exemplars: stored per series, bounded, out of order rejected, duplicates ignored', async () => {
  const head = new Head({ maxExemplars: 3 });
  const app = head.appender();
  const ls = L({ __name__: 'req_total' });
  const ref = app.append(0, ls, 1000, 1);
  const ex = (t: number, v: number, id: string) => ({ labels: L({ trace_id: id }), value: v, t });
  app.appendExemplar(ref, Labels.EMPTY, ex(1000, 0.5, 'a'));
  assert.throws(() => app.appendExemplar(ref, Labels.EMPTY, ex(900, 0.5, 'b')), /out of order exemplar/);
  await app.commit();
  const app2 = head.appender();
  app2.appendExemplar(ref, Labels.EMPTY, ex(1000, 0.5, 'a')); // duplicate: no error, not stored twice
  app2.appendExemplar(ref, Labels.EMPTY, ex(2000, 1.5, 'c'));
  app2.appendExemplar(ref, Labels.EMPTY, ex(3000, 2.5, 'd'));
  app2.appendExemplar(0, L({ __name__: 'other' }), ex(3500, 9, 'z'));
  assert.throws(() => app2.appendExemplar(ref, Labels.EMPTY, { labels: L({ trace_id: 'x'.repeat(130) }), value: 1, t: 4000 }), /exemplar label set is too long/);
  await app2.commit();
  const got = head.selectExemplars(0, 10000, [[M('=', '__name__', 'req_total')]]);
  // Capacity 3: the oldest ('a') was overwritten.
  assert.deepEqual(got.map((g) => [g.seriesLabels.toString(), g.exemplars.map((e) => [e.t, e.value, e.labels.get('trace_id')])]), [
    ['{__name__="req_total"}', [[2000, 1.5, 'c'], [3000, 2.5, 'd']]],
  ]);
  assert.deepEqual(head.selectExemplars(2500, 3600, [[M('=~', '__name__', '.+')]]).map((g) => g.exemplars.length).sort(), [1, 1]);
});

test('many series: lookup by labels with hash collisions handled, refs stable', async () => {
  const head = new Head();
  const app = head.appender();
  const refs: number[] = [];
  for (let i = 0; i < 5000; i++) refs.push(app.append(0, L({ __name__: 'm', i: String(i) }), 1, i));
  await app.commit();
  const app2 = head.appender();
  for (let i = 0; i < 5000; i++) assert.equal(app2.append(0, L({ __name__: 'm', i: String(i) }), 2, i), refs[i]);
  await app2.commit();
  assert.equal(head.numSeries, 5000);
  assert.equal(read(head.querier(0, 10), [M('=', 'i', '4321')])[0].samples.length, 2);
});

test('label sets whose hashes collide stay distinct series', async () => {
  const head = new Head();
  const sets = [L({ __name__: 'a' }), L({ __name__: 'b' }), L({ __name__: 'c', x: 'y' })];
  // Force every set onto the same hash.
  for (const ls of sets) Object.defineProperty(ls, 'hash', { value: () => 12345 });
  const app = head.appender();
  const refs = sets.map((ls, i) => app.append(0, ls, 1, i));
  await app.commit();
  assert.equal(new Set(refs).size, 3);
  const again = sets.map((ls) => L(ls.toObject()));
  for (const ls of again) Object.defineProperty(ls, 'hash', { value: () => 12345 });
  assert.deepEqual(again.map((ls) => head.getByLabels(ls)?.ref), refs);
  // Removing one keeps the others reachable.
  const app2 = head.appender();
  app2.append(refs[0], Labels.EMPTY, 5_000_000, 1);
  app2.append(refs[2], Labels.EMPTY, 5_000_000, 1);
  await app2.commit();
  head.truncate(1000);
  assert.equal(head.getByLabels(again[1]), undefined);
  assert.equal(head.getByLabels(again[0])?.ref, refs[0]);
  assert.equal(head.getByLabels(again[2])?.ref, refs[2]);
});

test('a series with chunks before and after the range but none in it is not selected', async () => {
  const head = new Head({ chunkRange: 1000 });
  const app = head.appender();
  const ref = app.append(0, L({ __name__: 'gap' }), 100, 1);
  app.append(ref, Labels.EMPTY, 5000, 2);
  await app.commit();
  assert.deepEqual(read(head.querier(1000, 4000), [M('=', '__name__', 'gap')]), []);
  assert.equal(read(head.querier(0, 6000), [M('=', '__name__', 'gap')])[0].samples.length, 2);
});

test('a truncation keeps series that an open appender holds samples for', async () => {
  const head = new Head({ chunkRange: 1000, outOfOrderTimeWindow: 100_000 });
  const setup = head.appender();
  const ref = setup.append(0, L({ __name__: 'held' }), 100, 1);
  setup.append(ref, Labels.EMPTY, 200, 2);
  setup.append(0, L({ __name__: 'other' }), 50_000, 1);
  await setup.commit();
  // An out-of-order sample for the old series is pending when the head is truncated.
  const app = head.appender();
  app.append(ref, Labels.EMPTY, 150, 9);
  head.truncate(1000);
  assert.equal(head.getByRef(ref)?.ref, ref);
  await app.commit();
  assert.deepEqual(read(head.querier(0, 1000), [M('=', '__name__', 'held')]), [{ labels: '{__name__="held"}', samples: [[150, 9]] }]);
});
