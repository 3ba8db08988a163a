import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterResetHint } from '@vigil/model';
import { EntryType } from './parser.js';
import { encodeMetricFamilies } from './protobuf-encode.js';
import { ProtobufParser, type ProtobufParserOptions } from './protobuf-parser.js';
import type { ProtoMetricFamily } from './protobuf-types.js';

/** Every entry as a line: `help|type|unit name ...`, `series <labels> <value> [@ts]`, `histogram <labels> <count>/<sum> ...`. */
function entries(families: ProtoMetricFamily[], options: ProtobufParserOptions = {}): string[] {
  const p = new ProtobufParser(encodeMetricFamilies(families), options);
  const out: string[] = [];
  for (let et = p.next(); et !== EntryType.EOF; et = p.next()) {
    if (et === EntryType.Help) out.push(`help ${p.familyName()} ${JSON.stringify(p.help())}`);
    else if (et === EntryType.Type) out.push(`type ${p.familyName()} ${p.familyType()}`);
    else if (et === EntryType.Unit) out.push(`unit ${p.familyName()} ${p.unit()}`);
    else {
      const ts = Number.isNaN(p.timestamp) ? '' : ` @${p.timestamp}`;
      const ex = p.hasExemplar ? ` # ${p.exemplar()!.labels.toString()} ${p.exemplar()!.value}` : '';
      assert.equal(p.seriesHash() >= 0, true);
      assert.ok(p.seriesIs(p.series()) && !p.seriesIs(p.series() + 'x'));
      if (et === EntryType.Series) out.push(`series ${p.labels().toString()} ${p.value}${ts}${ex}`);
      else {
        const h = p.histogram!()!;
        const spans = h.positiveSpans.map((s) => `${s.offset}:${s.length}`).join(',');
        out.push(`histogram ${p.labels().toString()} ${h.count}/${h.sum} p=${spans}[${h.positiveBuckets}] n=[${h.negativeBuckets}] z=${h.zeroCount}${h.counterResetHint === CounterResetHint.Gauge ? ' gauge' : ''}${ts}${ex}`);
      }
    }
  }
  return out;
}

const native: ProtoMetricFamily = {
  name: 'lat', help: 'L.', type: 4, unit: 'seconds',
  metric: [{
    label: [{ name: 'b', value: '2' }, { name: 'a', value: '1' }],
    timestampMs: 1234,
    histogram: {
      sampleCount: 6, sampleSum: 1.5, schema: 0, zeroThreshold: 0.1, zeroCount: 1,
      positiveSpan: [{ offset: 1, length: 3 }], positiveDelta: [2, -2, 3],
      exemplars: [{ label: [{ name: 'id', value: 'x' }], value: 0.5 }, { label: [{ name: 'id', value: 'y' }], value: 0.7, timestamp: { seconds: 1 } }],
      bucket: [{ cumulativeCount: 4, upperBound: 1 }],
    },
  }],
};

test('protobuf families become entries as Prometheus 3.x reads them', () => {
  const cases: Array<{ name: string; families: ProtoMetricFamily[]; options?: ProtobufParserOptions; want: string[] }> = [
    {
      name: 'counter with an exemplar, gauge, untyped; empty family skipped',
      families: [
        { name: 'c_total', type: 0, metric: [{ counter: { value: 3, exemplar: { label: [{ name: 'id', value: 'e' }], value: 1 } } }] },
        { name: 'empty', type: 1, metric: [] },
        { name: 'g', help: 'G', type: 1, metric: [{ gauge: { value: -1 } }] },
        { name: 'u', type: 3, metric: [{ untyped: { value: 7 } }] },
      ],
      want: [
        'help c_total ""', 'type c_total counter', 'series {__name__="c_total"} 3 # {id="e"} 1',
        'help g "G"', 'type g gauge', 'series {__name__="g"} -1',
        'help u ""', 'type u unknown', 'series {__name__="u"} 7',
      ],
    },
    {
      name: 'summary: count, sum, quantiles with OpenMetrics floats',
      families: [{ name: 's', type: 2, metric: [{ summary: { sampleCount: 2, sampleSum: 3, quantile: [{ quantile: 0.5, value: 1 }, { quantile: 1, value: 2 }] } }] }],
      want: ['help s ""', 'type s summary', 'series {__name__="s_count"} 2', 'series {__name__="s_sum"} 3', 'series {__name__="s", quantile="0.5"} 1', 'series {__name__="s", quantile="1.0"} 2'],
    },
    {
      name: 'classic histogram: +Inf bucket added, float counts preferred',
      families: [{ name: 'h', type: 4, metric: [{ histogram: { sampleCountFloat: 4.5, sampleSum: 9, bucket: [{ cumulativeCountFloat: 1.5, upperBound: 0.25 }, { cumulativeCount: 3, upperBound: 1 }] } }] }],
      want: ['help h ""', 'type h histogram', 'series {__name__="h_count"} 4.5', 'series {__name__="h_sum"} 9', 'series {__name__="h_bucket", le="0.25"} 1.5', 'series {__name__="h_bucket", le="1.0"} 3', 'series {__name__="h_bucket", le="+Inf"} 4.5'],
    },
    {
      name: 'native histogram: counts from deltas, empty buckets dropped, first timestamped exemplar, unit',
      families: [native],
      want: ['help lat "L."', 'unit lat seconds', 'type lat histogram', 'histogram {__name__="lat", a="1", b="2"} 6/1.5 p=1:1,1:1[2,3] n=[] z=1 @1234 # {id="y"} 0.7'],
    },
    {
      name: 'native histogram with its classic buckets too',
      families: [native],
      options: { parseClassicHistograms: true },
      want: [
        'help lat "L."', 'unit lat seconds', 'type lat histogram', 'histogram {__name__="lat", a="1", b="2"} 6/1.5 p=1:1,1:1[2,3] n=[] z=1 @1234 # {id="y"} 0.7',
        'series {__name__="lat_count", a="1", b="2"} 6 @1234', 'series {__name__="lat_sum", a="1", b="2"} 1.5 @1234',
        'series {__name__="lat_bucket", a="1", b="2", le="1.0"} 4 @1234', 'series {__name__="lat_bucket", a="1", b="2", le="+Inf"} 6 @1234',
      ],
    },
    {
      name: 'native histograms ignored: read as classic',
      families: [native, { name: 'gh', type: 5, metric: [{ histogram: { sampleCountFloat: 2, sampleSum: 1, schema: 1, positiveSpan: [{ offset: 0, length: 1 }], positiveCount: [2] } }] }],
      options: { ignoreNativeHistograms: true },
      want: [
        'help lat "L."', 'unit lat seconds', 'type lat histogram',
        'series {__name__="lat_count", a="1", b="2"} 6 @1234', 'series {__name__="lat_sum", a="1", b="2"} 1.5 @1234',
        'series {__name__="lat_bucket", a="1", b="2", le="1.0"} 4 @1234', 'series {__name__="lat_bucket", a="1", b="2", le="+Inf"} 6 @1234',
        'help gh ""', 'type gh gaugehistogram', 'series {__name__="gh_count"} 2', 'series {__name__="gh_sum"} 1', 'series {__name__="gh_bucket", le="+Inf"} 2',
      ],
    },
    {
      name: 'gauge histogram with float counts',
      families: [{ name: 'gh', type: 5, metric: [{ histogram: { sampleCountFloat: 2.5, sampleSum: 1, schema: 1, positiveSpan: [{ offset: 0, length: 2 }], positiveCount: [2, 0.5] } }] }],
      want: ['help gh ""', 'type gh gaugehistogram', 'histogram {__name__="gh"} 2.5/1 p=0:2[2,0.5] n=[] z=0 gauge'],
    },
  ];
  for (const c of cases) assert.deepEqual(entries(c.families, c.options), c.want, c.name);
});

test('bad protobuf bodies and inconsistent native histograms are errors naming the histogram', () => {
  assert.throws(() => new ProtobufParser(encodeMetricFamilies([native]).subarray(0, 20)), /protobuf/);
  assert.throws(
    () => entries([{ name: 'x', type: 4, metric: [{ histogram: { sampleCount: 1, schema: 0, positiveSpan: [{ offset: 0, length: 2 }], positiveDelta: [1] } }] }]),
    /histogram "x": positive side: spans need 2 buckets, have 1 buckets/,
  );
  assert.throws(
    () => entries([{ name: 'x', type: 4, metric: [{ histogram: { sampleCount: 1, sampleSum: NaN, schema: 0, positiveSpan: [{ offset: 0, length: 1 }], positiveDelta: [2] } }] }]),
    /histogram "x": 2 observations found in buckets, but the Count field is 1: histogram's observation count should be at least/,
  );
});

test('bucket limit and maximum schema reduce native histograms as Prometheus scrapes them', () => {
  const h: ProtoMetricFamily = {
    name: 'x', type: 4,
    metric: [{ histogram: { sampleCount: 11, sampleSum: 1, schema: 2, positiveSpan: [{ offset: 1, length: 8 }], positiveDelta: [1, 0, 0, 0, 0, 0, 0, 3] } }],
  };
  const one = (o: ProtobufParserOptions) => entries([h], o).filter((l) => l.startsWith('histogram'))[0];
  assert.match(one({}), /p=1:8\[1,1,1,1,1,1,1,4\]/);
  // Schema 2 to 1: buckets 1..8 pair up into 1..4.
  assert.match(one({ maxSchema: 1 }), /p=1:4\[2,2,2,5\]/);
  // Four buckets at most: schema 1 (four buckets) is enough.
  assert.match(one({ bucketLimit: 4 }), /p=1:4\[2,2,2,5\]/);
  assert.match(one({ bucketLimit: 2 }), /p=1:2\[4,7\]/);
  assert.throws(
    () => entries([{ name: 'c', type: 4, metric: [{ histogram: { sampleCount: 13, sampleSum: 1, schema: -4, positiveSpan: [{ offset: 0, length: 3 }, { offset: 5, length: 1 }], positiveDelta: [1, 1, 1, 4] } }] }], { bucketLimit: 1 }),
    /^Error: histogram bucket limit exceeded$/,
  );
});
