/** `vigil node-exporter` end to end: node_exporter's flags, on the fixture tree of the node-exporter package. */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const BIN = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
const TESTDATA = fileURLToPath(new URL('../../../node-exporter/testdata', import.meta.url));
const FIXTURE_FLAGS = [`--path.procfs=${TESTDATA}/proc`, `--path.sysfs=${TESTDATA}/sys`, `--path.rootfs=${TESTDATA}/rootfs`];

interface Running {
  child: ChildProcess;
  base: string;
  log: () => string;
}

/** Starts the exporter on 127.0.0.1 port 0 and reads the bound port from its log. */
async function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'node-exporter', '--web.listen-address=127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "Listening on" within 20s:\n${out}`)), 20000);
    const check = () => {
      const m = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stderr!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
  return { child, base: `http://127.0.0.1:${port}`, log: () => out };
}

async function stop(r: Running): Promise<number | null> {
  if (r.child.exitCode !== null) return r.child.exitCode;
  const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code)));
  r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), 5000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

function successes(text: string): string[] {
  return [...text.matchAll(/^node_scrape_collector_success\{collector="([^"]+)"\} 1$/gm)].map((m) => m[1]);
}

test('collector flags: --collector.disable-defaults, --collector.<name>, --no-collector.<name>', async () => {
  const cases: Array<[string[], string[]]> = [
    [['--collector.disable-defaults', '--collector.loadavg', '--collector.meminfo'], ['loadavg', 'meminfo']],
    [['--collector.disable-defaults', '--collector.uname', '--no-collector.meminfo'], ['uname']],
    [['--no-collector.cpu', '--no-collector.diskstats', '--no-collector.filesystem', '--no-collector.hwmon', '--no-collector.textfile', '--no-collector.time', '--no-collector.netdev', '--no-collector.netstat', '--no-collector.sockstat', '--no-collector.vmstat', '--no-collector.os', '--no-collector.pressure', '--no-collector.entropy', '--no-collector.conntrack', '--no-collector.filefd', '--no-collector.stat', '--no-collector.uname'], ['loadavg', 'meminfo']],
  ];
  for (const [flags, want] of cases) {
    const r = await start([...FIXTURE_FLAGS, ...flags]);
    try {
      const text = await (await fetch(r.base + '/metrics')).text();
      assert.deepEqual(successes(text), want, flags.join(' '));
    } finally {
      assert.equal(await stop(r), 0);
    }
  }
});

test('path, web and collector option flags reach the exporter; SIGTERM stops it cleanly', async () => {
  const r = await start([
    ...FIXTURE_FLAGS,
    '--collector.disable-defaults', '--collector.netdev', '--collector.stat', '--collector.cpu', '--collector.arp',
    '--collector.netdev.device-include=^eth', '--no-collector.netdev.netlink', '--collector.stat.softirq', '--no-collector.cpu.guest',
    '--web.telemetry-path=/node-metrics', '--web.disable-exporter-metrics', '--log.level=debug',
  ]);
  try {
    const home = await (await fetch(r.base + '/metrics')).text();
    assert.match(home, /<a href="\/node-metrics">/);
    const text = await (await fetch(r.base + '/node-metrics')).text();
    assert.match(text, /^node_network_receive_bytes_total\{device="eth0"\} 2\.73205362e\+08$/m);
    assert.doesNotMatch(text, /device="lo"|receive_nohandler|node_cpu_guest_seconds_total|^process_/m);
    assert.match(text, /^node_softirqs_total\{vector="timer"\} 2$/m);
    assert.match(r.log(), /level=warn msg="collector not implemented in vigil node-exporter, ignored" collector=arp/);
    assert.match(r.log(), /level=debug msg="collector succeeded"/);
  } finally {
    assert.equal(await stop(r), 0);
  }
  assert.match(r.log(), /msg="Shutting down"/);
});

test('bad flags are refused with a message naming the flag', () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['--collector.timeout=soon'], 2, /invalid value "soon" for flag --collector\.timeout/],
    [['--collector.nosuch'], 2, /unknown long flag '--collector\.nosuch'/],
    [['--collector.netdev.device-exclude=^lo$', '--collector.netdev.device-include=^eth'], 1, /--collector\.netdev\.device-exclude and --collector\.netdev\.device-include are mutually exclusive/],
    [['--collector.vmstat.fields=('], 1, /invalid regular expression "\(" for --collector\.vmstat\.fields/],
    [['--log.level=loud'], 1, /invalid --log\.level "loud"/],
    [['--web.listen-address=nowhere'], 1, /invalid --web\.listen-address "nowhere": missing port/],
  ];
  for (const [flags, code, message] of cases) {
    const r = spawnSync(process.execPath, [BIN, 'node-exporter', ...FIXTURE_FLAGS, ...flags], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, code, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('--help lists node_exporter flags', () => {
  const r = spawnSync(process.execPath, [BIN, 'node-exporter', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  for (const flag of ['--web.listen-address', '--web.telemetry-path', '--collector.filesystem.mount-points-exclude', '--[no-]collector.cpu ', '--collector.timeout', '--path.procfs']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});
