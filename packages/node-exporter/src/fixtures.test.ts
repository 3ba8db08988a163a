/**
 * Every collector against the fixture trees of /proc and /sys in testdata/ (made for these tests), through
 * --path.procfs / --path.sysfs / --path.rootfs, with exact expected output.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFamilies } from '@vigil/exposition';
import { NodeExporter } from './exporter.js';
import { COLLECTORS } from './collectors/index.js';
import { copyFixtures, fixtureOptions, TESTDATA, valueOf } from './test-helpers.js';

// The time zone label must not depend on the machine running the tests.
process.env.TZ = 'UTC';

const EXPECTED = join(TESTDATA, 'expected/fixture.prom');

/** Durations vary from run to run, the build info from machine to machine: mask them. */
function maskDurations(text: string): string {
  return text
    .replace(/^(node_scrape_collector_duration_seconds\{[^}]*\}) .*$/gm, '$1 <duration>')
    .replace(/^node_exporter_build_info\{.*$/gm, 'node_exporter_build_info{<this build>} 1');
}

test('fixture tree: the whole scrape matches the expected exposition byte for byte', async () => {
  const ne = new NodeExporter(fixtureOptions());
  const { families, outcomes } = await ne.gather();
  const text = maskDurations(writeFamilies(families, 'text'));
  if (process.env.VIGIL_UPDATE_GOLDEN === '1') writeFileSync(EXPECTED, text);
  assert.equal(text, readFileSync(EXPECTED, 'utf8'));
  // Every collector succeeds on the fixtures (the textfile collector has no directory: nothing to read).
  assert.deepEqual(outcomes.filter((o) => !o.success), []);
  assert.deepEqual(outcomes.map((o) => o.name).sort(), COLLECTORS.map((c) => c.name).sort());
});

test('fixture tree: selected values, checked by hand against the fixture files', async () => {
  const ne = new NodeExporter(fixtureOptions());
  const { families } = await ne.gather();
  const cases: Array<[string, Record<string, string>, number | undefined]> = [
    // /proc/stat: 2886 ticks of user time at USER_HZ 100.
    ['node_cpu_seconds_total', { cpu: '0', mode: 'user' }, 28.86],
    ['node_cpu_seconds_total', { cpu: '1', mode: 'system' }, 20.39],
    ['node_cpu_guest_seconds_total', { cpu: '0', mode: 'nice' }, 0.03],
    ['node_cpu_isolated', { cpu: '1' }, 1],
    ['node_cpu_core_throttles_total', { package: '0', core: '1' }, 7],
    ['node_cpu_package_throttles_total', { package: '0' }, 30],
    ['node_boot_time_seconds', {}, 1795638275],
    ['node_intr_total', {}, 336888],
    ['node_procs_running', {}, 3],
    // kB times 1024, "(anon)" spelled "_anon".
    ['node_memory_MemTotal_bytes', {}, 24684084 * 1024],
    ['node_memory_Active_anon_bytes', {}, 1576 * 1024],
    ['node_memory_HugePages_Total', {}, 0],
    ['node_load15', {}, 0.09],
    // Mount points: duplicates once, \040 decoded, excluded ones absent, failing statfs flagged.
    ['node_filesystem_size_bytes', { device: '/dev/vda', fstype: 'ext4', mountpoint: '/' }, 4096 * 66052044],
    ['node_filesystem_readonly', { device: '/dev/vdb', fstype: 'xfs', mountpoint: '/srv/data' }, 1],
    ['node_filesystem_avail_bytes', { device: '/dev/vdc', fstype: 'vfat', mountpoint: '/media/My Disk' }, 512 * 1000000],
    ['node_filesystem_device_error', { device: 'nfs.example:/export', fstype: 'nfs4', mountpoint: '/mnt/nfs' }, 1],
    ['node_filesystem_size_bytes', { device: 'nfs.example:/export', fstype: 'nfs4', mountpoint: '/mnt/nfs' }, undefined],
    ['node_filesystem_device_error', { device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run/credentials/systemd-sysctl.service' }, undefined],
    ['node_filesystem_device_error', { device: 'cgroup2', fstype: 'cgroup2', mountpoint: '/sys/fs/cgroup' }, undefined],
    // Sectors of 512 bytes, milliseconds; loop0 and the partition vda1 excluded by default.
    ['node_disk_read_bytes_total', { device: 'vda' }, 2712460 * 512],
    ['node_disk_io_time_weighted_seconds_total', { device: 'vda' }, 57.842],
    ['node_disk_flush_requests_total', { device: 'vda' }, 3829],
    ['node_disk_flush_requests_total', { device: 'sda' }, undefined],
    ['node_disk_reads_completed_total', { device: 'loop0' }, undefined],
    ['node_disk_reads_completed_total', { device: 'vda1' }, undefined],
    ['node_disk_ata_write_cache', { device: 'sda' }, 1],
    ['node_disk_info', { device: 'sda', major: '8', minor: '0', model: 'TEST_SSD', path: 'pci-0000:00:1f.2-ata-1', revision: '1.0', serial: '123', wwn: '0x5000000000000001' }, 1],
    ['node_network_receive_drop_total', { device: 'eth0' }, 2],
    ['node_network_transmit_carrier_total', { device: 'eth0' }, 11],
    ['node_network_receive_nohandler_total', { device: 'eth0' }, 7],
    ['node_netstat_Tcp_CurrEstab', {}, 2],
    ['node_netstat_IpExt_InOctets', {}, 273128191],
    ['node_netstat_TcpExt_TCPOFOQueue', {}, undefined],
    ['node_netstat_Ip6_InOctets', {}, 128],
    ['node_sockstat_sockets_used', {}, 26],
    ['node_sockstat_TCP_mem_bytes', {}, 198 * 4096],
    ['node_sockstat_TCP6_inuse', {}, 2],
    ['node_vmstat_pgfault', {}, 6169269],
    ['node_vmstat_nr_free_pages', {}, undefined],
    ['node_filefd_maximum', {}, 2466170],
    ['node_pressure_io_stalled_seconds_total', {}, 3.143801],
    ['node_entropy_available_bits', {}, 256],
    // Per-CPU rows summed, hexadecimal: 0x10 + 0x01.
    ['node_nf_conntrack_stat_found', {}, 17],
    ['node_nf_conntrack_stat_search_restart', {}, 15],
    ['node_nf_conntrack_entries_limit', {}, 262144],
    ['node_os_version', { id: 'debian', name: 'Debian GNU/Linux' }, 12],
    ['node_time_seconds', {}, 1700000000.1235],
    ['node_time_zone_offset_seconds', { time_zone: 'UTC' }, 0],
    ['node_time_clocksource_available_info', { device: '0', clocksource: 'hpet' }, 1],
    ['node_uname_info', { sysname: 'Linux', release: '6.1.0-test', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-1 (2023-01-01)', machine: 'x86_64', nodename: 'fixture-host', domainname: '(none)' }, 1],
    ['node_hwmon_temp_celsius', { chip: 'platform_coretemp_0', sensor: 'temp1' }, 55],
    ['node_hwmon_sensor_label', { chip: 'platform_coretemp_0', sensor: 'temp1', label: 'Package id 0' }, 1],
    ['node_hwmon_chip_names', { chip: 'acpitz', chip_name: 'acpitz' }, 1],
    ['node_hwmon_fan_rpm', { chip: 'acpitz', sensor: 'fan1' }, 1200],
    ['node_hwmon_in_volts', { chip: 'acpitz', sensor: 'in0' }, 1.05],
    ['node_hwmon_power_average_watt', { chip: 'acpitz', sensor: 'power1' }, 15],
    ['node_hwmon_energy_joule_total', { chip: 'acpitz', sensor: 'energy1' }, 123.456789],
    ['node_textfile_scrape_error', {}, 0],
  ];
  for (const [name, labels, want] of cases) {
    assert.equal(valueOf(families, name, labels), want, `${name}${JSON.stringify(labels)}`);
  }
});

test('fixture tree: types and help texts are node_exporter 1.5 ones', async () => {
  const ne = new NodeExporter(fixtureOptions());
  const { families } = await ne.gather();
  const byName = new Map(families.map((f) => [f.name, f]));
  const cases: Array<[string, string, string]> = [
    ['node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.'],
    ['node_memory_MemTotal_bytes', 'gauge', 'Memory information field MemTotal_bytes.'],
    ['node_netstat_Tcp_InSegs', 'unknown', 'Statistic TcpInSegs.'],
    ['node_vmstat_pgpgin', 'unknown', '/proc/vmstat information field pgpgin.'],
    ['node_disk_flush_requests_total', 'counter', 'The total number of flush requests completed successfully'],
    ['node_pressure_cpu_waiting_seconds_total', 'counter', 'Total time in seconds that processes have waited for CPU time'],
    ['node_scrape_collector_success', 'gauge', 'node_exporter: Whether a collector succeeded.'],
    ['node_textfile_scrape_error', 'gauge', '1 if there was an error opening or reading a file, 0 otherwise'],
    ['node_hwmon_energy_joule_total', 'counter', 'Hardware monitor for joules used so far (input)'],
  ];
  for (const [name, type, help] of cases) {
    const f = byName.get(name);
    assert.ok(f, `${name} missing`);
    assert.equal(f.type, type, `${name} type`);
    assert.equal(f.help, help, `${name} help`);
  }
  // Sorted by name, series by label values (as client_golang orders them).
  const names = families.map((f) => f.name);
  assert.deepEqual(names, [...names].sort());
});

test('collector options: softirq, cpu info, guest off, include filters, netlink off', async () => {
  const ne = new NodeExporter(
    fixtureOptions(undefined, {
      collectors: ['cpu', 'stat', 'netdev', 'diskstats'],
      statSoftirq: true,
      cpuGuest: false,
      cpuFlagsInclude: '^(avx2|tsc)$',
      cpuBugsInclude: 'spectre_v2',
      netdevDeviceInclude: '^eth',
      netdevNetlink: false,
      diskstatsDeviceInclude: '^vda1$',
    }),
  );
  const { families } = await ne.gather();
  const names = new Set(families.map((f) => f.name));
  assert.equal(valueOf(families, 'node_softirqs_total', { vector: 'net_rx' }), 4);
  assert.equal(valueOf(families, 'node_softirqs_total', { vector: 'rcu' }), 10);
  assert.ok(!names.has('node_cpu_guest_seconds_total'));
  // --collector.cpu.info.flags-include turns cpu info on.
  assert.equal(
    valueOf(families, 'node_cpu_info', {
      package: '0', core: '1', cpu: '1', vendor: 'GenuineIntel', family: '6', model: '85',
      model_name: 'Intel(R) Xeon(R) Test CPU @ 2.00GHz', microcode: '0x5003006', stepping: '7', cachesize: '36608 KB',
    }),
    1,
  );
  assert.deepEqual(families.find((f) => f.name === 'node_cpu_flag_info')!.samples.map((s) => s.labels.get('flag')), ['avx2', 'tsc']);
  assert.deepEqual(families.find((f) => f.name === 'node_cpu_bug_info')!.samples.map((s) => s.labels.get('bug')), ['spectre_v2']);
  assert.deepEqual(families.find((f) => f.name === 'node_network_receive_bytes_total')!.samples.map((s) => s.labels.get('device')), ['eth0']);
  assert.ok(!names.has('node_network_receive_nohandler_total'));
  // An include pattern given alone replaces the default exclusion of partitions.
  assert.deepEqual(families.find((f) => f.name === 'node_disk_reads_completed_total')!.samples.map((s) => s.labels.get('device')), ['vda1']);
});

test('configuration errors name the flag', () => {
  const cases: Array<[Parameters<typeof fixtureOptions>[1], RegExp]> = [
    [{ netdevDeviceExclude: '^lo$', netdevDeviceInclude: '^eth' }, /--collector\.netdev\.device-exclude and --collector\.netdev\.device-include are mutually exclusive/],
    [{ mountPointsExclude: '(' }, /invalid regular expression "\(" for --collector\.filesystem\.mount-points-exclude/],
    [{ vmstatFields: '[' }, /--collector\.vmstat\.fields/],
    [{ collectors: ['cpu', 'nosuch'] }, /unknown collector "nosuch"/],
    [{ collectorTimeoutMs: 0 }, /--collector\.timeout must be positive/],
  ];
  for (const [extra, msg] of cases) {
    assert.throws(() => new NodeExporter(fixtureOptions(undefined, extra)), msg);
  }
});

test('malformed or missing files fail their collector only, with a message naming the file', async () => {
  const dir = copyFixtures();
  try {
    writeFileSync(join(dir.path, 'proc/meminfo'), 'MemTotal: 12 kB\nGarbage line with too many fields here\n');
    writeFileSync(join(dir.path, 'proc/loadavg'), '0.5\n');
    rmSync(join(dir.path, 'proc/net/dev'));
    writeFileSync(join(dir.path, 'proc/net/stat/nf_conntrack'), 'entries found\n0000000c zz\n');
    rmSync(join(dir.path, 'proc/pressure'), { recursive: true });
    const logs: string[] = [];
    const ne = new NodeExporter(fixtureOptions(dir.path, { log: (level, msg, f) => logs.push(`${level} ${msg} ${JSON.stringify(f)}`) }));
    const { families, outcomes } = await ne.gather();
    const failed = new Map(outcomes.filter((o) => !o.success).map((o) => [o.name, o.reason ?? '']));
    assert.deepEqual([...failed.keys()].sort(), ['conntrack', 'loadavg', 'meminfo', 'netdev', 'pressure']);
    assert.match(failed.get('meminfo')!, /invalid line in meminfo: "Garbage line/);
    assert.match(failed.get('loadavg')!, /unexpected content in .*proc\/loadavg/);
    assert.match(failed.get('netdev')!, /couldn't get netstats: ENOENT.*proc\/net\/dev/);
    assert.match(failed.get('conntrack')!, /invalid conntrackstat value "zz"/);
    // No PSI in the kernel: "no data", logged at debug level only.
    assert.match(failed.get('pressure')!, /no data/);
    assert.ok(logs.some((l) => l.startsWith('debug collector returned no data') && l.includes('pressure')));
    assert.ok(logs.some((l) => l.startsWith('error collector failed') && l.includes('meminfo')));
    // What conntrack sent before its error is still served, as node_exporter does.
    assert.equal(valueOf(families, 'node_nf_conntrack_entries'), 12);
    // Everything else is served.
    assert.equal(valueOf(families, 'node_cpu_seconds_total', { cpu: '0', mode: 'user' }), 28.86);
    assert.equal(valueOf(families, 'node_scrape_collector_success', { collector: 'meminfo' }), 0);
    assert.equal(valueOf(families, 'node_scrape_collector_success', { collector: 'vmstat' }), 1);
  } finally {
    dir.cleanup();
  }
});

test('cpu: counters never go backwards; an idle drop of 3s or more (CPU hotplug) starts the CPU over', async () => {
  const dir = copyFixtures();
  try {
    const stat = (user0: number, idle0: number) =>
      `cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 ${user0} 0 0 ${idle0} 0 0 0 0 0 0\ncpu1 100 0 0 100 0 0 0 0 0 0\nbtime 1\n`;
    const path = join(dir.path, 'proc/stat');
    const ne = new NodeExporter(fixtureOptions(dir.path, { collectors: ['cpu'] }));
    const user = async () => valueOf((await ne.gather()).families, 'node_cpu_seconds_total', { cpu: '0', mode: 'user' });
    writeFileSync(path, stat(500, 10000));
    assert.equal(await user(), 5);
    writeFileSync(path, stat(400, 10100)); // user went back: keep 5
    assert.equal(await user(), 5);
    writeFileSync(path, stat(600, 10200));
    assert.equal(await user(), 6);
    writeFileSync(path, stat(50, 9000)); // idle back by 12s: reset
    assert.equal(await user(), 0.5);
  } finally {
    dir.cleanup();
  }
});

test('filesystem: --path.rootfs is stripped from mount points and prefixed for statfs', async () => {
  const dir = copyFixtures();
  try {
    const root = join(dir.path, 'rootfs');
    writeFileSync(join(dir.path, 'proc/1/mounts'), `/dev/vda ${root} ext4 rw 0 0\n/dev/vdb ${root}/srv/data xfs ro 0 0\n`);
    const seen: string[] = [];
    const statfs = fixtureOptions(dir.path).statfs!;
    const ne = new NodeExporter(fixtureOptions(dir.path, { collectors: ['filesystem'], statfs: (p) => (seen.push(p), statfs(p)) }));
    const { families } = await ne.gather();
    assert.deepEqual(seen.sort(), [root, join(root, 'srv/data')]);
    assert.deepEqual(
      families.find((f) => f.name === 'node_filesystem_size_bytes')!.samples.map((s) => s.labels.get('mountpoint')),
      ['/', '/srv/data'],
    );
  } finally {
    dir.cleanup();
  }
});

test('filesystem: falls back to /proc/mounts when /proc/1 is hidden', async () => {
  const dir = copyFixtures();
  try {
    rmSync(join(dir.path, 'proc/1'), { recursive: true });
    writeFileSync(join(dir.path, 'proc/mounts'), '/dev/vda / ext4 rw 0 0\n');
    const ne = new NodeExporter(fixtureOptions(dir.path, { collectors: ['filesystem'] }));
    const { families } = await ne.gather();
    assert.equal(valueOf(families, 'node_filesystem_files', { device: '/dev/vda', fstype: 'ext4', mountpoint: '/' }), 16777216);
  } finally {
    dir.cleanup();
  }
});

test('os: os-release is re-read when it changes, /usr/lib/os-release is the fallback', async () => {
  const dir = copyFixtures();
  try {
    const etc = join(dir.path, 'rootfs/etc/os-release');
    const ne = new NodeExporter(fixtureOptions(dir.path, { collectors: ['os'] }));
    assert.equal(valueOf((await ne.gather()).families, 'node_os_version', { id: 'debian', name: 'Debian GNU/Linux' }), 12);
    writeFileSync(etc, "NAME='Fedora Linux'\nID=fedora\nVERSION_ID=39.1\nVARIANT=\"Server \\\"Edition\\\"\"   # trailing comment\nexport BUILD_ID=  \n");
    utimesSync(etc, 1000, 1000);
    const f = (await ne.gather()).families;
    assert.equal(valueOf(f, 'node_os_version', { id: 'fedora', name: 'Fedora Linux' }), 39.1);
    assert.equal(valueOf(f, 'node_os_info', { id: 'fedora', name: 'Fedora Linux', variant: 'Server "Edition"', version_id: '39.1' }), 1);
    rmSync(etc);
    mkdirSync(join(dir.path, 'rootfs/usr/lib'), { recursive: true });
    writeFileSync(join(dir.path, 'rootfs/usr/lib/os-release'), 'ID=arch\nNAME="Arch Linux"\n');
    const g = (await ne.gather()).families;
    assert.equal(valueOf(g, 'node_os_info', { id: 'arch', name: 'Arch Linux' }), 1);
    // No VERSION_ID: no node_os_version.
    assert.equal(g.find((x) => x.name === 'node_os_version'), undefined);
    rmSync(join(dir.path, 'rootfs/usr/lib/os-release'));
    const h = await ne.gather();
    assert.equal(h.outcomes[0].success, false);
  } finally {
    dir.cleanup();
  }
});

test('hwmon: a chip without a device link or name file is named after its directory', async () => {
  const dir = copyFixtures();
  try {
    const chip = join(dir.path, 'sys/devices/virtual/hwmon/hwmon7');
    mkdirSync(chip, { recursive: true });
    writeFileSync(join(chip, 'temp3_input'), '-5500\n');
    writeFileSync(join(chip, 'temp3_max'), 'not a number\n');
    symlinkSync('../../devices/virtual/hwmon/hwmon7', join(dir.path, 'sys/class/hwmon/hwmon7'));
    const ne = new NodeExporter(fixtureOptions(dir.path, { collectors: ['hwmon'] }));
    const { families } = await ne.gather();
    assert.equal(valueOf(families, 'node_hwmon_temp_celsius', { chip: 'hwmon7', sensor: 'temp3' }), -5.5);
    assert.equal(valueOf(families, 'node_hwmon_temp_max_celsius', { chip: 'hwmon7', sensor: 'temp3' }), undefined);
  } finally {
    dir.cleanup();
  }
});

test('textfile: .prom files are served, broken or timestamped files flagged and skipped whole', async () => {
  const dir = copyFixtures();
  try {
    const tf = join(dir.path, 'textfile');
    mkdirSync(tf, { recursive: true });
    writeFileSync(join(tf, 'backup.prom'), '# HELP backup_last_success_seconds Last successful backup.\n# TYPE backup_last_success_seconds gauge\nbackup_last_success_seconds{job="db"} 1.7e+09\n');
    writeFileSync(join(tf, 'nohelp.prom'), 'apt_upgrades_pending{origin="Debian"} 3\n# TYPE req_seconds histogram\nreq_seconds_bucket{le="0.5"} 1\nreq_seconds_bucket{le="+Inf"} 2\nreq_seconds_sum 0.7\nreq_seconds_count 2\n');
    writeFileSync(join(tf, 'broken.prom'), 'ok_metric 1\nbroken{ 1\n');
    writeFileSync(join(tf, 'stamped.prom'), 'stamped_metric 1 1700000000000\n');
    // Rejected by node_exporter's parser, though Prometheus's would take them.
    writeFileSync(join(tf, 'twotypes.prom'), '# TYPE twice gauge\n# TYPE twice gauge\ntwice 1\n');
    writeFileSync(join(tf, 'latetype.prom'), 'late 1\n# TYPE late gauge\n');
    writeFileSync(join(tf, 'twohelps.prom'), '# HELP helped a\n# HELP helped b\nhelped 1\n');
    writeFileSync(join(tf, 'notes.txt'), 'not a metric file\n');
    utimesSync(join(tf, 'backup.prom'), 1600000000, 1600000000.9);
    utimesSync(join(tf, 'nohelp.prom'), 1600000100, 1600000100);
    const ne = new NodeExporter(fixtureOptions(dir.path, { collectors: ['textfile'], textfileDirectory: tf }));
    const { families, outcomes } = await ne.gather();
    assert.equal(outcomes[0].success, true);
    const text = writeFamilies(families, 'text');
    const expected = [
      '# HELP apt_upgrades_pending Metric read from ' + join(tf, 'nohelp.prom'),
      '# TYPE apt_upgrades_pending untyped',
      'apt_upgrades_pending{origin="Debian"} 3',
      '# HELP backup_last_success_seconds Last successful backup.',
      '# TYPE backup_last_success_seconds gauge',
      'backup_last_success_seconds{job="db"} 1.7e+09',
    ].join('\n');
    assert.ok(text.startsWith(expected + '\n'), text);
    assert.ok(text.includes(`# TYPE req_seconds histogram\nreq_seconds_bucket{le="0.5"} 1\nreq_seconds_bucket{le="+Inf"} 2\nreq_seconds_sum 0.7\nreq_seconds_count 2\n`));
    // Whole seconds of the modification time, for the files that were read.
    assert.ok(text.includes(`node_textfile_mtime_seconds{file="${join(tf, 'backup.prom')}"} 1.6e+09\nnode_textfile_mtime_seconds{file="${join(tf, 'nohelp.prom')}"} 1.6000001e+09\n`));
    assert.equal(valueOf(families, 'node_textfile_scrape_error'), 1);
    for (const skipped of ['ok_metric', 'stamped_metric', 'twice', 'late', 'helped']) assert.equal(families.find((f) => f.name === skipped), undefined, skipped);
    // A missing directory is an error too; a directory glob reads every match.
    const missing = new NodeExporter(fixtureOptions(dir.path, { collectors: ['textfile'], textfileDirectory: join(dir.path, 'nope') }));
    assert.equal(valueOf((await missing.gather()).families, 'node_textfile_scrape_error'), 1);
    const glob = new NodeExporter(fixtureOptions(dir.path, { collectors: ['textfile'], textfileDirectory: join(dir.path, 'text*') }));
    assert.equal(valueOf((await glob.gather()).families, 'backup_last_success_seconds', { job: 'db' }), 1.7e9);
  } finally {
    dir.cleanup();
  }
});
