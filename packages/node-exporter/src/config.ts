/**
 * The exporter's configuration: the options as given (strings, as typed on the command line) and the
 * typed, validated form every collector reads. Regular expressions are RE2 as node_exporter takes them,
 * unanchored (a match anywhere counts, as Go's `MatchString`).
 */
import { translateRegex, VigilError, errorMessage } from '@vigil/model';
import type { StatsFs } from 'node:fs';

/** node_exporter 1.5's defaults (upstream; Debian's package patches a few, e.g. `^lo$` for netdev). */
export const DEFAULTS = {
  mountPointsExclude: '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)',
  fsTypesExclude:
    '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$',
  diskstatsDeviceExclude: '^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$',
  netstatFields:
    '^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$',
  vmstatFields: '^(oom_kill|pgpg|pswp|pg.*fault).*',
  procfs: '/proc',
  sysfs: '/sys',
  rootfs: '/',
  udevData: '/run/udev/data',
  collectorTimeoutMs: 5000,
} as const;

/** The statfs the filesystem collector calls; replaceable so tests can make a mount hang. */
export type StatfsFunction = (path: string) => Promise<StatsFs>;

/** Options as given; undefined means "the default". */
export interface NodeExporterOptions {
  procfs?: string;
  sysfs?: string;
  rootfs?: string;
  udevData?: string;
  /** Milliseconds after which a collector still running is cut off (success 0). */
  collectorTimeoutMs?: number;
  mountPointsExclude?: string;
  fsTypesExclude?: string;
  /** Milliseconds after which a statfs still running marks its mount point stuck (default: the collector timeout). */
  mountTimeoutMs?: number;
  netdevDeviceExclude?: string;
  netdevDeviceInclude?: string;
  /** node_exporter reads netdev counters over netlink, which adds `receive_nohandler`; false reads /proc/net/dev only. */
  netdevNetlink?: boolean;
  netdevAddressInfo?: boolean;
  diskstatsDeviceExclude?: string;
  diskstatsDeviceInclude?: string;
  netstatFields?: string;
  vmstatFields?: string;
  cpuGuest?: boolean;
  cpuInfo?: boolean;
  cpuFlagsInclude?: string;
  cpuBugsInclude?: string;
  statSoftirq?: boolean;
  textfileDirectory?: string;
  statfs?: StatfsFunction;
  /** The clock, in milliseconds since the epoch (fractions allowed); tests fix it. */
  now?: () => number;
}

export interface DeviceFilter {
  readonly exclude?: RegExp;
  readonly include?: RegExp;
}

export interface NodeExporterConfig {
  readonly procfs: string;
  readonly sysfs: string;
  readonly rootfs: string;
  readonly udevData: string;
  readonly collectorTimeoutMs: number;
  readonly filesystem: {
    readonly mountPointsExclude: RegExp;
    readonly fsTypesExclude: RegExp;
    /** Unset: a mount is stuck once its statfs outlives the scrape (the collector timeout). */
    readonly mountTimeoutMs?: number;
    readonly statfs?: StatfsFunction;
  };
  readonly netdev: DeviceFilter & { readonly netlink: boolean; readonly addressInfo: boolean };
  readonly diskstats: DeviceFilter;
  readonly netstatFields: RegExp;
  readonly vmstatFields: RegExp;
  readonly cpu: { readonly guest: boolean; readonly info: boolean; readonly flagsInclude?: RegExp; readonly bugsInclude?: RegExp };
  readonly statSoftirq: boolean;
  readonly textfileDirectory: string;
  readonly now: () => number;
}

/** An RE2 pattern as a JavaScript RegExp, unanchored; `flag` names the option in the error. */
export function compileGoRegex(pattern: string, flag: string): RegExp {
  try {
    const t = translateRegex(pattern);
    // node_exporter's patterns use Go's defaults: `.` does not match a line feed.
    return new RegExp(t.source, t.flags.replace('s', ''));
  } catch (e) {
    throw new VigilError('bad_data', `invalid regular expression ${JSON.stringify(pattern)} for --${flag}: ${errorMessage(e)}`);
  }
}

export function deviceIgnored(f: DeviceFilter, name: string): boolean {
  return (f.exclude !== undefined && f.exclude.test(name)) || (f.include !== undefined && !f.include.test(name));
}

function deviceFilter(
  exclude: string | undefined,
  include: string | undefined,
  defaultExclude: string | undefined,
  what: string,
): DeviceFilter {
  if (exclude !== undefined && exclude !== '' && include !== undefined && include !== '') {
    throw new VigilError(
      'bad_data',
      `--collector.${what}.device-exclude and --collector.${what}.device-include are mutually exclusive`,
    );
  }
  // An include pattern given alone replaces the default exclusion (node_exporter 1.6 onwards; 1.5 refused it).
  const ex = exclude ?? (include ? undefined : defaultExclude);
  return {
    exclude: ex ? compileGoRegex(ex, `collector.${what}.device-exclude`) : undefined,
    include: include ? compileGoRegex(include, `collector.${what}.device-include`) : undefined,
  };
}

/** Wall-clock milliseconds with sub-millisecond precision. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export function resolveConfig(o: NodeExporterOptions = {}): NodeExporterConfig {
  const timeout = o.collectorTimeoutMs ?? DEFAULTS.collectorTimeoutMs;
  if (!(timeout > 0)) throw new VigilError('bad_data', `--collector.timeout must be positive, got ${timeout}ms`);
  const cpuInfoForced = !!(o.cpuFlagsInclude || o.cpuBugsInclude);
  return {
    procfs: o.procfs || DEFAULTS.procfs,
    sysfs: o.sysfs || DEFAULTS.sysfs,
    rootfs: o.rootfs || DEFAULTS.rootfs,
    udevData: o.udevData || DEFAULTS.udevData,
    collectorTimeoutMs: timeout,
    filesystem: {
      mountPointsExclude: compileGoRegex(o.mountPointsExclude ?? DEFAULTS.mountPointsExclude, 'collector.filesystem.mount-points-exclude'),
      fsTypesExclude: compileGoRegex(o.fsTypesExclude ?? DEFAULTS.fsTypesExclude, 'collector.filesystem.fs-types-exclude'),
      mountTimeoutMs: o.mountTimeoutMs,
      statfs: o.statfs,
    },
    netdev: {
      ...deviceFilter(o.netdevDeviceExclude, o.netdevDeviceInclude, undefined, 'netdev'),
      netlink: o.netdevNetlink ?? true,
      addressInfo: o.netdevAddressInfo ?? false,
    },
    diskstats: deviceFilter(o.diskstatsDeviceExclude, o.diskstatsDeviceInclude, DEFAULTS.diskstatsDeviceExclude, 'diskstats'),
    netstatFields: compileGoRegex(o.netstatFields ?? DEFAULTS.netstatFields, 'collector.netstat.fields'),
    vmstatFields: compileGoRegex(o.vmstatFields ?? DEFAULTS.vmstatFields, 'collector.vmstat.fields'),
    cpu: {
      guest: o.cpuGuest ?? true,
      info: (o.cpuInfo ?? false) || cpuInfoForced,
      flagsInclude: o.cpuFlagsInclude ? compileGoRegex(o.cpuFlagsInclude, 'collector.cpu.info.flags-include') : undefined,
      bugsInclude: o.cpuBugsInclude ? compileGoRegex(o.cpuBugsInclude, 'collector.cpu.info.bugs-include') : undefined,
    },
    statSoftirq: o.statSoftirq ?? false,
    textfileDirectory: o.textfileDirectory ?? '',
    now: o.now ?? preciseNow,
  };
}
