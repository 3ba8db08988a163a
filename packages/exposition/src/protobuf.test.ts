import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeMetricFamilies, decodeMetricFamily, encodeMetricFamilies, encodeMetricFamily, familiesToProto, protoToFamilies,
  ProtobufError, ProtoMetricType, type ProtoMetricFamily,
} from './protobuf.js';
import { parseFamilies } from './families.js';
import { writeFamilies } from './writer.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

test('protobuf: a small family encodes to the bytes the schema prescribes', () => {
  const f: ProtoMetricFamily = { name: 'a', type: ProtoMetricType.GAUGE, metric: [{ gauge: { value: 1 } }] };
  // name (1, bytes) "a"; type (3, varint) 1; metric (4, bytes, 11): gauge (2, bytes, 9): value (1, fixed64) 1.0
  const want = '0a0161 1801 220b 1209 09000000000000f03f';
  assert.equal(hex(encodeMetricFamily(f)), want.replace(/\s+/g, ''));
  assert.equal(hex(encodeMetricFamilies([f])), '12' + want.replace(/\s+/g, ''));
  assert.deepEqual(decodeMetricFamily(bytes(want)), { name: 'a', type: 1, metric: [{ label: [], gauge: { value: 1 } }] });
});

const full: ProtoMetricFamily[] = [
  {
    name: 'http_requests_total',
    help: 'Requests, with "quotes" and ünïcödé 🚀.',
    type: ProtoMetricType.COUNTER,
    metric: [
      {
        label: [{ name: 'code', value: '200' }, { name: 'path', value: '/a/b' }],
        counter: {
          value: 1027.5,
          exemplar: { label: [{ name: 'trace_id', value: 'abc' }], value: 0.25, timestamp: { seconds: 1700000000, nanos: 123000000 } },
          createdTimestamp: { seconds: 1600000000, nanos: 0 },
        },
        timestampMs: -1, // negative int64: ten bytes
      },
      { label: [{ name: 'code', value: '' }], counter: { value: NaN } },
    ],
  },
  { name: 'g', help: '', type: ProtoMetricType.GAUGE, metric: [{ gauge: { value: -Infinity } }, { gauge: {} }] },
  {
    name: 'rpc_seconds',
    type: ProtoMetricType.SUMMARY,
    unit: 'seconds',
    metric: [{ summary: { sampleCount: 2 ** 40 + 3, sampleSum: 12.5, quantile: [{ quantile: 0.5, value: 1 }, { quantile: 0.99, value: 3 }] } }],
  },
  {
    name: 'latency',
    type: ProtoMetricType.HISTOGRAM,
    metric: [
      {
        label: [{ name: 'le_not', value: 'x' }],
        histogram: {
          sampleCount: 10,
          sampleSum: 3.5,
          bucket: [
            { upperBound: 0.1, cumulativeCount: 2, exemplar: { label: [{ name: 'id', value: '1' }], value: 0.05 } },
            { upperBound: 1, cumulativeCountFloat: 7.5 },
            { upperBound: Infinity, cumulativeCount: 10 },
          ],
          schema: -3,
          zeroThreshold: 1e-128,
          zeroCount: 1,
          negativeSpan: [{ offset: -2, length: 2 }],
          negativeDelta: [1, -1],
          positiveSpan: [{ offset: 0, length: 3 }],
          positiveDelta: [3, -2, 9007199254740991],
          positiveCount: [1.5],
          exemplars: [{ label: [], value: 2, timestamp: { seconds: 1, nanos: 2 } }],
          createdTimestamp: { seconds: 5, nanos: 6 },
        },
      },
    ],
  },
  { name: 'empty', type: ProtoMetricType.UNTYPED, metric: [] },
  { metric: [{ untyped: { value: 5 } }] },
];

test('protobuf: every field of the schema survives encode then decode', () => {
  const decoded = decodeMetricFamilies(encodeMetricFamilies(full));
  assert.equal(decoded.length, full.length);
  // Decoding fills empty repeated fields; compare with those normalised.
  const norm = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : Array.isArray(x) && x.length === 0 ? undefined : x)));
  assert.deepEqual(norm(decoded), norm(full));
  assert.equal(decoded[0].metric![0].timestampMs, -1);
  assert.ok(Number.isNaN(decoded[0].metric![1].counter!.value));
  assert.equal(decoded[1].help, '');
  assert.equal(decoded[2].help, undefined);
  assert.equal(decoded[3].metric![0].histogram!.positiveDelta![2], 9007199254740991);
  assert.equal(decoded[5].type, undefined);
});

test('protobuf: packed repeated scalars and unknown fields are read as Go reads them', () => {
  // Histogram (metric field 7) with positive_delta packed (13, bytes: zigzag 1 → 2, -1 → 1), positive_count
  // packed (14: one double 2.0) and an unknown field 99 (varint) that is skipped.
  const hist = '6a020201 7208 0000000000000040 9806 07';
  const histLen = Buffer.from(hist.replace(/\s+/g, ''), 'hex').length;
  const metric = '3a' + histLen.toString(16).padStart(2, '0') + hist;
  const metricLen = Buffer.from(metric.replace(/\s+/g, ''), 'hex').length;
  const fam = '0a0168 1804 22' + metricLen.toString(16).padStart(2, '0') + metric + 'f8010a'; // + unknown field 31
  const got = decodeMetricFamily(bytes(fam));
  assert.deepEqual(got.metric![0].histogram!.positiveDelta, [1, -1]);
  assert.deepEqual(got.metric![0].histogram!.positiveCount, [2]);
  assert.equal(got.name, 'h');
});

test('protobuf: truncated and malformed input fails with the offset', () => {
  const good = encodeMetricFamilies(full);
  for (const cut of [1, 5, 17, good.length - 1]) {
    assert.throws(() => decodeMetricFamilies(good.subarray(0, cut)), (e: unknown) => e instanceof ProtobufError && e.code === 'bad_data' && e.offset >= 0);
  }
  const cases: [string, RegExp][] = [
    ['05 0a05616263', /length 5 runs past the end of the enclosing message at byte 2/],
    ['02 0b00', /unsupported wire type 3 at byte 1/],
    ['0b ffffffffffffffffffff01', /varint longer than 10 bytes/],
    ['03 0a01ff', /string field is not valid UTF-8 at byte 3/],
    ['02 0001', /field number 0 at byte 1/],
  ];
  for (const [input, re] of cases) assert.throws(() => decodeMetricFamilies(bytes(input)), re, input);
});

test('protobuf: conversions to samples and back match the text format', () => {
  const text = [
    '# HELP rpc_seconds RPC latency.',
    '# TYPE rpc_seconds summary',
    'rpc_seconds{service="a",quantile="0.5"} 0.1',
    'rpc_seconds{service="a",quantile="0.9"} 0.7',
    'rpc_seconds_sum{service="a"} 12',
    'rpc_seconds_count{service="a"} 40',
    '# TYPE req_total counter',
    'req_total{code="200"} 5',
    '# TYPE lat histogram',
    'lat_bucket{le="0.5"} 1',
    'lat_bucket{le="+Inf"} 3',
    'lat_sum 2.5',
    'lat_count 3',
    '# TYPE temp gauge',
    'temp -3.5',
    'other 1',
    '',
  ].join('\n');
  const families = parseFamilies(text, 'text');
  const proto = familiesToProto(families);
  assert.deepEqual(proto.map((f) => [f.name, f.type, f.metric!.length]), [
    ['rpc_seconds', ProtoMetricType.SUMMARY, 1], ['req_total', ProtoMetricType.COUNTER, 1], ['lat', ProtoMetricType.HISTOGRAM, 1],
    ['temp', ProtoMetricType.GAUGE, 1], ['other', ProtoMetricType.UNTYPED, 1],
  ]);
  const back = protoToFamilies(decodeMetricFamilies(encodeMetricFamilies(proto)));
  assert.equal(writeFamilies(back, 'text'), writeFamilies(families, 'text'));
});

test('protobuf: a histogram without a +Inf bucket gets one from its count', () => {
  const [f] = protoToFamilies([{ name: 'h', type: ProtoMetricType.HISTOGRAM, metric: [{ histogram: { sampleCount: 4, sampleSum: 1, bucket: [{ upperBound: 1, cumulativeCount: 2 }] } }] }]);
  assert.equal(writeFamilies([f], 'text'), '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 4\nh_sum 1\nh_count 4\n');
});
