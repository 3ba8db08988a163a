/**
 * A small in-memory store implementing the storage seam (`Appendable` + `Queryable`), for engine tests
 * that must not depend on the TSDB head. Samples are kept per series in typed arrays.
 */
import { type Labels, type Matcher, Labels as L, VigilError } from '@vigil/model';
import type { Appendable, Appender, Exemplar, Querier, Queryable, SampleIterator, SelectHints, Series, SeriesRef } from '@vigil/tsdb';
import { AppendError } from '@vigil/tsdb';

interface MemSeries {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  len: number;
}

export class MemoryStorage implements Appendable, Queryable {
  private readonly byKey = new Map<string, MemSeries>();
  private readonly byRef: MemSeries[] = [];

  appender(): Appender {
    const pending: Array<{ s: MemSeries | null; labels: Labels; t: number; v: number }> = [];
    const store = this;
    return {
      append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
        const s = ref > 0 ? store.byRef[ref - 1] : null;
        pending.push({ s, labels, t, v });
        return ref > 0 ? ref : store.refOf(labels);
      },
      appendExemplar(ref: SeriesRef, labels: Labels, _e: Exemplar): SeriesRef {
        return ref > 0 ? ref : store.refOf(labels);
      },
      async commit(): Promise<void> {
        for (const p of pending) {
          const s = p.s ?? store.series(p.labels);
          if (s.len > 0 && p.t <= s.ts[s.len - 1]) {
            throw new AppendError(p.t === s.ts[s.len - 1] ? 'duplicate' : 'out_of_order', `${p.labels.toString()} at ${p.t}`);
          }
          if (s.len === s.ts.length) {
            const ts = new Float64Array(Math.max(16, s.len * 2));
            const vs = new Float64Array(ts.length);
            ts.set(s.ts);
            vs.set(s.vs);
            s.ts = ts;
            s.vs = vs;
          }
          s.ts[s.len] = p.t;
          s.vs[s.len] = p.v;
          s.len++;
        }
        pending.length = 0;
      },
      async rollback(): Promise<void> {
        pending.length = 0;
      },
    };
  }

  private refOf(labels: Labels): SeriesRef {
    this.series(labels);
    return this.byRef.indexOf(this.byKey.get(labels.flat.join('\xff'))!) + 1;
  }

  private series(labels: Labels): MemSeries {
    const key = labels.flat.join('\xff');
    let s = this.byKey.get(key);
    if (s === undefined) {
      s = { labels, ts: new Float64Array(16), vs: new Float64Array(16), len: 0 };
      this.byKey.set(key, s);
      this.byRef.push(s);
    }
    return s;
  }

  querier(mint: number, maxt: number): Querier {
    const all = [...this.byKey.values()].sort((a, b) => L.compare(a.labels, b.labels));
    const inRange = (s: MemSeries, lo: number, hi: number): boolean => {
      for (let i = 0; i < s.len; i++) if (s.ts[i] >= lo && s.ts[i] <= hi) return true;
      return false;
    };
    const matching = (matchers: readonly Matcher[] | undefined): MemSeries[] =>
      all.filter((s) => inRange(s, mint, maxt) && (matchers ?? []).every((m) => m.matches(s.labels.get(m.name))));
    return {
      select(matchers: readonly Matcher[], hints?: SelectHints): Series[] {
        if (matchers.length === 0 || matchers.every((m) => m.matchesEmpty)) {
          throw new VigilError('bad_data', 'at least one matcher must not match the empty string');
        }
        const lo = Math.max(mint, hints?.start ?? mint);
        const hi = Math.min(maxt, hints?.end ?? maxt);
        return matching(matchers)
          .filter((s) => inRange(s, lo, hi))
          .map((s) => ({ labels: s.labels, iterator: () => new MemIterator(s, lo, hi) }));
      },
      labelNames(matchers?: readonly Matcher[]): string[] {
        const names = new Set<string>();
        for (const s of matching(matchers)) s.labels.forEach((n) => names.add(n));
        return [...names].sort();
      },
      labelValues(name: string, matchers?: readonly Matcher[]): string[] {
        const values = new Set<string>();
        for (const s of matching(matchers)) {
          const v = s.labels.get(name);
          if (v !== '') values.add(v);
        }
        return [...values].sort();
      },
      close(): void {},
    };
  }
}

class MemIterator implements SampleIterator {
  private i = -1;
  t = 0;
  v = 0;

  constructor(private readonly s: MemSeries, private readonly lo: number, private readonly hi: number) {}

  next(): boolean {
    for (;;) {
      this.i++;
      if (this.i >= this.s.len || this.s.ts[this.i] > this.hi) {
        this.i = this.s.len;
        return false;
      }
      if (this.s.ts[this.i] < this.lo) continue;
      this.t = this.s.ts[this.i];
      this.v = this.s.vs[this.i];
      return true;
    }
  }

  seek(t: number): boolean {
    if (this.i >= 0 && this.i < this.s.len && this.t >= t) return true;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }
}
