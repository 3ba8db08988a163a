/** `sockstat`: socket counts by protocol and state from /proc/net/sockstat and /proc/net/sockstat6. */
import { join } from 'node:path';
import type { MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { forEachLine, isNotExist, readFileText } from '../procfile.js';
import { pageSize } from '../system.js';

const STATES = new Set(['inuse', 'orphan', 'tw', 'alloc', 'mem', 'memory']);
/** node_exporter's order within a protocol (the output is sorted by name anyway). */
const ORDER = ['inuse', 'orphan', 'tw', 'alloc', 'mem', 'memory'];

export interface SockstatProtocol {
  readonly protocol: string;
  readonly values: Map<string, number>;
}

export function parseSockstat(text: string): { used?: number; protocols: SockstatProtocol[] } {
  let used: number | undefined;
  const protocols: SockstatProtocol[] = [];
  forEachLine(text, (s, e) => {
    const fields = text.slice(s, e).split(' ');
    if (fields.length < 3) throw new Error(`malformed sockstat line: ${JSON.stringify(text.slice(s, e))}`);
    if ((fields.length - 1) % 2 !== 0) throw new Error(`odd number of fields in key/value pairs: ${JSON.stringify(text.slice(s, e))}`);
    const values = new Map<string, number>();
    for (let i = 1; i < fields.length; i += 2) {
      const v = Number(fields[i + 1]);
      if (!Number.isInteger(v) || fields[i + 1] === '') throw new Error(`invalid value ${JSON.stringify(fields[i + 1])} in sockstat`);
      values.set(fields[i], v);
    }
    const proto = fields[0].endsWith(':') ? fields[0].slice(0, -1) : fields[0];
    if (proto === 'sockets') used = values.get('used') ?? 0;
    else protocols.push({ protocol: proto, values });
  });
  return { used, protocols };
}

class SockstatCollector implements Collector {
  readonly name = 'sockstat';
  constructor(private readonly config: NodeExporterConfig) {}

  private read(file: string, what: string): string | undefined {
    try {
      return readFileText(join(this.config.procfs, file));
    } catch (e) {
      // IPv4 or IPv6 disabled in this kernel.
      if (isNotExist(e)) return undefined;
      throw new Error(`failed to get ${what} sockstat data: ${(e as Error).message}`);
    }
  }

  update(out: MetricsBuilder): void {
    const v4 = this.read('net/sockstat', 'IPv4');
    const v6 = this.read('net/sockstat6', 'IPv6');
    if (v4 !== undefined) this.emit(out, parseSockstat(v4), false);
    if (v6 !== undefined) this.emit(out, parseSockstat(v6), true);
  }

  private emit(out: MetricsBuilder, st: ReturnType<typeof parseSockstat>, ipv6: boolean): void {
    if (!ipv6 && st.used !== undefined) out.gauge('node_sockstat_sockets_used', 'Number of IPv4 sockets in use.', st.used);
    for (const p of st.protocols) {
      const emit = (state: string, v: number) =>
        out.gauge(`node_sockstat_${p.protocol}_${state}`, `Number of ${p.protocol} sockets in state ${state}.`, v);
      // "inuse" is always reported (0 when absent), the other states when the kernel prints them.
      emit('inuse', p.values.get('inuse') ?? 0);
      for (const state of ORDER) {
        if (state === 'inuse' || !STATES.has(state)) continue;
        const v = p.values.get(state);
        if (v !== undefined) emit(state, v);
      }
      const mem = p.values.get('mem');
      if (mem !== undefined) emit('mem_bytes', mem * pageSize());
    }
  }
}

export const sockstatCollector: CollectorDefinition = {
  name: 'sockstat',
  defaultEnabled: true,
  create: (config) => new SockstatCollector(config),
};
