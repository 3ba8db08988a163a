/** `time`: the system clock, the local time zone's offset, and the kernel's clock sources. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { labels, type MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { readFileText } from '../procfile.js';
import { localZone } from '../tz.js';

class TimeCollector implements Collector {
  readonly name = 'time';
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void {
    const now = this.config.now();
    out.gauge('node_time_seconds', 'System time in seconds since epoch (1970).', now / 1000);
    const zone = localZone(now);
    out.gauge('node_time_zone_offset_seconds', 'System time zone offset in seconds.', zone.offset, labels('time_zone', zone.name));
    this.clocksources(out);
  }

  private clocksources(out: MetricsBuilder): void {
    const base = join(this.config.sysfs, 'devices/system/clocksource');
    let names: string[];
    try {
      names = readdirSync(base).filter((n) => /^clocksource[0-9]/.test(n)).sort();
    } catch (e) {
      throw new Error(`couldn't get clocksources: ${(e as Error).message}`);
    }
    for (let i = 0; i < names.length; i++) {
      const dir = join(base, names[i]);
      let available: string;
      let current: string;
      try {
        available = readFileText(join(dir, 'available_clocksource'));
        current = readFileText(join(dir, 'current_clocksource')).trim();
      } catch (e) {
        throw new Error(`couldn't get clocksources: ${(e as Error).message}`);
      }
      const device = String(i);
      for (const cs of available.split(/\s+/)) {
        if (cs !== '') {
          out.gauge('node_time_clocksource_available_info', "Available clocksources read from '/sys/devices/system/clocksource'.", 1, labels('device', device, 'clocksource', cs));
        }
      }
      out.gauge('node_time_clocksource_current_info', "Current clocksource read from '/sys/devices/system/clocksource'.", 1, labels('device', device, 'clocksource', current));
    }
  }
}

export const timeCollector: CollectorDefinition = {
  name: 'time',
  defaultEnabled: true,
  create: (config) => new TimeCollector(config),
};
