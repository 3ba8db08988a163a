/**
 * `uname`: the uname(2) fields as labels. Node has no uname call that includes the domain name, so the
 * fields are read from /proc/sys/kernel (the same strings the syscall returns, per UTS namespace).
 */
import { machine } from 'node:os';
import { join } from 'node:path';
import { labels, type MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { readFileText } from '../procfile.js';

class UnameCollector implements Collector {
  readonly name = 'uname';
  constructor(private readonly config: NodeExporterConfig) {}

  private field(name: string): string {
    const text = readFileText(join(this.config.procfs, 'sys/kernel', name), true);
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  }

  /** The fields fixed until the next boot (kernel name, release, build, machine), read once. */
  private fixed?: [sysname: string, release: string, version: string, machine: string];

  update(out: MetricsBuilder): void {
    if (this.fixed === undefined) {
      let arch: string;
      try {
        // /proc/sys/kernel/arch exists since Linux 6.1.
        arch = this.field('arch');
      } catch {
        arch = machine();
      }
      this.fixed = [this.field('ostype'), this.field('osrelease'), this.field('version'), arch];
    }
    const [sysname, release, version, arch] = this.fixed;
    out.gauge(
      'node_uname_info',
      'Labeled system information as provided by the uname system call.',
      1,
      labels(
        'sysname', sysname,
        'release', release,
        'version', version,
        'machine', arch,
        // Host and domain names can change at run time: read every scrape.
        'nodename', this.field('hostname'),
        'domainname', this.field('domainname'),
      ),
    );
  }
}

export const unameCollector: CollectorDefinition = {
  name: 'uname',
  defaultEnabled: true,
  create: (config) => new UnameCollector(config),
};
