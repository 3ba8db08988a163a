/**
 * The engine over on-disk blocks gives the answers it gives over the head: blocks are read through the
 * storage's batch read (`Series.readSamples`), the head through iterators, so selection, windows,
 * staleness markers and decoding are checked against each other here (the conformance scripts run
 * on the head).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Block, Head, writeBlock } from '@vigil/tsdb';
import { tempDir } from '@vigil/testkit';
import { Engine } from './engine.js';
import { parseTestScript } from './testscript.js';
import { runScript } from './testscript-run.js';

const MIN = 60_000;

const LOAD = `load 15s
  http_requests_total{job="api",instance="a:1",code="200"} 0+7x100 stale 0+3x139
  http_requests_total{job="api",instance="b:1",code="500"} 5+1x60 0+2x100 _x20 1+1x59
  http_requests_total{job="web",instance="c:1",code="200"} 1 2 stale _x30 10+10x200
  build_info{instance="a:1",version="v1"} 1x240
  build_info{instance="b:1",version="v2"} 1x120 stale
  latency_bucket{le="0.1",job="api"} 0+1x240
  latency_bucket{le="1",job="api"} 0+3x240
  latency_bucket{le="+Inf",job="api"} 0+4x240
`;

const QUERIES = [
  'http_requests_total',
  'http_requests_total offset 3m',
  'http_requests_total @ 1800',
  'timestamp(http_requests_total)',
  'sum by (job) (rate(http_requests_total[5m]))',
  'increase(http_requests_total[2m])',
  'count_over_time(http_requests_total[10m])',
  'last_over_time(http_requests_total[1m])',
  'changes(http_requests_total[15m])',
  'max_over_time(rate(http_requests_total[5m])[30m:1m])',
  'topk(2, rate(http_requests_total[5m]))',
  'rate(http_requests_total[5m]) * on (instance) group_left (version) build_info',
  'histogram_quantile(0.9, sum by (le, job) (rate(latency_bucket[5m])))',
  'absent(build_info{version="v2"})',
  'http_requests_total[5m]',
];

test('queries over a block answer exactly as over the head it was written from', async () => {
  const head = new Head({ chunkRange: 24 * 3600 * 1000 });
  await runScript(parseTestScript('inline', LOAD), { engine: new Engine(), newStorage: () => head });
  const tmp = tempDir();
  try {
    // Chunks of 120 samples, as Prometheus cuts them: queries cross chunk boundaries.
    const w = await writeBlock(tmp.path, head.chunkSeriesSource(head.minTime, head.maxTime), { minTime: head.minTime, maxTime: head.maxTime + 1 });
    assert.ok(w);
    const block = Block.open(w.dir);
    const engine = new Engine();
    try {
      let compared = 0;
      for (const q of QUERIES) {
        const instantOnly = q.endsWith('[5m]');
        for (const t of [0, 90_000, 25 * MIN, 30 * MIN + 7_000, 55 * MIN, 60 * MIN, 75 * MIN]) {
          const a = await engine.instantQuery(head, q, t);
          const b = await engine.instantQuery(block, q, t);
          assert.deepEqual(b.value, a.value, `${q} at ${t}`);
          compared++;
        }
        if (instantOnly) continue;
        const a = await engine.rangeQuery(head, q, 0, 70 * MIN, 30_000);
        const b = await engine.rangeQuery(block, q, 0, 70 * MIN, 30_000);
        assert.deepEqual(b.value, a.value, `${q} over the range`);
        compared++;
      }
      assert.ok(compared > 100);
    } finally {
      block.close();
    }
  } finally {
    tmp.cleanup();
  }
});
