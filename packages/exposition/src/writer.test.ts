import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '@vigil/model';
import { ExpositionWriter, formatOpenMetricsValue, formatSeries, formatTextValue, writeFamilies } from './writer.js';
import type { MetricFamily, Sample } from './types.js';

const L = (o: Record<string, string> = {}) => Labels.fromObject(o);
const S = (name: string, labels: Record<string, string>, value: number, extra: Partial<Sample> = {}): Sample => ({
  name,
  labels: L(labels),
  value,
  ...extra,
});

test('floats print as client_golang prints them in each format', () => {
  // [value, text 0.0.4, OpenMetrics]: Go's %g shortest form; OpenMetrics adds ".0" without '.' or 'e'.
  const cases: Array<[number, string, string]> = [
    [0, '0', '0.0'],
    [-0, '0', '0.0'],
    [1, '1', '1.0'],
    [-1, '-1', '-1.0'],
    [42, '42', '42.0'],
    [0.5, '0.5', '0.5'],
    [999999, '999999', '999999.0'],
    [1e6, '1e+06', '1e+06'],
    [1234567, '1.234567e+06', '1.234567e+06'],
    [0.0001, '0.0001', '0.0001'],
    [0.00001, '1e-05', '1e-05'],
    [1.5e-7, '1.5e-07', '1.5e-07'],
    [1e21, '1e+21', '1e+21'],
    [123.456, '123.456', '123.456'],
    [-2.5e10, '-2.5e+10', '-2.5e+10'],
    [NaN, 'NaN', 'NaN'],
    [Infinity, '+Inf', '+Inf'],
    [-Infinity, '-Inf', '-Inf'],
    [1520879607.789, '1.520879607789e+09', '1.520879607789e+09'],
  ];
  for (const [v, text, om] of cases) {
    assert.equal(formatTextValue(v), text, `text ${v}`);
    assert.equal(formatOpenMetricsValue(v), om, `openmetrics ${v}`);
  }
});

test('series names outside the classic charset are quoted inside the braces', () => {
  assert.equal(formatSeries('up', ''), 'up');
  assert.equal(formatSeries('up', 'a="1"'), 'up{a="1"}');
  assert.equal(formatSeries('my.metric', ''), '{"my.metric"}');
  assert.equal(formatSeries('my.metric', 'a="1"'), '{"my.metric",a="1"}');
});

const families: MetricFamily[] = [
  {
    name: 'http_requests',
    type: 'counter',
    help: 'Requests "served"\\ by\nhandler.',
    samples: [
      S('http_requests_total', { method: 'GET', code: '200' }, 1027, {
        exemplar: { labels: L({ trace_id: 'abc' }), value: 1, timestamp: 1520879607789 },
      }),
      S('http_requests_created', { method: 'GET', code: '200' }, 1520430000.123),
      S('http_requests_total', { method: 'POST', code: '500', path: 'a"b\\c\nd' }, 3),
    ],
  },
  {
    name: 'temperature',
    type: 'gauge',
    help: 'Temperature.',
    unit: 'celsius',
    samples: [S('temperature', {}, -0.5, { timestamp: 1395066363000 })],
  },
  {
    name: 'latency_seconds',
    type: 'histogram',
    help: 'Latency.',
    samples: [
      S('latency_seconds_bucket', { le: '0.1', zone: 'a' }, 1),
      S('latency_seconds_bucket', { le: '1', zone: 'a' }, 2, {
        exemplar: { labels: L({ trace_id: 'x' }), value: 0.7 },
      }),
      S('latency_seconds_bucket', { le: '+Inf', zone: 'a' }, 3),
      S('latency_seconds_sum', { zone: 'a' }, 2.5),
      S('latency_seconds_count', { zone: 'a' }, 3),
    ],
  },
  {
    name: 'rpc_seconds',
    type: 'summary',
    samples: [
      S('rpc_seconds', { quantile: '0.5', b: 'x' }, 4773),
      S('rpc_seconds', { quantile: '1', b: 'x' }, 9001),
      S('rpc_seconds_sum', { b: 'x' }, 1.7560473e7),
      S('rpc_seconds_count', { b: 'x' }, 2693),
    ],
  },
  {
    name: 'queue',
    type: 'gaugehistogram',
    help: 'Queue.',
    samples: [
      S('queue_bucket', { le: '10' }, 4),
      S('queue_bucket', { le: '+Inf' }, 5),
      S('queue_gcount', {}, 5),
      S('queue_gsum', {}, 21),
    ],
  },
  { name: 'build', type: 'info', help: 'Build.', samples: [S('build_info', { version: '1.2' }, 1)] },
  { name: 'state', type: 'stateset', samples: [S('state', { state: 'a' }, 1), S('state', { state: 'b' }, 0)] },
  { name: 'mystery', type: 'unknown', samples: [S('mystery', {}, 7)] },
  { name: 'empty', type: 'gauge', help: 'No samples.', samples: [] },
];

test('text format 0.0.4: types mapped, _created dropped, le/quantile last, no exemplars', () => {
  const expected = [
    '# HELP http_requests_total Requests "served"\\\\ by\\nhandler.',
    '# TYPE http_requests_total counter',
    'http_requests_total{code="200",method="GET"} 1027',
    'http_requests_total{code="500",method="POST",path="a\\"b\\\\c\\nd"} 3',
    '# HELP temperature Temperature.',
    '# TYPE temperature gauge',
    'temperature -0.5 1395066363000',
    '# HELP latency_seconds Latency.',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{zone="a",le="0.1"} 1',
    'latency_seconds_bucket{zone="a",le="1"} 2',
    'latency_seconds_bucket{zone="a",le="+Inf"} 3',
    'latency_seconds_sum{zone="a"} 2.5',
    'latency_seconds_count{zone="a"} 3',
    '# TYPE rpc_seconds summary',
    'rpc_seconds{b="x",quantile="0.5"} 4773',
    'rpc_seconds{b="x",quantile="1"} 9001',
    'rpc_seconds_sum{b="x"} 1.7560473e+07',
    'rpc_seconds_count{b="x"} 2693',
    '# HELP queue Queue.',
    '# TYPE queue histogram',
    'queue_bucket{le="10"} 4',
    'queue_bucket{le="+Inf"} 5',
    'queue_count 5',
    'queue_sum 21',
    '# HELP build_info Build.',
    '# TYPE build_info gauge',
    'build_info{version="1.2"} 1',
    '# TYPE state gauge',
    'state{state="a"} 1',
    'state{state="b"} 0',
    '# TYPE mystery untyped',
    'mystery 7',
    '# HELP empty No samples.',
    '# TYPE empty gauge',
    '',
  ].join('\n');
  assert.equal(writeFamilies(families, 'text'), expected);
});

test('OpenMetrics 1.0: units, exemplars, _created, integer counts, float labels, # EOF', () => {
  const expected = [
    '# HELP http_requests Requests \\"served\\"\\\\ by\\nhandler.',
    '# TYPE http_requests counter',
    'http_requests_total{code="200",method="GET"} 1027.0 # {trace_id="abc"} 1.0 1.520879607789e+09',
    'http_requests_created{code="200",method="GET"} 1.520430000123e+09',
    'http_requests_total{code="500",method="POST",path="a\\"b\\\\c\\nd"} 3.0',
    '# HELP temperature Temperature.',
    '# TYPE temperature gauge',
    '# UNIT temperature celsius',
    'temperature -0.5 1.395066363e+09',
    '# HELP latency_seconds Latency.',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{zone="a",le="0.1"} 1',
    'latency_seconds_bucket{zone="a",le="1.0"} 2 # {trace_id="x"} 0.7',
    'latency_seconds_bucket{zone="a",le="+Inf"} 3',
    'latency_seconds_sum{zone="a"} 2.5',
    'latency_seconds_count{zone="a"} 3',
    '# TYPE rpc_seconds summary',
    'rpc_seconds{b="x",quantile="0.5"} 4773.0',
    'rpc_seconds{b="x",quantile="1.0"} 9001.0',
    'rpc_seconds_sum{b="x"} 1.7560473e+07',
    'rpc_seconds_count{b="x"} 2693',
    '# HELP queue Queue.',
    '# TYPE queue gaugehistogram',
    'queue_bucket{le="10.0"} 4',
    'queue_bucket{le="+Inf"} 5',
    'queue_gcount 5',
    'queue_gsum 21.0',
    '# HELP build Build.',
    '# TYPE build info',
    'build_info{version="1.2"} 1.0',
    '# TYPE state stateset',
    'state{state="a"} 1.0',
    'state{state="b"} 0.0',
    '# TYPE mystery unknown',
    'mystery 7.0',
    '# HELP empty No samples.',
    '# TYPE empty gauge',
    '# EOF',
    '',
  ].join('\n');
  assert.equal(writeFamilies(families, 'openmetrics'), expected);
});

test('counter families named the text way convert to OpenMetrics and back', () => {
  const textStyle: MetricFamily[] = [
    { name: 'jobs_total', type: 'counter', help: 'Jobs.', samples: [S('jobs_total', {}, 2)] },
    // A counter without the `_total` suffix is no OpenMetrics counter: client_golang writes it as unknown.
    { name: 'legacy', type: 'counter', help: 'Old.', samples: [S('legacy', {}, 5)] },
  ];
  assert.equal(
    writeFamilies(textStyle, 'openmetrics'),
    '# HELP jobs Jobs.\n# TYPE jobs counter\njobs_total 2.0\n# HELP legacy Old.\n# TYPE legacy unknown\nlegacy 5.0\n# EOF\n',
  );
  assert.equal(
    writeFamilies(textStyle, 'text'),
    '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 2\n# HELP legacy Old.\n# TYPE legacy counter\nlegacy 5\n',
  );
});

test('an empty list writes nothing in text and only # EOF in OpenMetrics', () => {
  assert.equal(writeFamilies([], 'text'), '');
  assert.equal(writeFamilies([], 'openmetrics'), '# EOF\n');
});

test('the appending writer drains in pieces that add up to the whole', () => {
  const w = new ExpositionWriter('openmetrics');
  w.family('a', 'counter', 'A.');
  w.sample('a_total', 1);
  const first = w.take();
  assert.equal(w.size, 0);
  w.count('b_count', 3);
  w.line('c', 2, false, 1000, 'x="y"', 0.25, 2500);
  w.line('d', 1, false, undefined, '', 1); // exemplars without labels are not written
  assert.equal(
    first + w.end(),
    '# HELP a A.\n# TYPE a counter\na_total 1.0\nb_count 3\nc 2.0 1.0 # {x="y"} 0.25 2.5\nd 1.0\n# EOF\n',
  );
  const t = new ExpositionWriter('text');
  t.sampleAfter('a{x="1"} ', 0.5);
  t.count('b_count', 3);
  t.line('c', 2, false, 1000, 'x="y"', 0.25, 2500);
  assert.equal(t.end(), 'a{x="1"} 0.5\nb_count 3\nc 2 1000\n');
});

test('the appending writer keeps long outputs whole across its internal pieces', () => {
  const w = new ExpositionWriter('openmetrics');
  const parts: string[] = [];
  let expected = '';
  for (let i = 0; i < 20_000; i++) {
    w.sampleAfter(`m{i="${i}"} `, i / 4);
    expected += `m{i="${i}"} ${formatOpenMetricsValue(i / 4)}\n`;
    if (i === 7_000) parts.push(w.take()); // many internal pieces by now
  }
  parts.push(w.end());
  assert.equal(parts.join(''), expected + '# EOF\n');
  assert.ok(parts[0].length > 100_000 && parts[0].endsWith('m{i="7000"} 1750.0\n'));
});
