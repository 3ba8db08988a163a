import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STALE_NAN, isStaleNaN } from '@vigil/model';
import { EntryType } from './parser.js';
import { ParseError } from './parse-error.js';
import { TextParser } from './text-parser.js';
import { entries, errorOf } from './test-helpers.js';

const parse = (text: string, strict = false) => entries(new TextParser(text, { strict }));

test('text format: entries read from valid input', async (t) => {
  const cases: Array<[string, string, string[]]> = [
    ['empty input', '', []],
    ['name and value', 'up 1\n', ['SERIES up -> {__name__="up"} 1 fam=up:unknown']],
    ['last line without line feed', 'up 1', ['SERIES up -> {__name__="up"} 1 fam=up:unknown']],
    ['labels, sorted with __name__', 'http_requests_total{method="post",code="200"} 1027 1395066363000\n', [
      'SERIES http_requests_total{method="post",code="200"} -> {__name__="http_requests_total", code="200", method="post"} 1027 @1395066363000 fam=http_requests_total:unknown',
    ]],
    ['HELP and TYPE open a family', '# HELP a_total The total.\n# TYPE a_total counter\na_total 3\n', [
      'HELP a_total "The total."', 'TYPE a_total counter', 'SERIES a_total -> {__name__="a_total"} 3 fam=a_total:counter',
    ]],
    ['untyped reads as unknown', '# TYPE x untyped\nx 1\n', ['TYPE x unknown', 'SERIES x -> {__name__="x"} 1 fam=x:unknown']],
    ['blank lines and surrounding blanks are ignored', '\n  \t\n   up   1   \n\n', ['SERIES up -> {__name__="up"} 1 fam=up:unknown']],
    ['blanks inside braces, trailing comma', 'a { b = "1" , c="2", } 5\n', ['SERIES a { b = "1" , c="2", } -> {__name__="a", b="1", c="2"} 5 fam=a:unknown']],
    ['empty braces', 'a{} 1\n', ['SERIES a{} -> {__name__="a"} 1 fam=a:unknown']],
    ['value right after the braces', 'a{b="c"}7\n', ['SERIES a{b="c"} -> {__name__="a", b="c"} 7 fam=a:unknown']],
    ['tabs separate tokens', 'a\t1\t2\n', ['SERIES a -> {__name__="a"} 1 @2 fam=a:unknown']],
    ['label value escapes', 'a{p="C:\\\\DIR\\\\F.TXT",e="Cannot find:\\n\\"F\\""} 1\n', [
      'SERIES a{p="C:\\\\DIR\\\\F.TXT",e="Cannot find:\\n\\"F\\""} -> {__name__="a", e="Cannot find:\\n\\"F\\"", p="C:\\\\DIR\\\\F.TXT"} 1 fam=a:unknown',
    ]],
    ['unknown escapes stay as written', 'a{b="x\\qy"} 1\n', ['SERIES a{b="x\\qy"} -> {__name__="a", b="x\\\\qy"} 1 fam=a:unknown']],
    ['empty label value is dropped from the label set', 'a{b=""} 1\n', ['SERIES a{b=""} -> {__name__="a"} 1 fam=a:unknown']],
    ['special values', 'a NaN\nb +Inf\nc -Inf\nd -0\ne 1e-3\nf .5\ng 5.\nh +1E+3\ni inf\n', [
      'SERIES a -> {__name__="a"} NaN fam=a:unknown', 'SERIES b -> {__name__="b"} +Inf fam=b:unknown',
      'SERIES c -> {__name__="c"} -Inf fam=c:unknown', 'SERIES d -> {__name__="d"} -0 fam=d:unknown',
      'SERIES e -> {__name__="e"} 0.001 fam=e:unknown', 'SERIES f -> {__name__="f"} 0.5 fam=f:unknown',
      'SERIES g -> {__name__="g"} 5 fam=g:unknown', 'SERIES h -> {__name__="h"} 1000 fam=h:unknown',
      'SERIES i -> {__name__="i"} +Inf fam=i:unknown',
    ]],
    ['negative timestamp (int64 milliseconds)', 'w{p="x"} +Inf -3982045\n', ['SERIES w{p="x"} -> {__name__="w", p="x"} +Inf @-3982045 fam=w:unknown']],
    ['comments, including # EOF', '# just a comment\n#nospace\n# EOF\n', ['COMMENT # just a comment', 'COMMENT #nospace', 'COMMENT # EOF']],
    ['HELP without text', '# HELP a\n', ['HELP a ""']],
    ['HELP escapes: \\\\ and \\n only', '# HELP a x\\\\y\\nz \\" \\q\n', ['HELP a "x\\\\y\\nz \\\\\\" \\\\q"']],
    ['HELP text after a single blank keeps the rest', '# HELP a  two\n', ['HELP a " two"']],
    ['# HELP without a blank after it is a comment', '# HELP\n', ['COMMENT # HELP']],
    ['histogram samples join their family', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n', [
      'TYPE h histogram',
      'SERIES h_bucket{le="1"} -> {__name__="h_bucket", le="1.0"} 1 fam=h:histogram',
      'SERIES h_bucket{le="+Inf"} -> {__name__="h_bucket", le="+Inf"} 2 fam=h:histogram',
      'SERIES h_sum -> {__name__="h_sum"} 3 fam=h:histogram',
      'SERIES h_count -> {__name__="h_count"} 2 fam=h:histogram',
    ]],
    ['summary samples join their family, quantile normalised', '# TYPE s summary\ns{quantile="0"} 1\ns_sum 3\ns_count 2\nother 1\n', [
      'TYPE s summary',
      'SERIES s{quantile="0"} -> {__name__="s", quantile="0.0"} 1 fam=s:summary',
      'SERIES s_sum -> {__name__="s_sum"} 3 fam=s:summary',
      'SERIES s_count -> {__name__="s_count"} 2 fam=s:summary',
      'SERIES other -> {__name__="other"} 1 fam=other:unknown',
    ]],
    ['UTF-8 quoted names', '{"my.dotted.metric", "error.message"="Not Found"} 1\n# TYPE "a.b" gauge\n{"a.b"} 2\n', [
      'SERIES {"my.dotted.metric", "error.message"="Not Found"} -> {__name__="my.dotted.metric", error.message="Not Found"} 1 fam=my.dotted.metric:unknown',
      'TYPE a.b gauge',
      'SERIES {"a.b"} -> {__name__="a.b"} 2 fam=a.b:gauge',
    ]],
    ['large integers and int64 timestamps', 'a 9223372036854775808 9223372036854775807\n', ['SERIES a -> {__name__="a"} 9.223372036854776e+18 @9223372036854776000 fam=a:unknown']],
    ['long mantissas round correctly', 'a 0.013300656000000001\nb 1.726839813016397e+09\n', [
      'SERIES a -> {__name__="a"} 0.013300656000000001 fam=a:unknown',
      'SERIES b -> {__name__="b"} 1.726839813016397e+09 fam=b:unknown',
    ]],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => assert.deepEqual(parse(input), want));
  }
});

test('text format: errors name line, column and what was expected', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['missing "="', 'ok 1\nhttp_requests_total{code} 1\n', 'line 2, column 25: expected "=" after label name "code", got "}"'],
    ['unterminated value', 'a{b="c} 1\n', 'line 1, column 10: unterminated value of label "b": line ends before the closing \'"\''],
    ['missing comma', 'a{b="c" d="e"} 1\n', 'line 1, column 9: expected "," or "}" after the value of label "b", got "d"'],
    ['unquoted value', 'a{b=c} 1\n', 'line 1, column 5: expected \'"\' to start the value of label "b", got "c"'],
    ['label name starting with a digit', 'a{1="x"} 1\n', 'line 1, column 3: expected a label name or "}", got "1"'],
    ['leading comma', 'a{,b="x"} 1\n', 'line 1, column 3: expected a label name or "}", got ","'],
    ['duplicate label', 'a{b="1",b="2"} 1\n', 'line 1, column 9: duplicate label name "b"'],
    ['__name__ inside braces', 'a{__name__="b"} 1\n', 'line 1, column 3: label name "__name__" is reserved: write the metric name before the braces'],
    ['no value', 'a\n', 'line 1, column 2: expected a value after the metric, got end of line'],
    ['bad value', 'a 1x\n', 'line 1, column 3: invalid value "1x": expected a float such as 1, -2.5e3, +Inf or NaN'],
    ['hex value', 'a 0x1p-3\n', 'line 1, column 3: invalid value "0x1p-3": expected a float such as 1, -2.5e3, +Inf or NaN'],
    ['value out of range', 'a 1e400\n', 'line 1, column 3: invalid value "1e400": expected a float such as 1, -2.5e3, +Inf or NaN'],
    ['carriage return', 'a 1\r\n', 'line 1, column 3: invalid value "1\\r": expected a float such as 1, -2.5e3, +Inf or NaN'],
    ['float timestamp', 'a 1 1.5\n', 'line 1, column 5: invalid timestamp "1.5": expected integer milliseconds'],
    ['timestamp beyond int64', 'a 1 9223372036854775808\n', 'line 1, column 5: invalid timestamp "9223372036854775808": expected integer milliseconds'],
    ['junk after timestamp', 'a 1 2 3\n', 'line 1, column 7: expected end of line after the timestamp, got "3"'],
    ['name glued to junk', 'a-b 1\n', 'line 1, column 2: expected a blank or "{" after the metric name, got "-"'],
    ['line starting with a digit', '\n\n0a 1\n', 'line 3, column 1: expected a metric name, "{" or "#" at the start of the line, got "0"'],
    ['unknown type', '# TYPE a gauge_histogram\n', 'line 1, column 10: invalid metric type "gauge_histogram": expected counter, gauge, histogram, summary or untyped'],
    ['TYPE without type', '# TYPE a\n', 'line 1, column 9: invalid metric type "": expected counter, gauge, histogram, summary or untyped'],
    ['HELP without name', '# HELP \n', 'line 1, column 8: expected a metric name after HELP, got end of line'],
    ['quoted name without label', '{"a.b"=1} 2\n', 'line 1, column 8: expected \'"\' to start the value of label "a.b", got "1"'],
    ['braces without a name', '{b="c"} 1\n', 'line 1, column 1: metric name missing: write it before the braces or quoted as the first item inside them'],
    ['name twice', 'a{"b"} 1\n', 'line 1, column 3: metric name given twice (before the braces and quoted inside them)'],
    ['column counts code points', 'a{b="€😀",c} 1\n', 'line 1, column 11: expected "=" after label name "c", got "}"'],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => assert.equal(errorOf(() => parse(input)), want));
  }
});

test('text format: strict rejects what expfmt rejects', () => {
  assert.equal(errorOf(() => parse('a 1 \n', true)), 'line 1, column 4: blank at the end of the line after the value');
  assert.equal(errorOf(() => parse('a 1 2\t\n', true)), 'line 1, column 6: blank at the end of the line after the timestamp');
  assert.deepEqual(parse('a 1 \n'), ['SERIES a -> {__name__="a"} 1 fam=a:unknown']);
  assert.equal(errorOf(() => parse('a{b="x\\qy"} 1\n', true)), 'line 1, column 7: invalid escape sequence "\\q" in value of label "b"');
  assert.equal(errorOf(() => parse('# HELP a x\\ty\n', true)), 'line 1, column 11: invalid escape sequence "\\t" in HELP text');
  assert.deepEqual(parse('# HELP a x\\\\y\\n\na{b="\\"\\\\\\n"} 1\n', true), ['HELP a "x\\\\y\\n"', 'SERIES a{b="\\"\\\\\\n"} -> {__name__="a", b="\\"\\\\\\n"} 1 fam=a:unknown']);
});

test('text format: ParseError carries code, line and column', () => {
  try {
    parse('a 1\nb{c="d" 2\n');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof ParseError);
    assert.equal(e.code, 'bad_data');
    assert.equal(e.line, 2);
    assert.equal(e.column, 9);
    assert.equal(e.reason, 'expected "," or "}" after the value of label "c", got "2"');
  }
});

test('text format: accessors between entries', () => {
  const p = new TextParser('# HELP x_total Requests.\n# TYPE x_total counter\nx_total{code="200",path="/a"} 5 1000\nx_total{code="500"} 1\n');
  assert.equal(p.next(), EntryType.Help);
  assert.equal(p.familyName(), 'x_total');
  assert.equal(p.help(), 'Requests.');
  assert.equal(p.line, 1);
  const fam = p.familyIndex;
  assert.equal(p.next(), EntryType.Type);
  assert.equal(p.familyType(), 'counter');
  assert.equal(p.familyIndex, fam);
  assert.equal(p.next(), EntryType.Series);
  assert.equal(p.line, 3);
  assert.equal(p.series(), 'x_total{code="200",path="/a"}');
  assert.equal(p.metricName(), 'x_total');
  assert.equal(p.labelCount(), 2);
  assert.equal(p.labelName(1), 'path');
  assert.equal(p.labelValue(1), '/a');
  assert.equal(p.value, 5);
  assert.equal(p.timestamp, 1000);
  assert.equal(p.hasExemplar, false);
  assert.equal(p.exemplar(), undefined);
  assert.equal(p.next(), EntryType.Series);
  assert.ok(Number.isNaN(p.timestamp));
  assert.equal(p.familyIndex, fam);
  assert.equal(p.next(), EntryType.EOF);
  assert.equal(p.next(), EntryType.EOF);
});

test('parsed NaN is an ordinary NaN, never the staleness marker', () => {
  const p = new TextParser('a NaN\n');
  p.next();
  assert.ok(Number.isNaN(p.value));
  assert.equal(isStaleNaN(p.value), false);
  assert.ok(isStaleNaN(STALE_NAN));
});
