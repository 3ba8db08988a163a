/**
 * Streaming quantiles for summaries: a merging t-digest (Dunning & Ertl) over typed arrays, and a sliding
 * time window of them.
 *
 * Observations go into a buffer; when it is full (or a quantile is asked) the buffer is sorted and merged
 * with the centroids, which are kept few by the arcsine scale function: small near the tails, larger in
 * the middle. Up to a few dozen observations every centroid holds one value, so quantiles are exact there.
 */

const BUFFER = 512;

export class TDigest {
  private readonly compression: number;
  private means: Float64Array<ArrayBufferLike>;
  private weights: Float64Array<ArrayBufferLike>;
  private spareMeans: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private spareWeights: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private centroids = 0;
  private buffer: Float64Array | undefined = undefined;
  private buffered = 0;
  private total = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(compression = 100) {
    this.compression = compression;
    this.means = new Float64Array(0);
    this.weights = new Float64Array(0);
  }

  /** Observations held (merged and buffered). */
  get count(): number {
    return this.total + this.buffered;
  }

  push(v: number): void {
    let b = this.buffer;
    if (b === undefined) b = this.buffer = new Float64Array(BUFFER);
    b[this.buffered++] = v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.buffered === BUFFER) this.merge();
  }

  reset(): void {
    this.centroids = 0;
    this.buffered = 0;
    this.total = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  private kOf(q: number): number {
    return (this.compression / (2 * Math.PI)) * Math.asin(2 * q - 1);
  }

  private qOf(k: number): number {
    const x = (2 * Math.PI * k) / this.compression;
    return x >= Math.PI / 2 ? 1 : (Math.sin(x) + 1) / 2;
  }

  /** Folds the buffer into the centroids (into the spare arrays, which then swap with the current ones). */
  private merge(): void {
    const nb = this.buffered;
    if (nb === 0) return;
    const buf = this.buffer!.subarray(0, nb);
    buf.sort();
    const nc = this.centroids;
    const total = this.total + nb;
    let outMeans = this.spareMeans;
    let outWeights = this.spareWeights;
    if (outMeans.length < nc + nb) {
      outMeans = new Float64Array(nc + nb);
      outWeights = new Float64Array(nc + nb);
    }
    const means = this.means;
    const weights = this.weights;
    let out = 0;
    let i = 0; // next centroid
    let j = 0; // next buffered value
    let curMean = 0;
    let curWeight = 0;
    let soFar = 0;
    let limit = 0;
    while (i < nc || j < nb) {
      let m: number;
      let w: number;
      if (j >= nb || (i < nc && means[i] <= buf[j])) {
        m = means[i];
        w = weights[i];
        i++;
      } else {
        m = buf[j];
        w = 1;
        j++;
      }
      if (curWeight === 0) {
        curMean = m;
        curWeight = w;
        limit = total * this.qOf(this.kOf(0) + 1);
      } else if (soFar + curWeight + w <= limit) {
        curWeight += w;
        curMean += ((m - curMean) * w) / curWeight;
      } else {
        outMeans[out] = curMean;
        outWeights[out] = curWeight;
        out++;
        soFar += curWeight;
        limit = total * this.qOf(this.kOf(soFar / total) + 1);
        curMean = m;
        curWeight = w;
      }
    }
    outMeans[out] = curMean;
    outWeights[out] = curWeight;
    out++;
    this.spareMeans = means;
    this.spareWeights = weights;
    this.means = outMeans;
    this.weights = outWeights;
    this.centroids = out;
    this.total = total;
    this.buffered = 0;
  }

  /** The estimated `q`-quantile (0 ≤ q ≤ 1); NaN when empty. */
  percentile(q: number): number {
    this.merge();
    const n = this.centroids;
    if (n === 0) return NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const means = this.means;
    const weights = this.weights;
    if (n === 1) return means[0];
    const target = q * this.total;
    // Centroid i sits at cumulative weight (sum of weights before it) + weights[i]/2.
    let before = 0;
    let prevCenter = 0;
    for (let i = 0; i < n; i++) {
      const center = before + weights[i] / 2;
      if (target < center) {
        if (i === 0) {
          // Between the minimum and the first centroid.
          if (weights[0] === 1) return means[0];
          return this.min + ((means[0] - this.min) * target) / center;
        }
        const t = (target - prevCenter) / (center - prevCenter);
        return means[i - 1] + t * (means[i] - means[i - 1]);
      }
      before += weights[i];
      prevCenter = center;
    }
    // Between the last centroid and the maximum.
    const lastW = weights[n - 1];
    if (lastW === 1) return means[n - 1];
    const t = (target - prevCenter) / (this.total - prevCenter);
    return means[n - 1] + t * (this.max - means[n - 1]);
  }
}

/**
 * Quantiles over a sliding window: `ageBuckets` digests, each observation goes to all of them, and every
 * `maxAgeSeconds / ageBuckets` the oldest is cleared and the next becomes the one read. Without a window
 * (no `maxAgeSeconds` or `ageBuckets`) one digest holds everything since the start.
 */
export class TimeWindowQuantiles {
  private readonly ring: TDigest[];
  private current = 0;
  private lastRotateMs: number;
  private readonly rotateEveryMs: number;
  private readonly now: () => number;

  constructor(maxAgeSeconds: number | undefined, ageBuckets: number | undefined, now: () => number = Date.now) {
    const windowed = !!maxAgeSeconds && !!ageBuckets && maxAgeSeconds > 0 && ageBuckets > 0;
    const n = windowed ? Math.floor(ageBuckets!) : 1;
    this.ring = [];
    for (let i = 0; i < n; i++) this.ring.push(new TDigest());
    this.now = now;
    this.lastRotateMs = now();
    this.rotateEveryMs = windowed ? (maxAgeSeconds! * 1000) / n : Infinity;
  }

  private rotate(): TDigest {
    if (this.rotateEveryMs !== Infinity) {
      let since = this.now() - this.lastRotateMs;
      // After a long pause, clearing the whole ring once is enough.
      if (since > this.rotateEveryMs * (this.ring.length + 1)) {
        for (const d of this.ring) d.reset();
        const steps = Math.floor(since / this.rotateEveryMs);
        this.lastRotateMs += steps * this.rotateEveryMs;
        this.current = (this.current + steps) % this.ring.length;
        since = 0;
      }
      while (since > this.rotateEveryMs) {
        this.ring[this.current].reset();
        this.current = (this.current + 1) % this.ring.length;
        since -= this.rotateEveryMs;
        this.lastRotateMs += this.rotateEveryMs;
      }
    }
    return this.ring[this.current];
  }

  push(v: number): void {
    this.rotate();
    const ring = this.ring;
    for (let i = 0; i < ring.length; i++) ring[i].push(v);
  }

  percentile(q: number): number {
    return this.rotate().percentile(q);
  }

  /** Observations in the current window. */
  size(): number {
    return this.rotate().count;
  }

  reset(): void {
    for (const d of this.ring) d.reset();
  }
}
