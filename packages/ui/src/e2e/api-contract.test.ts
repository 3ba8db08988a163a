/**
 * The UI's API client against the real thing and against Vigil: the same checks of every response shape
 * the pages read, run against Debian's `prometheus` and `vigil server` (each scraping itself and a closed
 * port). Prometheus's API is the contract; Vigil must answer in the same shapes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, freePort, repoRoot, requireProgram, startProcess, tempDir, waitForHttp } from '@vigil/testkit';
import { ApiClient, ApiError } from '../lib/api.js';
import { scrapeConfig } from './fixture.js';

const vigilBin = join(repoRoot(), 'packages', 'cli', 'bin', 'vigil.js');

async function checkShapes(api: ApiClient, closedAddress: string, selfJob: string): Promise<void> {
  // Wait until both targets have been scraped once.
  const targets = await eventually(async () => {
    const t = await api.targets('active');
    return t.activeTargets.length === 2 && t.activeTargets.every((x) => x.health !== 'unknown') ? t : undefined;
  }, 30000, 'both targets scraped');
  const down = targets.activeTargets.find((t) => t.health === 'down')!;
  assert.equal(down.scrapeUrl, `http://${closedAddress}/metrics`);
  assert.equal(down.scrapePool, 'broken');
  assert.ok(down.lastError.length > 0);
  assert.equal(down.labels['evil'], '<script>alert(1)</script>');
  assert.equal(down.discoveredLabels['__address__'], closedAddress);
  assert.ok(Number.isFinite(Date.parse(down.lastScrape)));
  assert.equal(typeof down.lastScrapeDuration, 'number');
  assert.ok(Array.isArray(targets.droppedTargets));
  const up = targets.activeTargets.find((t) => t.health === 'up')!;
  assert.equal(up.labels['job'], selfJob);

  const inst = await api.query('up', Date.now());
  assert.equal(inst.data.resultType, 'vector');
  assert.ok(Array.isArray(inst.warnings));
  if (inst.data.resultType === 'vector') {
    assert.equal(inst.data.result.length, 2);
    for (const s of inst.data.result) {
      assert.equal(typeof s.value![0], 'number');
      assert.match(s.value![1], /^[01]$/);
    }
  }
  const end = Date.now();
  const range = await api.queryRange('up', end - 60_000, end, 5);
  assert.equal(range.data.resultType, 'matrix');
  if (range.data.resultType === 'matrix') for (const s of range.data.result) assert.ok(Array.isArray(s.values) && typeof s.values[0]![1] === 'string');
  const scalar = await api.query('1 + 2');
  assert.deepEqual(scalar.data.resultType === 'scalar' && scalar.data.result[1], '3');
  const str = await api.query('"hello"');
  assert.deepEqual(str.data.resultType === 'string' && str.data.result[1], 'hello');
  const sub = await api.query('up[1m]');
  assert.equal(sub.data.resultType, 'matrix');

  await assert.rejects(api.query('rate(up) + 1'), (e: unknown) => e instanceof ApiError && e.errorType === 'bad_data' && e.status === 400 && /range vector/.test(e.message));
  await assert.rejects(api.query('sum(up'), (e: unknown) => e instanceof ApiError && e.errorType === 'bad_data' && /parse error/.test(e.message));

  const names = await api.labelValues('__name__');
  assert.ok(names.includes('up'));
  assert.deepEqual(await api.labelValues('job', ['up']), ['broken', selfJob].sort());
  assert.ok((await api.labelNames()).includes('instance'));
  const series = await api.series(['up'], end - 300_000, end);
  assert.equal(series.length, 2);
  const md = await api.metadata();
  const someCounter = Object.values(md).flat().find((m) => m.type === 'counter');
  assert.ok(someCounter && typeof someCounter.help === 'string');

  const cfg = await api.config();
  assert.match(cfg.yaml, /job_name: broken/);
  const flags = await api.flags();
  assert.match(flags['web.listen-address'] ?? '', /^127\.0\.0\.1:\d+$/);
  const rt = await api.runtimeInfo();
  assert.ok('storageRetention' in rt && 'startTime' in rt);
  const bi = await api.buildInfo();
  assert.equal(typeof bi.version, 'string');
  const ts = await api.tsdbStatus();
  assert.ok(ts.headStats.numSeries > 0);
  assert.equal(typeof ts.headStats.chunkCount, 'number');
  for (const list of [ts.seriesCountByMetricName, ts.labelValueCountByLabelName, ts.memoryInBytesByLabelName, ts.seriesCountByLabelValuePair]) {
    assert.ok(Array.isArray(list) && list.length > 0 && typeof list[0]!.name === 'string' && typeof list[0]!.value === 'number');
  }
}

describe('the UI API client: same response shapes from Prometheus and from vigil server', () => {
  it('against Debian prometheus', async () => {
    const prometheus = requireProgram('prometheus');
    const tmp = tempDir('vigil-ui-prom-');
    const port = await freePort();
    const closed = `127.0.0.1:${await freePort()}`;
    const cfg = join(tmp.path, 'prometheus.yml');
    writeFileSync(cfg, scrapeConfig(`127.0.0.1:${port}`, '/metrics', closed).replace('job_name: vigil', 'job_name: prometheus'));
    const proc = startProcess(prometheus, [`--config.file=${cfg}`, `--storage.tsdb.path=${join(tmp.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 30000, proc);
      await checkShapes(new ApiClient({ baseUrl: `http://127.0.0.1:${port}` }), closed, 'prometheus');
    } finally {
      await proc.stop();
      tmp.cleanup();
    }
  });

  it('against vigil server', async () => {
    if (!existsSync(vigilBin)) throw new Error(`${vigilBin} missing: build the cli first (npx tsc -b packages/cli)`);
    const tmp = tempDir('vigil-ui-vigil-');
    const port = await freePort();
    const closed = `127.0.0.1:${await freePort()}`;
    const cfg = join(tmp.path, 'vigil.yml');
    writeFileSync(cfg, scrapeConfig(`127.0.0.1:${port}`, '/metrics', closed));
    const proc = startProcess(process.execPath, [vigilBin, 'server', `--config.file=${cfg}`, `--storage.tsdb.path=${join(tmp.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 30000, proc);
      await checkShapes(new ApiClient({ baseUrl: `http://127.0.0.1:${port}` }), closed, 'vigil');
    } finally {
      await proc.stop();
      tmp.cleanup();
    }
  });
});
