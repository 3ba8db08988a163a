/**
 * Checkpoints: `wal/checkpoint.NNNNNNNN/` holds, in WAL format, what is still needed from segments up to
 * NNNNNNNN (the series still in the head, samples, tombstones and exemplars not older than the head's
 * new start), so those segments can be deleted. Written to `.tmp`, synced, then renamed: a crash leaves
 * the previous checkpoint in force. Same filtering as Prometheus's `wlog.Checkpoint`.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '@vigil/model';
import { fsyncDir } from '../block/fsutil.js';
import { ReaderState, listSegments, readSegment } from './reader.js';
import {
  RecordBuffer,
  RecordReader,
  RecordType,
  decodeExemplarsRecord,
  decodeHistogramSamplesRecord,
  decodeSamplesRecord,
  decodeSeriesRecord,
  decodeTombstonesRecord,
  encodeExemplarsRecord,
  encodeHistogramSamplesRecords,
  encodeSamplesRecord,
  encodeSeriesRecord,
  encodeTombstonesRecord,
  isHistogramRecord,
  newSampleColumns,
  type RefExemplar,
} from './records.js';
import type { FloatHistogram } from '@vigil/model';
import { WAL, checkpointName, listCheckpoints } from './wal.js';

export interface CheckpointStats {
  readonly dir: string;
  readonly droppedSeries: number;
  readonly droppedSamples: number;
  readonly keptSeries: number;
  readonly keptSamples: number;
}

/**
 * Writes `checkpoint.<to>` from the last checkpoint and segments `from..to` of `walDir`, keeping series
 * for which `keep(ref)` holds and samples, tombstones and exemplars at or after `mint`.
 */
export function createCheckpoint(walDir: string, from: number, to: number, keep: (ref: number) => boolean, mint: number): CheckpointStats {
  const sources: Array<{ dir: string; segments: number[] }> = [];
  const cps = listCheckpoints(walDir);
  if (cps.length > 0) {
    const last = cps[cps.length - 1];
    const cpDir = join(walDir, last.name);
    sources.push({ dir: cpDir, segments: listSegments(cpDir) });
    if (from <= last.index) from = last.index + 1;
  }
  sources.push({ dir: walDir, segments: listSegments(walDir).filter((s) => s >= from && s <= to) });

  const finalDir = join(walDir, checkpointName(to));
  const tmpDir = finalDir + '.tmp';
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const out = WAL.open(tmpDir);
  const r = new RecordReader();
  const cols = newSampleColumns();
  const enc = new RecordBuffer();
  const keptRefs: number[] = [];
  const keptLabels: Labels[] = [];
  let droppedSeries = 0;
  let droppedSamples = 0;
  let keptSeries = 0;
  let keptSamples = 0;
  const state = new ReaderState();
  try {
    for (const src of sources) {
      for (const seg of src.segments) {
        readSegment(
          src.dir,
          seg,
          (rec, len) => {
            switch (rec[0]) {
              case RecordType.Series: {
                keptRefs.length = 0;
                keptLabels.length = 0;
                decodeSeriesRecord(r, rec, 0, len, (ref, labels) => {
                  if (keep(ref)) {
                    keptRefs.push(ref);
                    keptLabels.push(labels);
                  } else {
                    droppedSeries++;
                  }
                });
                keptSeries += keptRefs.length;
                if (keptRefs.length > 0) out.log([encodeSeriesRecord(enc, keptRefs, keptLabels, keptRefs.length)]);
                break;
              }
              case RecordType.Samples: {
                const n = decodeSamplesRecord(r, rec, 0, len, cols);
                let k = 0;
                for (let i = 0; i < n; i++) {
                  if (cols.ts[i] < mint) continue;
                  cols.refs[k] = cols.refs[i];
                  cols.ts[k] = cols.ts[i];
                  cols.vs[k] = cols.vs[i];
                  k++;
                }
                droppedSamples += n - k;
                keptSamples += k;
                if (k > 0) out.log([encodeSamplesRecord(enc, cols.refs, cols.ts, cols.vs, 0, k)]);
                break;
              }
              case RecordType.Tombstones: {
                const stones: Array<{ ref: number; mint: number; maxt: number }> = [];
                decodeTombstonesRecord(r, rec, 0, len, (ref, a, b) => {
                  if (b >= mint && keep(ref)) stones.push({ ref, mint: a, maxt: b });
                });
                if (stones.length > 0) out.log([encodeTombstonesRecord(enc, stones)]);
                break;
              }
              case RecordType.Exemplars: {
                const ex: RefExemplar[] = [];
                decodeExemplarsRecord(r, rec, 0, len, (e) => {
                  if (e.t >= mint) ex.push(e);
                });
                if (ex.length > 0) out.log([encodeExemplarsRecord(enc, ex)]);
                break;
              }
              default: {
                if (!isHistogramRecord(rec[0])) break; // metadata, mmap markers: not replayed, not carried over
                const integer = rec[0] === RecordType.HistogramSamples || rec[0] === RecordType.CustomBucketsHistogramSamples;
                const refs: number[] = [];
                const ts: number[] = [];
                const hs: FloatHistogram[] = [];
                let n = 0;
                decodeHistogramSamplesRecord(r, rec, 0, len, (ref, t, h) => {
                  n++;
                  if (t < mint) return;
                  refs.push(ref);
                  ts.push(t);
                  hs.push(h);
                });
                droppedSamples += n - hs.length;
                keptSamples += hs.length;
                if (hs.length > 0) out.log(encodeHistogramSamplesRecords(refs, ts, hs, () => integer));
                break;
              }
            }
          },
          state,
        );
      }
    }
    out.close();
  } catch (e) {
    try {
      out.close();
    } catch {
      // already failing
    }
    rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(tmpDir);
  if (existsSync(finalDir)) rmSync(finalDir, { recursive: true, force: true });
  renameSync(tmpDir, finalDir);
  fsyncDir(walDir);
  return { dir: finalDir, droppedSeries, droppedSamples, keptSeries, keptSamples };
}

/** Deletes checkpoints older than `index` (and leftover `.tmp` ones). */
export function deleteCheckpoints(walDir: string, index: number): void {
  for (const cp of listCheckpoints(walDir)) {
    if (cp.index < index) rmSync(join(walDir, cp.name), { recursive: true, force: true });
  }
}
