/** `meminfo`: every field of /proc/meminfo as `node_memory_<field>[_bytes]`. */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { forEachLine, readFileText, splitFields } from '../procfile.js';

/**
 * Field names and values: `Active(anon):  123 kB` becomes `Active_anon_bytes` = 125952. A field without a
 * unit (`HugePages_Total`) keeps its name and value.
 */
export function parseMeminfo(text: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const f: string[] = [];
  forEachLine(text, (s, e) => {
    const n = splitFields(text, s, e, f);
    if (n === 0) return;
    if (n < 2 || n > 3) throw new Error(`invalid line in meminfo: ${JSON.stringify(text.slice(s, e))}`);
    let v = Number(f[1]);
    if (v !== v || f[1] === '') throw new Error(`invalid value in meminfo: ${JSON.stringify(f[1])}`);
    let key = f[0].endsWith(':') ? f[0].slice(0, -1) : f[0];
    const open = key.indexOf('(');
    if (open >= 0) {
      const close = key.lastIndexOf(')');
      if (close > open) key = key.slice(0, open) + '_' + key.slice(open + 1, close) + key.slice(close + 1);
    }
    if (n === 3) {
      v *= 1024;
      key += '_bytes';
    }
    out.push([key, v]);
  });
  return out;
}

class MeminfoCollector implements Collector {
  readonly name = 'meminfo';
  private readonly help = new Map<string, string>();
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void {
    let text: string;
    try {
      text = readFileText(join(this.config.procfs, 'meminfo'));
    } catch (e) {
      throw new Error(`couldn't get meminfo: ${(e as Error).message}`);
    }
    for (const [key, value] of parseMeminfo(text)) {
      let help = this.help.get(key);
      if (help === undefined) this.help.set(key, (help = `Memory information field ${key}.`));
      out.add('node_memory_' + key, key.endsWith('_total') ? 'counter' : 'gauge', help, value);
    }
  }
}

export const meminfoCollector: CollectorDefinition = {
  name: 'meminfo',
  defaultEnabled: true,
  create: (config) => new MeminfoCollector(config),
};
