/**
 * Prometheus's out-of-order WAL (`wbl/`, same segment format as the WAL): the out-of-order samples a
 * Prometheus run with `out_of_order_time_window` accepted. Taking over its data directory, Vigil adds
 * them to the head as out-of-order samples (whatever Vigil's own window: Prometheus had accepted them)
 * and hands them back, so the caller can log them to Vigil's WAL before `wbl/` is removed.
 *
 * Series refs are the WAL's: the WAL is replayed first. Native histogram samples and m-map markers
 * (which point into the `chunks_head/` Vigil does not keep; the samples themselves are in `wbl/`) are
 * counted as skipped.
 */
import type { Head } from '../head/head.js';
import { WalCorruptionError, listSegments, readSegment } from './reader.js';
import { RecordReader, RecordType, decodeSamplesRecord, newSampleColumns } from './records.js';

export interface WblReplay {
  /** The samples added to the head, in the order read. */
  readonly refs: number[];
  readonly ts: number[];
  readonly vs: Float64Array;
  /** Samples for series no WAL record announced. */
  unknownRefSamples: number;
  /** Samples the head already had (same series and timestamp). */
  duplicateSamples: number;
  /** Records of other types, by type. */
  readonly skippedRecords: Record<number, number>;
  /** Set when a segment was damaged: reading stopped there (nothing is repaired in `wbl/`). */
  damage?: string;
}

export function replayWbl(head: Head, wblDir: string): WblReplay {
  const refs: number[] = [];
  const ts: number[] = [];
  let vs = new Float64Array(1024);
  const out: WblReplay = { refs, ts, vs, unknownRefSamples: 0, duplicateSamples: 0, skippedRecords: {} };
  let minT = Infinity;
  let maxT = -Infinity;
  const reader = new RecordReader();
  const cols = newSampleColumns();
  const onRecord = (rec: Uint8Array, len: number): void => {
    if (rec[0] !== RecordType.Samples) {
      out.skippedRecords[rec[0]!] = (out.skippedRecords[rec[0]!] ?? 0) + 1;
      return;
    }
    const n = decodeSamplesRecord(reader, rec, 0, len, cols);
    for (let i = 0; i < n; i++) {
      const s = head.getByRef(cols.refs[i]!);
      if (s === undefined) {
        out.unknownRefSamples++;
        continue;
      }
      const t = cols.ts[i]!;
      const v = cols.vs[i]!;
      if (!head.appendOutOfOrder(s, t, v)) {
        out.duplicateSamples++;
        continue;
      }
      if (refs.length === vs.length) {
        const bigger = new Float64Array(vs.length * 2);
        bigger.set(vs);
        vs = bigger;
      }
      vs[refs.length] = v; // a typed array keeps staleness markers' NaN bits
      refs.push(s.ref);
      ts.push(t);
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
    }
  };
  for (const segment of listSegments(wblDir)) {
    try {
      readSegment(wblDir, segment, onRecord);
    } catch (e) {
      if (!(e instanceof WalCorruptionError)) throw e;
      out.damage = e.message;
      break;
    }
  }
  if (minT <= maxT) head.extendTimeRange(minT, maxT);
  return { ...out, vs: vs.subarray(0, refs.length) };
}
