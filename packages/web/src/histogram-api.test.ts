/**
 * Native histograms in the query API: Debian's Prometheus 2.42 (native histograms enabled) and Vigil serve
 * copies of one block with native histograms (written by Vigil), and instant and range selections of
 * them get the same body from both, byte for byte: `"histogram"` in vectors, `"histograms"` in matrices,
 * buckets with their boundary rules, empty buckets left out, floats and histograms of one series apart.
 *
 * Except, for now, the last digit of some bucket bounds: Prometheus takes them from a precomputed table
 * whose entries are not all correctly rounded (2^-0.5 is 0.7071067811865475 there, 0.7071067811865476
 * here). Bounds are compared as numbers (within 4e-16 relative), everything else as text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CounterResetHint, FloatHistogram, Labels } from '@vigil/model';
import { Head, writeBlock } from '@vigil/tsdb';
import { tempDir } from '@vigil/testkit';
import { copyDir, get, qs, startPrometheus, startTestServer, type PrometheusPeer, type TestServer } from './test-helpers.js';

const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 7_200_000);
const STEP = 15_000;

async function histogramBlock(dir: string): Promise<void> {
  const head = new Head();
  const app = head.appender();
  const refs = [0, 0, 0, 0];
  const L = (name: string, extra: Record<string, string> = {}) => Labels.fromObject({ __name__: name, job: 'api', ...extra });
  for (let i = 0; i < 240; i++) {
    const t = T0 + i * STEP;
    const k = i % 100; // counter resets every 100 samples
    refs[0] = app.appendHistogram(refs[0], refs[0] ? Labels.EMPTY : L('latency_seconds'), t, new FloatHistogram({
      schema: 1, zeroThreshold: 0.001, zeroCount: k, count: 7 * k, sum: 0.125 * k,
      positiveSpans: [{ offset: -2, length: 3 }, { offset: 1, length: 1 }], positiveBuckets: [k, 2 * k, 0, k],
      negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [2 * k],
    }));
    refs[1] = app.appendHistogram(refs[1], refs[1] ? Labels.EMPTY : L('work_seconds'), t, new FloatHistogram({
      schema: -1, count: 3.5 * i, sum: i / 3, zeroCount: 0.5 * i, zeroThreshold: 1e-9, positiveSpans: [{ offset: 2, length: 2 }], positiveBuckets: [1.25 * i, 1.75 * i],
    }));
    refs[2] = app.appendHistogram(refs[2], refs[2] ? Labels.EMPTY : L('queue_size'), t, new FloatHistogram({
      counterResetHint: CounterResetHint.Gauge, schema: 3, count: 10 + (i % 7), sum: -1.5 * (i % 7), positiveSpans: [{ offset: i % 3, length: 2 }], positiveBuckets: [5, 5 + (i % 7)],
    }));
    // A series that is floats first, then histograms.
    if (i < 120) refs[3] = app.append(refs[3], refs[3] ? Labels.EMPTY : L('mixed'), t, i);
    else refs[3] = app.appendHistogram(refs[3], Labels.EMPTY, t, new FloatHistogram({ schema: 0, count: i, sum: 1, positiveSpans: [{ offset: 1, length: 1 }], positiveBuckets: [i] }));
  }
  await app.commit();
  await writeBlock(dir, head.chunkSeriesSource(T0, T0 + 7_200_000 - 1), { minTime: T0, maxTime: T0 + 7_200_000 });
}

const at = (ms: number) => String(ms / 1000 + 7);

/** A bucket in the JSON: `[rule,"lower","upper","count"]`. */
const BUCKET = /\[([0-3]),"([^"]*)","([^"]*)","([^"]*)"\]/g;

function boundsOf(body: string): number[] {
  const out: number[] = [];
  for (const m of body.matchAll(BUCKET)) out.push(Number(m[2]), Number(m[3]));
  return out;
}

function withoutBounds(body: string): string {
  return body.replace(BUCKET, '[$1,"","","$4"]');
}

describe('native histograms in the query API, as Prometheus 2.42 answers', () => {
  let tmp: { path: string; cleanup: () => void };
  let prom: PrometheusPeer;
  let vigil: TestServer;

  before(async () => {
    tmp = tempDir();
    const blocks = join(tmp.path, 'blocks');
    await histogramBlock(blocks);
    prom = await startPrometheus(copyDir(blocks, join(tmp.path, 'prom')), 'global: {}\n', ['--enable-feature=native-histograms']);
    vigil = await startTestServer(copyDir(blocks, join(tmp.path, 'vigil')));
  });

  after(async () => {
    await vigil?.close();
    await prom?.stop();
    tmp?.cleanup();
  });

  const cases: Array<{ name: string; path: string }> = [
    { name: 'instant vector of histograms', path: `/api/v1/query?${qs({ query: '{__name__=~"latency_seconds|work_seconds|queue_size"}', time: at(T0 + 50 * STEP) })}` },
    { name: 'a histogram with empty buckets and a zero bucket', path: `/api/v1/query?${qs({ query: 'latency_seconds', time: at(T0 + 150 * STEP) })}` },
    { name: 'histograms with no observations at all (right after a reset)', path: `/api/v1/query?${qs({ query: 'latency_seconds', time: at(T0 + 100 * STEP) })}` },
    { name: 'matrix of histograms from an instant query', path: `/api/v1/query?${qs({ query: 'latency_seconds[2m]', time: at(T0 + 99 * STEP) })}` },
    { name: 'gauge histogram matrix (layout changing)', path: `/api/v1/query?${qs({ query: 'queue_size[1m]', time: at(T0 + 30 * STEP) })}` },
    { name: 'a series going from floats to histograms: values and histograms apart', path: `/api/v1/query?${qs({ query: 'mixed[2m]', time: at(T0 + 122 * STEP) })}` },
    { name: 'range query over histograms', path: `/api/v1/query_range?${qs({ query: 'work_seconds', start: at(T0), end: at(T0 + 60 * STEP), step: '150' })}` },
    { name: 'range query over a mixed series', path: `/api/v1/query_range?${qs({ query: 'mixed', start: at(T0 + 100 * STEP), end: at(T0 + 140 * STEP), step: '60' })}` },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const [p, v] = await Promise.all([get(prom.url + c.path), get(vigil.url + c.path)]);
      assert.equal(p.status, 200, p.body);
      assert.match(p.body, /"histograms?":/, 'Prometheus answers with histograms');
      assert.equal(v.status, p.status);
      const vb = boundsOf(v.body);
      const pb = boundsOf(p.body);
      assert.equal(vb.length, pb.length);
      vb.forEach((x, i) => assert.ok(Math.abs(x - pb[i]) <= 4e-16 * Math.abs(pb[i]), `bucket bound ${i}: ${x} vs ${pb[i]}`));
      assert.equal(withoutBounds(v.body), withoutBounds(p.body));
    });
  }
});
