/**
 * The recording path allocates nothing per call: after warm-up, `inc`, `set`, `observe` (unlabelled, with
 * a label object of string values, and through a `labels()` child) allocate nothing at all. Measured with
 * V8's sampling heap profiler (a sample every 256 bytes on average, short-lived objects included) over
 * loops that allocate nothing of their own; a control shows that an allocating call is seen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampledAllocations } from '@vigil/testkit';
import { Counter, Gauge, Histogram, Registry, Summary } from './index.js';

const N = 100_000;

// Values are small integers: a fractional argument may be boxed by the caller at a call boundary (the
// JavaScript calling convention), which is no allocation of the library's; stored, values stay unboxed.

test('inc, set and observe allocate nothing per call', async (t) => {
  const registers = [new Registry()];
  const counter = new Counter({ name: 'c_total', help: 'C.', registers });
  const labelled = new Counter({ name: 'l_total', help: 'L.', labelNames: ['method', 'code', 'path'], registers });
  const gauge = new Gauge({ name: 'g', help: 'G.', labelNames: ['q'], registers });
  const hist = new Histogram({ name: 'h', help: 'H.', labelNames: ['method', 'code'], registers });
  const summary = new Summary({ name: 's', help: 'S.', registers });
  const labels3 = [
    { method: 'GET', code: '200', path: '/a' },
    { method: 'POST', code: '500', path: '/b' },
  ];
  const labels2 = [
    { method: 'GET', code: '200' },
    { method: 'PUT', code: '201' },
  ];
  const queueA = { q: 'a' };
  const child = labelled.labels('GET', '404', '/c');
  const gaugeChild = gauge.labels('x');
  const cases: Array<[string, (i: number) => void]> = [
    ['counter.inc()', () => counter.inc()],
    ['counter.inc(v)', (i) => counter.inc(i & 7)],
    ['counter.inc(labels, v)', (i) => labelled.inc(labels3[i & 1], 2)],
    ['child.inc()', () => child.inc()],
    ['gauge.set(labels, v)', (i) => gauge.set(queueA, i)],
    ['gaugeChild.inc/dec/set', (i) => {
      gaugeChild.inc();
      gaugeChild.dec(0.25);
      gaugeChild.set(i);
    }],
    ['histogram.observe(labels, v)', (i) => hist.observe(labels2[i & 1], i & 15)],
    ['summary.observe(v)', (i) => summary.observe(i & 1023)],
  ];
  for (const [name, op] of cases) {
    await t.test(name, async (st) => {
      for (let w = 0; w < 3; w++) for (let i = 0; i < N; i++) op(i); // warm up until optimised
      const { bytes, where } = await sampledAllocations(() => {
        for (let i = 0; i < N; i++) op(i);
      });
      const perCall = bytes / N;
      st.diagnostic(`${perCall.toFixed(3)} bytes per call`);
      // One object per call would be 16 bytes or more; the summary's digest merges its buffer into
      // reused arrays, and may grow them a few times.
      assert.ok(perCall < 1, `${perCall.toFixed(2)} bytes per call allocated:\n${where.join('\n')}`);
    });
  }
  // The control: the measurement does see the client's allocations (a timer is a closure and a bigint).
  await t.test('control: startTimer() allocates and is seen', async () => {
    const timers = new Array<unknown>(N);
    const { bytes } = await sampledAllocations(() => {
      for (let i = 0; i < N; i++) timers[i] = gauge.startTimer();
    });
    assert.ok(bytes / N >= 16, `${(bytes / N).toFixed(2)} bytes per startTimer()`);
  });
});
