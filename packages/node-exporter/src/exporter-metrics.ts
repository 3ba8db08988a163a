/**
 * Metrics about the exporter itself, in place of node_exporter's `go_*`, `process_*` and `promhttp_*`:
 * the same `process_*` (from /proc/self, as client_golang's process collector reads them) and
 * `promhttp_metric_handler_*` families, and `nodejs_*` where node_exporter has `go_*`.
 */
import { readdirSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { labels, type MetricsBuilder } from './builder.js';
import { readFileText } from './procfile.js';

const CLOCK_TICKS = 100;

export class ExporterMetrics {
  private inFlight = 0;
  private readonly requests = new Map<string, number>([['200', 0], ['500', 0], ['503', 0]]);
  private readonly errors = new Map<string, number>([['encoding', 0], ['gathering', 0]]);
  private bootTime = 0;
  private readonly pageSize: number;

  /**
   * `full` false is `--web.disable-exporter-metrics`: node_exporter then still reports its handler's
   * errors (`promhttp_metric_handler_errors_total`), and so do we.
   */
  constructor(pageSize: number, private readonly full = true) {
    this.pageSize = pageSize;
  }

  requestStarted(): void {
    this.inFlight++;
  }

  requestFinished(code: number): void {
    this.inFlight--;
    const k = String(code);
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  error(cause: 'encoding' | 'gathering'): void {
    this.errors.set(cause, (this.errors.get(cause) ?? 0) + 1);
  }

  collect(out: MetricsBuilder): void {
    for (const [cause, n] of this.errors) {
      out.counter('promhttp_metric_handler_errors_total', 'Total number of internal errors encountered by the promhttp metric handler.', n, labels('cause', cause));
    }
    if (!this.full) return;
    out.gauge('promhttp_metric_handler_requests_in_flight', 'Current number of scrapes being served.', this.inFlight);
    for (const [code, n] of this.requests) {
      out.counter('promhttp_metric_handler_requests_total', 'Total number of scrapes by HTTP status code.', n, labels('code', code));
    }
    this.processMetrics(out);
    const heap = getHeapStatistics();
    out.gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', heap.total_heap_size);
    out.gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', heap.used_heap_size);
    out.gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', heap.external_memory);
    const [major, minor, patch] = process.versions.node.split('.');
    out.gauge('nodejs_version_info', 'Node.js version info.', 1, labels('version', process.version, 'major', major, 'minor', minor, 'patch', patch));
  }

  private processMetrics(out: MetricsBuilder): void {
    let stat: string;
    try {
      stat = readFileText('/proc/self/stat');
    } catch {
      return;
    }
    // Fields after the command name (which may contain spaces and parentheses).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    const startTicks = Number(f[19]);
    const vsize = Number(f[20]);
    const rss = Number(f[21]);
    out.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (utime + stime) / CLOCK_TICKS);
    out.gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', vsize);
    out.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', rss * this.pageSize);
    if (this.bootTime === 0) this.bootTime = readBootTime();
    if (this.bootTime > 0) {
      out.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', this.bootTime + startTicks / CLOCK_TICKS);
    }
    try {
      out.gauge('process_open_fds', 'Number of open file descriptors.', readdirSync('/proc/self/fd').length);
    } catch {
      // /proc/self/fd unreadable: leave the metric out.
    }
    const limits = readLimits();
    if (limits.maxFds !== undefined) out.gauge('process_max_fds', 'Maximum number of open file descriptors.', limits.maxFds);
    if (limits.maxAddressSpace !== undefined) {
      out.gauge('process_virtual_memory_max_bytes', 'Maximum amount of virtual memory available in bytes.', limits.maxAddressSpace);
    }
  }
}

function readBootTime(): number {
  try {
    const text = readFileText('/proc/stat');
    const i = text.indexOf('\nbtime ');
    if (i < 0) return 0;
    return Number(text.slice(i + 7, text.indexOf('\n', i + 1)));
  } catch {
    return 0;
  }
}

let cachedLimits: { maxFds?: number; maxAddressSpace?: number } | undefined;

/** Soft limits from /proc/self/limits, "unlimited" as 2^64-1 the way client_golang reports it. */
function readLimits(): { maxFds?: number; maxAddressSpace?: number } {
  if (cachedLimits) return cachedLimits;
  const r: { maxFds?: number; maxAddressSpace?: number } = {};
  try {
    for (const line of readFileText('/proc/self/limits').split('\n')) {
      const soft = (prefix: string) => {
        const rest = line.slice(prefix.length).trim().split(/\s+/)[0];
        return rest === 'unlimited' ? 18446744073709552000 : Number(rest);
      };
      if (line.startsWith('Max open files')) r.maxFds = soft('Max open files');
      else if (line.startsWith('Max address space')) r.maxAddressSpace = soft('Max address space');
    }
  } catch {
    // Leave them out.
  }
  // Limits rarely change at run time; read them once.
  cachedLimits = r;
  return r;
}
