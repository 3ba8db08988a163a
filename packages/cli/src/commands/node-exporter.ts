/**
 * `vigil node-exporter`: host metrics from /proc and /sys under node_exporter's names, with its flags.
 */
import {
  COLLECTORS, DEFAULTS, NodeExporter, UNIMPLEMENTED_COLLECTORS, startNodeExporterServer, type Logger,
} from '@vigil/node-exporter';
import type { Command, CommandContext } from '../command.js';
import type { FlagSpec, ParsedFlags } from '../flags.js';
import { VERSION } from '../main.js';
import { LOG_FLAGS, exporterLogger } from './exporter-log.js';

const collectorFlags: FlagSpec[] = [
  ...COLLECTORS.map((c): FlagSpec => ({
    name: `collector.${c.name}`,
    type: 'bool',
    default: String(c.defaultEnabled),
    help: `Enable the ${c.name} collector (default: ${c.defaultEnabled ? 'enabled' : 'disabled'}).`,
  })),
  // node_exporter's other collectors: accepted so that existing command lines keep working.
  ...UNIMPLEMENTED_COLLECTORS.map(([name, def]): FlagSpec => ({
    name: `collector.${name}`,
    type: 'bool',
    default: String(def),
    help: `The ${name} collector of node_exporter (not implemented: ignored).`,
    hidden: true,
  })),
];

const flags: FlagSpec[] = [
  { name: 'web.listen-address', type: 'strings', default: ':9100', placeholder: 'ADDRESS', help: 'Addresses on which to expose metrics and web interface. Repeatable for multiple addresses.' },
  { name: 'web.telemetry-path', type: 'string', default: '/metrics', placeholder: 'PATH', help: 'Path under which to expose metrics.' },
  { name: 'web.disable-exporter-metrics', type: 'bool', help: 'Exclude metrics about the exporter itself (promhttp_*, process_*, nodejs_*).' },
  { name: 'web.max-requests', type: 'int', default: '40', help: 'Maximum number of parallel scrape requests. Use 0 to disable.' },
  { name: 'collector.disable-defaults', type: 'bool', help: 'Set all collectors to disabled by default.' },
  { name: 'collector.timeout', type: 'duration', default: '5s', help: 'Cut off a collector still running after this long (success 0); the scrape is served without it.' },
  { name: 'path.procfs', type: 'string', default: DEFAULTS.procfs, help: 'procfs mountpoint.' },
  { name: 'path.sysfs', type: 'string', default: DEFAULTS.sysfs, help: 'sysfs mountpoint.' },
  { name: 'path.rootfs', type: 'string', default: DEFAULTS.rootfs, help: 'rootfs mountpoint.' },
  { name: 'path.udev.data', type: 'string', default: DEFAULTS.udevData, help: 'udev data path.' },
  { name: 'collector.cpu.guest', type: 'bool', default: 'true', help: 'Enables metric node_cpu_guest_seconds_total' },
  { name: 'collector.cpu.info', type: 'bool', help: 'Enables metric cpu_info' },
  { name: 'collector.cpu.info.flags-include', type: 'string', help: 'Filter the `flags` field in cpuInfo with a value that must be a regular expression' },
  { name: 'collector.cpu.info.bugs-include', type: 'string', help: 'Filter the `bugs` field in cpuInfo with a value that must be a regular expression' },
  { name: 'collector.diskstats.device-exclude', type: 'string', default: DEFAULTS.diskstatsDeviceExclude, help: 'Regexp of diskstats devices to exclude (mutually exclusive to device-include).' },
  { name: 'collector.diskstats.device-include', type: 'string', help: 'Regexp of diskstats devices to include (mutually exclusive to device-exclude).' },
  { name: 'collector.filesystem.mount-points-exclude', type: 'string', default: DEFAULTS.mountPointsExclude, help: 'Regexp of mount points to exclude for filesystem collector.' },
  { name: 'collector.filesystem.fs-types-exclude', type: 'string', default: DEFAULTS.fsTypesExclude, help: 'Regexp of filesystem types to exclude for filesystem collector.' },
  { name: 'collector.filesystem.mount-timeout', type: 'duration', default: '5s', hidden: true, help: 'how long to wait for a mount to respond before marking it as stale' },
  { name: 'collector.netdev.device-include', type: 'string', help: 'Regexp of net devices to include (mutually exclusive to device-exclude).' },
  { name: 'collector.netdev.device-exclude', type: 'string', help: 'Regexp of net devices to exclude (mutually exclusive to device-include).' },
  { name: 'collector.netdev.address-info', type: 'bool', help: 'Collect address-info for every device' },
  { name: 'collector.netdev.netlink', type: 'bool', default: 'true', help: 'Report receive_nohandler as node_exporter does over netlink; false reads /proc/net/dev only.' },
  { name: 'collector.netstat.fields', type: 'string', default: DEFAULTS.netstatFields, help: 'Regexp of fields to return for netstat collector.' },
  { name: 'collector.stat.softirq', type: 'bool', help: 'Export softirq calls per vector' },
  { name: 'collector.textfile.directory', type: 'string', placeholder: 'DIR', help: 'Directory to read text files with metrics from.' },
  { name: 'collector.vmstat.fields', type: 'string', default: DEFAULTS.vmstatFields, help: 'Regexp of fields to return for vmstat collector.' },
  ...collectorFlags,
  ...LOG_FLAGS,
];

/** The collectors to run: each one's flag, with `--collector.disable-defaults` turning off those not given. */
function enabledCollectors(f: ParsedFlags, log: Logger): string[] {
  const disableDefaults = f.bool('collector.disable-defaults');
  const on = (name: string) => {
    const flag = `collector.${name}`;
    if (disableDefaults && !f.given.has(flag)) return false;
    return f.bool(flag);
  };
  for (const [name] of UNIMPLEMENTED_COLLECTORS) {
    if (f.given.has(`collector.${name}`) && f.bool(`collector.${name}`)) {
      log('warn', 'collector not implemented in vigil node-exporter, ignored', { collector: name });
    }
  }
  return COLLECTORS.filter((c) => on(c.name)).map((c) => c.name);
}

const optional = (f: ParsedFlags, name: string): string | undefined => (f.given.has(name) ? f.string(name) : undefined);

export const nodeExporterCommand: Command = {
  path: ['node-exporter'],
  summary: "Expose host metrics from /proc and /sys under node_exporter's names.",
  flags,
  args: [],
  async run(ctx: CommandContext): Promise<number> {
    const f = ctx.flags;
    const log = exporterLogger(ctx, f.string('log.level'), f.string('log.format'));
    const collectors = enabledCollectors(f, log);
    log('info', 'Starting node-exporter', { version: VERSION, node: process.version });
    const exporter = new NodeExporter({
      collectors,
      procfs: f.string('path.procfs'),
      sysfs: f.string('path.sysfs'),
      rootfs: f.string('path.rootfs'),
      udevData: f.string('path.udev.data'),
      collectorTimeoutMs: f.duration('collector.timeout'),
      mountPointsExclude: f.string('collector.filesystem.mount-points-exclude'),
      fsTypesExclude: f.string('collector.filesystem.fs-types-exclude'),
      mountTimeoutMs: f.given.has('collector.filesystem.mount-timeout') ? f.duration('collector.filesystem.mount-timeout') : undefined,
      netdevDeviceExclude: optional(f, 'collector.netdev.device-exclude'),
      netdevDeviceInclude: optional(f, 'collector.netdev.device-include'),
      netdevNetlink: f.bool('collector.netdev.netlink'),
      netdevAddressInfo: f.bool('collector.netdev.address-info'),
      diskstatsDeviceExclude: optional(f, 'collector.diskstats.device-exclude'),
      diskstatsDeviceInclude: optional(f, 'collector.diskstats.device-include'),
      netstatFields: f.string('collector.netstat.fields'),
      vmstatFields: f.string('collector.vmstat.fields'),
      cpuGuest: f.bool('collector.cpu.guest'),
      cpuInfo: f.bool('collector.cpu.info'),
      cpuFlagsInclude: optional(f, 'collector.cpu.info.flags-include'),
      cpuBugsInclude: optional(f, 'collector.cpu.info.bugs-include'),
      statSoftirq: f.bool('collector.stat.softirq'),
      textfileDirectory: f.string('collector.textfile.directory'),
      disableExporterMetrics: f.bool('web.disable-exporter-metrics'),
      version: VERSION,
      log,
    });
    log('info', 'Enabled collectors', { collectors: exporter.enabled.join(',') });
    const server = await startNodeExporterServer(exporter, {
      listenAddresses: f.strings('web.listen-address'),
      telemetryPath: f.string('web.telemetry-path'),
      maxRequests: f.int('web.max-requests'),
      log,
    });
    await new Promise<void>((resolve) => {
      if (ctx.stopSignal.aborted) resolve();
      else ctx.stopSignal.addEventListener('abort', () => resolve(), { once: true });
    });
    log('info', 'Shutting down');
    await server.close();
    return 0;
  },
};
