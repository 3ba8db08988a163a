import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Registry, collectDefaultMetrics } from './index.js';

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  assert.ok(line, `no sample ${series} in:\n${text.slice(0, 2000)}`);
  return Number(line.slice(series.length + 1));
}

test('default metrics report this process', async () => {
  const r = new Registry();
  collectDefaultMetrics({ register: r });
  // Produce garbage until a collection has been observed: how much it takes depends on the heap's sizing
  // on this machine, and GC entries reach the observer asynchronously. Bounded at about 2 GB of garbage.
  const gcSeen = /\nnodejs_gc_duration_seconds_count\{kind="(minor|major|incremental|weakcb)"\} [1-9]/;
  let keep = 0;
  for (let round = 0; round < 100 && !gcSeen.test(await r.metrics()); round++) {
    for (let i = 0; i < 250; i++) keep += new Array(10_000).fill(round + i).length;
    await new Promise((res) => setTimeout(res, 10));
  }
  assert.ok(keep > 0);
  await r.metrics();
  await new Promise((res) => setTimeout(res, 20));
  const text = await r.metrics();

  const now = Date.now() / 1000;
  const start = value(text, 'process_start_time_seconds');
  // Whole seconds, rounded as prom-client rounds: up to half a second after now for a young process.
  assert.ok(start <= now + 0.5 && start > now - process.uptime() - 2, `start time ${start}, now ${now}`);
  assert.ok(value(text, 'process_cpu_user_seconds_total') > 0);
  assert.ok(value(text, 'process_cpu_seconds_total') >= value(text, 'process_cpu_user_seconds_total'));
  assert.ok(value(text, 'nodejs_heap_size_used_bytes') > 1e6);
  assert.ok(value(text, 'nodejs_heap_size_total_bytes') >= value(text, 'nodejs_heap_size_used_bytes'));
  if (process.platform === 'linux') {
    const rss = value(text, 'process_resident_memory_bytes');
    assert.ok(rss > 1e7 && Math.abs(rss - process.memoryUsage.rss()) < 2e8, `rss ${rss}`);
    assert.ok(value(text, 'process_virtual_memory_bytes') > rss);
    assert.ok(value(text, 'process_heap_bytes') > 0);
    assert.ok(value(text, 'process_open_fds') > 2);
    // Like prom-client, no process_max_fds when the limit is not a number ("unlimited").
    if (/^Max open files\s+\d/m.test(readFileSync('/proc/self/limits', 'utf8'))) {
      assert.ok(value(text, 'process_max_fds') >= value(text, 'process_open_fds'));
    } else {
      assert.ok(!text.includes('\nprocess_max_fds '));
    }
  }
  const [major, minor, patch] = process.version.slice(1).split('.');
  assert.equal(value(text, `nodejs_version_info{major="${major}",minor="${minor}",patch="${patch}",version="${process.version}"}`), 1);
  assert.ok(value(text, 'nodejs_heap_space_size_used_bytes{space="old"}') > 0);
  assert.ok(value(text, 'nodejs_eventloop_lag_seconds') > 0, 'the lag measured at the previous collection');
  assert.ok(value(text, 'nodejs_eventloop_lag_p99_seconds') >= value(text, 'nodejs_eventloop_lag_p50_seconds'));
  assert.ok(value(text, 'nodejs_active_handles_total') >= 0);
  assert.match(text, gcSeen);
  assert.match(text, /# TYPE nodejs_gc_duration_seconds histogram\n/);
});

test('default metrics take a prefix and labels; bad configuration is refused', async () => {
  const r = new Registry();
  collectDefaultMetrics({ register: r, prefix: 'my_', labels: { app: 'demo' }, gcDurationBuckets: [0.5] });
  const text = await r.metrics();
  assert.match(text, /\nmy_process_cpu_user_seconds_total\{app="demo"\} /);
  assert.match(text, /\nmy_nodejs_version_info\{app="demo",major=/);
  assert.match(text, /# TYPE my_nodejs_gc_duration_seconds histogram\n/);
  // Registering them twice in one registry is a name clash, as in prom-client.
  assert.throws(() => collectDefaultMetrics({ register: r, prefix: 'my_' }), /has already been registered/);
  const untouched = new Registry();
  assert.throws(() => collectDefaultMetrics({ register: untouched, eventLoopMonitoringPrecision: 0 }), /eventLoopMonitoringPrecision must be greater than zero/);
  assert.equal(untouched.getMetricsAsArray().length, 0);
  assert.throws(() => collectDefaultMetrics('yes' as never), /config must be null, undefined, or an object/);
});
