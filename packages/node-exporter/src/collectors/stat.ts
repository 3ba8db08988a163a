/** `stat`: boot time, context switches, forks, interrupts, runnable and blocked processes from /proc/stat. */
import { join } from 'node:path';
import { labels, type MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { forEachLine, readFileText, splitFields } from '../procfile.js';

const SOFTIRQ_VECTORS = ['hi', 'timer', 'net_tx', 'net_rx', 'block', 'block_iopoll', 'tasklet', 'sched', 'hrtimer', 'rcu'];

export interface ProcStat {
  intr?: number;
  ctxt?: number;
  btime?: number;
  processes?: number;
  procsRunning?: number;
  procsBlocked?: number;
  softirq?: number[];
}

export function parseProcStat(text: string): ProcStat {
  const st: ProcStat = {};
  const f: string[] = [];
  const uint = (v: string, what: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || v === '') throw new Error(`/proc/stat: couldn't parse ${JSON.stringify(v)} (${what})`);
    return n;
  };
  forEachLine(text, (s, e) => {
    const c = text.charCodeAt(s);
    // The cpu lines are most of the file and belong to the cpu collector.
    if (c === 99 && text.startsWith('cpu', s)) return;
    // Only the first two fields matter except for softirq; "intr" lines carry hundreds of counters.
    const sp = text.indexOf(' ', s);
    if (sp < 0 || sp > e) return;
    const key = text.slice(s, sp);
    switch (key) {
      case 'intr':
      case 'ctxt':
      case 'btime':
      case 'processes':
      case 'procs_running':
      case 'procs_blocked': {
        let vs = sp + 1;
        while (text.charCodeAt(vs) === 32) vs++;
        let ve = text.indexOf(' ', vs);
        if (ve < 0 || ve > e) ve = e;
        const v = uint(text.slice(vs, ve), key);
        if (key === 'intr') st.intr = v;
        else if (key === 'ctxt') st.ctxt = v;
        else if (key === 'btime') st.btime = v;
        else if (key === 'processes') st.processes = v;
        else if (key === 'procs_running') st.procsRunning = v;
        else st.procsBlocked = v;
        break;
      }
      case 'softirq': {
        const n = splitFields(text, s, e, f);
        if (n < 12) throw new Error(`/proc/stat: couldn't parse softirq line (${n - 1} values)`);
        st.softirq = f.slice(2, 12).map((v) => uint(v, 'softirq'));
        break;
      }
    }
  });
  return st;
}

class StatCollector implements Collector {
  readonly name = 'stat';
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void {
    const st = parseProcStat(readFileText(join(this.config.procfs, 'stat')));
    out.counter('node_intr_total', 'Total number of interrupts serviced.', st.intr ?? 0);
    out.counter('node_context_switches_total', 'Total number of context switches.', st.ctxt ?? 0);
    out.counter('node_forks_total', 'Total number of forks.', st.processes ?? 0);
    out.gauge('node_boot_time_seconds', 'Node boot time, in unixtime.', st.btime ?? 0);
    out.gauge('node_procs_running', 'Number of processes in runnable state.', st.procsRunning ?? 0);
    out.gauge('node_procs_blocked', 'Number of processes blocked waiting for I/O to complete.', st.procsBlocked ?? 0);
    if (this.config.statSoftirq) {
      const si = st.softirq ?? new Array<number>(10).fill(0);
      for (let i = 0; i < SOFTIRQ_VECTORS.length; i++) {
        out.counter('node_softirqs_total', 'Number of softirq calls.', si[i], labels('vector', SOFTIRQ_VECTORS[i]));
      }
    }
  }
}

export const statCollector: CollectorDefinition = {
  name: 'stat',
  defaultEnabled: true,
  create: (config) => new StatCollector(config),
};
