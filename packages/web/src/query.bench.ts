/**
 * Query latency over the HTTP API, Vigil against Debian's Prometheus 2.42 on the same data: one generated
 * OpenMetrics file (10,000 request counters, 1,000 classic histograms of 14 series, gauges; 75 minutes at
 * 15 s) imported with `vigil tsdb import openmetrics` and `promtool tsdb create-blocks-from openmetrics`;
 * both servers run as processes; the same queries are sent to each in turn (never at the same time), a
 * warm-up first, then the median of several runs. Instant queries and 1 h range queries at a 15 s step.
 *
 * Prints `query/<case>: vigil=<ms> prometheus=<ms> ratio=<vigil/prometheus> goal=<=1.0 ms`.
 */
import { join } from 'node:path';
import { freePort, repoRoot, requireProgram, runProgram, startProcess, tempDir, waitForHttp, type RunningProcess } from '@vigil/testkit';
import { BENCH_DATASET, writeOpenMetrics } from './testdata.js';

const VIGIL = join(repoRoot(), 'packages', 'cli', 'bin', 'vigil.js');
const RANGE_RUNS = Number(process.env.VIGIL_BENCH_RANGE_RUNS ?? 5);
const INSTANT_RUNS = Number(process.env.VIGIL_BENCH_INSTANT_RUNS ?? 9);

const D = BENCH_DATASET;
const END_OF_DATA = D.start + (D.samples - 1) * D.step;
/** Instant queries near the end of the data; range queries over the hour before, 7 s off the sample grid. */
const INSTANT_T = END_OF_DATA - 60 + 7;
const RANGE_END = INSTANT_T;
const RANGE_START = RANGE_END - 3600;

const QUERIES: Array<[string, string]> = [
  ['rate-sum-by', 'sum by (job) (rate(http_requests_total[5m]))'],
  ['histogram-quantile', 'histogram_quantile(0.9, sum by (job, le) (rate(http_request_duration_seconds_bucket[5m])))'],
  ['topk', 'topk(10, rate(http_requests_total[5m]))'],
  ['count-by', 'count by (code) (http_requests_total)'],
  ['subquery', 'max_over_time(sum by (job) (rate(http_requests_total[5m]))[30m:1m])'],
  ['label-replace', 'sum by (svc) (label_replace(rate(http_requests_total[5m]), "svc", "$1", "handler", "/api/(.*)"))'],
  ['one-to-many-join', 'sum by (version) (app_build_info * on (job, instance) group_right (version) rate(http_requests_total[5m]))'],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(url: string): Promise<{ ms: number; body: string }> {
  const t0 = performance.now();
  const r = await fetch(url, { headers: { 'Accept-Encoding': 'gzip' }, signal: AbortSignal.timeout(300_000) });
  const body = await r.text();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}: ${body.slice(0, 300)}`);
  return { ms, body };
}

/** Same series and values within a relative 1e-9 (2.42 and 3.x sum in different orders). */
function sameResult(a: string, b: string): boolean {
  const x = JSON.parse(a).data.result as Array<{ metric: unknown; value?: [number, string]; values?: Array<[number, string]> }>;
  const y = JSON.parse(b).data.result as typeof x;
  if (x.length !== y.length) return false;
  const key = (s: { metric: unknown }) => JSON.stringify(s.metric);
  const ym = new Map(y.map((s) => [key(s), s]));
  const close = (p: string, q: string) => p === q || Math.abs(Number(p) - Number(q)) <= 1e-9 * Math.max(Math.abs(Number(p)), Math.abs(Number(q)));
  for (const s of x) {
    const t = ym.get(key(s));
    if (!t) return false;
    const pv = s.value ? [s.value] : s.values ?? [];
    const qv = t.value ? [t.value] : t.values ?? [];
    if (pv.length !== qv.length) return false;
    for (let i = 0; i < pv.length; i++) if (pv[i][0] !== qv[i][0] || !close(pv[i][1], qv[i][1])) return false;
  }
  return true;
}

async function main(): Promise<void> {
  const promtool = requireProgram('promtool', 'prometheus');
  const prometheus = requireProgram('prometheus', 'prometheus');
  const dir = tempDir('vigil-query-bench-');
  const procs: RunningProcess[] = [];
  try {
    const file = join(dir.path, 'data.om');
    const { series, samples } = writeOpenMetrics(file, D);
    console.error(`# ${series} series, ${samples} samples`);
    const vdata = join(dir.path, 'vigil');
    const pdata = join(dir.path, 'prometheus');
    let r = runProgram(process.execPath, [VIGIL, 'tsdb', 'import', 'openmetrics', '--quiet', file, vdata]);
    if (r.status !== 0) throw new Error(`vigil tsdb import: ${r.stderr}`);
    r = runProgram(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', file, pdata]);
    if (r.status !== 0) throw new Error(`promtool create-blocks-from: ${r.stderr}`);

    const vport = await freePort();
    const pport = await freePort();
    const vigil = startProcess(process.execPath, [VIGIL, 'server', `--storage.tsdb.path=${vdata}`, `--web.listen-address=127.0.0.1:${vport}`, '--storage.tsdb.retention.time=100y', '--log.level=warn']);
    procs.push(vigil);
    const cfg = join(dir.path, 'prometheus.yml');
    (await import('node:fs')).writeFileSync(cfg, 'global: {}\n');
    const prom = startProcess(prometheus, [`--config.file=${cfg}`, `--storage.tsdb.path=${pdata}`, `--web.listen-address=127.0.0.1:${pport}`, '--storage.tsdb.retention.time=100y', '--log.level=warn']);
    procs.push(prom);
    await waitForHttp(`http://127.0.0.1:${vport}/-/ready`, 120_000, vigil);
    await waitForHttp(`http://127.0.0.1:${pport}/-/ready`, 120_000, prom);
    const bases = { vigil: `http://127.0.0.1:${vport}`, prometheus: `http://127.0.0.1:${pport}` };

    for (const mode of ['instant', 'range'] as const) {
      for (const [name, query] of QUERIES) {
        const params = new URLSearchParams(
          mode === 'instant' ? { query, time: String(INSTANT_T) } : { query, start: String(RANGE_START), end: String(RANGE_END), step: '15' },
        ).toString();
        const path = `/api/v1/${mode === 'instant' ? 'query' : 'query_range'}?${params}`;
        // Warm-up (and a check that both answer alike).
        const [wv, wp] = [await timed(bases.vigil + path), await timed(bases.prometheus + path)];
        const same = sameResult(wv.body, wp.body);
        const runs = mode === 'instant' ? INSTANT_RUNS : RANGE_RUNS;
        const tv: number[] = [];
        const tp: number[] = [];
        for (let i = 0; i < runs; i++) {
          // Alternate who goes first, so neither always follows the other's cache effects.
          if (i % 2 === 0) {
            tv.push((await timed(bases.vigil + path)).ms);
            tp.push((await timed(bases.prometheus + path)).ms);
          } else {
            tp.push((await timed(bases.prometheus + path)).ms);
            tv.push((await timed(bases.vigil + path)).ms);
          }
        }
        const v = median(tv);
        const p = median(tp);
        if (!same) console.error(`# ${name}-${mode}: the answers differ (where 2.42 and 3.x differ, e.g. left-open windows on the sample grid)`);
        console.log(`query/${name}-${mode}: vigil=${v.toFixed(2)} prometheus=${p.toFixed(2)} ratio=${(v / p).toFixed(2)} goal=<=1.0 ms`);
      }
    }
  } finally {
    for (const p of procs) await p.stop();
    dir.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
