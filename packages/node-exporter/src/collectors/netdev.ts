/**
 * `netdev`: network device counters from /proc/net/dev under node_exporter's names.
 *
 * node_exporter 1.5 reads them over rtnetlink by default. /proc/net/dev carries the same counters already
 * folded as its "legacy" names are (drop = dropped + missed, frame = length + over + crc + frame errors,
 * carrier = carrier + aborted + window + heartbeat errors); the one netlink-only counter,
 * `receive_nohandler`, is read from /sys/class/net/<device>/statistics/rx_nohandler.
 */
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { labels, type MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import { deviceIgnored, type NodeExporterConfig } from '../config.js';
import { forEachLine, readFileText, readUint, splitFields } from '../procfile.js';

/** /proc/net/dev columns after the device name. */
const COLUMNS = [
  'receive_bytes', 'receive_packets', 'receive_errs', 'receive_drop', 'receive_fifo', 'receive_frame', 'receive_compressed', 'receive_multicast',
  'transmit_bytes', 'transmit_packets', 'transmit_errs', 'transmit_drop', 'transmit_fifo', 'transmit_colls', 'transmit_carrier', 'transmit_compressed',
];
const NAMES = COLUMNS.map((c) => `node_network_${c}_total`);
const HELPS = COLUMNS.map((c) => `Network device statistic ${c}.`);

export interface NetDevLine {
  readonly device: string;
  readonly values: readonly number[];
}

export function parseNetDev(text: string): NetDevLine[] {
  const out: NetDevLine[] = [];
  const f: string[] = [];
  let line = 0;
  forEachLine(text, (s, e) => {
    if (line++ < 2) return; // two header lines
    const colon = text.lastIndexOf(':', e);
    if (colon < s) return;
    const device = text.slice(s, colon).trim();
    const n = splitFields(text, colon + 1, e, f);
    if (n < COLUMNS.length) throw new Error(`/proc/net/dev: ${n} fields for ${device}, want ${COLUMNS.length}`);
    const values = new Array<number>(COLUMNS.length);
    for (let i = 0; i < COLUMNS.length; i++) {
      const v = Number(f[i]);
      if (v !== v || f[i] === '') throw new Error(`/proc/net/dev: invalid value ${JSON.stringify(f[i])} for ${device}`);
      values[i] = v;
    }
    out.push({ device, values });
  });
  return out;
}

class NetDevCollector implements Collector {
  readonly name = 'netdev';
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void {
    let devs: NetDevLine[];
    try {
      devs = parseNetDev(readFileText(join(this.config.procfs, 'net/dev')));
    } catch (e) {
      throw new Error(`couldn't get netstats: ${(e as Error).message}`);
    }
    const nc = this.config.netdev;
    for (const d of devs) {
      if (deviceIgnored(nc, d.device)) continue;
      const l = labels('device', d.device);
      for (let i = 0; i < COLUMNS.length; i++) out.counter(NAMES[i], HELPS[i], d.values[i], l);
      if (nc.netlink) {
        let nohandler = 0;
        try {
          nohandler = readUint(join(this.config.sysfs, 'class/net', d.device, 'statistics/rx_nohandler'));
        } catch {
          // Kernels before 4.6 do not count it; netlink reports 0 then.
        }
        out.counter('node_network_receive_nohandler_total', 'Network device statistic receive_nohandler.', nohandler, l);
      }
    }
    if (nc.addressInfo) this.addressInfo(out);
  }

  private addressInfo(out: MetricsBuilder): void {
    const ifaces = networkInterfaces();
    for (const device of Object.keys(ifaces)) {
      for (const a of ifaces[device] ?? []) {
        const slash = a.cidr?.lastIndexOf('/') ?? -1;
        const netmask = slash >= 0 ? a.cidr!.slice(slash + 1) : '';
        out.gauge(
          'node_network_address_info',
          'node network address by device',
          1,
          labels('device', device, 'address', a.address.replace(/%.*$/, ''), 'netmask', netmask, 'scope', addressScope(a.address, a.family)),
        );
      }
    }
  }
}

/** The scope node_exporter gives an address: link-local for loopback and link-local, global for global unicast. */
export function addressScope(address: string, family: string): string {
  const a = address.toLowerCase();
  if (family === 'IPv4') {
    const [x, y] = a.split('.').map(Number);
    if (x === 127 || (x === 169 && y === 254)) return 'link-local';
    if (x === 0 || x >= 224) return '';
    return 'global';
  }
  if (a === '::1' || a.startsWith('fe8') || a.startsWith('fe9') || a.startsWith('fea') || a.startsWith('feb')) return 'link-local';
  if (a.startsWith('ff01')) return 'interface-local';
  if (a.startsWith('ff02')) return 'link-local';
  if (a === '::' || a.startsWith('ff')) return '';
  return 'global';
}

export const netdevCollector: CollectorDefinition = {
  name: 'netdev',
  defaultEnabled: true,
  create: (config) => new NetDevCollector(config),
};
