/**
 * A prom-client program works with `@vigil/client` from ES modules and from CommonJS: the same program,
 * run by a separate `node` in each form, prints the same exposition. The CommonJS bundle is rebuilt
 * first with the package's own build script (what `npm ci` runs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function node(args: string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: pkgDir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `node ${args.slice(0, 2).join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A program in prom-client's style; `%IMPORT%` is replaced by the import of each module system. */
const program = `
%IMPORT%
const register = new client.Registry();
const c = new client.Counter({ name: 'app_requests_total', help: 'Requests.', labelNames: ['method'], registers: [register] });
c.inc({ method: 'GET' });
c.labels('POST').inc(2);
const h = new client.Histogram({ name: 'app_latency_seconds', help: 'Latency.', buckets: client.linearBuckets(0.1, 0.1, 2), registers: [register] });
h.observe(0.15);
new client.Gauge({ name: 'app_up', help: 'Up.', registers: [register], collect() { this.set(1); } });
client.collectDefaultMetrics({ register: new client.Registry(), prefix: 'x_' });
register.metrics().then(async (text) => {
  const names = Object.keys(client).filter((k) => k !== 'default').sort().join(',');
  console.log(JSON.stringify({ text, names, contentType: register.contentType, validate: client.validateMetricName('a:b') }));
});
`;

test('the same program runs from ES modules and from CommonJS, with the same result', () => {
  node([join(pkgDir, 'scripts', 'bundle.mjs')]);
  const esm = JSON.parse(node(['--input-type=module', '-e', program.replace('%IMPORT%', "import * as client from '@vigil/client';")]));
  const esmDefault = JSON.parse(node(['--input-type=module', '-e', program.replace('%IMPORT%', "import client from '@vigil/client';")]));
  const cjs = JSON.parse(node(['--input-type=commonjs', '-e', program.replace('%IMPORT%', "const client = require('@vigil/client');")]));
  const expected = [
    '# HELP app_requests_total Requests.',
    '# TYPE app_requests_total counter',
    'app_requests_total{method="GET"} 1',
    'app_requests_total{method="POST"} 2',
    '# HELP app_latency_seconds Latency.',
    '# TYPE app_latency_seconds histogram',
    'app_latency_seconds_bucket{le="0.1"} 0',
    'app_latency_seconds_bucket{le="0.2"} 1',
    'app_latency_seconds_bucket{le="+Inf"} 1',
    'app_latency_seconds_sum 0.15',
    'app_latency_seconds_count 1',
    '# HELP app_up Up.',
    '# TYPE app_up gauge',
    'app_up 1',
    '',
  ].join('\n');
  for (const [form, r] of [['esm', esm], ['esm default import', esmDefault], ['cjs', cjs]] as const) {
    assert.equal(r.text, expected, form);
    assert.equal(r.contentType, 'text/plain; version=0.0.4; charset=utf-8', form);
    assert.equal(r.validate, true, form);
  }
  assert.equal(cjs.names, esm.names);
  for (const name of ['AggregatorRegistry', 'Counter', 'Gauge', 'Histogram', 'Pushgateway', 'Registry', 'Summary', 'aggregators', 'collectDefaultMetrics', 'contentType', 'exponentialBuckets', 'linearBuckets', 'openMetricsContentType', 'prometheusContentType', 'register', 'startHttpServer', 'validateMetricName']) {
    assert.ok(esm.names.split(',').includes(name), `exports ${name}`);
  }
});

test('every name prom-client exports is exported, from both module systems', async () => {
  const prom = Object.keys(await import('prom-client')).filter((k) => k !== 'default');
  const cjsNames = node(['--input-type=commonjs', '-e', "console.log(Object.keys(require('@vigil/client')).join(','))"]).trim().split(',');
  const esmNames = node(['--input-type=module', '-e', "import * as c from '@vigil/client'; console.log(Object.keys(c).join(','))"]).trim().split(',');
  for (const name of prom) {
    assert.ok(cjsNames.includes(name), `CommonJS exports ${name}`);
    assert.ok(esmNames.includes(name), `ES module exports ${name}`);
  }
});

test('TypeScript programs type-check against the package types, as CommonJS and as ES modules', () => {
  node([join(pkgDir, 'scripts', 'bundle.mjs')]);
  // Inside the package, so that `@vigil/client` resolves as it does for a user.
  const dir = mkdtempSync(join(pkgDir, '.tscheck-'));
  try {
    writeFileSync(
      join(dir, 'a.cts'),
      `import client = require('@vigil/client');
const c = new client.Counter({ name: 'a_total', help: 'A.', labelNames: ['x'] as const });
c.inc({ x: 'y' }, 2);
c.labels('y').inc();
const h: client.Histogram<'m'> = new client.Histogram({ name: 'h', help: 'H.', labelNames: ['m'] as const });
h.observe({ m: 'GET' }, 0.2);
void client.register.metrics().then((s: string) => s.length);
`,
    );
    writeFileSync(
      join(dir, 'b.mts'),
      `import client, { Counter, Registry, startHttpServer } from '@vigil/client';
const r = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
const c = new Counter({ name: 'b_total', help: 'B.', registers: [r], enableExemplars: true });
c.inc({ value: 1, exemplarLabels: { trace_id: 'x' } });
const g = new client.Gauge({ name: 'g', help: 'G.', collect() { this.set(1); } });
void startHttpServer(0, { registry: r }).then((s) => s.close());
// @ts-expect-error: "method" is not a declared label name
new Counter({ name: 'typed_total', help: 'T.', labelNames: ['code'] as const }).inc({ method: 'GET' });
void g;
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], target: 'es2022' },
        files: ['a.cts', 'b.mts'],
      }),
    );
    const tsc = join(pkgDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `tsc found errors:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
