/** `vmstat`: selected counters of /proc/vmstat (`--collector.vmstat.fields`). */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { forEachLine, readFileText } from '../procfile.js';

class VmstatCollector implements Collector {
  readonly name = 'vmstat';
  /** The filter is fixed: remember its answer per field (vmstat has ~170 of them). */
  private readonly wanted = new Map<string, string | null>();
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void {
    const text = readFileText(join(this.config.procfs, 'vmstat'));
    forEachLine(text, (s, e) => {
      const sp = text.indexOf(' ', s);
      if (sp < 0 || sp >= e) throw new Error(`/proc/vmstat: malformed line ${JSON.stringify(text.slice(s, e))}`);
      const key = text.slice(s, sp);
      const raw = text.slice(sp + 1, e).trim();
      const v = Number(raw);
      if (v !== v || raw === '') throw new Error(`/proc/vmstat: invalid value ${JSON.stringify(raw)} for ${key}`);
      let help = this.wanted.get(key);
      if (help === undefined) {
        help = this.config.vmstatFields.test(key) ? `/proc/vmstat information field ${key}.` : null;
        this.wanted.set(key, help);
      }
      if (help !== null) out.untyped('node_vmstat_' + key, help, v);
    });
  }
}

export const vmstatCollector: CollectorDefinition = {
  name: 'vmstat',
  defaultEnabled: true,
  create: (config) => new VmstatCollector(config),
};
