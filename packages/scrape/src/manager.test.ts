import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStaleNaN } from '@vigil/model';
import { eventually, tempDir } from '@vigil/testkit';
import { ScrapeManager, RecordingStorage, loadConfig, reloadConfigFile, targetsJSON, targetMetadataJSON, formatGoTime } from './index.js';
import { serve } from './test-helpers.js';

const TEXT = 'text/plain; version=0.0.4';

function config(host: string, jobs: string): ReturnType<typeof loadConfig> {
  return loadConfig(`global: {scrape_interval: 100ms}\nscrape_configs:\n${jobs.replaceAll('HOST', host)}`);
}

test('applyConfig keeps unchanged jobs running, reloads changed ones, starts new ones, marks removed ones stale', { timeout: 30_000 }, async () => {
  const srv = await serve((req, res) => {
    res.setHeader('content-type', TEXT);
    res.end(`# HELP path_metric Which path.\n# TYPE path_metric gauge\npath_metric{path="${req.url}"} 1\n`);
  });
  const storage = new RecordingStorage();
  const m = new ScrapeManager({ appendable: storage, discoveryUpdateDelayMs: 10 });
  try {
    const jobs = (b: string) => `- job_name: a\n  static_configs: [{targets: [HOST]}]\n- job_name: b\n  metrics_path: ${b}\n  static_configs: [{targets: [HOST]}]\n`;
    await m.applyConfig(config(srv.host, jobs('/b1')));
    await eventually(() => (m.targetsActive().get('a')?.[0]?.health === 'up' && m.targetsActive().get('b')?.[0]?.health === 'up' ? true : undefined), 10_000, 'both jobs up');
    const a = m.targetsActive().get('a')![0];
    const b = m.targetsActive().get('b')![0];
    await m.applyConfig(config(srv.host, jobs('/b2') + '- job_name: c\n  static_configs: [{targets: [HOST]}]\n'));
    assert.equal(m.targetsActive().get('a')![0], a, 'job a did not change: same target, same loop, same state');
    const b2 = m.targetsActive().get('b')![0];
    assert.notEqual(b2, b);
    assert.equal(b2.url, `http://${srv.host}/b2`);
    assert.deepEqual(m.poolNames(), ['a', 'b', 'c']);
    await eventually(() => (m.targetsActive().get('c')?.[0]?.health === 'up' ? true : undefined), 10_000, 'job c up');
    // Job c goes away: after about two intervals its series are marked stale.
    await m.applyConfig(config(srv.host, jobs('/b2')));
    assert.deepEqual(m.poolNames(), ['a', 'b']);
    await eventually(() => {
      const s = storage.samples({ __name__: 'up', job: 'c', instance: srv.host });
      return s.v.length > 0 && isStaleNaN(s.v[s.v.length - 1]) ? true : undefined;
    }, 10_000, 'end-of-run staleness markers for job c');
    const cs = storage.samples({ __name__: 'path_metric', path: '/metrics', job: 'c', instance: srv.host });
    assert.ok(isStaleNaN(cs.v[cs.v.length - 1]));
    // Job a kept its series unbroken: no staleness marker anywhere in it.
    const as = storage.samples({ __name__: 'path_metric', path: '/metrics', job: 'a', instance: srv.host });
    assert.ok(as.v.length > 3 && [...as.v].every((v) => v === 1));
    // Metadata as /api/v1/metadata wants it.
    assert.deepEqual(m.metadata().get('path_metric'), [{ metric: 'path_metric', type: 'gauge', help: 'Which path.', unit: '' }]);
  } finally {
    await m.stop();
    await srv.close();
  }
});

test("a target that discovery drops gets staleness markers; the pool's other target goes on unbroken", { timeout: 30_000 }, async () => {
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    res.setHeader('content-type', TEXT);
    res.end('# TYPE node_up gauge\nnode_up 1\n');
  };
  const one = await serve(handler);
  const two = await serve(handler);
  const dir = tempDir('vigil-sd-stale-');
  const file = join(dir.path, 'targets.json');
  writeFileSync(file, JSON.stringify([{ targets: [one.host, two.host] }]));
  const storage = new RecordingStorage();
  const m = new ScrapeManager({ appendable: storage, discoveryUpdateDelayMs: 10 });
  try {
    await m.applyConfig(config('', `- job_name: sd\n  file_sd_configs: [{files: ['${file}']}]\n`));
    await eventually(() => (m.targetsActive().get('sd')?.filter((t) => t.health === 'up').length === 2 ? true : undefined), 10_000, 'both targets up');
    // Discovery drops the second target; the pool, its config and the first target stay.
    const kept = m.targetsActive().get('sd')!.find((t) => t.url.includes(one.host))!;
    writeFileSync(file, JSON.stringify([{ targets: [one.host] }]));
    await eventually(() => (m.targetsActive().get('sd')?.length === 1 ? true : undefined), 10_000, 'the dropped target to go');
    assert.equal(m.targetsActive().get('sd')![0], kept, 'the remaining target kept its loop');
    for (const name of ['node_up', 'up']) {
      await eventually(() => {
        const s = storage.samples({ __name__: name, job: 'sd', instance: two.host });
        return s.v.length > 0 && isStaleNaN(s.v[s.v.length - 1]) ? true : undefined;
      }, 10_000, `a staleness marker for ${name} of the dropped target`);
    }
    const stays = storage.samples({ __name__: 'node_up', job: 'sd', instance: one.host });
    const before = stays.v.length;
    await eventually(() => (storage.samples({ __name__: 'node_up', job: 'sd', instance: one.host }).v.length > before + 2 ? true : undefined), 10_000, 'more scrapes of the remaining target');
    assert.ok([...storage.samples({ __name__: 'node_up', job: 'sd', instance: one.host }).v].every((v) => v === 1), 'no marker in the remaining series');
  } finally {
    await m.stop();
    await one.close();
    await two.close();
    dir.cleanup();
  }
});

test('a reload from a bad file keeps the running configuration and says why', async () => {
  const dir = tempDir('vigil-reload-');
  const file = join(dir.path, 'prometheus.yml');
  const m = new ScrapeManager({ appendable: new RecordingStorage() });
  try {
    writeFileSync(file, 'scrape_configs:\n- job_name: one\n  scrape_interval: 1h\n  static_configs: [{targets: ["127.0.0.1:1"]}]\n');
    const ok = await reloadConfigFile(m, file);
    assert.equal(ok.ok, true);
    writeFileSync(file, 'scrape_configs:\n- job_name: two\n  scrape_interval: 1x\n');
    const bad = await reloadConfigFile(m, file);
    assert.deepEqual(bad, { ok: false, error: `${file}:3:20: scrape_configs[0].scrape_interval: not a valid duration string: "1x"` });
    assert.deepEqual(m.poolNames(), ['one']);
    assert.equal(m.config?.scrapeConfigs[0].jobName, 'one');
  } finally {
    await m.stop();
    dir.cleanup();
  }
});

test('target_limit fails every scrape of the pool with Prometheus text', { timeout: 20_000 }, async () => {
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end('x 1\n');
  });
  const storage = new RecordingStorage();
  const m = new ScrapeManager({ appendable: storage });
  try {
    const port = srv.host.split(':')[1];
    await m.applyConfig(loadConfig(`scrape_configs:\n- job_name: lim\n  scrape_interval: 100ms\n  target_limit: 2\n  static_configs: [{targets: ['127.0.0.1:${port}', 'localhost:${port}', '127.0.0.2:${port}']}]\n`));
    await eventually(() => {
      const ts = m.targetsActive().get('lim') ?? [];
      return ts.length === 3 && ts.every((t) => t.health === 'down') ? ts : undefined;
    }, 10_000, 'every target down').then((ts) => {
      for (const t of ts) assert.equal(t.lastError, 'target_limit exceeded (number of targets: 3, limit: 2)');
    });
    assert.equal(srv.requests.length, 0, 'no target is scraped');
  } finally {
    await m.stop();
    await srv.close();
  }
});

test('a target that hangs does not delay the others', { timeout: 20_000 }, async () => {
  const srv = await serve((req, res) => {
    if (req.url === '/hang') return; // never answers
    res.setHeader('content-type', TEXT);
    res.end('fast 1\n');
  });
  const m = new ScrapeManager({ appendable: new RecordingStorage(), skipOffset: true });
  try {
    await m.applyConfig(loadConfig(`scrape_configs:\n- job_name: hang\n  scrape_interval: 10s\n  metrics_path: /hang\n  static_configs: [{targets: ['${srv.host}']}]\n- job_name: fast\n  scrape_interval: 100ms\n  static_configs: [{targets: ['${srv.host}']}]\n`));
    await eventually(() => (srv.requests.filter((r) => r.url === '/hang').length === 1 ? true : undefined), 15_000, 'the hanging scrape to start');
    const before = srv.requests.filter((r) => r.url === '/metrics').length;
    await eventually(() => (srv.requests.filter((r) => r.url === '/metrics').length >= before + 5 ? true : undefined), 10_000, 'five more fast scrapes');
    assert.equal(m.targetsActive().get('hang')![0].health, 'unknown', 'the hanging scrape is still in progress');
    assert.equal(m.targetsActive().get('fast')![0].health, 'up');
  } finally {
    await m.stop();
    await srv.close();
  }
});

test('the /api/v1/targets and /api/v1/targets/metadata shapes', { timeout: 20_000 }, async () => {
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end('# HELP m An m.\n# TYPE m gauge\nm 1\n');
  });
  const m = new ScrapeManager({ appendable: new RecordingStorage(), skipOffset: true });
  try {
    await m.applyConfig(loadConfig(`scrape_configs:\n- job_name: api\n  scrape_interval: 1m\n  static_configs: [{targets: ['${srv.host}', 'gone:1']}]\n  relabel_configs: [{action: drop, source_labels: [__address__], regex: 'gone:.*'}]\n`));
    await eventually(() => (m.targetsActive().get('api')?.[0]?.health === 'up' ? true : undefined), 10_000, 'the target up');
    const j = targetsJSON(m);
    assert.equal(j.activeTargets.length, 1);
    const a = j.activeTargets[0];
    assert.deepEqual(Object.keys(a), ['discoveredLabels', 'labels', 'scrapePool', 'scrapeUrl', 'globalUrl', 'lastError', 'lastScrape', 'lastScrapeDuration', 'health', 'scrapeInterval', 'scrapeTimeout']);
    assert.deepEqual(a.labels, { instance: srv.host, job: 'api' });
    assert.equal(a.discoveredLabels.__address__, srv.host);
    assert.equal(a.scrapeUrl, `http://${srv.host}/metrics`);
    assert.equal(a.health, 'up');
    assert.equal(a.lastError, '');
    assert.match(a.lastScrape, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(a.lastScrapeDuration > 0 && a.lastScrapeDuration < 10);
    assert.equal(a.scrapeInterval, '1m');
    assert.equal(a.scrapeTimeout, '10s');
    assert.deepEqual(j.droppedTargets, [{ discoveredLabels: { __address__: 'gone:1', __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '1m', __scrape_timeout__: '10s', job: 'api' }, scrapePool: 'api' }]);
    assert.deepEqual(j.droppedTargetCounts, { api: 1 });
    assert.equal(targetsJSON(m, { state: 'active' }).droppedTargets.length, 0);
    assert.equal(targetsJSON(m, { global: { listenAddress: '0.0.0.0:9090', hostname: 'box' } }).activeTargets[0].globalUrl, `http://box:${srv.host.split(':')[1]}/metrics`);
    assert.deepEqual(targetMetadataJSON(m), [{ target: { instance: srv.host, job: 'api' }, metric: 'm', type: 'gauge', help: 'An m.', unit: '' }]);
    assert.deepEqual(targetMetadataJSON(m, { metric: 'm' }), [{ target: { instance: srv.host, job: 'api' }, type: 'gauge', help: 'An m.', unit: '' }]);
    assert.equal(formatGoTime(0), '0001-01-01T00:00:00Z');
    assert.equal(formatGoTime(1_700_000_000_120), '2023-11-14T22:13:20.12Z');
  } finally {
    await m.stop();
    await srv.close();
  }
});
