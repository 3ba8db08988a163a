/**
 * Reading a block through the `Querier` seam: matchers are resolved to postings, series are read from
 * the index, chunks are loaded and decoded only when a series is iterated, tombstones hide deleted ranges.
 */
import { VigilError, compareUtf8, type FloatHistogram, type Labels, type Matcher } from '@vigil/model';
import { ENCODING_FLOAT_HISTOGRAM, ENCODING_HISTOGRAM, ENCODING_XOR } from '../chunk-types.js';
import { HistogramIterator } from '../chunkenc/histogram.js';
import { XorIterator } from '../chunkenc/xor.js';
import type { Querier, SampleIterator, SampleSink, SelectHints, Series } from '../storage.js';
import type { ChunkReader } from './chunks.js';
import { ChunkMetaList, type IndexReader } from './index-reader.js';
import { intersectPostings, subtractPostings, unionPostings } from './postings.js';
import { isDeleted, type Interval, type Tombstones } from './tombstones.js';

/** IDs of the series that satisfy every matcher (all series when every matcher matches the empty string). */
export function postingsForMatchers(ir: IndexReader, matchers: readonly Matcher[]): Uint32Array {
  let result: Uint32Array | undefined;
  const negatives: Uint32Array[] = [];
  for (const m of matchers) {
    if (m.matches('')) {
      // Selects series without the label too: remove those whose value does not match.
      if (m.type === '=~' && (m.value === '.*' || m.value === '(?s:.*)')) continue;
      const lists = m.type === '!=' ? [ir.postings(m.name, m.value)] : ir.postingsMatching(m.name, (v) => !m.matches(v));
      if (lists.length > 0) negatives.push(unionPostings(lists));
      continue;
    }
    const p = m.type === '=' ? ir.postings(m.name, m.value) : unionPostings(ir.postingsMatching(m.name, m.matches));
    result = result === undefined ? p : intersectPostings(result, p);
    if (result.length === 0) return result;
  }
  if (result === undefined) result = ir.allPostings();
  for (const n of negatives) result = subtractPostings(result, n);
  return result;
}

/** Whether one of the sorted intervals covers [mint, maxt] wholly. */
function whollyDeleted(deleted: readonly Interval[], mint: number, maxt: number): boolean {
  for (const iv of deleted) if (iv.mint <= mint && maxt <= iv.maxt) return true;
  return false;
}

/** Drops the chunk metas in `arr[from..to)` wholly covered by a deleted interval; returns the new end. */
function dropDeletedChunks(arr: Float64Array, from: number, to: number, deleted: readonly Interval[]): number {
  let w = from;
  for (let i = from; i < to; i += 3) {
    if (whollyDeleted(deleted, arr[i], arr[i + 1])) continue;
    arr[w] = arr[i];
    arr[w + 1] = arr[i + 1];
    arr[w + 2] = arr[i + 2];
    w += 3;
  }
  return w;
}

/** What the series of one `select` share: the chunks, the range, and a chunk decoder for `readSamples`. */
class SelectScope {
  readonly cr: ChunkReader;
  readonly mint: number;
  readonly maxt: number;
  readonly decoder = new XorIterator();
  /** The decoder of histogram chunks, made at the first one. */
  histDecoder: HistogramIterator | null = null;
  /** Whether `decoder` is in use (a sink reading another series of the scope from inside `push`). */
  decoderBusy = false;

  constructor(cr: ChunkReader, mint: number, maxt: number) {
    this.cr = cr;
    this.mint = mint;
    this.maxt = maxt;
  }
}

/** Points `cr` at chunk `ref`; an encoding this version does not read (not XOR, histogram or float histogram) is a corruption error. */
function locateChunk(cr: ChunkReader, ref: number): number {
  cr.locate(ref);
  const enc = cr.encoding;
  if (enc !== ENCODING_XOR && enc !== ENCODING_HISTOGRAM && enc !== ENCODING_FLOAT_HISTOGRAM) {
    throw new VigilError(
      'corruption',
      `chunk ${ref} in ${JSON.stringify(cr.dir)} has encoding ${enc}, which this version does not read (XOR = 1, histogram = 2, float histogram = 3)`,
    );
  }
  return enc;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function chunkDecodeError(cr: ChunkReader, ref: number, err: Error): VigilError {
  const seq = Math.floor(ref / 0x100000000);
  return new VigilError('corruption', `corrupted chunk in ${JSON.stringify(cr.dir)} (segment ${seq}, offset ${ref - seq * 0x100000000}): ${err.message}`);
}

/**
 * Iterates the samples of a block series within [mint, maxt], chunk by chunk, skipping deleted ranges.
 * Its chunk metas are `metas[from..to)`. Chunks are decoded straight from the page cache, never copied;
 * the iterator is its own chunk decoder (one object per series iterated).
 */
export class BlockSeriesIterator extends XorIterator {
  private readonly scope: SelectScope;
  private readonly metas: Float64Array;
  private readonly to: number;
  private readonly deleted: readonly Interval[] | undefined;
  private next3: number;
  private loaded = false;
  /** Whether the iterator sits on a sample it returned. */
  private valid = false;
  private done = false;
  /** The decoder of histogram chunks (made at the first one), and whether the current chunk is one. */
  private hit: HistogramIterator | null = null;
  private inHist = false;
  private cached: FloatHistogram | null = null;

  constructor(scope: SelectScope, metas: Float64Array, from: number, to: number, deleted: readonly Interval[] | undefined) {
    super();
    this.scope = scope;
    this.metas = metas;
    this.next3 = from;
    this.to = to;
    this.deleted = deleted !== undefined && deleted.length > 0 ? deleted : undefined;
  }

  private loadNext(): boolean {
    if (this.next3 >= this.to) return false;
    const cr = this.scope.cr;
    const enc = locateChunk(cr, this.metas[this.next3 + 2]);
    this.next3 += 3;
    this.inHist = enc !== ENCODING_XOR;
    if (this.inHist) {
      (this.hit ??= new HistogramIterator()).reset(cr.buf, cr.dataStart, cr.dataLength, enc);
      // The float view of the histogram samples comes from the XOR state (see `nextHistogram`).
      this.reset(cr.buf, cr.dataStart, 0);
    } else {
      this.reset(cr.buf, cr.dataStart, cr.dataLength);
    }
    this.loaded = true;
    return true;
  }

  /** The current sample's native histogram (built at the first read), or null for a float sample. */
  override get h(): FloatHistogram | null {
    if (!this.inHist) return null;
    return this.cached ?? (this.cached = this.hit!.histogram());
  }

  /** Moves within a histogram chunk; the float view (`v`) becomes NaN or the staleness marker. */
  private nextHistogram(): boolean {
    const hit = this.hit!;
    if (!hit.next()) return false;
    this.t = hit.t;
    f64[0] = hit.v;
    this.vHi = u32[1];
    this.vLo = u32[0];
    return true;
  }

  override next(): boolean {
    this.valid = false;
    this.cached = null;
    if (this.done) return false;
    const scope = this.scope;
    for (;;) {
      if (!this.loaded && !this.loadNext()) {
        this.done = true;
        return false;
      }
      if (!(this.inHist ? this.nextHistogram() : super.next())) {
        const err = this.inHist ? this.hit!.err : this.err;
        if (err) throw chunkDecodeError(scope.cr, this.metas[this.next3 - 1], err);
        this.loaded = false;
        continue;
      }
      const t = this.t;
      if (t < scope.mint) continue;
      if (t > scope.maxt) {
        this.done = true;
        return false;
      }
      if (this.deleted !== undefined && isDeleted(this.deleted, t)) continue;
      this.valid = true;
      return true;
    }
  }

  override seek(t: number): boolean {
    if (this.done) return false;
    if (this.valid && this.t >= t) return true;
    // Skip whole chunks that end before t without decoding them.
    if (!this.loaded || this.t < t) {
      let skip = this.next3;
      while (skip < this.to && this.metas[skip + 1] < t) skip += 3;
      if (skip > this.next3) {
        this.next3 = skip;
        this.loaded = false;
      }
    }
    while (this.next()) if (this.t >= t) return true;
    return false;
  }
}

class BlockSeries implements Series {
  readonly labels: Labels;
  private readonly scope: SelectScope;
  private readonly metas: Float64Array;
  private readonly from: number;
  private readonly to: number;
  private readonly deleted: readonly Interval[] | undefined;

  constructor(labels: Labels, scope: SelectScope, metas: Float64Array, from: number, to: number, deleted: readonly Interval[] | undefined) {
    this.labels = labels;
    this.scope = scope;
    this.metas = metas;
    this.from = from;
    this.to = to;
    this.deleted = deleted;
  }

  iterator(): SampleIterator {
    return new BlockSeriesIterator(this.scope, this.metas, this.from, this.to, this.deleted);
  }

  readSamples(mint: number, maxt: number, sink: SampleSink): void {
    const scope = this.scope;
    const lo = Math.max(mint, scope.mint);
    const hi = Math.min(maxt, scope.maxt);
    if (lo > hi) return;
    if (this.deleted !== undefined || scope.decoderBusy) {
      const it = this.iterator();
      if (!it.seek(lo)) return;
      do {
        const t = it.t;
        if (t > hi) return;
        const h = it.h;
        if (h !== null) sink.pushHistogram(t, h);
        else sink.push(t, it.v);
      } while (it.next());
      return;
    }
    // One decoder per select, reused series after series: nothing allocated per series.
    const dec = scope.decoder;
    const cr = scope.cr;
    const metas = this.metas;
    scope.decoderBusy = true;
    try {
      for (let i = this.from; i < this.to; i += 3) {
        if (metas[i + 1] < lo) continue;
        if (metas[i] > hi) return;
        const enc = locateChunk(cr, metas[i + 2]);
        if (enc !== ENCODING_XOR) {
          const hdec = (scope.histDecoder ??= new HistogramIterator());
          hdec.reset(cr.buf, cr.dataStart, cr.dataLength, enc);
          const more = hdec.pushSamples(lo, hi, sink);
          if (hdec.err) throw chunkDecodeError(cr, metas[i + 2], hdec.err);
          if (!more) return;
          continue;
        }
        dec.reset(cr.buf, cr.dataStart, cr.dataLength);
        const more = dec.pushSamples(lo, hi, sink);
        if (dec.err) throw chunkDecodeError(cr, metas[i + 2], dec.err);
        if (!more) return;
      }
    } finally {
      scope.decoderBusy = false;
    }
  }
}

export interface BlockReaders {
  readonly index: IndexReader;
  readonly chunks: ChunkReader;
  readonly tombstones: Tombstones;
}

/** A querier over one block for samples with mint <= t <= maxt. */
export class BlockQuerier implements Querier {
  private readonly r: BlockReaders;
  private readonly mint: number;
  private readonly maxt: number;
  private readonly onClose: (() => void) | undefined;
  private closed = false;

  constructor(readers: BlockReaders, mint: number, maxt: number, onClose?: () => void) {
    this.r = readers;
    this.mint = mint;
    this.maxt = maxt;
    this.onClose = onClose;
  }

  select(matchers: readonly Matcher[], hints?: SelectHints): Series[] {
    const mint = Math.max(this.mint, hints?.start ?? -Infinity);
    const maxt = Math.min(this.maxt, hints?.end ?? Infinity);
    const out: Series[] = [];
    if (mint > maxt) return out;
    const index = this.r.index;
    const ids = postingsForMatchers(index, matchers);
    const stones = this.r.tombstones.size > 0 ? this.r.tombstones : undefined;
    const scope = new SelectScope(this.r.chunks, mint, maxt);
    const metas = new ChunkMetaList(mint, maxt, Math.max(30, 3 * ids.length));
    for (let i = 0; i < ids.length; i++) {
      const from = metas.len;
      const labels = index.seriesInRange(ids[i], metas);
      if (labels === undefined) continue;
      const deleted = stones?.get(ids[i]);
      if (deleted !== undefined) {
        metas.len = dropDeletedChunks(metas.arr, from, metas.len, deleted);
        if (metas.len === from) continue;
      }
      out.push(new BlockSeries(labels, scope, metas.arr, from, metas.len, deleted));
    }
    return out; // in the index's order, UTF-8 bytes: `Labels.compare`'s
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    if (!matchers || matchers.length === 0) return this.r.index.labelNames();
    const names = new Set<string>();
    for (const s of this.select(matchers, { labelsOnly: true })) s.labels.forEach((n) => names.add(n));
    return [...names].sort(compareUtf8);
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    if (!matchers || matchers.length === 0) return this.r.index.labelValues(name);
    const values = new Set<string>();
    for (const s of this.select(matchers, { labelsOnly: true })) {
      const v = s.labels.get(name);
      if (v !== '') values.add(v);
    }
    return [...values].sort(compareUtf8);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
  }
}

