/**
 * The metadata-of-series endpoints: `/api/v1/series`, `/api/v1/labels`, `/api/v1/label/<name>/values`.
 */
import { Labels, VigilError, errorMessage, type Matcher } from '@vigil/model';
import type { ApiRequest, ApiResult, ApiStorage } from './api-types.js';
import { goString, labelsJSON } from './json.js';
import { MAX_TIME, MIN_TIME, goQuote, invalidParam, limitParam, optionalTime, parseMatchers } from './params.js';

const TRUNCATED = 'results truncated due to limit';

function matcherSets(selectors: readonly string[], prefixed: boolean): Matcher[][] {
  try {
    return parseMatchers(selectors);
  } catch (e) {
    if (prefixed) throw invalidParam('match[]', errorMessage(e));
    throw new VigilError('bad_data', errorMessage(e));
  }
}

function checkCanceled(signal: AbortSignal): void {
  if (signal.aborted) throw new VigilError('canceled', 'context canceled');
}

/** Merges label-sorted lists into one, dropping duplicates. */
function mergeSorted(lists: Labels[][]): Labels[] {
  let out = lists[0] ?? [];
  for (let k = 1; k < lists.length; k++) {
    const b = lists[k];
    const merged: Labels[] = [];
    let i = 0;
    let j = 0;
    while (i < out.length && j < b.length) {
      const c = Labels.compare(out[i], b[j]);
      if (c < 0) merged.push(out[i++]);
      else if (c > 0) merged.push(b[j++]);
      else {
        merged.push(out[i++]);
        j++;
      }
    }
    while (i < out.length) merged.push(out[i++]);
    while (j < b.length) merged.push(b[j++]);
    out = merged;
  }
  return out;
}

function stringList(list: readonly string[]): string {
  let s = '[';
  for (let i = 0; i < list.length; i++) s += (i === 0 ? '' : ',') + goString(list[i]);
  return s + ']';
}

export function series(storage: ApiStorage, r: ApiRequest): ApiResult {
  const form = r.form;
  if (form.error !== undefined) throw new VigilError('bad_data', `error parsing form values: ${form.error}`);
  const selectors = form.all('match[]');
  if (selectors.length === 0) throw new VigilError('bad_data', 'no match[] parameter provided');
  const limit = limitParam(form);
  const start = optionalTime(form, 'start', MIN_TIME);
  const end = optionalTime(form, 'end', MAX_TIME);
  const sets = matcherSets(selectors, true);
  const q = storage.querier(start, end);
  let found: Labels[];
  try {
    const lists: Labels[][] = [];
    for (const set of sets) {
      checkCanceled(r.signal);
      lists.push(q.select(set, { start, end, labelsOnly: true }).map((s) => s.labels));
    }
    found = mergeSorted(lists);
  } finally {
    q.close();
  }
  const warnings: string[] = [];
  if (limit > 0 && found.length > limit) {
    found = found.slice(0, limit);
    warnings.push(TRUNCATED);
  }
  let s = '[';
  for (let i = 0; i < found.length; i++) {
    if ((i & 4095) === 4095) checkCanceled(r.signal);
    s += (i === 0 ? '' : ',') + labelsJSON(found[i]);
  }
  return { data: s + ']', warnings };
}

function union(lists: string[][]): string[] {
  if (lists.length === 1) return lists[0];
  const set = new Set<string>();
  for (const l of lists) for (const x of l) set.add(x);
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function labelNames(storage: ApiStorage, r: ApiRequest): ApiResult {
  const form = r.form;
  const limit = limitParam(form);
  const start = optionalTime(form, 'start', MIN_TIME);
  const end = optionalTime(form, 'end', MAX_TIME);
  const sets = matcherSets(form.all('match[]'), false);
  const q = storage.querier(start, end);
  let names: string[];
  try {
    names = sets.length === 0 ? q.labelNames() : union(sets.map((set) => q.labelNames(set)));
  } finally {
    q.close();
  }
  const warnings: string[] = [];
  if (limit > 0 && names.length > limit) {
    names = names.slice(0, limit);
    warnings.push(TRUNCATED);
  }
  return { data: stringList(names), warnings };
}

/** Prometheus's `model.UnescapeName` for the `U__` value-encoding escape of label names in URLs. */
export function unescapeName(name: string): string {
  if (!name.startsWith('U__')) return name;
  const escaped = name.slice(3);
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i];
    if (c !== '_') {
      out += c;
      continue;
    }
    if (escaped[i + 1] === '_') {
      out += '_';
      i++;
      continue;
    }
    const close = escaped.indexOf('_', i + 1);
    if (close < 0) return name;
    const hex = escaped.slice(i + 1, close);
    if (!/^[0-9a-fA-F]+$/.test(hex)) return name;
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return name;
    out += String.fromCodePoint(cp);
    i = close;
  }
  return out;
}

export function labelValues(storage: ApiStorage, r: ApiRequest): ApiResult {
  const form = r.form;
  const name = unescapeName(r.params.name ?? '');
  if (name === '' || !(name as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw new VigilError('bad_data', `invalid label name: ${goQuote(name)}`);
  }
  const limit = limitParam(form);
  const start = optionalTime(form, 'start', MIN_TIME);
  const end = optionalTime(form, 'end', MAX_TIME);
  const sets = matcherSets(form.all('match[]'), false);
  const q = storage.querier(start, end);
  let values: string[];
  try {
    values = sets.length === 0 ? q.labelValues(name) : union(sets.map((set) => q.labelValues(name, set)));
  } finally {
    q.close();
  }
  const warnings: string[] = [];
  if (limit > 0 && values.length > limit) {
    values = values.slice(0, limit);
    warnings.push(TRUNCATED);
  }
  return { data: stringList(values), warnings };
}
