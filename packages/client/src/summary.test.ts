import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, Summary } from './index.js';
import { TDigest } from './quantiles.js';

/** The exact `q`-quantile by the same interpolation (between the two nearest ranks). */
function exact(sorted: number[], q: number): number {
  const pos = q * sorted.length - 0.5;
  if (pos <= 0) return sorted[0];
  if (pos >= sorted.length - 1) return sorted[sorted.length - 1];
  const lo = Math.floor(pos);
  return sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]);
}

test('t-digest: exact for few values, close to the true quantile for many', () => {
  const small = new TDigest();
  for (const v of [5, 1, 4, 2, 3]) small.push(v);
  assert.equal(small.percentile(0), 1);
  assert.equal(small.percentile(0.5), 3);
  assert.equal(small.percentile(1), 5);
  assert.equal(small.percentile(0.1), 1);

  // 100,000 pseudo-random values: the estimate is within 1% of the value range of the exact quantile.
  const d = new TDigest();
  const values: number[] = [];
  let x = 12345;
  for (let i = 0; i < 100_000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const v = (x / 2147483648) ** 2 * 1000; // skewed towards 0
    values.push(v);
    d.push(v);
  }
  values.sort((a, b) => a - b);
  for (const q of [0.01, 0.1, 0.5, 0.9, 0.99, 0.999]) {
    const err = Math.abs(d.percentile(q) - exact(values, q));
    assert.ok(err < 10, `q=${q}: estimate ${d.percentile(q)}, exact ${exact(values, q)}`);
  }
  assert.equal(d.count, 100_000);
  assert.ok(Number.isNaN(new TDigest().percentile(0.5)));
});

test('summary: quantiles, sum and count; labels; empty window reports 0 as prom-client does', async () => {
  const r = new Registry();
  const s = new Summary({ name: 'rpc_seconds', help: 'RPC.', percentiles: [0.5, 0.9, 1], labelNames: ['m'], registers: [r] });
  for (const v of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) s.observe({ m: 'a' }, v);
  s.labels('b').observe(42);
  const e = new Summary({ name: 'empty', help: 'E.', percentiles: [0.5], registers: [r] });
  void e;
  assert.equal(
    await r.metrics(),
    [
      '# HELP rpc_seconds RPC.',
      '# TYPE rpc_seconds summary',
      'rpc_seconds{m="a",quantile="0.5"} 5.5',
      'rpc_seconds{m="a",quantile="0.9"} 9.5',
      'rpc_seconds{m="a",quantile="1"} 10',
      'rpc_seconds_sum{m="a"} 55',
      'rpc_seconds_count{m="a"} 10',
      'rpc_seconds{m="b",quantile="0.5"} 42',
      'rpc_seconds{m="b",quantile="0.9"} 42',
      'rpc_seconds{m="b",quantile="1"} 42',
      'rpc_seconds_sum{m="b"} 42',
      'rpc_seconds_count{m="b"} 1',
      '# HELP empty E.',
      '# TYPE empty summary',
      'empty{quantile="0.5"} 0',
      'empty_sum 0',
      'empty_count 0',
      '',
    ].join('\n'),
  );
  assert.ok((await r.metricsAs('openmetrics')).includes('rpc_seconds{m="a",quantile="1.0"} 10.0\nrpc_seconds_sum{m="a"} 55.0\nrpc_seconds_count{m="a"} 10\n'));
});

test('summary sliding window: old observations age out bucket by bucket; pruneAgedBuckets hides empty series', async () => {
  let now = 1_000_000;
  const clock = () => now;
  const r = new Registry();
  const s = new Summary({ name: 'w', help: 'W.', percentiles: [0.5], maxAgeSeconds: 10, ageBuckets: 5, labelNames: ['k'], registers: [r], now: clock });
  const p = new Summary({ name: 'p', help: 'P.', percentiles: [0.5], maxAgeSeconds: 10, ageBuckets: 5, pruneAgedBuckets: true, registers: [r], now: clock });
  s.observe({ k: 'x' }, 100);
  p.observe(1);
  now += 5_000;
  s.observe({ k: 'x' }, 200);
  const median = async () => (await s.get()).values.find((v) => v.labels.quantile === 0.5)!.value;
  assert.equal(await median(), 150); // both within the window
  now += 6_000; // the first observation is older than 10 s
  assert.equal(await median(), 200);
  now += 10_001;
  assert.equal(await median(), 0); // everything aged out; count and sum stay cumulative
  const all = await r.metrics();
  assert.ok(all.includes('w_count{k="x"} 2\n') && all.includes('w_sum{k="x"} 300\n'));
  assert.ok(!all.includes('p{'), 'the pruned summary writes no quantiles');
  p.observe(2);
  assert.ok((await r.metrics()).includes('p{quantile="0.5"} 2\n'));
  // A long pause clears the whole ring at once.
  now += 3_600_000;
  assert.equal((await p.get()).values.length, 0);
});

test('summary reset keeps series (as prom-client) but empties them; startTimer observes seconds', async () => {
  const r = new Registry();
  const s = new Summary({ name: 't', help: 'T.', percentiles: [0.5], labelNames: ['k'], registers: [r] });
  s.observe({ k: 'a' }, 3);
  s.reset();
  assert.ok((await r.metrics()).includes('t_count{k="a"} 0\n'));
  const end = s.startTimer({ k: 'b' });
  const secs = end();
  const child = s.labels('c').startTimer();
  child();
  const json = (await s.get()).values;
  assert.equal(json.find((v) => v.metricName === 't_sum' && v.labels.k === 'b')!.value, secs);
  assert.equal(json.find((v) => v.metricName === 't_count' && v.labels.k === 'c')!.value, 1);
});
