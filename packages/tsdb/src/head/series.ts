/**
 * Series in the head. A `MemSeries` holds what is an object anyway (labels, lists of closed chunks,
 * tombstones, out-of-order samples); the numbers appends touch (last timestamp, XOR state, the open
 * chunk's slot) sit in typed arrays indexed by the series' slot, so that appending allocates nothing and
 * a series costs a few dozen bytes of state.
 */
import type { FloatHistogram, Labels } from '@vigil/model';
import type { HistogramChunkAppender } from '../chunkenc/histogram.js';
import { XorColumns } from '../chunkenc/xor.js';

/**
 * Per closed chunk, in `MemSeries.closed`: mint, maxt, slab, offset, length, and the sample count with the
 * chunk's encoding above it (`closedInfo`): XOR chunks hold just the count.
 */
export const CLOSED_STRIDE = 6;

/** The last field of a closed chunk's entry: its sample count and encoding. */
export function closedInfo(numSamples: number, encoding: number): number {
  return numSamples + (encoding - 1) * 0x10000;
}

export function closedNumSamples(info: number): number {
  return info % 0x10000;
}

export function closedEncoding(info: number): number {
  return Math.floor(info / 0x10000) + 1;
}

/** What a series that has had native histograms keeps beyond the float state. */
export class HistogramSeries {
  /** The open histogram chunk (null when the series' open chunk, if any, is a float chunk). */
  open: HistogramChunkAppender | null = null;
  /** When the open histogram chunk should be cut (Prometheus's `nextAt` for histogram chunks). */
  nextAt = 0;
  hasComputedEndTime = false;
  /** The newest committed sample when it is a histogram (duplicates, staleness markers); null after a float. */
  last: FloatHistogram | null = null;
}

export class MemSeries {
  readonly ref: number;
  readonly slot: number;
  readonly labels: Labels;
  /** Key in the head's hash table (30 bits of `labels.hash()`); `hashNext` chains collisions. */
  readonly hashKey: number;
  hashNext: MemSeries | null = null;
  /** Closed chunks, oldest first, `CLOSED_STRIDE` numbers each; null when none. */
  closed: number[] | null = null;
  /** Deleted intervals `[mint, maxt]` pairs (tombstones); null when none. */
  deleted: number[] | null = null;
  /** Out-of-order samples waiting for compaction; null when none. */
  ooo: OooSamples | null = null;
  /** Native histogram state; null until the series' first histogram sample. */
  hist: HistogramSeries | null = null;
  /** The series record is in the WAL. */
  logged = false;

  constructor(ref: number, slot: number, labels: Labels, hashKey: number) {
    this.ref = ref;
    this.slot = slot;
    this.labels = labels;
    this.hashKey = hashKey;
  }
}

/** Out-of-order samples of one series, sorted by time, one per timestamp. */
export class OooSamples {
  ts = new Float64Array(8);
  vs = new Float64Array(8);
  /** The head's cut epoch when each sample came (see `Head.beginCut`). */
  epochs = new Uint32Array(8);
  /** Histogram samples by position (null for floats); null while there is none. */
  hs: Array<FloatHistogram | null> | null = null;
  len = 0;

  /**
   * Inserts in time order; false when a sample with that timestamp is already there. A histogram sample
   * comes with `h` (then `v` is its float view: NaN or the staleness marker).
   */
  insert(t: number, v: number, epoch: number, h: FloatHistogram | null = null): boolean {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.len && this.ts[lo] === t) return false;
    if (this.len === this.ts.length) {
      const ts = new Float64Array(this.len * 2);
      const vs = new Float64Array(this.len * 2);
      const ep = new Uint32Array(this.len * 2);
      ts.set(this.ts);
      vs.set(this.vs);
      ep.set(this.epochs);
      this.ts = ts;
      this.vs = vs;
      this.epochs = ep;
    }
    this.ts.copyWithin(lo + 1, lo, this.len);
    this.vs.copyWithin(lo + 1, lo, this.len);
    this.epochs.copyWithin(lo + 1, lo, this.len);
    this.ts[lo] = t;
    this.vs[lo] = v;
    this.epochs[lo] = epoch;
    if (h !== null && this.hs === null) this.hs = new Array<FloatHistogram | null>(this.len).fill(null);
    if (this.hs !== null) this.hs.splice(lo, 0, h);
    this.len++;
    return true;
  }

  /**
   * Drops samples before `mint` that came before epoch `keepFrom` (later ones arrived while the block
   * was being written and are not in it); returns how many are left.
   */
  dropBefore(mint: number, keepFrom = Infinity): number {
    let n = 0;
    for (let i = 0; i < this.len; i++) {
      if (this.ts[i] < mint && this.epochs[i] < keepFrom) continue;
      this.ts[n] = this.ts[i];
      this.vs[n] = this.vs[i];
      this.epochs[n] = this.epochs[i];
      if (this.hs !== null) this.hs[n] = this.hs[i];
      n++;
    }
    this.len = n;
    if (this.hs !== null) this.hs.length = n;
    return n;
  }

  get mint(): number {
    return this.len > 0 ? this.ts[0] : Infinity;
  }

  get maxt(): number {
    return this.len > 0 ? this.ts[this.len - 1] : -Infinity;
  }
}

/** The append state of every series, column by column, indexed by slot. Slots are reused after GC. */
export class SeriesState {
  capacity = 0;
  /** The XOR appender state of the open chunks; `maxT`, `tDelta`, `vHi`, `vLo` alias its columns. */
  xor = new XorColumns(0);
  /** Last committed sample time (-Infinity before the first); the XOR state's last timestamp. */
  maxT = this.xor.lastT;
  /** XOR state of the open chunk (bits of the last value also serve the duplicate check). */
  tDelta = this.xor.tDelta;
  vHi = this.xor.vHi;
  vLo = this.xor.vLo;
  /** Time of the first sample still in the head (NaN when none). */
  minT = new Float64Array(0);
  /** Samples in the open chunk (0: no open chunk). */
  num = new Uint16Array(0);
  /** Bits written in the open chunk, times 2, plus 1 when the stream ends with an empty byte. */
  bits = new Uint32Array(0);
  /** Slot address of the open chunk in the pool (meaningful when `num > 0`). */
  addr = new Uint32Array(0);
  chunkMinT = new Float64Array(0);
  /** When the open chunk must be cut at the latest. */
  nextAt = new Float64Array(0);
  /** The newest sample an open appender holds for the series, and which appender. */
  pendT = new Float64Array(0);
  pendV = new Float64Array(0);
  pendBatch = new Uint32Array(0);

  private freeSlots: number[] = [];
  private used = 0;

  allocSlot(): number {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.used++;
    if (slot >= this.capacity) this.grow(Math.max(1024, this.capacity * 2));
    this.maxT[slot] = -Infinity;
    this.minT[slot] = NaN;
    this.num[slot] = 0;
    this.bits[slot] = 0;
    this.pendBatch[slot] = 0;
    return slot;
  }

  freeSlot(slot: number): void {
    this.freeSlots.push(slot);
  }

  private grow(cap: number): void {
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const u32 = (a: Uint32Array) => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    this.xor = this.xor.grown(cap);
    this.maxT = this.xor.lastT;
    this.tDelta = this.xor.tDelta;
    this.vHi = this.xor.vHi;
    this.vLo = this.xor.vLo;
    this.minT = f64(this.minT);
    const num = new Uint16Array(cap);
    num.set(this.num);
    this.num = num;
    this.bits = u32(this.bits);
    this.addr = u32(this.addr);
    this.chunkMinT = f64(this.chunkMinT);
    this.nextAt = f64(this.nextAt);
    this.pendT = f64(this.pendT);
    this.pendV = f64(this.pendV);
    this.pendBatch = u32(this.pendBatch);
    this.capacity = cap;
  }

  /** Bytes the columns take. */
  get allocatedBytes(): number {
    return this.capacity * (8 * 7 + 4 * 5 + 2 + 2);
  }
}

const PAGE_BITS = 12;
const PAGE_SIZE = 1 << PAGE_BITS;

/** Series by ref, in pages of 4096 refs; a page is dropped when its last series goes. */
export class RefMap {
  private pages: Array<Array<MemSeries | undefined> | undefined> = [];
  private counts: number[] = [];

  get(ref: number): MemSeries | undefined {
    const page = this.pages[ref >>> PAGE_BITS];
    return page === undefined ? undefined : page[ref & (PAGE_SIZE - 1)];
  }

  set(s: MemSeries): void {
    const p = s.ref >>> PAGE_BITS;
    let page = this.pages[p];
    if (page === undefined) {
      while (this.pages.length <= p) {
        this.pages.push(undefined);
        this.counts.push(0);
      }
      page = this.pages[p] = new Array<MemSeries | undefined>(PAGE_SIZE).fill(undefined);
    }
    if (page[s.ref & (PAGE_SIZE - 1)] === undefined) this.counts[p]++;
    page[s.ref & (PAGE_SIZE - 1)] = s;
  }

  delete(ref: number): void {
    const p = ref >>> PAGE_BITS;
    const page = this.pages[p];
    if (page === undefined || page[ref & (PAGE_SIZE - 1)] === undefined) return;
    page[ref & (PAGE_SIZE - 1)] = undefined;
    if (--this.counts[p] === 0) this.pages[p] = undefined;
  }

  *values(): IterableIterator<MemSeries> {
    for (const page of this.pages) {
      if (page === undefined) continue;
      for (const s of page) if (s !== undefined) yield s;
    }
  }
}
