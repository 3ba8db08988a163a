/**
 * Reading a block through the `Querier` seam: matchers are resolved to postings, series are read from
 * the index, chunks are loaded and decoded only when a series is iterated, tombstones hide deleted ranges.
 */
import { Labels, VigilError, type Matcher } from '@vigil/model';
import { ENCODING_XOR } from '../chunk-types.js';
import { XorIterator } from '../chunkenc/xor.js';
import type { Querier, SampleIterator, SelectHints, Series } from '../storage.js';
import type { ChunkReader } from './chunks.js';
import type { IndexReader } from './index-reader.js';
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

/** Chunk metas `(mint, maxt, ref)` of a series that overlap [mint, maxt] and are not wholly deleted. */
function chunksInRange(chunks: Float64Array, mint: number, maxt: number, deleted: readonly Interval[] | undefined): Float64Array {
  let from = -1;
  let to = -1;
  let covered = false;
  for (let i = 0; i < chunks.length; i += 3) {
    if (chunks[i + 1] < mint || chunks[i] > maxt) continue;
    if (deleted !== undefined && deleted.some((iv) => iv.mint <= chunks[i] && chunks[i + 1] <= iv.maxt)) {
      covered = true;
      continue;
    }
    if (from < 0) from = i;
    to = i + 3;
  }
  if (from < 0) return EMPTY_CHUNKS;
  if (!covered) return chunks.subarray(from, to);
  // Rare: some chunk in the middle is wholly deleted; keep the others.
  const keep: number[] = [];
  for (let i = from; i < to; i += 3) {
    if (chunks[i + 1] < mint || chunks[i] > maxt) continue;
    if (deleted!.some((iv) => iv.mint <= chunks[i] && chunks[i + 1] <= iv.maxt)) continue;
    keep.push(chunks[i], chunks[i + 1], chunks[i + 2]);
  }
  return Float64Array.from(keep);
}

const EMPTY_CHUNKS = new Float64Array(0);

/** Iterates the samples of a block series within [mint, maxt], chunk by chunk, skipping deleted ranges. */
export class BlockSeriesIterator implements SampleIterator {
  t = 0;
  private readonly cr: ChunkReader;
  private readonly chunks: Float64Array;
  private readonly mint: number;
  private readonly maxt: number;
  private readonly deleted: readonly Interval[] | undefined;
  private next3 = 0;
  private readonly it = new XorIterator();
  private loaded = false;
  private done = false;
  private curRef = 0;

  constructor(cr: ChunkReader, chunks: Float64Array, mint: number, maxt: number, deleted: readonly Interval[] | undefined) {
    this.cr = cr;
    this.chunks = chunks;
    this.mint = mint;
    this.maxt = maxt;
    this.deleted = deleted !== undefined && deleted.length > 0 ? deleted : undefined;
  }

  get v(): number {
    return this.it.v;
  }

  private loadNext(): boolean {
    if (this.next3 >= this.chunks.length) return false;
    const ref = this.chunks[this.next3 + 2];
    this.next3 += 3;
    const raw = this.cr.chunk(ref);
    if (raw.encoding !== ENCODING_XOR) {
      throw new VigilError('corruption', `chunk ${ref} in ${JSON.stringify(this.cr.dir)} has encoding ${raw.encoding}, which this version does not read (only XOR = 1)`);
    }
    this.curRef = ref;
    this.it.reset(raw.data);
    this.loaded = true;
    return true;
  }

  next(): boolean {
    if (this.done) return false;
    for (;;) {
      if (!this.loaded && !this.loadNext()) {
        this.done = true;
        return false;
      }
      const it = this.it;
      if (!it.next()) {
        if (it.err) {
          const seq = Math.floor(this.curRef / 0x100000000);
          throw new VigilError('corruption', `corrupted chunk in ${JSON.stringify(this.cr.dir)} (segment ${seq}, offset ${this.curRef - seq * 0x100000000}): ${it.err.message}`);
        }
        this.loaded = false;
        continue;
      }
      const t = it.t;
      if (t < this.mint) continue;
      if (t > this.maxt) {
        this.done = true;
        return false;
      }
      if (this.deleted !== undefined && isDeleted(this.deleted, t)) continue;
      this.t = t;
      return true;
    }
  }

  seek(t: number): boolean {
    if (this.done) return false;
    if (this.loaded && this.t >= t && this.it.numSamples > 0) return true;
    // Skip whole chunks that end before t without decoding them.
    if (!this.loaded || this.it.t < t) {
      let skip = this.next3;
      while (skip < this.chunks.length && this.chunks[skip + 1] < t) skip += 3;
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
  private readonly cr: ChunkReader;
  private readonly chunks: Float64Array;
  private readonly mint: number;
  private readonly maxt: number;
  private readonly deleted: readonly Interval[] | undefined;

  constructor(labels: Labels, cr: ChunkReader, chunks: Float64Array, mint: number, maxt: number, deleted: readonly Interval[] | undefined) {
    this.labels = labels;
    this.cr = cr;
    this.chunks = chunks;
    this.mint = mint;
    this.maxt = maxt;
    this.deleted = deleted;
  }

  iterator(): SampleIterator {
    return new BlockSeriesIterator(this.cr, this.chunks, this.mint, this.maxt, this.deleted);
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
    const ids = postingsForMatchers(this.r.index, matchers);
    for (let i = 0; i < ids.length; i++) {
      const e = this.r.index.series(ids[i]);
      const deleted = this.r.tombstones.get(ids[i]);
      const chunks = chunksInRange(e.chunks, mint, maxt, deleted);
      if (chunks.length === 0) continue;
      out.push(new BlockSeries(e.labels, this.r.chunks, chunks, mint, maxt, deleted));
    }
    return sortedByLabels(out);
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    if (!matchers || matchers.length === 0) return this.r.index.labelNames();
    const names = new Set<string>();
    for (const s of this.select(matchers, { labelsOnly: true })) s.labels.forEach((n) => names.add(n));
    return [...names].sort();
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    if (!matchers || matchers.length === 0) return this.r.index.labelValues(name);
    const values = new Set<string>();
    for (const s of this.select(matchers, { labelsOnly: true })) {
      const v = s.labels.get(name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
  }
}

/** The index orders series by UTF-8 bytes; the seam promises `Labels.compare` order. They differ only for rare characters. */
function sortedByLabels(series: Series[]): Series[] {
  for (let i = 1; i < series.length; i++) {
    if (Labels.compare(series[i - 1].labels, series[i].labels) > 0) {
      return series.sort((a, b) => Labels.compare(a.labels, b.labels));
    }
  }
  return series;
}
