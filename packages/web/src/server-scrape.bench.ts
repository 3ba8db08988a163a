/**
 * Scraping, end to end: `vigil server` and Debian's Prometheus 2.42, one after the other, each scraping
 * 200 synthetic targets of 1,000 series (one process, one port, `/metrics/<i>`) every 5 s. After a
 * warm-up, CPU seconds of the server process are measured over a fixed window and divided by the samples
 * scraped in it (the sum of `scrape_samples_scraped` over the window, from each server's own API); the
 * resident memory at the end is divided by the series in the head.
 *
 * Prints `server-scrape/cpu-per-1M-samples` and `server-scrape/rss-per-series` lines.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, repoRoot, requireProgram, sleep, startProcess, tempDir, waitForHttp, type RunningProcess } from '@vigil/testkit';

const VIGIL = join(repoRoot(), 'packages', 'cli', 'bin', 'vigil.js');
const TARGETS = Number(process.env.VIGIL_BENCH_TARGETS ?? 200);
const SERIES = Number(process.env.VIGIL_BENCH_SERIES ?? 1000);
const WARMUP_S = Number(process.env.VIGIL_BENCH_WARMUP ?? 20);
const MEASURE_S = Number(process.env.VIGIL_BENCH_MEASURE ?? 60);
const TICKS = 100; // USER_HZ

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function config(targetPort: number): string {
  let s = 'global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\nscrape_configs:\n  - job_name: synthetic\n    static_configs:\n';
  for (let i = 0; i < TARGETS; i++) s += `      - targets: ['127.0.0.1:${targetPort}']\n        labels: {__metrics_path__: '/metrics/${i}', instance: 't${i}'}\n`;
  return s;
}

async function scalar(base: string, query: string): Promise<number> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await r.json()) as { data: { result: Array<{ value: [number, string] }> } };
  return body.data.result.length ? Number(body.data.result[0].value[1]) : NaN;
}

async function ownMetric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  for (const line of text.split('\n')) if (line.startsWith(name + ' ')) return Number(line.slice(name.length + 1));
  return NaN;
}

interface Result {
  cpuPerMillion: number;
  rssPerSeries: number;
  samples: number;
  cpu: number;
  rss: number;
  series: number;
}

async function measure(name: string, start: (port: number) => RunningProcess, headSeriesMetric: string): Promise<Result> {
  const port = await freePort();
  const proc = start(port);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${base}/-/ready`, 120_000, proc);
    const pid = proc.child.pid!;
    await sleep(WARMUP_S * 1000);
    const c0 = cpuSeconds(pid);
    await sleep(MEASURE_S * 1000);
    const c1 = cpuSeconds(pid);
    const rss = rssBytes(pid);
    const samples = await scalar(base, `sum(sum_over_time(scrape_samples_scraped{job="synthetic"}[${MEASURE_S}s]))`);
    const up = await scalar(base, 'sum(up{job="synthetic"})');
    const series = await ownMetric(base, headSeriesMetric);
    console.error(`# ${name}: cpu ${(c1 - c0).toFixed(2)} s, ${samples} samples in ${MEASURE_S} s, ${up}/${TARGETS} targets up, rss ${(rss / 2 ** 20).toFixed(0)} MiB, ${series} series`);
    return { cpuPerMillion: ((c1 - c0) / samples) * 1e6, rssPerSeries: rss / series, samples, cpu: c1 - c0, rss, series };
  } finally {
    await proc.stop(10_000);
  }
}

async function main(): Promise<void> {
  const prometheus = requireProgram('prometheus', 'prometheus');
  const dir = tempDir('vigil-scrape-bench-');
  const targetPort = await freePort();
  const here = dirname(fileURLToPath(import.meta.url));
  const targets = startProcess(process.execPath, [join(here, 'scrape-targets.js'), String(targetPort), String(TARGETS), String(SERIES)]);
  try {
    await waitForHttp(`http://127.0.0.1:${targetPort}/metrics/0`, 20_000, targets);
    const cfg = join(dir.path, 'scrape.yml');
    writeFileSync(cfg, config(targetPort));
    const v = await measure(
      'vigil',
      (port) => startProcess(process.execPath, [VIGIL, 'server', `--config.file=${cfg}`, `--storage.tsdb.path=${join(dir.path, 'vigil')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']),
      'vigil_tsdb_head_series',
    );
    const p = await measure(
      'prometheus',
      (port) => startProcess(prometheus, [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir.path, 'prometheus')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']),
      'prometheus_tsdb_head_series',
    );
    console.log(`server-scrape/cpu-per-1M-samples: vigil=${v.cpuPerMillion.toFixed(2)} prometheus=${p.cpuPerMillion.toFixed(2)} ratio=${(v.cpuPerMillion / p.cpuPerMillion).toFixed(2)} goal=<=1.0 s`);
    console.log(`server-scrape/rss-per-series: vigil=${v.rssPerSeries.toFixed(0)} prometheus=${p.rssPerSeries.toFixed(0)} ratio=${(v.rssPerSeries / p.rssPerSeries).toFixed(2)} goal=<=1.0 bytes`);
  } finally {
    await targets.stop();
    dir.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
