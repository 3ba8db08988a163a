/**
 * `npm run bench -- client`: the client library beside prom-client, same operations, same run.
 *
 * Each case runs in rounds that alternate between the two libraries; a round runs the operation for a
 * fixed time (after a full GC and a short untimed run) and yields operations per second; the line reports
 * the median round of each library and the ratio of the medians (ours / prom-client). Every loop is its own compiled function per library, so
 * neither library's call sites see the other's functions.
 */
import * as prom from 'prom-client';
import * as vigil from './index.js';

const ROUNDS = 7;
const ROUND_MS = 120;
const SETTLE_MS = 30;

type Lib = 'vigil' | 'prom-client';

interface Case {
  name: string;
  goal: string;
  /** Returns a function that performs `n` operations. */
  setup(lib: Lib): (n: number) => void | Promise<void>;
  /** Operations per call while warming up and measuring (async cases are run per call). */
  batch: number;
}

/** A loop compiled separately for each use, so that inline caches never mix the two libraries. */
function compileLoop(body: string): (target: unknown, args: unknown, n: number) => void {
  return new Function('t', 'a', 'n', `for (let i = 0; i < n; i++) { ${body} }`) as (target: unknown, args: unknown, n: number) => void;
}

const labels3 = [
  { method: 'GET', code: '200', path: '/api' },
  { method: 'POST', code: '200', path: '/api' },
  { method: 'GET', code: '404', path: '/other' },
  { method: 'PUT', code: '500', path: '/api' },
];
const labels2 = [
  { method: 'GET', code: '200' },
  { method: 'POST', code: '200' },
  { method: 'GET', code: '404' },
  { method: 'PUT', code: '500' },
];

function registryOf(lib: Lib): { registers: unknown[] } {
  return { registers: [lib === 'vigil' ? new vigil.Registry() : new prom.Registry()] };
}

const cases: Case[] = [
  {
    name: 'counter.inc()',
    goal: '>=2',
    batch: 1_000_000,
    setup(lib) {
      const cfg = { name: 'requests_total', help: 'Requests.', ...registryOf(lib) };
      const c = lib === 'vigil' ? new vigil.Counter(cfg as vigil.CounterConfiguration<string>) : new prom.Counter(cfg as prom.CounterConfiguration<string>);
      const loop = compileLoop('t.inc();');
      return (n) => loop(c, undefined, n);
    },
  },
  {
    name: 'counter.inc(labels3)',
    goal: '>=2',
    batch: 200_000,
    setup(lib) {
      const cfg = { name: 'requests_total', help: 'Requests.', labelNames: ['method', 'code', 'path'], ...registryOf(lib) };
      const c = lib === 'vigil' ? new vigil.Counter(cfg as vigil.CounterConfiguration<string>) : new prom.Counter(cfg as prom.CounterConfiguration<string>);
      const loop = compileLoop('t.inc(a[i & 3]);');
      return (n) => loop(c, labels3, n);
    },
  },
  {
    name: 'histogram.observe(labels2)',
    goal: '>=2',
    batch: 200_000,
    setup(lib) {
      const cfg = { name: 'latency_seconds', help: 'Latency.', labelNames: ['method', 'code'], ...registryOf(lib) };
      const h = lib === 'vigil' ? new vigil.Histogram(cfg as vigil.HistogramConfiguration<string>) : new prom.Histogram(cfg as prom.HistogramConfiguration<string>);
      const loop = compileLoop('t.observe(a[i & 3], (i & 15) * 0.07);');
      return (n) => loop(h, labels2, n);
    },
  },
  {
    name: 'gauge.set()',
    goal: '>=2',
    batch: 1_000_000,
    setup(lib) {
      const cfg = { name: 'temperature', help: 'Temperature.', ...registryOf(lib) };
      const g = lib === 'vigil' ? new vigil.Gauge(cfg as vigil.GaugeConfiguration<string>) : new prom.Gauge(cfg as prom.GaugeConfiguration<string>);
      const loop = compileLoop('t.set(i * 0.5);');
      return (n) => loop(g, undefined, n);
    },
  },
  {
    name: 'registry.metrics(10000series)',
    goal: '>=2',
    batch: 1,
    setup(lib) {
      // 100 metrics (half counters, half gauges) of 100 series with two labels each.
      const { registers } = registryOf(lib);
      for (let m = 0; m < 100; m++) {
        const cfg = { name: `app_metric_${m}${m % 2 === 0 ? '_total' : ''}`, help: `Metric ${m}.`, labelNames: ['instance', 'shard'], registers };
        const Ctor = m % 2 === 0 ? (lib === 'vigil' ? vigil.Counter : prom.Counter) : lib === 'vigil' ? vigil.Gauge : prom.Gauge;
        const metric = new (Ctor as new (c: unknown) => { inc(l: object, v: number): void })(cfg);
        for (let s = 0; s < 100; s++) metric.inc({ instance: `host-${s}.example.org:9100`, shard: String(s % 7) }, m % 2 === 0 ? s * 3 : s * 0.25 + 0.1);
      }
      const reg = registers[0] as { metrics(): Promise<string> };
      return async (n) => {
        for (let i = 0; i < n; i++) await reg.metrics();
      };
    },
  },
];

async function round(run: (n: number) => void | Promise<void>, batch: number): Promise<number> {
  // A full collection between rounds keeps one library's garbage out of the other's round; a short
  // untimed run after it lets the heap grow back to its working size before the clock starts.
  (globalThis as { gc?: () => void }).gc?.();
  const settle = performance.now();
  do await run(batch);
  while (performance.now() - settle < SETTLE_MS);
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await run(batch);
    ops += batch;
    elapsed = performance.now() - start;
  } while (elapsed < ROUND_MS);
  return (ops / elapsed) * 1000;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

const fmt = (v: number): string => (v >= 100 ? v.toExponential(3) : v.toPrecision(4));

async function main(): Promise<void> {
  for (const c of cases) {
    const runs: Record<Lib, (n: number) => void | Promise<void>> = { vigil: c.setup('vigil'), 'prom-client': c.setup('prom-client') };
    const results: Record<Lib, number[]> = { vigil: [], 'prom-client': [] };
    // Warm up both (compile, reach steady state), then alternate rounds.
    for (const lib of ['vigil', 'prom-client'] as Lib[]) await round(runs[lib], c.batch);
    for (let r = 0; r < ROUNDS; r++) {
      const order: Lib[] = r % 2 === 0 ? ['vigil', 'prom-client'] : ['prom-client', 'vigil'];
      for (const lib of order) results[lib].push(await round(runs[lib], c.batch));
    }
    const ours = median(results.vigil);
    const theirs = median(results['prom-client']);
    console.log(`client/${c.name}: vigil=${fmt(ours)} prom-client=${fmt(theirs)} ratio=${(ours / theirs).toFixed(2)} goal=${c.goal} ops/s`);
  }
}

await main();
