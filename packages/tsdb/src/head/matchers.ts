/**
 * Matchers to postings, with Prometheus's semantics (`tsdb/querier.go`, PostingsForMatchers): a matcher
 * that matches the empty string also selects series without the label, so it is applied by subtracting
 * the series whose value does not match; if every matcher is like that, the selection starts from all
 * series.
 */
import type { Matcher } from '@vigil/model';
import { intersectPostings, subtractPostings, unionPostings } from '../block/postings.js';
import type { MemPostings } from './postings.js';

const EMPTY = new Uint32Array(0);
const REGEX_META = /[\\.+*?()[\]{}^$]/;

/** The literal alternatives of a regex like `a|b|c`, or undefined when it is anything more. */
export function setMatches(pattern: string): string[] | undefined {
  if (pattern === '' || REGEX_META.test(pattern)) return undefined;
  return pattern.split('|');
}

function matchAll(m: Matcher): boolean {
  return m.type === '=~' && (m.value === '.*' || m.value === '(?s:.*)');
}

/** Postings of series whose value of `m.name` satisfies `m` (the label being present). */
function positive(ix: MemPostings, m: Matcher): Uint32Array {
  if (m.type === '=') return ix.get(m.name, m.value);
  if (m.type === '=~') {
    const set = setMatches(m.value);
    if (set !== undefined) return unionPostings(set.map((v) => ix.get(m.name, v)));
  }
  return unionPostings(ix.matching(m.name, m.matches));
}

/** Postings of series that have label `m.name` with a value `m` rejects. */
function inverse(ix: MemPostings, m: Matcher): Uint32Array {
  if (m.type === '!=') return ix.get(m.name, m.value);
  if (m.type === '!~') {
    const set = setMatches(m.value);
    if (set !== undefined) return unionPostings(set.map((v) => ix.get(m.name, v)));
  }
  return unionPostings(ix.matching(m.name, (v) => !m.matches(v)));
}

export function postingsForMatchers(ix: MemPostings, matchers: readonly Matcher[]): Uint32Array {
  let result: Uint32Array | undefined;
  const subtract: Uint32Array[] = [];
  for (const m of matchers) {
    if (matchAll(m)) continue;
    if (m.matches('')) {
      const n = inverse(ix, m);
      if (n.length > 0) subtract.push(n);
      continue;
    }
    const p = positive(ix, m);
    result = result === undefined ? p : intersectPostings(result, p);
    if (result.length === 0) return EMPTY;
  }
  if (result === undefined) result = ix.allPostings();
  for (const n of subtract) result = subtractPostings(result, n);
  return result;
}
