/**
 * Reading the head through the `Querier` seam. `select` resolves matchers to postings, keeps the series
 * with samples in range, and snapshots their chunks: closed chunks by reference (their bytes never
 * change), the open chunk by copy, so a later append cannot change what an iterator sees.
 */
import { Labels, compareUtf8, type FloatHistogram, type Matcher } from '@vigil/model';
import { ENCODING_XOR } from '../chunk-types.js';
import { HistogramIterator } from '../chunkenc/histogram.js';
import { XorIterator } from '../chunkenc/xor.js';
import type { Querier, SampleIterator, SelectHints, Series } from '../storage.js';
import type { Head } from './head.js';
import { CLOSED_STRIDE, closedEncoding, type MemSeries } from './series.js';

/** The chunks of one series that overlap a time range, frozen at select time. */
export class ChunkSnapshot {
  readonly bufs: Uint8Array[] = [];
  readonly offs: number[] = [];
  readonly lens: number[] = [];
  readonly mints: number[] = [];
  readonly maxts: number[] = [];
  /** Chunk encodings (XOR, histogram, float histogram). */
  readonly encs: number[] = [];

  push(buf: Uint8Array, off: number, len: number, mint: number, maxt: number, encoding = ENCODING_XOR): void {
    this.bufs.push(buf);
    this.offs.push(off);
    this.lens.push(len);
    this.mints.push(mint);
    this.maxts.push(maxt);
    this.encs.push(encoding);
  }

  get length(): number {
    return this.bufs.length;
  }
}

/** Snapshots the in-order chunks of `s` overlapping [mint, maxt]. */
export function snapshotChunks(head: Head, s: MemSeries, mint: number, maxt: number): ChunkSnapshot {
  const snap = new ChunkSnapshot();
  const c = s.closed;
  if (c !== null) {
    for (let i = 0; i < c.length; i += CLOSED_STRIDE) {
      if (c[i + 1] < mint) continue;
      if (c[i] > maxt) break;
      snap.push(head.closedStore.buffer(c[i + 2]), c[i + 3], c[i + 4], c[i], c[i + 1], closedEncoding(c[i + 5]));
    }
  }
  const st = head.state;
  const slot = s.slot;
  if (st.num[slot] > 0 && st.chunkMinT[slot] <= maxt && st.maxT[slot] >= mint) {
    const copy = head.openChunkCopy(s)!;
    snap.push(copy, 0, copy.length, st.chunkMinT[slot], st.maxT[slot]);
  }
  const open = s.hist !== null ? s.hist.open : null;
  if (open !== null && open.numSamples > 0 && open.mint <= maxt && open.maxt >= mint) {
    const copy = open.copyBytes();
    snap.push(copy, 0, copy.length, open.mint, open.maxt, open.encoding);
  }
  return snap;
}

/** Whether `t` falls in one of the sorted `[mint, maxt]` pairs. */
export function isDeleted(deleted: readonly number[], t: number): boolean {
  for (let i = 0; i < deleted.length; i += 2) {
    if (t < deleted[i]) return false;
    if (t <= deleted[i + 1]) return true;
  }
  return false;
}

/** Iterates snapshotted chunks within [mint, maxt], skipping deleted samples. */
export class ChunksIterator implements SampleIterator {
  t = 0;
  private readonly it = new XorIterator();
  /** The decoder of histogram chunks, made at the first one. */
  private hit: HistogramIterator | null = null;
  /** Whether the current chunk is a histogram chunk. */
  private inHist = false;
  /** The current sample's histogram, built at the first `h` read. */
  private cached: FloatHistogram | null = null;
  private ci = -1;
  private readonly snap: ChunkSnapshot;
  private readonly mint: number;
  private readonly maxt: number;
  private readonly deleted: readonly number[] | null;
  private valid = false;
  private done = false;

  constructor(snap: ChunkSnapshot, mint: number, maxt: number, deleted: readonly number[] | null) {
    this.snap = snap;
    this.mint = mint;
    this.maxt = maxt;
    this.deleted = deleted;
  }

  get v(): number {
    return this.inHist ? this.hit!.v : this.it.v;
  }

  get h(): FloatHistogram | null {
    if (!this.inHist) return null;
    return this.cached ?? (this.cached = this.hit!.histogram());
  }

  private nextChunk(minT: number): boolean {
    const snap = this.snap;
    while (++this.ci < snap.length) {
      if (snap.maxts[this.ci] < minT) continue;
      const enc = snap.encs[this.ci];
      this.inHist = enc !== ENCODING_XOR;
      if (this.inHist) (this.hit ??= new HistogramIterator()).reset(snap.bufs[this.ci], snap.offs[this.ci], snap.lens[this.ci], enc);
      else this.it.reset(snap.bufs[this.ci], snap.offs[this.ci], snap.lens[this.ci]);
      return true;
    }
    this.done = true;
    return false;
  }

  next(): boolean {
    if (this.done) return false;
    const it = this.it;
    this.cached = null;
    for (;;) {
      if (this.ci < 0 || !(this.inHist ? this.hit!.next() : it.next())) {
        if (!this.nextChunk(this.mint)) return (this.valid = false);
        continue;
      }
      const t = this.inHist ? this.hit!.t : it.t;
      if (t < this.mint) continue;
      if (t > this.maxt) {
        this.done = true;
        return (this.valid = false);
      }
      if (this.deleted !== null && isDeleted(this.deleted, t)) continue;
      this.t = t;
      return (this.valid = true);
    }
  }

  seek(t: number): boolean {
    if (this.valid && this.t >= t) return true;
    if (this.done) return false;
    // Skip whole chunks that end before t.
    const snap = this.snap;
    if (this.ci < 0 || snap.maxts[this.ci] < t) {
      if (!this.nextChunk(Math.max(t, this.mint))) return (this.valid = false);
    }
    while (this.next()) if (this.t >= t) return true;
    return false;
  }
}

/** Iterates samples held in columns (used when in-order and out-of-order samples are merged). */
export class ArrayIterator implements SampleIterator {
  private i = -1;
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private readonly hs: ReadonlyArray<FloatHistogram | null> | null;
  private readonly n: number;
  private cachedAt = -1;
  private cached: FloatHistogram | null = null;

  constructor(ts: Float64Array, vs: Float64Array, n = ts.length, hs: ReadonlyArray<FloatHistogram | null> | null = null) {
    this.ts = ts;
    this.vs = vs;
    this.n = n;
    this.hs = hs;
  }

  get t(): number {
    return this.ts[this.i];
  }

  get v(): number {
    return this.vs[this.i];
  }

  /** A copy: the stored histograms are the head's. */
  get h(): FloatHistogram | null {
    if (this.hs === null) return null;
    if (this.cachedAt !== this.i) {
      const h = this.hs[this.i];
      this.cached = h === null || h === undefined ? null : h.copy();
      this.cachedAt = this.i;
    }
    return this.cached;
  }

  next(): boolean {
    if (this.i >= this.n) return false;
    this.i++;
    return this.i < this.n;
  }

  seek(t: number): boolean {
    if (this.i < 0) this.i = 0;
    if (this.i >= this.n) return false;
    if (this.ts[this.i] >= t) return true;
    let lo = this.i;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    this.i = lo;
    return lo < this.n;
  }
}

const EMPTY_ITERATOR: SampleIterator = {
  t: 0,
  v: 0,
  h: null,
  next: () => false,
  seek: () => false,
};

/**
 * All samples of `s` in [mint, maxt], in-order chunks and out-of-order samples merged (the in-order
 * sample wins on equal timestamps), deletions applied.
 */
export function mergedSamples(head: Head, s: MemSeries, snap: ChunkSnapshot, mint: number, maxt: number, deleted: readonly number[] | null): MergedSamples {
  const ooo = s.ooo;
  let cap = 64;
  for (let i = 0; i < snap.length; i++) cap += snap.lens[i] * 8;
  if (ooo !== null) cap += ooo.len;
  let ts = new Float64Array(cap);
  let vs = new Float64Array(cap);
  let hs: Array<FloatHistogram | null> | null = null;
  let n = 0;
  const push = (t: number, v: number, h: FloatHistogram | null) => {
    if (n === ts.length) {
      const t2 = new Float64Array(n * 2);
      const v2 = new Float64Array(n * 2);
      t2.set(ts);
      v2.set(vs);
      ts = t2;
      vs = v2;
    }
    ts[n] = t;
    vs[n] = v;
    if (h !== null && hs === null) hs = new Array<FloatHistogram | null>(n).fill(null);
    if (hs !== null) hs[n] = h;
    n++;
  };
  const it = new ChunksIterator(snap, mint, maxt, deleted);
  let oi = 0;
  const on = ooo !== null ? ooo.len : 0;
  const nextOoo = (): number => {
    while (oi < on) {
      const t = ooo!.ts[oi];
      if (t < mint || (deleted !== null && isDeleted(deleted, t))) {
        oi++;
        continue;
      }
      return t <= maxt ? t : Infinity;
    }
    return Infinity;
  };
  let has = it.next();
  for (;;) {
    const ot = nextOoo();
    if (!has && ot === Infinity) break;
    if (has && it.t <= ot) {
      push(it.t, it.v, it.h);
      if (it.t === ot) oi++;
      has = it.next();
    } else {
      push(ot, ooo!.vs[oi], ooo!.hs !== null ? ooo!.hs[oi] : null);
      oi++;
    }
  }
  return { ts, vs, hs, n };
}

/** Samples in columns; `hs[i]` is the histogram of sample i (null for floats), `hs` null when all are floats. */
export interface MergedSamples {
  ts: Float64Array;
  vs: Float64Array;
  hs: Array<FloatHistogram | null> | null;
  n: number;
}

class HeadSeries implements Series {
  readonly labels: Labels;
  private readonly head: Head;
  private readonly s: MemSeries;
  private readonly snap: ChunkSnapshot;
  private readonly mint: number;
  private readonly maxt: number;
  private readonly deleted: readonly number[] | null;
  private readonly hasOoo: boolean;

  constructor(head: Head, s: MemSeries, mint: number, maxt: number) {
    this.head = head;
    this.s = s;
    this.labels = s.labels;
    this.mint = mint;
    this.maxt = maxt;
    this.snap = snapshotChunks(head, s, mint, maxt);
    this.deleted = s.deleted;
    this.hasOoo = s.ooo !== null && s.ooo.mint <= maxt && s.ooo.maxt >= mint;
  }

  /** Whether any chunk (or out-of-order sample) overlaps the range. */
  get hasData(): boolean {
    return this.snap.length > 0 || this.hasOoo;
  }

  iterator(): SampleIterator {
    if (this.hasOoo) {
      const m = mergedSamples(this.head, this.s, this.snap, this.mint, this.maxt, this.deleted);
      return new ArrayIterator(m.ts, m.vs, m.n, m.hs);
    }
    return new ChunksIterator(this.snap, this.mint, this.maxt, this.deleted);
  }
}

class LabelsOnlySeries implements Series {
  readonly labels: Labels;
  constructor(labels: Labels) {
    this.labels = labels;
  }
  iterator(): SampleIterator {
    return EMPTY_ITERATOR;
  }
}

export class HeadQuerier implements Querier {
  private readonly head: Head;
  private readonly mint: number;
  private readonly maxt: number;

  constructor(head: Head, mint: number, maxt: number) {
    this.head = head;
    this.mint = mint;
    this.maxt = maxt;
  }

  /** Series with samples in [mint, maxt] among `refs`. */
  private inRange(refs: Uint32Array, mint: number, maxt: number): MemSeries[] {
    const head = this.head;
    const st = head.state;
    const out: MemSeries[] = [];
    for (let i = 0; i < refs.length; i++) {
      const s = head.getByRef(refs[i]);
      if (s === undefined) continue;
      const slot = s.slot;
      let smin = st.minT[slot];
      let smax = st.maxT[slot];
      if (s.ooo !== null) {
        if (s.ooo.maxt > smax) smax = s.ooo.maxt;
        if (!(smin <= s.ooo.mint)) smin = s.ooo.mint;
      }
      if (smin <= maxt && smax >= mint) out.push(s);
    }
    return out;
  }

  select(matchers: readonly Matcher[], hints?: SelectHints): Series[] {
    const mint = Math.max(this.mint, hints?.start ?? -Infinity);
    const maxt = Math.min(this.maxt, hints?.end ?? Infinity);
    if (mint > maxt) return [];
    const found = this.inRange(this.head.postingsFor(matchers), mint, maxt);
    found.sort((a, b) => Labels.compare(a.labels, b.labels));
    const out: Series[] = [];
    const labelsOnly = hints?.labelsOnly === true;
    for (let i = 0; i < found.length; i++) {
      if (labelsOnly) {
        out.push(new LabelsOnlySeries(found[i].labels));
        continue;
      }
      // A series whose samples straddle the range without one inside it is left out, as Prometheus does.
      const hs = new HeadSeries(this.head, found[i], mint, maxt);
      if (hs.hasData) out.push(hs);
    }
    return out;
  }

  private overlaps(): boolean {
    return this.head.minTime <= this.maxt && this.head.maxTime >= this.mint;
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    if (!this.overlaps()) return [];
    if (matchers === undefined || matchers.length === 0) return this.head.postings.labelNames();
    const names = new Set<string>();
    for (const s of this.inRange(this.head.postingsFor(matchers), this.mint, this.maxt)) {
      const f = s.labels.flat;
      for (let i = 0; i < f.length; i += 2) names.add(f[i]);
    }
    return [...names].sort(compareUtf8);
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    if (!this.overlaps()) return [];
    if (matchers === undefined || matchers.length === 0) return this.head.postings.labelValues(name);
    const values = new Set<string>();
    for (const s of this.inRange(this.head.postingsFor(matchers), this.mint, this.maxt)) {
      const v = s.labels.get(name);
      if (v !== '') values.add(v);
    }
    return [...values].sort(compareUtf8);
  }

  close(): void {}
}
