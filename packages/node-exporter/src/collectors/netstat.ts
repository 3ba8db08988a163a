/** `netstat`: protocol counters from /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6, filtered by name. */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { forEachLine, isNotExist, readFileText, splitFields } from '../procfile.js';

/** Calls `fn(protocol, name, value)` for the header/value line pairs of /proc/net/netstat and /proc/net/snmp. */
export function parseNetStats(text: string, file: string, fn: (protocol: string, name: string, value: string) => void): void {
  const names: string[] = [];
  const values: string[] = [];
  let header = true;
  forEachLine(text, (s, e) => {
    if (header) {
      splitFields(text, s, e, names);
      header = false;
      return;
    }
    header = true;
    splitFields(text, s, e, values);
    if (names.length === 0) return;
    const protocol = names[0].endsWith(':') ? names[0].slice(0, -1) : names[0];
    if (names.length !== values.length) throw new Error(`mismatch field count mismatch in ${file}: ${protocol}`);
    for (let i = 1; i < names.length; i++) fn(protocol, names[i], values[i]);
  });
}

/** /proc/net/snmp6: `Ip6InReceives 123` lines, split after the "6". */
export function parseSNMP6(text: string, fn: (protocol: string, name: string, value: string) => void): void {
  const f: string[] = [];
  forEachLine(text, (s, e) => {
    if (splitFields(text, s, e, f) < 2) return;
    const six = f[0].indexOf('6');
    if (six < 0) return;
    fn(f[0].slice(0, six + 1), f[0].slice(six + 1), f[1]);
  });
}

/** For one header line of /proc/net/netstat or snmp: the wanted columns, their metric names and help. */
interface Plan {
  readonly protocol: string;
  readonly columns: number;
  readonly wanted: ReadonlyArray<readonly [column: number, name: string, help: string]>;
}

class NetStatCollector implements Collector {
  readonly name = 'netstat';
  /** Header lines repeat verbatim every scrape: the filter's answer is worked out once per header. */
  private readonly plans = new Map<string, Plan>();
  /** The same for /proc/net/snmp6 names (null: not wanted). */
  private readonly snmp6 = new Map<string, readonly [string, string] | null>();
  private readonly fields: string[] = [];
  constructor(private readonly config: NodeExporterConfig) {}

  private plan(header: string): Plan {
    let p = this.plans.get(header);
    if (p === undefined) {
      const names: string[] = [];
      splitFields(header, 0, header.length, names);
      const protocol = names[0]?.endsWith(':') ? names[0].slice(0, -1) : (names[0] ?? '');
      const wanted: Array<readonly [number, string, string]> = [];
      for (let i = 1; i < names.length; i++) {
        const key = protocol + '_' + names[i];
        if (this.config.netstatFields.test(key)) wanted.push([i, 'node_netstat_' + key, `Statistic ${protocol}${names[i]}.`]);
      }
      p = { protocol, columns: names.length, wanted };
      this.plans.set(header, p);
    }
    return p;
  }

  /** Header/value line pairs: only the wanted values are read. */
  private pairs(text: string, file: string, out: MetricsBuilder): void {
    let header: string | undefined;
    const f = this.fields;
    forEachLine(text, (s, e) => {
      if (header === undefined) {
        header = text.slice(s, e);
        return;
      }
      const p = this.plan(header);
      header = undefined;
      if (splitFields(text, s, e, f) !== p.columns) throw new Error(`mismatch field count mismatch in ${file}: ${p.protocol}`);
      for (const [i, name, help] of p.wanted) {
        const v = Number(f[i]);
        if (v !== v || f[i] === '') throw new Error(`invalid value ${f[i]} in netstats`);
        out.untyped(name, help, v);
      }
    });
  }

  update(out: MetricsBuilder): void {
    const read = (file: string) => readFileText(join(this.config.procfs, file));
    let netstat: string;
    let snmp: string;
    try {
      netstat = read('net/netstat');
    } catch (e) {
      throw new Error(`couldn't get netstats: ${(e as Error).message}`);
    }
    try {
      snmp = read('net/snmp');
    } catch (e) {
      throw new Error(`couldn't get SNMP stats: ${(e as Error).message}`);
    }
    let snmp6: string | undefined;
    try {
      snmp6 = read('net/snmp6');
    } catch (e) {
      // Without IPv6 the file does not exist.
      if (!isNotExist(e)) throw new Error(`couldn't get SNMP6 stats: ${(e as Error).message}`);
    }
    // The protocols of the three files are distinct (TcpExt, IpExt, ... / Ip, Tcp, ... / Ip6, Udp6, ...).
    this.pairs(netstat, join(this.config.procfs, 'net/netstat'), out);
    this.pairs(snmp, join(this.config.procfs, 'net/snmp'), out);
    if (snmp6 === undefined) return;
    parseSNMP6(snmp6, (protocol, name, raw) => {
      const key = protocol + name;
      let w = this.snmp6.get(key);
      if (w === undefined) {
        const k = protocol + '_' + name;
        w = this.config.netstatFields.test(k) ? ['node_netstat_' + k, `Statistic ${key}.`] : null;
        this.snmp6.set(key, w);
      }
      if (w === null) return;
      const v = Number(raw);
      if (v !== v || raw === '') throw new Error(`invalid value ${raw} in netstats`);
      out.untyped(w[0], w[1], v);
    });
  }
}

export const netstatCollector: CollectorDefinition = {
  name: 'netstat',
  defaultEnabled: true,
  create: (config) => new NetStatCollector(config),
};
