import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Form, MAX_TIME, MIN_TIME, limitParam, parseDurationValue, parseQueryInto, parseTime, queryUnescape, requireTime, optionalTime } from './params.js';
import { formatApiFloat, formatFloatFixed, formatTimestampSeconds } from '@vigil/model';
import { goJSON, goNumber, goString, goTime } from './json.js';

describe('parseTime: float seconds or RFC 3339, as Prometheus parses them', () => {
  const cases: Array<[string, number | undefined]> = [
    ['1700000000', 1700000000000],
    ['1700000000.5', 1700000000500],
    ['1700000000.123456', 1700000000123],
    ['1700000000.1235', 1700000000124],
    ['-1.5', -1500],
    ['0', 0],
    ['1e3', 1000000],
    ['.5', 500],
    ['2015-07-01T20:10:51.781Z', 1435781451781],
    ['2015-07-01T20:10:51Z', 1435781451000],
    ['2015-07-01T22:10:51+02:00', 1435781451000],
    ['2015-07-01T20:10:51.123456789Z', 1435781451123],
    ['2015-02-29T00:00:00Z', undefined],
    ['2015-13-01T00:00:00Z', undefined],
    ['2015-07-01 20:10:51Z', undefined],
    ['2015-07-01T20:10:51', undefined],
    ['-292273086-05-16T16:47:06Z', MIN_TIME],
    ['292277025-08-18T07:12:54.999999999Z', MAX_TIME],
    ['', undefined],
    ['x', undefined],
    ['NaN', undefined],
    ['Inf', undefined],
    ['12abc', undefined],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => assert.equal(parseTime(input), want));
  }
});

describe('durations: float seconds or Prometheus durations, in ms', () => {
  const cases: Array<[string, number | string]> = [
    ['15', 15000],
    ['0.5', 500],
    ['1.5e1', 15000],
    ['5m', 300000],
    ['1h30m', 5400000],
    ['1ms', 1],
    ['0', 0],
    ['-1', -1000],
    ['x', 'cannot parse "x" to a valid duration'],
    ['', 'cannot parse "" to a valid duration'],
    ['1e20', 'cannot parse "1e20" to a valid duration. It overflows int64'],
    ['5 m', 'cannot parse "5 m" to a valid duration'],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => {
      if (typeof want === 'number') assert.equal(parseDurationValue(input), want);
      else assert.throws(() => parseDurationValue(input), { message: want });
    });
  }
});

describe('form decoding as Go does it', () => {
  it('decodes + and escapes, keeps repeated keys in order', () => {
    const f = new Form();
    parseQueryInto(f, 'match[]=up&match[]=%7Bjob%3D%22a%22%7D&query=sum+by+(x)&empty=&flag');
    assert.deepEqual(f.all('match[]'), ['up', '{job="a"}']);
    assert.equal(f.get('query'), 'sum by (x)');
    assert.equal(f.get('empty'), '');
    assert.equal(f.has('flag'), true);
    assert.equal(f.error, undefined);
  });
  it('skips bad pairs and keeps the first error, like url.ParseQuery', () => {
    const f = new Form();
    parseQueryInto(f, 'a=%zz&b=1;c=2&d=%e2%9c%93&e=%4');
    assert.equal(f.error, 'invalid URL escape "%zz"');
    assert.equal(f.get('a'), '');
    assert.equal(f.get('b'), '');
    assert.equal(f.get('d'), '✓');
    assert.equal(f.has('e'), false);
  });
  it('turns invalid UTF-8 into U+FFFD', () => assert.equal(queryUnescape('%ff'), '\ufffd'));
  it('reports a semicolon', () => {
    const f = new Form();
    parseQueryInto(f, 'a=1;b=2');
    assert.equal(f.error, 'invalid semicolon separator in query');
  });
});

describe('parameter errors carry Prometheus texts', () => {
  const form = (q: string) => {
    const f = new Form();
    parseQueryInto(f, q);
    return f;
  };
  it('required time', () => assert.throws(() => requireTime(form('start=x'), 'start'), { message: 'invalid parameter "start": cannot parse "x" to a valid timestamp' }));
  it('optional time', () => assert.throws(() => optionalTime(form('end=tomorrow'), 'end', 0), { message: `invalid parameter "end": invalid time value for 'end': cannot parse "tomorrow" to a valid timestamp` }));
  it('limit', () => {
    assert.equal(limitParam(form('')), 0);
    assert.equal(limitParam(form('limit=5')), 5);
    assert.throws(() => limitParam(form('limit=-1')), { message: 'invalid parameter "limit": limit must be non-negative' });
    assert.throws(() => limitParam(form('limit=1.5')), { message: 'invalid parameter "limit": strconv.Atoi: parsing "1.5": invalid syntax' });
  });
});

describe('JSON as Go writes it', () => {
  it('strings are HTML-escaped, control characters \\u-escaped', () => {
    const cases: Array<[string, string]> = [
      ['plain', '"plain"'],
      ['a<b>&c', '"a\\u003cb\\u003e\\u0026c"'],
      ['q"b\\', '"q\\"b\\\\"'],
      ['n\nr\rt\t', '"n\\nr\\rt\\t"'],
      ['\u0001\u001f\b\f', '"\\u0001\\u001f\\u0008\\u000c"'],
      ['\u2028\u2029', '"\\u2028\\u2029"'],
      ['héllo ✓ 日本 😀', '"héllo ✓ 日本 😀"'],
      ['lone\ud800', '"lone\ufffd"'],
    ];
    for (const [input, want] of cases) assert.equal(goString(input), want, JSON.stringify(input));
  });
  it("sample values: 'f' form, 'e' below 1e-6 and from 1e21", () => {
    const cases: Array<[number, string]> = [
      [0, '0'], [-0, '-0'], [1, '1'], [0.1, '0.1'], [1 / 3, '0.3333333333333333'], [1e20, '100000000000000000000'],
      [1e21, '1e+21'], [1.25e22, '1.25e+22'], [1e-6, '0.000001'], [1e-7, '1e-07'], [1.5e-9, '1.5e-09'], [1e-100, '1e-100'],
      [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [-0.001, '-0.001'], [123456789012345680, '123456789012345680'],
    ];
    for (const [v, want] of cases) assert.equal(formatApiFloat(v), want, String(v));
  });
  it("scalars: always the 'f' form", () => {
    assert.equal(formatFloatFixed(1e21), '1000000000000000000000');
    assert.equal(formatFloatFixed(1.5e-9), '0.0000000015');
    assert.equal(formatFloatFixed(-2.5e22), '-25000000000000000000000');
  });
  it('timestamps in seconds with three decimals when not whole', () => {
    // jsonutil.MarshalTimestamp pads the milliseconds to three digits and keeps trailing zeros.
    const cases: Array<[number, string]> = [[0, '0'], [1435781451781, '1435781451.781'], [1000, '1'], [1001, '1.001'], [1010, '1.010'], [1100, '1.100'], [-1500, '-1.500']];
    for (const [ms, want] of cases) assert.equal(formatTimestampSeconds(ms), want);
  });
  it('numbers, times and objects', () => {
    assert.equal(goNumber(1e-7), '1e-7');
    assert.equal(goNumber(0.5), '0.5');
    assert.equal(goTime(0), '"0001-01-01T00:00:00Z"');
    assert.equal(goTime(1435781451780), '"2015-07-01T20:10:51.78Z"');
    assert.equal(goJSON({ b: 1, a: [true, null, 'x<'] }), '{"b":1,"a":[true,null,"x\\u003c"]}');
    assert.equal(goJSON({ b: 1, a: 2 }, true), '{"a":2,"b":1}');
  });
});
