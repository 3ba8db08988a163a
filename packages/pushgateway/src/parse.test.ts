/**
 * The push body parser and the grouping key parser. The messages were taken from Debian's
 * prometheus-pushgateway 1.5.1 (conformance.test.ts sends the same inputs to it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goUint64, parseGoFloat, parseText } from './text-parser.js';
import { cleanPath, decodeBase64Url, encodeBase64Url, groupPath, parseGroupingKey } from './grouping.js';
import { Kind } from './family.js';
import { goDuration, goJsonString, goQuote, rfc3339Nano } from './go-format.js';

const parse = (s: string | Buffer) => [...parseText(typeof s === 'string' ? Buffer.from(s, 'utf8') : s).values()];

test('text parser: families, metrics and values as the Go client builds them', () => {
  const fams = parse([
    '# HELP req Requests.\\nSecond line, a \\\\ backslash.',
    '# TYPE req counter',
    'req{code="200",path="/a \\"q\\"\\n"} 5',
    '  req { code = "500" , } 1e3',
    '# TYPE lat histogram',
    'lat_bucket{le="0.5"} 1',
    'lat_bucket{le="+Inf"} 2',
    'lat_sum 1.5',
    'lat_count 2',
    'other 1',
    'lat_bucket{a="b",le="1"} 3',
    '# TYPE sum summary',
    'sum{quantile="0.9"} 7',
    'sum_count 10',
    'sum_sum NaN',
    '# TYPE empty gauge',
    '',
  ].join('\n'));
  assert.deepEqual(fams.map((f) => [f.name, f.type, f.help]), [
    ['req', Kind.Counter, 'Requests.\nSecond line, a \\ backslash.'],
    ['lat', Kind.Histogram, undefined],
    ['other', Kind.Untyped, undefined],
    ['sum', Kind.Summary, undefined],
  ]);
  assert.deepEqual(fams[0].metrics.map((m) => [m.labels, m.value]), [[['code', '200', 'path', '/a "q"\n'], 5], [['code', '500'], 1000]]);
  assert.deepEqual(fams[1].metrics.map((m) => [m.labels, m.count, m.value, m.points]), [
    [[], 2, 1.5, [0.5, 1, Infinity, 2]],
    [['a', 'b'], 0, 0, [1, 3]],
  ]);
  assert.ok(Number.isNaN(fams[3].metrics[0].value));
  assert.deepEqual(fams[3].metrics[0].points, [0.9, 7]);
});

test('text parser: errors, with the Pushgateway\'s words and line numbers', () => {
  const cases: Array<[string | Buffer, string]> = [
    ['v{a="1} 1\n', 'label value "1} 1" contains unescaped new-line'],
    ['v 1x\n', 'expected float as value, got "1x"'],
    ['v 1', 'unexpected end of input stream'],
    ['# comment without line feed', 'unexpected end of input stream'],
    ['ok 1\n# TYPE v foo\nv 1\n', 'line 2: unknown metric type "foo"'],
    ['# TYPE v gauge \nv 1\n', 'unknown metric type "gauge "'],
    ['v{b} 1\n', "expected '=' after label name, found '}'"],
    ['v{b=1} 1\n', `expected '"' at start of label value, found '1'`],
    ['v{b="1",b="2"} 1\n', 'duplicate label names for metric "v"'],
    ['{b="1"} 1\n', 'invalid metric name'],
    ['v{__name__="1"} 1\n', 'label name "__name__" is reserved'],
    ['v{b="1" c="2"} 1\n', 'unexpected end of label value "1"'],
    ['v{b="\\q"} 1\n', "invalid escape sequence '\\q'"],
    ['v{1b="x"} 1\n', 'invalid label name for metric "v"'],
    ['v 1 x\n', 'expected integer as timestamp, got "x"'],
    ['v 1 \n', 'expected integer as timestamp, got ""'],
    ['v 1 2 3\n', 'spurious string after timestamp: " 3"'],
    ['# HELP v x\n# HELP v y\nv 1\n', 'line 2: second HELP line for metric name "v"'],
    ['v 1\n# TYPE v gauge\n', 'line 2: second TYPE line for metric name "v", or TYPE reported after samples'],
    ['# HELP 1v x\n', 'invalid metric name in comment'],
    ['# HELP v x\\ty\nv 1\n', "invalid escape sequence '\\t'"],
    ['# TYPE s summary\ns{quantile="x"} 1\n', "line 2: expected float as value for 'quantile' label, got \"x\""],
    ['# TYPE h histogram\nh_bucket{le="y"} 1\n', "expected float as value for 'le' label, got \"y\""],
    [Buffer.from('v{a="\xff"} 1\n', 'latin1'), 'invalid label value "\\xff"'],
    ['v 1\r\n', 'expected float as value, got "1\\r"'],
    ['v +NaN\n', 'expected float as value, got "+NaN"'],
    ['v 0x10\n', 'expected float as value, got "0x10"'],
    ['v 1e400\n', 'expected float as value, got "1e400"'],
    ['v 1_000\n', 'expected float as value, got "1_000"'],
    ['# TYPE g gauge_histogram\ng 1\n', 'line 2: unexpected type for metric name "g"'],
  ];
  for (const [input, want] of cases) {
    assert.throws(() => parse(input), (e: Error) => {
      assert.match(e.message, /^text format parsing error in line \d+: /);
      assert.ok(e.message.endsWith(want), `${JSON.stringify(input.toString())}: got ${e.message}, want …${want}`);
      return true;
    });
  }
});

test('text parser: what is accepted that a strict reader might not', () => {
  const ok = ['# just a comment\n', '#\n', '\n\n', '# HELP\n', '# HELP name\n', '# TYPE name\n', 'v{} 1\n', 'v{a="1",} 1\n', 'v\t1\n', 'v -Inf\n', 'v +infinity\n', 'v .5\n', 'v 5.\n', 'v 1 -5\n', ''];
  for (const input of ok) assert.doesNotThrow(() => parse(input), input);
  // A TYPE line without samples leaves no family.
  assert.equal(parse('# TYPE lonely gauge\n').length, 0);
  // Backslashes in a TYPE line are dropped, as Go's parser drops them.
  assert.equal(parse('# TYPE v gau\\ge\nv 1\n')[0].type, Kind.Gauge);
});

test('text parser: counts are converted to uint64 as Go converts them', () => {
  const cases: Array<[number, number]> = [[2.7, 2], [-0.5, 0], [-1, 2 ** 64], [NaN, 2 ** 63], [Infinity, 2 ** 63], [1e20, 2 ** 63], [-1e19, 2 ** 63], [9.3e18, 9.3e18]];
  for (const [v, want] of cases) assert.equal(goUint64(v), want, String(v));
  assert.ok(Object.is(goUint64(-0.5), 0));
  assert.equal(parseGoFloat('1e-400'), 0);
  assert.equal(parseGoFloat('-Inf'), -Infinity);
  assert.equal(parseGoFloat('nan'), NaN);
  assert.equal(parseGoFloat('+nan'), undefined);
  assert.equal(parseGoFloat('1e'), undefined);
});

test('grouping keys: path labels, base64, and the Pushgateway\'s errors', () => {
  const ok: Array<[string, boolean, string, string[]]> = [
    ['j', false, '', ['job', 'j']],
    ['j', false, '/', ['job', 'j']],
    ['j', false, '/instance/i/a/b', ['a', 'b', 'instance', 'i', 'job', 'j']],
    ['L3Zhci90bXA', true, '/path@base64/L3Zhci90bXA==', ['job', '/var/tmp', 'path', '/var/tmp']],
    ['j', false, '/empty@base64/=', ['empty', '', 'job', 'j']],
    ['j', false, '/name@base64/zqDPgc6_zrzOt864zrXPjc-C', ['job', 'j', 'name', 'Προμηθεύς']],
    ['j', false, '/job/other', ['job', 'j']],
    ['j', false, '/a/1/a/2', ['a', '2', 'job', 'j']],
  ];
  for (const [job, b64, rest, want] of ok) assert.deepEqual(parseGroupingKey(job, b64, rest), want, `${job} ${rest}`);
  const bad: Array<[string, boolean, string, string]> = [
    ['j', false, '/a', 'odd number of components in label string "/a"'],
    ['j', false, '/a/b/c', 'odd number of components in label string "/a/b/c"'],
    ['j', false, '/__a/b', 'improper label name "__a"'],
    ['j', false, '/a-b/c', 'improper label name "a-b"'],
    ['j', false, '/@base64/c', 'improper label name ""'],
    ['j', false, '/b@base64/!!', 'invalid base64 encoding for label b="!!": illegal base64 data at input byte 0'],
    ['j', false, '/b@base64/a', 'invalid base64 encoding for label b="a": illegal base64 data at input byte 0'],
    ['j', false, '/b@base64/abcde', 'invalid base64 encoding for label b="abcde": illegal base64 data at input byte 4'],
    ['j', false, '/b@base64/a=b', 'invalid base64 encoding for label b="a=b": illegal base64 data at input byte 1'],
    ['j', false, '/b@base64/abc', 'invalid base64 encoding for label b="abc": decoded value is not valid UTF-8'],
    ['!!', true, '', 'invalid base64 encoding in job name "": illegal base64 data at input byte 0'],
    ['=', true, '', 'job name is required'],
  ];
  for (const [job, b64, rest, want] of bad) assert.throws(() => parseGroupingKey(job, b64, rest), { message: want }, `${job} ${rest}`);
  // The way back: a group's path parses to its labels, whatever the values hold.
  const labels = ['a', '', 'job', 'x/y', 'path', '/tmp/ü', 'z', '=='];
  const path = groupPath(labels);
  const m = /^\/metrics\/job@base64\/([^/]+)(.*)$/.exec(path)!;
  assert.deepEqual(parseGroupingKey(m[1], true, m[2]), labels);
  assert.equal(encodeBase64Url(''), '=');
  assert.equal(decodeBase64Url('YQ=='), 'a');
});

test('paths are cleaned as Go\'s ServeMux cleans them', () => {
  const cases: Array<[string, string]> = [['/a//b', '/a/b'], ['/a/./b', '/a/b'], ['/a/../b', '/b'], ['/a/b/', '/a/b/'], ['/', '/'], ['/metrics/job/x', '/metrics/job/x']];
  for (const [p, want] of cases) assert.equal(cleanPath(p), want, p);
});

test('Go formatting: %q, durations, RFC 3339, JSON strings', () => {
  assert.equal(goQuote('a"b\\c\n\t\x01é\u2028'), '"a\\"b\\\\c\\n\\t\\x01é\\u2028"');
  const d: Array<[number, string]> = [[0, '0s'], [300000, '5m0s'], [5400000, '1h30m0s'], [1500, '1.5s'], [100, '100ms'], [3600000, '1h0m0s']];
  for (const [ms, want] of d) assert.equal(goDuration(ms), want);
  const saved = process.env.TZ;
  assert.match(rfc3339Nano(Date.UTC(2020, 2, 10, 20, 32, 27, 716) + 0.605), /^2020-03-1\dT\d\d:\d\d:27\.716605(Z|[+-]\d\d:\d\d)$/);
  process.env.TZ = saved;
  assert.equal(goJsonString('<a href="x">&\b\u2028'), '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u0008\\u2028"');
});
