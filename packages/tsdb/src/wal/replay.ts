/**
 * Replaying a WAL (Vigil's or Prometheus's) into a head at start: the last checkpoint, then the segments
 * after it. Samples go straight into chunks (no WAL write, no batch). Damage in a segment is repaired:
 * records before it are kept, the rest is dropped, and one log line says how much.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Head } from '../head/head.js';
import type { MemSeries } from '../head/series.js';
import { ReaderState, WalCorruptionError, listSegments, readSegment, segmentName } from './reader.js';
import {
  RecordReader,
  RecordType,
  decodeExemplarsRecord,
  decodeHistogramSamplesRecord,
  decodeSeriesRecord,
  decodeTombstonesRecord,
  isHistogramRecord,
} from './records.js';
import { listCheckpoints, repairWal } from './wal.js';

export interface ReplayStats {
  series: number;
  /** Samples stored, histogram samples included. */
  samples: number;
  histogramSamples: number;
  /** Samples for series refs no series record announced (e.g. lost to a repaired corruption). */
  unknownRefSamples: number;
  /** Samples not stored: older than the blocks' end, or out of order with no window for them. */
  droppedSamples: number;
  tombstones: number;
  exemplars: number;
  /** Records of types the head does not keep (metadata, mmap markers), by type. */
  skippedRecords: Record<number, number>;
  checkpoint: string | undefined;
  segments: number;
  /** Set when damage was found and repaired. */
  repaired?: { segment: string; offset: number; reason: string; droppedBytes: number; droppedSegments: number };
  durationMs: number;
}

export interface ReplayOptions {
  /** One line per notable event (the repair). */
  readonly log?: (line: string) => void;
  /** Time source for the duration; defaults to performance.now. */
  readonly now?: () => number;
}

/** Bytes of the segments (and checkpoint segments) in `walDir`. */
function walBytes(walDir: string): number {
  let n = 0;
  const add = (dir: string) => {
    for (const s of listSegments(dir)) {
      try {
        n += statSync(join(dir, segmentName(s))).size;
      } catch {
        // gone meanwhile
      }
    }
  };
  add(walDir);
  for (const cp of listCheckpoints(walDir)) add(join(walDir, cp.name));
  return n;
}

export function replayWal(head: Head, walDir: string, options: ReplayOptions = {}): ReplayStats {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const stats: ReplayStats = {
    series: 0,
    samples: 0,
    histogramSamples: 0,
    unknownRefSamples: 0,
    droppedSamples: 0,
    tombstones: 0,
    exemplars: 0,
    skippedRecords: {},
    checkpoint: undefined,
    segments: 0,
    durationMs: 0,
  };
  const r = new RecordReader();
  const state = new ReaderState();
  /** WAL refs whose labels matched a series that already had another ref. */
  const aliases = new Map<number, MemSeries>();
  const minValid = head.minValidTime;
  let minT = Infinity;
  let maxT = -Infinity;
  let maxRef = 0;

  const seriesOf = (ref: number): MemSeries | undefined => head.getByRef(ref) ?? aliases.get(ref);

  const onRecord = (rec: Uint8Array, len: number): void => {
    switch (rec[0]) {
      case RecordType.Series:
        decodeSeriesRecord(r, rec, 0, len, (ref, labels) => {
          if (ref > maxRef) maxRef = ref;
          const existing = head.getByRef(ref);
          if (existing !== undefined) {
            if (!existing.labels.equals(labels)) aliases.set(ref, head.getOrCreate(labels, 0, true));
            return;
          }
          const series = head.getOrCreate(labels, ref, true);
          if (!head.lastCreated) aliases.set(ref, series);
          series.logged = true;
          stats.series++;
        });
        break;
      case RecordType.Samples: {
        // Decoded in place (no columns): this loop is where replay spends its time.
        r.reset(rec, 1, len, 'samples record');
        if (r.remaining === 0) break;
        const ref0 = r.be64();
        const t0 = r.be64int();
        while (r.remaining > 0) {
          const ref = ref0 + r.varint();
          const t = t0 + r.varint();
          const v = r.float();
          const s = head.getByRef(ref) ?? (aliases.size > 0 ? aliases.get(ref) : undefined);
          if (s === undefined) {
            stats.unknownRefSamples++;
            continue;
          }
          if (t < minValid) {
            stats.droppedSamples++;
            continue;
          }
          // An out-of-order sample in the WAL was accepted when it was logged: it is kept even if the
          // window has since been turned off (Prometheus replays its wbl/ the same way).
          if (head.appendInOrder(s, t, v) || head.appendOutOfOrder(s, t, v)) {
            stats.samples++;
            if (t < minT) minT = t;
            if (t > maxT) maxT = t;
          } else {
            stats.droppedSamples++;
          }
        }
        break;
      }
      case RecordType.Tombstones:
        decodeTombstonesRecord(r, rec, 0, len, (ref, a, b) => {
          const s = seriesOf(ref);
          if (s === undefined) return;
          head.addTombstone(s, a, b);
          stats.tombstones++;
        });
        break;
      case RecordType.Exemplars:
        decodeExemplarsRecord(r, rec, 0, len, (e) => {
          const s = seriesOf(e.ref);
          if (s === undefined) return;
          try {
            if (head.exemplars.validate(s.ref, e)) {
              head.exemplars.add(s.ref, s.labels, e);
              stats.exemplars++;
            }
          } catch {
            // Out of order or oversized: Prometheus skips those on replay too.
          }
        });
        break;
      default:
        if (isHistogramRecord(rec[0])) {
          const window = head.outOfOrderTimeWindow;
          decodeHistogramSamplesRecord(r, rec, 0, len, (ref, t, h) => {
            const s = head.getByRef(ref) ?? (aliases.size > 0 ? aliases.get(ref) : undefined);
            if (s === undefined) {
              stats.unknownRefSamples++;
              return;
            }
            if (t < minValid) {
              stats.droppedSamples++;
              return;
            }
            if (head.appendHistogramInOrder(s, t, h) || (window > 0 && head.appendOutOfOrderHistogram(s, t, h))) {
              stats.samples++;
              stats.histogramSamples++;
              if (t < minT) minT = t;
              if (t > maxT) maxT = t;
            } else {
              stats.droppedSamples++;
            }
          });
          break;
        }
        stats.skippedRecords[rec[0]] = (stats.skippedRecords[rec[0]] ?? 0) + 1;
    }
  };

  const cps = listCheckpoints(walDir);
  let firstSegment = 0;
  // About 10 bytes per sample in the WAL and up to 4 per sample in open chunks: reserve that much up front.
  head.pool.reserve(Math.ceil(walBytes(walDir) * 0.4));
  const repair = (e: WalCorruptionError, where: string): void => {
    const res = repairWal(e);
    stats.repaired = { segment: join(e.dir, segmentName(e.segment)), offset: e.offset, reason: e.reason, ...res };
    options.log?.(
      `WAL ${where}corruption in ${join(e.dir, segmentName(e.segment))} at offset ${e.offset} (${e.reason}): ` +
        `kept the records before offset ${e.goodOffset}, dropped ${res.droppedBytes} bytes` +
        (res.droppedSegments > 0 ? ` (the rest of the segment and ${res.droppedSegments} later segment(s))` : ' (the rest of the segment)'),
    );
  };
  try {
    if (cps.length > 0) {
      const cp = cps[cps.length - 1];
      stats.checkpoint = cp.name;
      firstSegment = cp.index + 1;
      const cpDir = join(walDir, cp.name);
      try {
        for (const s of listSegments(cpDir)) readSegment(cpDir, s, onRecord, state);
      } catch (e) {
        if (!(e instanceof WalCorruptionError)) throw e;
        repair(e, 'checkpoint ');
      }
    }
    const segs = listSegments(walDir).filter((s) => s >= firstSegment);
    for (let i = 0; i < segs.length; i++) {
      if (i > 0 && segs[i] !== segs[i - 1] + 1) {
        options.log?.(`WAL segments are not sequential: ${segmentName(segs[i - 1])} is followed by ${segmentName(segs[i])}; replayed up to the gap`);
        break;
      }
      stats.segments++;
      readSegment(walDir, segs[i], onRecord, state);
    }
  } catch (e) {
    if (!(e instanceof WalCorruptionError)) throw e;
    repair(e, '');
  }
  head.reserveRefs(maxRef);
  if (minT <= maxT) head.extendTimeRange(minT, maxT);
  stats.durationMs = now() - started;
  return stats;
}
