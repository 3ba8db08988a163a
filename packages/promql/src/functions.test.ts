/**
 * Building blocks of the functions, checked against the rules Prometheus (Go) follows: Go's regexp
 * template expansion, natural label sorting, calendar fields, Go's math.Pow special cases, the XXH64
 * label hash of limit_ratio, `le` parsing and OpenMetrics float labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels, expandRegexTemplate as expandTemplate, formatOpenMetricsFloat } from '@vigil/model';
import { prometheusLabelsHash, xxhash64 } from './aggregation-hash.js';
import { goPow } from './binop.js';
import { parseLe } from './functions-histogram.js';
import { isValidLabelNameUTF8 } from './functions-labels.js';
import { RANGE_KERNELS, fillWindows, kahan, kahanInc } from './functions-range.js';
import { civilFromUnix } from './functions-time.js';
import { naturalLess } from './functions.js';

test('label_replace templates expand like Go regexp.Expand', () => {
  const groups = ['abc-def', 'abc', 'def'];
  const named = { first: 'abc' };
  const cases: Array<[string, string]> = [
    ['$1', 'abc'],
    ['${1}', 'abc'],
    ['$1x', ''], // "1x" is a name, and no group is named so
    ['${1}x', 'abcx'],
    ['$2-$1', 'def-abc'],
    ['$$1', '$1'],
    ['$', '$'],
    ['${1', '${1'],
    ['$first!', 'abc!'],
    ['${first}', 'abc'],
    ['$9', ''],
    ['$01', ''], // leading zeros make it a name
    ['a$ b', 'a$ b'],
  ];
  for (const [tpl, want] of cases) assert.equal(expandTemplate(tpl, groups, named), want, tpl);
});

test('label names: any valid UTF-8 (3.x), not empty', () => {
  assert.equal(isValidLabelNameUTF8('a.b-c'), true);
  assert.equal(isValidLabelNameUTF8('ä'), true);
  assert.equal(isValidLabelNameUTF8(''), false);
  assert.equal(isValidLabelNameUTF8('a\ud800z'), false);
});

test('sort_by_label compares naturally', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a2', 'a10', true],
    ['a10', 'a2', false],
    ['1.2.3', '1.11.3', true],
    ['4m600', '4m1000', true],
    ['007', '7', false],
    ['7', '007', false],
    ['abc', 'abd', true],
    ['ab', 'abc', true],
    ['x', 'x', false],
  ];
  for (const [a, b, want] of cases) assert.equal(naturalLess(a, b), want, `${a} < ${b}`);
});

test('calendar fields in UTC, for any int64 second', () => {
  const cases: Array<[number, Partial<ReturnType<typeof civilFromUnix>>]> = [
    [0, { year: 1970, month: 1, day: 1, weekday: 4, yearDay: 1, hour: 0, minute: 0 }],
    [1136239445, { year: 2006, month: 1, day: 2, weekday: 1, yearDay: 2, hour: 22, minute: 4 }],
    [1456790399, { year: 2016, month: 2, day: 29 }],
    [1483191420, { year: 2016, yearDay: 366 }],
    [-1, { year: 1969, month: 12, day: 31, hour: 23, minute: 59, weekday: 3 }],
    [253402300800, { year: 10000, month: 1, day: 1 }],
  ];
  for (const [sec, want] of cases) {
    const got = civilFromUnix(sec);
    for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, `${sec} ${k}`);
  }
});

test('^ follows Go math.Pow', () => {
  const cases: Array<[number, number, number]> = [
    [1, NaN, 1],
    [1, Infinity, 1],
    [-1, Infinity, 1],
    [-1, -Infinity, 1],
    [NaN, 0, 1],
    [2, 10, 1024],
    [-8, 1 / 3, NaN],
    [0, -1, Infinity],
  ];
  for (const [x, y, want] of cases) assert.ok(Object.is(goPow(x, y), want), `${x}^${y} = ${goPow(x, y)}`);
});

test('XXH64 and Prometheus label hashes', () => {
  const enc = new TextEncoder();
  const vectors: Array<[string, string]> = [
    ['', 'ef46db3751d8e999'],
    ['a', 'd24ec4f1a98c6e5b'],
    ['abc', '44bc2cf5ad770999'],
    ['Nobody inspects the spammish repetition', 'fbcea83c8a378bf1'],
  ];
  for (const [s, hex] of vectors) assert.equal(xxhash64(enc.encode(s)).toString(16), hex, s);
  // The label encoding prefixes each string with its length: {a="bc"} hashes "\x01a\x02bc".
  assert.equal(prometheusLabelsHash(Labels.fromObject({ a: 'bc' })), xxhash64(Uint8Array.of(1, 97, 2, 98, 99)));
  const long = 'x'.repeat(300);
  const bytes = [1, 97, 255, 300 & 0xff, 300 >> 8, 0, ...enc.encode(long)];
  assert.equal(prometheusLabelsHash(Labels.fromObject({ a: long })), xxhash64(Uint8Array.from(bytes)));
});

test('le values parse as Go ParseFloat does', () => {
  const cases: Array<[string, number | undefined]> = [
    ['0.1', 0.1],
    ['.2', 0.2],
    ['1e0', 1],
    ['+Inf', Infinity],
    ['inf', Infinity],
    ['-Inf', -Infinity],
    ['NaN', NaN],
    ['0x1p-2', 0.25],
    ['', undefined],
    ['Hello World', undefined],
    ['1_000', undefined],
    [' 1', undefined],
  ];
  for (const [s, want] of cases) {
    const got = parseLe(s);
    assert.ok(want === undefined ? got === undefined : Object.is(got, want), `${JSON.stringify(s)} -> ${got}`);
  }
});

test('quantile labels are OpenMetrics floats', () => {
  const cases: Array<[number, string]> = [[0.5, '0.5'], [1, '1.0'], [0, '0.0'], [Infinity, '+Inf'], [1e-7, '1e-07']];
  for (const [v, want] of cases) assert.equal(formatOpenMetricsFloat(v), want);
});

test('Kahan-Babuska summation keeps small terms next to big ones', () => {
  let sum = 0;
  let c = 0;
  for (const v of [1e100, 1, -1e100, 1]) {
    sum = kahanInc(v, sum, c);
    c = kahan.c;
  }
  assert.equal(sum + c, 2);
});

test('sliding max/min_over_time agree with a scan of every window (NaN, ties, gaps)', () => {
  const kernels = RANGE_KERNELS;
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let round = 0; round < 200; round++) {
    const len = 1 + Math.floor(rnd() * 40);
    const ts = new Float64Array(len);
    const vs = new Float64Array(len);
    let t = 0;
    for (let k = 0; k < len; k++) {
      t += 1 + Math.floor(rnd() * 3);
      ts[k] = t;
      const r = rnd();
      vs[k] = r < 0.15 ? NaN : r < 0.2 ? -0 : Math.floor(rnd() * 5);
    }
    const n = 30;
    const rangeEnd = new Float64Array(n);
    for (let i = 0; i < n; i++) rangeEnd[i] = i * 3;
    const w = { n, lo: new Int32Array(n), hi: new Int32Array(n), rangeEnd, stepTime: rangeEnd, rangeMs: 1 + Math.floor(rnd() * 15), open: 1, extBefore: 0, extAfter: 0 };
    fillWindows(ts, len, w);
    for (const [name, better] of [['max_over_time', (a: number, b: number) => a > b], ['min_over_time', (a: number, b: number) => a < b]] as const) {
      const out = new Float64Array(n);
      const present = new Uint8Array(n);
      kernels.get(name)!(ts, vs, w, [], out, present);
      for (let i = 0; i < n; i++) {
        const l = w.lo[i];
        const h = w.hi[i];
        assert.equal(present[i], h > l ? 1 : 0);
        if (h === l) continue;
        let best = vs[l];
        for (let k = l; k < h; k++) if (better(vs[k], best) || best !== best) best = vs[k];
        assert.ok(Object.is(out[i], best), `${name} window ${i}: ${out[i]} != ${best}`);
      }
    }
  }
});
