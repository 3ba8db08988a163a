/**
 * Functions over range vectors (`rate`, `*_over_time`, `deriv`, ...). Each series' samples are decoded
 * once; windows `(t - range, t]` slide over them with two monotonic indexes, and each kernel runs one
 * loop over the steps of one series, reading its window `[lo, hi)` of the sample columns.
 */
import { VigilError } from '@vigil/model';
import { goFormatF } from './parser-literals.js';

/** Windows of one series over the grid: samples `[lo[i], hi[i])` belong to step i. */
export interface Windows {
  readonly n: number;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** End of each step's window (step time or `@` time, minus the offset), ms. */
  readonly rangeEnd: Float64Array;
  /** Each step's evaluation time (ms), for `predict_linear`. */
  readonly stepTime: Float64Array;
  /** Window length, ms. */
  readonly rangeMs: number;
  /** 1: windows exclude their start (3.x); 0: they include it (2.x). */
  readonly open: number;
  /**
   * The `anchored`/`smoothed` modifiers widen the windows by the lookback delta: before the start
   * (both), after the end (smoothed). `rangeEnd` and `rangeMs` stay those of the range itself.
   */
  readonly extBefore: number;
  readonly extAfter: number;
}

/**
 * Computes the windows of one series: `lo[i]` is the first sample after `rangeEnd[i] - range`, `hi[i]`
 * the first sample after `rangeEnd[i]`.
 */
export function fillWindows(ts: Float64Array, len: number, w: Windows): void {
  let lo = 0;
  let hi = 0;
  const range = w.rangeMs + w.extBefore;
  for (let i = 0; i < w.n; i++) {
    const end = w.rangeEnd[i] + w.extAfter;
    const start = w.rangeEnd[i] - range + w.open;
    while (lo < len && ts[lo] < start) lo++;
    if (hi < lo) hi = lo;
    while (hi < len && ts[hi] <= end) hi++;
    w.lo[i] = lo;
    w.hi[i] = hi;
  }
}

/** A kernel: computes the function for every step of one series; writes values and presence. */
export type RangeKernel = (
  ts: Float64Array,
  vs: Float64Array,
  w: Windows,
  params: readonly Float64Array[],
  out: Float64Array,
  present: Uint8Array,
) => void;

const MAX = Number.MAX_VALUE;

/**
 * Kahan-Babuska (Neumaier) summation step, as Prometheus's `kahansum.Inc`: returns the new sum and
 * leaves the new compensation in `kahan.c`.
 */
export const kahan = { c: 0 };
export function kahanInc(inc: number, sum: number, c: number): number {
  const t = sum + inc;
  if (t > MAX || t < -MAX) {
    c = 0;
  } else if (Math.abs(sum) >= Math.abs(inc)) {
    c += sum - t + inc;
  } else {
    c += inc - t + sum;
  }
  kahan.c = c;
  return t;
}

const isInf = (v: number): boolean => v === Infinity || v === -Infinity;

let prefixScratch = new Int32Array(256);

/**
 * Prefix counts of counter resets (`vs[k] < vs[k-1]`) up to each sample: the resets inside a window are
 * `prefix[h-1] - prefix[l]`, so windows without resets skip the correction loop.
 */
function resetPrefix(vs: Float64Array, len: number): Int32Array {
  if (prefixScratch.length < len) prefixScratch = new Int32Array(Math.max(len, prefixScratch.length * 2));
  const p = prefixScratch;
  if (len > 0) p[0] = 0;
  for (let k = 1; k < len; k++) p[k] = p[k - 1] + (vs[k] < vs[k - 1] ? 1 : 0);
  return p;
}

/** Like resetPrefix, for value changes (NaN to NaN is no change). */
function changePrefix(vs: Float64Array, len: number): Int32Array {
  if (prefixScratch.length < len) prefixScratch = new Int32Array(Math.max(len, prefixScratch.length * 2));
  const p = prefixScratch;
  if (len > 0) p[0] = 0;
  for (let k = 1; k < len; k++) {
    const cur = vs[k];
    const prev = vs[k - 1];
    p[k] = p[k - 1] + (cur !== prev && !(cur !== cur && prev !== prev) ? 1 : 0);
  }
  return p;
}

/** Number of samples of the series that any window reads: the end of the last window. */
function usedLength(w: Windows): number {
  let m = 0;
  for (let i = 0; i < w.n; i++) if (w.hi[i] > m) m = w.hi[i];
  return m;
}

/**
 * Prometheus's `extrapolatedRate` factor for an increase `result` seen over `count` samples from `firstT`
 * to `lastT` in the window ending at `rangeEnd`: extrapolate to the window's edges by at most half an
 * average interval, for counters never back beyond where the counter (`firstValue`) would have been zero;
 * per second for `rate`. Floats and native histograms share it.
 */
export function extrapolationFactor(
  firstT: number, lastT: number, count: number, rangeEnd: number, rangeMs: number,
  isCounter: boolean, isRate: boolean, result: number, firstValue: number,
): number {
  let durationToStart = (firstT - (rangeEnd - rangeMs)) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (count - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter) {
    // Counters cannot go below zero: do not extrapolate further back than where the counter was 0.
    let durationToZero = durationToStart;
    if (result > 0 && firstValue >= 0) durationToZero = sampledInterval * (firstValue / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = 1;
  if (sampledInterval !== 0) factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeMs / 1000;
  return factor;
}

function extrapolatedRate(isCounter: boolean, isRate: boolean): RangeKernel {
  return (ts, vs, w, _params, out, present) => {
    const resets = isCounter ? resetPrefix(vs, usedLength(w)) : null;
    for (let i = 0; i < w.n; i++) {
      const l = w.lo[i];
      const h = w.hi[i];
      const count = h - l;
      if (count < 2) continue;
      let result = vs[h - 1] - vs[l];
      if (resets !== null && resets[h - 1] !== resets[l]) {
        for (let k = l + 1; k < h; k++) if (vs[k] < vs[k - 1]) result += vs[k - 1];
      }
      out[i] = result * extrapolationFactor(ts[l], ts[h - 1], count, w.rangeEnd[i], w.rangeMs, isCounter, isRate, result, vs[l]);
      present[i] = 1;
    }
  };
}

function instantValue(isRate: boolean): RangeKernel {
  return (ts, vs, w, _params, out, present) => {
    for (let i = 0; i < w.n; i++) {
      const h = w.hi[i];
      if (h - w.lo[i] < 2) continue;
      const interval = ts[h - 1] - ts[h - 2];
      if (interval === 0) continue;
      const prev = vs[h - 2];
      const cur = vs[h - 1];
      let r = cur;
      if (!isRate || !(cur < prev)) r = cur - prev;
      if (isRate) r /= interval / 1000;
      out[i] = r;
      present[i] = 1;
    }
  };
}

/** Least-squares fit over samples [l, h) with x relative to `interceptTime`; slope in `regression.slope`. */
const regression = { slope: 0, intercept: 0 };
function linearRegression(ts: Float64Array, vs: Float64Array, l: number, h: number, interceptTime: number): void {
  let n = 0;
  let sumX = 0, cX = 0;
  let sumY = 0, cY = 0;
  let sumXY = 0, cXY = 0;
  let sumX2 = 0, cX2 = 0;
  const initY = vs[l];
  let constY = true;
  for (let k = l; k < h; k++) {
    const y = vs[k];
    if (constY && k > l && y !== initY) constY = false;
    n += 1;
    const x = (ts[k] - interceptTime) / 1e3;
    sumX = kahanInc(x, sumX, cX); cX = kahan.c;
    sumY = kahanInc(y, sumY, cY); cY = kahan.c;
    sumXY = kahanInc(x * y, sumXY, cXY); cXY = kahan.c;
    sumX2 = kahanInc(x * x, sumX2, cX2); cX2 = kahan.c;
  }
  if (constY) {
    if (isInf(initY)) {
      regression.slope = NaN;
      regression.intercept = NaN;
    } else {
      regression.slope = 0;
      regression.intercept = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  regression.slope = slope;
  regression.intercept = sumY / n - (slope * sumX) / n;
}

const deriv: RangeKernel = (ts, vs, w, _params, out, present) => {
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h - l < 2) continue;
    // Intercept near the values avoids floating point trouble with large timestamps.
    linearRegression(ts, vs, l, h, ts[l]);
    out[i] = regression.slope;
    present[i] = 1;
  }
};

const predictLinear: RangeKernel = (ts, vs, w, params, out, present) => {
  const duration = params[0];
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h - l < 2) continue;
    linearRegression(ts, vs, l, h, w.stepTime[i]);
    out[i] = regression.slope * duration[i] + regression.intercept;
    present[i] = 1;
  }
};

const avgOverTime: RangeKernel = (_ts, vs, w, _params, out, present) => {
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h === l) continue;
    let sum = vs[l];
    let count = 1;
    let mean = 0;
    let c = 0;
    let incremental = false;
    for (let k = l + 1; k < h; k++) {
      const f = vs[k];
      count = k - l + 1;
      if (!incremental) {
        const newSum = kahanInc(f, sum, c);
        // The direct mean is more accurate; switch to the incremental mean only if the sum overflows.
        if (!isInf(newSum)) {
          sum = newSum;
          c = kahan.c;
          continue;
        }
        incremental = true;
        mean = sum / (count - 1);
        c /= count - 1;
      }
      const q = (count - 1) / count;
      mean = kahanInc(f / count, q * mean, q * c);
      c = kahan.c;
    }
    out[i] = incremental ? mean + c : sum / count + c / count;
    present[i] = 1;
  }
};

const sumOverTime: RangeKernel = (_ts, vs, w, _params, out, present) => {
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h === l) continue;
    let sum = 0;
    let c = 0;
    for (let k = l; k < h; k++) {
      sum = kahanInc(vs[k], sum, c);
      c = kahan.c;
    }
    out[i] = isInf(sum) ? sum : sum + c;
    present[i] = 1;
  }
};

const countOverTime: RangeKernel = (_ts, _vs, w, _params, out, present) => {
  for (let i = 0; i < w.n; i++) {
    const c = w.hi[i] - w.lo[i];
    if (c === 0) continue;
    out[i] = c;
    present[i] = 1;
  }
};

const presentOverTime: RangeKernel = (_ts, _vs, w, _params, out, present) => {
  for (let i = 0; i < w.n; i++) {
    if (w.hi[i] === w.lo[i]) continue;
    out[i] = 1;
    present[i] = 1;
  }
};

function compareOverTime(pick: (cur: number, best: number) => boolean, returnTimestamp: boolean): RangeKernel {
  return (ts, vs, w, _params, out, present) => {
    for (let i = 0; i < w.n; i++) {
      const l = w.lo[i];
      const h = w.hi[i];
      if (h === l) continue;
      let best = vs[l];
      let bestT = ts[l];
      for (let k = l; k < h; k++) {
        if (pick(vs[k], best)) {
          best = vs[k];
          bestT = ts[k];
        }
      }
      out[i] = returnTimestamp ? bestT / 1000 : best;
      present[i] = 1;
    }
  };
}

let dequeScratch = new Int32Array(256);

/**
 * Sliding maximum (or minimum) over the windows with a monotonic deque: O(1) per sample instead of
 * rescanning every window. NaN never wins against a number (Prometheus replaces a NaN result by any
 * later sample and never a number by NaN), and among equal values the earliest stays, as in
 * Prometheus's scan; a window of only NaNs gives NaN.
 */
function slidingExtreme(isMax: boolean): RangeKernel {
  return (_ts, vs, w, _params, out, present) => {
    const len = usedLength(w);
    if (dequeScratch.length < len) dequeScratch = new Int32Array(Math.max(len, dequeScratch.length * 2));
    const dq = dequeScratch;
    let head = 0;
    let tail = 0;
    let pushed = 0;
    for (let i = 0; i < w.n; i++) {
      const l = w.lo[i];
      const h = w.hi[i];
      if (h === l) continue;
      if (pushed < l) {
        // The window jumped past samples never pushed: start over from its start.
        pushed = l;
        head = tail = 0;
      }
      for (; pushed < h; pushed++) {
        const v = vs[pushed];
        if (v !== v) continue;
        if (isMax) while (tail > head && vs[dq[tail - 1]] < v) tail--;
        else while (tail > head && vs[dq[tail - 1]] > v) tail--;
        dq[tail++] = pushed;
      }
      while (head < tail && dq[head] < l) head++;
      out[i] = head < tail ? vs[dq[head]] : NaN;
      present[i] = 1;
    }
  };
}

const maxOverTime = slidingExtreme(true);
const minOverTime = slidingExtreme(false);

function pickAt(first: boolean, timestamp: boolean): RangeKernel {
  return (ts, vs, w, _params, out, present) => {
    for (let i = 0; i < w.n; i++) {
      const l = w.lo[i];
      const h = w.hi[i];
      if (h === l) continue;
      const k = first ? l : h - 1;
      out[i] = timestamp ? ts[k] / 1000 : vs[k];
      present[i] = 1;
    }
  };
}

function varianceOverTime(stddev: boolean): RangeKernel {
  return (_ts, vs, w, _params, out, present) => {
    for (let i = 0; i < w.n; i++) {
      const l = w.lo[i];
      const h = w.hi[i];
      if (h === l) continue;
      let count = 0;
      let mean = 0, cMean = 0;
      let aux = 0, cAux = 0;
      for (let k = l; k < h; k++) {
        const f = vs[k];
        count++;
        const delta = f - (mean + cMean);
        mean = kahanInc(delta / count, mean, cMean);
        cMean = kahan.c;
        aux = kahanInc(delta * (f - (mean + cMean)), aux, cAux);
        cAux = kahan.c;
      }
      const variance = (aux + cAux) / count;
      out[i] = stddev ? Math.sqrt(variance) : variance;
      present[i] = 1;
    }
  };
}

/** Sorts ascending with NaN first (Prometheus's `vectorByValueHeap` order) and interpolates the q-quantile. */
export function quantileOfSorted(q: number, values: Float64Array, len: number): number {
  if (len === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * (len - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(len - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return values[lowerIndex] * (1 - weight) + values[upperIndex] * weight;
}

/** Sorts the first `len` values ascending, NaNs first, as Prometheus orders samples for quantiles. */
export function sortNaNFirst(values: Float64Array, len: number): void {
  const sub = values.subarray(0, len);
  sub.sort((a, b) => (a !== a ? (b !== b ? 0 : -1) : b !== b ? 1 : a - b));
}

let scratch = new Float64Array(64);
function scratchOf(len: number): Float64Array {
  if (scratch.length < len) scratch = new Float64Array(Math.max(len, scratch.length * 2));
  return scratch;
}

const quantileOverTime: RangeKernel = (_ts, vs, w, params, out, present) => {
  const qs = params[0];
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h === l) continue;
    const len = h - l;
    const buf = scratchOf(len);
    buf.set(vs.subarray(l, h));
    sortNaNFirst(buf, len);
    out[i] = quantileOfSorted(qs[i], buf, len);
    present[i] = 1;
  }
};

const madOverTime: RangeKernel = (_ts, vs, w, _params, out, present) => {
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h === l) continue;
    const len = h - l;
    const buf = scratchOf(len);
    let nan = false;
    for (let k = 0; k < len; k++) {
      const v = vs[l + k];
      if (v !== v) nan = true;
      buf[k] = v;
    }
    present[i] = 1;
    if (nan) {
      out[i] = NaN;
      continue;
    }
    sortNaNFirst(buf, len);
    const median = quantileOfSorted(0.5, buf, len);
    for (let k = 0; k < len; k++) buf[k] = Math.abs(buf[k] - median);
    sortNaNFirst(buf, len);
    out[i] = quantileOfSorted(0.5, buf, len);
  }
};

const changes: RangeKernel = (_ts, vs, w, _params, out, present) => {
  const p = changePrefix(vs, usedLength(w));
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h === l) continue;
    out[i] = p[h - 1] - p[l];
    present[i] = 1;
  }
};

const resets: RangeKernel = (_ts, vs, w, _params, out, present) => {
  const p = resetPrefix(vs, usedLength(w));
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h === l) continue;
    out[i] = p[h - 1] - p[l];
    present[i] = 1;
  }
};

const doubleExponentialSmoothing: RangeKernel = (_ts, vs, w, params, out, present) => {
  const sfs = params[0];
  const tfs = params[1];
  for (let i = 0; i < w.n; i++) {
    const l = w.lo[i];
    const h = w.hi[i];
    if (h === l) continue;
    const sf = sfs[i];
    const tf = tfs[i];
    if (!(sf > 0 && sf < 1)) throw new VigilError('execution', `invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFormatF(sf)}`);
    if (!(tf > 0 && tf < 1)) throw new VigilError('execution', `invalid trend factor. Expected: 0 < tf < 1, got: ${goFormatF(tf)}`);
    if (h - l < 2) continue;
    let s0 = 0;
    let s1 = vs[l];
    let b = vs[l + 1] - vs[l];
    for (let k = 1; k < h - l; k++) {
      const x = sf * vs[l + k];
      // Trend at this point (the first step keeps the initial trend).
      if (k - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
      const y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    out[i] = s1;
    present[i] = 1;
  }
};

// ---- anchored and smoothed range selectors (experimental in Prometheus 3.x) ----

/** Linear interpolation at t between two samples; a counter that dropped is taken to restart at 0. */
function interpolate(t1: number, v1: number, t2: number, v2: number, t: number, isCounter: boolean): number {
  const y1 = isCounter && v2 < v1 ? 0 : v1;
  return y1 + ((v2 - y1) * (t - t1)) / (t2 - t1);
}

/** Index of the first sample in [from, to) with ts > x (to if none). */
function firstAfter(ts: Float64Array, from: number, to: number, x: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Index of the first sample in [from, to) with ts >= x (to if none). */
function firstAtOrAfter(ts: Float64Array, from: number, to: number, x: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * `rate`/`increase`/`delta` over an anchored or smoothed range: the difference between the values at
 * the range boundaries (the last sample at or before the start, or values interpolated at the
 * boundaries when smoothed), corrected for counter resets, without extrapolation.
 */
function extendedRate(isCounter: boolean, isRate: boolean, smoothed: boolean): RangeKernel {
  return (ts, vs, w, _params, out, present) => {
    const rangeSec = w.rangeMs / 1000;
    for (let i = 0; i < w.n; i++) {
      const l = w.lo[i];
      const h = w.hi[i];
      if (h === l) continue;
      const rangeEnd = w.rangeEnd[i];
      const rangeStart = rangeEnd - w.rangeMs;
      let last = h - 1;
      let first = Math.max(l, firstAfter(ts, l, last, rangeStart) - 1);
      if (smoothed) last = firstAtOrAfter(ts, l, last, rangeEnd);
      if (ts[last] <= rangeStart) continue;
      if (smoothed && ts[first] > rangeEnd) continue;
      const left = smoothed && ts[first] < rangeStart ? interpolate(ts[first], vs[first], ts[first + 1], vs[first + 1], rangeStart, isCounter) : vs[first];
      const right = smoothed && last > l && ts[last] > rangeEnd ? interpolate(ts[last - 1], vs[last - 1], ts[last], vs[last], rangeEnd, isCounter) : vs[last];
      let result = right - left;
      if (isCounter) {
        if (ts[first] <= rangeStart) first++;
        if (ts[last] >= rangeEnd) last--;
        let correction = 0;
        let prev = left;
        for (let k = first; k <= last; k++) {
          if (vs[k] < prev) correction += prev;
          prev = vs[k];
        }
        if (right < prev) correction += prev;
        result += correction;
      }
      if (isRate) result /= rangeSec;
      out[i] = result;
      present[i] = 1;
    }
  };
}

/** `changes`/`resets` over an anchored range: counted from the last sample at or before the start. */
function anchoredCount(resetsOnly: boolean): RangeKernel {
  return (ts, vs, w, _params, out, present) => {
    for (let i = 0; i < w.n; i++) {
      const l = w.lo[i];
      const h = w.hi[i];
      if (h === l) continue;
      const rangeStart = w.rangeEnd[i] - w.rangeMs;
      const after = firstAfter(ts, l, h, rangeStart);
      if (after >= h) continue; // nothing after the start of the range
      const start = after > l ? after - 1 : l;
      let c = 0;
      for (let k = start + 1; k < h; k++) {
        const cur = vs[k];
        const prev = vs[k - 1];
        if (resetsOnly ? cur < prev : cur !== prev && !(cur !== cur && prev !== prev)) c++;
      }
      out[i] = c;
      present[i] = 1;
    }
  };
}

/** Kernels for anchored (`a`) and smoothed (`s`) range selectors, by function name. */
export const EXTENDED_KERNELS: ReadonlyMap<string, RangeKernel> = new Map<string, RangeKernel>([
  ['a:rate', extendedRate(true, true, false)],
  ['a:increase', extendedRate(true, false, false)],
  ['a:delta', extendedRate(false, false, false)],
  ['a:changes', anchoredCount(false)],
  ['a:resets', anchoredCount(true)],
  ['s:rate', extendedRate(true, true, true)],
  ['s:increase', extendedRate(true, false, true)],
  ['s:delta', extendedRate(false, false, true)],
]);

/**
 * The samples of an anchored or smoothed window as Prometheus returns them for a range selector: the
 * values at the two boundaries (interpolated when smoothed) with the samples strictly inside.
 */
export function extendWindow(ts: Float64Array, vs: Float64Array, from: number, to: number, mint: number, maxt: number, smoothed: boolean): { ts: number[]; vs: number[] } {
  const empty = { ts: [], vs: [] };
  if (to === from) return empty;
  let last = to - 1;
  let first = Math.max(from, firstAfter(ts, from, last, mint) - 1);
  if (smoothed) last = firstAtOrAfter(ts, from, last, maxt);
  if (ts[last] <= mint) return empty;
  const left = smoothed && ts[first] < mint ? interpolate(ts[first], vs[first], ts[first + 1], vs[first + 1], mint, false) : vs[first];
  const right = smoothed && last > from && ts[last] > maxt ? interpolate(ts[last - 1], vs[last - 1], ts[last], vs[last], maxt, false) : vs[last];
  if (ts[first] <= mint) first++;
  if (ts[last] >= maxt) last--;
  const outT = [mint];
  const outV = [left];
  for (let k = first; k <= last; k++) {
    outT.push(ts[k]);
    outV.push(vs[k]);
  }
  outT.push(maxt);
  outV.push(right);
  return { ts: outT, vs: outV };
}

/** Kernels by function name. */
export const RANGE_KERNELS: ReadonlyMap<string, RangeKernel> = new Map<string, RangeKernel>([
  ['rate', extrapolatedRate(true, true)],
  ['increase', extrapolatedRate(true, false)],
  ['delta', extrapolatedRate(false, false)],
  ['irate', instantValue(true)],
  ['idelta', instantValue(false)],
  ['deriv', deriv],
  ['predict_linear', predictLinear],
  ['avg_over_time', avgOverTime],
  ['sum_over_time', sumOverTime],
  ['count_over_time', countOverTime],
  ['present_over_time', presentOverTime],
  ['absent_over_time', presentOverTime],
  ['max_over_time', maxOverTime],
  ['min_over_time', minOverTime],
  ['ts_of_max_over_time', compareOverTime((cur, best) => cur >= best || best !== best, true)],
  ['ts_of_min_over_time', compareOverTime((cur, best) => cur <= best || best !== best, true)],
  ['first_over_time', pickAt(true, false)],
  ['last_over_time', pickAt(false, false)],
  ['ts_of_first_over_time', pickAt(true, true)],
  ['ts_of_last_over_time', pickAt(false, true)],
  ['stddev_over_time', varianceOverTime(true)],
  ['stdvar_over_time', varianceOverTime(false)],
  ['quantile_over_time', quantileOverTime],
  ['mad_over_time', madOverTime],
  ['changes', changes],
  ['resets', resets],
  ['double_exponential_smoothing', doubleExponentialSmoothing],
  ['holt_winters', doubleExponentialSmoothing],
]);
