/**
 * An append batch against the head. Samples are checked when appended (so the caller gets Prometheus's
 * error for that sample at once), held in typed columns, written to the WAL at `commit()`, and only then
 * put into chunks, where they become visible.
 */
import { CUSTOM_BUCKETS_SCHEMA, Labels, isStaleNaN, type FloatHistogram } from '@vigil/model';
import { isIntegral, staleHistogram, validateHistogram } from '../chunkenc/histogram-util.js';
import { AppendError, type Appender, type Exemplar, type SeriesRef } from '../storage.js';
import {
  RecordBuffer,
  encodeExemplarsRecord,
  encodeHistogramSamplesRecords,
  encodeSamplesRecord,
  encodeSeriesRecord,
  type RefExemplar,
} from '../wal/records.js';
import { Appendability, type Head } from './head.js';
import type { MemSeries } from './series.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Columns of a batch; kept by the head and reused by the next appender. */
class PendingColumns {
  series: MemSeries[] = [];
  refs = new Float64Array(256);
  ts = new Float64Array(256);
  vs = new Float64Array(256);
  /** 1 when the sample goes to the out-of-order store. */
  ooo = new Uint8Array(256);

  grow(): void {
    const cap = this.ts.length * 2;
    const g = <T extends Float64Array | Uint8Array>(a: T, b: T): T => {
      b.set(a as never);
      return b;
    };
    this.refs = g(this.refs, new Float64Array(cap));
    this.ts = g(this.ts, new Float64Array(cap));
    this.vs = g(this.vs, new Float64Array(cap));
    this.ooo = g(this.ooo, new Uint8Array(cap));
  }
}

/** Which WAL record a histogram goes to: integer or float counts, exponential or custom buckets. */
function recordKind(h: FloatHistogram): number {
  return (isIntegral(h) ? 0 : 1) + (h.schema === CUSTOM_BUCKETS_SCHEMA ? 2 : 0);
}

/** Histogram samples of a batch (a histogram is an object anyway: plain arrays suffice). */
class PendingHistograms {
  series: MemSeries[] = [];
  ts: number[] = [];
  hs: FloatHistogram[] = [];
  ooo: boolean[] = [];
  /** The newest in-order histogram per series slot, for duplicate checks within the batch. */
  newest = new Map<number, FloatHistogram>();
}

const pool: PendingColumns[] = [];
const seriesRecord = new RecordBuffer();
const samplesRecord = new RecordBuffer(64 * 1024);
const exemplarsRecord = new RecordBuffer();
const toLogRefs: number[] = [];
const toLogLabels: Labels[] = [];

export class HeadAppender implements Appender {
  private readonly head: Head;
  private batch: number;
  private cols: PendingColumns | null = null;
  private n = 0;
  private exemplars: Array<RefExemplar & { series: MemSeries }> = [];
  private hists: PendingHistograms | null = null;
  /**
   * Where some series switches between floats and histograms within the batch: pairs of (floats, histograms)
   * appended before the switch. Commit applies the parts in order (floats, then histograms, per part), so
   * that a series' samples keep their order (as Prometheus 3.x's batches do); null when there is none.
   */
  private switches: number[] | null = null;
  private minT = Infinity;
  private maxT = -Infinity;
  private finished = false;

  constructor(head: Head) {
    this.head = head;
    this.batch = head.newBatch(this);
  }

  private seriesFor(ref: SeriesRef, labels: Labels, t: number): MemSeries {
    const head = this.head;
    if (ref !== 0) {
      const s = head.getByRef(ref);
      if (s !== undefined) return s;
    }
    if (labels.size === 0) {
      throw new AppendError('invalid', ref !== 0 ? `unknown series ref ${ref} and no labels given` : 'empty labelset');
    }
    // Fail before creating a series for a sample that cannot be stored anyway.
    if (head.outOfOrderTimeWindow === 0 && t < head.appendableMinValidTime()) throw new AppendError('out_of_bounds');
    return head.getOrCreate(labels);
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    if (this.finished) throw new AppendError('invalid', 'appender already committed or rolled back');
    if (!Number.isSafeInteger(t)) throw new AppendError('invalid', `timestamp ${t} is not an integer number of milliseconds`);
    const head = this.head;
    const s = this.seriesFor(ref, labels, t);
    const st = head.state;
    const slot = s.slot;
    let kind: Appendability;
    const hists = this.hists;
    if (st.pendBatch[slot] === this.batch) {
      const lastIsHistogram = hists !== null && hists.newest.has(slot);
      // A staleness marker for a series whose last sample is a histogram is a histogram marker (as Prometheus).
      if (lastIsHistogram && v !== v && isStaleNaN(v)) return this.appendHistogram(s.ref, Labels.EMPTY, t, staleHistogram(v));
      f64[0] = st.pendV[slot];
      kind = head.appendable(s, t, v, st.pendT[slot], u32[1], u32[0], lastIsHistogram);
      if (lastIsHistogram && kind === Appendability.InOrder) this.switchKind();
    } else {
      const lastIsHistogram = s.hist !== null && s.hist.last !== null;
      if (lastIsHistogram && v !== v && isStaleNaN(v)) return this.appendHistogram(s.ref, Labels.EMPTY, t, staleHistogram(v));
      kind = head.appendable(s, t, v, st.maxT[slot], st.vHi[slot], st.vLo[slot], lastIsHistogram);
    }
    if (kind === Appendability.Duplicate) return s.ref;
    let cols = this.cols;
    if (cols === null) cols = this.cols = pool.pop() ?? new PendingColumns();
    const n = this.n;
    if (n === cols.ts.length) cols.grow();
    cols.series[n] = s;
    cols.refs[n] = s.ref;
    cols.ts[n] = t;
    cols.vs[n] = v;
    cols.ooo[n] = kind === Appendability.OutOfOrder ? 1 : 0;
    this.n = n + 1;
    if (kind === Appendability.InOrder) {
      st.pendT[slot] = t;
      st.pendV[slot] = v;
      st.pendBatch[slot] = this.batch;
      if (hists !== null) hists.newest.delete(slot);
    }
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    return s.ref;
  }

  appendHistogram(ref: SeriesRef, labels: Labels, t: number, h: FloatHistogram): SeriesRef {
    if (this.finished) throw new AppendError('invalid', 'appender already committed or rolled back');
    if (!Number.isSafeInteger(t)) throw new AppendError('invalid', `timestamp ${t} is not an integer number of milliseconds`);
    const invalid = validateHistogram(h);
    if (invalid !== null) throw new AppendError('invalid', invalid);
    const head = this.head;
    const s = this.seriesFor(ref, labels, t);
    const st = head.state;
    const slot = s.slot;
    const hists = this.hists ?? (this.hists = new PendingHistograms());
    let kind: Appendability;
    if (st.pendBatch[slot] === this.batch) {
      const lastH = hists.newest.get(slot) ?? null;
      kind = head.appendableHistogram(t, h, st.pendT[slot], lastH);
      // A series going from floats, or from another kind of histogram record, starts a new part.
      if (kind === Appendability.InOrder && (lastH === null || recordKind(lastH) !== recordKind(h))) this.switchKind();
    } else {
      kind = head.appendableHistogram(t, h, st.maxT[slot], s.hist !== null ? s.hist.last : null);
    }
    if (kind === Appendability.Duplicate) return s.ref;
    // The caller may reuse its histogram: keep a copy.
    const own = h.copy();
    hists.series.push(s);
    hists.ts.push(t);
    hists.hs.push(own);
    hists.ooo.push(kind === Appendability.OutOfOrder);
    if (kind === Appendability.InOrder) {
      st.pendT[slot] = t;
      st.pendBatch[slot] = this.batch;
      hists.newest.set(slot, own);
    }
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    return s.ref;
  }

  /** Marks the end of a part of the batch: a series goes from floats to histograms or back. */
  private switchKind(): void {
    const sw = (this.switches ??= []);
    const nh = this.hists !== null ? this.hists.ts.length : 0;
    if (sw.length > 0 && sw[sw.length - 2] === this.n && sw[sw.length - 1] === nh) return;
    sw.push(this.n, nh);
  }

  forEachPending(fn: (s: MemSeries) => void): void {
    const cols = this.cols;
    if (cols !== null) for (let i = 0; i < this.n; i++) fn(cols.series[i]);
    if (this.hists !== null) for (const s of this.hists.series) fn(s);
    for (const e of this.exemplars) fn(e.series);
  }

  appendExemplar(ref: SeriesRef, labels: Labels, exemplar: Exemplar): SeriesRef {
    if (this.finished) throw new AppendError('invalid', 'appender already committed or rolled back');
    const head = this.head;
    const s = this.seriesFor(ref, labels, Number.isNaN(exemplar.t) ? head.maxTime : exemplar.t);
    let t = exemplar.t;
    if (Number.isNaN(t)) {
      // No timestamp of its own: the time of the series' newest sample, as a scrape would give it.
      const st = head.state;
      t = st.pendBatch[s.slot] === this.batch ? st.pendT[s.slot] : st.maxT[s.slot];
      if (!Number.isFinite(t)) throw new AppendError('invalid', 'exemplar without timestamp for a series without samples');
    }
    let pendingT = -Infinity;
    for (let i = this.exemplars.length - 1; i >= 0; i--) {
      if (this.exemplars[i].series === s) {
        pendingT = this.exemplars[i].t;
        break;
      }
    }
    const e: Exemplar = t === exemplar.t ? exemplar : { labels: exemplar.labels, value: exemplar.value, t };
    if (!head.exemplars.validate(s.ref, e, pendingT)) return s.ref;
    this.exemplars.push({ ref: s.ref, t, value: exemplar.value, labels: exemplar.labels, series: s });
    return s.ref;
  }

  async commit(): Promise<void> {
    this.commitSync();
  }

  /** `commit()` without the promise: WAL write and head update happen in one synchronous step. */
  commitSync(): void {
    if (this.finished) return;
    const head = this.head;
    const n = this.n;
    const cols = this.cols;
    const hists = this.hists;
    try {
      if (head.wal !== null && (n > 0 || this.exemplars.length > 0 || hists !== null)) this.log(cols, n);
    } catch (e) {
      this.release();
      throw e;
    }
    // In parts (see `switches`): each part's floats, then its histograms, as the WAL replays them.
    const nh = hists !== null ? hists.ts.length : 0;
    const sw = this.switches;
    let f0 = 0;
    let h0 = 0;
    for (let k = 0; sw !== null && k < sw.length; k += 2) {
      if (cols !== null) this.applyFloats(cols, f0, sw[k]);
      if (hists !== null) this.applyHistograms(hists, h0, sw[k + 1]);
      f0 = sw[k];
      h0 = sw[k + 1];
    }
    if (cols !== null) this.applyFloats(cols, f0, n);
    if (hists !== null) this.applyHistograms(hists, h0, nh);
    for (const e of this.exemplars) head.exemplars.add(e.ref, e.series.labels, e);
    this.release();
    if (head.afterCommit !== null) head.afterCommit();
  }

  private applyFloats(cols: PendingColumns, from: number, to: number): void {
    const head = this.head;
    const series = cols.series;
    const ts = cols.ts;
    const vs = cols.vs;
    const ooo = cols.ooo;
    let minT = Infinity;
    let maxT = -Infinity;
    const window = head.outOfOrderTimeWindow;
    for (let i = from; i < to; i++) {
      const s = series[i];
      const t = ts[i];
      let stored: boolean;
      if (ooo[i] === 0) {
        stored = head.appendInOrder(s, t, vs[i]);
        // Another commit stored a newer sample meanwhile: out of order now.
        if (!stored && window > 0 && t >= head.maxTime - window) stored = head.appendOutOfOrder(s, t, vs[i]);
      } else {
        stored = head.appendOutOfOrder(s, t, vs[i]);
      }
      if (stored) {
        if (t < minT) minT = t;
        if (t > maxT) maxT = t;
      } else {
        head.droppedAtCommit++;
      }
    }
    if (minT <= maxT) head.extendTimeRange(minT, maxT);
  }

  private applyHistograms(hists: PendingHistograms, from: number, to: number): void {
    const head = this.head;
    let minT = Infinity;
    let maxT = -Infinity;
    const window = head.outOfOrderTimeWindow;
    for (let i = from; i < to; i++) {
      const s = hists.series[i];
      const t = hists.ts[i];
      const h = hists.hs[i];
      let stored: boolean;
      if (!hists.ooo[i]) {
        stored = head.appendHistogramInOrder(s, t, h);
        if (!stored && window > 0 && t >= head.maxTime - window) stored = head.appendOutOfOrderHistogram(s, t, h);
      } else {
        stored = head.appendOutOfOrderHistogram(s, t, h);
      }
      if (stored) {
        if (t < minT) minT = t;
        if (t > maxT) maxT = t;
      } else {
        head.droppedAtCommit++;
      }
    }
    if (minT <= maxT) head.extendTimeRange(minT, maxT);
  }

  private log(cols: PendingColumns | null, n: number): void {
    const head = this.head;
    const records: Uint8Array[] = [];
    // Series records first, for every series this batch is the first to write to the WAL.
    let nLog = 0;
    const note = (s: MemSeries) => {
      if (s.logged) return;
      s.logged = true;
      toLogRefs[nLog] = s.ref;
      toLogLabels[nLog] = s.labels;
      nLog++;
    };
    if (cols !== null) for (let i = 0; i < n; i++) note(cols.series[i]);
    const hists = this.hists;
    if (hists !== null) for (const s of hists.series) note(s);
    for (const e of this.exemplars) note(e.series);
    const newlyLogged = nLog;
    if (nLog > 0) records.push(encodeSeriesRecord(seriesRecord, toLogRefs, toLogLabels, nLog));
    const refs = hists !== null ? hists.series.map((s) => s.ref) : [];
    const part = (f0: number, f1: number, h0: number, h1: number, shared: boolean) => {
      // The shared buffer holds one record at a time: further parts get their own.
      if (cols !== null && f1 > f0) records.push(encodeSamplesRecord(shared ? samplesRecord : new RecordBuffer(), cols.refs, cols.ts, cols.vs, f0, f1));
      if (hists !== null && h1 > h0) {
        for (const rec of encodeHistogramSamplesRecords(refs.slice(h0, h1), hists.ts.slice(h0, h1), hists.hs.slice(h0, h1), isIntegral)) records.push(rec);
      }
    };
    const nh = hists !== null ? hists.ts.length : 0;
    const sw = this.switches;
    if (sw === null) {
      part(0, n, 0, nh, true);
    } else {
      let f0 = 0;
      let h0 = 0;
      for (let k = 0; k < sw.length; k += 2) {
        part(f0, sw[k], h0, sw[k + 1], false);
        f0 = sw[k];
        h0 = sw[k + 1];
      }
      part(f0, n, h0, nh, false);
    }
    if (this.exemplars.length > 0) records.push(encodeExemplarsRecord(exemplarsRecord, this.exemplars));
    try {
      head.wal!.log(records);
    } catch (e) {
      // Not in the WAL after all: the next commit that uses them logs them.
      for (let i = 0; i < newlyLogged; i++) head.getByRef(toLogRefs[i])!.logged = false;
      throw e;
    } finally {
      for (let i = 0; i < nLog; i++) toLogLabels[i] = undefined as unknown as Labels;
    }
  }

  async rollback(): Promise<void> {
    if (this.finished) return;
    this.release();
  }

  private release(): void {
    this.finished = true;
    const cols = this.cols;
    if (cols !== null) {
      const st = this.head.state;
      for (let i = 0; i < this.n; i++) {
        const s = cols.series[i];
        if (st.pendBatch[s.slot] === this.batch) st.pendBatch[s.slot] = 0;
        cols.series[i] = undefined as unknown as MemSeries;
      }
      if (pool.length < 16) pool.push(cols);
      this.cols = null;
    }
    const hists = this.hists;
    if (hists !== null) {
      const st = this.head.state;
      for (const s of hists.series) if (st.pendBatch[s.slot] === this.batch) st.pendBatch[s.slot] = 0;
      this.hists = null;
    }
    this.n = 0;
    this.switches = null;
    this.exemplars = [];
    this.head.endBatch(this.batch);
  }
}
