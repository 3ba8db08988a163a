/**
 * An append batch against the head. Samples are checked when appended (so the caller gets Prometheus's
 * error for that sample at once), held in typed columns, written to the WAL at `commit()`, and only then
 * put into chunks, where they become visible.
 */
import type { Labels } from '@vigil/model';
import { AppendError, type Appender, type Exemplar, type SeriesRef } from '../storage.js';
import {
  RecordBuffer,
  encodeExemplarsRecord,
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
    if (st.pendBatch[slot] === this.batch) {
      f64[0] = st.pendV[slot];
      kind = head.appendable(s, t, v, st.pendT[slot], u32[1], u32[0]);
    } else {
      kind = head.appendable(s, t, v, st.maxT[slot], st.vHi[slot], st.vLo[slot]);
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
    }
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    return s.ref;
  }

  forEachPending(fn: (s: MemSeries) => void): void {
    const cols = this.cols;
    if (cols !== null) for (let i = 0; i < this.n; i++) fn(cols.series[i]);
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
    try {
      if (head.wal !== null && (n > 0 || this.exemplars.length > 0)) this.log(cols, n);
    } catch (e) {
      this.release();
      throw e;
    }
    if (cols !== null) {
      const series = cols.series;
      const ts = cols.ts;
      const vs = cols.vs;
      const ooo = cols.ooo;
      let minT = Infinity;
      let maxT = -Infinity;
      const window = head.outOfOrderTimeWindow;
      for (let i = 0; i < n; i++) {
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
    for (const e of this.exemplars) head.exemplars.add(e.ref, e.series.labels, e);
    this.release();
    if (head.afterCommit !== null) head.afterCommit();
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
    for (const e of this.exemplars) note(e.series);
    const newlyLogged = nLog;
    if (nLog > 0) records.push(encodeSeriesRecord(seriesRecord, toLogRefs, toLogLabels, nLog));
    if (cols !== null && n > 0) records.push(encodeSamplesRecord(samplesRecord, cols.refs, cols.ts, cols.vs, 0, n));
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
    this.n = 0;
    this.exemplars = [];
    this.head.endBatch(this.batch);
  }
}
