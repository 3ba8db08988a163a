/**
 * Between the protobuf messages and `MetricFamily` data (what the text parsers return and the writers take).
 *
 * Protobuf → samples, as Prometheus reads a protobuf scrape: a counter, gauge or untyped metric is one
 * sample named after the family; a summary gives its quantiles (`quantile` label), `_sum` and `_count`; a
 * histogram its buckets (`le` label, with a `+Inf` bucket from the count when the message has none),
 * `_sum` and `_count` (`_gsum`/`_gcount` for a gauge histogram). Float counts override integer counts when
 * positive, as the schema says. Native-histogram buckets and created timestamps have no sample form here
 * and are left out.
 *
 * Samples → protobuf, as client_golang would expose them: samples grouped into one metric per label set
 * (without `le`/`quantile`) in order of first appearance.
 */
import { Labels } from '@vigil/model';
import type { Exemplar, MetricFamily, MetricType, Sample } from './types.js';
import { formatTextValue } from './writer.js';
import {
  ProtoMetricType, type ProtoBucket, type ProtoExemplar, type ProtoLabelPair, type ProtoMetric, type ProtoMetricFamily, type ProtoTimestamp,
} from './protobuf-types.js';

function labelsOf(pairs: readonly ProtoLabelPair[] | undefined, extraName?: string, extraValue?: string): Labels {
  const flat: string[] = [];
  for (const p of pairs ?? []) flat.push(p.name ?? '', p.value ?? '');
  if (extraName !== undefined) flat.push(extraName, extraValue!);
  return Labels.fromFlat(flat);
}

function timestampMs(t: ProtoTimestamp | undefined): number | undefined {
  if (t === undefined) return undefined;
  return (t.seconds ?? 0) * 1000 + Math.trunc((t.nanos ?? 0) / 1e6);
}

function exemplarOf(e: ProtoExemplar | undefined): Exemplar | undefined {
  if (e === undefined) return undefined;
  const ts = timestampMs(e.timestamp);
  return ts === undefined ? { labels: labelsOf(e.label), value: e.value ?? 0 } : { labels: labelsOf(e.label), value: e.value ?? 0, timestamp: ts };
}

function typeOf(t: number | undefined): MetricType {
  switch (t ?? 0) {
    case ProtoMetricType.COUNTER: return 'counter';
    case ProtoMetricType.GAUGE: return 'gauge';
    case ProtoMetricType.SUMMARY: return 'summary';
    case ProtoMetricType.HISTOGRAM: return 'histogram';
    case ProtoMetricType.GAUGE_HISTOGRAM: return 'gaugehistogram';
    default: return 'unknown';
  }
}

function sample(name: string, labels: Labels, value: number, ts: number | undefined, exemplar?: Exemplar): Sample {
  const s: { name: string; labels: Labels; value: number; timestamp?: number; exemplar?: Exemplar } = { name, labels, value };
  if (ts !== undefined) s.timestamp = ts;
  if (exemplar !== undefined) s.exemplar = exemplar;
  return s;
}

/** Protobuf families as `MetricFamily` data (see the module comment for the mapping). */
export function protoToFamilies(families: readonly ProtoMetricFamily[]): MetricFamily[] {
  const out: MetricFamily[] = [];
  for (const f of families) {
    const name = f.name ?? '';
    const type = typeOf(f.type);
    const samples: Sample[] = [];
    for (const m of f.metric ?? []) {
      const ts = m.timestampMs;
      const base = labelsOf(m.label);
      switch (type) {
        case 'counter':
          samples.push(sample(name, base, m.counter?.value ?? 0, ts, exemplarOf(m.counter?.exemplar)));
          break;
        case 'gauge':
          samples.push(sample(name, base, m.gauge?.value ?? 0, ts));
          break;
        case 'unknown':
          samples.push(sample(name, base, m.untyped?.value ?? 0, ts));
          break;
        case 'summary': {
          const s = m.summary ?? {};
          for (const q of s.quantile ?? []) {
            samples.push(sample(name, labelsOf(m.label, 'quantile', formatTextValue(q.quantile ?? 0)), q.value ?? 0, ts));
          }
          samples.push(sample(name + '_sum', base, s.sampleSum ?? 0, ts));
          samples.push(sample(name + '_count', base, s.sampleCount ?? 0, ts));
          break;
        }
        default: {
          const h = m.histogram ?? {};
          const gauge = type === 'gaugehistogram';
          const count = h.sampleCountFloat !== undefined && h.sampleCountFloat > 0 ? h.sampleCountFloat : h.sampleCount ?? 0;
          let infSeen = false;
          for (const b of h.bucket ?? []) {
            const ub = b.upperBound ?? 0;
            if (ub === Infinity) infSeen = true;
            const c = b.cumulativeCountFloat !== undefined && b.cumulativeCountFloat > 0 ? b.cumulativeCountFloat : b.cumulativeCount ?? 0;
            samples.push(sample(name + '_bucket', labelsOf(m.label, 'le', formatTextValue(ub)), c, ts, exemplarOf(b.exemplar)));
          }
          if (!infSeen) samples.push(sample(name + '_bucket', labelsOf(m.label, 'le', '+Inf'), count, ts));
          samples.push(sample(name + (gauge ? '_gsum' : '_sum'), base, h.sampleSum ?? 0, ts));
          samples.push(sample(name + (gauge ? '_gcount' : '_count'), base, count, ts));
        }
      }
    }
    const fam: { name: string; type: MetricType; help?: string; unit?: string; samples: Sample[] } = { name, type, samples };
    if (f.help !== undefined) fam.help = f.help;
    if (f.unit !== undefined && f.unit !== '') fam.unit = f.unit;
    out.push(fam);
  }
  return out;
}

function protoType(t: MetricType): number {
  switch (t) {
    case 'counter': return ProtoMetricType.COUNTER;
    case 'gauge':
    case 'info':
    case 'stateset':
      return ProtoMetricType.GAUGE;
    case 'summary': return ProtoMetricType.SUMMARY;
    case 'histogram': return ProtoMetricType.HISTOGRAM;
    case 'gaugehistogram': return ProtoMetricType.GAUGE_HISTOGRAM;
    default: return ProtoMetricType.UNTYPED;
  }
}

function pairsOf(labels: Labels, skip: string): ProtoLabelPair[] {
  const out: ProtoLabelPair[] = [];
  const f = labels.flat;
  for (let i = 0; i < f.length; i += 2) if (f[i] !== skip) out.push({ name: f[i], value: f[i + 1] });
  return out;
}

function protoExemplar(e: Exemplar | undefined): ProtoExemplar | undefined {
  if (e === undefined) return undefined;
  const out: ProtoExemplar = { label: pairsOf(e.labels, ''), value: e.value };
  if (e.timestamp !== undefined) {
    const seconds = Math.floor(e.timestamp / 1000);
    out.timestamp = { seconds, nanos: Math.round((e.timestamp - seconds * 1000) * 1e6) };
  }
  return out;
}

/** A value a uint64 count field can carry exactly. */
function isCount(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;
}

function parseBound(v: string): number {
  if (v === '+Inf' || v === 'Inf' || v === '+inf' || v === 'inf') return Infinity;
  if (v === '-Inf' || v === '-inf') return -Infinity;
  return Number(v);
}

/**
 * `MetricFamily` data as protobuf families. A counter is named after its value samples (`x_total` when
 * the family is `x` with `x_total` samples); `_created` samples are dropped.
 */
export function familiesToProto(families: readonly MetricFamily[]): ProtoMetricFamily[] {
  const out: ProtoMetricFamily[] = [];
  for (const f of families) {
    const type = protoType(f.type);
    let name = f.name;
    if (f.type === 'counter' && !name.endsWith('_total') && f.samples.some((s) => s.name === name + '_total')) name += '_total';
    else if (f.type === 'info' && !name.endsWith('_info') && f.samples.some((s) => s.name === name + '_info')) name += '_info';
    const metrics: ProtoMetric[] = [];
    const byKey = new Map<string, ProtoMetric>();
    const complex = type === ProtoMetricType.SUMMARY || type === ProtoMetricType.HISTOGRAM || type === ProtoMetricType.GAUGE_HISTOGRAM;
    const special = type === ProtoMetricType.SUMMARY ? 'quantile' : 'le';
    for (const s of f.samples) {
      if (s.name.endsWith('_created')) continue;
      if (!complex) {
        const m: ProtoMetric = { label: pairsOf(s.labels, '') };
        if (type === ProtoMetricType.COUNTER) m.counter = { value: s.value, ...(s.exemplar ? { exemplar: protoExemplar(s.exemplar) } : {}) };
        else if (type === ProtoMetricType.GAUGE) m.gauge = { value: s.value };
        else m.untyped = { value: s.value };
        if (s.timestamp !== undefined) m.timestampMs = s.timestamp;
        metrics.push(m);
        continue;
      }
      const base = s.labels.flat.length === 0 ? Labels.EMPTY : s.labels.without(special);
      const key = JSON.stringify(base.flat);
      let m = byKey.get(key);
      if (m === undefined) {
        m = { label: pairsOf(base, '') };
        if (type === ProtoMetricType.SUMMARY) m.summary = { quantile: [] };
        else m.histogram = { bucket: [] };
        if (s.timestamp !== undefined) m.timestampMs = s.timestamp;
        byKey.set(key, m);
        metrics.push(m);
      }
      const suffix = s.name.slice(f.name.length);
      if (type === ProtoMetricType.SUMMARY) {
        const sum = m.summary!;
        if (suffix === '_sum') sum.sampleSum = s.value;
        else if (suffix === '_count') sum.sampleCount = isCount(s.value) ? s.value : Math.max(0, Math.trunc(s.value)) || 0;
        else sum.quantile!.push({ quantile: parseBound(s.labels.get('quantile')), value: s.value });
      } else {
        const h = m.histogram!;
        if (suffix === '_sum' || suffix === '_gsum') h.sampleSum = s.value;
        else if (suffix === '_count' || suffix === '_gcount') {
          if (isCount(s.value)) h.sampleCount = s.value;
          else h.sampleCountFloat = s.value;
        } else if (suffix === '_bucket') {
          const b: ProtoBucket = { upperBound: parseBound(s.labels.get('le')) };
          if (isCount(s.value)) b.cumulativeCount = s.value;
          else b.cumulativeCountFloat = s.value;
          if (s.exemplar) b.exemplar = protoExemplar(s.exemplar);
          h.bucket!.push(b);
        }
      }
    }
    const pf: ProtoMetricFamily = { name, type, metric: metrics };
    if (f.help !== undefined) pf.help = f.help;
    if (f.unit !== undefined) pf.unit = f.unit;
    out.push(pf);
  }
  return out;
}
