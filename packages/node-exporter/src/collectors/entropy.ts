/** `entropy`: available entropy and pool size from /proc/sys/kernel/random. */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { readUint } from '../procfile.js';

class EntropyCollector implements Collector {
  readonly name = 'entropy';
  constructor(private readonly config: NodeExporterConfig) {}

  private read(file: string, what: string): number {
    try {
      return readUint(join(this.config.procfs, 'sys/kernel/random', file));
    } catch (e) {
      throw new Error(`couldn't get ${what}: ${(e as Error).message}`);
    }
  }

  update(out: MetricsBuilder): void {
    out.gauge('node_entropy_available_bits', 'Bits of available entropy.', this.read('entropy_avail', 'entropy_avail'));
    out.gauge('node_entropy_pool_size_bits', 'Bits of entropy pool.', this.read('poolsize', 'entropy poolsize'));
  }
}

export const entropyCollector: CollectorDefinition = {
  name: 'entropy',
  defaultEnabled: true,
  create: (config) => new EntropyCollector(config),
};
