/** Every collector this exporter implements, and the names of node_exporter's other Linux collectors. */
import type { CollectorDefinition } from '../collector.js';
import { conntrackCollector } from './conntrack.js';
import { cpuCollector } from './cpu.js';
import { diskstatsCollector } from './diskstats.js';
import { entropyCollector } from './entropy.js';
import { filefdCollector } from './filefd.js';
import { filesystemCollector } from './filesystem.js';
import { hwmonCollector } from './hwmon.js';
import { loadavgCollector } from './loadavg.js';
import { meminfoCollector } from './meminfo.js';
import { netdevCollector } from './netdev.js';
import { netstatCollector } from './netstat.js';
import { osCollector } from './os.js';
import { pressureCollector } from './pressure.js';
import { sockstatCollector } from './sockstat.js';
import { statCollector } from './stat.js';
import { textfileCollector } from './textfile.js';
import { timeCollector } from './time.js';
import { unameCollector } from './uname.js';
import { vmstatCollector } from './vmstat.js';

export const COLLECTORS: readonly CollectorDefinition[] = [
  conntrackCollector,
  cpuCollector,
  diskstatsCollector,
  entropyCollector,
  filefdCollector,
  filesystemCollector,
  hwmonCollector,
  loadavgCollector,
  meminfoCollector,
  netdevCollector,
  netstatCollector,
  osCollector,
  pressureCollector,
  sockstatCollector,
  statCollector,
  textfileCollector,
  timeCollector,
  unameCollector,
  vmstatCollector,
];

/**
 * node_exporter 1.5's other Linux collectors, with their default state upstream. Their flags are accepted
 * so that existing command lines keep working; enabling one explicitly is reported as not implemented.
 */
export const UNIMPLEMENTED_COLLECTORS: ReadonlyArray<readonly [name: string, defaultEnabled: boolean]> = [
  ['arp', true], ['bcache', true], ['bonding', true], ['btrfs', true], ['buddyinfo', false], ['cgroups', false],
  ['cpufreq', true], ['dmi', true], ['drbd', false], ['drm', false], ['edac', true], ['ethtool', false],
  ['fibrechannel', true], ['infiniband', true], ['interrupts', false], ['ipvs', true], ['ksmd', false],
  ['lnstat', false], ['logind', false], ['mdadm', true], ['meminfo_numa', false], ['mountstats', false],
  ['netclass', true], ['network_route', false], ['nfs', true], ['nfsd', true], ['ntp', false], ['nvme', true],
  ['perf', false], ['powersupplyclass', true], ['processes', false], ['qdisc', false], ['rapl', true],
  ['runit', false], ['schedstat', true], ['selinux', true], ['slabinfo', false], ['softnet', true],
  ['supervisord', false], ['sysctl', false], ['systemd', false], ['tapestats', true], ['tcpstat', false],
  ['thermal_zone', true], ['timex', true], ['udp_queues', true], ['wifi', false], ['xfs', true], ['zfs', true],
  ['zoneinfo', false],
];
