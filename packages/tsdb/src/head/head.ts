/**
 * The head block: the most recent samples, in memory, in compressed chunks, indexed for queries.
 *
 * Series are found by ref (an array lookup) or by label set (a hash table keyed by `Labels.hash()`, with
 * chains for collisions). Every series has one open XOR chunk in the chunk pool; a chunk is cut at about
 * 120 samples, or at the end of its chunk range (2 h), exactly as Prometheus cuts them, so that chunks
 * never straddle a block boundary. Closed chunks are copied to append-only slabs.
 *
 * The head knows nothing of files: the DB gives it a `HeadWal` to write commits to, and replays the WAL
 * into it at start.
 */
import { FloatHistogram, Labels, STALE_NAN, isStaleNaN, type Matcher } from '@vigil/model';
import { ENCODING_FLOAT_HISTOGRAM, ENCODING_HISTOGRAM, type ChunkSeriesSource } from '../chunk-types.js';
import { BitWriter } from '../chunkenc/bstream.js';
import { HistogramChunkAppender } from '../chunkenc/histogram.js';
import { histogramsEqual, isIntegral } from '../chunkenc/histogram-util.js';
import { XOR_HEADER_BYTES, XOR_MAX_SAMPLE_BYTES, xorAppend, writeXorHeader } from '../chunkenc/xor.js';
import { AppendError, type Appendable, type Appender, type Exemplar, type ExemplarQuerier, type Querier, type Queryable } from '../storage.js';
import { ClosedChunkStore, OpenChunkPool } from './chunk-store.js';
import { CircularExemplarStorage } from './exemplars.js';
import { postingsForMatchers } from './matchers.js';
import { MemPostings } from './postings.js';
import { CLOSED_STRIDE, HistogramSeries, MemSeries, OooSamples, RefMap, SeriesState, closedInfo, closedNumSamples } from './series.js';
import { HeadAppender } from './appender.js';
import { HeadQuerier } from './querier.js';
import { headChunkSeriesSource } from './block-source.js';
import { RecordBuffer, encodeTombstonesRecord } from '../wal/records.js';

export const DEFAULT_CHUNK_RANGE = 2 * 60 * 60 * 1000;
export const DEFAULT_MAX_EXEMPLARS = 100000;
const SAMPLES_PER_CHUNK = 120;
/** Histogram chunks are cut by size: Prometheus aims at 1 KiB, with at least 10 samples. */
const TARGET_BYTES_PER_HISTOGRAM_CHUNK = 1024;
const MIN_SAMPLES_PER_HISTOGRAM_CHUNK = 10;

export interface HeadOptions {
  /** Width of a block (ms): chunks never cross a multiple of it. Prometheus's 2 h by default. */
  readonly chunkRange?: number;
  /** Accept samples up to this many ms older than the newest one in the head (0: off, as Prometheus). */
  readonly outOfOrderTimeWindow?: number;
  /** Capacity of the exemplar ring buffer (0 disables exemplars). */
  readonly maxExemplars?: number;
}

/** Where committed batches go before they become visible: the WAL. */
export interface HeadWal {
  /** Writes one commit's records; throws when they could not be written, and then nothing of it applies. */
  log(records: readonly Uint8Array[]): void;
}

/** An open append batch, asked which series it holds samples for (they must survive a truncation). */
export interface PendingHolder {
  forEachPending(fn: (s: MemSeries) => void): void;
}

/** The result of the appendable check (Prometheus's `memSeries.appendable`). */
export const enum Appendability {
  InOrder = 0,
  OutOfOrder = 1,
  /** Same timestamp and same value bits as the newest sample: accepted and dropped. */
  Duplicate = 2,
}

/** Running totals read by the server's `/metrics` (`vigil_tsdb_head_*_total`). */
export interface HeadCounters {
  /** Series created (appends and WAL replay). */
  seriesCreated: number;
  /** Series removed by truncation (no samples left). */
  seriesRemoved: number;
  /** Head truncations (after each block cut). */
  truncations: number;
}

export interface HeadStats {
  readonly numSeries: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly chunkBytes: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export class Head implements Appendable, Queryable, ExemplarQuerier {
  readonly chunkRange: number;
  outOfOrderTimeWindow: number;
  readonly postings = new MemPostings();
  readonly state = new SeriesState();
  readonly pool = new OpenChunkPool();
  readonly closedStore = new ClosedChunkStore();
  readonly exemplars: CircularExemplarStorage;
  /** Where commits are logged; null for a purely in-memory head. */
  wal: HeadWal | null = null;
  /** Called after every commit (the DB checks whether the head needs cutting into a block). */
  afterCommit: (() => void) | null = null;
  /** Oldest and newest sample time in the head (Infinity/-Infinity when empty). */
  minTime = Infinity;
  maxTime = -Infinity;
  /** Samples older than this are out of bounds: they belong to blocks already written. */
  minValidTime = -Infinity;

  private readonly byRef = new RefMap();
  private readonly byHash = new Map<number, MemSeries>();
  private nextRef = 1;
  private batchSeq = 0;
  /** Batches of appenders not yet committed or rolled back (their series must not be collected). */
  readonly openBatches = new Map<number, PendingHolder>();
  private readonly w = new BitWriter();
  /** Samples dropped at commit because another commit got there first with a newer one. */
  droppedAtCommit = 0;
  readonly counters: HeadCounters = { seriesCreated: 0, seriesRemoved: 0, truncations: 0 };

  constructor(options: HeadOptions = {}) {
    this.chunkRange = options.chunkRange ?? DEFAULT_CHUNK_RANGE;
    this.outOfOrderTimeWindow = options.outOfOrderTimeWindow ?? 0;
    this.exemplars = new CircularExemplarStorage(options.maxExemplars ?? DEFAULT_MAX_EXEMPLARS);
  }

  appender(): Appender {
    return new HeadAppender(this);
  }

  querier(mint: number, maxt: number): Querier {
    return new HeadQuerier(this, mint, maxt);
  }

  selectExemplars(start: number, end: number, matcherSets: readonly (readonly Matcher[])[]): Array<{ seriesLabels: Labels; exemplars: Exemplar[] }> {
    return this.exemplars.select(start, end, matcherSets);
  }

  /** The chunks of every series with samples in [mint, maxt], sorted by labels: what a block is cut from. */
  chunkSeriesSource(mint: number, maxt: number): ChunkSeriesSource {
    return headChunkSeriesSource(this, mint, maxt);
  }

  get numSeries(): number {
    return this.postings.numSeries;
  }

  stats(): HeadStats {
    return {
      numSeries: this.numSeries,
      minTime: this.minTime,
      maxTime: this.maxTime,
      chunkBytes: this.pool.allocatedBytes + this.closedStore.allocatedBytes,
    };
  }

  /** Samples before this are rejected now (Prometheus's `appendableMinValidTime`). */
  appendableMinValidTime(): number {
    return Math.max(this.minValidTime, this.maxTime - this.chunkRange / 2);
  }

  newBatch(holder: PendingHolder): number {
    this.batchSeq = (this.batchSeq + 1) >>> 0 || 1;
    this.openBatches.set(this.batchSeq, holder);
    return this.batchSeq;
  }

  endBatch(id: number): void {
    this.openBatches.delete(id);
  }

  getByRef(ref: number): MemSeries | undefined {
    return this.byRef.get(ref);
  }

  /** The series with exactly these labels, if the head has it. */
  getByLabels(labels: Labels): MemSeries | undefined {
    for (let s: MemSeries | null | undefined = this.byHash.get(hashKey(labels)); s; s = s.hashNext) {
      if (s.labels.equals(labels)) return s;
    }
    return undefined;
  }

  /** Whether the last `getOrCreate` created the series. */
  lastCreated = false;

  /**
   * Finds or creates the series of `labels` (`lastCreated` says which); `ref` is used for a new series
   * when given (WAL replay). With `owned`, `labels` is the caller's to give away and is interned in place.
   */
  getOrCreate(labels: Labels, ref = 0, owned = false): MemSeries {
    const key = hashKey(labels);
    const headOfChain = this.byHash.get(key);
    for (let s: MemSeries | null | undefined = headOfChain; s !== undefined && s !== null; s = s.hashNext) {
      if (s.labels.equals(labels)) {
        this.lastCreated = false;
        return s;
      }
    }
    if (labels.size === 0) throw new AppendError('invalid', 'empty labelset');
    const f = labels.flat;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === '') throw new AppendError('invalid', `empty label name in ${labels.toString()}`);
    }
    if (ref === 0) ref = this.nextRef++;
    else if (ref >= this.nextRef) this.nextRef = ref + 1;
    const slot = this.state.allocSlot();
    const interned = this.postings.add(ref, labels, owned);
    const s = new MemSeries(ref, slot, interned, key);
    s.hashNext = headOfChain ?? null;
    this.byHash.set(key, s);
    this.byRef.set(s);
    this.lastCreated = true;
    this.counters.seriesCreated++;
    return s;
  }

  /**
   * Where `t` may go for series `s` (Prometheus's `memSeries.appendable`); throws `AppendError` if nowhere.
   * A float at the time of a histogram sample is a duplicate with another value.
   */
  appendable(s: MemSeries, t: number, v: number, lastT: number, lastVBitsHi: number, lastVBitsLo: number, lastIsHistogram = false): Appendability {
    const minValid = this.appendableMinValidTime();
    if (t >= minValid) {
      if (lastT === -Infinity || t > lastT) return Appendability.InOrder;
      if (t === lastT) {
        if (lastIsHistogram) throw new AppendError('duplicate');
        f64[0] = v;
        if (u32[1] !== lastVBitsHi || u32[0] !== lastVBitsLo) throw new AppendError('duplicate');
        return Appendability.Duplicate;
      }
    }
    return this.notNewest(t, minValid);
  }

  /** A sample not after its series' newest: out of order within the window, else the error Prometheus gives. */
  private notNewest(t: number, minValid: number): Appendability {
    const window = this.outOfOrderTimeWindow;
    if (window > 0) {
      if (t >= this.maxTime - window) return Appendability.OutOfOrder;
      throw new AppendError('too_old');
    }
    if (t < minValid) throw new AppendError('out_of_bounds');
    throw new AppendError('out_of_order');
  }

  /** `appendable` for a histogram sample; `lastH` is the newest sample when it is a histogram. */
  appendableHistogram(t: number, h: FloatHistogram, lastT: number, lastH: FloatHistogram | null): Appendability {
    const minValid = this.appendableMinValidTime();
    if (t >= minValid) {
      if (lastT === -Infinity || t > lastT) return Appendability.InOrder;
      if (t === lastT) {
        if (lastH === null || !histogramsEqual(lastH, h)) throw new AppendError('duplicate');
        return Appendability.Duplicate;
      }
    }
    return this.notNewest(t, minValid);
  }

  /**
   * Appends a committed sample to the series' open chunk, cutting a new chunk when due. Returns false
   * (and stores nothing) when `t` is not newer than the series' last sample.
   */
  appendInOrder(s: MemSeries, t: number, v: number): boolean {
    const st = this.state;
    const slot = s.slot;
    if (t <= st.maxT[slot]) return false;
    const hs = s.hist;
    if (hs !== null) {
      if (hs.open !== null) this.closeHistogramChunk(s);
      hs.last = null;
    }
    let num = st.num[slot];
    if (num > 0) {
      // Prometheus's rule: at a quarter of the chunk, predict an end so chunks in a range come out even.
      if (num === SAMPLES_PER_CHUNK >> 2) {
        st.nextAt[slot] = computeChunkEndTime(st.chunkMinT[slot], st.maxT[slot], st.nextAt[slot]);
      }
      if (t >= st.nextAt[slot] || num >= SAMPLES_PER_CHUNK * 2) {
        this.closeOpenChunk(s);
        num = 0;
      }
    }
    const pool = this.pool;
    let addr: number;
    let bitsField: number;
    if (num === 0) {
      addr = pool.alloc(XOR_HEADER_BYTES + XOR_MAX_SAMPLE_BYTES + 2);
      st.addr[slot] = addr;
      st.chunkMinT[slot] = t;
      st.nextAt[slot] = rangeForTimestamp(t, this.chunkRange);
      bitsField = 0;
    } else {
      addr = st.addr[slot];
      bitsField = st.bits[slot];
      const used = XOR_HEADER_BYTES + byteLengthOf(bitsField);
      if (used + XOR_MAX_SAMPLE_BYTES > pool.capacity(addr)) {
        addr = pool.grow(addr, used, used + XOR_MAX_SAMPLE_BYTES);
        st.addr[slot] = addr;
      }
    }
    const buf = pool.buffer(addr);
    const off = pool.offset(addr);
    const w = this.w;
    w.reset(buf, off + XOR_HEADER_BYTES, bitsField >>> 1, (bitsField & 1) === 1);
    xorAppend(w, st.xor, slot, num, t, v);
    writeXorHeader(buf, off, num + 1);
    st.num[slot] = num + 1;
    st.bits[slot] = w.pos * 2 + (w.trailingByte ? 1 : 0);
    // minT is NaN until the first sample (or after truncation emptied the series).
    if (st.minT[slot] !== st.minT[slot]) st.minT[slot] = t;
    return true;
  }

  /**
   * Appends a committed histogram sample in order (Prometheus's `appendHistogram`/`appendFloatHistogram`):
   * to the open histogram chunk when it fits, else to a new one. Integer counts go to an integer chunk
   * unless the open chunk holds float counts; a change of kind, a counter reset, a layout change, a full
   * chunk (by size) or the end of the chunk range starts a new chunk. `h` is kept: the caller gives it away.
   * Returns false (storing nothing) when `t` is not newer than the series' last sample.
   */
  appendHistogramInOrder(s: MemSeries, t: number, h: FloatHistogram): boolean {
    const st = this.state;
    const slot = s.slot;
    if (t <= st.maxT[slot]) return false;
    if (st.num[slot] > 0) this.closeOpenChunk(s);
    const hs = s.hist ?? (s.hist = new HistogramSeries());
    let app = hs.open;
    const encoding = isIntegral(h) && (app === null || app.encoding === ENCODING_HISTOGRAM) ? ENCODING_HISTOGRAM : ENCODING_FLOAT_HISTOGRAM;
    let prev: HistogramChunkAppender | null = null;
    let cut = app === null || app.encoding !== encoding;
    if (!cut && app !== null) {
      // Prometheus's `histogramsAppendPreprocessor`: cut by bytes, aiming at chunks of even size per range.
      const bytes = app.byteLength;
      const nextRangeStart = hs.hasComputedEndTime ? rangeForTimestamp(app.mint, this.chunkRange) : hs.nextAt;
      if (!hs.hasComputedEndTime && bytes >= TARGET_BYTES_PER_HISTOGRAM_CHUNK / 4) {
        hs.nextAt = computeChunkEndTimeRatio(app.mint, app.maxt, hs.nextAt, TARGET_BYTES_PER_HISTOGRAM_CHUNK / bytes);
        hs.hasComputedEndTime = true;
      }
      if ((t >= hs.nextAt || bytes >= TARGET_BYTES_PER_HISTOGRAM_CHUNK * 2) && (app.numSamples >= MIN_SAMPLES_PER_HISTOGRAM_CHUNK || t >= nextRangeStart)) {
        prev = app;
        cut = true;
      }
    }
    if (cut) {
      if (app !== null) this.closeHistogramChunk(s);
      app = new HistogramChunkAppender(encoding);
      app.start(t, h, prev);
      this.openHistogramChunk(s, app, t);
    } else if (!app!.tryAppend(t, h)) {
      const header = app!.cutHeader;
      this.closeHistogramChunk(s);
      app = new HistogramChunkAppender(encoding);
      app.startAfterCut(t, h, header);
      this.openHistogramChunk(s, app, t);
    }
    hs.last = h;
    st.maxT[slot] = t;
    if (st.minT[slot] !== st.minT[slot]) st.minT[slot] = t;
    return true;
  }

  private openHistogramChunk(s: MemSeries, app: HistogramChunkAppender, t: number): void {
    const hs = s.hist!;
    hs.open = app;
    hs.nextAt = rangeForTimestamp(t, this.chunkRange);
    hs.hasComputedEndTime = false;
  }

  /** Moves the open histogram chunk of `s` to the closed store. */
  closeHistogramChunk(s: MemSeries): void {
    const hs = s.hist;
    if (hs === null || hs.open === null) return;
    const app = hs.open;
    hs.open = null;
    if (app.numSamples === 0) return;
    const bytes = app.bytes();
    const slab = this.closedStore.add(bytes, 0, bytes.length);
    if (s.closed === null) s.closed = [];
    s.closed.push(app.mint, app.maxt, slab, this.closedStore.lastOffset, bytes.length, closedInfo(app.numSamples, app.encoding));
  }

  /** Stores an out-of-order histogram sample; false when the series already has a sample at `t`. */
  appendOutOfOrderHistogram(s: MemSeries, t: number, h: FloatHistogram): boolean {
    if (s.ooo === null) s.ooo = new OooSamples();
    if (!s.ooo.insert(t, isStaleNaN(h.sum) ? STALE_NAN : NaN, this.cutEpoch, h)) return false;
    const st = this.state;
    if (!(st.minT[s.slot] <= t)) st.minT[s.slot] = t;
    return true;
  }

  /** Counts block cuts, so that truncation keeps out-of-order samples that came during a cut. */
  private cutEpoch = 0;

  /** Marks the start of a block cut; pass the result to `truncate` when the block is written. */
  beginCut(): number {
    return ++this.cutEpoch;
  }

  /** Stores an out-of-order sample; false when the series already has one at `t`. */
  appendOutOfOrder(s: MemSeries, t: number, v: number): boolean {
    if (s.ooo === null) s.ooo = new OooSamples();
    if (!s.ooo.insert(t, v, this.cutEpoch)) return false;
    const st = this.state;
    if (!(st.minT[s.slot] <= t)) st.minT[s.slot] = t;
    return true;
  }

  /** Moves the open chunk of `s` to the closed store. */
  closeOpenChunk(s: MemSeries): void {
    const st = this.state;
    const slot = s.slot;
    const num = st.num[slot];
    if (num === 0) return;
    const addr = st.addr[slot];
    const off = this.pool.offset(addr);
    const len = XOR_HEADER_BYTES + byteLengthOf(st.bits[slot]);
    const slab = this.closedStore.add(this.pool.buffer(addr), off, off + len);
    if (s.closed === null) s.closed = [];
    s.closed.push(st.chunkMinT[slot], st.maxT[slot], slab, this.closedStore.lastOffset, len, closedInfo(num, 1));
    this.pool.release(addr);
    st.num[slot] = 0;
    st.bits[slot] = 0;
  }

  /** A copy of the open chunk's bytes (readers must not see later appends or a recycled slot). */
  openChunkCopy(s: MemSeries): Uint8Array | null {
    const st = this.state;
    if (st.num[s.slot] === 0) return null;
    const addr = st.addr[s.slot];
    const off = this.pool.offset(addr);
    return this.pool.buffer(addr).slice(off, off + XOR_HEADER_BYTES + byteLengthOf(st.bits[s.slot]));
  }

  /** Updates the head's time range after a commit with samples in [mint, maxt]. */
  extendTimeRange(mint: number, maxt: number): void {
    if (mint < this.minTime) this.minTime = mint;
    if (maxt > this.maxTime) this.maxTime = maxt;
  }

  /** Series refs matching all `matchers`, sorted by ref. */
  postingsFor(matchers: readonly Matcher[]): Uint32Array {
    return postingsForMatchers(this.postings, matchers);
  }

  /**
   * Marks samples of the matching series in [mint, maxt] deleted (tombstones); returns the intervals per
   * series ref, for the WAL.
   */
  deleteRange(mint: number, maxt: number, matchers: readonly Matcher[]): Array<{ ref: number; mint: number; maxt: number }> {
    const out: Array<{ ref: number; mint: number; maxt: number }> = [];
    const refs = this.postingsFor(matchers);
    for (let i = 0; i < refs.length; i++) {
      const s = this.byRef.get(refs[i]);
      if (s === undefined) continue;
      const st = this.state;
      // Only series with data in the range get a tombstone, as in Prometheus.
      const smin = st.minT[s.slot];
      const smax = Math.max(st.maxT[s.slot], s.ooo !== null ? s.ooo.maxt : -Infinity);
      if (!(smin <= maxt && smax >= mint)) continue;
      this.addTombstone(s, mint, maxt);
      out.push({ ref: s.ref, mint, maxt });
    }
    return out;
  }

  /** Deletes samples in [mint, maxt] of the matching series (logging the tombstones when there is a WAL). */
  async delete(mint: number, maxt: number, matchers: readonly Matcher[]): Promise<void> {
    const stones = this.deleteRange(mint, maxt, matchers);
    if (stones.length > 0 && this.wal !== null) this.wal.log([encodeTombstonesRecord(new RecordBuffer(), stones)]);
  }

  /** Adds a deleted interval to a series (merging overlapping or adjacent ones). */
  addTombstone(s: MemSeries, mint: number, maxt: number): void {
    const list = s.deleted ?? [];
    const merged: number[] = [];
    let placed = false;
    for (let i = 0; i < list.length; i += 2) {
      const a = list[i];
      const b = list[i + 1];
      if (b + 1 < mint || a > maxt + 1) {
        if (!placed && a > maxt) {
          merged.push(mint, maxt);
          placed = true;
        }
        merged.push(a, b);
      } else {
        mint = Math.min(mint, a);
        maxt = Math.max(maxt, b);
      }
    }
    if (!placed) merged.push(mint, maxt);
    // Keep intervals sorted by start.
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < merged.length; i += 2) pairs.push([merged[i], merged[i + 1]]);
    pairs.sort((x, y) => x[0] - y[0]);
    s.deleted = pairs.flat();
  }

  /**
   * Drops everything older than `mint` (written to a block by now): chunks whose last sample is before
   * it, then series left without samples. Out-of-order samples that came after `beginCut()` returned
   * `keepFrom` are kept (the block being written may not have them). Returns the number of series removed.
   */
  truncate(mint: number, keepFrom = Infinity): number {
    this.counters.truncations++;
    if (mint > this.minValidTime) this.minValidTime = mint;
    const st = this.state;
    const dead: MemSeries[] = [];
    // Series that open appenders hold samples for stay, even if nothing of them is committed yet.
    const held = new Set<MemSeries>();
    for (const holder of this.openBatches.values()) holder.forEachPending((s) => held.add(s));
    for (const s of this.byRef.values()) {
      const slot = s.slot;
      if (s.closed !== null) {
        const c = s.closed;
        let drop = 0;
        while (drop < c.length && c[drop + 1] < mint) {
          this.closedStore.release(c[drop + 2], c[drop + 4]);
          drop += CLOSED_STRIDE;
        }
        if (drop > 0) s.closed = drop === c.length ? null : c.slice(drop);
      }
      if (st.num[slot] > 0 && st.maxT[slot] < mint) {
        this.pool.release(st.addr[slot]);
        st.num[slot] = 0;
        st.bits[slot] = 0;
      }
      const hs = s.hist;
      if (hs !== null && hs.open !== null && hs.open.maxt < mint) hs.open = null;
      if (s.ooo !== null && s.ooo.dropBefore(mint, keepFrom) === 0) s.ooo = null;
      if (s.deleted !== null) {
        const kept: number[] = [];
        for (let i = 0; i < s.deleted.length; i += 2) if (s.deleted[i + 1] >= mint) kept.push(s.deleted[i], s.deleted[i + 1]);
        s.deleted = kept.length > 0 ? kept : null;
      }
      const first =
        s.closed !== null ? s.closed[0] : st.num[slot] > 0 ? st.chunkMinT[slot] : hs !== null && hs.open !== null ? hs.open.mint : Infinity;
      const oooFirst = s.ooo !== null ? s.ooo.mint : Infinity;
      const newMin = Math.min(first, oooFirst);
      if (newMin === Infinity) {
        if (!held.has(s)) dead.push(s);
        else st.minT[slot] = NaN;
      } else {
        st.minT[slot] = newMin;
      }
    }
    if (dead.length > 0) this.removeSeries(dead);
    this.counters.seriesRemoved += dead.length;
    // The new start is the oldest sample left (out-of-order samples may be older than `mint`).
    let minTime = Infinity;
    for (const s of this.byRef.values()) {
      const m = st.minT[s.slot];
      if (m < minTime) minTime = m;
    }
    this.minTime = minTime;
    if (minTime === Infinity) this.maxTime = -Infinity;
    return dead.length;
  }

  private removeSeries(dead: MemSeries[]): void {
    let maxRef = 0;
    for (const s of dead) if (s.ref > maxRef) maxRef = s.ref;
    const mark = new Uint8Array(maxRef + 1);
    for (const s of dead) {
      mark[s.ref] = 1;
      this.byRef.delete(s.ref);
      // Unlink from the hash chain.
      let prev: MemSeries | null = null;
      for (let c: MemSeries | null | undefined = this.byHash.get(s.hashKey); c; c = c.hashNext) {
        if (c === s) {
          if (prev === null) {
            if (c.hashNext === null) this.byHash.delete(s.hashKey);
            else this.byHash.set(s.hashKey, c.hashNext);
          } else {
            prev.hashNext = c.hashNext;
          }
          break;
        }
        prev = c;
      }
      this.state.freeSlot(s.slot);
    }
    this.postings.delete(
      mark,
      dead.map((s) => s.labels),
    );
  }

  /** Every series (no order). */
  allSeries(): IterableIterator<MemSeries> {
    return this.byRef.values();
  }

  /** Refs handed out so far are below this. */
  get refLimit(): number {
    return this.nextRef;
  }

  /** Makes sure new series get refs above `ref` (after a WAL replay). */
  reserveRefs(ref: number): void {
    if (ref >= this.nextRef) this.nextRef = ref + 1;
  }

  /** Samples in the head, counted from the chunks (not kept up to date: it walks every series). */
  countSamples(): number {
    let n = 0;
    const st = this.state;
    for (const s of this.byRef.values()) {
      n += st.num[s.slot];
      if (s.hist !== null && s.hist.open !== null) n += s.hist.open.numSamples;
      if (s.closed !== null) for (let i = 5; i < s.closed.length; i += CLOSED_STRIDE) n += closedNumSamples(s.closed[i]);
      if (s.ooo !== null) n += s.ooo.len;
    }
    return n;
  }
}

/**
 * The hash table key of a label set: 30 bits (a small integer for V8) folded from all 53 bits of
 * `Labels.hash()`.
 */
export function hashKey(labels: Labels): number {
  const h = labels.hash();
  return (Math.floor(h / 0x200000) ^ Math.imul(h % 0x200000, 0x9e3779b1)) & 0x3fffffff;
}

/** Bytes of an open chunk's bit stream from its packed `bits` field. */
export function byteLengthOf(bitsField: number): number {
  const pos = bitsField >>> 1;
  return ((pos + 7) >>> 3) + ((bitsField & 1) === 1 && (pos & 7) === 0 ? 1 : 0);
}

/** The end of the chunk range `t` falls in (Prometheus's `rangeForTimestamp`). */
export function rangeForTimestamp(t: number, width: number): number {
  return Math.floor(t / width) * width + width;
}

/** `computeChunkEndTime` for histogram chunks, whose fill is judged by bytes: the chunk is 1/`ratioToFull` full. */
export function computeChunkEndTimeRatio(start: number, cur: number, max: number, ratioToFull: number): number {
  const n = (max - start) / ((cur - start + 1) * ratioToFull);
  if (n <= 1) return max;
  return Math.trunc(start + (max - start) / Math.floor(n));
}

/**
 * When to cut a chunk so that the rest of the range is split evenly (Prometheus's `computeChunkEndTime`):
 * the chunk started at `start`, has reached `cur` after a quarter of its samples, and must end by `max`.
 */
export function computeChunkEndTime(start: number, cur: number, max: number): number {
  const n = Math.trunc((max - start) / ((cur - start + 1) * 4));
  if (n <= 1) return max;
  return start + Math.trunc((max - start) / n);
}
