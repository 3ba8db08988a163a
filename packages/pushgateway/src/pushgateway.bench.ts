/**
 * `npm run bench -- pushgateway`: Vigil's gateway against Debian's prometheus-pushgateway 1.5.1, each in
 * its own process on 127.0.0.1, driven by the same load generator (this process) in the same run.
 *
 * - push_1k_groups: pushes per second, 1,000 groups of 20 series, PUT, keep-alive connections, 4
 *   concurrent clients, consistency checks on (the default of both), after every group exists once;
 * - rss_10k_groups: resident memory with 10,000 groups of 20 series stored and two scrapes served. Both
 *   are filled with the consistency check off: the Pushgateway's check gathers everything it holds on
 *   every push, so 10,000 checked pushes would take many minutes; what is stored is the same;
 * - scrape_10k_groups: time to serve GET /metrics (text) with those 10,000 groups;
 * - wipe_5k_groups: time from `PUT /api/v1/admin/wipe` until the exposition holds no group (median of 3).
 *
 * Bounded: about a minute. BENCH_PUSH_SECONDS sets the push phase's length (default 8 per gateway).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort, requireProgram, startProcess, waitForHttp, type RunningProcess } from '@vigil/testkit';

const PUSH_SECONDS = Number(process.env.BENCH_PUSH_SECONDS ?? 8);
const CLIENTS = 4;
const SERIES = 20;

const INDEX = fileURLToPath(new URL('./index.js', import.meta.url));

interface Gateway {
  readonly name: string;
  readonly url: string;
  readonly proc: RunningProcess;
  readonly agent: Agent;
}

async function startVigil(flags: { check: boolean }): Promise<Gateway> {
  const port = await freePort();
  const script = `
    const { startPushgateway } = await import(${JSON.stringify(INDEX)});
    await startPushgateway({ listenAddress: '127.0.0.1:${port}', enableAdminApi: true, checkConsistency: ${flags.check} });
  `;
  const proc = startProcess(process.execPath, ['--input-type=module', '-e', script]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url + '/-/ready', 20000, proc);
  return { name: 'vigil', url, proc, agent: new Agent({ keepAlive: true, maxSockets: CLIENTS }) };
}

async function startPeer(flags: { check: boolean }): Promise<Gateway> {
  const bin = requireProgram('prometheus-pushgateway', 'prometheus-pushgateway');
  const port = await freePort();
  const args = [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--web.enable-admin-api', '--log.level=error'];
  if (!flags.check) args.push('--push.disable-consistency-check');
  const proc = startProcess(bin, args);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url + '/-/ready', 20000, proc);
  return { name: 'pushgateway', url, proc, agent: new Agent({ keepAlive: true, maxSockets: CLIENTS }) };
}

function call(gw: Gateway, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(gw.url);
    const headers: Record<string, string | number> = body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) };
    const req = request({ host: u.hostname, port: u.port, path, method, agent: gw.agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One group's push body: 20 gauge series, values changing with `round`. */
function groupBody(group: number, round: number): string {
  let s = '# HELP bench_value A value of the benchmark job.\n# TYPE bench_value gauge\n';
  for (let i = 0; i < SERIES; i++) s += `bench_value{series="s${i}",shard="k${i % 4}"} ${group * 1000 + i + round * 0.5}\n`;
  return s;
}

const pathOf = (group: number) => `/metrics/job/bench/instance/i${group}`;

/** PUTs every group once, `CLIENTS` at a time. */
async function fill(gw: Gateway, groups: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < groups) {
      const g = next++;
      const r = await call(gw, 'PUT', pathOf(g), groupBody(g, 0));
      if (r.status >= 300) throw new Error(`${gw.name}: PUT ${pathOf(g)}: HTTP ${r.status} ${r.body}`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
}

/** Pushes round-robin over the groups for `seconds`; returns pushes per second. */
async function pushRate(gw: Gateway, groups: number, seconds: number): Promise<number> {
  let done = 0;
  let next = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const n = next++;
      const g = n % groups;
      const r = await call(gw, 'PUT', pathOf(g), groupBody(g, n));
      if (r.status >= 300) throw new Error(`${gw.name}: HTTP ${r.status} ${r.body}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return done / ((performance.now() - start) / 1000);
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Waits until the exposition shows `groups` push times (the peer applies unchecked pushes from a queue). */
async function settled(gw: Gateway, groups: number): Promise<void> {
  const deadline = Date.now() + 60000;
  for (;;) {
    const r = await call(gw, 'GET', '/metrics');
    const n = r.body.split('\npush_time_seconds{').length - 1;
    if (n === groups) return;
    if (Date.now() > deadline) throw new Error(`${gw.name}: ${n} groups exposed, want ${groups}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function scrapeMs(gw: Gateway, times: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    const r = await call(gw, 'GET', '/metrics');
    if (r.status !== 200) throw new Error(`${gw.name}: scrape HTTP ${r.status}`);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

async function wipeMs(gw: Gateway): Promise<number> {
  const t = performance.now();
  const r = await call(gw, 'PUT', '/api/v1/admin/wipe');
  if (r.status !== 202) throw new Error(`${gw.name}: wipe HTTP ${r.status}`);
  for (;;) {
    const m = await call(gw, 'GET', '/metrics');
    if (!m.body.includes('\npush_time_seconds{')) return performance.now() - t;
    await new Promise((res) => setTimeout(res, 5));
  }
}

function line(name: string, vigil: number, peer: number, goal: string, unit: string, digits = 1): void {
  console.log(`pushgateway/${name}: vigil=${vigil.toFixed(digits)} pushgateway=${peer.toFixed(digits)} ratio=${(vigil / peer).toFixed(2)} goal=${goal} ${unit}`);
}

async function stop(...gws: Gateway[]): Promise<void> {
  for (const g of gws) {
    g.agent.destroy();
    await g.proc.stop();
  }
}

async function main(): Promise<void> {
  // Push throughput, checks on.
  {
    const v = await startVigil({ check: true });
    const p = await startPeer({ check: true });
    try {
      await fill(v, 1000);
      await fill(p, 1000);
      const vr = await pushRate(v, 1000, PUSH_SECONDS);
      const pr = await pushRate(p, 1000, PUSH_SECONDS);
      line('push_1k_groups', vr, pr, '>=1.0', 'pushes/s');
    } finally {
      await stop(v, p);
    }
  }
  // Memory and scrape time with 10,000 groups.
  {
    const v = await startVigil({ check: false });
    const p = await startPeer({ check: false });
    try {
      await fill(v, 10000);
      await fill(p, 10000);
      await settled(v, 10000);
      await settled(p, 10000);
      const vs = await scrapeMs(v, 3);
      const ps = await scrapeMs(p, 3);
      line('rss_10k_groups', rssMiB(v.proc.child.pid!), rssMiB(p.proc.child.pid!), '<=1.0', 'MiB');
      line('scrape_10k_groups', vs, ps, '<=1.0', 'ms');
    } finally {
      await stop(v, p);
    }
  }
  // Wiping 5,000 groups.
  {
    const v = await startVigil({ check: false });
    const p = await startPeer({ check: false });
    try {
      // The median of three fill-and-wipe rounds: one wipe is a few milliseconds, within a GC's reach.
      const vt: number[] = [];
      const pt: number[] = [];
      for (let round = 0; round < 3; round++) {
        await fill(v, 5000);
        await fill(p, 5000);
        await settled(v, 5000);
        await settled(p, 5000);
        vt.push(await wipeMs(v));
        pt.push(await wipeMs(p));
      }
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1]!;
      line('wipe_5k_groups', median(vt), median(pt), '<=1.0', 'ms');
    } finally {
      await stop(v, p);
    }
  }
}

await main();
