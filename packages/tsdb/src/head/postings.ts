/**
 * The head's inverted index: for every label pair, the sorted refs of the series that carry it, as
 * `Uint32Array`s. Label strings are interned here: a series' labels are rebuilt from the canonical strings
 * of the index, so each distinct name and value is held once however many series share it.
 */
import { Labels, compareUtf8 } from '@vigil/model';

const EMPTY = new Uint32Array(0);

/** Refs of one label pair. One ref is kept inline: most unique values (ids, pods) have a single series. */
class PostingsList {
  readonly value: string;
  first = 0;
  refs: Uint32Array | null = null;
  len = 0;

  constructor(value: string) {
    this.value = value;
  }

  add(ref: number): void {
    if (this.len === 0) {
      this.first = ref;
      this.len = 1;
      return;
    }
    let refs = this.refs;
    if (refs === null) {
      refs = this.refs = new Uint32Array(4);
      refs[0] = this.first;
    } else if (this.len === refs.length) {
      const bigger = new Uint32Array(refs.length * 2);
      bigger.set(refs);
      refs = this.refs = bigger;
    }
    const len = this.len;
    if (len === 0 || refs[len - 1] < ref) {
      refs[len] = ref;
    } else {
      // Refs replayed out of order: insert in place.
      let i = len;
      while (i > 0 && refs[i - 1] > ref) {
        refs[i] = refs[i - 1];
        i--;
      }
      refs[i] = ref;
    }
    this.len = len + 1;
  }

  /** The refs, sorted (a view: valid until the next change). */
  view(): Uint32Array {
    if (this.len === 0) return EMPTY;
    if (this.refs === null) return Uint32Array.of(this.first);
    return this.refs.subarray(0, this.len);
  }

  /** Removes the refs for which `dead` is set. */
  removeDead(dead: Uint8Array): void {
    if (this.refs === null) {
      if (this.len === 1 && dead[this.first] === 1) this.len = 0;
      return;
    }
    const refs = this.refs;
    let n = 0;
    for (let i = 0; i < this.len; i++) {
      const r = refs[i];
      if (dead[r] !== 1) refs[n++] = r;
    }
    this.len = n;
    if (n === 1) {
      this.first = refs[0];
      this.refs = null;
    } else if (n < refs.length >> 2 && refs.length > 16) {
      this.refs = refs.slice(0, Math.max(4, n * 2));
    }
  }
}

class NameEntry {
  readonly name: string;
  /** A value held by one series maps to its ref directly: no list object for unique values. */
  readonly values = new Map<string, PostingsList | number>();
  constructor(name: string) {
    this.name = name;
  }
}

export class MemPostings {
  private readonly names = new Map<string, NameEntry>();
  private all = new Uint32Array(1024);
  private allLen = 0;

  /**
   * Indexes series `ref`; returns its labels rebuilt from interned strings. With `owned`, the caller
   * hands over `labels` (nobody else holds it) and its array is interned in place.
   */
  add(ref: number, labels: Labels, owned = false): Labels {
    const f = labels.flat;
    const interned = owned ? (f as string[]) : new Array<string>(f.length);
    for (let i = 0; i < f.length; i += 2) {
      const name = f[i];
      const value = f[i + 1];
      let ne = this.names.get(name);
      if (ne === undefined) {
        ne = new NameEntry(name);
        this.names.set(name, ne);
      }
      interned[i] = ne.name;
      const pl = ne.values.get(value);
      if (pl === undefined) {
        ne.values.set(value, ref);
        interned[i + 1] = value;
      } else if (typeof pl === 'number') {
        // The second series with this value: the first one's string stays the Map key.
        const list = new PostingsList(value);
        list.add(pl);
        list.add(ref);
        ne.values.set(value, list);
        interned[i + 1] = value;
      } else {
        pl.add(ref);
        interned[i + 1] = pl.value;
      }
    }
    this.addToAll(ref);
    return owned ? labels : Labels.fromSortedFlat(interned);
  }

  private addToAll(ref: number): void {
    if (this.allLen === this.all.length) {
      const bigger = new Uint32Array(this.all.length * 2);
      bigger.set(this.all);
      this.all = bigger;
    }
    let i = this.allLen;
    while (i > 0 && this.all[i - 1] > ref) {
      this.all[i] = this.all[i - 1];
      i--;
    }
    this.all[i] = ref;
    this.allLen++;
  }

  /** Refs of every series, sorted. */
  allPostings(): Uint32Array {
    return this.all.subarray(0, this.allLen);
  }

  get numSeries(): number {
    return this.allLen;
  }

  /** Refs of series with `name="value"`. */
  get(name: string, value: string): Uint32Array {
    const pl = this.names.get(name)?.values.get(value);
    if (pl === undefined) return EMPTY;
    return typeof pl === 'number' ? Uint32Array.of(pl) : pl.view();
  }

  /** One sorted list per value of `name` that satisfies `pred`. */
  matching(name: string, pred: (value: string) => boolean): Uint32Array[] {
    const ne = this.names.get(name);
    if (ne === undefined) return [];
    const out: Uint32Array[] = [];
    const singles: number[] = [];
    for (const [value, pl] of ne.values) {
      if (!pred(value)) continue;
      if (typeof pl === 'number') singles.push(pl);
      else if (pl.len > 0) out.push(pl.view());
    }
    // Unique values (one series each) come back as one sorted list.
    if (singles.length > 0) out.push(Uint32Array.from(singles).sort());
    return out;
  }

  /** Every label name, sorted. */
  labelNames(): string[] {
    const out: string[] = [];
    for (const ne of this.names.values()) if (ne.values.size > 0) out.push(ne.name);
    return out.sort(compareUtf8);
  }

  /** Every value of label `name`, sorted. */
  labelValues(name: string): string[] {
    const ne = this.names.get(name);
    if (ne === undefined) return [];
    return [...ne.values.keys()].sort(compareUtf8);
  }

  /** Drops the series whose ref is set in `dead` (indexed by ref); `labels` are theirs. */
  delete(dead: Uint8Array, labels: readonly Labels[]): void {
    for (const ls of labels) {
      const f = ls.flat;
      for (let i = 0; i < f.length; i += 2) {
        const ne = this.names.get(f[i]);
        if (ne === undefined) continue;
        const pl = ne.values.get(f[i + 1]);
        if (pl === undefined) continue;
        if (typeof pl === 'number') {
          if (dead[pl] === 1) ne.values.delete(f[i + 1]);
        } else {
          pl.removeDead(dead);
          if (pl.len === 0) ne.values.delete(f[i + 1]);
          else if (pl.len === 1) ne.values.set(f[i + 1], pl.view()[0]);
        }
        if (ne.values.size === 0) this.names.delete(ne.name);
      }
    }
    let n = 0;
    for (let i = 0; i < this.allLen; i++) {
      const r = this.all[i];
      if (dead[r] !== 1) this.all[n++] = r;
    }
    this.allLen = n;
  }
}

