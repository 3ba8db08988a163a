/**
 * Content negotiation on both sides of a scrape.
 *
 * Exposer side (`negotiate`): picks the format from the request's `Accept` header the way client_golang's
 * `expfmt.NegotiateIncludingOpenMetrics` does (the handler Go exporters use with OpenMetrics enabled):
 * clauses are sorted by `q` (wildcards last among equals) and the first clause that names
 * `text/plain` (version 0.0.4 or none) or `application/openmetrics-text` (version 1.0.0, 0.0.1 or none)
 * decides; anything else, including the any-type wildcard and no header, gets the text format 0.0.4.
 * Protobuf clauses are passed over (Vigil does not write protobuf).
 *
 * Scraper side: the `Accept` header Prometheus 3.x sends (`scrapeAcceptHeader`).
 */
import type { ExpositionFormat } from './writer.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
/** What client_golang answers to `application/openmetrics-text` without a version (or version 0.0.1). */
export const OPENMETRICS_0_0_1_CONTENT_TYPE = 'application/openmetrics-text; version=0.0.1; charset=utf-8';

/** The scrape protocols of Prometheus's `scrape_protocols` setting. */
export type ScrapeProtocol = 'PrometheusProto' | 'PrometheusText0.0.4' | 'PrometheusText1.0.0' | 'OpenMetricsText0.0.1' | 'OpenMetricsText1.0.0';

export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<ScrapeProtocol, string>> = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

/** Prometheus 3.x's default `scrape_protocols`, in order of preference. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];

export type NameEscapingScheme = 'allow-utf-8' | 'underscores' | 'dots' | 'values';

/**
 * The `Accept` header of a scrape, built as Prometheus 3.x builds it: each protocol with a descending
 * `q` (starting at 0.(number of known protocols + 1)), the escaping scheme on the 1.0.0 text formats, and
 * a final any-type wildcard with the lowest weight.
 */
export function scrapeAcceptHeader(protocols: readonly ScrapeProtocol[] = DEFAULT_SCRAPE_PROTOCOLS, escaping: NameEscapingScheme = 'allow-utf-8'): string {
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1;
  const parts: string[] = [];
  for (const p of protocols) {
    let v = SCRAPE_PROTOCOL_HEADERS[p];
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += ';escaping=' + escaping;
    parts.push(`${v};q=0.${weight}`);
    weight--;
  }
  parts.push(`*/*;q=0.${weight}`);
  return parts.join(',');
}

// Prometheus 3.x's default scrape Accept header:
// application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,
// text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2
export const SCRAPE_ACCEPT_HEADER = scrapeAcceptHeader();

/** One clause of an `Accept` header. */
export interface AcceptClause {
  readonly type: string;
  readonly subType: string;
  readonly q: number;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses an `Accept` header as goautoneg (used by client_golang) does: clauses split on `,`, trimmed of
 * spaces, `*` alone meaning any type, malformed media ranges dropped, `q` defaulting to 1 (0 when not a
 * number), parameters kept case-sensitive; then sorted by `q`, wildcards after concrete types on a tie.
 */
export function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  for (const raw of header.split(',')) {
    const part = trimSpaces(raw);
    const pieces = part.split(';');
    const range = pieces[0].split('/');
    const type = trimSpaces(range[0]);
    let subType: string;
    if (range.length === 1 && type === '*') subType = '*';
    else if (range.length === 2) subType = trimSpaces(range[1]);
    else continue;
    let q = 1;
    const params: Record<string, string> = {};
    for (let i = 1; i < pieces.length; i++) {
      const eq = pieces[i].indexOf('=');
      if (eq < 0) continue;
      const key = trimSpaces(pieces[i].slice(0, eq));
      const value = pieces[i].slice(eq + 1);
      if (key === 'q') {
        const f = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Math.fround(Number(value)) : 0;
        q = f;
      } else {
        params[key] = trimSpaces(value);
      }
    }
    out.push({ type, subType, q, params });
  }
  // Stable insertion sort with goautoneg's ordering.
  const less = (a: AcceptClause, b: AcceptClause) =>
    a.q > b.q || (a.q === b.q && ((a.type !== '*' && b.type === '*') || (a.subType !== '*' && b.subType === '*')));
  for (let i = 1; i < out.length; i++) {
    const x = out[i];
    let j = i - 1;
    while (j >= 0 && less(x, out[j])) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = x;
  }
  return out;
}

function trimSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) === 0x20) b--;
  return s.slice(a, b);
}

/** The format and `Content-Type` an exposer answers a request with, from its `Accept` header. */
export function negotiate(accept: string | undefined): { format: ExpositionFormat; contentType: string } {
  for (const ac of parseAccept(accept ?? '')) {
    const version = ac.params.version ?? '';
    if (ac.type === 'text' && ac.subType === 'plain' && (version === '0.0.4' || version === '')) {
      return { format: 'text', contentType: TEXT_CONTENT_TYPE };
    }
    if (ac.type === 'application' && ac.subType === 'openmetrics-text' && (version === '1.0.0' || version === '0.0.1' || version === '')) {
      return { format: 'openmetrics', contentType: version === '1.0.0' ? OPENMETRICS_CONTENT_TYPE : OPENMETRICS_0_0_1_CONTENT_TYPE };
    }
  }
  return { format: 'text', contentType: TEXT_CONTENT_TYPE };
}

/** Whether an `Accept-Encoding` header accepts gzip (named, without `q=0`), as exposers decide whether to compress. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (coding.trim().toLowerCase() !== 'gzip') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
