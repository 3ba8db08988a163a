/** `pressure`: pressure stall information (PSI) totals from /proc/pressure/{cpu,io,memory}. */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import { NoDataError, type Collector, type CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { forEachLine, isNotExist, readFileText } from '../procfile.js';

/** The `total=` microseconds of the `some` and `full` lines. */
export function parsePSI(text: string): { some?: number; full?: number } {
  const r: { some?: number; full?: number } = {};
  forEachLine(text, (s, e) => {
    const kind = text.startsWith('some ', s) ? 'some' : text.startsWith('full ', s) ? 'full' : undefined;
    if (kind === undefined) return;
    const t = text.indexOf('total=', s);
    if (t < 0 || t > e) throw new Error(`malformed PSI line ${JSON.stringify(text.slice(s, e))}`);
    let end = text.indexOf(' ', t);
    if (end < 0 || end > e) end = e;
    const raw = text.slice(t + 6, end);
    const v = Number(raw);
    if (!Number.isInteger(v) || raw === '') throw new Error(`malformed PSI total ${JSON.stringify(raw)}`);
    r[kind] = v;
  });
  return r;
}

class PressureCollector implements Collector {
  readonly name = 'pressure';
  constructor(private readonly config: NodeExporterConfig) {}

  private read(resource: string): { some?: number; full?: number } {
    let text: string;
    try {
      text = readFileText(join(this.config.procfs, 'pressure', resource));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Kernels before 4.20 have no PSI; with CONFIG_PSI but psi=0 the files refuse to open.
      if (isNotExist(e) || code === 'EOPNOTSUPP' || code === 'ENOTSUP') throw new NoDataError(`pressure information for ${resource} is unavailable`);
      throw new Error(`failed to retrieve pressure stats: ${(e as Error).message}`);
    }
    return parsePSI(text);
  }

  update(out: MetricsBuilder): void {
    const need = (v: number | undefined, what: string): number => {
      if (v === undefined) throw new Error(`failed to retrieve pressure stats: no ${what} line`);
      return v / 1000 / 1000;
    };
    const cpu = this.read('cpu');
    out.counter('node_pressure_cpu_waiting_seconds_total', 'Total time in seconds that processes have waited for CPU time', need(cpu.some, 'cpu some'));
    const io = this.read('io');
    out.counter('node_pressure_io_waiting_seconds_total', 'Total time in seconds that processes have waited due to IO congestion', need(io.some, 'io some'));
    out.counter('node_pressure_io_stalled_seconds_total', 'Total time in seconds no process could make progress due to IO congestion', need(io.full, 'io full'));
    const mem = this.read('memory');
    out.counter('node_pressure_memory_waiting_seconds_total', 'Total time in seconds that processes have waited for memory', need(mem.some, 'memory some'));
    out.counter('node_pressure_memory_stalled_seconds_total', 'Total time in seconds no process could make progress due to memory congestion', need(mem.full, 'memory full'));
  }
}

export const pressureCollector: CollectorDefinition = {
  name: 'pressure',
  defaultEnabled: true,
  create: (config) => new PressureCollector(config),
};
