/** `loadavg`: the 1, 5 and 15 minute load averages from /proc/loadavg. */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { readFileText, splitFields } from '../procfile.js';

const NAMES = [
  ['node_load1', '1m load average.'],
  ['node_load5', '5m load average.'],
  ['node_load15', '15m load average.'],
] as const;

class LoadavgCollector implements Collector {
  readonly name = 'loadavg';
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void {
    const path = join(this.config.procfs, 'loadavg');
    const text = readFileText(path);
    const f: string[] = [];
    if (splitFields(text, 0, text.length, f) < 3) throw new Error(`couldn't get load: unexpected content in ${path}`);
    for (let i = 0; i < 3; i++) {
      const v = Number(f[i]);
      if (v !== v) throw new Error(`couldn't get load: could not parse load '${f[i]}'`);
      out.gauge(NAMES[i][0], NAMES[i][1], v);
    }
  }
}

export const loadavgCollector: CollectorDefinition = {
  name: 'loadavg',
  defaultEnabled: true,
  create: (config) => new LoadavgCollector(config),
};
