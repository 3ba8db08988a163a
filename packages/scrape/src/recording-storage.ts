/**
 * An in-memory `Appendable` that records what scrapes commit, for tests (here and in the packages that
 * wire scraping to storage). It behaves as the head does where scraping can tell: refs handed out per
 * series, out-of-order and duplicate samples refused with `AppendError`, a rolled-back batch forgotten
 * (series first created in it included). Values are kept in a `Float64Array`, so staleness markers survive.
 * Native histograms are kept as copies beside the float columns (their slot in `vs` is unused).
 */
import { type FloatHistogram, Labels, isStaleNaN } from '@vigil/model';
import { AppendError, type Appendable, type Appender, type Exemplar, type SeriesRef } from '@vigil/tsdb';

interface StoredSeries {
  readonly ref: SeriesRef;
  readonly labels: Labels;
  /** Offsets of this series' samples in the storage columns. */
  readonly idx: number[];
  lastT: number;
  lastV: number;
  lastH: FloatHistogram | null;
}

/** Same histogram, field by field (NaN equal to NaN, as a repeated scrape of the same value is). */
function sameHistogram(a: FloatHistogram, b: FloatHistogram): boolean {
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) ===
    JSON.stringify(b, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

export class RecordingStorage implements Appendable {
  private readonly byRef = new Map<SeriesRef, StoredSeries>();
  private readonly byKey = new Map<string, StoredSeries>();
  private nextRef = 1;
  private ts = new Float64Array(1024);
  private vs = new Float64Array(1024);
  private n = 0;
  /** Histogram samples by their offset in the columns. */
  private readonly hs = new Map<number, FloatHistogram>();
  readonly exemplars: Array<{ series: Labels; exemplar: Exemplar }> = [];
  commits = 0;
  rollbacks = 0;
  /** Appends seen (including those later rolled back). */
  appends = 0;
  /** Appends that named the series by labels (ref 0) rather than by ref. */
  appendsByLabels = 0;

  appender(): Appender {
    const pending: Array<{ s: StoredSeries; t: number; v: number; h: FloatHistogram | null }> = [];
    const created: StoredSeries[] = [];
    const exemplars: Array<{ series: Labels; exemplar: Exemplar }> = [];
    const find = (ref: SeriesRef, labels: Labels): StoredSeries => {
      if (ref !== 0) {
        const s = this.byRef.get(ref);
        if (s) return s;
        throw new AppendError('invalid', `unknown series ref ${ref}`);
      }
      if (labels.size === 0) throw new AppendError('invalid', 'empty label set');
      const key = labels.toString();
      let s = this.byKey.get(key);
      if (!s) {
        s = { ref: this.nextRef++, labels, idx: [], lastT: -Infinity, lastV: NaN, lastH: null };
        this.byKey.set(key, s);
        this.byRef.set(s.ref, s);
        created.push(s);
      }
      return s;
    };
    const lastOf = (s: StoredSeries): [number, number, FloatHistogram | null] => {
      for (let i = pending.length - 1; i >= 0; i--) if (pending[i].s === s) return [pending[i].t, pending[i].v, pending[i].h];
      return [s.lastT, s.lastV, s.lastH];
    };
    return {
      append: (ref, labels, t, v) => {
        this.appends++;
        if (ref === 0) this.appendsByLabels++;
        const s = find(ref, labels);
        const [lt, lv, lh] = lastOf(s);
        if (t < lt) throw new AppendError('out_of_order');
        if (t === lt) {
          if (lh === null && (Object.is(lv, v) || (isStaleNaN(lv) && isStaleNaN(v)))) return s.ref;
          throw new AppendError('duplicate');
        }
        pending.push({ s, t, v, h: null });
        return s.ref;
      },
      appendHistogram: (ref, labels, t, h) => {
        this.appends++;
        if (ref === 0) this.appendsByLabels++;
        const s = find(ref, labels);
        const [lt, , lh] = lastOf(s);
        if (t < lt) throw new AppendError('out_of_order');
        if (t === lt) {
          if (lh !== null && sameHistogram(lh, h)) return s.ref;
          throw new AppendError('duplicate');
        }
        pending.push({ s, t, v: NaN, h: h.copy() });
        return s.ref;
      },
      appendExemplar: (ref, labels, exemplar) => {
        const s = find(ref, labels);
        exemplars.push({ series: s.labels, exemplar });
        return s.ref;
      },
      commit: async () => {
        this.commits++;
        for (const p of pending) this.push(p.s, p.t, p.v, p.h);
        this.exemplars.push(...exemplars);
        pending.length = 0;
      },
      rollback: async () => {
        this.rollbacks++;
        pending.length = 0;
        for (const s of created) {
          if (s.idx.length === 0) {
            this.byRef.delete(s.ref);
            this.byKey.delete(s.labels.toString());
          }
        }
      },
    };
  }

  private push(s: StoredSeries, t: number, v: number, h: FloatHistogram | null): void {
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.n * 2);
      ts.set(this.ts);
      this.ts = ts;
      const vs = new Float64Array(this.n * 2);
      vs.set(this.vs);
      this.vs = vs;
    }
    this.ts[this.n] = t;
    this.vs[this.n] = v;
    if (h !== null) this.hs.set(this.n, h);
    s.idx.push(this.n++);
    s.lastT = t;
    s.lastV = v;
    s.lastH = h;
  }

  /** Every series with committed samples. */
  allSeries(): Labels[] {
    return [...this.byRef.values()].filter((s) => s.idx.length > 0).map((s) => s.labels).sort(Labels.compare);
  }

  /** Series whose labels include all of `match` (name → value). */
  select(match: Readonly<Record<string, string>>): Labels[] {
    return this.allSeries().filter((l) => Object.entries(match).every(([k, v]) => l.get(k) === v));
  }

  /** Committed samples of one series: timestamps and values (a `Float64Array`, so markers survive). */
  samples(labels: Labels | Readonly<Record<string, string>>): { t: number[]; v: Float64Array } {
    const l = labels instanceof Labels ? labels : Labels.fromObject(labels);
    const s = this.byKey.get(l.toString());
    if (!s) return { t: [], v: new Float64Array(0) };
    const v = new Float64Array(s.idx.length);
    s.idx.forEach((i, k) => (v[k] = this.vs[i]));
    return { t: s.idx.map((i) => this.ts[i]), v };
  }

  /** Committed native histogram samples of one series (its float samples left out). */
  histograms(labels: Labels | Readonly<Record<string, string>>): Array<{ t: number; h: FloatHistogram }> {
    const l = labels instanceof Labels ? labels : Labels.fromObject(labels);
    const s = this.byKey.get(l.toString());
    if (!s) return [];
    const out: Array<{ t: number; h: FloatHistogram }> = [];
    for (const i of s.idx) {
      const h = this.hs.get(i);
      if (h !== undefined) out.push({ t: this.ts[i], h });
    }
    return out;
  }

  /** The last committed value of the one series matching `match` (throws when none or several match). */
  last(match: Readonly<Record<string, string>>): number {
    const found = this.select(match);
    if (found.length !== 1) throw new Error(`expected one series matching ${JSON.stringify(match)}, found ${found.length}: ${found.join(' ')}`);
    const s = this.samples(found[0]);
    return s.v[s.v.length - 1];
  }

  /** Total committed samples. */
  get sampleCount(): number {
    return this.n;
  }
}
