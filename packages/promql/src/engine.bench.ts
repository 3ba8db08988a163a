/**
 * Query evaluation against Debian's Prometheus 2.42, on the same blocks: a generated OpenMetrics file
 * (10k counters over 1,000 instances, 500 classic histograms with 10 buckets, 1,000 build_info series;
 * 95 minutes at 15 s) is turned into blocks by `promtool tsdb create-blocks-from openmetrics`; Prometheus
 * serves them and reports its own engine time (`stats=all`: `execTotalTime`, no HTTP or JSON); then
 * Vigil opens a copy of the blocks and runs the same queries in process. Figures are medians of
 * REPS runs after a warm-up, for a 1h range query at 15 s step and an instant query, in ms. Runs of
 * the two alternate, never overlapping (two cores for the whole team).
 */
import { cpSync, createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { Engine } from './engine.js';
import { freePort, requireProgram, runProgram, startProcess, tempDir, waitForHttp, xorshift32 } from '@vigil/testkit';
import { openDB } from '@vigil/tsdb';

const STEP_S = 15;
const BASE_S = 1_700_006_400; // 2h-aligned
const DURATION_S = 95 * 60;
const REPS = Number(process.env.VIGIL_BENCH_REPS ?? 5);
const QUERY_START_S = BASE_S + 35 * 60;
const QUERY_END_S = QUERY_START_S + 3600;

const QUERIES: Array<[string, string]> = [
  ['rate_sum_by', 'sum by (job) (rate(http_requests_total[5m]))'],
  ['histogram_quantile', 'histogram_quantile(0.9, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))'],
  ['topk', 'topk(10, rate(http_requests_total[5m]))'],
  ['count_by', 'count by (code) (http_requests_total)'],
  ['subquery', 'max_over_time(rate(http_requests_total[5m])[30m:1m])'],
  ['label_replace', 'label_replace(rate(http_requests_total[5m]), "host", "$1", "instance", "(.+):\\\\d+")'],
  ['join_one_to_many', 'rate(http_requests_total[5m]) * on (instance) group_left (version) build_info'],
];

async function writeInput(path: string): Promise<void> {
  const out = createWriteStream(path);
  let buf = '';
  const flush = async (force = false): Promise<void> => {
    if (buf.length < 1 << 20 && !force) return;
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  const r = xorshift32(7);
  const steps = DURATION_S / STEP_S;
  buf += '# TYPE http_requests counter\n';
  for (let i = 0; i < 10_000; i++) {
    const lbl = `{job="job${i % 20}",instance="host-${Math.floor(i / 10)}:9100",code="${[200, 201, 404, 500, 503][i % 5]}",handler="/h${i % 2}"}`;
    let v = Math.floor(r() * 1000);
    const rate = 1 + r() * 20;
    for (let k = 0; k <= steps; k++) {
      v += Math.floor(rate * STEP_S * (0.5 + r()));
      buf += `http_requests_total${lbl} ${v} ${BASE_S + k * STEP_S}\n`;
    }
    await flush();
  }
  const les = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '2.5', '+Inf'];
  buf += '# TYPE http_request_duration_seconds histogram\n';
  for (let h = 0; h < 500; h++) {
    const base = `job="job${h % 20}",instance="host-${h}:9100"`;
    const counts = new Float64Array(les.length);
    const lines: string[][] = les.map(() => []);
    const sums: string[] = [];
    const cnts: string[] = [];
    let sum = 0;
    for (let k = 0; k <= steps; k++) {
      const n = Math.floor(r() * 30);
      for (let o = 0; o < n; o++) {
        const x = r() * r() * 3;
        sum += x;
        for (let b = 0; b < les.length; b++) if (les[b] === '+Inf' || x <= Number(les[b])) counts[b]++;
      }
      const ts = BASE_S + k * STEP_S;
      for (let b = 0; b < les.length; b++) lines[b].push(`http_request_duration_seconds_bucket{${base},le="${les[b]}"} ${counts[b]} ${ts}\n`);
      sums.push(`http_request_duration_seconds_sum{${base}} ${sum.toFixed(3)} ${ts}\n`);
      cnts.push(`http_request_duration_seconds_count{${base}} ${counts[les.length - 1]} ${ts}\n`);
    }
    for (const l of lines) buf += l.join('');
    buf += sums.join('') + cnts.join('');
    await flush();
  }
  buf += '# TYPE build_info gauge\n';
  for (let i = 0; i < 1000; i++) {
    const lbl = `{instance="host-${i}:9100",version="v${i % 4}"}`;
    for (let k = 0; k <= steps; k++) buf += `build_info${lbl} 1 ${BASE_S + k * STEP_S}\n`;
    await flush();
  }
  buf += '# EOF\n';
  await flush(true);
  out.end();
  await once(out, 'finish');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Timings {
  range: number;
  instant: number;
}

/**
 * Times every query on both, alternating Prometheus and Vigil run by run so that the load of the shared
 * machine weighs on both alike. Prometheus idles while Vigil runs.
 */
async function timeBoth(promDir: string, vigilDir: string, withPrometheus: boolean): Promise<{ prom: Map<string, Timings>; vigil: Map<string, Timings> }> {
  let proc: ReturnType<typeof startProcess> | null = null;
  let port = 0;
  if (withPrometheus) {
    const prometheus = requireProgram('prometheus');
    port = await freePort();
    const config = join(promDir, '..', 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
    proc = startProcess(prometheus, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${promDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=100y',
      '--query.max-samples=100000000',
    ]);
  }
  const db = await openDB(vigilDir, { noLockfile: true, compactionInterval: 0, retentionDuration: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const engine = new Engine({ maxSamples: 100_000_000 });
  const prom = new Map<string, Timings>();
  const vigil = new Map<string, Timings>();
  try {
    if (proc !== null) await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 120_000, proc);
    const promRun = async (path: string): Promise<number> => {
      const res = await fetch(`http://127.0.0.1:${port}${path}&stats=all`);
      const body = (await res.json()) as { status: string; error?: string; data: { stats: { timings: { execTotalTime: number } } } };
      if (body.status !== 'success') throw new Error(`prometheus: ${body.error}`);
      return body.data.stats.timings.execTotalTime * 1000;
    };
    const vigilRun = async (q: string, range: boolean): Promise<number> => {
      const t = performance.now();
      if (range) await engine.rangeQuery(db, q, QUERY_START_S * 1000, QUERY_END_S * 1000, STEP_S * 1000);
      else await engine.instantQuery(db, q, QUERY_END_S * 1000);
      return performance.now() - t;
    };
    for (const [name, q] of QUERIES) {
      const enc = encodeURIComponent(q);
      const rangePath = `/api/v1/query_range?query=${enc}&start=${QUERY_START_S}&end=${QUERY_END_S}&step=${STEP_S}`;
      const instantPath = `/api/v1/query?query=${enc}&time=${QUERY_END_S}`;
      const t = { pr: [] as number[], pi: [] as number[], vr: [] as number[], vi: [] as number[] };
      for (let k = -1; k < REPS; k++) {
        // The first round warms up both and is not counted.
        const pr = proc !== null ? await promRun(rangePath) : NaN;
        const vr = await vigilRun(q, true);
        const pi = proc !== null ? await promRun(instantPath) : NaN;
        const vi = await vigilRun(q, false);
        if (k < 0) continue;
        t.pr.push(pr);
        t.vr.push(vr);
        t.pi.push(pi);
        t.vi.push(vi);
      }
      prom.set(name, { range: median(t.pr), instant: median(t.pi) });
      vigil.set(name, { range: median(t.vr), instant: median(t.vi) });
    }
  } finally {
    await db.close();
    await proc?.stop();
  }
  return { prom, vigil };
}

async function main(): Promise<void> {
  const promtool = requireProgram('promtool', 'prometheus');
  // VIGIL_PROMQL_BENCH_DATA=<dir> keeps (and reuses) the generated blocks, for profiling.
  const keep = process.env.VIGIL_PROMQL_BENCH_DATA;
  const tmp = keep !== undefined ? { path: keep, cleanup: () => {} } : tempDir('vigil-promql-bench-');
  try {
    const blocks = join(tmp.path, 'prometheus-data');
    if (!existsSync(blocks)) {
      mkdirSync(tmp.path, { recursive: true });
      const input = join(tmp.path, 'input.om');
      await writeInput(input);
      const r = runProgram(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '-q', input, blocks]);
      if (r.status !== 0) throw new Error(`promtool failed: ${r.stderr}`);
      rmSync(input);
    }
    const vigilDir = join(tmp.path, 'vigil-data');
    rmSync(vigilDir, { recursive: true, force: true });
    cpSync(blocks, vigilDir, { recursive: true });
    const { prom, vigil } = await timeBoth(blocks, vigilDir, process.env.VIGIL_PROMQL_BENCH_ONLY !== 'vigil');
    for (const [name] of QUERIES) {
      const v = vigil.get(name)!;
      const p = prom.get(name);
      for (const mode of ['range', 'instant'] as const) {
        const peer = p === undefined ? NaN : p[mode];
        console.log(`engine/${name}_${mode}: vigil=${v[mode].toFixed(1)} prometheus=${peer.toFixed(1)} ratio=${(v[mode] / peer).toFixed(2)} goal=1.0 ms`);
      }
    }
  } finally {
    tmp.cleanup();
  }
}

await main();
