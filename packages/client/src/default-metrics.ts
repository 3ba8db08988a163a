/**
 * `collectDefaultMetrics()`: the process and Node.js runtime metrics, with prom-client's names, help texts
 * and aggregators. Values are read when a registry collects (on scrape), not on a timer; only the GC
 * histogram and the event-loop delay monitor record continuously.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram } from './histogram.js';
import type { Registry, RegistryContentType } from './registry.js';
import { badInput } from './validation.js';

export interface DefaultMetricsCollectorConfiguration<T extends RegistryContentType = RegistryContentType> {
  register?: Registry<T>;
  prefix?: string;
  gcDurationBuckets?: number[];
  /** Sampling resolution of the event-loop delay monitor, in milliseconds (default 10). */
  eventLoopMonitoringPrecision?: number;
  labels?: Record<string, string | number>;
  enableExemplars?: boolean;
}

interface Setup {
  registers: Registry<RegistryContentType>[] | undefined;
  prefix: string;
  labels: Record<string, string | number>;
  labelNames: string[];
  config: DefaultMetricsCollectorConfiguration;
}

const startSeconds = Math.round(Date.now() / 1000 - process.uptime());

function processCpuTotal(s: Setup): void {
  let last = process.cpuUsage();
  const user = new Counter({
    name: s.prefix + 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers: s.registers,
    labelNames: s.labelNames,
    collect() {
      const now = process.cpuUsage();
      const userDelta = Math.max(0, now.user - last.user) / 1e6;
      const systemDelta = Math.max(0, now.system - last.system) / 1e6;
      last = now;
      user.inc(s.labels, userDelta);
      system.inc(s.labels, systemDelta);
      total.inc(s.labels, userDelta + systemDelta);
    },
  });
  const system = new Counter({
    name: s.prefix + 'process_cpu_system_seconds_total',
    help: 'Total system CPU time spent in seconds.',
    registers: s.registers,
    labelNames: s.labelNames,
  });
  const total = new Counter({
    name: s.prefix + 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers: s.registers,
    labelNames: s.labelNames,
  });
}

function processStartTime(s: Setup): void {
  new Gauge({
    name: s.prefix + 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    registers: s.registers,
    labelNames: s.labelNames,
    aggregator: 'omit',
    collect() {
      this.set(s.labels, startSeconds);
    },
  });
}

/** `VmRSS`, `VmSize`, `VmData` of /proc/self/status, in bytes. */
function readProcStatus(): { rss: number; size: number; data: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => {
    const i = text.indexOf('\n' + name + ':');
    if (i < 0) return NaN;
    const end = text.indexOf('\n', i + 1);
    const kb = parseInt(text.slice(i + name.length + 2, end < 0 ? undefined : end).trim(), 10);
    return kb * 1024;
  };
  return { rss: field('VmRSS'), size: field('VmSize'), data: field('VmData') };
}

function osMemoryHeap(s: Setup): void {
  if (process.platform !== 'linux') {
    new Gauge({
      name: s.prefix + 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      registers: s.registers,
      labelNames: s.labelNames,
      collect() {
        try {
          this.set(s.labels, process.memoryUsage.rss());
        } catch {
          // Some platforms cannot tell; leave the value as it was.
        }
      },
    });
    return;
  }
  const resident = new Gauge({
    name: s.prefix + 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers: s.registers,
    labelNames: s.labelNames,
    collect() {
      const st = readProcStatus();
      if (st === undefined) return;
      resident.set(s.labels, st.rss);
      virtual.set(s.labels, st.size);
      heap.set(s.labels, st.data);
    },
  });
  const virtual = new Gauge({
    name: s.prefix + 'process_virtual_memory_bytes',
    help: 'Virtual memory size in bytes.',
    registers: s.registers,
    labelNames: s.labelNames,
  });
  const heap = new Gauge({
    name: s.prefix + 'process_heap_bytes',
    help: 'Process heap size in bytes.',
    registers: s.registers,
    labelNames: s.labelNames,
  });
}

function processOpenFileDescriptors(s: Setup): void {
  if (process.platform !== 'linux') return;
  new Gauge({
    name: s.prefix + 'process_open_fds',
    help: 'Number of open file descriptors.',
    registers: s.registers,
    labelNames: s.labelNames,
    collect() {
      try {
        // The directory listing itself holds one descriptor while it runs.
        this.set(s.labels, readdirSync('/proc/self/fd').length - 1);
      } catch {
        // No procfs: nothing to report.
      }
    },
  });
}

let maxFds: number | undefined | null = null;

function readMaxFds(): number | undefined {
  if (maxFds !== null) return maxFds;
  maxFds = undefined;
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    for (const line of text.split('\n')) {
      if (line.startsWith('Max open files')) {
        const n = Number(line.slice('Max open files'.length).trim().split(/\s+/)[0]);
        if (Number.isFinite(n)) maxFds = n;
        break;
      }
    }
  } catch {
    // No procfs.
  }
  return maxFds;
}

function processMaxFileDescriptors(s: Setup): void {
  if (readMaxFds() === undefined) return;
  new Gauge({
    name: s.prefix + 'process_max_fds',
    help: 'Maximum number of open file descriptors.',
    registers: s.registers,
    labelNames: s.labelNames,
    collect() {
      const n = readMaxFds();
      if (n !== undefined) this.set(s.labels, n);
    },
  });
}

function eventLoopLag(s: Setup): void {
  const precision = s.config.eventLoopMonitoringPrecision ?? 10;
  const delay = monitorEventLoopDelay({ resolution: precision });
  delay.enable();
  const gauge = (name: string, help: string, aggregator: 'min' | 'max' | 'average', collect?: () => void) =>
    new Gauge({ name: s.prefix + name, help, registers: s.registers, labelNames: s.labelNames, aggregator, collect });
  const lag = gauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.', 'average', () => {
    // The lag is how late an immediate callback runs: reported at the next collection, as prom-client does.
    const start = process.hrtime.bigint();
    setImmediate(() => lag.set(s.labels, Number(process.hrtime.bigint() - start) / 1e9));
    min.set(s.labels, delay.min / 1e9);
    max.set(s.labels, delay.max / 1e9);
    mean.set(s.labels, delay.mean / 1e9);
    stddev.set(s.labels, delay.stddev / 1e9);
    p50.set(s.labels, delay.percentile(50) / 1e9);
    p90.set(s.labels, delay.percentile(90) / 1e9);
    p99.set(s.labels, delay.percentile(99) / 1e9);
    delay.reset();
  });
  const min = gauge('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.', 'min');
  const max = gauge('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.', 'max');
  const mean = gauge('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.', 'average');
  const stddev = gauge('nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.', 'average');
  const p50 = gauge('nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.', 'average');
  const p90 = gauge('nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.', 'average');
  const p99 = gauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.', 'average');
}

/** Counts of a list by a key. */
function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const it of items) {
    const k = key(it);
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

function typeGauges(s: Setup, name: string, help: string, totalHelp: string, read: () => readonly unknown[], key: (x: unknown) => string | undefined): void {
  new Gauge({
    name: s.prefix + name,
    help,
    registers: s.registers,
    labelNames: ['type', ...s.labelNames],
    collect() {
      this.reset();
      for (const [type, n] of countBy(read(), key)) this.set({ type, ...s.labels }, n);
    },
  });
  new Gauge({
    name: s.prefix + name + '_total',
    help: totalHelp,
    registers: s.registers,
    labelNames: s.labelNames,
    collect() {
      this.set(s.labels, read().length);
    },
  });
}

const className = (x: unknown): string | undefined =>
  x !== null && x !== undefined && typeof (x as object).constructor === 'function' ? (x as object).constructor.name : undefined;

type ProcessWithInternals = NodeJS.Process & { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] };

function processResources(s: Setup): void {
  if (typeof process.getActiveResourcesInfo !== 'function') return;
  typeGauges(
    s,
    'nodejs_active_resources',
    'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
    'Total number of active resources.',
    () => process.getActiveResourcesInfo(),
    (x) => String(x),
  );
}

function processHandles(s: Setup): void {
  const p = process as ProcessWithInternals;
  if (typeof p._getActiveHandles !== 'function') return;
  typeGauges(
    s,
    'nodejs_active_handles',
    'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.',
    'Total number of active handles.',
    () => p._getActiveHandles!(),
    className,
  );
}

function processRequests(s: Setup): void {
  const p = process as ProcessWithInternals;
  if (typeof p._getActiveRequests !== 'function') return;
  typeGauges(
    s,
    'nodejs_active_requests',
    'Number of active libuv requests grouped by request type. Every request type is C++ class name.',
    'Total number of active requests.',
    () => p._getActiveRequests!(),
    className,
  );
}

function heapSizeAndUsed(s: Setup): void {
  const total = new Gauge({
    name: s.prefix + 'nodejs_heap_size_total_bytes',
    help: 'Process heap size from Node.js in bytes.',
    registers: s.registers,
    labelNames: s.labelNames,
    collect() {
      let mem: NodeJS.MemoryUsage;
      try {
        mem = process.memoryUsage();
      } catch {
        return;
      }
      total.set(s.labels, mem.heapTotal);
      used.set(s.labels, mem.heapUsed);
      if (mem.external !== undefined) external.set(s.labels, mem.external);
    },
  });
  const used = new Gauge({
    name: s.prefix + 'nodejs_heap_size_used_bytes',
    help: 'Process heap size used from Node.js in bytes.',
    registers: s.registers,
    labelNames: s.labelNames,
  });
  const external = new Gauge({
    name: s.prefix + 'nodejs_external_memory_bytes',
    help: 'Node.js external memory size in bytes.',
    registers: s.registers,
    labelNames: s.labelNames,
  });
}

function heapSpacesSizeAndUsed(s: Setup): void {
  const make = (kind: 'total' | 'used' | 'available') =>
    new Gauge({
      name: s.prefix + `nodejs_heap_space_size_${kind}_bytes`,
      help: `Process heap space size ${kind} from Node.js in bytes.`,
      registers: s.registers,
      labelNames: ['space', ...s.labelNames],
    });
  const total = make('total');
  const used = make('used');
  const available = make('available');
  total.collect = () => {
    for (const sp of getHeapSpaceStatistics()) {
      const i = sp.space_name.indexOf('_space');
      const space = i < 0 ? sp.space_name : sp.space_name.slice(0, i);
      total.set({ space, ...s.labels }, sp.space_size);
      used.set({ space, ...s.labels }, sp.space_used_size);
      available.set({ space, ...s.labels }, sp.space_available_size);
    }
  };
}

function version(s: Setup): void {
  const v = process.version;
  const [major, minor, patch] = v.slice(1).split('.').map(Number);
  new Gauge({
    name: s.prefix + 'nodejs_version_info',
    help: 'Node.js version info.',
    labelNames: ['version', 'major', 'minor', 'patch', ...s.labelNames],
    registers: s.registers,
    aggregator: 'first',
    collect() {
      this.set({ version: v, major, minor, patch, ...s.labels }, 1);
    },
  });
}

const GC_KINDS: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function gc(s: Setup): void {
  const histogram = new Histogram({
    name: s.prefix + 'nodejs_gc_duration_seconds',
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    labelNames: ['kind', ...s.labelNames],
    buckets: s.config.gcDurationBuckets ?? [0.001, 0.01, 0.1, 1, 2, 5],
    registers: s.registers,
  });
  const children = new Map<number, ReturnType<typeof histogram.labels>>();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kindCode = ((entry as { detail?: { kind?: number } }).detail)?.kind ?? -1;
      let child = children.get(kindCode);
      if (child === undefined) {
        child = histogram.labels({ kind: GC_KINDS[kindCode], ...s.labels });
        children.set(kindCode, child);
      }
      child.observe(entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

const collectors = {
  processCpuTotal,
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  eventLoopLag,
  ...(typeof process.getActiveResourcesInfo === 'function' ? { processResources } : {}),
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
  gc,
};

function collectDefaultMetricsImpl<T extends RegistryContentType>(config?: DefaultMetricsCollectorConfiguration<T> | null): void {
  if (config !== null && config !== undefined && typeof config !== 'object') {
    throw badInput('collectDefaultMetrics: config must be null, undefined, or an object');
  }
  const c = (config ?? {}) as DefaultMetricsCollectorConfiguration;
  // Checked before anything is registered, so that a bad configuration leaves the registry as it was.
  const precision = c.eventLoopMonitoringPrecision ?? 10;
  if (typeof precision !== 'number' || !(precision > 0)) {
    throw badInput(`collectDefaultMetrics: eventLoopMonitoringPrecision must be greater than zero, got ${String(precision)}`);
  }
  const labels = c.labels ?? {};
  const setup: Setup = {
    registers: c.register ? [c.register as Registry<RegistryContentType>] : undefined,
    prefix: c.prefix ?? '',
    labels,
    labelNames: Object.keys(labels),
    config: c,
  };
  for (const collect of Object.values(collectors)) collect(setup);
}

/** Registers the default metrics (on the default registry unless `register` says otherwise). */
export const collectDefaultMetrics: {
  <T extends RegistryContentType>(config?: DefaultMetricsCollectorConfiguration<T>): void;
  /** The collector names, as prom-client lists them. */
  metricsList: string[];
} = Object.assign(collectDefaultMetricsImpl, { metricsList: Object.keys(collectors) });
