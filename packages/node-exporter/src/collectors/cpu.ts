/** `cpu`: time per CPU and mode from /proc/stat, thermal throttling and isolation from /sys, /proc/cpuinfo on request. */
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import type { Labels } from '@vigil/model';
import { labels, type MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { forEachLine, isNotExist, readFileText, readUint, splitFields } from '../procfile.js';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture. */
const USER_HZ = 100;
/** An idle counter going back by this much means the CPU was hot-plugged: start its counters over. */
const JUMP_BACK_SECONDS = 3;

const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
const FIELDS = 10; // user nice system idle iowait irq softirq steal guest guest_nice
const IDLE = 3;

const SECONDS_HELP = 'Seconds the CPUs spent in each mode.';
const GUEST_HELP = 'Seconds the CPUs spent in guests (VMs) for each mode.';

/** Per-CPU counters parsed from the `cpuN` lines of /proc/stat (one Float64Array of FIELDS per CPU id). */
export function parseProcStatCPUs(text: string): Float64Array[] {
  const cpus: Float64Array[] = [];
  const f: string[] = [];
  forEachLine(text, (s, e) => {
    if (text.charCodeAt(s) !== 99 || !text.startsWith('cpu', s)) return;
    const n = splitFields(text, s, e, f);
    if (f[0] === 'cpu' || n < 2) return;
    const id = Number(f[0].slice(3));
    if (!Number.isInteger(id) || id < 0) throw new Error(`/proc/stat: cannot parse CPU id in ${JSON.stringify(f[0])}`);
    const v = new Float64Array(FIELDS);
    for (let i = 0; i < FIELDS && i + 1 < n; i++) {
      const x = Number(f[i + 1]);
      if (x !== x) throw new Error(`/proc/stat: invalid value ${JSON.stringify(f[i + 1])} for ${f[0]}`);
      v[i] = x / USER_HZ;
    }
    while (cpus.length <= id) cpus.push(new Float64Array(FIELDS));
    cpus[id] = v;
  });
  return cpus;
}

/** A CPU list as in /sys/devices/system/cpu/isolated: `0-3,8,10-11`. */
export function parseCPUList(text: string): number[] {
  const out: number[] = [];
  const t = text.trim();
  if (t === '') return out;
  for (const part of t.split(',')) {
    const dash = part.indexOf('-');
    if (dash < 0) {
      const n = Number(part);
      if (!Number.isInteger(n)) throw new Error(`cannot parse CPU list ${JSON.stringify(t)}`);
      out.push(n);
    } else {
      const a = Number(part.slice(0, dash));
      const b = Number(part.slice(dash + 1));
      if (!Number.isInteger(a) || !Number.isInteger(b) || a > b) throw new Error(`cannot parse CPU range ${JSON.stringify(part)}`);
      for (let i = a; i <= b; i++) out.push(i);
    }
  }
  return out;
}

class CPUCollector implements Collector {
  readonly name = 'cpu';
  /** Last values exposed, per CPU: counters never go backwards (the kernel's sometimes do). */
  private last: Float64Array[] = [];
  private labelCache: Labels[][] = [];
  private guestLabelCache: Labels[][] = [];
  private readonly isolated: number[];

  constructor(private readonly config: NodeExporterConfig) {
    let isolated: number[] = [];
    try {
      isolated = parseCPUList(readFileText(join(config.sysfs, 'devices/system/cpu/isolated')));
    } catch (e) {
      if (!isNotExist(e)) throw e;
    }
    this.isolated = isolated;
  }

  update(out: MetricsBuilder): void {
    if (this.config.cpu.info) this.updateInfo(out);
    this.updateStat(out);
    for (const cpu of this.isolated) {
      out.gauge('node_cpu_isolated', 'Whether each core is isolated, information from /sys/devices/system/cpu/isolated.', 1, labels('cpu', String(cpu)));
    }
    this.updateThermalThrottle(out);
  }

  private updateStat(out: MetricsBuilder): void {
    const now = parseProcStatCPUs(readFileText(join(this.config.procfs, 'stat')));
    if (this.last.length !== now.length) this.last = now.map(() => new Float64Array(FIELDS));
    const guest = this.config.cpu.guest;
    for (let id = 0; id < now.length; id++) {
      const prev = this.last[id];
      const cur = now[id];
      if (prev[IDLE] - cur[IDLE] >= JUMP_BACK_SECONDS) prev.fill(0);
      for (let i = 0; i < FIELDS; i++) if (cur[i] >= prev[i]) prev[i] = cur[i];
      const lbls = this.cpuLabels(id);
      for (let m = 0; m < MODES.length; m++) out.counter('node_cpu_seconds_total', SECONDS_HELP, prev[m], lbls[m]);
      if (guest) {
        const g = this.guestLabels(id);
        out.counter('node_cpu_guest_seconds_total', GUEST_HELP, prev[8], g[0]);
        out.counter('node_cpu_guest_seconds_total', GUEST_HELP, prev[9], g[1]);
      }
    }
  }

  private cpuLabels(id: number): Labels[] {
    let l = this.labelCache[id];
    if (l === undefined) {
      l = MODES.map((mode) => labels('cpu', String(id), 'mode', mode));
      this.labelCache[id] = l;
    }
    return l;
  }

  private guestLabels(id: number): Labels[] {
    let l = this.guestLabelCache[id];
    if (l === undefined) {
      l = [labels('cpu', String(id), 'mode', 'user'), labels('cpu', String(id), 'mode', 'nice')];
      this.guestLabelCache[id] = l;
    }
    return l;
  }

  private updateThermalThrottle(out: MetricsBuilder): void {
    const base = join(this.config.sysfs, 'devices/system/cpu');
    let names: string[];
    try {
      names = readdirSync(base);
    } catch (e) {
      if (isNotExist(e)) return;
      throw e;
    }
    names = names.filter(isCPUDir).sort();
    const packageThrottles = new Map<number, number>();
    const coreThrottles = new Map<number, Map<number, number>>();
    for (const name of names) {
      const dir = join(base, name);
      // Only CPUs with throttle counters produce series (none in most virtual machines): look first,
      // without paying for failed opens.
      if (!existsSync(join(dir, 'thermal_throttle'))) continue;
      const coreCount = tryReadUint(join(dir, 'thermal_throttle/core_throttle_count'));
      const packageCount = tryReadUint(join(dir, 'thermal_throttle/package_throttle_count'));
      if (coreCount === undefined && packageCount === undefined) continue;
      const pkg = tryReadUint(join(dir, 'topology/physical_package_id'));
      const core = tryReadUint(join(dir, 'topology/core_id'));
      if (pkg === undefined || core === undefined) continue;
      let cores = coreThrottles.get(pkg);
      if (cores === undefined) coreThrottles.set(pkg, (cores = new Map()));
      if (!cores.has(core) && coreCount !== undefined) cores.set(core, coreCount);
      if (!packageThrottles.has(pkg) && packageCount !== undefined) packageThrottles.set(pkg, packageCount);
    }
    for (const [pkg, count] of packageThrottles) {
      out.counter('node_cpu_package_throttles_total', 'Number of times this CPU package has been throttled.', count, labels('package', String(pkg)));
    }
    for (const [pkg, cores] of coreThrottles) {
      for (const [core, count] of cores) {
        out.counter('node_cpu_core_throttles_total', 'Number of times this CPU core has been throttled.', count, labels('package', String(pkg), 'core', String(core)));
      }
    }
  }

  private updateInfo(out: MetricsBuilder): void {
    const cpus = parseCPUInfo(readFileText(join(this.config.procfs, 'cpuinfo'), true));
    for (const c of cpus) {
      out.gauge(
        'node_cpu_info',
        'CPU information from /proc/cpuinfo.',
        1,
        labels(
          'package', c.get('physical id') ?? '',
          'core', c.get('core id') ?? '',
          'cpu', c.get('processor') ?? '',
          'vendor', c.get('vendor_id') ?? '',
          'family', c.get('cpu family') ?? '',
          'model', c.get('model') ?? '',
          'model_name', c.get('model name') ?? '',
          'microcode', c.get('microcode') ?? '',
          'stepping', c.get('stepping') ?? '',
          'cachesize', c.get('cache size') ?? '',
        ),
      );
    }
    if (cpus.length === 0) return;
    const first = cpus[0];
    const { flagsInclude, bugsInclude } = this.config.cpu;
    if (flagsInclude) {
      for (const flag of words(first.get('flags'))) {
        if (flagsInclude.test(flag)) {
          out.gauge('node_cpu_flag_info', 'The `flags` field of CPU information from /proc/cpuinfo taken from the first core.', 1, labels('flag', flag));
        }
      }
    }
    if (bugsInclude) {
      for (const bug of words(first.get('bugs'))) {
        if (bugsInclude.test(bug)) {
          out.gauge('node_cpu_bug_info', 'The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.', 1, labels('bug', bug));
        }
      }
    }
  }
}

function words(s: string | undefined): string[] {
  return s ? s.split(/\s+/).filter((w) => w !== '') : [];
}

/** /proc/cpuinfo as one key/value map per processor block. */
export function parseCPUInfo(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let cur: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') {
      cur = new Map();
      out.push(cur);
    }
    cur?.set(key, value);
  }
  return out;
}

function isCPUDir(name: string): boolean {
  if (name.length < 4 || !name.startsWith('cpu')) return false;
  for (let i = 3; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function tryReadUint(path: string): number | undefined {
  try {
    return readUint(path);
  } catch {
    return undefined;
  }
}

export const cpuCollector: CollectorDefinition = {
  name: 'cpu',
  defaultEnabled: true,
  create: (config) => new CPUCollector(config),
};
