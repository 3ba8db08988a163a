/**
 * Grouping keys: the labels in a push URL (`/metrics/job/<job>{/<label>/<value>}`), with the `@base64`
 * suffix for values holding `/` or empty values (`@base64/=`), read with the Pushgateway's rules and
 * error messages; and the way back, a group's labels as such a path (always base64, so any value fits).
 */
import { goQuote } from './go-format.js';
import { sortPairs } from './family.js';

export const BASE64_SUFFIX = '@base64';

export class GroupingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GroupingError';
  }
}

const B64 = new Int16Array(128).fill(-1);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) B64[alphabet.charCodeAt(i)] = i;
}

/**
 * Go's `base64.RawURLEncoding.DecodeString` after trimming trailing `=`: the URL-safe alphabet, no
 * padding, line feeds and carriage returns ignored. Throws with Go's message on bad input.
 */
export function decodeBase64Url(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d) end--;
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) continue;
    const v = c < 128 ? B64[c] : -1;
    if (v < 0) throw new GroupingError(`illegal base64 data at input byte ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    n++;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
      acc &= (1 << bits) - 1;
    }
  }
  // A final group of one character carries no whole byte.
  if (n % 4 === 1) throw new GroupingError(`illegal base64 data at input byte ${lastDataIndex(s, end)}`);
  try {
    return strictUtf8.decode(Uint8Array.from(out));
  } catch {
    // The Pushgateway accepts such a value and then fails every scrape and push; refuse it here.
    throw new GroupingError('decoded value is not valid UTF-8');
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function lastDataIndex(s: string, end: number): number {
  for (let i = end - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c !== 0x0a && c !== 0x0d) return i;
  }
  return 0;
}

/** Base64url without padding; an empty string becomes `=` so that the path segment is not empty. */
export function encodeBase64Url(s: string): string {
  const b = Buffer.from(s, 'utf8').toString('base64url');
  return b === '' ? '=' : b;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Reads the labels after the job (`/name/value/name@base64/value...`, with its leading `/`) into a map,
 * as the Pushgateway's `splitLabels` does.
 */
function splitLabels(labels: string): Map<string, string> {
  const result = new Map<string, string>();
  if (labels.length <= 1) return result;
  const components = labels.slice(1).split('/');
  if (components.length % 2 !== 0) throw new GroupingError(`odd number of components in label string ${goQuote(labels)}`);
  for (let i = 0; i < components.length - 1; i += 2) {
    const name = components[i];
    const value = components[i + 1];
    const trimmed = name.endsWith(BASE64_SUFFIX) ? name.slice(0, -BASE64_SUFFIX.length) : name;
    if (!LABEL_NAME.test(trimmed) || trimmed.startsWith('__')) throw new GroupingError(`improper label name ${goQuote(trimmed)}`);
    if (name === trimmed) {
      result.set(name, value);
      continue;
    }
    let decoded: string;
    try {
      decoded = decodeBase64Url(value);
    } catch (e) {
      throw new GroupingError(`invalid base64 encoding for label ${trimmed}=${goQuote(value)}: ${(e as Error).message}`);
    }
    result.set(trimmed, decoded);
  }
  return result;
}

/**
 * The grouping labels of a push URL, given the job segment (still encoded when `jobBase64`) and the rest
 * of the path after it (`''` or `/name/value...`). Flat and sorted by name. Throws `GroupingError` with
 * the Pushgateway's message.
 */
export function parseGroupingKey(jobSegment: string, jobBase64: boolean, rest: string): string[] {
  let job = jobSegment;
  if (jobBase64) {
    try {
      job = decodeBase64Url(jobSegment);
    } catch (e) {
      // The Pushgateway quotes the (failed, hence empty) decoded name here.
      throw new GroupingError(`invalid base64 encoding in job name "": ${(e as Error).message}`);
    }
  }
  const labels = splitLabels(rest);
  if (job === '') throw new GroupingError('job name is required');
  labels.set('job', job);
  const flat: string[] = [];
  for (const [n, v] of labels) flat.push(n, v);
  return sortPairs(flat);
}

/** The store's key for a grouping: exact for any names and values. */
export function groupingKey(flat: readonly string[]): string {
  return JSON.stringify(flat);
}

/** The push path of a group (under the route prefix), every value base64-encoded. */
export function groupPath(flat: readonly string[]): string {
  let job = '';
  let rest = '';
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === 'job') job = flat[i + 1];
    else rest += `/${flat[i]}${BASE64_SUFFIX}/${encodeBase64Url(flat[i + 1])}`;
  }
  return `/metrics/job${BASE64_SUFFIX}/${encodeBase64Url(job)}${rest}`;
}

/**
 * Go's `path.Clean` as `http.ServeMux` applies it to request paths (a trailing slash kept): the
 * Pushgateway redirects a push to an unclean path (`//`, `/./`, `/../`) to the clean one.
 */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  if (p[0] !== '/') p = '/' + p;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  let out = '/' + parts.join('/');
  if (p.endsWith('/') && out !== '/') out += '/';
  return out;
}
