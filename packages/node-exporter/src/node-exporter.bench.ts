/**
 * `npm run bench -- node-exporter`: Vigil's node-exporter against Debian's prometheus-node-exporter 1.5 on
 * this machine, same collectors and flags, each in its own process on 127.0.0.1. Scrapes alternate
 * between the two (so machine noise hits both alike); CPU is read from /proc/<pid>/stat before and after,
 * memory from /proc/<pid>/status at the end.
 *
 * Cases: `text` (Accept: text/plain, no compression, what most tools ask) and `prometheus` (the Accept and
 * Accept-Encoding headers Prometheus 2.42 sends: OpenMetrics preferred, gzip).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { freePort, repoRoot, requireProgram, startProcess, tempDir, waitForHttp, type RunningProcess } from '@vigil/testkit';

const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 1000);
const WARMUP = 30;
const COLLECTORS = [
  'conntrack', 'cpu', 'diskstats', 'entropy', 'filefd', 'filesystem', 'hwmon', 'loadavg', 'meminfo', 'netdev',
  'netstat', 'os', 'pressure', 'sockstat', 'stat', 'textfile', 'time', 'uname', 'vmstat',
];
/** Debian's defaults for these, given to both so that both see the same mounts and devices. */
const MOUNT_EXCLUDE = '^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';
const CLOCK_TICKS = 100;

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

function memoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) : NaN;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function scrape(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent, headers }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode} from :${port}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function line(name: string, vigil: number, peer: number, goal: string, unit: string, digits = 3): void {
  const ratio = vigil / peer;
  console.log(`node-exporter/${name}: vigil=${vigil.toFixed(digits)} node_exporter=${peer.toFixed(digits)} ratio=${ratio.toFixed(2)} goal=${goal} ${unit}`);
}

async function main(): Promise<void> {
  const peerBin = requireProgram('prometheus-node-exporter');
  const textDir = tempDir('vigil-ne-bench-');
  const common = [
    '--collector.disable-defaults',
    ...COLLECTORS.map((c) => `--collector.${c}`),
    `--collector.filesystem.mount-points-exclude=${MOUNT_EXCLUDE}`,
    '--collector.netdev.device-exclude=^lo$',
    `--collector.textfile.directory=${textDir.path}`,
  ];
  const [peerPort, vigilPort] = [await freePort(), await freePort()];
  const procs: RunningProcess[] = [];
  try {
    const peer = startProcess(peerBin, [...common, `--web.listen-address=127.0.0.1:${peerPort}`]);
    procs.push(peer);
    const vigil = startProcess(process.execPath, [
      join(repoRoot(), 'packages/cli/bin/vigil.js'), 'node-exporter', ...common, `--web.listen-address=127.0.0.1:${vigilPort}`,
    ]);
    procs.push(vigil);
    await waitForHttp(`http://127.0.0.1:${peerPort}/`, 20000, peer);
    await waitForHttp(`http://127.0.0.1:${vigilPort}/`, 20000, vigil);

    const cases: Array<[string, Record<string, string>]> = [
      ['text', { Accept: 'text/plain' }],
      ['prometheus', { Accept: PROMETHEUS_ACCEPT, 'Accept-Encoding': 'gzip' }],
    ];
    for (const [name, headers] of cases) {
      for (let i = 0; i < WARMUP; i++) {
        await scrape(vigilPort, headers);
        await scrape(peerPort, headers);
      }
      const cpu0 = [cpuSeconds(vigil.child.pid!), cpuSeconds(peer.child.pid!)];
      const wall = [0, 0];
      const bytes = [0, 0];
      for (let i = 0; i < SCRAPES; i++) {
        // Alternate which goes first so that neither always follows the other's burst.
        const order = i % 2 === 0 ? [0, 1] : [1, 0];
        for (const k of order) {
          const t = performance.now();
          bytes[k] += await scrape(k === 0 ? vigilPort : peerPort, headers);
          wall[k] += performance.now() - t;
        }
      }
      const cpu = [cpuSeconds(vigil.child.pid!) - cpu0[0], cpuSeconds(peer.child.pid!) - cpu0[1]];
      line(`${name}/cpu-per-scrape`, (cpu[0] * 1000) / SCRAPES, (cpu[1] * 1000) / SCRAPES, '1.0', 'ms');
      line(`${name}/time-per-scrape`, wall[0] / SCRAPES, wall[1] / SCRAPES, '1.0', 'ms');
      line(`${name}/response-size`, bytes[0] / SCRAPES / 1024, bytes[1] / SCRAPES / 1024, '-', 'KiB', 1);
    }
    line('rss', memoryKiB(vigil.child.pid!, 'VmRSS') / 1024, memoryKiB(peer.child.pid!, 'VmRSS') / 1024, '-', 'MiB', 1);
    line('peak-rss', memoryKiB(vigil.child.pid!, 'VmHWM') / 1024, memoryKiB(peer.child.pid!, 'VmHWM') / 1024, '-', 'MiB', 1);
  } finally {
    agent.destroy();
    await Promise.all(procs.map((p) => p.stop()));
    textDir.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
