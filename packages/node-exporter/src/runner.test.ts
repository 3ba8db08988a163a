/**
 * Collectors that fail or hang: the scrape is still served, on time, with success 0 for them; a hung
 * collector is not started again until its run settles; a hung statfs marks only its mount point.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { StatsFs } from 'node:fs';
import { MetricsBuilder } from './builder.js';
import { NoDataError, type Collector } from './collector.js';
import { NodeExporter } from './exporter.js';
import { CollectorRunner } from './runner.js';
import { fixtureOptions, fixtureStatfs, TESTDATA, valueOf } from './test-helpers.js';
import { join } from 'node:path';

/** A collector whose runs wait until released; `runs` counts how often it was started. */
function hangingCollector(name: string) {
  const waiting: Array<() => void> = [];
  const c = {
    name,
    runs: 0,
    update(out: MetricsBuilder): Promise<void> {
      c.runs++;
      out.gauge('hang_partial', 'Written before the hang.', 1);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      for (const r of waiting.splice(0)) r();
    },
  };
  return c;
}

const ok: Collector = { name: 'ok', update: (out) => out.gauge('ok_value', 'A value.', 42) };
const failing: Collector = {
  name: 'failing',
  update(out) {
    out.gauge('failing_partial', 'Sent before the failure.', 7);
    throw new Error('cannot read /proc/failing: EACCES');
  },
};
const rejecting: Collector = { name: 'rejecting', update: async () => Promise.reject(new Error('async failure')) };
const noData: Collector = { name: 'nodata', update: () => { throw new NoDataError('feature absent'); } };

test('a failing collector reports success 0, keeps what it sent before failing, and the rest is served', async () => {
  const runner = new CollectorRunner([ok, failing, rejecting, noData], 1000);
  const { families, outcomes } = await runner.scrape();
  const byName = new Map(outcomes.map((o) => [o.name, o]));
  assert.equal(byName.get('ok')!.success, true);
  assert.equal(byName.get('failing')!.reason, 'cannot read /proc/failing: EACCES');
  assert.equal(byName.get('rejecting')!.reason, 'async failure');
  assert.match(byName.get('nodata')!.reason!, /no data: feature absent/);
  assert.equal(valueOf(families, 'ok_value'), 42);
  assert.equal(valueOf(families, 'failing_partial'), 7);
  for (const [name, want] of [['ok', 1], ['failing', 0], ['rejecting', 0], ['nodata', 0]] as const) {
    assert.equal(valueOf(families, 'node_scrape_collector_success', { collector: name }), want, name);
    assert.ok(valueOf(families, 'node_scrape_collector_duration_seconds', { collector: name })! >= 0);
  }
});

test('a hanging collector is cut off at the timeout; later scrapes skip it until its run settles', async () => {
  const hang = hangingCollector('hang');
  const logs: string[] = [];
  const runner = new CollectorRunner([ok, hang], 150, (level, msg) => logs.push(`${level}: ${msg}`));

  const t0 = performance.now();
  const first = await runner.scrape();
  const elapsed = performance.now() - t0;
  // Served once the timeout passed, not when the collector finishes (it never does on its own).
  assert.ok(elapsed >= 140, `served after ${elapsed}ms`);
  assert.equal(valueOf(first.families, 'node_scrape_collector_success', { collector: 'hang' }), 0);
  assert.equal(valueOf(first.families, 'node_scrape_collector_success', { collector: 'ok' }), 1);
  assert.equal(valueOf(first.families, 'ok_value'), 42);
  // What a cut-off run wrote is not served: it is incomplete.
  assert.equal(valueOf(first.families, 'hang_partial'), undefined);
  assert.equal(first.outcomes.find((o) => o.name === 'hang')!.reason, 'timeout');
  assert.ok(runner.isRunning('hang'));

  // Still hanging: not started again, reported failed at once.
  const second = await runner.scrape();
  assert.equal(hang.runs, 1);
  assert.equal(second.outcomes.find((o) => o.name === 'hang')!.reason, 'still running');
  assert.equal(valueOf(second.families, 'node_scrape_collector_success', { collector: 'hang' }), 0);
  assert.equal(valueOf(second.families, 'node_scrape_collector_duration_seconds', { collector: 'hang' }), 0);
  assert.ok(logs.includes('error: collector timed out'));

  // Once the hung run settles, the next scrape runs the collector again.
  hang.release();
  await runner.drain();
  assert.ok(!runner.isRunning('hang'));
  const third = runner.scrape();
  await new Promise((r) => setTimeout(r, 10));
  hang.release();
  const r3 = await third;
  assert.equal(hang.runs, 2);
  assert.equal(valueOf(r3.families, 'node_scrape_collector_success', { collector: 'hang' }), 1);
  assert.equal(valueOf(r3.families, 'hang_partial'), 1);
});

test('filesystem: a hung statfs costs one scrape (cut off), then only its mount point reports device_error', async () => {
  const root = join(TESTDATA, 'rootfs');
  const base = fixtureStatfs(root);
  const hung: Array<(s: StatsFs) => void> = [];
  let nfsCalls = 0;
  const statfs = (path: string): Promise<StatsFs> => {
    if (path === join(root, 'srv/data')) {
      nfsCalls++;
      return new Promise((resolve) => hung.push(resolve));
    }
    return base(path);
  };
  const ne = new NodeExporter(fixtureOptions(undefined, { collectors: ['filesystem', 'loadavg'], statfs, collectorTimeoutMs: 200 }));

  const first = await ne.gather();
  assert.equal(valueOf(first.families, 'node_scrape_collector_success', { collector: 'filesystem' }), 0);
  assert.equal(valueOf(first.families, 'node_scrape_collector_success', { collector: 'loadavg' }), 1);
  assert.equal(valueOf(first.families, 'node_load1'), 0.69);

  // The collector is free again (its statfs calls are tracked per mount point, not the whole run)...
  await new Promise((r) => setTimeout(r, 50));
  const second = await ne.gather();
  const srv = { device: '/dev/vdb', fstype: 'xfs', mountpoint: '/srv/data' };
  const vda = { device: '/dev/vda', fstype: 'ext4', mountpoint: '/' };
  // ...the stuck mount is flagged without a second statfs, the others are measured.
  assert.equal(nfsCalls, 1);
  assert.equal(valueOf(second.families, 'node_scrape_collector_success', { collector: 'filesystem' }), 1);
  assert.equal(valueOf(second.families, 'node_filesystem_device_error', srv), 1);
  assert.equal(valueOf(second.families, 'node_filesystem_size_bytes', srv), undefined);
  assert.equal(valueOf(second.families, 'node_filesystem_device_error', vda), 0);
  assert.equal(valueOf(second.families, 'node_filesystem_size_bytes', vda), 4096 * 66052044);

  // When the kernel finally answers, the mount is measured again.
  hung.splice(0).forEach((resolve) => resolve({ type: 0, bsize: 4096, blocks: 10, bfree: 5, bavail: 5, files: 3, ffree: 1 } as StatsFs));
  await ne.drain();
  await new Promise((r) => setTimeout(r, 10));
  const third = ne.gather();
  await new Promise((r) => setTimeout(r, 10));
  hung.splice(0).forEach((resolve) => resolve({ type: 0, bsize: 4096, blocks: 10, bfree: 5, bavail: 5, files: 3, ffree: 1 } as StatsFs));
  const r3 = await third;
  assert.equal(nfsCalls, 2);
  assert.equal(valueOf(r3.families, 'node_filesystem_device_error', srv), 0);
  assert.equal(valueOf(r3.families, 'node_filesystem_size_bytes', srv), 40960);
});

test('filesystem: a mount timeout shorter than the collector timeout flags the mount in the first scrape', async () => {
  const base = fixtureStatfs(join(TESTDATA, 'rootfs'));
  const never = new Promise<StatsFs>(() => {});
  const statfs = (path: string) => (path.endsWith('/srv/data') ? never : base(path));
  const ne = new NodeExporter(fixtureOptions(undefined, { collectors: ['filesystem'], statfs, collectorTimeoutMs: 5000, mountTimeoutMs: 100 }));
  const { families } = await ne.gather();
  // Success 1: the mount timeout, not the collector's cut-off, ended the wait.
  assert.equal(valueOf(families, 'node_scrape_collector_success', { collector: 'filesystem' }), 1);
  assert.equal(valueOf(families, 'node_filesystem_device_error', { device: '/dev/vdb', fstype: 'xfs', mountpoint: '/srv/data' }), 1);
  assert.equal(valueOf(families, 'node_filesystem_device_error', { device: '/dev/vda', fstype: 'ext4', mountpoint: '/' }), 0);
});

test('collect[] and exclude[] selection: names, errors worded as node_exporter', () => {
  const ne = new NodeExporter(fixtureOptions(undefined, { collectors: ['cpu', 'loadavg', 'meminfo'] }));
  assert.deepEqual(ne.select([], []), ['cpu', 'loadavg', 'meminfo']);
  assert.deepEqual(ne.select(['meminfo', 'cpu', 'cpu'], []), ['cpu', 'meminfo']);
  assert.deepEqual(ne.select([], ['cpu', 'nosuch']), ['loadavg', 'meminfo']);
  assert.throws(() => ne.select(['nosuch'], []), /^VigilError: couldn't create collector: missing collector: nosuch$/);
  assert.throws(() => ne.select(['vmstat'], []), /disabled collector: vmstat/);
  assert.throws(() => ne.select(['cpu'], ['loadavg']), /Combined collect and exclude queries are not allowed/);
});

test('the builder drops duplicate series and families whose type or help conflict', () => {
  const b = new MetricsBuilder();
  b.gauge('x', 'help', 1);
  b.gauge('x', 'help', 2);
  b.counter('x', 'help', 3);
  b.gauge('x', 'other help', 4);
  const fams = b.families();
  assert.equal(fams.length, 1);
  assert.deepEqual(fams[0].samples.map((s) => s.value), [1]);
  assert.equal(b.conflicts, 2);
});
