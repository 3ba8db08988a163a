/**
 * `vigil check metrics` against the real thing: the built CLI and Debian's `promtool check metrics` run
 * on the same inputs must agree on the exit code (0 clean, 3 lint problems, 1 invalid), print the same
 * lint lines on stderr, and nothing on stdout. OpenMetrics inputs (promtool reads only the text format)
 * are compared with the verdict of Debian's Python client OpenMetrics parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireProgram, runProgram } from '@vigil/testkit';
import { detectFormat } from './check-metrics.js';

const vigil = join(repoRoot(), 'packages', 'cli', 'bin', 'vigil.js');
const runVigil = (input: string, ...args: string[]) => runProgram(process.execPath, [vigil, 'check', 'metrics', ...args], input);

const TEXT_CASES: Array<[string, string]> = [
  // Clean.
  ['empty input', ''],
  ['counter', '# HELP a_total Requests.\n# TYPE a_total counter\na_total 1\n'],
  ['gauge with labels, timestamp, NaN', '# HELP g Gauge.\n# TYPE g gauge\ng{a="1"} 1.5 1000\ng{a="2"} NaN\ng{a="3"} -Inf\n'],
  ['histogram', '# HELP h_seconds H.\n# TYPE h_seconds histogram\nh_seconds_bucket{le="0.1"} 1\nh_seconds_bucket{le="+Inf"} 2\nh_seconds_sum 0.3\nh_seconds_count 2\n'],
  ['summary', '# HELP s_seconds S.\n# TYPE s_seconds summary\ns_seconds{quantile="0.5"} 1\ns_seconds{quantile="0.99"} 2\ns_seconds_sum 3\ns_seconds_count 4\n'],
  ['comments and blank lines', '# just a comment\n\n  \n# HELP a x\n   a   1\n'],
  ['blanks after the value', '# HELP a x\na 1 \n'],
  ['blanks after the timestamp', '# HELP a x\na 1 2\t\n'],
  ['metadata without samples', '# HELP a x\n# TYPE a gauge\n'],
  ['escapes', '# HELP a Back\\\\slash\\nnewline.\na{b="q\\"uo\\\\te\\n"} 1\n'],
  ['negative timestamp', '# HELP a x\na 1 -5\n'],
  ['blanks inside braces and trailing comma', '# HELP a x\na{ b = "1", } 1\n'],
  ['value right after the braces', '# HELP a x\na{b="1"}1\n'],
  // Lint problems.
  ['no help', 'a 1\n'],
  ['counter without _total', '# HELP a x\n# TYPE a counter\na 1\n'],
  ['gauge with _total', '# HELP a_total x\n# TYPE a_total gauge\na_total 1\n'],
  ['reserved suffixes', '# HELP a_count x\n# TYPE a_count gauge\na_count 1\n# HELP b_sum x\n# TYPE b_sum counter\nb_sum 1\n# HELP c_bucket x\n# TYPE c_bucket summary\nc_bucket 1\n'],
  ['le and quantile on a gauge', '# HELP g x\n# TYPE g gauge\ng{le="1"} 1\ng{le="2",quantile="0.5"} 1\n'],
  ['type names in names', '# HELP a_counter_gauge x\na_counter_gauge 1\n# HELP my_gauge_histogram x\n# TYPE my_gauge_histogram histogram\nmy_gauge_histogram_count 1\n'],
  ['colon, camelCase, abbreviations', '# HELP job:fooBar_ms x\njob:fooBar_ms{someLabel="1",other_Label="2"} 1\n'],
  ['non-base units', '# HELP disk_kilobytes x\ndisk_kilobytes 1\n# HELP t_milliseconds_total x\n# TYPE t_milliseconds_total counter\nt_milliseconds_total 1\n# HELP x_fahrenheit x\nx_fahrenheit 1\n'],
  ['abbreviations repeated', '# HELP a_s_ms x\na_s_ms 1\n'],
  ['histogram grouping of labels', '# HELP h x\n# TYPE h histogram\nh_bucket{aB="1",le="1"} 1\nh_bucket{aB="1",le="+Inf"} 1\nh_sum{aB="1"} 1\nh_count{aB="1"} 1\nh_bucket{aB="2",le="+Inf"} 1\n'],
  ['samples not matching the counter family name', '# HELP a x\n# TYPE a counter\na_total 1\n'],
  ['non-contiguous family', '# HELP a x\na{x="1"} 1\nb 1\na{x="2"} 2\n'],
  ['HELP without text', '# HELP a \n# TYPE a gauge\na 1\n'],
  ['many families sorted', 'zz 1\naa 1\n# HELP mm_total x\n# TYPE mm_total gauge\nmm_total 1\n'],
  // Invalid.
  ['missing "="', 'a{b} 1\n'],
  ['unterminated label value', 'a{b="c} 1\n'],
  ['missing comma', 'a{b="c" d="e"} 1\n'],
  ['bad value', 'a 1x\n'],
  ['hex value', 'a 0x1p-3\n'],
  ['float timestamp', 'a 1 1.5\n'],
  ['junk after timestamp', 'a 1 2 3\n'],
  ['duplicate label', 'a{b="1",b="2"} 1\n'],
  ['__name__ label', 'a{__name__="b"} 1\n'],
  ['second HELP', '# HELP a x\n# HELP a y\na 1\n'],
  ['second TYPE', '# TYPE a gauge\n# TYPE a counter\n'],
  ['TYPE after samples', 'a 1\n# TYPE a gauge\n'],
  ['unknown type', '# TYPE a meter\n'],
  ['le not a number', '# TYPE h histogram\nh_bucket{le="x"} 1\n'],
  ['quantile empty', '# TYPE s summary\ns{quantile=""} 1\n'],
  ['invalid escape in label value', 'a{b="\\x"} 1\n'],
  ['invalid escape in HELP', '# HELP a x\\ty\na 1\n'],
  ['missing value', 'a\n'],
  ['label name starting with a digit', 'a{1b="x"} 1\n'],
];

test('vigil check metrics agrees with promtool check metrics on text inputs', async (t) => {
  const promtool = requireProgram('promtool', 'prometheus');
  for (const [name, input] of TEXT_CASES) {
    await t.test(name, () => {
      const want = runProgram(promtool, ['check', 'metrics'], input);
      const got = runVigil(input);
      assert.equal(got.stdout, '', 'nothing on stdout');
      assert.equal(want.stdout, '');
      assert.equal(got.status, want.status, `exit code: vigil ${got.status} (${got.stderr.trim()}), promtool ${want.status} (${want.stderr.trim()})`);
      if (want.status === 3 || want.status === 0) assert.equal(got.stderr, want.stderr, 'the same lint lines');
      if (want.status === 1) {
        assert.match(want.stderr, /^error while linting: /);
        assert.match(got.stderr, /^error while linting: line \d+, column \d+: .+\n$/);
      }
    });
  }
});

test('vigil check metrics: deliberate differences from promtool 2.42 (Prometheus 3.x parsing)', async (t) => {
  const promtool = requireProgram('promtool', 'prometheus');
  // [name, input, promtool's exit code, vigil's exit code]
  const cases: Array<[string, string, number, number]> = [
    // Prometheus's scrape parser accepts only the lower-case type names; expfmt accepts any case.
    ['type in capitals', '# HELP a_total x\n# TYPE a_total COUNTER\na_total 1\n', 0, 1],
    // The UTF-8 name syntax of Prometheus 3.x; promtool 2.42 predates it.
    ['quoted UTF-8 names', '# HELP "a.b" x\n{"a.b"} 1\n', 1, 0],
    // Prometheus reads the type after exactly one blank; expfmt skips any number.
    ['two blanks before the type', '# HELP a_total x\n# TYPE a_total  counter\na_total 1\n', 0, 1],
  ];
  for (const [name, input, promtoolStatus, vigilStatus] of cases) {
    await t.test(name, () => {
      assert.equal(runProgram(promtool, ['check', 'metrics'], input).status, promtoolStatus);
      assert.equal(runVigil(input).status, vigilStatus);
    });
  }
});

function debianPython(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : requireProgram('python3', 'python3-prometheus-client');
}

const PY_PARSE = `import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
list(text_string_to_metric_families(sys.stdin.read()))`;

test('vigil check metrics on OpenMetrics input agrees with the Python client parser', async (t) => {
  const python = debianPython();
  const cases: Array<[string, string]> = [
    ['counter with exemplar', '# TYPE a counter\n# HELP a x\na_total 1 # {trace_id="1"} 0.5 123\na_created 1\n# EOF\n'],
    ['no help (lint problem)', '# TYPE a counter\na_total 1\n# EOF\n'],
    ['histogram', '# TYPE h_seconds histogram\n# UNIT h_seconds seconds\n# HELP h_seconds x\nh_seconds_bucket{le="1"} 1\nh_seconds_bucket{le="+Inf"} 2\nh_seconds_count 2\nh_seconds_sum 1\n# EOF\n'],
    ['no final line feed', '# HELP a x\na 1\n# EOF'],
    ['negative counter', '# TYPE a counter\na_total -1\n# EOF\n'],
    ['missing +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\n# EOF\n'],
    ['interleaved', '# TYPE a gauge\n# HELP a x\na{x="1"} 1\na{x="2"} 1\na{x="1"} 2\n# EOF\n'],
    ['text after EOF', '# HELP a x\na 1\n# EOF\nb 1\n'],
    ['blank line', '# HELP a x\na 1\n\n# EOF\n'],
    ['comment', '# hello\n# EOF\n'],
  ];
  for (const [name, input] of cases) {
    await t.test(name, () => {
      const py = runProgram(python, ['-c', PY_PARSE], input);
      assert.ok(py.status === 0 || /Error/.test(py.stderr), `python ran: ${py.stderr}`);
      const got = runVigil(input, '--format', 'openmetrics');
      assert.equal(got.status === 1, py.status !== 0, `vigil exit ${got.status} (${got.stderr.trim()}), python exit ${py.status}`);
    });
  }
  // --format overrides detection: OpenMetrics input read as text fails on its exemplar.
  const ex = '# TYPE a counter\n# HELP a x\na_total 1 # {t="1"} 1\n# EOF\n';
  assert.equal(runVigil(ex).status, 0);
  assert.equal(runVigil(ex, '--format', 'text').status, 1);
  assert.equal(runVigil('# HELP a x\na 1\n', '--format', 'openmetrics').status, 1);
  const bad = runVigil('', '--format', 'json');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid value "json" for flag --format/);
});

test('format detection: OpenMetrics when the input ends with # EOF', () => {
  assert.equal(detectFormat('a 1\n# EOF\n'), 'openmetrics');
  assert.equal(detectFormat('a 1\n# EOF'), 'openmetrics');
  assert.equal(detectFormat('# EOF'), 'openmetrics');
  assert.equal(detectFormat('a 1\n'), 'text');
  assert.equal(detectFormat('a 1\n# EOF\n\n'), 'text');
  assert.equal(detectFormat('a 1 # EOF\n'), 'text');
  assert.equal(detectFormat(''), 'text');
});
