/**
 * Against the real thing: Debian's prometheus-node-exporter 1.5 side by side with Vigil's exporter, on the
 * fixture tree and on this machine; Debian's prometheus scraping Vigil's; promtool checking its output.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MetricFamily } from '@vigil/exposition';
import {
  eventually, freePort, requireProgram, runProgram, startPrometheus, startProcess, tempDir, waitForHttp, type PrometheusPeer,
  type RunningProcess,
} from '@vigil/testkit';
import { NodeExporter, type NodeExporterInit } from './exporter.js';
import { startNodeExporterServer, type RunningServer } from './server.js';
import { parseText, seriesKey, seriesValues, TESTDATA, valueOf } from './test-helpers.js';

// A zone with daylight saving time, so that the time_zone label is checked against Go's reading of tzdata.
const TZ = 'Europe/Berlin';
process.env.TZ = TZ;

const COLLECTORS = [
  'conntrack', 'cpu', 'diskstats', 'entropy', 'filefd', 'filesystem', 'hwmon', 'loadavg', 'meminfo', 'netdev',
  'netstat', 'os', 'pressure', 'sockstat', 'stat', 'textfile', 'time', 'uname', 'vmstat',
];
const UPSTREAM_MOUNT_EXCLUDE = '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';
/** Debian's patched default, given to both on the live machine. */
const DEBIAN_MOUNT_EXCLUDE = '^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';

/**
 * Every way Vigil's exposition may differ from node_exporter's for the collectors both run, and why. A
 * difference not listed here fails the test.
 */
const ALLOWED: ReadonlyArray<readonly [RegExp, string]> = [
  [/^missing family go_/, "node_exporter's Go runtime metrics; Vigil runs on Node.js and exposes nodejs_* instead"],
  [/^extra family nodejs_/, "Vigil's Node.js runtime metrics, in place of go_*"],
  [/^labels node_exporter_build_info: /, 'Vigil has no branch or revision to report (empty, so absent); goversion names the Node.js version'],
];

/** What a scrape of node_exporter needs to be comparable: the same collectors and flags for both. */
function peerArgs(extra: string[]): string[] {
  return ['--collector.disable-defaults', ...COLLECTORS.map((c) => `--collector.${c}`), ...extra];
}

async function startPeer(args: string[]): Promise<{ proc: RunningProcess; url: string }> {
  const bin = requireProgram('prometheus-node-exporter');
  const port = await freePort();
  const proc = startProcess(bin, [...args, `--web.listen-address=127.0.0.1:${port}`], { env: { ...process.env, TZ } });
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitForHttp(url, 20000, proc);
  return { proc, url };
}

async function startOurs(init: NodeExporterInit): Promise<{ server: RunningServer; url: string; ne: NodeExporter }> {
  const ne = new NodeExporter({ collectors: COLLECTORS, version: '0.1.0', ...init });
  const server = await startNodeExporterServer(ne, { listenAddresses: ['127.0.0.1:0'] });
  return { server, ne, url: `http://127.0.0.1:${server.addresses[0].port}/metrics` };
}

async function scrapeText(url: string): Promise<string> {
  const r = await fetch(url, { headers: { Accept: 'text/plain;version=0.0.4' } });
  assert.equal(r.status, 200, url);
  return r.text();
}

/** name → type, help, label names (empty values are absent labels, as Prometheus reads them). */
function shape(families: readonly MetricFamily[]): Map<string, { type: string; help: string; labels: string }> {
  const out = new Map<string, { type: string; help: string; labels: string }>();
  for (const f of families) {
    const names = new Set<string>();
    for (const s of f.samples) for (let i = 0; i < s.labels.flat.length; i += 2) names.add(s.labels.flat[i]);
    out.set(f.name, { type: f.type, help: f.help ?? '', labels: [...names].sort().join(',') });
  }
  return out;
}

function differences(peer: readonly MetricFamily[], ours: readonly MetricFamily[]): string[] {
  const a = shape(peer);
  const b = shape(ours);
  const diffs: string[] = [];
  for (const [name, p] of a) {
    const o = b.get(name);
    if (!o) {
      diffs.push(`missing family ${name}`);
      continue;
    }
    if (o.type !== p.type) diffs.push(`type ${name}: node_exporter ${p.type}, vigil ${o.type}`);
    if (o.help !== p.help) diffs.push(`help ${name}: node_exporter ${JSON.stringify(p.help)}, vigil ${JSON.stringify(o.help)}`);
    if (o.labels !== p.labels) diffs.push(`labels ${name}: node_exporter {${p.labels}}, vigil {${o.labels}}`);
  }
  for (const name of b.keys()) if (!a.has(name)) diffs.push(`extra family ${name}`);
  return diffs;
}

function unexplained(diffs: readonly string[]): string[] {
  return diffs.filter((d) => !ALLOWED.some(([re]) => re.test(d)));
}

test('fixture tree: node_exporter 1.5 and Vigil expose the same series with the same values', async () => {
  const tf = tempDir('vigil-ne-textfile-');
  const procs: RunningProcess[] = [];
  let ours: Awaited<ReturnType<typeof startOurs>> | undefined;
  try {
    mkdirSync(join(tf.path, 'sub'));
    writeFileSync(join(tf.path, 'jobs.prom'), '# HELP job_last_run_seconds Last run.\n# TYPE job_last_run_seconds gauge\njob_last_run_seconds{job="a"} 1.7e+09\njob_last_run_seconds{job="b"} 1.6e+09\nraid_degraded 0\n# TYPE q summary\nq{quantile="0.5"} 1\nq_sum 3\nq_count 2\n');
    writeFileSync(join(tf.path, 'broken.prom'), 'x{ 1\n');
    writeFileSync(join(tf.path, 'twotypes.prom'), '# TYPE twice gauge\n# TYPE twice gauge\ntwice 1\n');
    writeFileSync(join(tf.path, 'latetype.prom'), 'late 1\n# TYPE late gauge\n');
    writeFileSync(join(tf.path, 'sub.prom'), 'sub_a{x="1"} 1\nsub_a{y="2"} 2\n');
    const paths = {
      procfs: join(TESTDATA, 'proc'), sysfs: join(TESTDATA, 'sys'), rootfs: join(TESTDATA, 'rootfs'), udev: join(TESTDATA, 'udev'),
    };
    const peer = await startPeer(peerArgs([
      `--path.procfs=${paths.procfs}`, `--path.sysfs=${paths.sysfs}`, `--path.rootfs=${paths.rootfs}`, `--path.udev.data=${paths.udev}`,
      `--collector.filesystem.mount-points-exclude=${UPSTREAM_MOUNT_EXCLUDE}`, '--collector.netdev.device-exclude=',
      '--no-collector.netdev.netlink', `--collector.textfile.directory=${tf.path}`, '--web.disable-exporter-metrics',
    ]));
    procs.push(peer.proc);
    ours = await startOurs({
      procfs: paths.procfs, sysfs: paths.sysfs, rootfs: paths.rootfs, udevData: paths.udev,
      netdevNetlink: false, textfileDirectory: tf.path, disableExporterMetrics: true,
    });
    const peerFamilies = parseText(await scrapeText(peer.url));
    const ourFamilies = parseText(await scrapeText(ours.url));

    // The build info differs as explained; uname comes from the syscall in node_exporter (the live
    // machine) and from procfs in Vigil (the fixture), so it is compared on the live machine instead.
    const diffs = unexplained(differences(peerFamilies, ourFamilies));
    assert.deepEqual(diffs, []);

    const volatile = [
      /^node_scrape_collector_duration_seconds\{/,
      /^node_time_seconds\{/,
      // Statfs of the real disk under testdata/rootfs: free space moves between the two scrapes.
      /^node_filesystem_(avail_bytes|free_bytes|files_free)\{device="\/dev\/vda",fstype="ext4",mountpoint="\/"\}$/,
    ];
    // Whose label values name the program or the machine (not the fixture): compared by name only.
    const identity = /^node_exporter_build_info\{|^node_uname_info\{/;
    const a = seriesValues(peerFamilies);
    const b = seriesValues(ourFamilies);
    const mismatches: string[] = [];
    for (const [key, v] of a) {
      if (identity.test(key)) continue;
      if (!b.has(key)) mismatches.push(`missing ${key}`);
      else if (!volatile.some((re) => re.test(key)) && !Object.is(b.get(key), v)) mismatches.push(`${key}: node_exporter ${v}, vigil ${b.get(key)}`);
    }
    for (const key of b.keys()) if (!a.has(key) && !identity.test(key)) mismatches.push(`extra ${key}`);
    assert.deepEqual(mismatches, []);
    // The fixture really exercised every collector: all succeed in both (textfile flags the broken file).
    for (const c of COLLECTORS) {
      assert.equal(valueOf(peerFamilies, 'node_scrape_collector_success', { collector: c }), 1, `node_exporter ${c}`);
    }
    assert.equal(valueOf(ourFamilies, 'node_textfile_scrape_error'), 1);
    assert.ok(ourFamilies.some((f) => f.name === 'node_hwmon_temp_celsius'));
  } finally {
    await ours?.server.close();
    await Promise.all(procs.map((p) => p.stop()));
    tf.cleanup();
  }
});

test('live machine: same metric names, label names, types and help; stable values agree; promtool accepts', async () => {
  const tf = tempDir('vigil-ne-textfile-');
  const procs: RunningProcess[] = [];
  let ours: Awaited<ReturnType<typeof startOurs>> | undefined;
  try {
    writeFileSync(join(tf.path, 'role.prom'), '# HELP machine_role Role of this machine.\n# TYPE machine_role gauge\nmachine_role{role="test"} 1\n');
    const common = [
      `--collector.filesystem.mount-points-exclude=${DEBIAN_MOUNT_EXCLUDE}`, '--collector.netdev.device-exclude=^lo$',
      `--collector.textfile.directory=${tf.path}`, '--collector.netdev.address-info',
    ];
    const peer = await startPeer(peerArgs(common));
    procs.push(peer.proc);
    ours = await startOurs({ mountPointsExclude: DEBIAN_MOUNT_EXCLUDE, netdevDeviceExclude: '^lo$', textfileDirectory: tf.path, netdevAddressInfo: true });
    // Scrape both twice; compare the second scrapes (the first of each warms caches and counters).
    await scrapeText(peer.url);
    await scrapeText(ours.url);
    const peerText = await scrapeText(peer.url);
    const ourText = await scrapeText(ours.url);
    const peerFamilies = parseText(peerText);
    const ourFamilies = parseText(ourText);

    const diffs = differences(peerFamilies, ourFamilies);
    if (process.env.VIGIL_SHOW_DIFFERENCES === '1') console.log(diffs.join('\n'));
    const bad = unexplained(diffs);
    assert.deepEqual(bad, [], `differences not on the allow-list:\n${bad.join('\n')}\n(all differences:\n${diffs.join('\n')})`);

    // Values that do not move between two scrapes a moment apart.
    const stable: Array<[string, Record<string, string>?]> = [
      ['node_memory_MemTotal_bytes'],
      ['node_boot_time_seconds'],
      ['node_filefd_maximum'],
      ['node_entropy_pool_size_bits'],
      ['machine_role', { role: 'test' }],
      ['node_textfile_scrape_error'],
    ];
    if (peerFamilies.some((f) => f.name === 'node_nf_conntrack_entries_limit')) stable.push(['node_nf_conntrack_entries_limit']);
    for (const [name, labels] of stable) {
      const want = valueOf(peerFamilies, name, labels);
      assert.notEqual(want, undefined, `node_exporter has ${name}`);
      assert.equal(valueOf(ourFamilies, name, labels), want, name);
    }
    // Filesystems: the same mounts, the same sizes and inode counts.
    for (const name of ['node_filesystem_size_bytes', 'node_filesystem_files', 'node_filesystem_readonly', 'node_filesystem_device_error']) {
      const p = peerFamilies.find((f) => f.name === name)!.samples.map((s) => `${seriesKey(s.name, s.labels.flat)} ${s.value}`);
      const o = ourFamilies.find((f) => f.name === name)!.samples.map((s) => `${seriesKey(s.name, s.labels.flat)} ${s.value}`);
      assert.deepEqual(o, p, name);
    }
    // The same CPUs and modes, the same devices.
    for (const [name, label] of [['node_cpu_seconds_total', 'cpu'], ['node_disk_reads_completed_total', 'device'], ['node_network_receive_bytes_total', 'device']] as const) {
      const set = (fs: readonly MetricFamily[]) => [...new Set(fs.find((f) => f.name === name)?.samples.map((s) => s.labels.get(label)))].sort();
      assert.deepEqual(set(ourFamilies), set(peerFamilies), name);
    }
    // Labels from uname, os-release and the time zone (Go reads tzdata itself).
    for (const name of ['node_uname_info', 'node_os_info', 'node_os_version', 'node_time_zone_offset_seconds', 'node_time_clocksource_current_info', 'node_network_address_info']) {
      const series = (fs: readonly MetricFamily[]) => fs.find((f) => f.name === name)!.samples.map((s) => `${seriesKey(s.name, s.labels.flat)} ${s.value}`);
      assert.deepEqual(series(ourFamilies), series(peerFamilies), name);
    }
    // Collectors that fail on this machine fail in both (e.g. hwmon without /sys/class/hwmon).
    for (const c of COLLECTORS) {
      assert.equal(
        valueOf(ourFamilies, 'node_scrape_collector_success', { collector: c }),
        valueOf(peerFamilies, 'node_scrape_collector_success', { collector: c }),
        `success of ${c}`,
      );
    }

    // promtool: no parse error, and no lint finding node_exporter's own output does not have too.
    const promtool = requireProgram('promtool', 'prometheus');
    const lint = (text: string) => {
      const r = runProgram(promtool, ['check', 'metrics'], text);
      assert.ok(r.status === 0 || r.status === 3, `promtool check metrics exit ${r.status}: ${r.stdout}${r.stderr}`);
      return (r.stdout + r.stderr).split('\n').filter((l) => l.trim() !== '');
    };
    const peerLint = new Set(lint(peerText));
    const ourLint = lint(ourText).filter((l) => !peerLint.has(l) && !/^nodejs_/.test(l));
    assert.deepEqual(ourLint, []);
  } finally {
    await ours?.server.close();
    await Promise.all(procs.map((p) => p.stop()));
    tf.cleanup();
  }
});

test("Debian's prometheus scrapes Vigil's exporter: target up, series stored", async () => {
  const dir = tempDir('vigil-ne-prom-');
  let ours: Awaited<ReturnType<typeof startOurs>> | undefined;
  let prom: PrometheusPeer | undefined;
  try {
    ours = await startOurs({ mountPointsExclude: DEBIAN_MOUNT_EXCLUDE });
    const target = `127.0.0.1:${ours.server.addresses[0].port}`;
    prom = await startPrometheus(
      dir.path,
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: vigil-node\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const api = prom.url;
    const query = prom.query;
    const up = await eventually(async () => {
      const r = await query('up{job="vigil-node"}');
      return r.length === 1 && r[0].value[1] === '1' ? r : undefined;
    }, 30000, 'up{job="vigil-node"} == 1');
    assert.equal(up[0].metric.instance, target);
    const targets = (await (await fetch(`${api}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
    assert.equal(targets.data.activeTargets[0].health, 'up');
    assert.equal(targets.data.activeTargets[0].lastError, '');

    const ne = new NodeExporter({ collectors: ['cpu', 'meminfo'] });
    const { families } = await ne.gather();
    const cpuSeries = families.find((f) => f.name === 'node_cpu_seconds_total')!.samples.length;
    const counted = await query('count(node_cpu_seconds_total{job="vigil-node"})');
    assert.equal(Number(counted[0].value[1]), cpuSeries);
    const mem = await query('node_memory_MemTotal_bytes{job="vigil-node"}');
    assert.equal(Number(mem[0].value[1]), valueOf(families, 'node_memory_MemTotal_bytes'));
    const ok = await query('min(node_scrape_collector_success{job="vigil-node",collector=~"cpu|meminfo|filesystem|netdev|diskstats"})');
    assert.equal(ok[0].value[1], '1');
  } finally {
    await prom?.proc.stop();
    await ours?.server.close();
    dir.cleanup();
  }
});
