/**
 * Native histogram chunks, bit for bit as Prometheus writes and reads them (chunks.md, "Histogram chunk
 * data" and "Float histogram chunk data"): encoding `histogram` (2) for integer counts and
 * `floathistogram` (3) for float counts.
 *
 *   num_samples <uint16 BE> | flags <1 byte: counter-reset header in the top 2 bits> | layout
 *   | sample 0 | sample 1 | ...
 *
 * The layout (zero threshold, schema, spans, custom bounds) is written once; all samples of a chunk share
 * it. Integer chunks store the count and zero count as delta-of-deltas and each bucket as the
 * delta-of-delta of its difference to the previous bucket; float chunks XOR every field with its previous
 * value, each with its own leading/trailing-zero window; the sum is XORed in both.
 *
 * The appender follows Prometheus's rules for when a sample fits a chunk: a counter histogram whose
 * count, zero count or any bucket went down, or whose schema, zero threshold or custom bounds changed,
 * starts a new chunk (with the counter-reset header saying why); a sample with buckets the chunk lacks
 * makes the chunk re-encoded with the wider layout ("recoding"); a staleness marker ends a chunk. Gauge
 * histograms go to gauge chunks, whose layout can widen both ways.
 */
import { CUSTOM_BUCKETS_SCHEMA, CounterResetHint, FloatHistogram, STALE_NAN, isStaleNaN, type Span } from '@vigil/model';
import type { SampleSink } from '../storage.js';
import { ENCODING_FLOAT_HISTOGRAM, ENCODING_HISTOGRAM } from '../chunk-types.js';
import { BitWriter } from './bstream.js';
import {
  compareCounterBuckets,
  countSpans,
  mergeSpans,
  readLayout,
  unionSpans,
  widenBuckets,
  writeLayout,
} from './histogram-layout.js';
import { EXPONENTIAL_SCHEMA_MAX, isKnownSchema, reduceResolution, staleHistogram } from './histogram-util.js';
import { BitReader, writeFloatBits, writeVarbitInt, writeVarbitUint } from './varbit.js';
import { ChunkDecodeError, clz64, ctz64, writeShifted } from './xor.js';

export const HISTOGRAM_HEADER_BYTES = 3;
/** Byte of the header holding the counter-reset bits. */
const FLAGS = 2;

/** The counter-reset header of a histogram chunk (top two bits of its third byte). */
export const CounterResetHeader = {
  Unknown: 0b00000000,
  CounterReset: 0b10000000,
  NotCounterReset: 0b01000000,
  Gauge: 0b11000000,
} as const;
export type CounterResetHeader = (typeof CounterResetHeader)[keyof typeof CounterResetHeader];

/** Index of the sum (and, in float chunks, count and zero count) in the XOR state arrays. */
const COUNT = 0;
const ZERO_COUNT = 1;
const SUM = 2;
const FIRST_BUCKET = 3;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer); // little-endian: [lo, hi]

/** Prometheus's `xorWrite`: `v` against slot `i` of the state (leading 0xff: no window yet). */
function xorWrite(w: BitWriter, vals: Float64Array, lead: Uint8Array, trail: Uint8Array, i: number, v: number): void {
  f64[0] = vals[i];
  const pHi = u32[1];
  const pLo = u32[0];
  f64[0] = v;
  const hi = u32[1];
  const lo = u32[0];
  vals[i] = f64[0];
  const dHi = (hi ^ pHi) >>> 0;
  const dLo = (lo ^ pLo) >>> 0;
  if (dHi === 0 && dLo === 0) {
    w.writeBit(0);
    return;
  }
  w.writeBit(1);
  let leading = clz64(dHi, dLo);
  const trailing = ctz64(dHi, dLo);
  if (leading >= 32) leading = 31;
  const cl = lead[i];
  const ct = trail[i];
  if (cl !== 0xff && leading >= cl && trailing >= ct) {
    w.writeBit(0);
    writeShifted(w, dHi, dLo, ct, 64 - cl - ct);
    return;
  }
  lead[i] = leading;
  trail[i] = trailing;
  const sigbits = 64 - leading - trailing;
  w.writeBit(1);
  w.writeBits(leading, 5);
  w.writeBits(sigbits & 0x3f, 6);
  writeShifted(w, dHi, dLo, trailing, sigbits);
}

/** Prometheus's `xorRead` into slot `i` of the state. */
function xorRead(r: BitReader, vals: Float64Array, lead: Uint8Array, trail: Uint8Array, i: number): void {
  if (r.bit() === 0) return;
  let mbits: number;
  let trailing: number;
  if (r.bit() === 0) {
    trailing = trail[i];
    mbits = 64 - lead[i] - trailing;
  } else {
    const leading = r.bits(5);
    mbits = r.bits(6);
    if (mbits === 0) mbits = 64;
    trailing = 64 - leading - mbits;
    lead[i] = leading;
    trail[i] = trailing;
  }
  let hi = 0;
  let lo: number;
  if (mbits > 32) {
    hi = r.bits(mbits - 32);
    lo = r.bits(32);
  } else {
    lo = r.bits(mbits);
  }
  if (trailing >= 32) {
    hi = lo << (trailing - 32);
    lo = 0;
  } else if (trailing > 0) {
    hi = (hi << trailing) | (lo >>> (32 - trailing));
    lo = lo << trailing;
  }
  f64[0] = vals[i];
  u32[1] ^= hi;
  u32[0] ^= lo;
  vals[i] = f64[0];
}

/** Differences between consecutive bucket counts (the first absolute), as integer chunks store buckets. */
function deltasOf(abs: readonly number[]): number[] {
  const out = new Array<number>(abs.length);
  let prev = 0;
  for (let i = 0; i < abs.length; i++) {
    out[i] = abs[i] - prev;
    prev = abs[i];
  }
  return out;
}

function copySpans(s: readonly Span[]): Span[] {
  return s.map((x) => ({ offset: x.offset, length: x.length }));
}

function boundsMatch(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a counter histogram fits the chunk, and how its bucket layout relates to the chunk's. */
interface Appendability {
  ok: boolean;
  /** The counter-reset header a new chunk gets (integer chunks' view). */
  hint: CounterResetHeader;
  counterReset: boolean;
  pForward?: boolean;
  pBackward?: boolean;
  nForward?: boolean;
  nBackward?: boolean;
}

const NOT_OK_UNKNOWN: Appendability = { ok: false, hint: CounterResetHeader.Unknown, counterReset: false };
const NOT_OK_RESET: Appendability = { ok: false, hint: CounterResetHeader.CounterReset, counterReset: true };
const NOT_OK_GAUGE_CHUNK: Appendability = { ok: false, hint: CounterResetHeader.NotCounterReset, counterReset: false };
const OK_STALE: Appendability = { ok: true, hint: CounterResetHeader.NotCounterReset, counterReset: false };

/**
 * A histogram chunk being built in its own growing buffer (the head's open histogram chunks, and
 * re-encoding in compaction). Samples are given as `FloatHistogram`s; an integer chunk must only get
 * histograms whose counts are integers (see `isIntegral`).
 */
export class HistogramChunkAppender {
  readonly encoding: number;
  private buf: Uint8Array;
  private readonly w = new BitWriter();
  private num = 0;
  /** Time of the first and last sample (NaN when empty). */
  mint = NaN;
  maxt = NaN;
  /** After `tryAppend` returned false: the counter-reset header the next chunk starts with. */
  cutHeader: CounterResetHeader = CounterResetHeader.Unknown;

  // The layout all samples share.
  private schema = 0;
  private zeroThreshold = 0;
  private pSpans: Span[] = [];
  private nSpans: Span[] = [];
  private customValues: number[] = [];
  // The last sample.
  private t = 0;
  private tDelta = 0;
  private count = 0;
  private zeroCount = 0;
  private pAbs: number[] = [];
  private nAbs: number[] = [];
  private lastStale = false;
  // Integer chunks: deltas of count, zero count and of each bucket's difference to the previous one.
  private cntDelta = 0;
  private zCntDelta = 0;
  private pDeltas: number[] = [];
  private nDeltas: number[] = [];
  private pDod: number[] = [];
  private nDod: number[] = [];
  // XOR state: count, zero count, sum, then the buckets (float chunks; integer chunks use the sum only).
  private xv = new Float64Array(FIRST_BUCKET);
  private xl = new Uint8Array(FIRST_BUCKET);
  private xt = new Uint8Array(FIRST_BUCKET);

  constructor(encoding: number, initialCapacity = 128) {
    if (encoding !== ENCODING_HISTOGRAM && encoding !== ENCODING_FLOAT_HISTOGRAM) throw new RangeError(`not a histogram chunk encoding: ${encoding}`);
    this.encoding = encoding;
    this.buf = new Uint8Array(Math.max(initialCapacity, 32));
    this.w.reset(this.buf, HISTOGRAM_HEADER_BYTES, 0);
  }

  get numSamples(): number {
    return this.num;
  }

  get header(): CounterResetHeader {
    return (this.buf[FLAGS] & 0xc0) as CounterResetHeader;
  }

  set header(h: CounterResetHeader) {
    this.buf[FLAGS] = (this.buf[FLAGS] & 0x3f) | h;
  }

  /** Bytes the chunk takes (as Prometheus counts them). */
  get byteLength(): number {
    return HISTOGRAM_HEADER_BYTES + this.w.byteLength;
  }

  /** The chunk's bytes (a view, valid until the next append). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.byteLength);
  }

  copyBytes(): Uint8Array {
    return this.buf.slice(0, this.byteLength);
  }

  /**
   * Starts the chunk with its first sample. The counter-reset header comes from the sample's hint, or
   * else from how the sample follows `prev` (the previous chunk of the series, when of the same kind).
   */
  start(t: number, h: FloatHistogram, prev: HistogramChunkAppender | null): void {
    this.appendRaw(t, h);
    if (h.counterResetHint === CounterResetHint.Gauge) this.header = CounterResetHeader.Gauge;
    else if (h.counterResetHint === CounterResetHint.CounterReset) this.header = CounterResetHeader.CounterReset;
    else if (prev !== null && prev.encoding === this.encoding && prev.num > 0) this.header = prev.headerFor(h);
  }

  /** Starts the chunk with a sample that did not fit the previous one (header from `cutHeader`). */
  startAfterCut(t: number, h: FloatHistogram, header: CounterResetHeader): void {
    this.appendRaw(t, h);
    this.header = header;
  }

  /** The header a chunk starting with `h` gets after this one (Prometheus: `prev.appendable(h)`). */
  private headerFor(h: FloatHistogram): CounterResetHeader {
    const a = this.counterAppendable(h);
    if (this.encoding === ENCODING_HISTOGRAM) return a.hint;
    return a.counterReset ? CounterResetHeader.CounterReset : CounterResetHeader.NotCounterReset;
  }

  /**
   * Appends `h` at `t` (after the last sample) when it fits, re-encoding the chunk if it needs a wider
   * layout; returns false, with `cutHeader` set, when a new chunk must be started for it.
   */
  tryAppend(t: number, h: FloatHistogram): boolean {
    if (this.num === 0) {
      this.start(t, h, null);
      return true;
    }
    if (this.num >= 0xffff) {
      this.cutHeader = CounterResetHeader.Unknown;
      return false;
    }
    if (h.counterResetHint !== CounterResetHint.Gauge) {
      const a = this.counterAppendable(h);
      if (!a.ok) {
        if (this.encoding === ENCODING_HISTOGRAM) this.cutHeader = a.hint;
        else this.cutHeader = a.counterReset ? CounterResetHeader.CounterReset : CounterResetHeader.Unknown;
        return false;
      }
      if (isStaleNaN(h.sum)) {
        this.appendRaw(t, h);
        return true;
      }
      const anyForward = a.pForward === true || a.nForward === true;
      if (!anyForward) {
        this.appendRaw(t, this.widened(h, this.pSpans, this.nSpans, a.pBackward === true, a.nBackward === true));
        return true;
      }
      const p = a.pBackward ? unionSpans(this.pSpans, h.positiveSpans) : h.positiveSpans;
      const n = a.nBackward ? unionSpans(this.nSpans, h.negativeSpans) : h.negativeSpans;
      this.recode(p, n);
      this.appendRaw(t, this.widened(h, p, n, true, true));
      return true;
    }
    // A gauge histogram (Prometheus's `appendableGauge`).
    if (this.header === CounterResetHeader.Gauge && isStaleNaN(h.sum)) {
      this.appendRaw(t, h);
      return true;
    }
    if (this.header !== CounterResetHeader.Gauge || this.lastStale || !this.sameLayoutBase(h)) {
      this.cutHeader = CounterResetHeader.Gauge;
      return false;
    }
    const mp = mergeSpans(this.pSpans, h.positiveSpans);
    const mn = mergeSpans(this.nSpans, h.negativeSpans);
    const anyBackward = mp.backward || mn.backward;
    if (!(mp.forward || mn.forward)) {
      this.appendRaw(t, this.widened(h, this.pSpans, this.nSpans, mp.backward, mn.backward));
      return true;
    }
    const p = anyBackward ? mp.spans : h.positiveSpans;
    const n = anyBackward ? mn.spans : h.negativeSpans;
    this.recode(p, n);
    this.appendRaw(t, this.widened(h, p, n, true, true));
    return true;
  }

  /** Same schema, zero threshold and custom bounds as the chunk. */
  private sameLayoutBase(h: FloatHistogram): boolean {
    if (h.schema !== this.schema || h.zeroThreshold !== this.zeroThreshold) return false;
    return h.schema !== CUSTOM_BUCKETS_SCHEMA || boundsMatch(h.customValues, this.customValues);
  }

  /** Prometheus's `appendable` for counter histograms. */
  private counterAppendable(h: FloatHistogram): Appendability {
    if (this.num > 0 && this.header === CounterResetHeader.Gauge) return NOT_OK_GAUGE_CHUNK;
    if (h.counterResetHint === CounterResetHint.CounterReset) return NOT_OK_RESET;
    if (isStaleNaN(h.sum)) return OK_STALE;
    if (this.lastStale) return NOT_OK_UNKNOWN;
    if (h.count < this.count) return NOT_OK_RESET;
    if (h.schema !== this.schema || h.zeroThreshold !== this.zeroThreshold) return NOT_OK_UNKNOWN;
    if (h.schema === CUSTOM_BUCKETS_SCHEMA && !boundsMatch(h.customValues, this.customValues)) return NOT_OK_RESET;
    if (h.zeroCount < this.zeroCount) return NOT_OK_RESET;
    const p = compareCounterBuckets(this.pSpans, this.pAbs, h.positiveSpans, h.positiveBuckets);
    if (p === null) return NOT_OK_RESET;
    const n = compareCounterBuckets(this.nSpans, this.nAbs, h.negativeSpans, h.negativeBuckets);
    if (n === null) return NOT_OK_RESET;
    return {
      ok: true,
      hint: CounterResetHeader.NotCounterReset,
      counterReset: false,
      pForward: p.forward,
      pBackward: p.backward,
      nForward: n.forward,
      nBackward: n.backward,
    };
  }

  /** `h` with its buckets laid out on `p`/`n` (a superset of its own), when a side needs it. */
  private widened(h: FloatHistogram, p: Span[], n: Span[], widenP: boolean, widenN: boolean): FloatHistogram {
    if (!widenP && !widenN) return h;
    const out = new FloatHistogram(h);
    if (widenP) {
      out.positiveBuckets = widenBuckets(h.positiveSpans, h.positiveBuckets, p);
      out.positiveSpans = p;
    }
    if (widenN) {
      out.negativeBuckets = widenBuckets(h.negativeSpans, h.negativeBuckets, n);
      out.negativeSpans = n;
    }
    return out;
  }

  /** Re-encodes the chunk's samples with the wider layout `p`/`n` (Prometheus's `recode`). */
  private recode(p: Span[], n: Span[]): void {
    const it = new HistogramIterator();
    it.reset(this.buf, 0, this.byteLength, this.encoding);
    const ts: number[] = [];
    const hs: FloatHistogram[] = [];
    while (it.next()) {
      const old = it.histogram();
      ts.push(it.t);
      hs.push(this.widened(old, p, n, true, true));
    }
    if (it.err) throw new Error(`histogram chunk recoding: ${it.err.message}`);
    const header = this.header;
    this.buf = new Uint8Array(Math.max(this.buf.length, 64));
    this.w.reset(this.buf, HISTOGRAM_HEADER_BYTES, 0);
    this.num = 0;
    for (let i = 0; i < ts.length; i++) this.appendRaw(ts[i], hs[i]);
    this.header = header;
  }

  /** Room for one more sample of `h`'s size. */
  private ensure(h: FloatHistogram): void {
    const buckets = h.positiveBuckets.length + h.negativeBuckets.length;
    let need = this.byteLength + 40 + buckets * 10;
    if (this.num === 0) need += 16 + (h.positiveSpans.length + h.negativeSpans.length) * 16 + h.customValues.length * 9;
    if (need <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(need, this.buf.length * 2));
    bigger.set(this.buf.subarray(0, this.byteLength));
    this.buf = bigger;
    this.w.buf = bigger;
  }

  /** Appends a sample whose buckets are laid out on the chunk's layout (Prometheus's `appendHistogram`). */
  private appendRaw(t: number, h: FloatHistogram): void {
    if (isStaleNaN(h.sum)) h = staleHistogram(h.sum);
    this.ensure(h);
    const w = this.w;
    const isInt = this.encoding === ENCODING_HISTOGRAM;
    let tDelta = 0;
    if (this.num === 0) {
      writeLayout(w, h);
      this.schema = h.schema;
      this.zeroThreshold = h.zeroThreshold;
      this.pSpans = copySpans(h.positiveSpans);
      this.nSpans = copySpans(h.negativeSpans);
      this.customValues = h.schema === CUSTOM_BUCKETS_SCHEMA ? [...h.customValues] : [];
      const np = h.positiveBuckets.length;
      const nn = h.negativeBuckets.length;
      const size = FIRST_BUCKET + (isInt ? 0 : np + nn);
      this.xv = new Float64Array(size);
      this.xl = new Uint8Array(size).fill(0xff);
      this.xt = new Uint8Array(size);
      writeVarbitInt(w, t);
      if (isInt) {
        writeVarbitUint(w, h.count);
        writeVarbitUint(w, h.zeroCount);
        writeFloatBits(w, h.sum);
        this.pDeltas = deltasOf(h.positiveBuckets);
        this.nDeltas = deltasOf(h.negativeBuckets);
        for (const d of this.pDeltas) writeVarbitInt(w, d);
        for (const d of this.nDeltas) writeVarbitInt(w, d);
        this.pDod = new Array<number>(np).fill(0);
        this.nDod = new Array<number>(nn).fill(0);
        this.cntDelta = 0;
        this.zCntDelta = 0;
        f64[0] = h.sum;
        this.xv[SUM] = f64[0];
      } else {
        writeFloatBits(w, h.count);
        writeFloatBits(w, h.zeroCount);
        writeFloatBits(w, h.sum);
        for (const b of h.positiveBuckets) writeFloatBits(w, b);
        for (const b of h.negativeBuckets) writeFloatBits(w, b);
        this.xv[COUNT] = h.count;
        this.xv[ZERO_COUNT] = h.zeroCount;
        f64[0] = h.sum;
        this.xv[SUM] = f64[0];
        for (let i = 0; i < np; i++) this.xv[FIRST_BUCKET + i] = h.positiveBuckets[i];
        for (let i = 0; i < nn; i++) this.xv[FIRST_BUCKET + np + i] = h.negativeBuckets[i];
      }
    } else {
      tDelta = t - this.t;
      writeVarbitInt(w, tDelta - this.tDelta);
      if (isInt) {
        const cntDelta = h.count - this.count;
        const zCntDelta = h.zeroCount - this.zeroCount;
        const stale = isStaleNaN(h.sum);
        writeVarbitInt(w, stale ? 0 : cntDelta - this.cntDelta);
        writeVarbitInt(w, stale ? 0 : zCntDelta - this.zCntDelta);
        xorWrite(w, this.xv, this.xl, this.xt, SUM, h.sum);
        this.bucketDods(h.positiveBuckets, this.pDeltas, this.pDod);
        this.bucketDods(h.negativeBuckets, this.nDeltas, this.nDod);
        this.cntDelta = cntDelta;
        this.zCntDelta = zCntDelta;
      } else {
        xorWrite(w, this.xv, this.xl, this.xt, COUNT, h.count);
        xorWrite(w, this.xv, this.xl, this.xt, ZERO_COUNT, h.zeroCount);
        xorWrite(w, this.xv, this.xl, this.xt, SUM, h.sum);
        const np = h.positiveBuckets.length;
        for (let i = 0; i < np; i++) xorWrite(w, this.xv, this.xl, this.xt, FIRST_BUCKET + i, h.positiveBuckets[i]);
        for (let i = 0; i < h.negativeBuckets.length; i++) xorWrite(w, this.xv, this.xl, this.xt, FIRST_BUCKET + np + i, h.negativeBuckets[i]);
      }
    }
    this.t = t;
    this.tDelta = tDelta;
    this.count = h.count;
    this.zeroCount = h.zeroCount;
    this.lastStale = isStaleNaN(h.sum);
    if (!this.lastStale) {
      this.pAbs = [...h.positiveBuckets];
      this.nAbs = [...h.negativeBuckets];
    }
    this.num++;
    this.buf[0] = this.num >>> 8;
    this.buf[1] = this.num & 0xff;
    if (this.num === 1) this.mint = t;
    this.maxt = t;
  }

  /** Writes each bucket difference's delta-of-delta and updates the state (integer chunks). */
  private bucketDods(abs: readonly number[], deltas: number[], dods: number[]): void {
    let prev = 0;
    for (let i = 0; i < abs.length; i++) {
      const d = abs[i] - prev;
      prev = abs[i];
      const delta = d - deltas[i];
      writeVarbitInt(this.w, delta - dods[i]);
      dods[i] = delta;
      deltas[i] = d;
    }
  }
}

/** The hint a reader reports for the sample at position `numRead` (1-based) of a chunk with this header. */
function hintFor(header: number, numRead: number): CounterResetHint {
  if (header === CounterResetHeader.Gauge) return CounterResetHint.Gauge;
  // After the first sample there is no reset within a counter chunk; the first is "unknown", as in
  // Prometheus (the previous chunk may be gone or have come later, so the header is not trusted).
  return numRead > 1 ? CounterResetHint.NotCounterReset : CounterResetHint.Unknown;
}

const EMPTY = new Uint8Array(0);

/**
 * Reads a histogram chunk of either encoding sample by sample. A corrupt or truncated chunk ends the
 * iteration early with `err` set. `histogram()` builds the current sample as a fresh `FloatHistogram`.
 */
export class HistogramIterator {
  t = 0;
  err: ChunkDecodeError | undefined = undefined;
  private readonly r = new BitReader();
  private encoding = ENCODING_HISTOGRAM;
  private numTotal = 0;
  private numRead = 0;
  private header = 0;
  private schema = 0;
  private zeroThreshold = 0;
  private pSpans: Span[] = [];
  private nSpans: Span[] = [];
  private customValues: number[] = [];
  private tDelta = 0;
  private cnt = 0;
  private zCnt = 0;
  private cntDelta = 0;
  private zCntDelta = 0;
  private pD = new Float64Array(0);
  private nD = new Float64Array(0);
  private pDD = new Float64Array(0);
  private nDD = new Float64Array(0);
  private pAbs = new Float64Array(0);
  private nAbs = new Float64Array(0);
  private xv = new Float64Array(FIRST_BUCKET);
  private xl = new Uint8Array(FIRST_BUCKET);
  private xt = new Uint8Array(FIRST_BUCKET);
  private stale = false;

  /** Starts over on the chunk at `bytes[offset .. offset+length)` (header included) of `encoding`. */
  reset(bytes: Uint8Array, offset: number, length: number, encoding: number): void {
    this.err = undefined;
    this.encoding = encoding;
    this.numRead = 0;
    this.t = 0;
    this.tDelta = 0;
    this.stale = false;
    if (length < HISTOGRAM_HEADER_BYTES) {
      this.numTotal = 0;
      if (length !== 0) this.err = new ChunkDecodeError(`histogram chunk of ${length} bytes is shorter than its header`);
      this.r.reset(EMPTY, 0, 0);
      return;
    }
    this.numTotal = (bytes[offset] << 8) | bytes[offset + 1];
    this.header = bytes[offset + FLAGS] & 0xc0;
    this.r.reset(bytes, offset + HISTOGRAM_HEADER_BYTES, length - HISTOGRAM_HEADER_BYTES);
  }

  get numSamples(): number {
    return this.numTotal;
  }

  /** The chunk's counter-reset header. */
  get counterResetHeader(): number {
    return this.header;
  }

  /** A float view of the current sample: NaN, or the staleness marker for a marker histogram. */
  get v(): number {
    return this.stale ? STALE_NAN : NaN;
  }

  get isStale(): boolean {
    return this.stale;
  }

  next(): boolean {
    const n = this.numRead;
    if (n >= this.numTotal || this.err !== undefined) return false;
    try {
      if (n === 0) this.readFirst();
      else this.readNext();
    } catch (e) {
      this.err = new ChunkDecodeError(`histogram chunk: cannot decode sample ${n + 1} of ${this.numTotal}: ${(e as Error).message}`);
      this.numTotal = n;
      return false;
    }
    this.numRead = n + 1;
    return true;
  }

  seek(t: number): boolean {
    if (this.numRead > 0 && this.t >= t) return true;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }

  /** Pushes the rest of the chunk's samples with `mint <= t <= maxt`; false once past `maxt` (as `XorIterator.pushSamples`). */
  pushSamples(mint: number, maxt: number, sink: SampleSink): boolean {
    while (this.next()) {
      const t = this.t;
      if (t > maxt) return false;
      if (t >= mint) sink.pushHistogram(t, this.histogram());
    }
    return true;
  }

  private readFirst(): void {
    const r = this.r;
    const l = readLayout(r);
    if (!isKnownSchema(l.schema)) throw new RangeError(`unknown histogram schema ${l.schema}`);
    this.schema = l.schema;
    this.zeroThreshold = l.zeroThreshold;
    this.pSpans = l.positiveSpans;
    this.nSpans = l.negativeSpans;
    this.customValues = l.customValues;
    const np = countSpans(l.positiveSpans);
    const nn = countSpans(l.negativeSpans);
    if (np + nn > 1 << 20) throw new RangeError(`${np + nn} buckets in a histogram chunk layout`);
    this.pAbs = new Float64Array(np);
    this.nAbs = new Float64Array(nn);
    this.t = r.varbitInt();
    if (this.encoding === ENCODING_HISTOGRAM) {
      this.pD = new Float64Array(np);
      this.nD = new Float64Array(nn);
      this.pDD = new Float64Array(np);
      this.nDD = new Float64Array(nn);
      this.cnt = r.varbitUint();
      this.zCnt = r.varbitUint();
      this.cntDelta = 0;
      this.zCntDelta = 0;
      this.xv = new Float64Array(FIRST_BUCKET);
      this.xl = new Uint8Array(FIRST_BUCKET);
      this.xt = new Uint8Array(FIRST_BUCKET);
      this.xv[SUM] = r.float();
      let cur = 0;
      for (let i = 0; i < np; i++) {
        this.pD[i] = r.varbitInt();
        cur += this.pD[i];
        this.pAbs[i] = cur;
      }
      cur = 0;
      for (let i = 0; i < nn; i++) {
        this.nD[i] = r.varbitInt();
        cur += this.nD[i];
        this.nAbs[i] = cur;
      }
    } else {
      const size = FIRST_BUCKET + np + nn;
      this.xv = new Float64Array(size);
      this.xl = new Uint8Array(size);
      this.xt = new Uint8Array(size);
      this.xv[COUNT] = r.float();
      this.xv[ZERO_COUNT] = r.float();
      this.xv[SUM] = r.float();
      for (let i = 0; i < np + nn; i++) this.xv[FIRST_BUCKET + i] = r.float();
    }
    this.stale = isStaleNaN(this.xv[SUM]);
  }

  private readNext(): void {
    const r = this.r;
    this.tDelta += r.varbitInt();
    this.t += this.tDelta;
    if (this.encoding === ENCODING_HISTOGRAM) {
      this.cntDelta += r.varbitInt();
      this.cnt += this.cntDelta;
      this.zCntDelta += r.varbitInt();
      this.zCnt += this.zCntDelta;
      xorRead(r, this.xv, this.xl, this.xt, SUM);
      this.stale = isStaleNaN(this.xv[SUM]);
      if (this.stale) return;
      let cur = 0;
      for (let i = 0; i < this.pD.length; i++) {
        this.pDD[i] += r.varbitInt();
        this.pD[i] += this.pDD[i];
        cur += this.pD[i];
        this.pAbs[i] = cur;
      }
      cur = 0;
      for (let i = 0; i < this.nD.length; i++) {
        this.nDD[i] += r.varbitInt();
        this.nD[i] += this.nDD[i];
        cur += this.nD[i];
        this.nAbs[i] = cur;
      }
    } else {
      xorRead(r, this.xv, this.xl, this.xt, COUNT);
      xorRead(r, this.xv, this.xl, this.xt, ZERO_COUNT);
      xorRead(r, this.xv, this.xl, this.xt, SUM);
      this.stale = isStaleNaN(this.xv[SUM]);
      if (this.stale) return;
      for (let i = FIRST_BUCKET; i < this.xv.length; i++) xorRead(r, this.xv, this.xl, this.xt, i);
    }
  }

  /** The current sample, as a new `FloatHistogram` (the caller may keep it). */
  histogram(): FloatHistogram {
    if (this.stale) return staleHistogram(this.xv[SUM]);
    const isInt = this.encoding === ENCODING_HISTOGRAM;
    const np = this.pAbs.length;
    const nn = this.nAbs.length;
    const pos = new Array<number>(np);
    const neg = new Array<number>(nn);
    if (isInt) {
      for (let i = 0; i < np; i++) pos[i] = this.pAbs[i];
      for (let i = 0; i < nn; i++) neg[i] = this.nAbs[i];
    } else {
      for (let i = 0; i < np; i++) pos[i] = this.xv[FIRST_BUCKET + i];
      for (let i = 0; i < nn; i++) neg[i] = this.xv[FIRST_BUCKET + np + i];
    }
    const h = new FloatHistogram({
      counterResetHint: hintFor(this.header, this.numRead),
      schema: this.schema,
      zeroThreshold: this.zeroThreshold,
      zeroCount: isInt ? this.zCnt : this.xv[ZERO_COUNT],
      count: isInt ? this.cnt : this.xv[COUNT],
      sum: this.xv[SUM],
      positiveSpans: copySpans(this.pSpans),
      negativeSpans: copySpans(this.nSpans),
      customValues: this.customValues,
    });
    h.positiveBuckets = pos;
    h.negativeBuckets = neg;
    if (this.schema > EXPONENTIAL_SCHEMA_MAX) reduceResolution(h, EXPONENTIAL_SCHEMA_MAX);
    return h;
  }
}
