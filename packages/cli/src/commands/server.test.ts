/**
 * `vigil server` as a process, with real peers on loopback: Debian's python3-prometheus-client hello
 * world, `promtool query`, Debian's Prometheus federating from Vigil while Vigil scrapes it, reloads
 * (SIGHUP and HTTP) with a bad file, clean shutdown and restart, a data directory Prometheus wrote, the
 * admin API, and the all-in-one default (`vigil` with no subcommand).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventually, freePort, repoRoot, requireProgram, runProgram, startProcess, startPythonHelloWorld, tempDir, waitForHttp, type RunningProcess,
} from '@vigil/testkit';

const VIGIL = join(repoRoot(), 'packages', 'cli', 'bin', 'vigil.js');

interface Vigil {
  readonly url: string;
  readonly proc: RunningProcess;
}

async function startVigil(args: readonly string[], port?: number): Promise<Vigil> {
  const p = port ?? (await freePort());
  const proc = startProcess(process.execPath, [VIGIL, ...args, `--web.listen-address=127.0.0.1:${p}`]);
  const url = `http://127.0.0.1:${p}`;
  await waitForHttp(`${url}/-/ready`, 30_000, proc);
  return { url, proc };
}

async function json(url: string, init?: RequestInit): Promise<any> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await r.text();
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`${url}: HTTP ${r.status}: ${body.slice(0, 300)}`);
  }
}

/** The single value of an instant query, or undefined when the result is empty. */
async function value(base: string, query: string): Promise<number | undefined> {
  const r = await json(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  assert.equal(r.status, 'success', JSON.stringify(r));
  if (r.data.result.length === 0) return undefined;
  return Number(r.data.result[0].value[1]);
}

async function waitValue(base: string, query: string, want: (v: number) => boolean, what: string, timeoutMs = 20_000): Promise<number> {
  return eventually(async () => {
    const v = await value(base, query);
    return v !== undefined && want(v) ? v : undefined;
  }, timeoutMs, what);
}

async function metricsText(base: string): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  return undefined;
}

test('hello world scraped, promtool queries it, Prometheus federates it, Vigil scrapes Prometheus', { timeout: 90_000 }, async () => {
  const dir = tempDir('vigil-server-interop-');
  const procs: RunningProcess[] = [];
  try {
    const promtool = requireProgram('promtool', 'prometheus');
    const prometheusBin = requireProgram('prometheus', 'prometheus');
    const hello = await startPythonHelloWorld();
    procs.push(hello.proc);
    const { metricsPort } = hello;
    const [vigilPort, promPort] = [await freePort(), await freePort()];
    const requests = 5;
    for (let i = 0; i < requests; i++) assert.equal(await hello.hello(), 'Hello World');
    assert.equal(metricValue(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), 'hello_worlds_total'), requests, 'the client counted them');

    writeFileSync(
      join(dir.path, 'vigil.yml'),
      `global:\n  scrape_interval: 1s\n  external_labels:\n    monitor: vigil\nscrape_configs:\n` +
        `  - job_name: python\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n` +
        `  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:${promPort}']\n`,
    );
    const vigil = await startVigil(['server', `--config.file=${join(dir.path, 'vigil.yml')}`, `--storage.tsdb.path=${join(dir.path, 'vigil-data')}`], vigilPort);
    procs.push(vigil.proc);

    writeFileSync(
      join(dir.path, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: federate\n    honor_labels: true\n    metrics_path: /federate\n` +
        `    params:\n      'match[]': ['{job="python"}']\n    static_configs:\n      - targets: ['127.0.0.1:${vigilPort}']\n`,
    );
    const prom = startProcess(prometheusBin, [`--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.path, 'prom-data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    procs.push(prom);
    const promURL = `http://127.0.0.1:${promPort}`;
    await waitForHttp(`${promURL}/-/ready`, 30_000, prom);

    // Vigil scraped the Python client: the counter equals the requests made.
    assert.equal(await waitValue(vigil.url, 'hello_worlds_total', (v) => v === requests, 'hello_worlds_total in Vigil'), requests);

    // promtool's queries against Vigil.
    const instant = runProgram(promtool, ['query', 'instant', vigil.url, 'hello_worlds_total']);
    assert.equal(instant.status, 0, instant.stderr);
    assert.match(instant.stdout, new RegExp(`^hello_worlds_total\\{instance="127\\.0\\.0\\.1:${metricsPort}", job="python"\\} => ${requests} @\\[\\d+(\\.\\d+)?\\]$`, 'm'));
    const now = Math.floor(Date.now() / 1000);
    const range = runProgram(promtool, ['query', 'range', `--start=${now - 60}`, `--end=${now + 2}`, '--step=1s', vigil.url, 'hello_worlds_total']);
    assert.equal(range.status, 0, range.stderr);
    assert.match(range.stdout, new RegExp(`^hello_worlds_total\\{instance="127\\.0\\.0\\.1:${metricsPort}", job="python"\\} =>\\n${requests} @\\[`, 'm'));
    const series = runProgram(promtool, ['query', 'series', '--match=hello_worlds_total', vigil.url]);
    assert.equal(series.status, 0, series.stderr);
    assert.equal(series.stdout.trim(), `{__name__="hello_worlds_total", instance="127.0.0.1:${metricsPort}", job="python"}`);
    // Both jobs' first scrapes must have landed before listing the job label's values.
    await waitValue(vigil.url, 'up{job="prometheus"}', (v) => v === 1, 'the first scrape of Prometheus by Vigil');
    const labels = runProgram(promtool, ['query', 'labels', vigil.url, 'job']);
    assert.equal(labels.status, 0, labels.stderr);
    assert.deepEqual(labels.stdout.trim().split('\n'), ['prometheus', 'python']);

    // Prometheus federates from Vigil (honor_labels keeps job and instance; the external label is added).
    assert.equal(await waitValue(promURL, `hello_worlds_total{job="python",monitor="vigil",instance="127.0.0.1:${metricsPort}"}`, (v) => v === requests, 'the federated counter in Prometheus'), requests);
    // Vigil scrapes Prometheus's own metrics.
    assert.equal(await waitValue(vigil.url, 'up{job="prometheus"}', (v) => v === 1, 'Prometheus scraped by Vigil'), 1);
    assert.equal(await value(vigil.url, 'count(prometheus_build_info{job="prometheus"})'), 1);

    const targets = await json(`${vigil.url}/api/v1/targets`);
    assert.deepEqual(targets.data.activeTargets.map((t: { scrapePool: string; health: string }) => [t.scrapePool, t.health]), [['prometheus', 'up'], ['python', 'up']]);
    // A target has the fields Prometheus gives it, in the same order.
    const theirs = await json(`${promURL}/api/v1/targets`);
    assert.deepEqual(Object.keys(targets.data.activeTargets[0]), Object.keys(theirs.data.activeTargets[0]));
    const pyTarget = targets.data.activeTargets[1];
    assert.equal(pyTarget.scrapeUrl, `http://127.0.0.1:${metricsPort}/metrics`);
    assert.deepEqual(pyTarget.labels, { instance: `127.0.0.1:${metricsPort}`, job: 'python' });
    assert.equal(pyTarget.lastError, '');
    assert.match(pyTarget.lastScrape, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(pyTarget.scrapeInterval, '1s');
    const tm = await json(`${vigil.url}/api/v1/targets/metadata?metric=hello_worlds&match_target={job="python"}`);
    assert.deepEqual(tm.data, [{ target: { instance: `127.0.0.1:${metricsPort}`, job: 'python' }, type: 'counter', help: 'Hello Worlds requested.', unit: '' }]);
    const md = await json(`${vigil.url}/api/v1/metadata?metric=hello_worlds`);
    assert.deepEqual(md.data, { hello_worlds: [{ type: 'counter', help: 'Hello Worlds requested.', unit: '' }] });

    // The server's own metrics, named as Prometheus names its own.
    const own = await metricsText(vigil.url);
    for (const name of ['vigil_tsdb_head_series ', 'vigil_http_requests_total{', 'vigil_engine_query_duration_seconds{', 'vigil_config_last_reload_successful 1', 'vigil_ready 1', 'vigil_tsdb_head_samples_appended_total{type="float"}', 'process_cpu_seconds_total ', 'vigil_sd_discovered_targets{config="python",name="scrape"} 1', 'vigil_target_scrape_pool_targets{scrape_job="python"} 1', 'vigil_tsdb_compactions_total 0', 'vigil_tsdb_head_truncations_total 0', 'vigil_target_scrapes_exceeded_sample_limit_total 0']) {
      assert.ok(own.includes(name), `${name} in /metrics`);
    }
    assert.ok((metricValue(own, 'vigil_tsdb_head_series') ?? 0) > 10);
    // Scrape and TSDB metrics: Prometheus's names (vigil_ for prometheus_), types and help texts.
    const scrapeAndTsdb = [
      'target_scrape_pool_targets', 'target_interval_length_seconds', 'target_scrapes_exceeded_sample_limit_total',
      'target_scrapes_sample_out_of_order_total', 'target_scrapes_sample_duplicate_timestamp_total', 'target_scrapes_sample_out_of_bounds_total',
      'tsdb_compactions_total', 'tsdb_compactions_failed_total', 'tsdb_head_truncations_total', 'tsdb_reloads_total', 'tsdb_time_retentions_total',
      'tsdb_size_retentions_total', 'tsdb_head_series_created_total', 'tsdb_head_series_removed_total',
    ];
    // Prometheus shows the interval summary once it has scraped twice.
    const theirsText = await eventually(async () => {
      const t = await metricsText(promURL);
      return t.includes('prometheus_target_interval_length_seconds_count{interval="1s"}') ? t : undefined;
    }, 20_000, 'Prometheus\'s scrape intervals');
    const mineText = await eventually(async () => {
      const t = await metricsText(vigil.url);
      return (metricValue(t, 'vigil_target_interval_length_seconds_count{interval="1s"}') ?? 0) >= 2 ? t : undefined;
    }, 20_000, 'Vigil\'s scrape intervals');
    for (const name of scrapeAndTsdb) {
      for (const kind of ['HELP', 'TYPE']) {
        const theirs = theirsText.split('\n').find((l) => l.startsWith(`# ${kind} prometheus_${name} `));
        assert.ok(theirs !== undefined, `# ${kind} prometheus_${name} in Prometheus's /metrics`);
        assert.equal(mineText.split('\n').find((l) => l.startsWith(`# ${kind} vigil_${name} `)), theirs.replace('prometheus_', 'vigil_'));
      }
    }
    assert.equal(metricValue(mineText, 'vigil_target_scrape_pool_targets{scrape_job="python"}'), 1);
    assert.equal(metricValue(mineText, 'vigil_target_scrape_pool_targets{scrape_job="prometheus"}'), 1);
    // Scrapes every 1s: the median gap between two is about a second.
    const median = metricValue(mineText, 'vigil_target_interval_length_seconds{interval="1s",quantile="0.5"}') ?? 0;
    assert.ok(median > 0.5 && median < 5, `median scrape interval ${median}s`);
    assert.ok((metricValue(mineText, 'vigil_tsdb_head_series_created_total') ?? 0) >= (metricValue(mineText, 'vigil_tsdb_head_series') ?? Infinity));
    assert.equal(metricValue(mineText, 'vigil_tsdb_reloads_total'), 1);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    dir.cleanup();
  }
});

test('a bad file on SIGHUP keeps the running configuration and says why; POST /-/reload applies a good one', { timeout: 60_000 }, async () => {
  const dir = tempDir('vigil-server-reload-');
  let vigil: Vigil | undefined;
  try {
    const cfg = join(dir.path, 'prometheus.yml');
    const port = await freePort();
    writeFileSync(cfg, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
    vigil = await startVigil(['server', `--config.file=${cfg}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, '--web.enable-lifecycle'], port);
    await waitValue(vigil.url, 'up{job="self"}', (v) => v === 1, 'self scrape');

    // promtool and `vigil check config` agree on the running file and on the bad one below.
    const promtool = requireProgram('promtool', 'prometheus');
    const check = () => [runProgram(promtool, ['check', 'config', cfg]).status, runProgram(process.execPath, [VIGIL, 'check', 'config', cfg]).status];
    assert.deepEqual(check(), [0, 0]);
    writeFileSync(cfg, 'global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    scrape_interval: nope\n');
    assert.deepEqual(check(), [1, 1]);
    vigil.proc.child.kill('SIGHUP');
    await eventually(async () => (metricValue(await metricsText(vigil!.url), 'vigil_config_last_reload_successful') === 0 ? true : undefined), 10_000, 'the failed reload');
    assert.match(vigil.proc.output(), /level=ERROR msg="Error reloading config" err=".*prometheus\.yml:5:22: scrape_configs\[0\]\.scrape_interval: not a valid duration string: \\"nope\\""/);
    const rt = await json(`${vigil.url}/api/v1/status/runtimeinfo`);
    assert.equal(rt.data.reloadConfigSuccess, false);
    // Still scraping with the old configuration.
    const before = (await json(`${vigil.url}/api/v1/targets`)).data.activeTargets;
    assert.deepEqual(before.map((t: { scrapePool: string }) => t.scrapePool), ['self']);
    const bad = await fetch(`${vigil.url}/-/reload`, { method: 'POST' });
    assert.equal(bad.status, 500);
    assert.match(await bad.text(), /^failed to reload config: couldn't load configuration \(--config\.file=".*"\): /);

    writeFileSync(cfg, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n  - job_name: again\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
    const ok = await fetch(`${vigil.url}/-/reload`, { method: 'POST' });
    assert.equal(ok.status, 200);
    assert.equal(metricValue(await metricsText(vigil.url), 'vigil_config_last_reload_successful'), 1);
    const after = (await json(`${vigil.url}/api/v1/targets`)).data.activeTargets;
    assert.deepEqual(after.map((t: { scrapePool: string }) => t.scrapePool), ['again', 'self']);
    await waitValue(vigil.url, 'up{job="again"}', (v) => v === 1, 'the new job');
  } finally {
    await vigil?.proc.stop();
    dir.cleanup();
  }
});

test('SIGTERM shuts down cleanly; a restart finds the samples; POST /-/quit stops it too', { timeout: 60_000 }, async () => {
  const dir = tempDir('vigil-server-restart-');
  try {
    const port = await freePort();
    const cfg = join(dir.path, 'prometheus.yml');
    writeFileSync(cfg, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
    const args = ['server', `--config.file=${cfg}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, '--web.enable-lifecycle'];
    const first = await startVigil(args, port);
    const n = await waitValue(first.url, 'count_over_time(up{job="self"}[1h])', (v) => v >= 3, 'three scrapes');
    first.proc.child.kill('SIGTERM');
    assert.equal(await first.proc.exited, 0);
    assert.match(first.proc.output(), /msg="TSDB closed"/);

    const second = await startVigil(args, port);
    try {
      const again = await value(second.url, 'count_over_time(up{job="self"}[1h])');
      assert.ok(again !== undefined && again >= n, `${again} >= ${n} samples after the restart`);
      const q = await fetch(`${second.url}/-/quit`, { method: 'POST' });
      assert.equal(await q.text(), 'Requesting termination... Goodbye!');
      assert.equal(await second.proc.exited, 0);
    } finally {
      await second.proc.stop();
    }
  } finally {
    dir.cleanup();
  }
});

test('serves a data directory Prometheus wrote', { timeout: 60_000 }, async () => {
  const dir = tempDir('vigil-server-promdata-');
  try {
    const prometheusBin = requireProgram('prometheus', 'prometheus');
    const port = await freePort();
    const data = join(dir.path, 'data');
    writeFileSync(join(dir.path, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
    const prom = startProcess(prometheusBin, [`--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 30_000, prom);
      await waitValue(`http://127.0.0.1:${port}`, 'count_over_time(up[1h])', (v) => v >= 3, 'Prometheus scraping itself');
    } finally {
      await prom.stop();
    }
    assert.ok(readdirSync(join(data, 'wal')).length > 0, 'Prometheus wrote a WAL');
    const vigil = await startVigil(['server', `--storage.tsdb.path=${data}`]);
    try {
      const n = await value(vigil.url, 'count_over_time(up{job="prometheus"}[1h])');
      assert.ok(n !== undefined && n >= 3, `Vigil reads the samples Prometheus wrote (${n})`);
      const s = await json(`${vigil.url}/api/v1/series?match[]=prometheus_build_info`);
      assert.equal(s.data.length, 1);
      const targets = await json(`${vigil.url}/api/v1/targets`);
      assert.deepEqual(targets.data.activeTargets, [], 'without --config.file nothing is scraped');
    } finally {
      await vigil.proc.stop();
    }
  } finally {
    dir.cleanup();
  }
});

test('the admin API deletes series, cleans tombstones and snapshots; it is off by default', { timeout: 60_000 }, async () => {
  const dir = tempDir('vigil-server-admin-');
  try {
    const port = await freePort();
    const cfg = join(dir.path, 'prometheus.yml');
    writeFileSync(cfg, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
    const data = join(dir.path, 'data');
    const off = await startVigil(['server', `--storage.tsdb.path=${join(dir.path, 'other')}`]);
    try {
      const r = await fetch(`${off.url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
      assert.deepEqual([r.status, await r.text()], [500, '{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}']);
    } finally {
      await off.proc.stop();
    }
    const vigil = await startVigil(['server', `--config.file=${cfg}`, `--storage.tsdb.path=${data}`, '--web.enable-admin-api'], port);
    try {
      await waitValue(vigil.url, 'count_over_time(up{job="self"}[1h])', (v) => v >= 2, 'two scrapes');
      const snap = await json(`${vigil.url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
      assert.match(snap.data.name, /^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
      assert.ok(existsSync(join(data, 'snapshots', snap.data.name)));
      const del = await fetch(`${vigil.url}/api/v1/admin/tsdb/delete_series?match[]=scrape_duration_seconds`, { method: 'POST' });
      assert.equal(del.status, 204);
      assert.equal(await value(vigil.url, 'count_over_time(scrape_duration_seconds[1h] offset 10s)'), undefined);
      const clean = await fetch(`${vigil.url}/api/v1/admin/tsdb/clean_tombstones`, { method: 'PUT' });
      assert.equal(clean.status, 204);
      const bad = await json(`${vigil.url}/api/v1/admin/tsdb/delete_series`, { method: 'POST' });
      assert.deepEqual(bad, { status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
    } finally {
      await vigil.proc.stop();
    }
  } finally {
    dir.cleanup();
  }
});

test('`vigil` with no subcommand: the all-in-one server scrapes itself, the embedded node exporter and pushgateway at once', { timeout: 60_000 }, async () => {
  const dir = tempDir('vigil-server-allinone-');
  try {
    const nodePort = await freePort();
    const pushPort = await freePort();
    const vigil = await startVigil([
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--all-in-one.node-exporter.listen-address=127.0.0.1:${nodePort}`,
      `--all-in-one.pushgateway.listen-address=127.0.0.1:${pushPort}`,
    ]);
    try {
      // A batch job pushes before the first scrape.
      const push = await fetch(`http://127.0.0.1:${pushPort}/metrics/job/backup/instance/db1`, { method: 'PUT', body: '# TYPE backup_last_success_seconds gauge\nbackup_last_success_seconds 1700000000\n' });
      assert.equal(push.status, 200);
      // The first scrape happens at start: well within one 15 s interval.
      await waitValue(vigil.url, 'up{job="vigil"}', (v) => v === 1, 'Vigil scraping itself', 10_000);
      await waitValue(vigil.url, 'up{job="node"}', (v) => v === 1, 'the embedded node exporter', 10_000);
      await waitValue(vigil.url, 'up{job="pushgateway"}', (v) => v === 1, 'the embedded pushgateway', 10_000);
      assert.ok(((await value(vigil.url, 'count(node_cpu_seconds_total)')) ?? 0) > 0);
      // honor_labels: the pushed series keeps the job and instance it was pushed with (the push came after
      // the first scrape, so it shows at the second, one interval later).
      assert.equal(await waitValue(vigil.url, 'backup_last_success_seconds{job="backup",instance="db1"}', (v) => v === 1700000000, 'the pushed metric', 25_000), 1700000000);
      const cfg = await json(`${vigil.url}/api/v1/status/config`);
      assert.match(cfg.data.yaml, /scrape_interval: 15s/);
      const flags = await json(`${vigil.url}/api/v1/status/flags`);
      assert.equal(flags.data['storage.tsdb.path'], join(dir.path, 'data'));
      assert.equal(flags.data['all-in-one'], undefined);
    } finally {
      await vigil.proc.stop();
    }
  } finally {
    dir.cleanup();
  }
});

test('the query flags reach the engine: --query.lookback-delta, --query.max-samples, --query.timeout', { timeout: 60_000 }, async () => {
  const dir = tempDir('vigil-server-query-flags-');
  const procs: RunningProcess[] = [];
  try {
    writeFileSync(join(dir.path, 'self.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:0']\n`);
    const limited = await startVigil([
      'server', `--storage.tsdb.path=${join(dir.path, 'a')}`, `--config.file=${join(dir.path, 'self.yml')}`,
      '--query.lookback-delta=1m', '--query.max-samples=5',
    ]);
    procs.push(limited.proc);
    // `up` of the (refused) target is written at every scrape: a sample to look back to.
    const at = await waitValue(limited.url, 'timestamp(up{job="self"})', (v) => v > 0, 'the first scrape');
    const upAt = async (t: number) => (await json(`${limited.url}/api/v1/query?query=up&time=${t}`)).data.result.length;
    assert.equal(await upAt(at + 50), 1, 'within the 1m lookback');
    assert.equal(await upAt(at + 70), 0, 'beyond the 1m lookback (5m by default)');
    const tooMany = await json(`${limited.url}/api/v1/query?query=${encodeURIComponent('count_over_time(up[1m:1s])')}&time=${at + 30}`);
    assert.equal(tooMany.status, 'error');
    assert.equal(tooMany.errorType, 'execution');
    assert.match(tooMany.error, /query processing would load too many samples into memory in /);

    const slow = await startVigil(['server', `--storage.tsdb.path=${join(dir.path, 'b')}`, '--query.timeout=1ms']);
    procs.push(slow.proc);
    const timedOut = await json(`${slow.url}/api/v1/query?query=${encodeURIComponent('count_over_time(vector(1)[30d:1s])')}`);
    assert.equal(timedOut.status, 'error');
    assert.equal(timedOut.errorType, 'timeout');
    assert.match(timedOut.error, /^query timed out in /);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    dir.cleanup();
  }
});
