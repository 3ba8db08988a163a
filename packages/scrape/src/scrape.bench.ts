/**
 * Scraping 200 targets of 1,000 series each (served by one separate process, one port, many paths),
 * at a 5 s interval, by Vigil (this process: scrape manager + TSDB with its WAL on disk) and by Debian's
 * Prometheus 2.42, one after the other. Figures:
 * - CPU seconds per 1M samples scraped (process CPU over a steady-state window: Vigil's from
 *   `process.cpuUsage()`, Prometheus's from /proc/<pid>/stat; samples from each one's own count);
 * - resident memory per series at the end of the window (whole process, baseline included, both);
 * - the parse+append path alone (no network, a no-op appender), ns per sample: no peer, because
 *   Prometheus's inner loop cannot be run in isolation from outside its process. The bodies are given as
 *   the scrape loop gets them: a flat string decoded from the body's bytes, and the bytes (ASCII).
 * Bounded: `VIGIL_BENCH_SECONDS` (default 40) per measured window, about two minutes in all.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Labels } from '@vigil/model';
import { openDB, type Appendable, type Appender } from '@vigil/tsdb';
import { freePort, requireProgram, startProcess, tempDir, waitForHttp, sleep, type RunningProcess } from '@vigil/testkit';
import { loadConfig } from './config.js';
import { ScrapeManager } from './manager.js';
import { ScrapeCache, appendScrape, type AppendSettings } from './scrape-append.js';
import { NOP_LOGGER } from './log.js';

const TARGETS = 200;
const SERIES = 1000;
const INTERVAL = '5s';
const WINDOW_S = Number(process.env.VIGIL_BENCH_SECONDS ?? 40);

/** The target server: /t/<i> answers 1,000 series (10 families x 100) whose values move on every request. */
const SERVER = `
const http = require('node:http');
const fams = Array.from({ length: 10 }, (_, f) => 'bench_family_' + f + '_total');
let n = 0;
http.createServer((req, res) => {
  const path = req.url.slice(3);
  n++;
  let out = '';
  for (let f = 0; f < 10; f++) {
    out += '# HELP ' + fams[f] + ' A benchmark counter.\\n# TYPE ' + fams[f] + ' counter\\n';
    for (let s = 0; s < 100; s++) out += fams[f] + '{path="' + path + '",series="' + s + '",kind="k' + (s % 7) + '"} ' + (n * 3 + s) + '\\n';
  }
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(out);
}).listen(Number(process.argv[1]), '127.0.0.1');
`;

function line(name: string, vigil: number, peer: number | undefined, goal: string, unit: string, digits = 3): string {
  const p = peer === undefined ? '-' : peer.toFixed(digits);
  const ratio = peer === undefined || peer === 0 ? '-' : (vigil / peer).toFixed(2);
  return `scrape/${name}: vigil=${vigil.toFixed(digits)} prometheus=${p} ratio=${ratio} goal=${goal} ${unit}`;
}

function jobs(host: string): string {
  // One job; each target group sets its own path (and an instance of its own, so series do not collide).
  const groups = Array.from({ length: TARGETS }, (_, i) => `  - targets: ['${host}']\n    labels: {__metrics_path__: /t/${i}, instance: '${host}/t/${i}'}`).join('\n');
  return `global:\n  scrape_interval: ${INTERVAL}\nscrape_configs:\n- job_name: bench\n  static_configs:\n${groups}\n`;
}

/** Counts samples on their way into a real appendable. */
class CountingAppendable implements Appendable {
  samples = 0;
  constructor(private readonly inner: Appendable) {}
  appender(): Appender {
    const a = this.inner.appender();
    return {
      append: (ref, l, t, v) => {
        this.samples++;
        return a.append(ref, l, t, v);
      },
      appendHistogram: (ref, l, t, h) => {
        this.samples++;
        return a.appendHistogram(ref, l, t, h);
      },
      appendExemplar: (ref, l, e) => a.appendExemplar(ref, l, e),
      commit: () => a.commit(),
      rollback: () => a.rollback(),
    };
  }
}

async function measureVigil(host: string): Promise<{ cpuPerM: number; rssPerSeries: number; samples: number }> {
  const dir = tempDir('vigil-scrape-bench-');
  const db = await openDB(join(dir.path, 'data'), { logger: NOP_LOGGER, compactionInterval: 0 });
  const storage = new CountingAppendable(db);
  const m = new ScrapeManager({ appendable: storage });
  try {
    await m.applyConfig(loadConfig(jobs(host)));
    // Warm up: every target scraped once (series created), then a steady-state window.
    await sleep(7_000);
    const c0 = process.cpuUsage();
    const s0 = storage.samples;
    await sleep(WINDOW_S * 1000);
    const c1 = process.cpuUsage(c0);
    const samples = storage.samples - s0;
    const up = [...(m.targetsActive().get('bench') ?? [])].filter((t) => t.health === 'up').length;
    if (up !== TARGETS) throw new Error(`only ${up} of ${TARGETS} targets up`);
    const rss = process.memoryUsage().rss;
    return { cpuPerM: ((c1.user + c1.system) / 1e6) / (samples / 1e6), rssPerSeries: rss / (TARGETS * (SERIES + 5)), samples };
  } finally {
    await m.stop();
    await db.close();
    dir.cleanup();
  }
}

function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 (1-based) of the whole line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function procRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function samplesAppended(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = /^prometheus_tsdb_head_samples_appended_total(?:\{[^}]*type="float"[^}]*\})? (\S+)$/m.exec(text);
  if (!m) throw new Error('prometheus_tsdb_head_samples_appended_total not found');
  return Number(m[1]);
}

async function measurePrometheus(host: string): Promise<{ cpuPerM: number; rssPerSeries: number; samples: number }> {
  const prometheus = requireProgram('prometheus');
  const dir = tempDir('vigil-scrape-bench-prom-');
  const port = await freePort();
  writeFileSync(join(dir.path, 'bench.yml'), jobs(host));
  const proc: RunningProcess = startProcess(prometheus, [
    `--config.file=${join(dir.path, 'bench.yml')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${join(dir.path, 'data')}`,
    '--log.level=warn',
  ]);
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/-/ready`, 30_000, proc);
    // Discovery reaches the scrape manager after up to 5 s, then one interval to scrape everything once.
    await sleep(12_000);
    const pid = proc.child.pid!;
    const cpu0 = procCpuSeconds(pid);
    const s0 = await samplesAppended(base);
    await sleep(WINDOW_S * 1000);
    const cpu1 = procCpuSeconds(pid);
    const samples = (await samplesAppended(base)) - s0;
    const rss = procRss(pid);
    return { cpuPerM: (cpu1 - cpu0) / (samples / 1e6), rssPerSeries: rss / (TARGETS * (SERIES + 5)), samples };
  } finally {
    await proc.stop();
    dir.cleanup();
  }
}

/** The parse+append path alone: 200 targets' bodies appended into a no-op appender, steady state. */
function measureParseAppend(): number {
  const bodies = Array.from({ length: TARGETS }, (_, p) => {
    let out = '';
    for (let f = 0; f < 10; f++) {
      const fam = `bench_family_${f}_total`;
      out += `# HELP ${fam} A benchmark counter.\n# TYPE ${fam} counter\n`;
      for (let s = 0; s < 100; s++) out += `${fam}{path="${p}",series="${s}",kind="k${s % 7}"} ${s * 3}\n`;
    }
    return Buffer.from(out, 'latin1');
  });
  const texts = bodies.map((b) => b.toString('latin1'));
  let nextRef = 1;
  const app: Appender = {
    append: (ref) => ref || nextRef++,
    appendHistogram: (ref) => ref || nextRef++,
    appendExemplar: (ref) => ref || nextRef++,
    commit: async () => {},
    rollback: async () => {},
  };
  const caches = bodies.map(() => new ScrapeCache());
  const settings: AppendSettings[] = bodies.map((_, p) => ({
    targetLabels: Labels.fromObject({ job: 'bench', instance: `127.0.0.1:1/t/${p}` }),
    honorLabels: false, honorTimestamps: true, trackTimestampsStaleness: false, metricRelabelConfigs: [],
    validationScheme: 'utf8', sampleLimit: 0, labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0,
  }));
  const round = (t: number) => {
    for (let p = 0; p < bodies.length; p++) appendScrape(app, caches[p], settings[p], texts[p], 'text/plain; version=0.0.4', t, t, bodies[p]);
  };
  round(1);
  for (let i = 0; i < 3; i++) round(2 + i);
  // Best of five runs of five rounds: the machine is shared, the minimum is the cost.
  let best = Infinity;
  let t = 10;
  for (let run = 0; run < 5; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) round(t++);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / (5 * TARGETS * SERIES));
  }
  return best;
}

async function main(): Promise<void> {
  const perSample = measureParseAppend();
  console.log(line('parse-append-per-sample', perSample, undefined, '-', 'ns/sample', 1));
  const port = await freePort();
  const server = startProcess(process.execPath, ['-e', SERVER, String(port)]);
  try {
    const host = `127.0.0.1:${port}`;
    await waitForHttp(`http://${host}/t/0`, 10_000, server);
    const vigil = await measureVigil(host);
    const prom = await measurePrometheus(host);
    console.log(line('200x1000-at-5s-cpu', vigil.cpuPerM, prom.cpuPerM, '1.0', 'cpu-seconds/1M-samples'));
    console.log(line('200x1000-at-5s-rss', vigil.rssPerSeries, prom.rssPerSeries, '1.0', 'bytes/series', 0));
    console.log(`# samples in the ${WINDOW_S}s window: vigil=${vigil.samples} prometheus=${prom.samples}`);
  } finally {
    await server.stop();
  }
}

await main();
