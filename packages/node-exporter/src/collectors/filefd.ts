/** `filefd`: allocated and maximum file handles from /proc/sys/fs/file-nr. */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { readFileText } from '../procfile.js';

class FileFDCollector implements Collector {
  readonly name = 'filefd';
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void {
    const path = join(this.config.procfs, 'sys/fs/file-nr');
    let text: string;
    try {
      text = readFileText(path);
    } catch (e) {
      throw new Error(`couldn't get file-nr: ${(e as Error).message}`);
    }
    const parts = text.trim().split('\t');
    if (parts.length < 3) throw new Error(`couldn't get file-nr: unexpected number of file stats in ${JSON.stringify(path)}`);
    // The second number is always 0 since Linux 2.6.
    const allocated = Number(parts[0]);
    const maximum = Number(parts[2]);
    if (allocated !== allocated || parts[0] === '') throw new Error(`invalid value ${parts[0]} in file-nr`);
    if (maximum !== maximum || parts[2] === '') throw new Error(`invalid value ${parts[2]} in file-nr`);
    out.gauge('node_filefd_allocated', 'File descriptor statistics: allocated.', allocated);
    out.gauge('node_filefd_maximum', 'File descriptor statistics: maximum.', maximum);
  }
}

export const filefdCollector: CollectorDefinition = {
  name: 'filefd',
  defaultEnabled: true,
  create: (config) => new FileFDCollector(config),
};
