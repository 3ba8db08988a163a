/**
 * The head as a `ChunkSeriesSource`: what the block writer reads to cut a block. Chunks that lie wholly
 * in the range, with nothing deleted and no out-of-order samples, are handed over as they are (no
 * re-encoding: a head cut costs a copy at most); the others are re-encoded from their samples in range.
 */
import { Labels } from '@vigil/model';
import type { ChunkMeta, ChunkSeries, ChunkSeriesSource } from '../chunk-types.js';
import { encodeSamples } from '../chunkenc/encode.js';
import type { Head } from './head.js';
import { mergedSamples, snapshotChunks } from './querier.js';
import type { MemSeries } from './series.js';
import { sortYielding } from '../sort-yielding.js';

function overlapsDeleted(deleted: readonly number[] | null, mint: number, maxt: number): boolean {
  if (deleted === null) return false;
  for (let i = 0; i < deleted.length; i += 2) if (deleted[i] <= maxt && deleted[i + 1] >= mint) return true;
  return false;
}

/** The chunks of `s` for samples in [mint, maxt]. */
export function seriesChunks(head: Head, s: MemSeries, mint: number, maxt: number, onlyOoo = false): ChunkMeta[] {
  const snap = onlyOoo ? snapshotChunks(head, s, Infinity, -Infinity) : snapshotChunks(head, s, mint, maxt);
  const hasOoo = s.ooo !== null && s.ooo.mint <= maxt && s.ooo.maxt >= mint;
  let simple = !hasOoo && !onlyOoo;
  if (simple) {
    for (let i = 0; i < snap.length; i++) {
      if (snap.mints[i] < mint || snap.maxts[i] > maxt || overlapsDeleted(s.deleted, snap.mints[i], snap.maxts[i])) {
        simple = false;
        break;
      }
    }
  }
  if (simple) {
    const out: ChunkMeta[] = [];
    for (let i = 0; i < snap.length; i++) {
      const off = snap.offs[i];
      out.push({ mint: snap.mints[i], maxt: snap.maxts[i], encoding: snap.encs[i], data: snap.bufs[i].subarray(off, off + snap.lens[i]) });
    }
    return out;
  }
  const m = mergedSamples(head, s, snap, mint, maxt, s.deleted);
  return encodeSamples(m.ts, m.vs, m.hs, m.n);
}

// The index wants label sets in UTF-8 byte order: `Labels.compare`'s.
const byLabels = (a: MemSeries, b: MemSeries): number => Labels.compare(a.labels, b.labels);

export function headChunkSeriesSource(head: Head, mint: number, maxt: number, onlyOoo = false): ChunkSeriesSource {
  const pick = (): MemSeries[] => {
    const st = head.state;
    const picked: MemSeries[] = [];
    for (const s of head.allSeries()) {
      let smin = st.minT[s.slot];
      let smax = st.maxT[s.slot];
      if (onlyOoo) {
        if (s.ooo === null) continue;
        smin = s.ooo.mint;
        smax = s.ooo.maxt;
      } else if (s.ooo !== null) {
        if (s.ooo.maxt > smax) smax = s.ooo.maxt;
        if (!(smin <= s.ooo.mint)) smin = s.ooo.mint;
      }
      if (smin <= maxt && smax >= mint) picked.push(s);
    }
    return picked;
  };
  let prepared: MemSeries[] | null = null;
  return {
    mint,
    maxt,
    async prepare(): Promise<void> {
      prepared = await sortYielding(pick(), byLabels);
    },
    *series(): Iterable<ChunkSeries> {
      const sorted = prepared ?? pick().sort(byLabels);
      prepared = null;
      for (const s of sorted) {
        const chunks = seriesChunks(head, s, mint, maxt, onlyOoo);
        if (chunks.length > 0) yield { labels: s.labels, chunks };
      }
    },
  };
}

