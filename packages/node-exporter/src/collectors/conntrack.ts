/** `conntrack`: netfilter connection tracking table size and per-CPU statistics (summed). */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import { NoDataError, type Collector, type CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { forEachLine, isNotExist, readFileText, readUint, splitFields } from '../procfile.js';

/** Statistic columns of /proc/net/stat/nf_conntrack: column name, metric suffix, help. */
const STATS: ReadonlyArray<readonly [string, string, string]> = [
  ['found', 'found', 'Number of searched entries which were successful.'],
  ['invalid', 'invalid', 'Number of packets seen which can not be tracked.'],
  ['ignore', 'ignore', 'Number of packets seen which are already connected to a conntrack entry.'],
  ['insert', 'insert', 'Number of entries inserted into the list.'],
  ['insert_failed', 'insert_failed', 'Number of entries for which list insertion was attempted but failed.'],
  ['drop', 'drop', 'Number of packets dropped due to conntrack failure.'],
  ['early_drop', 'early_drop', 'Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.'],
  ['search_restart', 'search_restart', 'Number of conntrack table lookups which had to be restarted due to hashtable resizes.'],
];

/** Sums of the hexadecimal per-CPU rows, by column name (from the header line). */
export function parseConntrackStat(text: string): Map<string, number> {
  const header: string[] = [];
  const row: string[] = [];
  const sums = new Map<string, number>();
  let first = true;
  forEachLine(text, (s, e) => {
    if (first) {
      splitFields(text, s, e, header);
      first = false;
      return;
    }
    const n = splitFields(text, s, e, row);
    if (n === 0) return;
    if (n !== header.length) throw new Error(`invalid conntrackstat entry, ${n} fields for ${header.length} columns`);
    for (let i = 0; i < n; i++) {
      const v = parseInt(row[i], 16);
      if (v !== v) throw new Error(`invalid conntrackstat value ${JSON.stringify(row[i])}`);
      sums.set(header[i], (sums.get(header[i]) ?? 0) + v);
    }
  });
  return sums;
}

class ConntrackCollector implements Collector {
  readonly name = 'conntrack';
  constructor(private readonly config: NodeExporterConfig) {}

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      // The nf_conntrack module is not loaded.
      if (isNotExist(e)) throw new NoDataError('conntrack probably not loaded');
      throw new Error(`failed to retrieve conntrack stats: ${(e as Error).message}`);
    }
  }

  update(out: MetricsBuilder): void {
    const p = this.config.procfs;
    const count = this.guard(() => readUint(join(p, 'sys/net/netfilter/nf_conntrack_count')));
    out.gauge('node_nf_conntrack_entries', 'Number of currently allocated flow entries for connection tracking.', count);
    const max = this.guard(() => readUint(join(p, 'sys/net/netfilter/nf_conntrack_max')));
    out.gauge('node_nf_conntrack_entries_limit', 'Maximum size of connection tracking table.', max);
    const sums = this.guard(() => parseConntrackStat(readFileText(join(p, 'net/stat/nf_conntrack'))));
    for (const [column, suffix, help] of STATS) {
      out.gauge('node_nf_conntrack_stat_' + suffix, help, sums.get(column) ?? 0);
    }
  }
}

export const conntrackCollector: CollectorDefinition = {
  name: 'conntrack',
  defaultEnabled: true,
  create: (config) => new ConntrackCollector(config),
};
