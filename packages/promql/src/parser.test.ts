import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type, FUNCTIONS, type Expr, type DurationExpr, type NumberLiteral } from './ast.js';
import { parseExpr, parseMetricSelector } from './parser.js';
import { printExpr } from './printer.js';
import { ParseError } from './parse-error.js';
import { resolveDurationExprs, evalDurationExpr } from './parser-durations.js';

/** Fully parenthesised structure, to check precedence and where modifiers attach. */
function sexpr(e: Expr): string {
  switch (e.kind) {
    case 'NumberLiteral':
      return String(e.value);
    case 'StringLiteral':
      return JSON.stringify(e.value);
    case 'VectorSelector': {
      let s = e.name || '{' + e.matchers.map((m) => m.toString()).join(',') + '}';
      if (e.originalOffset !== 0) s += `@off(${e.originalOffset})`;
      if (e.offsetExpr !== null) s += `@offx`;
      if (e.timestamp !== null) s += `@ts(${e.timestamp})`;
      if (e.startOrEnd !== null) s += `@${e.startOrEnd}`;
      return s;
    }
    case 'MatrixSelector':
      return `${sexpr(e.vectorSelector)}[${e.range}]`;
    case 'SubqueryExpr': {
      let s = `${sexpr(e.expr)}[${e.range}:${e.step}]`;
      if (e.originalOffset !== 0) s += `@off(${e.originalOffset})`;
      if (e.timestamp !== null) s += `@ts(${e.timestamp})`;
      if (e.startOrEnd !== null) s += `@${e.startOrEnd}`;
      return s;
    }
    case 'ParenExpr':
      return `paren(${sexpr(e.expr)})`;
    case 'UnaryExpr':
      return `${e.op}(${sexpr(e.expr)})`;
    case 'BinaryExpr':
      return `(${sexpr(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''} ${sexpr(e.rhs)})`;
    case 'AggregateExpr':
      return `${e.op}(${e.param !== null ? sexpr(e.param) + ', ' : ''}${sexpr(e.expr)})`;
    case 'Call':
      return `${e.func.name}(${e.args.map(sexpr).join(', ')})`;
  }
}

const structure: Array<[string, string]> = [
  ['a + b * c', '(a + (b * c))'],
  ['a * b + c', '((a * b) + c)'],
  ['a - b - c', '((a - b) - c)'],
  ['a / b % c', '((a / b) % c)'],
  ['a ^ b ^ c', '(a ^ (b ^ c))'],
  ['a * b ^ c', '(a * (b ^ c))'],
  ['a atan2 b * c', '((a atan2 b) * c)'],
  ['a + b atan2 c', '(a + (b atan2 c))'],
  ['a == b + c', '(a == (b + c))'],
  ['a > b == c', '((a > b) == c)'],
  ['a and b == c', '(a and (b == c))'],
  ['a or b and c', '(a or (b and c))'],
  ['a and b or c', '((a and b) or c)'],
  ['a unless b and c', '((a unless b) and c)'],
  ['a or b unless c or d', '((a or (b unless c)) or d)'],
  ['a </ b + c', '(a </ (b + c))'],
  ['-a * b', '(-(a) * b)'],
  ['-a ^ b', '-((a ^ b))'],
  ['-2 ^ 2', '-((2 ^ 2))'],
  ['2 ^ -1', '(2 ^ -1)'],
  ['-1', '-1'],
  ['- - 1', '1'],
  ['+-+1', '-1'],
  ['-(1)', '-(paren(1))'],
  ['-a + b', '(-(a) + b)'],
  ['a + -b', '(a + -(b))'],
  ['a * -b ^ c', '(a * -((b ^ c)))'],
  ['-a offset 5m', '-(a@off(300000))'],
  ['a + b offset 5m', '(a + b@off(300000))'],
  ['a offset 5m * 2', '(a@off(300000) * 2)'],
  ['a offset -2 ^ 2', '(a@off(-2000) ^ 2)'],
  ['a offset 100 + 2', '(a@off(100000) + 2)'],
  ['a offset (100 + 2)', 'a@off(102000)@offx'],
  ['a offset -step() * 2', '(a@offx * 2)'],
  ['a + b @ 10', '(a + b@ts(10000))'],
  ['a @ 10 offset 5m', 'a@off(300000)@ts(10000)'],
  ['a offset 5m @ 10', 'a@off(300000)@ts(10000)'],
  ['a @ -1.5', 'a@ts(-1500)'],
  ['a @ 1h', 'a@ts(3600000)'],
  ['a @ start()', 'a@start'],
  ['rate(a[5m] @ end())', 'rate(a@end[300000])'],
  ['rate(a[5m] offset 1m)', 'rate(a@off(60000)[300000])'],
  ['a[5m:1m] offset 1m @ 100', 'a[300000:60000]@off(60000)@ts(100000)'],
  ['a offset 1m [5m:]', 'a@off(60000)[300000:0]'],
  ['sum(a)[1h:]', 'sum(a)[3600000:0]'],
  ['(a + b)[5m:30s]', 'paren((a + b))[300000:30000]'],
  ['rate(a[5m])[30m:1m]', 'rate(a[300000])[1800000:60000]'],
  ['a + sum_over_time(b[5m:1m])', '(a + sum_over_time(b[300000:60000]))'],
  ['sum by (x) (a) * on (x) group_left b', '(sum(a) * b)'],
  ['topk(3, a) or b', '(topk(3, a) or b)'],
  ['count_values("v", a)', 'count_values("v", a)'],
  ['quantile(0.9, a)', 'quantile(0.9, a)'],
  ['sum(a) by (x)', 'sum(a)'],
  ['a > bool b', '(a > bool b)'],
  ['1 < bool 2', '(1 < bool 2)'],
  ['a == bool on(x) b', '(a == bool b)'],
  ['time() - a', '(time() - a)'],
  ['a offset 0 offset 5m', 'a@off(300000)'],
];

for (const [q, want] of structure) {
  test(`parser structure: ${q}`, () => {
    assert.equal(sexpr(parseExpr(q)), want);
  });
}

/** Queries and their canonical form, as Prometheus's String() writes them. */
const canonical: Array<[string, string]> = [
  // Numbers.
  ['1', '1'],
  ['1.5e3', '1500'],
  ['0x1f', '31'],
  ['0X1F', '31'],
  ['010', '8'],
  ['08', '8'],
  ['1_000_000', '1000000'],
  ['.5', '0.5'],
  ['5.', '5'],
  ['1e-7', '0.0000001'],
  ['1e21', '1000000000000000000000'],
  ['Inf', '+Inf'],
  ['+Inf', '+Inf'],
  ['-inf', '-Inf'],
  ['NaN', 'NaN'],
  ['-0', '-0'],
  ['9223372036854775807', '9223372036854776000'],
  ['99999999999999999999', '100000000000000000000'],
  ['5m', '5m'],
  ['1h30m', '1h30m'],
  ['90m', '1h30m'],
  ['-5m', '-5m'],
  ['2d', '2d'],
  ['14d', '2w'],
  ['365d', '1y'],
  ['1500ms', '1s500ms'],
  ['foo + 5m', 'foo + 5m'],
  // Strings.
  ['"a"', '"a"'],
  ["'a'", '"a"'],
  ['`a\\d`', '"a\\\\d"'],
  ["'it\\'s'", '"it\'s"'],
  ['"tab\\there"', '"tab\\there"'],
  ['"\\a\\b\\f\\v\\r\\n"', '"\\a\\b\\f\\v\\r\\n"'],
  ['"\\x41\\101\\u00e9\\U0001F600"', '"AAé😀"'],
  ['"\\xc3\\xa9"', '"é"'],
  ['"\\x00"', '"\\x00"'],
  ['"\\u00a0"', '"\\u00a0"'],
  // Selectors.
  ['foo', 'foo'],
  ['foo{}', 'foo'],
  ['foo{b="2",a="1"}', 'foo{a="1",b="2"}'],
  ['foo{a="1",}', 'foo{a="1"}'],
  ['{__name__="foo"}', '{__name__="foo"}'],
  ['{__name__=~"foo|bar"}', '{__name__=~"foo|bar"}'],
  ['{"my.metric"}', '{__name__="my.metric"}'],
  ['{"my.metric", "label.name"="v"}', '{"label.name"="v",__name__="my.metric"}'],
  ["{'a'='b'}", '{a="b"}'],
  ['foo{a!="1",b=~"x.*",c!~`y`}', 'foo{a!="1",b=~"x.*",c!~"y"}'],
  ['foo:bar:rate5m', 'foo:bar:rate5m'],
  ['sum', 'sum'],
  ['by{a="b"}', 'by{a="b"}'],
  ['offset', 'offset'],
  ['and', 'and'],
  ['start', 'start'],
  ['fill + fill', 'fill + fill'],
  ['foo offset 5m', 'foo offset 5m'],
  ['foo OFFSET 1h30m', 'foo offset 1h30m'],
  ['foo offset -5m', 'foo offset -5m'],
  ['foo offset 90', 'foo offset 1m30s'],
  ['foo offset 1.5', 'foo offset 1s500ms'],
  ['foo @ 1609746000', 'foo @ 1609746000.000'],
  ['foo @ 1.5', 'foo @ 1.500'],
  ['foo @ -10', 'foo @ -10.000'],
  ['foo @ end()', 'foo @ end()'],
  ['foo offset 5m @ 100', 'foo @ 100.000 offset 5m'],
  ['foo[5m]', 'foo[5m]'],
  ['foo[300s]', 'foo[5m]'],
  ['foo[300]', 'foo[5m]'],
  ['foo[0.5]', 'foo[500ms]'],
  ['foo[5m] offset 1m @ start()', 'foo[5m] @ start() offset 1m'],
  ['foo[5m:]', 'foo[5m:]'],
  ['foo[5m:1m]', 'foo[5m:1m]'],
  ['foo[1h:1m] @ 10 offset -1m', 'foo[1h:1m] @ 10.000 offset -1m'],
  ['foo offset 1m [5m:1m]', 'foo offset 1m[5m:1m]'],
  // Operators and modifiers.
  ['a+b', 'a + b'],
  ['a AND b', 'a and b'],
  ['a Or b', 'a or b'],
  ['a unless b', 'a unless b'],
  ['a atan2 b', 'a atan2 b'],
  ['a >bool b', 'a > bool b'],
  ['a == BOOL b', 'a == bool b'],
  ['a + on(x, y) b', 'a + on (x, y) b'],
  ['a + ignoring(x) b', 'a + ignoring (x) b'],
  ['a + ignoring() b', 'a + b'],
  ['a + on() b', 'a + on () b'],
  ['a * on(x) group_left b', 'a * on (x) group_left () b'],
  ['a * on(x) group_left(y, z) b', 'a * on (x) group_left (y, z) b'],
  ['a * ignoring(x) group_right(y) b', 'a * ignoring (x) group_right (y) b'],
  ['a * on(x) group_left (y) (b)', 'a * on (x) group_left (y) (b)'],
  ['a and on(x) b', 'a and on (x) b'],
  ['a + on("x.y") b', 'a + on ("x.y") b'],
  ['a + fill(0) b', 'a + fill (0) b'],
  ['a + fill_left(1) fill_right(-2) b', 'a + fill_left (1) fill_right (-2) b'],
  ['a + fill_right(3) fill_left(3) b', 'a + fill (3) b'],
  ['a + on(x) group_left fill(1e6) b', 'a + on (x) group_left () fill (1e+06) b'],
  ['a </ 0.5', 'a </ 0.5'],
  ['a >/ 0.5', 'a >/ 0.5'],
  ['-a', '-a'],
  ['+a', '+a'],
  ['-(1)', '-(1)'],
  ['((a))', '((a))'],
  // Aggregations.
  ['sum(a)', 'sum(a)'],
  ['SUM(a) BY (job)', 'sum by (job) (a)'],
  ['sum by (job) (a)', 'sum by (job) (a)'],
  ['sum by () (a)', 'sum(a)'],
  ['sum without () (a)', 'sum without () (a)'],
  ['sum without (a, b) (x)', 'sum without (a, b) (x)'],
  ['sum by (a,) (x)', 'sum by (a) (x)'],
  ['sum by (sum, by, offset, bool) (x)', 'sum by (sum, by, offset, bool) (x)'],
  ['sum by ("a.b", c) (x)', 'sum by ("a.b", c) (x)'],
  ['sum by (a:b) (x)', 'sum by ("a:b") (x)'],
  ['topk(5, x)', 'topk(5, x)'],
  ['bottomk by (a) (5, x)', 'bottomk by (a) (5, x)'],
  ['quantile without (a) (0.99, x)', 'quantile without (a) (0.99, x)'],
  ['count_values("value", x)', 'count_values("value", x)'],
  ['limitk(2, x)', 'limitk(2, x)'],
  ['limit_ratio(0.5, x)', 'limit_ratio(0.5, x)'],
  ['group(x)', 'group(x)'],
  ['stddev(x) + stdvar(x) + avg(x) + min(x) + max(x) + count(x)', 'stddev(x) + stdvar(x) + avg(x) + min(x) + max(x) + count(x)'],
  // Calls.
  ['rate(x[5m])', 'rate(x[5m])'],
  ['time()', 'time()'],
  ['round(x)', 'round(x)'],
  ['round(x, 5)', 'round(x, 5)'],
  ['label_join(x, "d", ",", "a", "b", "c")', 'label_join(x, "d", ",", "a", "b", "c")'],
  ["label_replace(x, 'd', '$1', 's', '(.*)')", 'label_replace(x, "d", "$1", "s", "(.*)")'],
  ['histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))', 'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))'],
  ['holt_winters(x[5m], 0.5, 0.5)', 'holt_winters(x[5m], 0.5, 0.5)'],
  ['double_exponential_smoothing(x[5m], 0.5, 0.5)', 'double_exponential_smoothing(x[5m], 0.5, 0.5)'],
  ['info(x, {k=~".+"})', 'info(x, {k=~".+"})'],
  ['info(x)', 'info(x)'],
  ['sort_by_label(x, "a", "b")', 'sort_by_label(x, "a", "b")'],
  ['day_of_week()', 'day_of_week()'],
  ['start() + end() + step() + range()', 'start() + end() + step() + range()'],
  ['max_of(1, 2)', 'max_of(1, 2)'],
  // Duration expressions.
  ['foo[5m+1m]', 'foo[5m + 1m]'],
  ['foo[5m:1m*2]', 'foo[5m:1m * 2]'],
  ['foo[step()]', 'foo[step()]'],
  ['foo[(5m)]', 'foo[(5m)]'],
  ['foo[2m*(10+5)]', 'foo[2m * (10 + 5)]'],
  ['foo offset (1h/2)', 'foo offset (1h / 2)'],
  ['foo offset -(1h/2)', 'foo offset -(1h / 2)'],
  ['foo offset +(5)', 'foo offset (5)'],
  ['foo offset min_of(step(), 1s)', 'foo offset min_of(step(), 1s)'],
  ['foo[200-min_of(-step()^+step(),1)]', 'foo[200 - min_of(-step() ^ step(), 1)]'],
  // Extended range selectors.
  ['foo[5m] anchored', 'foo[5m] anchored'],
  ['foo smoothed', 'foo smoothed'],
  ['foo[5m] smoothed @ 5 offset 1m', 'foo[5m] smoothed @ 5.000 offset 1m'],
  // Comments and layout.
  ['foo # the metric', 'foo'],
  ['# leading comment\nfoo', 'foo'],
  ['sum(\n  rate(x[5m]) # per second\n) by (job)', 'sum by (job) (rate(x[5m]))'],
];

for (const [q, want] of canonical) {
  test(`parser canonical: ${JSON.stringify(q)}`, () => {
    assert.equal(printExpr(parseExpr(q)), want);
  });
}

test('parser: node types', () => {
  const cases: Array<[string, string]> = [
    ['1', 'scalar'],
    ['"a"', 'string'],
    ['foo', 'vector'],
    ['foo[5m]', 'matrix'],
    ['foo[5m:]', 'matrix'],
    ['1 + 1', 'scalar'],
    ['1 + foo', 'vector'],
    ['(1)', 'scalar'],
    ['-foo', 'vector'],
    ['time()', 'scalar'],
    ['scalar(foo)', 'scalar'],
    ['sum(foo)', 'vector'],
  ];
  for (const [q, t] of cases) assert.equal(type(parseExpr(q)), t, q);
});

test('parser: vector selector fields', () => {
  const e = parseExpr('foo{a="b", c=~"d.+"} offset -1m @ 123.4567');
  assert.equal(e.kind, 'VectorSelector');
  if (e.kind !== 'VectorSelector') return;
  assert.equal(e.name, 'foo');
  assert.deepEqual(
    e.matchers.map((m) => [m.name, m.type, m.value]),
    [['a', '=', 'b'], ['c', '=~', 'd.+'], ['__name__', '=', 'foo']],
  );
  assert.equal(e.originalOffset, -60000);
  assert.equal(e.offset, -60000);
  assert.equal(e.timestamp, 123457);
  assert.equal(e.startOrEnd, null);
  assert.deepEqual(e.pos, { start: 0, end: 42 });
  assert.equal(e.matchers[1].matches('dx'), true);
  assert.equal(e.matchers[1].matches('d'), false);
});

test('parser: quoted metric name inside braces is a matcher only', () => {
  const e = parseExpr('{"my.metric", env="prod"}');
  assert.equal(e.kind, 'VectorSelector');
  if (e.kind !== 'VectorSelector') return;
  assert.equal(e.name, '');
  assert.deepEqual(e.matchers.map((m) => m.toString()), ['__name__="my.metric"', 'env="prod"']);
});

test('parser: binary expression vector matching', () => {
  const e = parseExpr('a * on(x) group_left(y) b');
  assert.equal(e.kind, 'BinaryExpr');
  if (e.kind !== 'BinaryExpr') return;
  assert.deepEqual(e.vectorMatching, { card: 'many-to-one', matchingLabels: ['x'], on: true, include: ['y'], fillValues: { lhs: null, rhs: null } });
  const set = parseExpr('a and ignoring(x) b');
  assert.equal(set.kind === 'BinaryExpr' && set.vectorMatching?.card, 'many-to-many');
  const scalar = parseExpr('a + 1');
  assert.equal(scalar.kind === 'BinaryExpr' && scalar.vectorMatching, null);
  const plain = parseExpr('a / b');
  assert.deepEqual(plain.kind === 'BinaryExpr' && plain.vectorMatching, { card: 'one-to-one', matchingLabels: [], on: false, include: [], fillValues: { lhs: null, rhs: null } });
  const fill = parseExpr('a - fill_left(-1) fill_right(2) b');
  assert.deepEqual(fill.kind === 'BinaryExpr' && fill.vectorMatching?.fillValues, { lhs: -1, rhs: 2 });
  assert.deepEqual(e.pos, { start: 0, end: 25 });
});

test('parser: aggregation fields', () => {
  const e = parseExpr('topk without (a, b) (5, foo)');
  assert.equal(e.kind, 'AggregateExpr');
  if (e.kind !== 'AggregateExpr') return;
  assert.equal(e.op, 'topk');
  assert.equal(e.without, true);
  assert.deepEqual(e.grouping, ['a', 'b']);
  assert.equal(e.param?.kind, 'NumberLiteral');
  assert.equal(e.expr.kind, 'VectorSelector');
  assert.deepEqual(e.pos, { start: 0, end: 28 });
  const trailing = parseExpr('sum(foo) by (job)');
  assert.deepEqual(trailing.pos, { start: 0, end: 17 });
});

test('parser: call fields and function table', () => {
  const e = parseExpr('label_replace(up, "dst", "$1", "src", "(.*)")');
  assert.equal(e.kind, 'Call');
  if (e.kind !== 'Call') return;
  assert.equal(e.func, FUNCTIONS.get('label_replace'));
  assert.equal(e.args.length, 5);
  assert.deepEqual(e.pos, { start: 0, end: 45 });
  assert.equal(FUNCTIONS.get('rate')?.experimental, false);
  assert.equal(FUNCTIONS.get('mad_over_time')?.experimental, true);
  assert.deepEqual(FUNCTIONS.get('histogram_quantile')?.argTypes, ['scalar', 'vector']);
});

test('parser: subquery and matrix selector fields', () => {
  const m = parseExpr('foo[1h30m] offset 5m');
  assert.equal(m.kind, 'MatrixSelector');
  if (m.kind !== 'MatrixSelector') return;
  assert.equal(m.range, 5400000);
  assert.equal(m.vectorSelector.originalOffset, 300000);
  assert.deepEqual(m.pos, { start: 0, end: 20 });
  const s = parseExpr('rate(foo[5m])[1h:10s] @ end()');
  assert.equal(s.kind, 'SubqueryExpr');
  if (s.kind !== 'SubqueryExpr') return;
  assert.equal(s.range, 3600000);
  assert.equal(s.step, 10000);
  assert.equal(s.startOrEnd, 'end');
  assert.equal(s.timestamp, null);
  const d = parseExpr('foo[5m:]');
  assert.equal(d.kind === 'SubqueryExpr' && d.step, 0);
});

test('parser: number literal values', () => {
  const cases: Array<[string, number]> = [
    ['0x10', 16],
    ['0x_1f', 31],
    ['0x1e5', 485],
    ['017', 15],
    ['1e3', 1000],
    ['1.e2', 100],
    ['1E-3', 0.001],
    ['00_1_23_4.56_7_8', 1234.5678],
    ['1h', 3600],
    ['1ms', 0.001],
    ['-1h', -3600],
    ['Inf', Infinity],
    ['-Inf', -Infinity],
  ];
  for (const [q, v] of cases) {
    const e = parseExpr(q);
    assert.equal(e.kind, 'NumberLiteral', q);
    assert.equal((e as NumberLiteral).value, v, q);
  }
  const nan = parseExpr('NaN');
  assert.ok(nan.kind === 'NumberLiteral' && Number.isNaN(nan.value));
  const dur = parseExpr('5m');
  assert.ok(dur.kind === 'NumberLiteral' && dur.duration);
});

test('parser: string unescaping', () => {
  const cases: Array<[string, string]> = [
    ['"a\\nb"', 'a\nb'],
    ["'a\\'b'", "a'b"],
    ['"a\\"b"', 'a"b'],
    ['`a\\nb`', 'a\\nb'],
    ['"\\101\\x42\\u0043\\U00000044"', 'ABCD'],
    ['"\\xe2\\x82\\xac"', '€'],
    ['"ü\\u00fc"', 'üü'],
  ];
  for (const [q, v] of cases) {
    const e = parseExpr(q);
    assert.ok(e.kind === 'StringLiteral', q);
    assert.equal(e.value, v, q);
  }
});

test('parser: duration expressions fold when constant and resolve per query otherwise', () => {
  const m = parseExpr('foo[2m*(10+5)]');
  assert.ok(m.kind === 'MatrixSelector');
  assert.equal(m.range, 1800000);
  assert.equal(m.rangeExpr?.op, '*');
  const s = parseExpr('foo[step()*3:step()] offset min_of(range(), 8s)');
  assert.ok(s.kind === 'SubqueryExpr');
  assert.equal(s.range, 0);
  resolveDurationExprs(s, 5000, 10000);
  assert.equal(s.range, 15000);
  assert.equal(s.step, 5000);
  assert.equal(s.originalOffset, 8000);
  assert.equal(s.offset, 8000);
  const neg = parseExpr('foo[1h - step()]');
  assert.ok(neg.kind === 'MatrixSelector');
  assert.throws(() => resolveDurationExprs(neg, 3600000, 0), /4:15: duration must be greater than 0/);
  assert.equal(evalDurationExpr(neg.rangeExpr as DurationExpr, 60000, 0), 3540);
});

test('parser: info marks its label selector argument', () => {
  const e = parseExpr('info(rate(x[5m]), {k8s_cluster_name=~".+"})');
  assert.ok(e.kind === 'Call');
  const sel = e.args[1];
  assert.ok(sel.kind === 'VectorSelector' && sel.bypassEmptyMatcherCheck);
  const empty = parseExpr('info(x, {a=""})');
  assert.ok(empty.kind === 'Call');
});

test('parser: experimental syntax can be turned off', () => {
  const off = { experimentalFunctions: false, durationExpressions: false, extendedRangeSelectors: false, binopFillModifiers: false };
  const cases: Array<[string, string]> = [
    ['mad_over_time(x[5m])', '1:1: parse error: function "mad_over_time" is not enabled'],
    ['limitk(1, x)', '1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions'],
    ['x[5m+1m]', '1:3: parse error: experimental duration expression is not enabled'],
    ['x[step()]', '1:3: parse error: experimental duration expression is not enabled'],
    ['x offset (5m)', '1:11: parse error: experimental duration expression is not enabled'],
    ['x[5m] anchored', '1:1: parse error: anchored modifier is experimental and not enabled'],
    ['x smoothed', '1:1: parse error: smoothed modifier is experimental and not enabled'],
    ['a + fill(0) b', '1:1: parse error: binop fill modifiers are experimental and not enabled'],
  ];
  for (const [q, msg] of cases) {
    assert.throws(() => parseExpr(q, off), (e: unknown) => e instanceof ParseError && e.message === msg, q);
    parseExpr(q); // enabled by default
  }
  // Stable syntax is unaffected.
  parseExpr('rate(x[5m] offset 5m) + 5m', off);
});

test('parseMetricSelector: series selectors', () => {
  assert.deepEqual(parseMetricSelector('up{job="a"}').map((m) => m.toString()), ['job="a"', '__name__="up"']);
  assert.deepEqual(parseMetricSelector('{__name__=~"a.*"}').map((m) => m.toString()), ['__name__=~"a.*"']);
  assert.deepEqual(parseMetricSelector('{a=""}').map((m) => m.toString()), ['a=""']);
  assert.throws(() => parseMetricSelector('up + 1'), /1:4: parse error: unexpected <op:\+>/);
  assert.throws(() => parseMetricSelector('rate(x[5m])'), /1:5: parse error: unexpected "\("/);
});
