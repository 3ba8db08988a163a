/**
 * The cross-line rules of OpenMetrics 1.0 that a strict parser checks (the per-line ones live in the
 * parser): metrics of a family and points of a metric not interleaved, timestamps not going backwards, no
 * family name clashing with another family's sample names, and histogram points that are complete and
 * consistent (+Inf bucket, cumulative buckets in `le` order, `_count` equal to the +Inf bucket, `_sum` and
 * `_count` together, no `_sum` with negative buckets).
 *
 * State is kept in scalars and typed arrays: a metric ("group") is identified by a 53-bit hash of its label
 * set, remembered per family in an open-addressing table that is reused, not reallocated, per family.
 */
import { formatFloat } from '@vigil/model';
import {
  S_BUCKET, S_COUNT, S_GCOUNT, S_GSUM, S_SUM, T_COUNTER, T_GAUGEHISTOGRAM, T_HISTOGRAM, T_INFO, T_STATESET,
  T_SUMMARY, TYPE_NAMES,
} from './parser-syntax.js';

export type Fail = (line: number, reason: string) => never;

/** Sample name suffixes per type, as OpenMetrics lists them (the clash rule uses them). */
const TYPE_SUFFIXES: ReadonlyMap<number, readonly string[]> = new Map([
  [T_COUNTER, ['_total', '_created']],
  [T_SUMMARY, ['_count', '_sum', '_created']],
  [T_HISTOGRAM, ['_count', '_sum', '_bucket', '_created']],
  [T_GAUGEHISTOGRAM, ['_gcount', '_gsum', '_bucket']],
  [T_INFO, ['_info']],
]);

/** A set of (a, b) 32-bit pairs; `clear()` is O(1) by generation stamps. */
class PairSet {
  private keysA = new Int32Array(64);
  private keysB = new Int32Array(64);
  private stamps = new Uint32Array(64);
  private generation = 1;
  private size = 0;

  clear(): void {
    this.generation++;
    this.size = 0;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  has(a: number, b: number): boolean {
    const mask = this.stamps.length - 1;
    for (let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (this.stamps[i] !== this.generation) return false;
      if (this.keysA[i] === a && this.keysB[i] === b) return true;
    }
  }

  add(a: number, b: number): void {
    if ((this.size + 1) * 2 > this.stamps.length) this.grow();
    const mask = this.stamps.length - 1;
    for (let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (this.stamps[i] !== this.generation) {
        this.stamps[i] = this.generation;
        this.keysA[i] = a;
        this.keysB[i] = b;
        this.size++;
        return;
      }
      if (this.keysA[i] === a && this.keysB[i] === b) return;
    }
  }

  private grow(): void {
    const { keysA, keysB, stamps, generation } = this;
    const n = stamps.length * 2;
    this.keysA = new Int32Array(n);
    this.keysB = new Int32Array(n);
    this.stamps = new Uint32Array(n);
    this.generation = 1;
    this.size = 0;
    for (let i = 0; i < stamps.length; i++) if (stamps[i] === generation) this.add(keysA[i], keysB[i]);
  }
}

export class OpenMetricsValidator {
  private readonly fail: Fail;
  private readonly seenNames = new Set<string>();
  private readonly groups = new PairSet();
  // Current metric (group) of the family.
  private hasGroup = false;
  private groupA = 0;
  private groupB = 0;
  private groupHasTs = false;
  private groupTs = 0;
  // Current histogram point: one group at one timestamp.
  private inPoint = false;
  private pointA = 0;
  private pointB = 0;
  private pointHasTs = false;
  private pointTs = 0;
  private pointLine = 0;
  private bucketCount = 0;
  private bucketLes = new Float64Array(16);
  /** Hashes of the `le` values as written: the same series twice has the same text, not just the same number. */
  private bucketLeTexts = new Int32Array(16);
  private lastLe = 0;
  private lastBucketValue = 0;
  private hasCount = false;
  private countValue = 0;
  private hasSum = false;
  private hasGsum = false;
  private negativeBuckets = false;
  private negativeGsum = false;

  constructor(fail: Fail) {
    this.fail = fail;
  }

  startFamily(): void {
    this.groups.clear();
    this.hasGroup = false;
    this.inPoint = false;
  }

  /** Rules on the sequence of metrics: grouping and timestamps. `info` points share one group. */
  sample(type: number, a: number, b: number, hasTs: boolean, ts: number, line: number): void {
    if (this.hasGroup) {
      const same = a === this.groupA && b === this.groupB;
      if (!same && this.groups.has(a, b)) {
        this.fail(line, 'metric interleaved with another metric of the family: the samples of one label set must follow each other');
      }
      if (same) {
        if (hasTs !== this.groupHasTs) this.fail(line, 'samples of one metric must all have a timestamp or all have none');
        if (hasTs && this.groupTs > ts && type !== T_INFO) this.fail(line, 'timestamp goes backwards within the metric');
      }
    }
    if (!this.hasGroup || a !== this.groupA || b !== this.groupB) this.groups.add(a, b);
    this.hasGroup = true;
    this.groupA = a;
    this.groupB = b;
    this.groupHasTs = hasTs;
    this.groupTs = ts;
  }

  /**
   * Histogram and gauge histogram samples, per point. For `_bucket` samples `le` is the bucket bound and
   * `leText` a hash of it as written.
   */
  histogramSample(a: number, b: number, hasTs: boolean, ts: number, suffix: number, le: number, leText: number, value: number, line: number): void {
    if (!this.inPoint || a !== this.pointA || b !== this.pointB || hasTs !== this.pointHasTs || (hasTs && ts !== this.pointTs)) {
      if (this.inPoint) this.checkPoint();
      this.inPoint = true;
      this.pointA = a;
      this.pointB = b;
      this.pointHasTs = hasTs;
      this.pointTs = ts;
      this.pointLine = line;
      this.bucketCount = 0;
      this.lastBucketValue = 0;
      this.hasCount = false;
      this.hasSum = false;
      this.hasGsum = false;
      this.negativeBuckets = false;
      this.negativeGsum = false;
    }
    switch (suffix) {
      case S_BUCKET: {
        // The same bucket series written twice at one timestamp counts once.
        for (let i = 0; i < this.bucketCount; i++) if (this.bucketLes[i] === le && this.bucketLeTexts[i] === leText) return;
        if (le < 0) this.negativeBuckets = true;
        if (this.bucketCount > 0 && le <= this.lastLe) this.fail(line, `buckets out of order: le ${formatFloat(le)} after le ${formatFloat(this.lastLe)} (buckets must be sorted by increasing le)`);
        if (value < this.lastBucketValue) this.fail(line, `bucket values must not decrease (buckets are cumulative): ${formatFloat(value)} after ${formatFloat(this.lastBucketValue)}`);
        if (this.bucketCount === this.bucketLes.length) {
          const grown = new Float64Array(this.bucketLes.length * 2);
          grown.set(this.bucketLes);
          this.bucketLes = grown;
          const grownTexts = new Int32Array(this.bucketLeTexts.length * 2);
          grownTexts.set(this.bucketLeTexts);
          this.bucketLeTexts = grownTexts;
        }
        this.bucketLeTexts[this.bucketCount] = leText;
        this.bucketLes[this.bucketCount++] = le;
        this.lastLe = le;
        this.lastBucketValue = value;
        break;
      }
      case S_COUNT:
      case S_GCOUNT:
        if (!this.hasCount) {
          this.hasCount = true;
          this.countValue = value;
        }
        break;
      case S_SUM:
        this.hasSum = true;
        break;
      case S_GSUM:
        if (!this.hasGsum && value < 0) this.negativeGsum = true;
        this.hasGsum = true;
        break;
    }
  }

  private checkPoint(): void {
    const line = this.pointLine;
    this.inPoint = false;
    if (this.bucketCount === 0 || this.lastLe !== Infinity) this.fail(line, 'histogram point has no le="+Inf" bucket');
    if (this.hasCount && this.lastBucketValue !== this.countValue) {
      this.fail(line, `histogram count ${formatFloat(this.countValue)} does not equal the +Inf bucket ${formatFloat(this.lastBucketValue)}`);
    }
    if (this.hasSum && !this.hasCount) this.fail(line, 'histogram has _sum but no _count');
    if (this.hasGsum && !this.hasCount) this.fail(line, 'gauge histogram has _gsum but no _gcount');
    if (!this.hasSum && !this.hasGsum && this.hasCount) this.fail(line, 'histogram has a count but no sum (_sum/_gsum and _count/_gcount go together)');
    if (this.negativeBuckets && this.hasSum) this.fail(line, 'histogram with negative buckets must not have a _sum');
    if (!this.negativeBuckets && this.negativeGsum) this.fail(line, 'gauge histogram has a negative _gsum but no negative buckets');
  }

  /** At the end of a family: the last point, name clashes, and units on types that allow none. */
  endFamily(name: string, type: number, unit: string, line: number): void {
    if (this.inPoint) this.checkPoint();
    const suffixes = TYPE_SUFFIXES.get(type);
    if (this.seenNames.has(name)) this.fail(line, `metric family ${JSON.stringify(name)} clashes with an earlier family (a name may appear only once, as a family or as a sample name of one)`);
    this.seenNames.add(name);
    if (suffixes !== undefined) {
      for (const s of suffixes) {
        const n = name + s;
        if (this.seenNames.has(n)) this.fail(line, `metric family ${JSON.stringify(name)} (${TYPE_NAMES[type]}) clashes with an earlier family on the sample name ${JSON.stringify(n)}`);
        this.seenNames.add(n);
      }
    }
    if (unit !== '' && (type === T_INFO || type === T_STATESET)) this.fail(line, `${type === T_INFO ? 'an info' : 'a stateset'} must not have a unit (family ${JSON.stringify(name)})`);
  }
}
