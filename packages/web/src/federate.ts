/**
 * `/federate`: the newest sample (within the lookback delta) of every series matching any `match[]`, as
 * Prometheus 3.x serves it: metrics ordered by name, one family per run of series of one name and one kind
 * of sample (floats, counter histograms, gauge histograms), each series' labels followed by the external
 * labels it does not carry (and `instance=""` when it has no instance), with the sample's timestamp.
 * Staleness markers are not federated.
 *
 * The format follows the request's `Accept` header (`expfmt.Negotiate`): the delimited protobuf format
 * when asked for, else the text format 0.0.4. Floats are `untyped`. Native histograms with exponential
 * buckets exist only in the protobuf format, so the text format leaves them out; native histograms with
 * custom buckets (NHCB) become classic histograms in both (`_bucket`/`_sum`/`_count` lines in text).
 */
import { FloatHistogram, Labels, Matcher, CounterResetHint, escapeLabelValue, formatFloat, isStaleNaN, isValidLabelName, isValidMetricName } from '@vigil/model';
import {
  PROTOBUF_CONTENT_TYPE, ProtoMetricType, encodeMetricFamilies, parseAccept, type ProtoHistogram, type ProtoLabelPair,
  type ProtoMetric, type ProtoMetricFamily,
} from '@vigil/exposition';
import { parseMetricSelector } from '@vigil/promql';
import type { Queryable } from '@vigil/tsdb';
import type { Form } from './params.js';

export const FEDERATE_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Prometheus 3.x names the (default) escaping of names in the protobuf answer. */
export const FEDERATE_PROTOBUF_CONTENT_TYPE = `${PROTOBUF_CONTENT_TYPE}; escaping=underscores`;

export type FederationFormat = 'text' | 'protobuf';

interface Found {
  readonly labels: Labels;
  readonly name: string;
  readonly t: number;
  readonly v: number;
  /** The sample's native histogram, or null for a float sample. */
  readonly h: FloatHistogram | null;
}

/** Prometheus 3.x's default name escaping for the classic text format: invalid characters become `_`. */
function escapeName(name: string, metric: boolean): string {
  if (metric ? isValidMetricName(name) : isValidLabelName(name)) return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (metric && c === 58) || (i > 0 && c >= 48 && c <= 57);
    out += ok ? name[i] : '_';
  }
  return out;
}

/** The matcher sets of `match[]`; a set without a matcher that rejects the empty string selects every named series. */
export function federationMatchers(form: Form): Matcher[][] {
  const sets: Matcher[][] = [];
  for (const s of form.all('match[]')) {
    const set = parseMetricSelector(s);
    if (!set.some((m) => !m.matchesEmpty)) set.push(new Matcher('=~', '__name__', '.+'));
    sets.push(set);
  }
  return sets;
}

/**
 * The answer's format for an `Accept` header, as client_golang's `expfmt.Negotiate`: the first clause (by
 * `q`) naming the delimited protobuf format or the text format 0.0.4 decides; the text format otherwise.
 * (Prometheus also writes protobuf's text encodings when asked; Vigil does not, and passes those clauses over.)
 */
export function federationFormat(accept: string | undefined): { format: FederationFormat; contentType: string } {
  for (const ac of parseAccept(accept ?? '')) {
    if (ac.type === 'application' && ac.subType === 'vnd.google.protobuf' && ac.params.proto === 'io.prometheus.client.MetricFamily' && ac.params.encoding === 'delimited') {
      return { format: 'protobuf', contentType: FEDERATE_PROTOBUF_CONTENT_TYPE };
    }
    const version = ac.params.version ?? '';
    if (ac.type === 'text' && ac.subType === 'plain' && (version === '0.0.4' || version === '')) break;
  }
  return { format: 'text', contentType: FEDERATE_CONTENT_TYPE };
}

/** The newest sample within `[now - lookbackDelta, now]` of each selected named series, ordered by metric name. */
function federatedSamples(storage: Queryable, sets: readonly Matcher[][], now: number, lookbackDelta: number): Found[] {
  const mint = now - lookbackDelta;
  const found: Found[] = [];
  const seen = new Set<string>();
  const q = storage.querier(mint, now);
  try {
    for (const set of sets) {
      for (const s of q.select(set, { start: mint, end: now })) {
        if (sets.length > 1) {
          const key = s.labels.flat.join('\xff');
          if (seen.has(key)) continue;
          seen.add(key);
        }
        const it = s.iterator();
        let t = NaN;
        let v = NaN;
        let h: FloatHistogram | null = null;
        while (it.next()) {
          const st = it.t;
          if (st > now) break;
          if (st < mint) continue;
          t = st;
          v = it.v;
          // A histogram sample's float view is NaN (or the staleness marker): only then can there be one.
          const ih = v !== v ? it.h : null;
          h = ih === null ? null : ih.copy();
        }
        if (Number.isNaN(t) || isStaleNaN(v) || (h !== null && isStaleNaN(h.sum))) continue;
        const name = s.labels.metricName();
        if (name === '') continue;
        found.push({ labels: s.labels, name, t, v, h });
      }
    }
  } finally {
    q.close();
  }
  // Stable: series of one name keep their label order.
  found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return found;
}

/** What separates families of one name: floats, counter histograms and gauge histograms. */
function kindOf(s: Found): number {
  if (s.h === null) return 0;
  return s.h.counterResetHint === CounterResetHint.Gauge ? 2 : 1;
}

/** A series' labels (escaped names, without the metric name and empty values) followed by the external labels it lacks. */
function labelPairs(s: Found, ext: Readonly<Record<string, string>>, extNames: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const f = s.labels.flat;
  const used = new Set<string>();
  for (let i = 0; i < f.length; i += 2) {
    if (f[i] === '__name__' || f[i + 1] === '') continue;
    out.push([escapeName(f[i], false), f[i + 1]]);
    if (f[i] in ext) used.add(f[i]);
  }
  for (const n of extNames) if (!used.has(n)) out.push([escapeName(n, false), ext[n]]);
  return out;
}

function externalLabelsWithInstance(externalLabels: Readonly<Record<string, string>>): { ext: Record<string, string>; extNames: string[] } {
  const ext: Record<string, string> = { ...externalLabels };
  if (!('instance' in ext)) ext.instance = '';
  return { ext, extNames: Object.keys(ext).sort() };
}

/** A NHCB's classic buckets: each custom bound with the cumulative count up to it (`+Inf` is the count). */
function classicBuckets(h: FloatHistogram): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const counts = new Map<number, number>();
  let idx = 0;
  let k = 0;
  for (const sp of h.positiveSpans) {
    idx += sp.offset;
    for (let j = 0; j < sp.length; j++) counts.set(idx++, h.positiveBuckets[k++]);
  }
  let cumulative = 0;
  for (let i = 0; i < h.customValues.length; i++) {
    cumulative += counts.get(i) ?? 0;
    out.push([h.customValues[i], cumulative]);
  }
  return out;
}

/**
 * Renders the federation body for `sets` at `now` in the text format 0.0.4. Throws a `bad_data`
 * VigilError for bad selectors (the caller answers 400 with its text).
 */
export function federate(storage: Queryable, sets: readonly Matcher[][], now: number, lookbackDelta: number, externalLabels: Readonly<Record<string, string>>): string {
  const found = federatedSamples(storage, sets, now, lookbackDelta);
  const { ext, extNames } = externalLabelsWithInstance(externalLabels);
  const parts: string[] = [];
  let lastName = '';
  let lastKind = -1;
  const series = (name: string, labels: string, extra: string): string => {
    const all = labels === '' ? extra : extra === '' ? labels : labels + ',' + extra;
    return all === '' ? name : name + '{' + all + '}';
  };
  for (const s of found) {
    // Exponential native histograms have no text form.
    if (s.h !== null && !s.h.usesCustomBuckets()) continue;
    const name = escapeName(s.name, true);
    const kind = kindOf(s);
    if (s.name !== lastName || kind !== lastKind) {
      parts.push(`# TYPE ${name} ${s.h === null ? 'untyped' : 'histogram'}\n`);
      lastName = s.name;
      lastKind = kind;
    }
    let labels = '';
    for (const [n, v] of labelPairs(s, ext, extNames)) labels += (labels === '' ? '' : ',') + n + '="' + escapeLabelValue(v) + '"';
    const ts = ' ' + s.t + '\n';
    const h = s.h;
    if (h === null) {
      parts.push(series(name, labels, '') + ' ' + formatFloat(s.v) + ts);
      continue;
    }
    let infSeen = false;
    for (const [le, cumulative] of classicBuckets(h)) {
      parts.push(series(name + '_bucket', labels, `le="${formatFloat(le)}"`) + ' ' + formatFloat(cumulative) + ts);
      if (le === Infinity) infSeen = true;
    }
    if (!infSeen) parts.push(series(name + '_bucket', labels, 'le="+Inf"') + ' ' + formatFloat(h.count) + ts);
    parts.push(series(name + '_sum', labels, '') + ' ' + formatFloat(h.sum) + ts);
    parts.push(series(name + '_count', labels, '') + ' ' + formatFloat(h.count) + ts);
  }
  return parts.join('');
}

function protoHistogram(h: FloatHistogram): ProtoHistogram {
  if (h.usesCustomBuckets()) {
    // As Prometheus: the custom buckets as classic ones; `+Inf` is left implicit (optional in protobuf).
    return { sampleCountFloat: h.count, sampleSum: h.sum, bucket: classicBuckets(h).map(([upperBound, cumulativeCountFloat]) => ({ upperBound, cumulativeCountFloat })) };
  }
  const p: ProtoHistogram = {
    sampleCountFloat: h.count,
    sampleSum: h.sum,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCountFloat: h.zeroCount,
  };
  if (h.negativeBuckets.length > 0) p.negativeCount = [...h.negativeBuckets];
  if (h.positiveBuckets.length > 0) p.positiveCount = [...h.positiveBuckets];
  if (h.positiveSpans.length > 0) p.positiveSpan = h.positiveSpans.map((sp) => ({ offset: sp.offset, length: sp.length }));
  if (h.negativeSpans.length > 0) p.negativeSpan = h.negativeSpans.map((sp) => ({ offset: sp.offset, length: sp.length }));
  return p;
}

/** The federation body in the delimited protobuf format: floats as `untyped`, native histograms as they are. */
export function federateProtobuf(
  storage: Queryable,
  sets: readonly Matcher[][],
  now: number,
  lookbackDelta: number,
  externalLabels: Readonly<Record<string, string>>,
): Uint8Array {
  const found = federatedSamples(storage, sets, now, lookbackDelta);
  const { ext, extNames } = externalLabelsWithInstance(externalLabels);
  const families: ProtoMetricFamily[] = [];
  let family: ProtoMetricFamily | undefined;
  let lastName = '';
  let lastKind = -1;
  for (const s of found) {
    const kind = kindOf(s);
    if (family === undefined || s.name !== lastName || kind !== lastKind) {
      const type = kind === 0 ? ProtoMetricType.UNTYPED : kind === 2 ? ProtoMetricType.GAUGE_HISTOGRAM : ProtoMetricType.HISTOGRAM;
      family = { name: escapeName(s.name, true), type, metric: [] };
      families.push(family);
      lastName = s.name;
      lastKind = kind;
    }
    const label: ProtoLabelPair[] = labelPairs(s, ext, extNames).map(([name, value]) => ({ name, value }));
    const m: ProtoMetric = { label, timestampMs: s.t };
    if (s.h === null) m.untyped = { value: s.v };
    else m.histogram = protoHistogram(s.h);
    family.metric!.push(m);
  }
  return encodeMetricFamilies(families);
}
