import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintMetrics } from './lint.js';
import { errorOf } from './test-helpers.js';

const lint = (text: string, format: 'text' | 'openmetrics' = 'text') => lintMetrics(text, format).map((p) => `${p.metric} ${p.text}`);

test('lint: promlint problems, sorted by metric and text', async (t) => {
  const cases: Array<[string, string, string[]]> = [
    ['clean counter', '# HELP a_total x\n# TYPE a_total counter\na_total 1\n', []],
    ['no help', 'a 1\n', ['a no help text']],
    ['counter without _total', '# HELP a x\n# TYPE a counter\na 1\n', ['a counter metrics should have "_total" suffix']],
    ['gauge with _total', '# HELP a_total x\n# TYPE a_total gauge\na_total 1\n', ['a_total non-counter metrics should not have "_total" suffix']],
    ['reserved suffixes on a gauge', '# HELP a_count x\n# TYPE a_count gauge\na_count 1\n# HELP b_bucket x\n# TYPE b_bucket gauge\nb_bucket 1\n', [
      'a_count non-histogram and non-summary metrics should not have "_count" suffix',
      'b_bucket non-histogram metrics should not have "_bucket" suffix',
    ]],
    ['untyped names are not checked for reserved suffixes', '# HELP a_count x\na_count 1\n', []],
    ['le and quantile labels, once per metric', '# HELP g x\n# TYPE g gauge\ng{le="1"} 1\ng{le="2",quantile="0.5"} 1\n', [
      'g non-histogram metrics should not have "le" label',
      'g non-histogram metrics should not have "le" label',
      'g non-summary metrics should not have "quantile" label',
    ]],
    ['type in name', '# HELP my_gauge_histogram x\nmy_gauge_histogram 1\n', [
      "my_gauge_histogram metric name should not include type 'gauge'",
      "my_gauge_histogram metric name should not include type 'gauge_histogram'",
      "my_gauge_histogram metric name should not include type 'histogram'",
    ]],
    ['colon, camelCase, abbreviations, units', '# HELP job:fooBar_ms x\njob:fooBar_ms{someLabel="1"} 1\n# HELP disk_kilobytes x\ndisk_kilobytes 1\n', [
      'disk_kilobytes use base unit "bytes" instead of "kilobytes"',
      "job:fooBar_ms label names should be written in 'snake_case' not 'camelCase'",
      "job:fooBar_ms metric names should be written in 'snake_case' not 'camelCase'",
      "job:fooBar_ms metric names should not contain ':'",
      'job:fooBar_ms metric names should not contain abbreviated units',
    ]],
    ['histogram metrics are grouped by labels without le', '# HELP h x\n# TYPE h histogram\nh_bucket{aB="1",le="1"} 1\nh_bucket{aB="1",le="+Inf"} 1\nh_sum{aB="1"} 1\nh_count{aB="1"} 1\nh_bucket{aB="2",le="+Inf"} 1\n', [
      "h label names should be written in 'snake_case' not 'camelCase'",
      "h label names should be written in 'snake_case' not 'camelCase'",
    ]],
    ['samples named unlike their counter family form their own family', '# HELP a x\n# TYPE a counter\na_total 1\n', ['a_total no help text']],
    ['a family without samples is not linted', '# TYPE a counter\n', []],
    ['HELP without text does not count', '# HELP a \n# TYPE a gauge\na 1\n', ['a no help text']],
    ['OpenMetrics families under their text names', '# TYPE a counter\n# HELP a x\na_total 1\n# TYPE i info\ni_info{v="1"} 1\n# EOF\n', ['i_info no help text']],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => assert.deepEqual(lint(input, input.endsWith('# EOF\n') ? 'openmetrics' : 'text'), want));
  }
});

test('lint: family-level mistakes expfmt rejects are errors', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['second HELP', '# HELP a x\n# HELP a y\na 1\n', 'line 2, column 1: second HELP line for metric name "a"'],
    ['second HELP through a summary suffix', '# HELP s x\n# TYPE s summary\n# HELP s_count y\n', 'line 3, column 1: second HELP line for metric name "s"'],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n', 'line 2, column 1: second TYPE line for metric name "a", or TYPE reported after samples'],
    ['le not a number', '# TYPE h histogram\nh_bucket{le="x"} 1\n', "line 2, column 1: expected float as value for 'le' label, got \"x\""],
    ['quantile not a number', '# TYPE s summary\ns{quantile=""} 1\n', "line 2, column 1: expected float as value for 'quantile' label, got \"\""],
    ['invalid escape', 'a{b="\\x"} 1\n', 'line 1, column 6: invalid escape sequence "\\x" in value of label "b"'],
    ['OpenMetrics is checked strictly', '# TYPE a counter\na_total -1\n# EOF\n', 'line 2, column 1: _total must not be negative, got -1'],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => assert.equal(errorOf(() => lint(input, input.endsWith('# EOF\n') ? 'openmetrics' : 'text')), want));
  }
});
