/**
 * Re-encoding samples into chunks, for blocks written from merged or filtered samples (compaction of
 * overlapping blocks, head blocks with deletions or out-of-order samples, chunks clipped to a block's
 * range). Chunks are cut as Prometheus's series-to-chunks encoder cuts them: at 120 samples, at every
 * change of sample kind (float, integer histogram, float histogram), and where a histogram does not fit
 * the chunk (counter reset, layout change; the counter-reset header says which).
 */
import type { FloatHistogram } from '@vigil/model';
import { ENCODING_FLOAT_HISTOGRAM, ENCODING_HISTOGRAM, ENCODING_XOR, type ChunkMeta } from '../chunk-types.js';
import { HistogramChunkAppender, HistogramIterator } from './histogram.js';
import { isIntegral } from './histogram-util.js';
import { SAMPLES_PER_CHUNK, XorChunk, XorIterator } from './xor.js';

/** Samples in columns: `hs[i]` is sample i's histogram (null for a float); `kinds[i]` its source chunk encoding. */
export interface SampleColumns {
  ts: Float64Array;
  vs: Float64Array;
  hs: Array<FloatHistogram | null> | null;
  kinds: Uint8Array | null;
  n: number;
}

export function newSampleColumns(capacity = 256): SampleColumns {
  return { ts: new Float64Array(capacity), vs: new Float64Array(capacity), hs: null, kinds: null, n: 0 };
}

/** Appends a sample to the columns (growing them); `kind` is the encoding of the chunk it came from. */
export function pushSample(c: SampleColumns, t: number, v: number, h: FloatHistogram | null, kind: number): void {
  const n = c.n;
  if (n === c.ts.length) {
    const ts = new Float64Array(n * 2);
    ts.set(c.ts);
    c.ts = ts;
    const vs = new Float64Array(n * 2);
    vs.set(c.vs);
    c.vs = vs;
    if (c.kinds !== null) {
      const k = new Uint8Array(n * 2);
      k.set(c.kinds);
      c.kinds = k;
    }
  }
  c.ts[n] = t;
  c.vs[n] = v;
  if (h !== null && c.hs === null) c.hs = new Array<FloatHistogram | null>(n).fill(null);
  if (c.hs !== null) c.hs[n] = h;
  if (kind !== ENCODING_XOR && c.kinds === null) c.kinds = new Uint8Array(c.ts.length).fill(ENCODING_XOR);
  if (c.kinds !== null) c.kinds[n] = kind;
  c.n = n + 1;
}

/**
 * Decodes the chunk `data` of `encoding` into `out`, keeping the samples `keep(t)` accepts; returns the
 * decoding error, if the chunk is corrupt.
 */
export function decodeChunk(encoding: number, data: Uint8Array, out: SampleColumns, keep: (t: number) => boolean): Error | undefined {
  if (encoding === ENCODING_XOR) {
    const it = new XorIterator(data);
    while (it.next()) if (keep(it.t)) pushSample(out, it.t, it.v, null, ENCODING_XOR);
    return it.err;
  }
  if (encoding !== ENCODING_HISTOGRAM && encoding !== ENCODING_FLOAT_HISTOGRAM) return new Error(`unknown chunk encoding ${encoding}`);
  const it = new HistogramIterator();
  it.reset(data, 0, data.length, encoding);
  while (it.next()) if (keep(it.t)) pushSample(out, it.t, it.v, it.histogram(), encoding);
  return it.err;
}

/**
 * Encodes `n` samples (increasing timestamps) into chunks. A histogram's chunk encoding is `kinds[i]` when
 * given, else integer when its counts are integers.
 */
export function encodeSamples(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  hs: ArrayLike<FloatHistogram | null> | null,
  n: number,
  kinds: ArrayLike<number> | null = null,
): ChunkMeta[] {
  const out: ChunkMeta[] = [];
  let xor: XorChunk | null = null;
  let hist: HistogramChunkAppender | null = null;
  let cur = 0;
  let count = 0;
  const flush = () => {
    if (xor !== null && xor.numSamples > 0) out.push({ mint: xor.mint, maxt: xor.maxt, encoding: ENCODING_XOR, data: xor.copyBytes() });
    if (hist !== null && hist.numSamples > 0) out.push({ mint: hist.mint, maxt: hist.maxt, encoding: hist.encoding, data: hist.copyBytes() });
    xor = null;
    hist = null;
    count = 0;
  };
  for (let i = 0; i < n; i++) {
    const h = hs !== null ? (hs[i] ?? null) : null;
    let enc = ENCODING_XOR;
    if (h !== null) {
      const k = kinds !== null ? kinds[i] : 0;
      enc = k === ENCODING_HISTOGRAM && isIntegral(h) ? ENCODING_HISTOGRAM : k === ENCODING_FLOAT_HISTOGRAM ? ENCODING_FLOAT_HISTOGRAM : isIntegral(h) ? ENCODING_HISTOGRAM : ENCODING_FLOAT_HISTOGRAM;
    }
    if (enc !== cur || count >= SAMPLES_PER_CHUNK) {
      flush();
      cur = enc;
      if (enc === ENCODING_XOR) xor = new XorChunk(256);
      else hist = new HistogramChunkAppender(enc, 256);
    }
    const t = ts[i];
    if (h === null) {
      xor!.append(t, vs[i]);
    } else {
      const app: HistogramChunkAppender = hist!;
      if (app.numSamples === 0) {
        app.start(t, h, null);
      } else if (!app.tryAppend(t, h)) {
        const header = app.cutHeader;
        flush();
        cur = enc;
        hist = new HistogramChunkAppender(enc, 256);
        hist.startAfterCut(t, h, header);
      }
    }
    count++;
  }
  flush();
  return out;
}
