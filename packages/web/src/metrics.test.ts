/**
 * The server's own scrape and TSDB metrics as `/metrics` shows them, fed by a real scrape manager
 * scraping a loopback target and a real data directory that was compacted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Labels } from '@vigil/model';
import { Registry } from '@vigil/client';
import { ScrapeManager, loadConfig } from '@vigil/scrape';
import { openDB, openMemoryDB } from '@vigil/tsdb';
import { eventually, tempDir } from '@vigil/testkit';
import { registerScrapeMetrics, registerTsdbMetrics } from './metrics.js';

const H = 3600_000;

/** The value of one series line (`name{labels}` exactly as printed), or undefined. */
function valueOf(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  return undefined;
}

test('scrape metrics: targets per pool, actual scrape intervals, scrapes over the sample limit', { timeout: 30_000 }, async () => {
  const srv = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end('a 1\nb 2\nc 3\n');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const registry = new Registry();
  const manager = new ScrapeManager({ appendable: openMemoryDB(), skipOffset: true });
  registerScrapeMetrics(registry, () => manager, manager.stats);
  try {
    const text0 = await registry.metrics();
    assert.equal(valueOf(text0, 'vigil_target_scrapes_exceeded_sample_limit_total'), 0);
    assert.match(text0, /^# TYPE vigil_target_interval_length_seconds summary$/m);
    // Two targets per job: the same address in two groups with different labels.
    const job = (name: string, extra: string) =>
      `  - job_name: ${name}\n    scrape_interval: 200ms\n    scrape_timeout: 150ms\n${extra}    static_configs:\n` +
      `      - {targets: ['${host}'], labels: {copy: one}}\n      - {targets: ['${host}'], labels: {copy: two}}\n`;
    await manager.applyConfig(loadConfig(`scrape_configs:\n${job('ok', '')}${job('limited', '    sample_limit: 2\n')}`));
    const text = await eventually(async () => {
      const t = await registry.metrics();
      return (valueOf(t, 'vigil_target_interval_length_seconds_count{interval="200ms"}') ?? 0) >= 8 ? t : undefined;
    }, 20_000, 'scrapes on a 200ms interval');
    assert.equal(valueOf(text, 'vigil_target_scrape_pool_targets{scrape_job="ok"}'), 2);
    assert.equal(valueOf(text, 'vigil_target_scrape_pool_targets{scrape_job="limited"}'), 2);
    // Three samples against a limit of two: every scrape of the limited job's two targets is rejected.
    const exceeded = valueOf(text, 'vigil_target_scrapes_exceeded_sample_limit_total')!;
    assert.ok(exceeded >= 2, `${exceeded} scrapes over the limit`);
    for (const q of ['0.01', '0.05', '0.5', '0.9', '0.99']) {
      assert.notEqual(valueOf(text, `vigil_target_interval_length_seconds{interval="200ms",quantile="${q}"}`), undefined, q);
    }
    // The median gap between two scrapes of a target is the configured 200ms, give or take a loaded machine.
    const median = valueOf(text, 'vigil_target_interval_length_seconds{interval="200ms",quantile="0.5"}')!;
    assert.ok(median > 0.1 && median < 2, `median interval ${median}s`);
    const count = valueOf(text, 'vigil_target_interval_length_seconds_count{interval="200ms"}')!;
    const sum = valueOf(text, 'vigil_target_interval_length_seconds_sum{interval="200ms"}')!;
    assert.ok(sum / count > 0.1 && sum / count < 2, `mean interval ${sum / count}s`);
    // Nothing was refused by the storage.
    for (const name of ['sample_out_of_order', 'sample_duplicate_timestamp', 'sample_out_of_bounds']) {
      assert.equal(valueOf(text, `vigil_target_scrapes_${name}_total`), 0, name);
    }
    // A removed job's pool is gone from the targets gauge.
    await manager.applyConfig(loadConfig(`scrape_configs:\n${job('ok', '')}`));
    const after = await registry.metrics();
    assert.equal(valueOf(after, 'vigil_target_scrape_pool_targets{scrape_job="ok"}'), 2);
    assert.equal(valueOf(after, 'vigil_target_scrape_pool_targets{scrape_job="limited"}'), undefined);
  } finally {
    await manager.stop();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test('TSDB counters: compactions, reloads, truncations, series created and removed, retentions', async () => {
  const tmp = tempDir();
  try {
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const db = await openDB(tmp.path, { compactionInterval: 0, logger: quiet, retentionDuration: 3 * H });
    const registry = new Registry();
    registerTsdbMetrics(registry, () => db, { retentionDuration: 3 * H, retentionSize: 0, appended: () => 0 });
    const before = await registry.metrics();
    assert.equal(valueOf(before, 'vigil_tsdb_reloads_total'), 1);
    assert.equal(valueOf(before, 'vigil_tsdb_compactions_total'), 0);
    // Series 0 stops after the first hour; series 1 and 2 run for 9 h.
    const refs = [0, 0, 0];
    for (let t = 0; t < 9 * H; t += 300_000) {
      const app = db.appender();
      for (let i = 0; i < 3; i++) if (i > 0 || t < H) refs[i] = app.append(refs[i], Labels.fromObject({ __name__: 'm', i: String(i) }), t, i);
      await app.commit();
    }
    await db.compact();
    const text = await registry.metrics();
    // Three 2h head cuts ([0,2h) [2h,4h) [4h,6h)), each a compactor write, a rescan and a head truncation.
    assert.equal(valueOf(text, 'vigil_tsdb_compactions_total'), 3);
    assert.equal(valueOf(text, 'vigil_tsdb_compactions_failed_total'), 0);
    assert.equal(valueOf(text, 'vigil_tsdb_head_truncations_total'), 3);
    assert.equal(valueOf(text, 'vigil_tsdb_reloads_total'), 4);
    assert.equal(valueOf(text, 'vigil_tsdb_head_series_created_total'), 3);
    assert.equal(valueOf(text, 'vigil_tsdb_head_series_removed_total'), 1);
    // Blocks ending at 2h and 6h are more than the 3h retention apart: the oldest went by time.
    assert.ok(valueOf(text, 'vigil_tsdb_time_retentions_total')! >= 1, text);
    assert.equal(valueOf(text, 'vigil_tsdb_size_retentions_total'), 0);
    for (const name of ['compactions', 'reloads', 'head_truncations', 'head_series_created', 'time_retentions']) {
      assert.match(text, new RegExp(`^# TYPE vigil_tsdb_${name}_total counter$`, 'm'));
    }
    await db.close();
  } finally {
    tmp.cleanup();
  }
});
