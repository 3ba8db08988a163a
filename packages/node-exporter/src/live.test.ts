/** The default collectors against the machine running the tests, checked against what the OS says. */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { hostname, machine, release } from 'node:os';
import { test } from 'node:test';
import { parseFamilies, writeFamilies } from '@vigil/exposition';
import { NodeExporter } from './exporter.js';
import { valueOf } from './test-helpers.js';

test('live machine: values agree with /proc, statfs and uname', async () => {
  const ne = new NodeExporter({ version: '0.1.0' });
  const { families, outcomes } = await ne.gather();
  const byName = new Map(families.map((f) => [f.name, f]));

  const must = ['cpu', 'meminfo', 'loadavg', 'stat', 'filesystem', 'diskstats', 'netdev', 'netstat', 'sockstat', 'vmstat', 'filefd', 'uname', 'os', 'time', 'entropy', 'textfile'];
  if (existsSync('/proc/pressure/cpu')) must.push('pressure');
  if (existsSync('/proc/sys/net/netfilter/nf_conntrack_count')) must.push('conntrack');
  if (existsSync('/sys/class/hwmon')) must.push('hwmon');
  const failed = outcomes.filter((o) => !o.success && must.includes(o.name));
  assert.deepEqual(failed, []);

  const procStat = readFileSync('/proc/stat', 'latin1');
  const cpus = procStat.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  const cpuLabels = new Set(byName.get('node_cpu_seconds_total')!.samples.map((s) => s.labels.get('cpu')));
  assert.equal(cpuLabels.size, cpus);
  assert.equal(byName.get('node_cpu_seconds_total')!.samples.length, cpus * 8);

  const memTotalKiB = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'latin1'))![1]);
  assert.equal(valueOf(families, 'node_memory_MemTotal_bytes'), memTotalKiB * 1024);
  assert.equal(valueOf(families, 'node_boot_time_seconds'), Number(/^btime (\d+)$/m.exec(procStat)![1]));

  const root = byName.get('node_filesystem_size_bytes')!.samples.find((s) => s.labels.get('mountpoint') === '/');
  assert.ok(root, 'the root filesystem is reported');
  const st = statfsSync('/');
  assert.equal(root.value, st.blocks * st.bsize);

  const uname = byName.get('node_uname_info')!.samples[0].labels;
  assert.equal(uname.get('nodename'), hostname());
  assert.equal(uname.get('release'), release());
  assert.equal(uname.get('machine'), machine());
  assert.equal(uname.get('sysname'), 'Linux');

  const now = valueOf(families, 'node_time_seconds')!;
  assert.ok(Math.abs(now - Date.now() / 1000) < 60, `node_time_seconds ${now}`);

  // Both formats come out parseable, OpenMetrics under the strict reading.
  assert.equal(parseFamilies(writeFamilies(families, 'text'), 'text').length, families.length);
  parseFamilies(writeFamilies(families, 'openmetrics'), 'openmetrics', { strict: true });
});

test('live machine: the exporter metrics describe this process', async () => {
  const ne = new NodeExporter({ collectors: ['loadavg'] });
  const { families } = await ne.gather();
  const rss = valueOf(families, 'process_resident_memory_bytes')!;
  const statusRss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'))![1]) * 1024;
  // Same process, read moments apart: within 20%.
  assert.ok(Math.abs(rss - statusRss) < statusRss * 0.2, `${rss} vs ${statusRss}`);
  const start = valueOf(families, 'process_start_time_seconds')!;
  const started = (performance.timeOrigin) / 1000;
  assert.ok(Math.abs(start - started) < 5, `${start} vs ${started}`);
  assert.ok(valueOf(families, 'process_open_fds')! > 0);
});
