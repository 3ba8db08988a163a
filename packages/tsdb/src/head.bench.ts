/**
 * Head and WAL benchmarks, side by side with Debian's Prometheus 2.42 in the same run:
 *
 * - append throughput into the head with the WAL on, one core (peer: `promtool tsdb create-blocks-from
 *   openmetrics` on the same samples: text parsing + head appends + block writing, no WAL; the nearest
 *   thing Prometheus has to a direct ingest figure);
 * - resident memory per active series in the head at 100k and 1M series: both replay the same WAL
 *   (written by Vigil in Prometheus's format: 60 samples per series, 60 s apart, i.e. 1 h at
 *   Prometheus's default scrape interval); (RSS 5 s after ready - RSS of an empty instance) / series,
 *   no forced GC on either side;
 * - WAL replay time for 1M series x 1 h: from process start until ready (Vigil: `openDB` resolved;
 *   Prometheus: `/-/ready` answers 200).
 *
 * - cutting a block from a head of 1M series: how long it takes and the longest event-loop stall meanwhile
 *   (no peer: Prometheus compacts on other goroutines while it serves).
 *
 * The 1M-series cases write a 700 MB WAL and take about two minutes; VIGIL_BENCH_SKIP_1M=1 skips them.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Labels } from '@vigil/model';
import { freePort, requireProgram, runProgram, sleep, startProcess, tempDir } from '@vigil/testkit';
import { openDB } from './db.js';
import { RecordBuffer, encodeSamplesRecord, encodeSeriesRecord } from './wal/records.js';
import { WAL } from './wal/wal.js';

const CHILD = fileURLToPath(new URL('./head-replay.child.js', import.meta.url));
const CUT_CHILD = fileURLToPath(new URL('./head-cut.child.js', import.meta.url));
const prometheus = requireProgram('prometheus', 'prometheus');
const promtool = requireProgram('promtool', 'prometheus');

function line(name: string, vigil: number, peerName: string, peer: number, goal: string, unit: string, digits = 0): void {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
  console.log(`head/${name}: vigil=${f(vigil)} ${peerName}=${f(peer)} ratio=${(vigil / peer).toFixed(2)} goal=${goal} ${unit}`);
}

function seriesLabels(i: number): Labels {
  return Labels.fromObject({ __name__: 'metric_' + (i % 200), job: 'node', instance: `host-${Math.floor(i / 200) % 1000}:9100`, id: String(i) });
}

/** A counter-like value: increments vary per series and sample. */
function value(i: number, r: number): number {
  return r * ((i % 7) + 1) + ((i * 31 + r * 17) % 10);
}

/** Writes `<dir>/wal` with `n` series x `rounds` samples, `step` ms apart, ending now. */
function writeWal(dir: string, n: number, rounds: number, step: number): number {
  const wal = WAL.open(join(dir, 'wal'));
  const t0 = Math.floor(Date.now() / 1000) * 1000 - rounds * step;
  const B = 10_000;
  const buf = new RecordBuffer(1 << 20);
  const refs = new Float64Array(B);
  const ts = new Float64Array(B);
  const vs = new Float64Array(B);
  for (let s = 0; s < n; s += B) {
    const e = Math.min(n, s + B);
    const rr: number[] = [];
    const ll: Labels[] = [];
    for (let i = s; i < e; i++) {
      rr.push(i + 1);
      ll.push(seriesLabels(i));
    }
    wal.log([encodeSeriesRecord(buf, rr, ll, rr.length)]);
  }
  for (let r = 0; r < rounds; r++) {
    for (let s = 0; s < n; s += B) {
      const e = Math.min(n, s + B);
      for (let i = s; i < e; i++) {
        refs[i - s] = i + 1;
        ts[i - s] = t0 + r * step;
        vs[i - s] = value(i, r);
      }
      wal.log([encodeSamplesRecord(buf, refs, ts, vs, 0, e - s)]);
    }
  }
  wal.close();
  return wal.bytesWritten;
}

function warm(dir: string): void {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) warm(p);
    else readFileSync(p);
  }
}

/** Vigil: open time and RSS after replaying `dir`, in a fresh process. */
async function vigilOpen(dir: string): Promise<{ ms: number; rss: number; series: number }> {
  const start = performance.now();
  const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let ms = 0;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => {
      if (ms === 0 && out.includes('\n')) ms = performance.now() - start;
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vigil replay child exited ${code}: ${out}`))));
  });
  const r = JSON.parse(out.split('\n')[1]) as { rss: number; series: number };
  return { ms, rss: r.rss, series: r.series };
}

/** Prometheus: time until /-/ready and RSS 5 s later, started on `dir`. */
async function prometheusOpen(dir: string): Promise<{ ms: number; rss: number; series: number }> {
  const port = await freePort();
  const cfg = join(dir, '..', `prometheus-${port}.yml`);
  writeFileSync(cfg, 'global:\n  scrape_interval: 1m\n');
  const start = performance.now();
  const p = startProcess(prometheus, [`--config.file=${cfg}`, `--storage.tsdb.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`]);
  try {
    let ms = 0;
    while (ms === 0) {
      if (p.child.exitCode !== null) throw new Error(`prometheus exited: ${p.output().slice(-2000)}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/-/ready`);
        await r.arrayBuffer();
        if (r.ok) ms = performance.now() - start;
      } catch {
        // not listening yet
      }
      if (ms === 0) await sleep(25);
    }
    await sleep(5000);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const metric = (name: string) => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').filter((l) => l.startsWith(name + ' ')).join('\n'))?.[2]);
    return { ms, rss: metric('process_resident_memory_bytes'), series: metric('prometheus_tsdb_head_series') };
  } finally {
    await p.stop();
  }
}

async function appendThroughput(tmp: string): Promise<void> {
  const N = 10_000;
  const ROUNDS = 100;
  const STEP = 15_000;
  const t0 = 1_767_225_600_000;
  // Vigil: appends by ref, one commit per scrape-sized batch of 10k samples, WAL on.
  const db = await openDB(join(tmp, 'vigil-append'), { compactionInterval: 0 });
  const labels = Array.from({ length: N }, (_, i) => seriesLabels(i));
  const refs = new Array<number>(N).fill(0);
  const app0 = db.appender();
  for (let i = 0; i < N; i++) refs[i] = app0.append(0, labels[i], t0, value(i, 0));
  await app0.commit();
  const started = performance.now();
  for (let r = 1; r < ROUNDS; r++) {
    const app = db.appender();
    const t = t0 + r * STEP;
    for (let i = 0; i < N; i++) app.append(refs[i], Labels.EMPTY, t, value(i, r));
    await app.commit();
  }
  const vigilRate = (N * (ROUNDS - 1)) / ((performance.now() - started) / 1000);
  await db.close();

  // Peer: the same samples as OpenMetrics through promtool's importer.
  const om = join(tmp, 'append.om');
  const w = createWriteStream(om);
  const write = (s: string) => (w.write(s) ? Promise.resolve() : new Promise<void>((r) => w.once('drain', () => r())));
  for (let m = 0; m < 200; m++) {
    await write(`# TYPE metric_${m} gauge\n`);
    for (let i = m; i < N; i += 200) {
      const l = labels[i];
      const series = `metric_${m}{job="node",instance="${l.get('instance')}",id="${i}"}`;
      let chunk = '';
      for (let r = 0; r < ROUNDS; r++) chunk += `${series} ${value(i, r)} ${(t0 + r * STEP) / 1000}\n`;
      await write(chunk);
    }
  }
  await write('# EOF\n');
  await new Promise<void>((r) => w.end(() => r()));
  const out = join(tmp, 'promtool-blocks');
  mkdirSync(out, { recursive: true });
  const pStart = performance.now();
  const res = runProgram(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', om, out]);
  const promMs = performance.now() - pStart;
  if (res.status !== 0) throw new Error(`promtool failed: ${res.stderr}`);
  line('append-wal-1core', vigilRate, 'promtool-import', (N * ROUNDS) / (promMs / 1000), '>=1000000', 'samples/s');
}

async function headCases(tmp: string): Promise<void> {
  const emptyV = join(tmp, 'empty-vigil');
  const emptyP = join(tmp, 'empty-prom');
  mkdirSync(emptyV);
  mkdirSync(emptyP);
  const baseV = await vigilOpen(emptyV);
  const baseP = await prometheusOpen(emptyP);
  const sizes = process.env.VIGIL_BENCH_SKIP_1M === '1' ? [100_000] : [100_000, 1_000_000];
  for (const n of sizes) {
    const label = n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`;
    const src = join(tmp, `wal-${label}`);
    mkdirSync(src);
    writeWal(src, n, 60, 60_000);
    const pd = join(tmp, `prom-${label}`);
    const vd = join(tmp, `vigil-${label}`);
    cpSync(src, pd, { recursive: true });
    cpSync(src, vd, { recursive: true });
    warm(pd);
    const p = await prometheusOpen(pd);
    warm(vd);
    const v = await vigilOpen(vd);
    if (v.series !== n || p.series !== n) throw new Error(`series after replay: vigil ${v.series}, prometheus ${p.series}, want ${n}`);
    line(`rss-per-series-${label}`, (v.rss - baseV.rss) / n, 'prometheus', (p.rss - baseP.rss) / n, '<=1.0x', 'bytes/series');
    line(`wal-replay-${label}-series-1h`, v.ms / 1000, 'prometheus', p.ms / 1000, '<=1.0x', 'seconds', 2);
  }
}

/** The block cut of a 1M-series head, in a child process with room for it. */
function cutCase(tmp: string): void {
  if (process.env.VIGIL_BENCH_SKIP_1M === '1') return;
  const dir = join(tmp, 'cut-1m');
  mkdirSync(dir);
  const res = runProgram(process.execPath, ['--max-old-space-size=8192', CUT_CHILD, dir, '1000000']);
  if (res.status !== 0) throw new Error(`head-cut child failed: ${res.stderr.slice(-2000)}`);
  const r = JSON.parse(res.stdout.trim().split('\n').pop()!) as { cutMs: number; longestStallMs: number; blocks: number };
  if (r.blocks !== 1) throw new Error(`head-cut child wrote ${r.blocks} blocks, want 1`);
  console.log(`head/cut-1m-series-time: vigil=${(r.cutMs / 1000).toFixed(1)} prometheus=- ratio=- goal=report s`);
  console.log(`head/cut-1m-series-longest-stall: vigil=${r.longestStallMs.toFixed(0)} prometheus=- ratio=- goal=report ms`);
}

const tmp = tempDir('vigil-head-bench-');
try {
  await appendThroughput(tmp.path);
  await headCases(tmp.path);
  cutCase(tmp.path);
} finally {
  tmp.cleanup();
}
