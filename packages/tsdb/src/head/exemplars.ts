/**
 * Exemplars in a fixed-size ring buffer, as Prometheus's `CircularExemplarStorage`: the newest
 * `capacity` exemplars across all series are kept; each series links its own exemplars oldest to newest
 * through the ring, so a query walks only the series it matches.
 */
import { sameFloatBits, type Labels, type Matcher } from '@vigil/model';
import { AppendError, type Exemplar } from '../storage.js';

/** OpenMetrics caps an exemplar's label set at 128 UTF-8 characters. */
export const EXEMPLAR_MAX_LABEL_RUNES = 128;

interface SeriesExemplars {
  readonly labels: Labels;
  oldest: number;
  newest: number;
}

export class CircularExemplarStorage {
  readonly capacity: number;
  // Allocated at the first exemplar: most heads (tests, tools) never see one.
  private ts = new Float64Array(0);
  private vs = new Float64Array(0);
  private next = new Int32Array(0);
  private owner = new Uint32Array(0);
  private exLabels: Array<Labels | undefined> = [];
  private readonly bySeries = new Map<number, SeriesExemplars>();
  private nextIndex = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(0, capacity | 0);
  }

  private allocate(): void {
    this.ts = new Float64Array(this.capacity);
    this.vs = new Float64Array(this.capacity);
    this.next = new Int32Array(this.capacity);
    this.owner = new Uint32Array(this.capacity);
    this.exLabels = new Array<Labels | undefined>(this.capacity).fill(undefined);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  /**
   * Checks an exemplar for series `ref` as Prometheus does: label set not too long, not older than the
   * newest one stored. Returns false for an exact duplicate of the newest one (accepted and dropped).
   */
  validate(ref: number, e: Exemplar, pendingT = -Infinity): boolean {
    let runes = 0;
    e.labels.forEach((n, v) => {
      runes += [...n].length + [...v].length;
    });
    if (runes > EXEMPLAR_MAX_LABEL_RUNES) throw new AppendError('exemplar_labels_too_long');
    if (!this.enabled) return false;
    const idx = this.bySeries.get(ref);
    if (e.t <= pendingT) throw new AppendError('out_of_order_exemplar');
    if (idx === undefined) return true;
    const newest = idx.newest;
    const nt = this.ts[newest];
    if (nt === e.t && sameFloatBits(this.vs[newest], e.value) && this.exLabels[newest]!.equals(e.labels)) return false;
    if (e.t <= nt) throw new AppendError('out_of_order_exemplar');
    return true;
  }

  /** Stores an exemplar (already validated), overwriting the oldest in the ring when full. */
  add(ref: number, seriesLabels: Labels, e: Exemplar): void {
    if (!this.enabled) return;
    if (this.ts.length === 0) this.allocate();
    const i = this.nextIndex;
    const prevOwner = this.exLabels[i] !== undefined ? this.owner[i] : -1;
    if (prevOwner >= 0) {
      // The slot's old exemplar was its series' oldest: move that series' head forward.
      const idx = this.bySeries.get(prevOwner);
      if (idx !== undefined) {
        if (idx.oldest === i && idx.newest === i) this.bySeries.delete(prevOwner);
        else if (idx.oldest === i) idx.oldest = this.next[i];
      }
    }
    this.ts[i] = e.t;
    this.vs[i] = e.value;
    this.exLabels[i] = e.labels;
    this.owner[i] = ref;
    this.next[i] = -1;
    const idx = this.bySeries.get(ref);
    if (idx === undefined) {
      this.bySeries.set(ref, { labels: seriesLabels, oldest: i, newest: i });
    } else {
      this.next[idx.newest] = i;
      idx.newest = i;
    }
    this.nextIndex = (i + 1) % this.capacity;
  }

  /** Exemplars of series matching any of `matcherSets`, with `start <= t <= end`, oldest first. */
  select(start: number, end: number, matcherSets: readonly (readonly Matcher[])[]): Array<{ seriesLabels: Labels; exemplars: Exemplar[] }> {
    const out: Array<{ seriesLabels: Labels; exemplars: Exemplar[] }> = [];
    for (const idx of this.bySeries.values()) {
      const ls = idx.labels;
      if (!matcherSets.some((ms) => ms.every((m) => m.matches(ls.get(m.name))))) continue;
      const exemplars: Exemplar[] = [];
      for (let i = idx.oldest; i !== -1; i = this.next[i]) {
        const t = this.ts[i];
        if (t > end) break;
        if (t >= start) exemplars.push({ labels: this.exLabels[i]!, value: this.vs[i], t });
        if (i === idx.newest) break;
      }
      if (exemplars.length > 0) out.push({ seriesLabels: ls, exemplars });
    }
    return out;
  }

  /** Newest stored exemplar time of a series, or -Infinity. */
  newestTime(ref: number): number {
    const idx = this.bySeries.get(ref);
    return idx === undefined ? -Infinity : this.ts[idx.newest];
  }
}
