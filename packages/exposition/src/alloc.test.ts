/**
 * The scrape path allocates nothing per sample: after warm-up, reading every sample's value and timestamp
 * (and the family of each sample) allocates no objects in the parser. Measured with V8's sampling heap
 * profiler (allocations are sampled every 256 bytes on average, including short-lived objects), counting
 * only allocations made by this package's code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageCode, sampledAllocations } from '@vigil/testkit';
import { EntryType } from './parser.js';
import { OpenMetricsParser } from './om-parser.js';
import { TextParser } from './text-parser.js';

const SERIES = 20000;

function exposition(openMetrics: boolean): string {
  let s = '';
  for (let f = 0; f < 20; f++) {
    s += `# HELP req_${f} Requests.\n# TYPE req_${f} counter\n`;
    for (let i = 0; i < SERIES / 20; i++) {
      const name = openMetrics ? `req_${f}_total` : `req_${f}`;
      s += `${name}{method="${i % 2 ? 'GET' : 'POST'}",code="${200 + (i % 5)}",path="/api/v1/x${i}"} ${i * 17}${openMetrics ? ' 1700000000.5' : ' 1700000000500'}\n`;
    }
  }
  return openMetrics ? s + '# EOF\n' : s;
}

function consume(p: TextParser | OpenMetricsParser): number {
  let n = 0;
  let sum = 0;
  let fam = 0;
  for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
    if (e !== EntryType.Series) continue;
    sum += p.value + p.timestamp;
    fam += p.familyIndex;
    n++;
  }
  return sum === fam ? -1 : n;
}

test('parsers allocate nothing per sample', async (t) => {
  const text = exposition(false);
  const om = exposition(true);
  const cases: Array<[string, () => TextParser | OpenMetricsParser]> = [
    ['text', () => new TextParser(text)],
    ['OpenMetrics', () => new OpenMetricsParser(om)],
    ['OpenMetrics strict', () => new OpenMetricsParser(om, { strict: true })],
  ];
  for (const [name, make] of cases) {
    await t.test(name, async (st) => {
      for (let i = 0; i < 15; i++) assert.equal(consume(make()), SERIES); // warm up: optimised code keeps numbers unboxed
      const runs = 3;
      const { bytes, where } = await sampledAllocations(() => {
        for (let i = 0; i < runs; i++) consume(make());
      }, packageCode('exposition'));
      const perSample = bytes / (runs * SERIES);
      st.diagnostic(`${perSample.toFixed(3)} bytes per sample`);
      // A parser instance costs a few hundred bytes; one object per sample would be 16 bytes or more.
      assert.ok(perSample < 2, `${perSample.toFixed(2)} bytes per sample allocated by the parser:\n${where.join('\n')}`);
    });
  }
});
