/** `diskstats`: block device I/O counters from /proc/diskstats, device identity from udev's database. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { labels, type MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import { deviceIgnored, type NodeExporterConfig } from '../config.js';
import { forEachLine, readFileText, splitFields } from '../procfile.js';

/** Sectors in /proc/diskstats are 512 bytes whatever the device's block size. */
const SECTOR = 512;
/** Times in /proc/diskstats are milliseconds. */
const MS = 0.001;

/** In /proc/diskstats column order (after major, minor, name): name, help, type, scale. */
const STATS: ReadonlyArray<readonly [string, string, 'counter' | 'gauge', number]> = [
  ['node_disk_reads_completed_total', 'The total number of reads completed successfully.', 'counter', 1],
  ['node_disk_reads_merged_total', 'The total number of reads merged.', 'counter', 1],
  ['node_disk_read_bytes_total', 'The total number of bytes read successfully.', 'counter', SECTOR],
  ['node_disk_read_time_seconds_total', 'The total number of seconds spent by all reads.', 'counter', MS],
  ['node_disk_writes_completed_total', 'The total number of writes completed successfully.', 'counter', 1],
  ['node_disk_writes_merged_total', 'The number of writes merged.', 'counter', 1],
  ['node_disk_written_bytes_total', 'The total number of bytes written successfully.', 'counter', SECTOR],
  ['node_disk_write_time_seconds_total', 'This is the total number of seconds spent by all writes.', 'counter', MS],
  ['node_disk_io_now', 'The number of I/Os currently in progress.', 'gauge', 1],
  ['node_disk_io_time_seconds_total', 'Total seconds spent doing I/Os.', 'counter', MS],
  ['node_disk_io_time_weighted_seconds_total', 'The weighted # of seconds spent doing I/Os.', 'counter', MS],
  ['node_disk_discards_completed_total', 'The total number of discards completed successfully.', 'counter', 1],
  ['node_disk_discards_merged_total', 'The total number of discards merged.', 'counter', 1],
  // node_exporter reports discarded sectors as sectors, not bytes.
  ['node_disk_discarded_sectors_total', 'The total number of sectors discarded successfully.', 'counter', 1],
  ['node_disk_discard_time_seconds_total', 'This is the total number of seconds spent by all discards.', 'counter', MS],
  ['node_disk_flush_requests_total', 'The total number of flush requests completed successfully', 'counter', 1],
  ['node_disk_flush_requests_time_seconds_total', 'This is the total number of seconds spent by all flush requests.', 'counter', MS],
];

const ATA: ReadonlyArray<readonly [string, string, string]> = [
  ['ID_ATA_WRITE_CACHE', 'node_disk_ata_write_cache', 'ATA disk has a write cache.'],
  ['ID_ATA_WRITE_CACHE_ENABLED', 'node_disk_ata_write_cache_enabled', 'ATA disk has its write cache enabled.'],
  ['ID_ATA_ROTATION_RATE_RPM', 'node_disk_ata_rotation_rate_rpm', 'ATA disk rotation rate in RPMs (0 for SSDs).'],
];

/** `E:KEY=value` lines of a udev database entry (/run/udev/data/b<major>:<minor>). */
export function parseUdevProperties(text: string): Map<string, string> {
  const info = new Map<string, string>();
  forEachLine(text, (s, e) => {
    if (!text.startsWith('E:', s)) return;
    const eq = text.indexOf('=', s + 2);
    if (eq < 0 || eq > e) return;
    info.set(text.slice(s + 2, eq), text.slice(eq + 1, e));
  });
  return info;
}

class DiskstatsCollector implements Collector {
  readonly name = 'diskstats';
  private readonly udev: boolean;
  private readonly fields: string[] = [];

  constructor(private readonly config: NodeExporterConfig) {
    let udev = false;
    try {
      udev = existsSync(config.udevData) && statSync(config.udevData).isDirectory();
    } catch {
      udev = false;
    }
    this.udev = udev;
  }

  private udevInfo(major: string, minor: string): Map<string, string> | undefined {
    if (!this.udev) return undefined;
    try {
      return parseUdevProperties(readFileText(join(this.config.udevData, `b${major}:${minor}`), true));
    } catch {
      return undefined;
    }
  }

  update(out: MetricsBuilder): void {
    let text: string;
    try {
      text = readFileText(join(this.config.procfs, 'diskstats'));
    } catch (e) {
      throw new Error(`couldn't get diskstats: ${(e as Error).message}`);
    }
    const f = this.fields;
    const filter = this.config.diskstats;
    forEachLine(text, (s, e) => {
      const n = splitFields(text, s, e, f);
      if (n < 4) return;
      const dev = f[2];
      if (deviceIgnored(filter, dev)) return;
      const info = this.udevInfo(f[0], f[1]);
      const get = (k: string) => info?.get(k) ?? '';
      out.gauge(
        'node_disk_info',
        'Info of /sys/block/<block_device>.',
        1,
        labels('device', dev, 'major', f[0], 'minor', f[1], 'path', get('ID_PATH'), 'wwn', get('ID_WWN'), 'model', get('ID_MODEL'), 'serial', get('ID_SERIAL_SHORT'), 'revision', get('ID_REVISION')),
      );
      const l = labels('device', dev);
      const count = Math.min(n - 3, STATS.length);
      for (let i = 0; i < count; i++) {
        const raw = Number(f[i + 3]);
        if (raw !== raw) throw new Error(`couldn't get diskstats: invalid value ${JSON.stringify(f[i + 3])} for ${dev}`);
        const [name, help, type, scale] = STATS[i];
        out.add(name, type, help, scale === 1 ? raw : raw * scale, l);
      }
      if (info === undefined) return;
      const fsType = get('ID_FS_TYPE');
      if (fsType !== '') {
        out.gauge('node_disk_filesystem_info', 'Info about disk filesystem.', 1, labels('device', dev, 'type', fsType, 'usage', get('ID_FS_USAGE'), 'uuid', get('ID_FS_UUID'), 'version', get('ID_FS_VERSION')));
      }
      const dmName = get('DM_NAME');
      if (dmName !== '') {
        out.gauge('node_disk_device_mapper_info', 'Info about disk device mapper.', 1, labels('device', dev, 'name', dmName, 'uuid', get('DM_UUID'), 'vg_name', get('DM_VG_NAME'), 'lv_name', get('DM_LV_NAME'), 'lv_layer', get('DM_LV_LAYER')));
      }
      if (get('ID_ATA') !== '') {
        for (const [attr, name, help] of ATA) {
          const v = info.get(attr);
          if (v === undefined) continue;
          const x = Number(v);
          if (v !== '' && x === x) out.gauge(name, help, x, l);
        }
      }
    });
  }
}

export const diskstatsCollector: CollectorDefinition = {
  name: 'diskstats',
  defaultEnabled: true,
  create: (config) => new DiskstatsCollector(config),
};
