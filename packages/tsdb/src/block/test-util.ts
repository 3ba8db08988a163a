/** Helpers for the block tests: sources built from samples, dumps of queriers. Not part of the public surface. */
import { Labels, Matcher, formatFloat } from '@vigil/model';
import type { ChunkMeta, ChunkSeries, ChunkSeriesSource } from '../chunk-types.js';
import { ENCODING_XOR } from '../chunk-types.js';
import { SAMPLES_PER_CHUNK, XorChunk } from '../chunkenc/xor.js';
import type { Querier } from '../storage.js';

export interface TestSeries {
  readonly labels: Labels;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
}

/** A series with samples at `ts` and values `value(t)`. */
export function testSeries(labels: Record<string, string>, ts: readonly number[], value: (t: number, i: number) => number): TestSeries {
  const t = Float64Array.from(ts);
  const v = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) v[i] = value(t[i], i);
  return { labels: Labels.fromObject(labels), ts: t, vs: v };
}

/** Evenly spaced timestamps [from, to] every `step`. */
export function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
}

/** Encodes samples into XOR chunks of at most `perChunk` samples. */
export function toChunks(ts: Float64Array, vs: Float64Array, perChunk = SAMPLES_PER_CHUNK): ChunkMeta[] {
  const out: ChunkMeta[] = [];
  let c = new XorChunk();
  for (let i = 0; i < ts.length; i++) {
    if (c.numSamples >= perChunk) {
      out.push({ mint: c.mint, maxt: c.maxt, encoding: ENCODING_XOR, data: c.copyBytes() });
      c = new XorChunk();
    }
    c.append(ts[i], vs[i]);
  }
  if (c.numSamples > 0) out.push({ mint: c.mint, maxt: c.maxt, encoding: ENCODING_XOR, data: c.copyBytes() });
  return out;
}

/** A block source over `series` (sorted here), with time range [mint, maxt] inclusive. */
export function sourceOf(series: readonly TestSeries[], mint?: number, maxt?: number, perChunk?: number): ChunkSeriesSource {
  const sorted = [...series].sort((a, b) => Labels.compare(a.labels, b.labels));
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of sorted) {
    if (s.ts.length === 0) continue;
    lo = Math.min(lo, s.ts[0]);
    hi = Math.max(hi, s.ts[s.ts.length - 1]);
  }
  return {
    mint: mint ?? lo,
    maxt: maxt ?? hi,
    *series(): Iterable<ChunkSeries> {
      for (const s of sorted) yield { labels: s.labels, chunks: toChunks(s.ts, s.vs, perChunk) };
    },
  };
}

/** Lines `labels value t` as promtool dump prints them, in select order. */
export function dumpQuerier(q: Querier, matchers: readonly Matcher[] = [new Matcher('=~', '__name__', '.+')]): string[] {
  const out: string[] = [];
  for (const s of q.select(matchers)) {
    const ls = s.labels.toString();
    const it = s.iterator();
    while (it.next()) out.push(`${ls} ${formatFloat(it.v)} ${it.t}`);
  }
  return out;
}

/** Samples of each selected series; values in a Float64Array so NaN payloads (staleness markers) survive. */
export function samplesOf(q: Querier, matchers: readonly Matcher[]): Array<{ labels: string; ts: number[]; vs: Float64Array }> {
  const out: Array<{ labels: string; ts: number[]; vs: Float64Array }> = [];
  for (const s of q.select(matchers)) {
    const ts: number[] = [];
    let vs = new Float64Array(16);
    const it = s.iterator();
    while (it.next()) {
      if (ts.length === vs.length) {
        const bigger = new Float64Array(vs.length * 2);
        bigger.set(vs);
        vs = bigger;
      }
      vs[ts.length] = it.v;
      ts.push(it.t);
    }
    out.push({ labels: s.labels.toString(), ts, vs: vs.slice(0, ts.length) });
  }
  return out;
}
