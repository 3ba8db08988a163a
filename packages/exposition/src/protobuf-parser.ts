/**
 * The protobuf exposition format behind the streaming `ExpositionParser` interface, entry by entry as
 * Prometheus 3.x's `textparse.ProtobufParser` yields them: per family a Help (and Unit) and a Type entry,
 * then its samples: counters, gauges and untyped values as one series each; summaries as `_count`, `_sum`
 * and one series per quantile; classic histograms as `_count`, `_sum` and `_bucket{le}` series (`+Inf`
 * added when missing); native histograms as one `Histogram` entry whose value is `histogram()`, followed
 * by their classic series when asked for (`parseClassicHistograms`) and they have classic buckets.
 *
 * The body is decoded at once (`decodeMetricFamilies`); the series key (`series()`) is the label set in
 * text form with NUL separators (`name\0label\0value...`), which no text-format series text can equal.
 */
import { CUSTOM_BUCKETS_SCHEMA, CounterResetHint, FloatHistogram, Labels, METRIC_NAME, reduceHistogramResolution, formatOpenMetricsFloat, spansOfIndices, type Span } from '@vigil/model';
import { EntryType, type ExpositionParser } from './parser.js';
import { seriesHash } from './parser-syntax.js';
import { decodeMetricFamilies } from './protobuf-decode.js';
import { ProtoMetricType, type ProtoBucketSpan, type ProtoExemplar, type ProtoHistogram, type ProtoMetric, type ProtoMetricFamily } from './protobuf-types.js';
import type { Exemplar, MetricType } from './types.js';

export interface ProtobufParserOptions {
  /** Read native histograms as classic ones (Prometheus 3.x without `scrape_native_histograms`). */
  readonly ignoreNativeHistograms?: boolean;
  /** Also give the classic series of a native histogram that has classic buckets (`always_scrape_classic_histograms`). */
  readonly parseClassicHistograms?: boolean;
  /**
   * At most this many buckets per native histogram (`native_histogram_bucket_limit`; 0: no limit): the
   * resolution is halved until it fits, else the body is refused with Prometheus's error.
   */
  readonly bucketLimit?: number;
  /** Native histograms of a higher schema are reduced to this one (from `native_histogram_min_bucket_factor`). */
  readonly maxSchema?: number;
}

/** The highest schema whose bucket growth factor is at least `factor` (Prometheus's `pickSchema`). */
export function schemaForBucketFactor(factor: number): number {
  if (factor <= 1) factor = 1.00271;
  const floor = Math.floor(-Math.log2(Math.log2(factor)));
  return Math.max(-4, Math.min(8, floor));
}

/** Applies `maxSchema` and `bucketLimit` to a scraped native histogram, as Prometheus's scrape appenders do. */
function limitHistogram(h: FloatHistogram, o: ProtobufParserOptions): void {
  const exponential = h.schema !== CUSTOM_BUCKETS_SCHEMA;
  if (o.maxSchema !== undefined && exponential && h.schema > o.maxSchema) reduceHistogramResolution(h, o.maxSchema);
  const limit = o.bucketLimit ?? 0;
  if (limit <= 0) return;
  while (h.positiveBuckets.length + h.negativeBuckets.length > limit) {
    if (!exponential || h.schema <= -4) throw new Error('histogram bucket limit exceeded');
    reduceHistogramResolution(h, h.schema - 1);
  }
}

interface Entry {
  readonly type: number;
  readonly family: number;
  /** Series and histograms: the label set (with `__name__`), sorted, as flat name/value pairs. */
  readonly flat?: string[];
  readonly key?: string;
  readonly value?: number;
  readonly timestamp?: number;
  readonly histogram?: FloatHistogram;
  readonly exemplar?: Exemplar;
}

const TYPE_NAMES: Record<number, MetricType> = {
  [ProtoMetricType.COUNTER]: 'counter',
  [ProtoMetricType.GAUGE]: 'gauge',
  [ProtoMetricType.SUMMARY]: 'summary',
  [ProtoMetricType.UNTYPED]: 'unknown',
  [ProtoMetricType.HISTOGRAM]: 'histogram',
  [ProtoMetricType.GAUGE_HISTOGRAM]: 'gaugehistogram',
};

/** A native histogram has spans, a zero threshold or a zero count (else it is read as a classic one). */
export function isNativeHistogram(h: ProtoHistogram): boolean {
  return (h.positiveSpan?.length ?? 0) > 0 || (h.negativeSpan?.length ?? 0) > 0 || (h.zeroThreshold ?? 0) > 0 || (h.zeroCount ?? 0) > 0 || (h.zeroCountFloat ?? 0) > 0;
}

/** The buckets of one side, empty ones dropped (Prometheus's `Compact(0)`); `counts` absolute. */
function compactSide(side: string, spans: readonly ProtoBucketSpan[], counts: readonly number[]): { spans: Span[]; buckets: number[] } {
  const idx: number[] = [];
  const buckets: number[] = [];
  let at = 0;
  let k = 0;
  let need = 0;
  for (const s of spans) need += s.length ?? 0;
  if (need !== counts.length) throw new Error(`${side} side: spans need ${need} buckets, have ${counts.length} buckets: histogram spans specify different number of buckets than provided`);
  for (let i = 0; i < spans.length; i++) {
    const offset = spans[i].offset ?? 0;
    if (i > 0 && offset < 0) throw new Error(`${side} side: span number ${i + 1} with offset ${offset}: histogram has a span whose offset is negative`);
    at += offset;
    for (let j = 0; j < (spans[i].length ?? 0); j++, at++, k++) {
      if (counts[k] === 0) continue;
      idx.push(at);
      buckets.push(counts[k]);
    }
  }
  return { spans: spansOfIndices(idx), buckets };
}

function cumulative(deltas: readonly number[]): number[] {
  const out = new Array<number>(deltas.length);
  let c = 0;
  for (let i = 0; i < deltas.length; i++) out[i] = c += deltas[i];
  return out;
}

/**
 * A native histogram message as a `FloatHistogram` (integer counts from their deltas), empty buckets
 * dropped, a gauge histogram hinted as such. An integer histogram whose count disagrees with its buckets
 * is refused as Prometheus refuses it.
 */
export function nativeHistogramOf(h: ProtoHistogram, gauge: boolean): FloatHistogram {
  const isFloat = (h.sampleCountFloat ?? 0) > 0 || (h.zeroCountFloat ?? 0) > 0;
  const pos = compactSide('positive', h.positiveSpan ?? [], isFloat ? h.positiveCount ?? [] : cumulative(h.positiveDelta ?? []));
  const neg = compactSide('negative', h.negativeSpan ?? [], isFloat ? h.negativeCount ?? [] : cumulative(h.negativeDelta ?? []));
  const count = isFloat ? h.sampleCountFloat ?? 0 : h.sampleCount ?? 0;
  const zeroCount = isFloat ? h.zeroCountFloat ?? 0 : h.zeroCount ?? 0;
  const sum = h.sampleSum ?? 0;
  if (!isFloat) {
    let inBuckets = zeroCount;
    for (const b of pos.buckets) inBuckets += b;
    for (const b of neg.buckets) inBuckets += b;
    if (Number.isNaN(sum)) {
      if (inBuckets > count) {
        throw new Error(`${inBuckets} observations found in buckets, but the Count field is ${count}: histogram's observation count should be at least the number of observations found in the buckets`);
      }
    } else if (inBuckets !== count) {
      throw new Error(`${inBuckets} observations found in buckets, but the Count field is ${count}: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)`);
    }
  }
  const out = new FloatHistogram({
    counterResetHint: gauge ? CounterResetHint.Gauge : CounterResetHint.Unknown,
    schema: h.schema ?? 0,
    zeroThreshold: h.zeroThreshold ?? 0,
    zeroCount,
    count,
    sum,
  });
  out.positiveSpans = pos.spans;
  out.positiveBuckets = pos.buckets;
  out.negativeSpans = neg.spans;
  out.negativeBuckets = neg.buckets;
  return out;
}

function exemplarOf(e: ProtoExemplar | undefined, needTimestamp: boolean): Exemplar | undefined {
  if (e === undefined) return undefined;
  const ts = e.timestamp;
  if (needTimestamp && ts === undefined) return undefined;
  const labels = Labels.fromPairs((e.label ?? []).map((l) => [l.name ?? '', l.value ?? ''] as const));
  const value = e.value ?? 0;
  if (ts === undefined) return { labels, value };
  return { labels, value, timestamp: (ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6) };
}

/** The label pairs of a metric plus `__name__` (and a magic label), sorted; and the series key. */
function seriesOf(name: string, m: ProtoMetric, magicName?: string, magicValue?: string): { flat: string[]; key: string } {
  const pairs: Array<[string, string]> = [[METRIC_NAME, name]];
  for (const l of m.label ?? []) pairs.push([l.name ?? '', l.value ?? '']);
  if (magicName !== undefined) pairs.push([magicName, magicValue!]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const flat: string[] = [];
  let key = name;
  for (const [n, v] of pairs) {
    flat.push(n, v);
    if (n !== METRIC_NAME) key += '\0' + n + '\0' + v;
  }
  return { flat, key };
}

export class ProtobufParser implements ExpositionParser {
  private readonly families: ProtoMetricFamily[];
  private readonly entries: Entry[] = [];
  private pos = -1;
  private cur: Entry | undefined;
  familyIndex = 0;
  readonly line = 0;
  readonly seriesMatched = false;

  constructor(bytes: Uint8Array, options: ProtobufParserOptions = {}) {
    this.families = decodeMetricFamilies(bytes);
    const ignoreNative = options.ignoreNativeHistograms === true;
    const classicToo = options.parseClassicHistograms === true;
    const out = this.entries;
    this.families.forEach((f, fi) => {
      const metrics = f.metric ?? [];
      // Empty families are skipped, as Prometheus does.
      if (metrics.length === 0) return;
      const name = f.name ?? '';
      const type = f.type ?? ProtoMetricType.COUNTER;
      if (TYPE_NAMES[type] === undefined) throw new Error(`unknown metric type for metric ${JSON.stringify(name)}: ${type}`);
      out.push({ type: EntryType.Help, family: fi });
      if ((f.unit ?? '') !== '') out.push({ type: EntryType.Unit, family: fi });
      out.push({ type: EntryType.Type, family: fi });
      for (const m of metrics) {
        const ts = m.timestampMs !== undefined && m.timestampMs !== 0 ? m.timestampMs : NaN;
        const series = (n: string, value: number, exemplar?: Exemplar, magicName?: string, magicValue?: string) => {
          const s = seriesOf(n, m, magicName, magicValue);
          out.push({ type: EntryType.Series, family: fi, flat: s.flat, key: s.key, value, timestamp: ts, exemplar });
        };
        switch (type) {
          case ProtoMetricType.COUNTER:
            series(name, m.counter?.value ?? 0, exemplarOf(m.counter?.exemplar, false));
            break;
          case ProtoMetricType.GAUGE:
            series(name, m.gauge?.value ?? 0);
            break;
          case ProtoMetricType.UNTYPED:
            series(name, m.untyped?.value ?? 0);
            break;
          case ProtoMetricType.SUMMARY: {
            const s = m.summary ?? {};
            series(name + '_count', s.sampleCount ?? 0);
            series(name + '_sum', s.sampleSum ?? 0);
            for (const q of s.quantile ?? []) series(name, q.value ?? 0, undefined, 'quantile', formatOpenMetricsFloat(q.quantile ?? 0));
            break;
          }
          default: {
            const h = m.histogram ?? {};
            const gauge = type === ProtoMetricType.GAUGE_HISTOGRAM;
            const native = !ignoreNative && isNativeHistogram(h);
            if (native) {
              let histogram: FloatHistogram;
              try {
                histogram = nativeHistogramOf(h, gauge);
              } catch (e) {
                throw new Error(`histogram ${JSON.stringify(name)}: ${(e as Error).message}`);
              }
              const s = seriesOf(name, m);
              let exemplar: Exemplar | undefined;
              for (const e of h.exemplars ?? []) if ((exemplar = exemplarOf(e, true)) !== undefined) break;
              if (exemplar === undefined) for (const b of h.bucket ?? []) if ((exemplar = exemplarOf(b.exemplar, true)) !== undefined) break;
              limitHistogram(histogram, options);
              out.push({ type: EntryType.Histogram, family: fi, flat: s.flat, key: s.key, value: NaN, timestamp: ts, histogram, exemplar });
              if (!classicToo || (h.bucket ?? []).length === 0) break;
            }
            const count = (h.sampleCountFloat ?? 0) !== 0 ? h.sampleCountFloat! : h.sampleCount ?? 0;
            series(name + '_count', count);
            series(name + '_sum', h.sampleSum ?? 0);
            let sawInf = false;
            for (const b of h.bucket ?? []) {
              const ub = b.upperBound ?? 0;
              const c = (b.cumulativeCountFloat ?? 0) !== 0 ? b.cumulativeCountFloat! : b.cumulativeCount ?? 0;
              series(name + '_bucket', c, exemplarOf(b.exemplar, false), 'le', formatOpenMetricsFloat(ub));
              if (ub === Infinity) {
                sawInf = true;
                break;
              }
            }
            if (!sawInf) series(name + '_bucket', count, undefined, 'le', '+Inf');
          }
        }
      }
    });
  }

  next(): number {
    const e = this.entries[++this.pos];
    this.cur = e;
    if (e === undefined) {
      this.pos = this.entries.length;
      return EntryType.EOF;
    }
    if (e.type === EntryType.Help) this.familyIndex++;
    return e.type;
  }

  /** After a `Histogram` entry: its native histogram (the caller may keep it). */
  histogram(): FloatHistogram | undefined {
    return this.cur?.histogram;
  }

  series(): string {
    return this.cur?.key ?? '';
  }

  seriesIs(key: string): boolean {
    return this.cur?.key === key;
  }

  seriesIsBytes(bytes: DataView, offset: number, length: number): boolean {
    const key = this.cur?.key;
    if (key === undefined || key.length !== length || offset + length > bytes.byteLength) return false;
    for (let i = 0; i < length; i++) if (key.charCodeAt(i) !== bytes.getUint8(offset + i)) return false;
    return true;
  }

  seriesHash(): number {
    return seriesHash(this.series());
  }

  expectSeries(): void {}

  expectSeriesBytes(): void {}

  metricName(): string {
    const flat = this.cur?.flat;
    if (flat === undefined) return '';
    for (let i = 0; i < flat.length; i += 2) if (flat[i] === METRIC_NAME) return flat[i + 1];
    return '';
  }

  get value(): number {
    return this.cur?.value ?? NaN;
  }

  get timestamp(): number {
    return this.cur?.timestamp ?? NaN;
  }

  labels(): Labels {
    return Labels.fromFlat(this.cur?.flat ?? []);
  }

  /** Labels other than `__name__`, in order. */
  private plain(): string[] {
    const flat = this.cur?.flat ?? [];
    const out: string[] = [];
    for (let i = 0; i < flat.length; i += 2) if (flat[i] !== METRIC_NAME) out.push(flat[i], flat[i + 1]);
    return out;
  }

  labelCount(): number {
    return this.plain().length >> 1;
  }

  labelName(i: number): string {
    return this.plain()[2 * i];
  }

  labelValue(i: number): string {
    return this.plain()[2 * i + 1];
  }

  get hasExemplar(): boolean {
    return this.cur?.exemplar !== undefined;
  }

  exemplar(): Exemplar | undefined {
    return this.cur?.exemplar;
  }

  private family(): ProtoMetricFamily | undefined {
    return this.cur === undefined ? undefined : this.families[this.cur.family];
  }

  familyName(): string {
    return this.family()?.name ?? '';
  }

  familyType(): MetricType {
    return TYPE_NAMES[this.family()?.type ?? ProtoMetricType.COUNTER] ?? 'unknown';
  }

  help(): string {
    return this.cur?.type === EntryType.Help ? this.family()?.help ?? '' : '';
  }

  unit(): string {
    return this.cur?.type === EntryType.Unit ? this.family()?.unit ?? '' : '';
  }

  familyNameIs(name: string): boolean {
    return this.familyName() === name;
  }

  helpIs(text: string): boolean {
    return this.help() === text;
  }

  unitIs(text: string): boolean {
    return this.unit() === text;
  }

  comment(): string {
    return '';
  }
}
