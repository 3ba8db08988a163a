/**
 * One `Querier` over several (the head and the blocks): series with equal labels are merged into one,
 * their samples interleaved by time; where two sources hold a sample at the same timestamp (overlapping
 * blocks, a block and the head), the first querier in the list wins.
 */
import { Labels, compareUtf8, type FloatHistogram, type Matcher } from '@vigil/model';
import type { Querier, SampleIterator, SelectHints, Series } from '../storage.js';

/** Merges samples of several iterators by time, keeping one sample per timestamp. */
export class ChainSampleIterator implements SampleIterator {
  t = 0;
  private readonly its: SampleIterator[];
  /** Whether iterator i is positioned on a sample. */
  private readonly valid: boolean[];
  private cur = -1;
  private started = false;

  constructor(its: SampleIterator[]) {
    this.its = its;
    this.valid = its.map(() => false);
  }

  get v(): number {
    return this.its[this.cur].v;
  }

  get h(): FloatHistogram | null {
    return this.its[this.cur].h;
  }

  private pick(): boolean {
    let best = -1;
    let bt = Infinity;
    for (let i = 0; i < this.its.length; i++) {
      if (this.valid[i] && this.its[i].t < bt) {
        bt = this.its[i].t;
        best = i;
      }
    }
    this.cur = best;
    if (best < 0) return false;
    this.t = bt;
    return true;
  }

  next(): boolean {
    const its = this.its;
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < its.length; i++) this.valid[i] = its[i].next();
      return this.pick();
    }
    if (this.cur < 0) return false;
    // Move every iterator sitting on the sample just returned (duplicates across sources).
    const t = this.t;
    for (let i = 0; i < its.length; i++) {
      if (this.valid[i] && its[i].t === t) this.valid[i] = its[i].next();
    }
    return this.pick();
  }

  seek(t: number): boolean {
    const its = this.its;
    if (this.started && this.cur >= 0 && this.t >= t) return true;
    if (this.started && this.cur < 0) return false;
    this.started = true;
    for (let i = 0; i < its.length; i++) {
      // A fresh iterator must move before it is positioned; seek does both.
      if (!this.valid[i] || its[i].t < t) this.valid[i] = its[i].seek(t);
    }
    return this.pick();
  }
}

class MergedSeries implements Series {
  readonly labels: Labels;
  private readonly parts: Series[];

  constructor(labels: Labels, parts: Series[]) {
    this.labels = labels;
    this.parts = parts;
  }

  iterator(): SampleIterator {
    return new ChainSampleIterator(this.parts.map((p) => p.iterator()));
  }
}

/** Merges lists of series sorted by labels; equal label sets become one series. */
export function mergeSeriesLists(lists: Series[][]): Series[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return [];
  if (nonEmpty.length === 1) return nonEmpty[0];
  const pos = nonEmpty.map(() => 0);
  const out: Series[] = [];
  for (;;) {
    let min: Labels | undefined;
    for (let i = 0; i < nonEmpty.length; i++) {
      if (pos[i] >= nonEmpty[i].length) continue;
      const l = nonEmpty[i][pos[i]].labels;
      if (min === undefined || Labels.compare(l, min) < 0) min = l;
    }
    if (min === undefined) return out;
    const parts: Series[] = [];
    for (let i = 0; i < nonEmpty.length; i++) {
      if (pos[i] < nonEmpty[i].length && nonEmpty[i][pos[i]].labels.equals(min)) parts.push(nonEmpty[i][pos[i]++]);
    }
    out.push(parts.length === 1 ? parts[0] : new MergedSeries(min, parts));
  }
}

function mergeSorted(lists: string[][]): string[] {
  const set = new Set<string>();
  for (const l of lists) for (const s of l) set.add(s);
  return [...set].sort(compareUtf8);
}

class MergeQuerier implements Querier {
  private readonly queriers: Querier[];

  constructor(queriers: Querier[]) {
    this.queriers = queriers;
  }

  select(matchers: readonly Matcher[], hints?: SelectHints): Series[] {
    return mergeSeriesLists(this.queriers.map((q) => q.select(matchers, hints)));
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    return mergeSorted(this.queriers.map((q) => q.labelNames(matchers)));
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    return mergeSorted(this.queriers.map((q) => q.labelValues(name, matchers)));
  }

  close(): void {
    for (const q of this.queriers) q.close();
  }
}

/** A querier over all of `queriers`; closing it closes them. Earlier queriers win on duplicate timestamps. */
export function mergeQueriers(queriers: readonly Querier[]): Querier {
  if (queriers.length === 1) return queriers[0];
  return new MergeQuerier([...queriers]);
}
