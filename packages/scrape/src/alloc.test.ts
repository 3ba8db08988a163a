/**
 * A scrape whose series are all in the cache allocates nothing per sample: the parser checks each line
 * against the series expected there (or finds it by a hash computed in place) and the sample is appended
 * by ref, without a string, a label set or any other object. Measured with V8's sampling heap profiler
 * (allocations sampled every 256 bytes on average, short-lived objects included), counting allocations made
 * by the scrape and exposition packages' code. What a scrape allocates once (the parser, the result, one
 * string per metadata line) is spread over 20,000 samples and stays far below one byte per sample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageCode, sampledAllocations } from '@vigil/testkit';
import { Labels } from '@vigil/model';
import type { Appender } from '@vigil/tsdb';
import { ScrapeCache, appendScrape, type AppendSettings } from './scrape-append.js';

const SERIES = 20000;
const TEXT = 'text/plain; version=0.0.4';
const OM = 'application/openmetrics-text; version=1.0.0';

function exposition(openMetrics: boolean, scrape: number, families: number): string {
  let s = '';
  for (let f = 0; f < families; f++) {
    s += `# HELP req_${f} Requests.\n# TYPE req_${f} counter\n`;
    for (let i = 0; i < SERIES / families; i++) {
      const name = openMetrics ? `req_${f}_total` : `req_${f}`;
      s += `${name}{method="${i % 2 ? 'GET' : 'POST'}",code="${200 + (i % 5)}",path="/api/v1/x${i}"} ${i * 17 + scrape}\n`;
    }
  }
  // As a body arrives: one flat string (built by concatenation it would be a rope).
  return Buffer.from(openMetrics ? s + '# EOF\n' : s, 'latin1').toString('latin1');
}

const settings: AppendSettings = {
  targetLabels: Labels.fromObject({ job: 'alloc', instance: 'localhost:1' }),
  honorLabels: false, honorTimestamps: true, trackTimestampsStaleness: false, metricRelabelConfigs: [],
  validationScheme: 'utf8', sampleLimit: 0, labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0,
};

/** An appender that keeps nothing (refs handed out once, then passed back). */
function nopAppender(): Appender & { samples: number } {
  let nextRef = 1;
  const a = {
    samples: 0,
    append: (ref: number) => {
      a.samples++;
      return ref || nextRef++;
    },
    appendHistogram: (ref: number) => {
      a.samples++;
      return ref || nextRef++;
    },
    appendExemplar: (ref: number) => ref,
    commit: async () => {},
    rollback: async () => {},
  };
  return a;
}

test('a scrape of cached series allocates nothing per sample', async (t) => {
  const cases: Array<[string, boolean, string, boolean, number]> = [
    ['text, ASCII body with its bytes', false, TEXT, true, 20],
    ['text, string only', false, TEXT, false, 20],
    ['text, small families (metadata lines read without strings too)', false, TEXT, true, 5000],
    ['OpenMetrics, ASCII body with its bytes', true, OM, true, 20],
    ['OpenMetrics, string only', true, OM, false, 20],
    ['OpenMetrics, small families', true, OM, true, 5000],
  ];
  for (const [name, openMetrics, contentType, withBytes, families] of cases) {
    await t.test(name, async (st) => {
      const bodies = [0, 1, 2, 3].map((i) => exposition(openMetrics, i, families));
      const raws = bodies.map((b) => (withBytes ? Buffer.from(b, 'latin1') : undefined));
      const cache = new ScrapeCache();
      const app = nopAppender();
      let time = 1_000_000;
      const scrape = (i: number) => {
        const r = appendScrape(app, cache, settings, bodies[i % 4], contentType, time, time, raws[i % 4]);
        time += 15_000;
        assert.equal(r.error, undefined);
        assert.equal(r.added, SERIES);
      };
      scrape(0);
      assert.equal(cache.size, SERIES, 'every series cached');
      // Warm up: optimised code keeps numbers unboxed.
      for (let i = 1; i < 15; i++) scrape(i);
      const runs = 3;
      const before = app.samples;
      const { bytes, where } = await sampledAllocations(() => {
        for (let i = 0; i < runs; i++) scrape(i);
      }, packageCode('scrape', 'exposition'));
      assert.equal(app.samples - before, runs * SERIES);
      assert.equal(cache.size, SERIES, 'no series added or lost');
      const perSample = bytes / (runs * SERIES);
      st.diagnostic(`${perSample.toFixed(3)} bytes per sample`);
      // One object per sample would be 16 bytes or more.
      assert.ok(perSample < 2, `${perSample.toFixed(2)} bytes per sample allocated:\n${where.join('\n')}`);
    });
  }
});
