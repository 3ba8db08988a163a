import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Labels, LabelsBuilder, Matcher, compareUtf8, formatFloat, formatFloatFixed, formatApiFloat, formatTimestampSeconds, parseDuration,
  formatDuration, tryParseDuration, compileAnchoredRegex, isValidLabelName, isValidMetricName, VigilError,
} from './index.js';

test('labels are sorted, deduplicated (last wins) and drop empty values', () => {
  const l = Labels.fromFlat(['b', '2', 'a', '1', 'c', '', 'b', '3']);
  assert.deepEqual(l.flat, ['a', '1', 'b', '3']);
  assert.equal(l.get('b'), '3');
  assert.equal(l.get('c'), '');
  assert.equal(l.has('c'), false);
});

test('equal label sets hash equal and compare as zero; different ones do not', () => {
  const a = Labels.fromObject({ job: 'api', __name__: 'up' });
  const b = Labels.fromFlat(['__name__', 'up', 'job', 'api']);
  const c = Labels.fromObject({ job: 'api2', __name__: 'up' });
  assert.equal(a.hash(), b.hash());
  assert.ok(a.equals(b));
  assert.equal(Labels.compare(a, b), 0);
  assert.notEqual(a.hash(), c.hash());
  assert.ok(Labels.compare(a, c) < 0);
  assert.ok(Number.isSafeInteger(a.hash()) && a.hash() >= 0);
  // The separator keeps ("ab","c") apart from ("a","bc").
  assert.notEqual(Labels.fromFlat(['ab', 'c']).hash(), Labels.fromFlat(['a', 'bc']).hash());
});

test('labels print as Prometheus prints them', () => {
  const l = Labels.fromObject({ __name__: 'up', job: 'a"b', x: 'line\nbreak' });
  assert.equal(l.toString(), '{__name__="up", job="a\\"b", x="line\\nbreak"}');
  assert.equal(l.toMetricString(), 'up{job="a\\"b", x="line\\nbreak"}');
  assert.equal(Labels.fromObject({ __name__: 'up' }).toMetricString(), 'up');
  assert.equal(Labels.fromObject({ a: 'b' }).toMetricString(), '{a="b"}');
});

test('builder sets, deletes and rebuilds the canonical form', () => {
  const l = Labels.fromObject({ __name__: 'up', job: 'api' });
  const b = new LabelsBuilder(l).set('instance', 'h:1').del('__name__').set('job', '');
  assert.deepEqual(b.labels().flat, ['instance', 'h:1']);
  assert.equal(l.withoutMetricName().toString(), '{job="api"}');
  assert.deepEqual(l.keepOnly(['job']).flat, ['job', 'api']);
});

test('floats format as Go strconv g and f do', () => {
  const cases: Array<[number, string, string]> = [
    [0, '0', '0'], [1, '1', '1'], [-1, '-1', '-1'], [0.5, '0.5', '0.5'], [123456, '123456', '123456'],
    [1e6, '1e+06', '1000000'], [1234567, '1.234567e+06', '1234567'], [1.5e-7, '1.5e-07', '0.00000015'],
    [0.0001, '0.0001', '0.0001'], [0.00001, '1e-05', '0.00001'], [1e21, '1e+21', '1000000000000000000000'],
    [NaN, 'NaN', 'NaN'], [Infinity, '+Inf', '+Inf'], [-Infinity, '-Inf', '-Inf'], [1.7976931348623157e308, '1.7976931348623157e+308', '17976931348623157' + '0'.repeat(292)],
    [-2.5e-10, '-2.5e-10', '-0.00000000025'], [100, '100', '100'], [3.14159, '3.14159', '3.14159'],
  ];
  for (const [v, g, f] of cases) {
    assert.equal(formatFloat(v), g, `g of ${v}`);
    assert.equal(formatFloatFixed(v), f, `f of ${v}`);
  }
});

test('API sample values switch to exponent form below 1e-6 and from 1e21, as Prometheus writes them', () => {
  const cases: Array<[number, string]> = [
    [1, '1'], [0.5, '0.5'], [1e6, '1000000'], [1.5e-7, '1.5e-07'], [0.000001, '0.000001'], [1e21, '1e+21'],
    [1.2345e22, '1.2345e+22'], [-2.5e-10, '-2.5e-10'], [1e20, '100000000000000000000'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'],
  ];
  for (const [v, want] of cases) assert.equal(formatApiFloat(v), want, String(v));
});

test('timestamps print as API float seconds', () => {
  assert.equal(formatTimestampSeconds(1435781451781), '1435781451.781');
  assert.equal(formatTimestampSeconds(1435781451000), '1435781451');
  assert.equal(formatTimestampSeconds(1435781451500), '1435781451.500');
  assert.equal(formatTimestampSeconds(1010), '1.010');
  assert.equal(formatTimestampSeconds(1001), '1.001');
  assert.equal(formatTimestampSeconds(-1500), '-1.500');
});

test('durations parse and print as Prometheus does', () => {
  const ok: Array<[string, number, string]> = [
    ['0', 0, '0s'], ['5m', 300000, '5m'], ['1h30m', 5400000, '1h30m'], ['90d', 90 * 86400000, '90d'], ['14d', 14 * 86400000, '2w'],
    ['1y', 365 * 86400000, '1y'], ['250ms', 250, '250ms'], ['1m30s500ms', 90500, '1m30s500ms'], ['2w', 14 * 86400000, '2w'],
  ];
  for (const [s, ms, back] of ok) {
    assert.equal(parseDuration(s), ms, s);
    assert.equal(formatDuration(ms), back, s);
  }
  for (const s of ['', '5', 'm', '1m1h', '1.5h', '5mm', '-5m', '1h ']) {
    assert.equal(tryParseDuration(s), undefined, JSON.stringify(s));
  }
  assert.throws(() => parseDuration('1x'), (e: unknown) => e instanceof VigilError && e.code === 'bad_data' && /"1x"/.test(e.message));
});

test('matchers follow Prometheus semantics, regexes fully anchored with . matching newlines', () => {
  const cases: Array<[Matcher, string, boolean]> = [
    [new Matcher('=', 'a', 'x'), 'x', true],
    [new Matcher('=', 'a', ''), '', true],
    [new Matcher('!=', 'a', 'x'), '', true],
    [new Matcher('=~', 'a', 'fo+'), 'foo', true],
    [new Matcher('=~', 'a', 'fo+'), 'xfoo', false],
    [new Matcher('=~', 'a', 'a|b'), 'b', true],
    [new Matcher('=~', 'a', 'a|b'), 'ab', false],
    [new Matcher('=~', 'a', 'foo.*'), 'foobar', true],
    [new Matcher('=~', 'a', '.*bar.*'), 'a\nbar\n', true],
    [new Matcher('=~', 'a', '.+'), '', false],
    [new Matcher('!~', 'a', '.+'), '', true],
    [new Matcher('=~', 'a', '(?i)FOO'), 'foo', true],
    [new Matcher('=~', 'a', 'a\\-b\\_c'), 'a-b_c', true],
    [new Matcher('=~', 'a', '[[:digit:]]+'), '123', true],
    [new Matcher('=~', 'a', '(?P<x>a)b'), 'ab', true],
    [new Matcher('=~', 'a', 'x{2}'), 'xx', true],
    [new Matcher('=~', 'a', 'a{'), 'a{', true],
    [new Matcher('=~', 'a', '\\pLx'), 'éx', true],
    // Inline flags inside the pattern (RE2 scopes; JavaScript in Node 20 has none).
    [new Matcher('=~', 'a', '(?i:PRO).*'), 'production', true],
    [new Matcher('=~', 'a', 'x(?i:a)y'), 'xAy', true],
    [new Matcher('=~', 'a', 'x(?i:a)y'), 'xAY', false],
    [new Matcher('=~', 'a', '.*((?i)DUC).*'), 'proDuction', true],
    [new Matcher('=~', 'a', 'a(?i)b'), 'aB', true],
    [new Matcher('=~', 'a', 'a(?i)b'), 'AB', false],
    [new Matcher('=~', 'a', '(?i:[a-c]x)'), 'BX', true],
    [new Matcher('=~', 'a', '(?i:[^a-c]x)'), 'BX', false],
  ];
  for (const [m, v, want] of cases) assert.equal(m.matches(v), want, `${m} on ${JSON.stringify(v)}`);
  assert.equal(new Matcher('=~', 'a', '.*').matchesEmpty, true);
  assert.throws(() => new Matcher('=~', 'a', '(unclosed'), (e: unknown) => e instanceof VigilError && e.code === 'bad_data');
  assert.equal(compileAnchoredRegex('a.c').test('a\nc'), true);
});

test('name validation uses the classic charsets', () => {
  assert.ok(isValidLabelName('_ok1'));
  assert.ok(!isValidLabelName('1bad'));
  assert.ok(!isValidLabelName('a:b'));
  assert.ok(isValidMetricName('a:b_c'));
  assert.ok(!isValidMetricName(''));
  assert.ok(!isValidMetricName('a-b'));
});

test('the staleness marker is a NaN told apart from other NaNs', async () => {
  const { STALE_NAN, isStaleNaN } = await import('./index.js');
  assert.ok(Number.isNaN(STALE_NAN));
  assert.ok(isStaleNaN(STALE_NAN));
  assert.ok(!isStaleNaN(NaN));
  assert.ok(!isStaleNaN(0 / 0));
  assert.ok(!isStaleNaN(1));
  // The marker survives a Float64Array, as chunks and columns store it.
  const a = new Float64Array(1);
  a[0] = STALE_NAN;
  assert.ok(isStaleNaN(a[0]));
});

test('label hashes spread over their low bits (hash tables key on them)', () => {
  const low = new Set<number>();
  for (let i = 0; i < 100000; i++) low.add(Labels.fromFlat(['__name__', 'm', 'i', String(i)]).hash() & 0xfffff);
  // 100k keys in 2^20 buckets: a uniform hash leaves about 95k distinct values.
  assert.ok(low.size > 90000, `only ${low.size} distinct low-bit values`);
});

test('compareUtf8 orders like Go byte comparison; Labels.compare uses it', () => {
  const strs = ['b', 'a', '', 'ab', '\uffff', '\u{10000}', 'é', 'z'];
  const byBytes = [...strs].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual([...strs].sort(compareUtf8), byBytes);
  const a = Labels.fromObject({ p: '\u{1F600}' });
  const b = Labels.fromObject({ p: '\uffff' });
  assert.ok(Labels.compare(b, a) < 0 && Labels.compare(a, b) > 0);
});
