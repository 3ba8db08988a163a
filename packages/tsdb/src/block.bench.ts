/**
 * Blocks on disk: `vigil tsdb import openmetrics` against `promtool tsdb create-blocks-from openmetrics`
 * on the same generated OpenMetrics file (10k series × 2h at 15s: counters, gauges and histograms).
 * Figures: bytes per sample of the blocks written (goal: at most promtool's) and import time (reported).
 * Both tools run as processes, one after the other, so they do not compete for the two cores.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { repoRoot, requireProgram, tempDir, xorshift32 } from '@vigil/testkit';

const SERIES = 10_000;
const STEP_S = 15;
const SAMPLES = (2 * 3600) / STEP_S; // 480 per series
const BASE_S = 1_700_006_400; // 2h-aligned: one block per tool
const HISTOGRAM_BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '2.5', '+Inf'];

async function writeInput(path: string): Promise<number> {
  const out = createWriteStream(path);
  let buf = '';
  let series = 0;
  const flush = async (force = false) => {
    if (buf.length < 1 << 20 && !force) return;
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  const r = xorshift32(42);
  // 3,000 counters: request counts per instance and code, increasing by a noisy rate.
  buf += '# HELP http_requests Requests served.\n# TYPE http_requests counter\n';
  for (let i = 0; i < 3000; i++, series++) {
    const lbl = `{job="api",instance="host-${i % 300}:9100",code="${[200, 404, 500][i % 3]}",handler="/h${Math.floor(i / 300)}"}`;
    let v = Math.floor(r() * 1e6);
    const rate = 1 + r() * 50;
    for (let k = 0; k < SAMPLES; k++) {
      v += Math.floor(rate * STEP_S * (0.5 + r()));
      buf += `http_requests_total${lbl} ${v} ${BASE_S + k * STEP_S}\n`;
    }
    await flush();
  }
  // 3,000 gauges: memory sizes that wander, temperatures with decimals.
  buf += '# HELP node_memory_bytes Memory in use.\n# TYPE node_memory_bytes gauge\n';
  for (let i = 0; i < 1500; i++, series++) {
    const lbl = `{job="node",instance="host-${i}:9100"}`;
    let v = 1e9 + Math.floor(r() * 1e9);
    for (let k = 0; k < SAMPLES; k++) {
      v += Math.floor((r() - 0.5) * 4096) * 4096;
      buf += `node_memory_bytes${lbl} ${v} ${BASE_S + k * STEP_S}\n`;
    }
    await flush();
  }
  buf += '# HELP node_temp_celsius Temperature.\n# TYPE node_temp_celsius gauge\n';
  for (let i = 0; i < 1500; i++, series++) {
    const lbl = `{job="node",instance="host-${i}:9100",sensor="cpu"}`;
    let v = 40 + r() * 20;
    for (let k = 0; k < SAMPLES; k++) {
      v += (r() - 0.5) * 0.5;
      buf += `node_temp_celsius${lbl} ${v.toFixed(3)} ${BASE_S + k * STEP_S}\n`;
    }
    await flush();
  }
  // 4,000 histogram series: 333 histograms × (10 buckets + sum + count), plus one more counter to round up.
  buf += '# HELP rpc_duration_seconds RPC latency.\n# TYPE rpc_duration_seconds histogram\n';
  for (let h = 0; h < 333; h++) {
    const base = `job="rpc",instance="host-${h % 100}:9100",method="m${Math.floor(h / 100)}"`;
    const counts = new Float64Array(HISTOGRAM_BUCKETS.length);
    const perStep: Float64Array[] = [];
    const sums = new Float64Array(SAMPLES);
    let sum = 0;
    for (let k = 0; k < SAMPLES; k++) {
      const n = Math.floor(r() * 20);
      for (let j = 0; j < n; j++) {
        const lat = -Math.log(1 - r()) * 0.08;
        sum += lat;
        for (let b = 0; b < HISTOGRAM_BUCKETS.length; b++) if (b === HISTOGRAM_BUCKETS.length - 1 || lat <= Number(HISTOGRAM_BUCKETS[b])) counts[b]++;
      }
      perStep.push(counts.slice());
      sums[k] = sum;
    }
    for (let b = 0; b < HISTOGRAM_BUCKETS.length; b++, series++) {
      for (let k = 0; k < SAMPLES; k++) buf += `rpc_duration_seconds_bucket{${base},le="${HISTOGRAM_BUCKETS[b]}"} ${perStep[k][b]} ${BASE_S + k * STEP_S}\n`;
    }
    series++;
    for (let k = 0; k < SAMPLES; k++) buf += `rpc_duration_seconds_count{${base}} ${perStep[k][HISTOGRAM_BUCKETS.length - 1]} ${BASE_S + k * STEP_S}\n`;
    series++;
    for (let k = 0; k < SAMPLES; k++) buf += `rpc_duration_seconds_sum{${base}} ${sums[k]} ${BASE_S + k * STEP_S}\n`;
    await flush();
  }
  buf += '# TYPE bench_filler counter\n';
  for (; series < SERIES; series++) {
    for (let k = 0; k < SAMPLES; k++) buf += `bench_filler_total{n="${series}"} ${k} ${BASE_S + k * STEP_S}\n`;
  }
  buf += '# EOF\n';
  await flush(true);
  out.end();
  await once(out, 'finish');
  return series;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

function blockSamples(dir: string): number {
  let n = 0;
  for (const b of readdirSync(dir)) n += JSON.parse(readFileSync(join(dir, b, 'meta.json'), 'utf8')).stats.numSamples;
  return n;
}

function timed(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return secs;
}

function line(name: string, vigil: number, peer: number, goal: string, unit: string, digits: number): void {
  console.log(`block/${name}: vigil=${vigil.toFixed(digits)} promtool=${peer.toFixed(digits)} ratio=${(vigil / peer).toFixed(2)} goal=${goal} ${unit}`);
}

async function main(): Promise<void> {
  const promtool = requireProgram('promtool', 'prometheus');
  const vigil = join(repoRoot(), 'packages', 'cli', 'bin', 'vigil.js');
  const tmp = tempDir('vigil-block-bench-');
  try {
    const input = join(tmp.path, 'input.om');
    const series = await writeInput(input);
    const ours = join(tmp.path, 'vigil');
    const theirs = join(tmp.path, 'promtool');
    const tPromtool = timed(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '-q', input, theirs]);
    const tVigil = timed(process.execPath, [vigil, 'tsdb', 'import', 'openmetrics', '-q', input, ours]);
    const sVigil = blockSamples(ours);
    const sPromtool = blockSamples(theirs);
    if (sVigil !== sPromtool || sVigil !== series * SAMPLES) {
      throw new Error(`sample counts differ: vigil ${sVigil}, promtool ${sPromtool}, input ${series * SAMPLES}`);
    }
    line('import-bytes-per-sample', dirBytes(ours) / sVigil, dirBytes(theirs) / sPromtool, '<=1.0', 'bytes/sample', 4);
    line('import-time', tVigil, tPromtool, 'report', 's', 2);
  } finally {
    tmp.cleanup();
  }
}

await main();
