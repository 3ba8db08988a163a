/**
 * `npm run bench -- parse`: parse throughput of a generated exposition of about 11,600 series (counters,
 * gauges and histograms with realistic labels), in both formats, beside real peers measured in the same run:
 *
 * - text format: Debian's `promtool check metrics` (Go's `expfmt` parser plus the linter). promtool is a
 *   whole process, so its figure is its median time on the input minus its median time on an empty input
 *   (process start); vigil's is the median time of the streaming parser in this process, reading every
 *   sample's value, timestamp and series key as the scrape loop does.
 * - OpenMetrics: the OpenMetrics parser of Debian's Python client (the reference parser of the
 *   conformance suite), measured the same way, against the default and the strict parser.
 * - the whole `check metrics` command, process to process (Node's start-up included), for reference.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Labels } from '@vigil/model';
import { EntryType } from './parser.js';
import { OpenMetricsParser } from './om-parser.js';
import { TextParser } from './text-parser.js';
import { writeFamilies } from './writer.js';
import type { MetricFamily, Sample } from './types.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const CODES = ['200', '201', '204', '301', '400', '404', '500', '503'];
const HANDLERS = ['/api/v1/query', '/api/v1/query_range', '/api/v1/series', '/api/v1/labels', '/metrics', '/-/healthy', '/api/v1/write', '/federate'];
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** About 11,600 series: 40 counters × 100, 20 gauges × 100, 10 histograms × 40 label sets × 14. */
function generate(): MetricFamily[] {
  const fams: MetricFamily[] = [];
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  for (let f = 0; f < 40; f++) {
    const samples: Sample[] = [];
    for (let i = 0; i < 100; i++) {
      samples.push({
        name: `app_http_requests_${f}_total`,
        labels: Labels.fromObject({ method: METHODS[i % 4], code: CODES[(i >> 2) % 8], handler: HANDLERS[(i >> 5) % 8] + (i >> 5), instance: `10.0.${f}.${i}:9100` }),
        value: Math.floor(rnd() * 1e7),
      });
    }
    fams.push({ name: `app_http_requests_${f}_total`, type: 'counter', help: `Total HTTP requests handled, shard ${f}.`, samples });
  }
  for (let f = 0; f < 20; f++) {
    const samples: Sample[] = [];
    for (let i = 0; i < 100; i++) {
      samples.push({
        name: `node_filesystem_avail_bytes_${f}`,
        labels: Labels.fromObject({ device: `/dev/nvme${i % 4}n1p${i}`, fstype: i % 3 === 0 ? 'ext4' : 'xfs', mountpoint: `/srv/data/${i}` }),
        value: Math.round(rnd() * 1e12) / 8,
      });
    }
    fams.push({ name: `node_filesystem_avail_bytes_${f}`, type: 'gauge', help: 'Filesystem space available to non-root users in bytes.', samples });
  }
  for (let f = 0; f < 10; f++) {
    const name = `app_request_duration_seconds_${f}`;
    const samples: Sample[] = [];
    for (let i = 0; i < 40; i++) {
      const base = { method: METHODS[i % 4], handler: HANDLERS[(i >> 2) % 8], pod: `api-7f9c${i >> 5}` };
      let count = 0;
      for (const le of BUCKETS) {
        count += Math.floor(rnd() * 1000);
        samples.push({ name: name + '_bucket', labels: Labels.fromObject({ ...base, le }), value: count });
      }
      samples.push({ name: name + '_sum', labels: Labels.fromObject(base), value: count * 0.173 });
      samples.push({ name: name + '_count', labels: Labels.fromObject(base), value: count });
    }
    fams.push({ name, type: 'histogram', help: 'Request latency.', samples });
  }
  return fams;
}

/** One pass as the scrape loop reads: every sample's series key, value and timestamp. */
function consume(p: TextParser | OpenMetricsParser): number {
  let n = 0;
  let sum = 0;
  let keyLen = 0;
  for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
    if (e !== EntryType.Series) continue;
    keyLen += p.series().length;
    sum += p.value;
    if (p.timestamp === p.timestamp) sum += p.timestamp;
    n++;
  }
  if (sum === -1 || keyLen < 0) console.log('');
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median milliseconds of `runs` calls of `fn`, after `warmup` unmeasured calls. */
function timeInProcess(fn: () => void, runs: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

/** Median wall milliseconds of running a program with `input` on stdin; fails loudly if it fails. */
function timeProcess(cmd: string, args: string[], input: string, runs: number, okStatuses: number[]): number {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60000 });
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.error || !okStatuses.includes(r.status ?? -1)) {
      throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status}): ${r.error?.message ?? r.stderr.slice(0, 500)}`);
    }
  }
  return median(ts);
}

function which(name: string, debianPackage: string): string {
  for (const dir of ['/usr/bin', '/usr/local/bin', '/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  throw new Error(`${name} not found: install Debian's ${debianPackage}`);
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const ratio = (a: number, b: number) => (a / b).toFixed(3);

function main(): void {
  const fams = generate();
  const text = writeFamilies(fams, 'text');
  const om = writeFamilies(fams, 'openmetrics');
  const samples = consume(new TextParser(text));
  if (consume(new OpenMetricsParser(om, { strict: true })) !== samples) throw new Error('formats disagree on the sample count');
  {
    const label = `${Math.round(samples / 100) / 10}k-samples`;

    // Text format against promtool.
    const vigilText = timeInProcess(() => consume(new TextParser(text)), 21, 10);
    const promtool = which('promtool', 'prometheus');
    // Exit 3 (lint problems) is a complete parse too.
    const promtoolFull = timeProcess(promtool, ['check', 'metrics'], text, 7, [0, 3]);
    const promtoolStart = timeProcess(promtool, ['check', 'metrics'], '', 7, [0]);
    const promtoolNet = Math.max(promtoolFull - promtoolStart, 0.001);
    console.log(`parse/text-${label}: vigil=${fmt(vigilText)} promtool=${fmt(promtoolNet)} ratio=${ratio(vigilText, promtoolNet)} goal=<=1.0 ms`);
    console.log(
      `parse/text-throughput: vigil=${Math.round(samples / vigilText * 1000)} promtool=${Math.round(samples / promtoolNet * 1000)} ratio=${ratio(promtoolNet, vigilText)} goal=>=1.0 samples/s`,
    );

    // OpenMetrics against the Python client's parser.
    const vigilOm = timeInProcess(() => consume(new OpenMetricsParser(om)), 21, 10);
    const vigilOmStrict = timeInProcess(() => consume(new OpenMetricsParser(om, { strict: true })), 21, 10);
    const python = which('python3', 'python3-prometheus-client');
    const py = ['-c', 'import sys\nfrom prometheus_client.openmetrics.parser import text_string_to_metric_families as p\nt=sys.stdin.read()\nfor f in p(t): pass'];
    const pyFull = timeProcess(python, py, om, 3, [0]);
    const pyStart = timeProcess(python, py, '# EOF\n', 3, [0]);
    const pyNet = Math.max(pyFull - pyStart, 0.001);
    console.log(`parse/openmetrics-${label}: vigil=${fmt(vigilOm)} python=${fmt(pyNet)} ratio=${ratio(vigilOm, pyNet)} goal=<=1.0 ms`);
    console.log(`parse/openmetrics-strict-${label}: vigil=${fmt(vigilOmStrict)} python=${fmt(pyNet)} ratio=${ratio(vigilOmStrict, pyNet)} goal=<=1.0 ms`);

    // The whole command, process to process.
    const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'bin', 'vigil.js');
    if (existsSync(join(dirname(cli), '..', 'dist', 'main.js'))) {
      const vigilCmd = timeProcess(process.execPath, [cli, 'check', 'metrics'], text, 5, [0, 3]);
      console.log(`parse/check-metrics-process-${label}: vigil=${fmt(vigilCmd)} promtool=${fmt(promtoolFull)} ratio=${ratio(vigilCmd, promtoolFull)} goal=<=1.0 ms`);
    } else {
      console.log('# parse/check-metrics-process: not measured, packages/cli is not built');
    }
  }
}

main();
