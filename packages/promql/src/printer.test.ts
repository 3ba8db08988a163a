import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matcher } from '@vigil/model';
import type { Expr, NumberLiteral, VectorSelector } from './ast.js';
import { printExpr, prettyExpr, matcherString } from './printer.js';
import { goQuote } from './parser-literals.js';
import { parseExpr } from './parser.js';

function selector(name: string, matchers: Matcher[]): VectorSelector {
  return {
    kind: 'VectorSelector',
    name,
    matchers,
    originalOffset: 0,
    offset: 0,
    offsetExpr: null,
    timestamp: null,
    startOrEnd: null,
    anchored: false,
    smoothed: false,
    bypassEmptyMatcherCheck: false,
    pos: { start: 0, end: 0 },
  };
}

function num(value: number, duration = false): NumberLiteral {
  return { kind: 'NumberLiteral', value, duration, pos: { start: 0, end: 0 } };
}

test('printer: vector selectors built by hand', () => {
  const cases: Array<[VectorSelector, string]> = [
    [selector('foobar', []), 'foobar'],
    [selector('foobar', [new Matcher('=', 'a', 'x'), new Matcher('=', '__name__', 'foobar')]), 'foobar{a="x"}'],
    [selector('foobar', [new Matcher('=', 'b', 'y'), new Matcher('=', 'a', 'x'), new Matcher('=', '__name__', 'foobar')]), 'foobar{a="x",b="y"}'],
    [selector('', [new Matcher('=', 'a', 'x'), new Matcher('=', 'b', 'y')]), '{a="x",b="y"}'],
    [selector('', [new Matcher('=', '__name__', 'foobar')]), '{__name__="foobar"}'],
    [selector('', [new Matcher('=', '__name__', ''), new Matcher('=', 'a', 'x')]), '{__name__="",a="x"}'],
    [selector('foobar', [new Matcher('=~', '__name__', 'foo.*'), new Matcher('=', '__name__', 'foobar')]), 'foobar{__name__=~"foo.*"}'],
  ];
  for (const [vs, want] of cases) assert.equal(printExpr(vs), want);
});

test('printer: matcher names are quoted unless classic label names', () => {
  assert.equal(matcherString(new Matcher('=', 'a_1', 'v')), 'a_1="v"');
  assert.equal(matcherString(new Matcher('!=', 'a.b', 'v')), '"a.b"!="v"');
  assert.equal(matcherString(new Matcher('=~', '0a', 'v')), '"0a"=~"v"');
  assert.equal(matcherString(new Matcher('!~', '', 'v')), '""!~"v"');
  assert.equal(matcherString(new Matcher('=', 'ü', 'ü')), '"ü"="ü"');
});

test('printer: numbers as Go formats them', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-2.5, '-2.5'],
    [0.1, '0.1'],
    [1e-10, '0.0000000001'],
    [123456789012, '123456789012'],
    [1e100, '1' + '0'.repeat(100)],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ];
  for (const [v, want] of cases) assert.equal(printExpr(num(v)), want, String(v));
});

test('printer: durations as Prometheus formats them', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [0.001, '1ms'],
    [1.5, '1s500ms'],
    [90, '1m30s'],
    [3600, '1h'],
    [86400 * 7, '1w'],
    [86400 * 8, '8d'],
    [86400 * 365, '1y'],
    [86400 * 366, '366d'],
    [-300, '-5m'],
  ];
  for (const [v, want] of cases) assert.equal(printExpr(num(v, true)), want, String(v));
});

test('printer: strings quoted as Go strconv.Quote', () => {
  const cases: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ["it's", '"it\'s"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['é €', '"é €"'],
    ['\u00a0', '"\\u00a0"'],
    ['\u200b', '"\\u200b"'],
    ['😀', '"😀"'],
    ['\u{e0001}', '"\\U000e0001"'],
  ];
  for (const [s, want] of cases) assert.equal(goQuote(s), want, JSON.stringify(s));
});

test('printer: output parses back to the same text', () => {
  const queries = [
    'sum by (job, "a.b") (rate(http_requests_total{code=~"5.."}[5m] offset 1h)) / ignoring (code) group_left () sum by (job) (rate(http_requests_total[5m]))',
    'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m] @ 1000.000)))',
    'max_over_time(deriv(rate(x[1m])[5m:1m])[1h:] @ end() offset -5m)',
    'label_replace(up, "dst", "a\\nb", "src", "(.*)")',
    '-(1 + 2) ^ -3 atan2 foo unless bar or baz and on (x) qux',
    'foo[5m + step():min_of(range(), 1m)] offset -(1h / 2)',
  ];
  for (const q of queries) {
    const once = printExpr(parseExpr(q));
    assert.equal(printExpr(parseExpr(once)), once, q);
  }
  const e: Expr = parseExpr(queries[0]);
  assert.equal(printExpr(e), queries[0]);
});

test('printer: pretty layout as Prometheus\'s Pretty (format_query)', () => {
  const cases: Array<[string, number, string]> = [
    ['up', 100, 'up'],
    ['histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))', 100, 'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))'],
    [
      'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))',
      10,
      'histogram_quantile(\n  0.9,\n  sum by (le) (\n    rate(\n      x_bucket[5m]\n    )\n  )\n)',
    ],
    [
      'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / on (job) group_left sum by (job) (rate(http_requests_total{code=~".+"}[5m])) > bool 0.01',
      100,
      '    sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))\n  / on (job) group_left ()\n    sum by (job) (rate(http_requests_total{code=~".+"}[5m]))\n> bool\n  0.01',
    ],
    ['-sum(a) + max_over_time(rate(foo[1m])[1h:5m])', 10, '  -sum(a)\n+\n  max_over_time(\n    rate(\n      foo[1m]\n    )[1h:5m]\n  )'],
    ['topk(5, (a + b))', 10, 'topk(\n  5,\n  (a + b)\n)'],
    ['sum without (job, foo) (task:errors:rate10s{job="s"})', 10, 'sum without (job, foo) (\n  task:errors:rate10s{job="s"}\n)'],
  ];
  for (const [q, width, want] of cases) assert.equal(prettyExpr(parseExpr(q), width), want, q);
});
