import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, tempDir } from '@vigil/testkit';
import {
  FileDiscoverer, HTTPDiscoverer, ScrapePool, RecordingStorage, parseGroupsJSON, parseGroupsYAML, loadConfig, type TargetGroup,
} from './index.js';
import { serve, memoryLogger } from './test-helpers.js';

/** The current groups of a discoverer, by source, as the pool keeps them. */
function collector(): { groups: Map<string, TargetGroup>; updates: number; onUpdate: (g: readonly TargetGroup[]) => void } {
  const c = {
    groups: new Map<string, TargetGroup>(),
    updates: 0,
    onUpdate(gs: readonly TargetGroup[]) {
      c.updates++;
      for (const g of gs) {
        if (g.targets.length === 0) c.groups.delete(g.source);
        else c.groups.set(g.source, g);
      }
    },
  };
  return c;
}

const addresses = (c: { groups: Map<string, TargetGroup> }) => [...c.groups.values()].flatMap((g) => g.targets.map((t) => t.__address__)).sort();

test('target group files: JSON and YAML, checked strictly, with positions for YAML', () => {
  assert.deepEqual(parseGroupsJSON('[{"targets": ["a:1"], "labels": {"env": "x"}}, {"targets": []}]', 'f.json'), [
    { targets: ['a:1'], labels: { env: 'x' } },
    { targets: [], labels: {} },
  ]);
  assert.deepEqual(parseGroupsYAML('- targets: [a:1]\n  labels: {env: x}\n', 'f.yml'), [{ targets: ['a:1'], labels: { env: 'x' } }]);
  const bad: Array<[() => unknown, string | RegExp]> = [
    [() => parseGroupsJSON('{"targets": []}', 'f.json'), 'f.json: expected a JSON list of target groups, got object'],
    [() => parseGroupsJSON('[{"targets": ["a"], "label": {}}]', 'f.json'), 'f.json: [0]: json: unknown field "label"'],
    [() => parseGroupsJSON('[null]', 'f.json'), 'f.json: nil target group item found (index 0)'],
    [() => parseGroupsJSON('[{"targets": [1]}]', 'f.json'), 'f.json: [0]: "targets" must be a list of strings'],
    [() => parseGroupsJSON('[{"targets": ["a"], "labels": {"": "x"}}]', 'f.json'), 'f.json: [0]: "" is not a valid label name'],
    [() => parseGroupsJSON('[{"targets": ["a"]', 'f.json'), /^f\.json: invalid JSON: /],
    [() => parseGroupsYAML('- targets: [a]\n  labls: {}\n', 'f.yml'), 'f.yml:2:3: [0].labls: field labls not found in type target_group'],
    [() => parseGroupsYAML('targets: [a]\n', 'f.yml'), 'f.yml:1:1: expected a YAML list of target groups'],
  ];
  for (const [fn, want] of bad) {
    let msg = '(no error)';
    try {
      fn();
    } catch (e) {
      msg = (e as Error).message;
    }
    if (typeof want === 'string') assert.equal(msg, want);
    else assert.match(msg, want as RegExp);
  }
});

test('file_sd: files are globbed, watched, re-read; a bad file keeps its last targets and says why', async () => {
  const dir = tempDir('vigil-filesd-');
  const log = memoryLogger();
  const json = join(dir.path, 'a.json');
  const yml = join(dir.path, 'b.yml');
  writeFileSync(json, JSON.stringify([{ targets: ['a:1', 'a:2'], labels: { env: 'prod' } }]));
  writeFileSync(yml, '- targets: [b:1]\n');
  const d = new FileDiscoverer({ files: [join(dir.path, '*.json'), join(dir.path, '*.yml')], refreshInterval: 60_000 }, log);
  const c = collector();
  try {
    d.start(c.onUpdate);
    assert.deepEqual(addresses(c), ['a:1', 'a:2', 'b:1']);
    const g = c.groups.get(`${json}:0`)!;
    assert.deepEqual(g.labels, { env: 'prod', __meta_filepath: json });
    // A change is picked up by the watcher (no refresh_interval wait: it is a minute here).
    writeFileSync(json, JSON.stringify([{ targets: ['a:3'] }]));
    await eventually(() => (addresses(c).join() === 'a:3,b:1' ? true : undefined), 10_000, 'the changed file to be read');
    // A broken file: its last targets stay and the error is logged.
    writeFileSync(yml, '- targets: [b:2\n');
    await eventually(() => (log.lines.some((l) => l.includes('Error reading file') && l.includes('b.yml')) ? true : undefined), 10_000, 'the error to be logged');
    assert.deepEqual(addresses(c), ['a:3', 'b:1']);
    // Fixed again, then a new file appears, then one is removed.
    writeFileSync(yml, '- targets: [b:2]\n');
    await eventually(() => (addresses(c).includes('b:2') ? true : undefined), 10_000, 'the fixed file');
    const tmp = join(dir.path, 'c.tmp');
    writeFileSync(tmp, '[{"targets": ["c:1"]}]');
    renameSync(tmp, join(dir.path, 'c.json'));
    await eventually(() => (addresses(c).includes('c:1') ? true : undefined), 10_000, 'the new file');
    rmSync(json);
    await eventually(() => (addresses(c).join() === 'b:2,c:1' ? true : undefined), 10_000, 'the removed file');
  } finally {
    d.stop();
    dir.cleanup();
  }
});

test('file_sd without watch events: refresh_interval polling picks changes up', async () => {
  const dir = tempDir('vigil-filesd-poll-');
  const file = join(dir.path, 't.json');
  writeFileSync(file, '[{"targets": ["x:1"]}]');
  const d = new FileDiscoverer({ files: [file], refreshInterval: 100 });
  const c = collector();
  try {
    d.start(c.onUpdate);
    const before = c.updates;
    await eventually(() => (c.updates >= before + 2 ? true : undefined), 5_000, 'two refreshes');
    assert.deepEqual(addresses(c), ['x:1']);
  } finally {
    d.stop();
    dir.cleanup();
  }
});

test('http_sd: targets from a JSON list; errors keep the last targets', async () => {
  let status = 200;
  let contentType = 'application/json';
  let body = JSON.stringify([{ targets: ['h:1', 'h:2'], labels: { rack: 'r1' } }, { targets: ['h:3'] }]);
  const srv = await serve((_req, res) => {
    res.statusCode = status;
    res.setHeader('content-type', contentType);
    res.end(body);
  });
  const url = `http://${srv.host}/sd`;
  const log = memoryLogger();
  const cfg = loadConfig(`scrape_configs:\n- job_name: h\n  http_sd_configs:\n  - url: ${url}\n    refresh_interval: 1h\n    authorization: {credentials: sdtoken}\n`).scrapeConfigs[0].httpSDConfigs[0];
  const d = new HTTPDiscoverer(cfg, log);
  const c = collector();
  try {
    d.start(c.onUpdate);
    await eventually(() => (c.groups.size === 2 ? true : undefined), 5_000, 'the first refresh');
    assert.deepEqual(addresses(c), ['h:1', 'h:2', 'h:3']);
    assert.deepEqual(c.groups.get(`${url}:0`)!.labels, { rack: 'r1', __meta_url: url });
    const req = srv.requests[0];
    assert.equal(req.headers.accept, 'application/json');
    assert.equal(req.headers.authorization, 'Bearer sdtoken');
    assert.equal(req.headers['x-prometheus-refresh-interval-seconds'], '3600');
    status = 500;
    assert.equal(await d.refresh(), 'server returned HTTP status 500 Internal Server Error');
    status = 200;
    contentType = 'text/plain';
    assert.equal(await d.refresh(), 'unsupported content type "text/plain"');
    contentType = 'application/json; charset=utf-8';
    body = '[{"targets": ["h:1"], "oops": 1}]';
    assert.match((await d.refresh()) ?? '', /json: unknown field "oops"/);
    assert.deepEqual(addresses(c), ['h:1', 'h:2', 'h:3'], 'failed refreshes keep the last targets');
    assert.equal(log.lines.filter((l) => l.includes('http_sd: refresh failed')).length, 3);
    body = '[{"targets": ["h:9"]}]';
    assert.equal(await d.refresh(), undefined);
    assert.deepEqual(addresses(c), ['h:9'], 'a shorter list removes the groups that are gone');
  } finally {
    d.stop();
    await srv.close();
  }
});

test('a scrape pool follows file_sd: targets come and go, dropped ones are listed', async () => {
  const dir = tempDir('vigil-pool-');
  const file = join(dir.path, 'targets.json');
  writeFileSync(file, JSON.stringify([{ targets: ['127.0.0.1:1', '127.0.0.1:2'], labels: { team: 'a' } }]));
  const cfg = loadConfig(`scrape_configs:\n- job_name: p\n  scrape_interval: 1h\n  file_sd_configs: [{files: ['${file}']}]\n  relabel_configs:\n  - {action: drop, source_labels: [__address__], regex: '.*:2'}\n`).scrapeConfigs[0];
  const pool = new ScrapePool(cfg, { appendable: new RecordingStorage(), discoveryUpdateDelayMs: 20 });
  try {
    pool.start();
    await eventually(() => (pool.activeTargets().length === 1 ? true : undefined), 5_000, 'the first target');
    const t = pool.activeTargets()[0];
    assert.equal(t.url, 'http://127.0.0.1:1/metrics');
    assert.deepEqual(t.publicLabels().toObject(), { instance: '127.0.0.1:1', job: 'p', team: 'a' });
    assert.equal(t.discoveredLabels.get('__meta_filepath'), file);
    assert.equal(pool.droppedTargets().length, 1);
    assert.equal(pool.droppedTargets()[0].discoveredLabels.get('__address__'), '127.0.0.1:2');
    writeFileSync(file, JSON.stringify([{ targets: ['127.0.0.1:1', '127.0.0.1:3'], labels: { team: 'a' } }]));
    await eventually(() => (pool.activeTargets().length === 2 ? true : undefined), 10_000, 'the added target');
    assert.equal(pool.activeTargets()[0], t, 'the unchanged target keeps its Target (and loop)');
    assert.equal(pool.droppedTargets().length, 0);
  } finally {
    await pool.stop({ staleness: false });
    dir.cleanup();
  }
});
