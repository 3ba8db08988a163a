/**
 * Label helpers of the evaluator: dropping the metric name (and the other metadata labels `__type__` and
 * `__unit__`, as Prometheus 3.x does), grouping keys, signatures for vector matching, and merging series
 * that end up with the same label set.
 */
import { Labels, VigilError } from '@vigil/model';
import type { StepSeries } from './eval-values.js';

export const METADATA_LABELS: readonly string[] = ['__name__', '__type__', '__unit__'];

const isMetadata = (name: string): boolean => name === '__name__' || name === '__type__' || name === '__unit__';

/** The labels without `__name__`, `__type__` and `__unit__` (Prometheus's `DropReserved(IsMetadataLabel)`). */
export function dropMetadata(labels: Labels): Labels {
  const f = labels.flat;
  // Metadata labels start with "__" and sort before lowercase names; look at the first few only.
  let has = false;
  for (let i = 0; i < f.length && f[i] < '__v'; i += 2) {
    if (isMetadata(f[i])) {
      has = true;
      break;
    }
  }
  return has ? labels.filter((n) => !isMetadata(n)) : labels;
}

export function sameLabelsetError(): VigilError {
  return new VigilError('execution', 'vector cannot contain metrics with the same labelset');
}

/** A string identifying exactly the given labels' values (for grouping and matching). */
export function keyForLabels(labels: Labels, names: readonly string[]): string {
  // names are sorted; labels are sorted: one merge pass.
  const f = labels.flat;
  let key = '';
  let j = 0;
  for (let i = 0; i < f.length && j < names.length; i += 2) {
    const n = f[i];
    while (j < names.length && names[j] < n) j++;
    if (j < names.length && names[j] === n) {
      key += n + '\xff' + f[i + 1] + '\xfe';
      j++;
    }
  }
  return key;
}

/** A string identifying the labels except `names` (sorted) and except `__name__` when `withoutName`. */
export function keyWithoutLabels(labels: Labels, names: readonly string[], withoutName: boolean): string {
  const f = labels.flat;
  let key = '';
  let j = 0;
  for (let i = 0; i < f.length; i += 2) {
    const n = f[i];
    if (withoutName && n === '__name__') continue;
    while (j < names.length && names[j] < n) j++;
    if (j < names.length && names[j] === n) continue;
    key += n + '\xff' + f[i + 1] + '\xfe';
  }
  return key;
}

/** A key for the whole label set. */
export function labelsKey(labels: Labels): string {
  return labels.flat.join('\xff');
}

/**
 * Merges series that have the same labels (e.g. after the metric name was dropped) into one, as Prometheus
 * does when it assembles a range result. Two such series with a point at the same step are an error.
 */
export function mergeSameLabels(series: StepSeries[], n: number): StepSeries[] {
  if (series.length < 2) return series;
  const byHash = new Map<number, number>();
  let dup = false;
  for (let i = 0; i < series.length; i++) {
    const h = series[i].labels.hash();
    const j = byHash.get(h);
    if (j !== undefined && series[j].labels.equals(series[i].labels)) {
      dup = true;
      break;
    }
    if (j === undefined) byHash.set(h, i);
  }
  if (!dup) {
    // Hash collisions between different sets are possible; fall back to exact keys only then.
    if (byHash.size === series.length) return series;
  }
  const byKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  for (const s of series) {
    const k = labelsKey(s.labels);
    const prev = byKey.get(k);
    if (prev === undefined) {
      byKey.set(k, s);
      out.push(s);
      continue;
    }
    for (let i = 0; i < n; i++) {
      if (s.present[i] === 0) continue;
      if (prev.present[i] !== 0) throw sameLabelsetError();
      prev.present[i] = 1;
      prev.values[i] = s.values[i];
      const h = s.hist ? s.hist[i] : null;
      if (h) (prev.hist ??= new Array(n).fill(null))[i] = h;
      else if (prev.hist) prev.hist[i] = null;
    }
    prev.dropName = prev.dropName || s.dropName;
  }
  return out;
}

/**
 * True when every series has the same `__name__`, `__type__` and `__unit__`: dropping them then keeps
 * distinct label sets distinct, and the duplicate checks can be skipped.
 */
export function sameMetadata(series: readonly StepSeries[]): boolean {
  if (series.length < 2) return true;
  const l0 = series[0].labels;
  const name = l0.metricName();
  const type = l0.get('__type__');
  const unit = l0.get('__unit__');
  for (let i = 1; i < series.length; i++) {
    const l = series[i].labels;
    if (l.metricName() !== name || l.get('__type__') !== type || l.get('__unit__') !== unit) return false;
  }
  return true;
}

/** Throws when two series have the same labels (Prometheus's `ContainsSameLabelset` check). */
export function checkNoSameLabels(series: readonly StepSeries[]): void {
  if (series.length < 2) return;
  const seen = new Map<number, Labels[]>();
  for (const s of series) {
    const h = s.labels.hash();
    const list = seen.get(h);
    if (list === undefined) {
      seen.set(h, [s.labels]);
      continue;
    }
    for (const l of list) if (l.equals(s.labels)) throw sameLabelsetError();
    list.push(s.labels);
  }
}
