/**
 * Metric metadata (type, help, unit per metric family) as each target exposes it, for
 * `/api/v1/targets/metadata` and `/api/v1/metadata`. Entries not seen for 10 scrapes are forgotten.
 *
 * A scrape reads the metadata lines through `see()`: as with series, a target writes the same lines in the
 * same order each time, so each line is compared in place with the one expected there (no strings made);
 * only a family or a text that is new or changed costs a string.
 */
import { EntryType, type ExpositionParser, type MetricType } from '@vigil/exposition';

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
  readonly name: string;
  type: MetricType;
  help: string;
  unit: string;
  lastIter: number;
  /** Index of the family's first metadata line in the order it was last seen in (a hint). */
  pos: number;
  /** Forgotten (expired): an order hint may still refer to it, and must not be taken. */
  gone: boolean;
}

export class MetadataStore {
  private readonly entries = new Map<string, Entry>();
  /** The families of the last successful scrape's metadata lines, one per line, in order. */
  private order: Entry[] = [];
  /** The scrape in progress: its lines so far, and where in `order` its next line is expected. */
  private nextOrder: Entry[] = [];
  private n = 0;
  private cursor = 0;
  /** The family of the last line read, and the parser's `familyIndex` then (a line of the same family follows). */
  private last: Entry | undefined;
  private lastIndex = -1;

  private entry(name: string, iter: number): Entry {
    let e = this.entries.get(name);
    if (!e) {
      e = { name: detach(name), type: 'unknown', help: '', unit: '', lastIter: iter, pos: -1, gone: false };
      this.entries.set(e.name, e);
    }
    e.lastIter = iter;
    return e;
  }

  /** Starts reading a scrape's metadata lines. */
  begin(): void {
    this.n = 0;
    this.cursor = 0;
    this.last = undefined;
    this.lastIndex = -1;
  }

  /** Reads the metadata line (Type, Help or Unit) the parser is at. */
  see(p: ExpositionParser, kind: number, iter: number): void {
    let e: Entry | undefined = this.order[this.cursor];
    if (p.familyIndex === this.lastIndex && this.last !== undefined) {
      // Still the family of the previous line (e.g. TYPE after HELP): known without comparing names.
      if (e === this.last) this.cursor++;
      e = this.last;
    } else if (e !== undefined && !e.gone && p.familyNameIs(e.name)) {
      this.cursor++;
    } else {
      const name = p.familyName();
      e = this.entries.get(name);
      // A family out of the expected order: expect what followed it last time.
      if (e === undefined) {
        e = this.entry(name, iter);
        e.pos = this.n;
      } else if (this.order[e.pos] === e) this.cursor = e.pos + 1;
    }
    if (e.lastIter !== iter) {
      e.lastIter = iter;
      e.pos = this.n;
    }
    this.nextOrder[this.n++] = e;
    this.last = e;
    this.lastIndex = p.familyIndex;
    if (kind === EntryType.Type) e.type = p.familyType();
    else if (kind === EntryType.Help) {
      if (!p.helpIs(e.help)) e.help = detach(p.help());
    } else if (kind === EntryType.Unit) {
      if (!p.unitIs(e.unit)) e.unit = detach(p.unit());
    }
  }

  /** Ends a scrape's metadata lines; when it succeeded, its order is the one expected next time. */
  end(ok: boolean): void {
    this.last = undefined;
    if (ok) {
      const order = this.nextOrder;
      order.length = this.n;
      this.nextOrder = this.order;
      this.order = order;
    }
    this.n = 0;
    this.cursor = 0;
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
    for (const e of this.entries.values()) {
      if (iter - e.lastIter > 10) {
        e.gone = true;
        this.entries.delete(e.name);
      }
    }
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
