import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CUSTOM_BUCKETS_SCHEMA, CounterResetHint, FloatHistogram, STALE_NAN, isStaleNaN, type Span } from '@vigil/model';
import { ENCODING_FLOAT_HISTOGRAM, ENCODING_HISTOGRAM } from '../chunk-types.js';
import { BitWriter } from './bstream.js';
import { encodeSamples } from './encode.js';
import { CounterResetHeader, HistogramChunkAppender, HistogramIterator } from './histogram.js';
import { histogramsEqual, isIntegral, validateHistogram } from './histogram-util.js';
import { BitReader, writeVarbitInt, writeVarbitUint } from './varbit.js';

const INT = ENCODING_HISTOGRAM;
const FLOAT = ENCODING_FLOAT_HISTOGRAM;

function H(init: Partial<FloatHistogram>): FloatHistogram {
  return new FloatHistogram(init);
}

/** Absolute counts from the deltas the exposition format and integer chunks use. */
function abs(deltas: number[]): number[] {
  let c = 0;
  return deltas.map((d) => (c += d));
}

interface Decoded {
  t: number;
  h: FloatHistogram;
}

function decode(bytes: Uint8Array, encoding: number): { samples: Decoded[]; header: number; err?: Error } {
  const it = new HistogramIterator();
  it.reset(bytes, 0, bytes.length, encoding);
  const samples: Decoded[] = [];
  while (it.next()) samples.push({ t: it.t, h: it.histogram() });
  return { samples, header: it.counterResetHeader, err: it.err };
}

/** The fields a reader sees, for deep comparison (the hint depends on the position in the chunk). */
function view(h: FloatHistogram): Record<string, unknown> {
  return {
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount,
    count: h.count,
    sum: isStaleNaN(h.sum) ? 'stale' : h.sum,
    positive: h.positiveSpans.map((s) => `${s.offset}:${s.length}`).join(',') + ' ' + h.positiveBuckets.join(','),
    negative: h.negativeSpans.map((s) => `${s.offset}:${s.length}`).join(',') + ' ' + h.negativeBuckets.join(','),
    custom: h.customValues.join(','),
  };
}

// Chunks Prometheus 2.42 wrote (a snapshot of its head after scraping a protobuf target once a second,
// nine scrapes), with what was scraped. Our appender must produce the same bytes from the same samples.
const PROM_T0 = 1795646004002;
const promFixtures: Array<{ name: string; encoding: number; hex: string; sample: (k: number) => FloatHistogram }> = [
  {
    name: 'counter with a bucket appearing at the 4th scrape (recoded) and a negative bucket',
    encoding: INT,
    hex: '000900ff3f50624dd2f1a9fc4a48ca31b7f0000d10a6bcd916222800800000000000128d65e3e8c447583946b21b03a0a350bd2855b04d2a1380d637e022c04280',
    sample: (k) =>
      H({
        count: 8 * k + (k > 3 ? k : 0), sum: 2.5 * k, schema: 0, zeroThreshold: 0.001, zeroCount: k,
        positiveSpans: k > 3 ? [{ offset: 0, length: 2 }, { offset: 2, length: 1 }] : [{ offset: 0, length: 2 }],
        positiveBuckets: abs(k > 3 ? [2 * k, k, -2 * k] : [2 * k, k]),
        negativeSpans: [{ offset: -2, length: 1 }], negativeBuckets: [2 * k],
      }),
  },
  {
    name: 'gauge histogram scraped as a gauge (2.42 stores it with an unknown header)',
    encoding: INT,
    hex: '000900f3946517f0000d10a6bcd9162d7fe8000000000001858f8fa22c25fff446c0e83589a0d82682706a1ff821608280',
    sample: (n) => H({ count: 10 + n, sum: -1.25 * n, schema: 2, zeroThreshold: 0.5, positiveSpans: [{ offset: 1, length: 2 }], positiveBuckets: abs([5, n]) }),
  },
  {
    name: 'float counts',
    encoding: FLOAT,
    hex:
      '000900ff3e112e0be826d6959c65857f0000d10a6bcd9120060000000000001ff0000000000000202c8400000000001ffa0000000000001ffe00000000000078fa3583d60f505e12fffe12fffb50dcec07accde7d81dd62e51384cfff979f589b25ac6ef6838c87609ba87f689d817a0efd8e784a6e7697c8750ffe3689d61fd86677c2e1287dc0e52182c1c',
    sample: (n) =>
      H({ count: 3.5 * n, sum: 100.125 * n, schema: 3, zeroThreshold: 1e-9, zeroCount: 0.5 * n, positiveSpans: [{ offset: 5, length: 2 }], positiveBuckets: [1.25 * n, 1.75 * n] }),
  },
];

test('chunks written by Prometheus 2.42 decode to what it scraped, and we write them byte for byte', () => {
  for (const f of promFixtures) {
    const theirs = Buffer.from(f.hex, 'hex');
    const got = decode(theirs, f.encoding);
    assert.equal(got.err, undefined, f.name);
    assert.equal(got.samples.length, 9, f.name);
    // The chunk holds every sample in the widest layout (the appender re-encoded it when a bucket came).
    const last = f.sample(9);
    for (let k = 1; k <= 9; k++) {
      const s = got.samples[k - 1];
      assert.equal(s.t, PROM_T0 + (k - 1) * 1000, f.name);
      const want = f.sample(k);
      assert.equal(s.h.count, want.count, `${f.name} #${k} count`);
      assert.equal(s.h.sum, want.sum, `${f.name} #${k} sum`);
      assert.equal(s.h.zeroCount, want.zeroCount, `${f.name} #${k} zero count`);
      assert.deepEqual(s.h.positiveSpans, last.positiveSpans, `${f.name} #${k} spans`);
      assert.equal(s.h.positiveBuckets.reduce((a, b) => a + b, 0), want.positiveBuckets.reduce((a, b) => a + b, 0), `${f.name} #${k}`);
      assert.deepEqual(s.h.negativeBuckets, want.negativeBuckets, `${f.name} #${k}`);
      assert.equal(s.h.counterResetHint, k === 1 ? CounterResetHint.Unknown : CounterResetHint.NotCounterReset);
    }
    const app = new HistogramChunkAppender(f.encoding);
    for (let k = 1; k <= 9; k++) assert.ok(app.tryAppend(PROM_T0 + (k - 1) * 1000, f.sample(k)), `${f.name} #${k} fits`);
    assert.equal(Buffer.from(app.bytes()).toString('hex'), f.hex, f.name);
  }
});

const T0 = 1767227400000;
const exp = (i: number, extra: Partial<FloatHistogram> = {}) =>
  H({
    schema: 1, zeroThreshold: 0.001, zeroCount: i, count: 10 + 4 * i, sum: 1.5 * i,
    positiveSpans: [{ offset: -1, length: 2 }, { offset: 3, length: 1 }], positiveBuckets: [1 + i, 2 + i, 3 + i],
    negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [4 + i],
    ...extra,
  });

const roundTrips: Array<{ name: string; encodings: number[]; samples: Array<[number, FloatHistogram]> }> = [
  { name: 'one sample', encodings: [INT, FLOAT], samples: [[T0, exp(0)]] },
  { name: 'regular counter', encodings: [INT, FLOAT], samples: Array.from({ length: 50 }, (_, i) => [T0 + 15000 * i, exp(i)] as [number, FloatHistogram]) },
  { name: 'no buckets at all', encodings: [INT, FLOAT], samples: [[T0, H({ count: 0, sum: 0 })], [T0 + 1, H({ count: 3, sum: -2, zeroCount: 3 })]] },
  {
    name: 'jittered and negative timestamps',
    encodings: [INT, FLOAT],
    samples: [-5000, -10, 0, 7, 1e12, 1e12 + 5e9].map((t, i) => [t, exp(i)] as [number, FloatHistogram]),
  },
  {
    name: 'large counts (56-bit varbits)',
    encodings: [INT, FLOAT],
    samples: [0, 1, 2].map((i) => [T0 + i, exp(i, { count: 2 ** 40 * (i + 1), zeroCount: 2 ** 35 * (i + 1), positiveBuckets: [2 ** 33 * (i + 1), 5, 2 ** 30] })] as [number, FloatHistogram]),
  },
  {
    name: 'zero threshold that is not a power of two, schema -4 and 8',
    encodings: [INT, FLOAT],
    samples: [[T0, exp(1, { zeroThreshold: 0.3, schema: -4 })], [T0 + 10, exp(2, { zeroThreshold: 0.3, schema: -4 })]],
  },
  {
    name: 'custom buckets: short and raw bounds',
    encodings: [INT, FLOAT],
    samples: [1, 2, 3].map((i) => [T0 + i * 1000, H({
      schema: CUSTOM_BUCKETS_SCHEMA, count: 6 * i, sum: 17.5 * i, customValues: [0.005, 0.1, 2.5, 33555, 1e9, 0.0001],
      positiveSpans: [{ offset: 0, length: 2 }, { offset: 2, length: 2 }], positiveBuckets: [i, 2 * i, 0, 3 * i],
    })] as [number, FloatHistogram]),
  },
  {
    name: 'fractional counts',
    encodings: [FLOAT],
    samples: [0, 1, 2, 3].map((i) => [T0 + i * 1000, exp(i, { count: 10.25 + i / 3, positiveBuckets: [0.1 * i, 1 / 3 + i, Math.PI * i] })] as [number, FloatHistogram]),
  },
  {
    name: 'a staleness marker ends the chunk',
    encodings: [INT, FLOAT],
    samples: [[T0, exp(1)], [T0 + 1000, exp(2)], [T0 + 2000, H({ sum: STALE_NAN })]],
  },
  { name: 'a staleness marker alone', encodings: [INT, FLOAT], samples: [[T0, H({ sum: STALE_NAN })]] },
];

test('histogram chunks round-trip every field exactly, both encodings', () => {
  for (const c of roundTrips) {
    for (const enc of c.encodings) {
      const name = `${c.name} (encoding ${enc})`;
      const app = new HistogramChunkAppender(enc, 8);
      for (const [t, h] of c.samples) assert.ok(app.tryAppend(t, h), `${name}: sample at ${t} fits`);
      assert.equal(app.numSamples, c.samples.length, name);
      assert.equal(app.mint, c.samples[0][0]);
      assert.equal(app.maxt, c.samples[c.samples.length - 1][0]);
      const got = decode(app.copyBytes(), enc);
      assert.equal(got.err, undefined, name);
      assert.deepEqual(got.samples.map((s) => s.t), c.samples.map((s) => s[0]), name);
      got.samples.forEach((s, i) => assert.deepEqual(view(s.h), view(c.samples[i][1]), `${name}: sample ${i}`));
      const stale = got.samples.filter((s) => isStaleNaN(s.h.sum));
      assert.equal(stale.length, c.samples.filter((s) => isStaleNaN(s[1].sum)).length, `${name}: markers survive bit for bit`);
    }
  }
});

test('schemas above 8 (written by newer Prometheus versions) are read reduced to 8', () => {
  const app = new HistogramChunkAppender(INT);
  // Schema 10: buckets 1..4 fall in bucket 1 at schema 8, 5..8 in bucket 2.
  app.tryAppend(T0, H({ schema: 10, count: 10, sum: 1, positiveSpans: [{ offset: 1, length: 5 }], positiveBuckets: [1, 2, 3, 1, 3] }));
  const got = decode(app.copyBytes(), INT).samples[0].h;
  assert.equal(got.schema, 8);
  assert.deepEqual(got.positiveSpans, [{ offset: 1, length: 2 }]);
  assert.deepEqual(got.positiveBuckets, [7, 3]);
});

test('the appender cuts, widens and marks chunks as Prometheus does', () => {
  const base = (extra: Partial<FloatHistogram> = {}) =>
    H({ schema: 0, count: 10, zeroCount: 2, sum: 5, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [4, 6], ...extra });
  const cases: Array<{ name: string; next: FloatHistogram; fits: boolean; header?: number; floatHeader?: number; spans?: Span[] }> = [
    { name: 'same layout, counts up', next: base({ count: 12, positiveBuckets: [5, 7] }), fits: true, spans: [{ offset: 0, length: 2 }] },
    { name: 'count went down: counter reset', next: base({ count: 9 }), fits: false, header: CounterResetHeader.CounterReset },
    { name: 'a bucket went down: counter reset', next: base({ count: 11, positiveBuckets: [3, 8] }), fits: false, header: CounterResetHeader.CounterReset },
    { name: 'zero count went down: counter reset', next: base({ zeroCount: 1, count: 12 }), fits: false, header: CounterResetHeader.CounterReset },
    { name: 'schema changed: unknown', next: base({ schema: 1, count: 12 }), fits: false, header: CounterResetHeader.Unknown },
    { name: 'zero threshold changed: unknown', next: base({ zeroThreshold: 0.5, count: 12 }), fits: false, header: CounterResetHeader.Unknown },
    { name: 'hint says counter reset', next: base({ count: 20, counterResetHint: CounterResetHint.CounterReset }), fits: false, header: CounterResetHeader.CounterReset },
    {
      name: 'new bucket: chunk re-encoded wider',
      next: base({ count: 13, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [4, 6, 3] }),
      fits: true,
      spans: [{ offset: 0, length: 3 }],
    },
    {
      name: 'populated bucket gone: counter reset',
      next: base({ count: 13, positiveSpans: [{ offset: 1, length: 1 }], positiveBuckets: [13] }),
      fits: false,
      header: CounterResetHeader.CounterReset,
    },
    { name: 'gauge after a counter chunk: new gauge chunk', next: base({ count: 20, counterResetHint: CounterResetHint.Gauge }), fits: false, header: CounterResetHeader.Gauge },
  ];
  for (const c of cases) {
    for (const enc of [INT, FLOAT]) {
      const app = new HistogramChunkAppender(enc);
      app.start(T0, base(), null);
      const fits = app.tryAppend(T0 + 1000, c.next);
      assert.equal(fits, c.fits, `${c.name} (encoding ${enc})`);
      if (!fits && c.header !== undefined) {
        // Prometheus's float appender leaves "unknown" where the integer one says "not a reset" or "unknown".
        const want = enc === FLOAT && c.header !== CounterResetHeader.CounterReset && c.header !== CounterResetHeader.Gauge ? CounterResetHeader.Unknown : c.header;
        assert.equal(app.cutHeader, want, `${c.name} (encoding ${enc}) header`);
      }
      if (fits && c.spans) {
        const got = decode(app.copyBytes(), enc).samples;
        assert.equal(got.length, 2);
        for (const s of got) assert.deepEqual(s.h.positiveSpans, c.spans, c.name);
        // The first sample gained the new bucket, empty.
        assert.equal(got[0].h.positiveBuckets.reduce((a, b) => a + b, 0), 10, c.name);
      }
    }
  }
  // An empty bucket may disappear from a counter: the sample is widened to the chunk's layout.
  const app = new HistogramChunkAppender(INT);
  app.start(T0, base({ positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [4, 0, 6] }), null);
  assert.ok(app.tryAppend(T0 + 1, base({ count: 11, positiveSpans: [{ offset: 0, length: 1 }, { offset: 1, length: 1 }], positiveBuckets: [5, 6] })));
  assert.deepEqual(decode(app.copyBytes(), INT).samples[1].h.positiveBuckets, [5, 0, 6]);
  // Nothing follows a staleness marker in its chunk.
  const staleApp = new HistogramChunkAppender(INT);
  staleApp.start(T0, base(), null);
  assert.ok(staleApp.tryAppend(T0 + 1, H({ sum: STALE_NAN })));
  assert.equal(staleApp.tryAppend(T0 + 2, base({ count: 11 })), false);
  assert.equal(staleApp.cutHeader, CounterResetHeader.Unknown);
});

test('a new chunk after a full one learns its counter-reset header from the previous chunk', () => {
  const prev = new HistogramChunkAppender(INT);
  prev.start(T0, exp(5), null);
  const cases: Array<[string, FloatHistogram, number]> = [
    ['counts grew', exp(6), CounterResetHeader.NotCounterReset],
    ['counts fell', exp(1), CounterResetHeader.CounterReset],
    ['schema changed', exp(6, { schema: 2 }), CounterResetHeader.Unknown],
    ['gauge', exp(1, { counterResetHint: CounterResetHint.Gauge }), CounterResetHeader.Gauge],
  ];
  for (const [name, h, want] of cases) {
    const next = new HistogramChunkAppender(INT);
    next.start(T0 + 1000, h, prev);
    assert.equal(next.header, want, name);
    assert.equal(decode(next.copyBytes(), INT).header, want, name);
  }
  // Without a previous chunk of the same kind the header stays unknown.
  const other = new HistogramChunkAppender(FLOAT);
  other.start(T0 + 1000, exp(6), prev);
  assert.equal(other.header, CounterResetHeader.Unknown);
});

test('gauge chunks widen their layout both ways and report gauge hints', () => {
  const g = (spans: Span[], buckets: number[]) => H({ counterResetHint: CounterResetHint.Gauge, schema: 0, count: buckets.reduce((a, b) => a + b, 0), sum: 1, positiveSpans: spans, positiveBuckets: buckets });
  const app = new HistogramChunkAppender(INT);
  app.start(T0, g([{ offset: 2, length: 2 }], [5, 1]), null);
  assert.ok(app.tryAppend(T0 + 1, g([{ offset: 0, length: 1 }], [2])), 'a new bucket and two missing ones');
  assert.ok(app.tryAppend(T0 + 2, g([{ offset: 3, length: 1 }], [1])), 'fewer buckets, lower counts');
  const got = decode(app.copyBytes(), INT);
  assert.equal(got.header, CounterResetHeader.Gauge);
  assert.deepEqual(got.samples.map((s) => s.h.counterResetHint), [CounterResetHint.Gauge, CounterResetHint.Gauge, CounterResetHint.Gauge]);
  assert.deepEqual(got.samples.map((s) => s.h.positiveBuckets), [[0, 5, 1], [2, 0, 0], [0, 0, 1]]);
  assert.deepEqual(got.samples[2].h.positiveSpans, [{ offset: 0, length: 1 }, { offset: 1, length: 2 }]);
  // A counter histogram does not go into a gauge chunk.
  assert.equal(app.tryAppend(T0 + 3, H({ count: 1, sum: 1 })), false);
});

test('corrupt and truncated chunks stop the iterator with an error instead of throwing', () => {
  const app = new HistogramChunkAppender(FLOAT);
  for (let i = 0; i < 5; i++) app.tryAppend(T0 + i, exp(i, { count: 10.5 + i }));
  const good = app.copyBytes();
  for (const [name, bytes] of [
    ['truncated', good.subarray(0, good.length - 8)],
    ['header only', good.subarray(0, 3)],
    ['shorter than the header', good.subarray(0, 2)],
    ['unknown schema', (() => { const b = new HistogramChunkAppender(INT); b.tryAppend(T0, H({ schema: 60, count: 1, sum: 0 })); return b.copyBytes(); })()],
  ] as Array<[string, Uint8Array]>) {
    const got = decode(bytes, FLOAT);
    assert.ok(got.err !== undefined || got.samples.length === 0, name);
    if (name !== 'header only') assert.match(String(got.err?.message), /histogram chunk/, name);
  }
});

test('varbit integers round-trip across every width', () => {
  const ints = [0, 1, -1, 4, -3, 5, -4, 32, -31, 33, 256, -255, 257, 2048, -2047, 2049, 131072, -131071, 131073, 16777216, -16777215, 16777217, 2 ** 40, -(2 ** 40), 2 ** 53 - 1, -(2 ** 53 - 1)];
  const uints = [0, 7, 8, 63, 64, 511, 512, 4095, 4096, 262143, 262144, 33554431, 33554432, 2 ** 53 - 1];
  const w = new BitWriter(new Uint8Array(1024));
  for (const v of ints) writeVarbitInt(w, v);
  for (const v of uints) writeVarbitUint(w, v);
  const r = new BitReader();
  r.reset(w.buf, 0, w.byteLength);
  for (const v of ints) assert.equal(r.varbitInt(), v);
  for (const v of uints) assert.equal(r.varbitUint(), v);
  assert.throws(() => r.bits(32), RangeError);
});

test('re-encoding cuts at kind changes, 120 samples and counter resets', () => {
  const ts: number[] = [];
  const vs = new Float64Array(400);
  const hs: Array<FloatHistogram | null> = [];
  const push = (h: FloatHistogram | null, v = 0) => {
    vs[ts.length] = v;
    ts.push(T0 + ts.length * 1000);
    hs.push(h);
  };
  for (let i = 0; i < 130; i++) push(exp(i)); // integer counts
  push(exp(1)); // a reset
  for (let i = 0; i < 3; i++) push(null, i); // floats
  for (let i = 0; i < 3; i++) push(exp(i, { count: 100.5 + i })); // float counts
  const chunks = encodeSamples(ts, vs, hs, ts.length);
  assert.deepEqual(chunks.map((c) => [c.encoding, (c.data[0] << 8) | c.data[1]]), [[INT, 120], [INT, 10], [INT, 1], [1, 3], [FLOAT, 3]]);
  assert.equal(chunks[2].data[2] & 0xc0, CounterResetHeader.CounterReset);
});

test('validation and equality follow Prometheus', () => {
  const bad: Array<[string, Partial<FloatHistogram>, RegExp]> = [
    ['spans and buckets disagree', { positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1] }, /spans need 2 buckets, have 1/],
    ['negative bucket', { positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [-1] }, /negative/],
    ['negative later offset', { positiveSpans: [{ offset: 0, length: 1 }, { offset: -2, length: 1 }], positiveBuckets: [1, 1] }, /offset is negative/],
    ['schema out of range', { schema: 9 }, /invalid schema/],
    ['custom bounds not increasing', { schema: CUSTOM_BUCKETS_SCHEMA, customValues: [1, 1] }, /strictly increasing/],
    ['custom buckets with a zero count', { schema: CUSTOM_BUCKETS_SCHEMA, zeroCount: 1 }, /zero count/],
    ['exponential with custom bounds', { customValues: [1] }, /custom bounds/],
  ];
  for (const [name, init, re] of bad) assert.match(String(validateHistogram(H({ count: 5, ...init }))), re, name);
  assert.equal(validateHistogram(exp(3)), null);
  assert.equal(validateHistogram(H({ sum: STALE_NAN, schema: 99 })), null, 'a staleness marker is valid');
  assert.ok(histogramsEqual(exp(3), exp(3, { counterResetHint: CounterResetHint.CounterReset })), 'the hint is not compared');
  assert.ok(histogramsEqual(exp(3, { positiveSpans: [{ offset: -1, length: 2 }, { offset: 0, length: 0 }, { offset: 3, length: 1 }] }), exp(3)), 'empty spans fold');
  assert.ok(!histogramsEqual(exp(3), exp(3, { sum: 4.5000001 })));
  assert.ok(histogramsEqual(H({ sum: NaN }), H({ sum: NaN })));
  assert.ok(!histogramsEqual(H({ sum: NaN }), H({ sum: STALE_NAN })));
  assert.ok(isIntegral(exp(3)) && !isIntegral(exp(3, { count: 1.5 })) && !isIntegral(exp(3, { positiveBuckets: [1, 2, 0.5] })));
});
