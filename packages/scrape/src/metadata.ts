/**
 * Metric metadata (type, help, unit per metric family) as each target exposes it, for
 * `/api/v1/targets/metadata` and `/api/v1/metadata`. Entries not seen for 10 scrapes are forgotten.
 */
import type { MetricType } from '@vigil/exposition';

export interface MetricMetadata {
  /** The metric family name. */
  readonly metric: string;
  readonly type: MetricType;
  readonly help: string;
  readonly unit: string;
}

/** A copy that does not keep the scrape body alive (the parser's strings are slices of it). */
function detach(s: string): string {
  return (' ' + s).slice(1);
}

interface Entry {
  type: MetricType;
  help: string;
  unit: string;
  lastIter: number;
}

export class MetadataStore {
  private readonly entries = new Map<string, Entry>();

  private entry(name: string, iter: number): Entry {
    let e = this.entries.get(name);
    if (!e) {
      e = { type: 'unknown', help: '', unit: '', lastIter: iter };
      this.entries.set(detach(name), e);
    }
    e.lastIter = iter;
    return e;
  }

  setType(name: string, type: MetricType, iter: number): void {
    this.entry(name, iter).type = type;
  }

  setHelp(name: string, help: string, iter: number): void {
    const e = this.entry(name, iter);
    if (e.help !== help) e.help = detach(help);
  }

  setUnit(name: string, unit: string, iter: number): void {
    const e = this.entry(name, iter);
    if (e.unit !== unit) e.unit = detach(unit);
  }

  /** Forgets families not seen in the last 10 scrapes (as Prometheus's scrape cache does). */
  expire(iter: number): void {
    for (const [name, e] of this.entries) if (iter - e.lastIter > 10) this.entries.delete(name);
  }

  get(metric: string): MetricMetadata | undefined {
    const e = this.entries.get(metric);
    return e ? { metric, type: e.type, help: e.help, unit: e.unit } : undefined;
  }

  list(): MetricMetadata[] {
    const out: MetricMetadata[] = [];
    for (const [metric, e] of this.entries) out.push({ metric, type: e.type, help: e.help, unit: e.unit });
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}
