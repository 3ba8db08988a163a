/**
 * Which parser a scrape response's `Content-Type` selects.
 *
 * By media type, as Prometheus does: `application/openmetrics-text` is OpenMetrics, `text/plain` is the
 * text format 0.0.4, `application/vnd.google.protobuf` is the protobuf format. A missing, unparsable or
 * other `Content-Type` uses the fallback format:
 * - Prometheus 2.x read all of those as the text format (the default fallback here, `'text'`);
 * - Prometheus 3.x fails the scrape unless the scrape config sets `fallback_scrape_protocol`: pass
 *   `fallback: null` to get that behaviour (a `VigilError` naming the content type).
 */
import { VigilError } from '@vigil/model';
import { OpenMetricsParser } from './om-parser.js';
import { TextParser } from './text-parser.js';
import type { ExpositionParser } from './parser.js';
import type { ExpositionFormat } from './writer.js';

export type WireFormat = ExpositionFormat | 'protobuf';

export interface ContentTypeFormat {
  readonly format: WireFormat;
  /** Set when the fallback was used: what was wrong with the `Content-Type` (for the scrape's log). */
  readonly warning?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The lower-cased media type of a `Content-Type` value, or undefined when it does not parse (as Go's `mime.ParseMediaType`). */
export function mediaTypeOf(contentType: string): string | undefined {
  const semi = contentType.indexOf(';');
  const mt = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  const slash = mt.indexOf('/');
  if (slash <= 0 || !TOKEN.test(mt.slice(0, slash)) || !TOKEN.test(mt.slice(slash + 1))) return undefined;
  if (semi >= 0) {
    const seen = new Set<string>();
    const params = contentType.slice(semi + 1).split(';');
    for (let i = 0; i < params.length; i++) {
      const p = params[i].trim();
      if (p === '') {
        if (i === params.length - 1) break; // a trailing semicolon is allowed
        return undefined;
      }
      const eq = p.indexOf('=');
      if (eq <= 0) return undefined;
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim();
      if (!TOKEN.test(key) || seen.has(key)) return undefined;
      if (!(TOKEN.test(value) || /^"(?:[^"\\]|\\.)*"$/.test(value))) return undefined;
      seen.add(key);
    }
  }
  return mt;
}

/** The wire format of a scrape response from its `Content-Type`; see the module comment for the fallback. */
export function formatForContentType(contentType: string | undefined, fallback: ExpositionFormat | null = 'text'): ContentTypeFormat {
  let problem: string;
  if (contentType === undefined || contentType.trim() === '') {
    problem = 'a blank Content-Type';
  } else {
    const mt = mediaTypeOf(contentType);
    if (mt === 'application/openmetrics-text') return { format: 'openmetrics' };
    if (mt === 'text/plain') return { format: 'text' };
    if (mt === 'application/vnd.google.protobuf') return { format: 'protobuf' };
    problem = mt === undefined ? `an unparsable Content-Type ${JSON.stringify(contentType)}` : `an unsupported Content-Type ${JSON.stringify(contentType)}`;
  }
  if (fallback === null) {
    throw new VigilError('bad_data', `scrape target sent ${problem} and no fallback scrape protocol is configured`);
  }
  return { format: fallback, warning: `scrape target sent ${problem}, using the fallback format ${fallback}` };
}

export interface CreateParserOptions {
  /** Format for a missing or unknown `Content-Type`; `null` makes that an error (Prometheus 3.x). */
  readonly fallback?: ExpositionFormat | null;
  /** OpenMetrics: check every rule of the specification, not only what Prometheus checks. */
  readonly strict?: boolean;
}

/** A streaming parser for a scrape response, chosen by its `Content-Type`. */
export function createParser(text: string, contentType: string | undefined, options: CreateParserOptions = {}): ExpositionParser {
  const { format } = formatForContentType(contentType, options.fallback === undefined ? 'text' : options.fallback);
  if (format === 'openmetrics') return new OpenMetricsParser(text, { strict: options.strict });
  if (format === 'text') return new TextParser(text);
  throw new VigilError('bad_data', `the protobuf exposition format (Content-Type ${JSON.stringify(contentType)}) is not supported by this parser; ask for a text format`);
}
