/**
 * `AggregatorRegistry` across real `cluster` worker processes and real `worker_threads`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry, Gauge, Registry } from './index.js';

const clientUrl = new URL('./index.js', import.meta.url).href;

/** What each worker (process or thread) records, numbered 1 and 2. */
const workerMetrics = `
  new client.Counter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['kind'] }).inc({ kind: 'a' }, ID);
  new client.Gauge({ name: 'temp', help: 'T.', aggregator: 'max' }).set(ID * 10);
  new client.Gauge({ name: 'first_seen', help: 'F.', aggregator: 'first' }).set(ID === 1 ? 7 : 8);
  new client.Histogram({ name: 'lat', help: 'L.', buckets: [1] }).observe(0.5 * ID);
  new client.Gauge({ name: 'omitted', help: 'O.', aggregator: 'omit' }).set(1);
`;

const expectedText = [
  '# HELP jobs_total Jobs.',
  '# TYPE jobs_total counter',
  'jobs_total{kind="a"} 3',
  '# HELP temp T.',
  '# TYPE temp gauge',
  'temp 20',
  '# HELP lat L.',
  '# TYPE lat histogram',
  'lat_bucket{le="1"} 2',
  'lat_bucket{le="+Inf"} 2',
  'lat_sum 1.5',
  'lat_count 2',
  '',
];

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-client-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withTempDirAsync(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-client-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('cluster: the primary combines its workers’ metrics by each metric’s aggregator', () => {
  const script = `
import cluster from 'node:cluster';
import * as client from '${clientUrl}';
if (cluster.isPrimary) {
  const aggregator = new client.AggregatorRegistry();
  const workers = [cluster.fork(), cluster.fork()];
  let ready = 0;
  cluster.on('message', async (_w, m) => {
    if (m !== 'ready' || ++ready < workers.length) return;
    const text = await aggregator.clusterMetrics();
    process.stdout.write(JSON.stringify(text));
    for (const w of workers) w.kill();
  });
} else {
  new client.AggregatorRegistry(); // a worker answers once it has one, as with prom-client
  const ID = cluster.worker.id;
  ${workerMetrics}
  process.send('ready');
}
`;
  const out = withTempDir((dir) => {
    const file = join(dir, 'cluster.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  });
  const text = JSON.parse(out) as string;
  const lines = text.split('\n');
  // `first` takes whichever worker answered first: either value is right.
  const firstIdx = lines.indexOf('# TYPE first_seen gauge');
  assert.ok(firstIdx > 0 && /^first_seen [78]$/.test(lines[firstIdx + 1]), text);
  lines.splice(firstIdx - 1, 3);
  assert.deepEqual(lines, expectedText);
});

test('cluster: with no workers, clusterMetrics() is empty', async () => {
  assert.equal(await new AggregatorRegistry().clusterMetrics(), '');
});

test('worker_threads: metrics of several threads combined, this thread’s optionally', async () => {
  await withTempDirAsync(async (dir) => {
    const file = join(dir, 'worker.mjs');
    writeFileSync(
      file,
      `
import { parentPort, workerData } from 'node:worker_threads';
import * as client from '${clientUrl}';
const ID = workerData.id;
${workerMetrics}
parentPort.on('message', (m) => { if (m === 'stop') parentPort.close(); });
parentPort.postMessage('ready');
`,
    );
    const workers = [1, 2].map((id) => new Worker(file, { workerData: { id } }));
    try {
      await Promise.all(workers.map((w) => new Promise((res, rej) => {
        w.once('message', res);
        w.once('error', rej);
      })));
      const aggregator = new AggregatorRegistry();
      const text = await aggregator.workerThreadMetrics(workers);
      const lines = text.split('\n');
      const firstIdx = lines.indexOf('# TYPE first_seen gauge');
      assert.ok(firstIdx > 0 && /^first_seen [78]$/.test(lines[firstIdx + 1]), text);
      lines.splice(firstIdx - 1, 3);
      assert.deepEqual(lines, expectedText);

      // This thread's own registries join when asked.
      const own = new Registry();
      new Gauge({ name: 'temp', help: 'T.', aggregator: 'max', registers: [own] }).set(99);
      AggregatorRegistry.setRegistries(own);
      try {
        const withMain = await aggregator.workerThreadMetrics(workers, { includeThisThread: true });
        assert.ok(withMain.includes('\ntemp 99\n'), withMain);
      } finally {
        AggregatorRegistry.setRegistries(await import('./index.js').then((c) => c.register));
      }

      // A thread that has exited has nothing to add.
      workers[1].postMessage('stop');
      await new Promise((res) => workers[1].once('exit', res));
      const one = await aggregator.workerThreadMetrics(workers);
      assert.ok(one.includes('jobs_total{kind="a"} 1\n'), one);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });
});

test('worker_threads: loading the library never keeps a thread alive', async () => {
  const worker = new Worker(`import('${clientUrl}').then((c) => new c.Gauge({ name: 'g', help: 'G.' }).set(1));`, { eval: true });
  const code = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the worker did not exit on its own')), 20_000);
    worker.once('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  assert.equal(code, 0);
});
