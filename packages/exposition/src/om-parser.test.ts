import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { conformanceDir } from '@vigil/testkit';
import { EntryType } from './parser.js';
import { OpenMetricsParser } from './om-parser.js';
import { entries, errorOf } from './test-helpers.js';

const parse = (text: string, strict = false) => entries(new OpenMetricsParser(text, { strict }));

test('OpenMetrics: entries read from valid input', async (t) => {
  const cases: Array<[string, string, string[]]> = [
    ['only # EOF', '# EOF\n', []],
    ['# EOF without line feed', 'a 1\n# EOF', ['SERIES a -> {__name__="a"} 1 fam=a:unknown']],
    ['counter with metadata, _total and _created', '# TYPE c_seconds counter\n# UNIT c_seconds seconds\n# HELP c_seconds Time \\"spent\\".\nc_seconds_total{a="b"} 1.5 1520879607.789\nc_seconds_created{a="b"} 1520430000.123 1520879607.789\n# EOF\n', [
      'TYPE c_seconds counter', 'UNIT c_seconds seconds', 'HELP c_seconds "Time \\"spent\\"."',
      'SERIES c_seconds_total{a="b"} -> {__name__="c_seconds_total", a="b"} 1.5 @1520879607789 fam=c_seconds:counter',
      'SERIES c_seconds_created{a="b"} -> {__name__="c_seconds_created", a="b"} 1.520430000123e+09 @1520879607789 fam=c_seconds:counter',
    ]],
    ['exemplars with and without timestamp', '# TYPE h histogram\nh_bucket{le="0.1"} 8 # {} 0.054\nh_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67\nh_bucket{le="+Inf"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789\nh_count 17\nh_sum 324789.3\n# EOF\n', [
      'TYPE h histogram',
      'SERIES h_bucket{le="0.1"} -> {__name__="h_bucket", le="0.1"} 8 # {} 0.054 fam=h:histogram',
      'SERIES h_bucket{le="1"} -> {__name__="h_bucket", le="1.0"} 11 # {trace_id="KOO5S4vxi0o"} 0.67 fam=h:histogram',
      'SERIES h_bucket{le="+Inf"} -> {__name__="h_bucket", le="+Inf"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 @1520879607789 fam=h:histogram',
      'SERIES h_count -> {__name__="h_count"} 17 fam=h:histogram',
      'SERIES h_sum -> {__name__="h_sum"} 324789.3 fam=h:histogram',
    ]],
    ['hash and braces inside label values', 'a_total{foo="} foo # bar # "} 1\n# EOF\n', ['SERIES a_total{foo="} foo # bar # "} -> {__name__="a_total", foo="} foo # bar # "} 1 fam=a_total:unknown']],
    ['info, stateset, gaugehistogram, unknown', '# TYPE i info\ni_info{version="1.2"} 1\n# TYPE s stateset\ns{s="a"} 1\ns{s="b"} 0\n# TYPE g gaugehistogram\ng_bucket{le="+Inf"} 3\ng_gcount 3\ng_gsum 2\n# TYPE u unknown\nu 4\n# EOF\n', [
      'TYPE i info', 'SERIES i_info{version="1.2"} -> {__name__="i_info", version="1.2"} 1 fam=i:info',
      'TYPE s stateset', 'SERIES s{s="a"} -> {__name__="s", s="a"} 1 fam=s:stateset', 'SERIES s{s="b"} -> {__name__="s", s="b"} 0 fam=s:stateset',
      'TYPE g gaugehistogram', 'SERIES g_bucket{le="+Inf"} -> {__name__="g_bucket", le="+Inf"} 3 fam=g:gaugehistogram',
      'SERIES g_gcount -> {__name__="g_gcount"} 3 fam=g:gaugehistogram', 'SERIES g_gsum -> {__name__="g_gsum"} 2 fam=g:gaugehistogram',
      'TYPE u unknown', 'SERIES u -> {__name__="u"} 4 fam=u:unknown',
    ]],
    ['special values and number forms', 'a NaN\nb +Inf\nc -Inf\nd 0042\ne 1.2e-1\nf -Infinity\n# EOF\n', [
      'SERIES a -> {__name__="a"} NaN fam=a:unknown', 'SERIES b -> {__name__="b"} +Inf fam=b:unknown',
      'SERIES c -> {__name__="c"} -Inf fam=c:unknown', 'SERIES d -> {__name__="d"} 42 fam=d:unknown',
      'SERIES e -> {__name__="e"} 0.12 fam=e:unknown', 'SERIES f -> {__name__="f"} -Inf fam=f:unknown',
    ]],
    ['a sample of another name starts a new family', '# TYPE a counter\na_total 1\nb 2\n# EOF\n', [
      'TYPE a counter', 'SERIES a_total -> {__name__="a_total"} 1 fam=a:counter', 'SERIES b -> {__name__="b"} 2 fam=b:unknown',
    ]],
    ['empty HELP and UNIT', '# HELP a \n# UNIT a \n# EOF\n', ['HELP a ""', 'UNIT a ']],
    ['UTF-8 quoted names', '# TYPE "a.b" gauge\n{"a.b",c="d"} 1\n# EOF\n', ['TYPE a.b gauge', 'SERIES {"a.b",c="d"} -> {__name__="a.b", c="d"} 1 fam=a.b:gauge']],
    ['NUL inside HELP', '# HELP a he\u0000lp\n# EOF\n', ['HELP a "he\\u0000lp"']],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => {
      assert.deepEqual(parse(input), want);
      assert.deepEqual(parse(input, true), want, 'strict mode reads the same entries');
    });
  }
});

test('OpenMetrics: syntax errors name line, column and what was expected', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['no # EOF', 'a 1\n', 'line 2, column 1: unexpected end of input: an OpenMetrics exposition ends with a "# EOF" line'],
    ['empty input', '', 'line 1, column 1: unexpected end of input: an OpenMetrics exposition ends with a "# EOF" line'],
    ['data after # EOF', '# EOF\nx 1\n', 'line 2, column 1: unexpected data after "# EOF"'],
    ['blank line after # EOF', '# EOF\n\n', 'line 2, column 1: unexpected data after "# EOF"'],
    ['blank line', 'a 1\n\n# EOF\n', 'line 2, column 1: blank line (OpenMetrics allows no empty lines)'],
    ['comment', '# hello\n# EOF\n', 'line 1, column 3: expected TYPE, HELP, UNIT or EOF after "# ", got "hello" (OpenMetrics has no comments)'],
    ['comment without space', '#x\n# EOF\n', 'line 1, column 2: expected " " after "#" (OpenMetrics has no comments: only "# TYPE", "# HELP", "# UNIT" and "# EOF"), got "x"'],
    ['two spaces before the value', 'a  1\n# EOF\n', 'line 1, column 3: expected a value, got " " (space)'],
    ['trailing space', 'a 1 \n# EOF\n', 'line 1, column 5: expected a timestamp or "# {" (an exemplar) after the value, got end of line'],
    ['tab', 'a\t1\n# EOF\n', 'line 1, column 2: expected " " and a value after the metric, got "\\t" (tab)'],
    ['space in braces', 'a{b="c", d="e"} 1\n# EOF\n', 'line 1, column 9: expected a label name, got " " (space)'],
    ['trailing comma', 'a{b="c",} 1\n# EOF\n', 'line 1, column 9: expected a label name after ",", got "}"'],
    ['missing equals', 'http_requests_total{code} 1\n# EOF\n', 'line 1, column 25: expected "=" after label name "code", got "}"'],
    ['timestamp NaN', 'a 1 NaN\n# EOF\n', 'line 1, column 5: invalid timestamp "NaN": expected finite seconds such as 1520879607.789'],
    ['hex value', 'a 0x1\n# EOF\n', 'line 1, column 3: invalid value "0x1": expected a number such as 1, -2.5e3, +Inf or NaN'],
    ['underscore in value', 'a 1_000\n# EOF\n', 'line 1, column 3: invalid value "1_000": expected a number such as 1, -2.5e3, +Inf or NaN'],
    ['exemplar without space before #', 'a_total 1# {} 1\n# EOF\n', 'line 1, column 9: invalid value "1#": expected a number such as 1, -2.5e3, +Inf or NaN'],
    ['exemplar without braces', 'a_total 1 # x 1\n# EOF\n', 'line 1, column 13: expected an exemplar written as "# {labels} value", got "x"'],
    ['exemplar without value', 'a_total 1 # {a="b"}\n# EOF\n', 'line 1, column 20: expected " " and a value after the exemplar labels, got end of line'],
    ['exemplar timestamp Inf', 'a_total 1 # {a="b"} 1 Inf\n# EOF\n', 'line 1, column 23: invalid exemplar timestamp "Inf": expected finite seconds'],
    ['untyped is not an OpenMetrics type', '# TYPE a untyped\n# EOF\n', 'line 1, column 10: invalid metric type "untyped": expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown'],
    ['TYPE with trailing space', '# TYPE a gauge \n# EOF\n', 'line 1, column 10: invalid metric type "gauge ": expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown'],
    ['HELP without text separator', '# HELP a\n# EOF\n', 'line 1, column 9: expected " " after the metric name in HELP, got end of line'],
    ['unit not a suffix', '# UNIT a seconds\n# EOF\n', 'line 1, column 10: unit "seconds" is not a suffix of the metric name "a" (expected the name to end with "_seconds")'],
    ['leading space', ' a 1\n# EOF\n', 'line 1, column 1: expected a metric name or "#" at the start of the line, got " " (space)'],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => assert.equal(errorOf(() => parse(input)), want));
  }
});

test('OpenMetrics strict: the specification rules Prometheus does not check', async (t) => {
  // Each input parses in the default (Prometheus) mode and fails in strict mode with the given reason.
  const cases: Array<[string, string, string]> = [
    ['NaN counter', '# TYPE a counter\na_total NaN\n# EOF\n', 'line 2, column 1: _total must not be NaN'],
    ['negative count', '# TYPE a summary\na_count -1\na_sum 1\n# EOF\n', 'line 2, column 1: _count must not be negative, got -1'],
    ['fractional bucket', '# TYPE a histogram\na_bucket{le="+Inf"} 1.5\n# EOF\n', 'line 2, column 1: bucket value must be an integer count, got 1.5'],
    ['bucket without le', '# TYPE a histogram\na_bucket 1\n# EOF\n', 'line 2, column 1: histogram bucket without an "le" label'],
    ['+INF spelling', '# TYPE a histogram\na_bucket{le="+INF"} 1\n# EOF\n', 'line 2, column 1: the infinite bucket must be written le="+Inf"'],
    ['no +Inf bucket', '# TYPE a histogram\na_bucket{le="1"} 1\n# EOF\n', 'line 2, column 1: histogram point has no le="+Inf" bucket'],
    ['buckets out of order', '# TYPE a histogram\na_bucket{le="2"} 0\na_bucket{le="1"} 0\na_bucket{le="+Inf"} 0\n# EOF\n', 'line 3, column 1: buckets out of order: le 1 after le 2 (buckets must be sorted by increasing le)'],
    ['one bound written twice', '# TYPE a histogram\na_bucket{le="1e10"} 0\na_bucket{le="10000000000.0"} 0\na_bucket{le="+Inf"} 0\n# EOF\n', 'line 3, column 1: buckets out of order: le 1e+10 after le 1e+10 (buckets must be sorted by increasing le)'],
    ['decreasing buckets', '# TYPE a histogram\na_bucket{le="1"} 2\na_bucket{le="+Inf"} 1\n# EOF\n', 'line 3, column 1: bucket values must not decrease (buckets are cumulative): 1 after 2'],
    ['count differs from +Inf', '# TYPE a histogram\na_bucket{le="+Inf"} 2\na_count 3\na_sum 1\n# EOF\n', 'line 2, column 1: histogram count 3 does not equal the +Inf bucket 2'],
    ['sum with negative buckets', '# TYPE a histogram\na_bucket{le="-1"} 0\na_bucket{le="+Inf"} 1\na_count 1\na_sum 1\n# EOF\n', 'line 2, column 1: histogram with negative buckets must not have a _sum'],
    ['info value', '# TYPE a info\na_info{v="1"} 2\n# EOF\n', 'line 2, column 1: info value must be 1, got 2'],
    ['stateset value', '# TYPE a stateset\na{a="x"} 0.5\n# EOF\n', 'line 2, column 1: stateset value must be 0 or 1, got 0.5'],
    ['stateset without its label', '# TYPE a stateset\na{b="x"} 1\n# EOF\n', 'line 2, column 1: stateset sample without the label "a" naming its state'],
    ['quantile out of range', '# TYPE a summary\na{quantile="1.5"} 1\n# EOF\n', 'line 2, column 1: invalid quantile "1.5": expected a number from 0 to 1'],
    ['exemplar on a gauge', '# TYPE a gauge\na 1 # {a="b"} 1\n# EOF\n', 'line 2, column 1: exemplars are allowed only on counter totals and histogram buckets, not on a gauge "a"'],
    ['exemplar too long', `# TYPE a counter\na_total 1 # {a="${'x'.repeat(128)}"} 1\n# EOF\n`, 'line 2, column 1: exemplar labels are 129 code points long, more than 128'],
    ['metric interleaved', '# TYPE a gauge\na{x="1"} 1\na{x="2"} 1\na{x="1"} 2\n# EOF\n', 'line 4, column 1: metric interleaved with another metric of the family: the samples of one label set must follow each other'],
    ['timestamps backwards', '# TYPE a gauge\na 1 2\na 1 1\n# EOF\n', 'line 3, column 1: timestamp goes backwards within the metric'],
    ['mixed timestamps', '# TYPE a gauge\na 1 2\na 1\n# EOF\n', 'line 3, column 1: samples of one metric must all have a timestamp or all have none'],
    ['second TYPE', '# TYPE a gauge\n# TYPE a gauge\n# EOF\n', 'line 2, column 1: second TYPE line for "a"'],
    ['HELP after samples', '# TYPE a gauge\na 1\n# HELP a x\n# EOF\n', 'line 3, column 1: HELP for "a" after its samples (metadata comes first)'],
    ['family appears twice', 'a 1\nb 1\na 2\n# EOF\n', 'line 3, column 1: metric family "a" clashes with an earlier family (a name may appear only once, as a family or as a sample name of one)'],
    ['family clashes with a counter\'s _created', '# TYPE a_created gauge\n# TYPE a counter\n# EOF\n', 'line 2, column 1: metric family "a" (counter) clashes with an earlier family on the sample name "a_created"'],
    ['unit on a stateset', '# TYPE x_u stateset\n# UNIT x_u u\n# EOF\n', 'line 1, column 1: a stateset must not have a unit (family "x_u")'],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => {
      assert.equal(errorOf(() => parse(input)), 'no error', 'Prometheus-level checking accepts it');
      assert.equal(errorOf(() => parse(input, true)), want);
    });
  }
});

test('OpenMetrics strict: duplicate samples at one timestamp and info timestamps are allowed', () => {
  const ok = [
    '# TYPE a gauge\na{a="1"} 1 0\na{a="1"} 2 0\na{a="2"} 3 0\n# EOF\n',
    '# TYPE a histogram\na_bucket{le="1"} 0\na_bucket{le="1"} 0\na_bucket{le="+Inf"} 1\n# EOF\n',
    '# TYPE a info\na_info{a="1"} 1 1\na_info{a="2"} 1 0\n# EOF\n',
    '# TYPE a histogram\na_bucket{x="1",le="+Inf"} 1\na_count{x="1"} 1\na_sum{x="1"} 2\na_bucket{le="+Inf",x="2"} 0\n# EOF\n',
  ];
  for (const text of ok) assert.equal(errorOf(() => parse(text, true)), 'no error', text);
});

test('OpenMetrics: a real client_golang exposition passes Prometheus-level checks but breaks a strict rule', () => {
  const text = readFileSync(conformanceDir('openmetrics', 'examples', 'alltypes.5mfs.om.txt'), 'utf8');
  assert.equal(parse(text).length, 53 + 10);
  assert.equal(errorOf(() => parse(text, true)), 'line 33, column 1: _sum must not be negative, got -8.452185437166741e-05');
});

test('OpenMetrics: timestamps are float seconds reported as truncated milliseconds', () => {
  const p = new OpenMetricsParser('a 1 -1.5\nb 1 1e3\nc 1 0.0009\n# EOF\n');
  const got: number[] = [];
  while (p.next() === EntryType.Series) got.push(p.timestamp);
  assert.deepEqual(got, [-1500, 1000000, 0]);
});
