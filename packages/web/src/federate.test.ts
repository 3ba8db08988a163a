/**
 * Federation of native histograms, as Prometheus 3.x federates them: in the protobuf format when the
 * scraper asks for it (exponential ones as native histograms, custom-bucket ones as classic histograms,
 * gauge histograms as their own family), left out of the text format except custom-bucket ones (as
 * classic `_bucket`/`_sum`/`_count` lines); staleness markers never. Then Debian's Prometheus 2.42 with
 * native histograms enabled federates from Vigil and stores what it was given, and without them (so in
 * the text format) gets the custom-bucket histogram as a classic one and no exponential ones. (2.42
 * predates native gauge histograms and float bucket counts in protobuf: those are checked against the 3.x
 * shape above only.)
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CounterResetHint, FloatHistogram, Labels, STALE_NAN } from '@vigil/model';
import { PROTOBUF_CONTENT_TYPE, ProtoMetricType, decodeMetricFamilies, type ProtoMetricFamily } from '@vigil/exposition';
import { openMemoryDB, type Head } from '@vigil/tsdb';
import { eventually, startPrometheus, tempDir, type PrometheusPeer } from '@vigil/testkit';
import { FEDERATE_CONTENT_TYPE, FEDERATE_PROTOBUF_CONTENT_TYPE, federationFormat } from './federate.js';
import { get, qs, startApiServer, type ApiServer } from './test-helpers.js';

const NOW = 1_700_000_000_000;
/** What Prometheus 3.x (with native histograms) sends when scraping. */
const PROMETHEUS_ACCEPT =
  'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

const L = (o: Record<string, string>) => Labels.fromObject(o);

/** Exponential buckets: index -1 and 0, 1 (positive), 0 (negative). */
const latency = (k: number) =>
  new FloatHistogram({
    schema: 1, zeroThreshold: 0.001, zeroCount: k, count: 6 * k, sum: 0.5 * k,
    positiveSpans: [{ offset: -1, length: 3 }], positiveBuckets: [k, 2 * k, 0],
    negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [2 * k],
  });
const queue = (k: number) =>
  new FloatHistogram({ counterResetHint: CounterResetHint.Gauge, schema: 0, count: 4 + k, sum: 7.5, positiveSpans: [{ offset: 2, length: 1 }], positiveBuckets: [4 + k] });
/** Custom bounds 0.1, 1, 10: buckets 0.1 → k, 1 → 2k, 10 → none, +Inf → 3k. */
const requests = (k: number) =>
  new FloatHistogram({
    schema: -53, customValues: [0.1, 1, 10], count: 6 * k, sum: 100 * k,
    positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 1 }], positiveBuckets: [k, 2 * k, 3 * k],
  });

/** Samples every 15 s up to `end` (the last at `end`); `k` counts up. */
async function fill(head: Head, end: number): Promise<void> {
  const app = head.appender();
  for (let k = 1; k <= 5; k++) {
    const t = end - (5 - k) * 15_000;
    app.append(0, L({ __name__: 'up', job: 'api' }), t, 1);
    app.appendHistogram(0, L({ __name__: 'latency_seconds', job: 'api' }), t, latency(k));
    app.appendHistogram(0, L({ __name__: 'queue_size', job: 'api' }), t, queue(k));
    app.appendHistogram(0, L({ __name__: 'request_seconds', job: 'api' }), t, requests(k));
    // One name, float and histogram series: a family for each run of one kind.
    app.append(0, L({ __name__: 'mixed', job: 'a' }), t, k);
    app.appendHistogram(0, L({ __name__: 'mixed', job: 'b' }), t, latency(k));
    app.appendHistogram(0, L({ __name__: 'gone_seconds', job: 'api' }), t, k < 5 ? latency(k) : new FloatHistogram({ sum: STALE_NAN }));
  }
  await app.commit();
}

test('federationFormat negotiates as expfmt.Negotiate does', () => {
  const cases: Array<[string, string | undefined, 'text' | 'protobuf']> = [
    ['no header', undefined, 'text'],
    ['any type', '*/*', 'text'],
    ['text 0.0.4', 'text/plain;version=0.0.4', 'text'],
    ["Prometheus 3.x's scrape with native histograms", PROMETHEUS_ACCEPT, 'protobuf'],
    ['delimited protobuf alone', PROTOBUF_CONTENT_TYPE, 'protobuf'],
    ['protobuf ranked below text', 'text/plain;version=0.0.4;q=0.9,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5', 'text'],
    ['protobuf of another message', 'application/vnd.google.protobuf;proto=other.Message;encoding=delimited', 'text'],
    ['protobuf without an encoding', 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily', 'text'],
    ['OpenMetrics only (not offered)', 'application/openmetrics-text;version=1.0.0', 'text'],
  ];
  for (const [name, accept, want] of cases) {
    const got = federationFormat(accept);
    assert.equal(got.format, want, name);
    assert.equal(got.contentType, want === 'protobuf' ? FEDERATE_PROTOBUF_CONTENT_TYPE : FEDERATE_CONTENT_TYPE, name);
  }
});

describe('/federate with native histograms', () => {
  let srv: ApiServer;

  before(async () => {
    const head = openMemoryDB();
    await fill(head, NOW);
    srv = await startApiServer(head, { now: () => NOW, configYAML: 'global:\n  external_labels:\n    dc: x\n' });
  });
  after(() => srv.close());

  const match = qs({ 'match[]': '{job=~".+"}' });

  it('text format: custom-bucket histograms as classic ones, exponential ones and staleness markers left out', async () => {
    const r = await get(`${srv.url}/federate?${match}`);
    assert.equal(r.status, 200);
    assert.equal(r.contentType, FEDERATE_CONTENT_TYPE);
    assert.equal(
      r.body,
      [
        '# TYPE mixed untyped',
        `mixed{job="a",dc="x",instance=""} 5 ${NOW}`,
        '# TYPE request_seconds histogram',
        `request_seconds_bucket{job="api",dc="x",instance="",le="0.1"} 5 ${NOW}`,
        `request_seconds_bucket{job="api",dc="x",instance="",le="1"} 15 ${NOW}`,
        `request_seconds_bucket{job="api",dc="x",instance="",le="10"} 15 ${NOW}`,
        `request_seconds_bucket{job="api",dc="x",instance="",le="+Inf"} 30 ${NOW}`,
        `request_seconds_sum{job="api",dc="x",instance=""} 500 ${NOW}`,
        `request_seconds_count{job="api",dc="x",instance=""} 30 ${NOW}`,
        '# TYPE up untyped',
        `up{job="api",dc="x",instance=""} 1 ${NOW}`,
        '',
      ].join('\n'),
    );
  });

  it('protobuf format, when asked for: every histogram, gauge histograms in a family of their own', async () => {
    const r = await fetch(`${srv.url}/federate?${match}`, { headers: { Accept: PROMETHEUS_ACCEPT } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), FEDERATE_PROTOBUF_CONTENT_TYPE);
    const families = decodeMetricFamilies(new Uint8Array(await r.arrayBuffer()));
    // (The decoder gives every histogram its classic `bucket` list, empty when there is none.)
    const labels = (job: string) => [{ name: 'job', value: job }, { name: 'dc', value: 'x' }, { name: 'instance', value: '' }];
    const native = {
      bucket: [], sampleCountFloat: 30, sampleSum: 2.5, schema: 1, zeroThreshold: 0.001, zeroCountFloat: 5,
      negativeSpan: [{ offset: 0, length: 1 }], negativeCount: [10],
      positiveSpan: [{ offset: -1, length: 3 }], positiveCount: [5, 10, 0],
    };
    const want: ProtoMetricFamily[] = [
      { name: 'latency_seconds', type: ProtoMetricType.HISTOGRAM, metric: [{ label: labels('api'), histogram: native, timestampMs: NOW }] },
      { name: 'mixed', type: ProtoMetricType.UNTYPED, metric: [{ label: labels('a'), untyped: { value: 5 }, timestampMs: NOW }] },
      { name: 'mixed', type: ProtoMetricType.HISTOGRAM, metric: [{ label: labels('b'), histogram: native, timestampMs: NOW }] },
      {
        name: 'queue_size', type: ProtoMetricType.GAUGE_HISTOGRAM,
        metric: [{
          label: labels('api'), timestampMs: NOW,
          histogram: { bucket: [], sampleCountFloat: 9, sampleSum: 7.5, schema: 0, zeroThreshold: 0, zeroCountFloat: 0, positiveSpan: [{ offset: 2, length: 1 }], positiveCount: [9] },
        }],
      },
      {
        name: 'request_seconds', type: ProtoMetricType.HISTOGRAM,
        metric: [{
          label: labels('api'), timestampMs: NOW,
          histogram: {
            sampleCountFloat: 30, sampleSum: 500,
            bucket: [{ upperBound: 0.1, cumulativeCountFloat: 5 }, { upperBound: 1, cumulativeCountFloat: 15 }, { upperBound: 10, cumulativeCountFloat: 15 }],
          },
        }],
      },
      { name: 'up', type: ProtoMetricType.UNTYPED, metric: [{ label: labels('api'), untyped: { value: 1 }, timestampMs: NOW }] },
    ];
    assert.deepEqual(families, want);
  });
});

/** Debian's Prometheus federating everything from `target` (honouring its labels); stopped by the caller. */
function federatingPrometheus(dir: string, target: string, args: readonly string[]): Promise<PrometheusPeer> {
  return startPrometheus(
    dir,
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: federate\n    honor_labels: true\n    metrics_path: /federate\n` +
      `    params:\n      'match[]': ['{job=~".+"}']\n    static_configs:\n      - targets: ['${target}']\n`,
    { args, dataDir: join(dir, `data-${args.length}`) },
  );
}

test("Debian's Prometheus 2.42 federates from Vigil: native histograms over protobuf, custom buckets as classic ones in text", { timeout: 120_000 }, async () => {
  const tmp = tempDir('vigil-federate-nh-');
  const head = openMemoryDB();
  // Recent samples, so that Prometheus takes them (its head rejects old ones).
  const end = Date.now();
  await fill(head, end);
  const srv = await startApiServer(head);
  const target = srv.url.replace('http://', '');
  let prom: PrometheusPeer | undefined;
  const query = async (expr: string) => {
    const r = await fetch(`${prom!.url}/api/v1/query?${qs({ query: expr, time: String(end / 1000) })}`);
    const body = (await r.json()) as { data: { result: Array<{ metric: Record<string, string>; value?: [number, string]; histogram?: [number, { count: string; sum: string }] }> } };
    return body.data.result;
  };
  const federated = (expr: string) =>
    eventually(async () => {
      const r = await query(expr);
      return r.length > 0 ? r : undefined;
    }, 30_000, `${expr} federated into Prometheus`);
  try {
    // With native histograms enabled, 2.42 asks for protobuf first.
    prom = await federatingPrometheus(tmp.path, target, ['--enable-feature=native-histograms']);
    const [latencyNow] = await federated('latency_seconds');
    assert.deepEqual([latencyNow.metric.__name__, latencyNow.metric.job], ['latency_seconds', 'api']);
    assert.deepEqual([latencyNow.histogram![1].count, latencyNow.histogram![1].sum], ['30', '2.5']);
    assert.equal((await query('up{job="api"}'))[0].value![1], '1');
    assert.deepEqual(await query('gone_seconds'), []);
    // (Not `queue_size` nor `request_seconds`: 2.42 reads a GAUGE_HISTOGRAM family in protobuf as a classic
    // one, and classic buckets by their integer counts, where Prometheus 3.x writes float counts.)
    await prom.stop();

    // Without, it asks for text: exponential histograms are left out, custom buckets come as classic ones.
    prom = await federatingPrometheus(tmp.path, target, []);
    const buckets = await federated('request_seconds_bucket');
    assert.deepEqual(
      buckets.map((b) => [b.metric.le, b.value![1]]).sort(),
      [['+Inf', '30'], ['0.1', '5'], ['1', '15'], ['10', '15']],
    );
    assert.equal((await query('request_seconds_count'))[0].value![1], '30');
    assert.equal((await query('request_seconds_sum'))[0].value![1], '500');
    assert.equal((await query('up{job="api"}'))[0].value![1], '1');
    assert.deepEqual(await query('latency_seconds'), []);
    assert.deepEqual(await query('{__name__=~"latency_seconds.*"}'), []);
  } finally {
    await prom?.stop();
    await srv.close();
    tmp.cleanup();
  }
});
