/**
 * `/federate`: the newest sample (within the lookback delta) of every series matching any `match[]`,
 * in the text exposition format, as Prometheus serves it: one `# TYPE name untyped` per metric name,
 * metrics ordered by name, each series' labels followed by the external labels it does not carry
 * (and `instance=""` when it has no instance), with the sample's timestamp. Staleness markers are not
 * federated.
 */
import { Labels, Matcher, escapeLabelValue, formatFloat, isStaleNaN, isValidLabelName, isValidMetricName } from '@vigil/model';
import { parseMetricSelector } from '@vigil/promql';
import type { Queryable } from '@vigil/tsdb';
import type { Form } from './params.js';

export const FEDERATE_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Found {
  readonly labels: Labels;
  readonly name: string;
  readonly t: number;
  readonly v: number;
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
 * Renders the federation body for `sets` at `now`. Throws a `bad_data` VigilError for bad selectors
 * (the caller answers 400 with its text).
 */
export function federate(storage: Queryable, sets: readonly Matcher[][], now: number, lookbackDelta: number, externalLabels: Readonly<Record<string, string>>): string {
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
        while (it.next()) {
          if (it.t > now) break;
          if (it.t < mint) continue;
          t = it.t;
          v = it.v;
        }
        if (Number.isNaN(t) || isStaleNaN(v)) continue;
        const name = s.labels.metricName();
        if (name === '') continue;
        found.push({ labels: s.labels, name, t, v });
      }
    }
  } finally {
    q.close();
  }
  // Stable: series of one name keep their label order.
  found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const ext: Record<string, string> = { ...externalLabels };
  if (!('instance' in ext)) ext.instance = '';
  const extNames = Object.keys(ext).sort();

  const parts: string[] = [];
  let lastName = '';
  for (const s of found) {
    const name = escapeName(s.name, true);
    if (s.name !== lastName) {
      parts.push(`# TYPE ${name} untyped\n`);
      lastName = s.name;
    }
    let line = name;
    let labels = '';
    const f = s.labels.flat;
    const used = new Set<string>();
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === '__name__' || f[i + 1] === '') continue;
      labels += (labels === '' ? '' : ',') + escapeName(f[i], false) + '="' + escapeLabelValue(f[i + 1]) + '"';
      if (f[i] in ext) used.add(f[i]);
    }
    for (const n of extNames) {
      if (used.has(n)) continue;
      labels += (labels === '' ? '' : ',') + escapeName(n, false) + '="' + escapeLabelValue(ext[n]) + '"';
    }
    if (labels !== '') line += '{' + labels + '}';
    parts.push(line + ' ' + formatFloat(s.v) + ' ' + s.t + '\n');
  }
  return parts.join('');
}

