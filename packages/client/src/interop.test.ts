/**
 * The client library against the real programs, on 127.0.0.1:
 * - Debian's `prometheus` (2.42) scrapes the hello-world example (and a registry with exemplars) and its
 *   API returns what the program counted;
 * - `promtool check metrics` accepts the output;
 * - Python's prometheus_client (strict OpenMetrics parser) reads the OpenMetrics output, exemplars and all.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventually, freePort, repoRoot, requireProgram, runProgram, startProcess, tempDir, waitForHttp, type RunningProcess,
} from '@vigil/testkit';
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics, startHttpServer, type MetricsServer, type RegistryContentType } from './index.js';

const PYTHON = '/usr/bin/python3';

/** A registry with every metric type, label values that need escaping, and (optionally) default metrics. */
function richRegistry(opts: { defaults?: boolean; quotesInHelp?: boolean; exemplars?: boolean; openMetrics?: boolean } = {}): Registry<RegistryContentType> {
  const r = new Registry<RegistryContentType>(opts.openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
  if (opts.defaults) collectDefaultMetrics({ register: r });
  const help = opts.quotesInHelp ? 'Requests "served", \\ with\nnewline.' : 'Requests served.';
  const c = new Counter({ name: 'app_requests_total', help, labelNames: ['method', 'path'], registers: [r], enableExemplars: opts.exemplars });
  const labels = { method: 'GET', path: '/a"b\\c\nd' };
  if (opts.exemplars) c.inc({ labels, value: 3, exemplarLabels: { trace_id: 'abc123' } });
  else c.inc(labels, 3);
  c.inc({ method: 'POST', path: '/' }, 1234567);
  new Gauge({ name: 'app_temperature_celsius', help: 'Temperature.', registers: [r] }).set(-1.5e-7);
  const h = new Histogram({ name: 'app_latency_seconds', help: 'Latency.', labelNames: ['code'], registers: [r], enableExemplars: opts.exemplars });
  if (opts.exemplars) h.observe({ labels: { code: '200' }, value: 0.3, exemplarLabels: { trace_id: 'def456' } });
  else h.observe({ code: '200' }, 0.3);
  const s = new Summary({ name: 'app_rpc_seconds', help: 'RPC.', percentiles: [0.5, 0.99], registers: [r] });
  s.observe(0.2);
  s.observe(0.4);
  return r;
}

test('promtool check metrics accepts the text format', async () => {
  const promtool = requireProgram('promtool', 'prometheus');
  const plain = runProgram(promtool, ['check', 'metrics'], await richRegistry({ quotesInHelp: true }).metrics());
  assert.equal(plain.status, 0, plain.stdout + plain.stderr);
  assert.equal((plain.stdout + plain.stderr).trim(), '');

  // With the default metrics, promtool's linter objects only to three gauge names that end in `_total`,
  // names prom-client chose and that are kept for compatibility.
  const withDefaults = runProgram(promtool, ['check', 'metrics'], await richRegistry({ defaults: true }).metrics());
  const problems = (withDefaults.stdout + withDefaults.stderr).trim().split('\n').sort();
  assert.deepEqual(problems, [
    'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
    'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
    'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
  ]);
});

test('promtool check metrics parses the OpenMetrics output (its 2.42 linter reads it as text)', async () => {
  const promtool = requireProgram('promtool', 'prometheus');
  // promtool 2.42 reads exposition with its text-format parser only: no exemplars, no `\"` in HELP. Within
  // that, it parses our OpenMetrics; its linter then misses the HELP of counters (written on the family
  // name, without `_total`, as OpenMetrics wants) and flags prom-client's three `_total` gauges.
  const om = await richRegistry({ defaults: true }).metricsAs('openmetrics');
  assert.ok(om.endsWith('# EOF\n'));
  const r = runProgram(promtool, ['check', 'metrics'], om);
  const out = (r.stdout + r.stderr).trim();
  assert.ok(!/parsing error/.test(out), out);
  assert.ok(r.status === 0 || r.status === 3, `exit ${r.status}: ${out}`);
  const counters = ['app_requests_total', 'process_cpu_seconds_total', 'process_cpu_system_seconds_total', 'process_cpu_user_seconds_total'];
  for (const line of out.split('\n')) {
    const known =
      counters.some((c) => line === `${c} no help text`) ||
      /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(line);
    assert.ok(known, `unexpected promtool finding: ${line}`);
  }
});

test('Python’s strict OpenMetrics parser reads the OpenMetrics output, exemplars included', async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install Debian's python3 and python3-prometheus-client`);
  const om = await richRegistry({ defaults: true, quotesInHelp: true, exemplars: true, openMetrics: true }).metrics();
  const script = [
    'import sys, json',
    'from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse',
    'out = {}',
    'for f in parse(sys.stdin.read()):',
    '    out[f.name] = {"type": f.type, "help": f.documentation, "samples": [',
    '        [s.name, s.labels, s.value if s.value == s.value else "NaN", s.exemplar and [s.exemplar.labels, s.exemplar.value]] for s in f.samples]}',
    'print(json.dumps(out))',
  ].join('\n');
  const r = runProgram(PYTHON, ['-c', script], om);
  assert.equal(r.status, 0, `python could not parse:\n${r.stderr}`);
  const families = JSON.parse(r.stdout) as Record<string, { type: string; help: string; samples: Array<[string, Record<string, string>, number, unknown]> }>;
  assert.deepEqual(families.app_requests, {
    type: 'counter',
    help: 'Requests "served", \\ with\nnewline.',
    samples: [
      ['app_requests_total', { method: 'GET', path: '/a"b\\c\nd' }, 3, [{ trace_id: 'abc123' }, 3]],
      ['app_requests_total', { method: 'POST', path: '/' }, 1234567, null],
    ],
  });
  const bucket = families.app_latency_seconds.samples.find((s) => s[0] === 'app_latency_seconds_bucket' && s[1].le === '0.5');
  assert.deepEqual(bucket, ['app_latency_seconds_bucket', { code: '200', le: '0.5' }, 1, [{ trace_id: 'def456' }, 0.3]]);
  assert.equal(families.app_rpc_seconds.type, 'summary');
  assert.equal(families.nodejs_version_info.type, 'gauge');
  assert.equal(families.process_cpu_seconds.type, 'counter');
});

describePrometheus();

function describePrometheus(): void {
  let prometheus: RunningProcess | undefined;
  let example: RunningProcess | undefined;
  let exemplarServer: MetricsServer | undefined;
  let dir: { path: string; cleanup: () => void } | undefined;
  let api = '';
  let appUrl = '';

  before(async () => {
    const bin = requireProgram('prometheus');
    dir = tempDir('vigil-client-prometheus-');
    const root = repoRoot();
    const [metricsPort, appPort, promPort] = [await freePort(), await freePort(), await freePort()];
    example = startProcess(process.execPath, ['--import', 'tsx', join(root, 'examples', 'hello-world.ts')], {
      cwd: root,
      env: { ...process.env, METRICS_PORT: String(metricsPort), APP_PORT: String(appPort), BIND_ADDRESS: '127.0.0.1' },
    });
    await waitForHttp(`http://127.0.0.1:${metricsPort}/metrics`, 30_000, example);
    appUrl = `http://127.0.0.1:${appPort}/`;

    const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
    const c = new Counter({ name: 'exemplar_requests_total', help: 'Requests with traces.', registers: [registry], enableExemplars: true });
    c.inc({ value: 2, exemplarLabels: { trace_id: 'feedc0de' } });
    exemplarServer = await startHttpServer(0, { registry, host: '127.0.0.1' });

    const config = join(dir.path, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: hello',
        `    static_configs: [{ targets: ['127.0.0.1:${metricsPort}'] }]`,
        '  - job_name: exemplars',
        `    static_configs: [{ targets: ['127.0.0.1:${exemplarServer.port}'] }]`,
        '',
      ].join('\n'),
    );
    api = `http://127.0.0.1:${promPort}`;
    prometheus = startProcess(bin, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--enable-feature=exemplar-storage',
    ]);
    await waitForHttp(`${api}/-/ready`, 30_000, prometheus);
  });

  after(async () => {
    await prometheus?.stop();
    await example?.stop();
    await exemplarServer?.close();
    dir?.cleanup();
  });

  test('Prometheus scrapes the hello-world example: hello_worlds_total equals the requests made', async () => {
    const requests = 7;
    for (let i = 0; i < requests; i++) {
      const r = await fetch(appUrl);
      assert.equal(await r.text(), 'Hello World');
    }
    const value = await eventually(async () => {
      const r = await (await fetch(`${api}/api/v1/query?query=hello_worlds_total`)).json() as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      const v = r.data.result[0]?.value[1];
      return v === String(requests) ? r.data.result[0] : undefined;
    }, 30_000, `hello_worlds_total = ${requests} in Prometheus`);
    assert.equal(value.metric.job, 'hello');
    // Both targets are healthy: Prometheus negotiated OpenMetrics and parsed it without error.
    await eventually(async () => {
      const targets = await (await fetch(`${api}/api/v1/targets`)).json() as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
      const all = targets.data.activeTargets;
      return all.length === 2 && all.every((t) => t.health === 'up' && t.lastError === '') ? true : undefined;
    }, 30_000, 'both targets up without scrape errors');
  });

  test('Prometheus stores the exemplars of an OpenMetrics scrape', async () => {
    const now = Date.now() / 1000;
    const found = await eventually(async () => {
      const url = `${api}/api/v1/query_exemplars?query=exemplar_requests_total&start=${now - 600}&end=${now + 600}`;
      const r = await (await fetch(url)).json() as { data: Array<{ exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }> }> };
      return r.data?.[0]?.exemplars?.[0];
    }, 30_000, 'an exemplar in Prometheus');
    assert.deepEqual(found.labels, { trace_id: 'feedc0de' });
    assert.equal(found.value, '2');
    assert.ok(Math.abs(found.timestamp - now) < 600, `exemplar timestamp ${found.timestamp} near ${now}`);
  });
}
