/**
 * One HTTP scrape: GET with Prometheus's headers (`Accept` from `scrape_protocols`, `Accept-Encoding:
 * gzip`, `X-Prometheus-Scrape-Timeout-Seconds`), the body read into a buffer reused between scrapes,
 * gzip decompressed as it streams, and cut off at the body size limit (so a gzip bomb or an endless body
 * costs at most the limit in memory). Then the media type is chosen as Prometheus 3.x chooses it.
 */
import { createGunzip } from 'node:zlib';
import type { IncomingMessage } from 'node:http';
import { formatFloatFixed } from '@vigil/model';
import { mediaTypeOf } from '@vigil/exposition';
import type { ScrapeConfig, ScrapeProtocol } from './config-types.js';
import { SCRAPE_PROTOCOL_HEADERS } from './config-schema.js';
import { HTTPClient, ScrapeError, USER_AGENT } from './http-client.js';

/** Used when a scrape config sets no `body_size_limit`: large enough for any sane exposition. */
export const DEFAULT_BODY_SIZE_LIMIT = 128 * 1024 * 1024;

export const BODY_SIZE_LIMIT_ERROR = 'body size limit exceeded';

/**
 * The `Accept` header for `scrape_protocols`, as Prometheus 3.x builds it (descending `q`, escaping on the
 * 1.0.0 formats, `*∕*` last). `PrometheusProto` is left out: Vigil does not read the protobuf format.
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[], escaping: string): string {
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1;
  const parts: string[] = [];
  for (const p of protocols) {
    if (p !== 'PrometheusProto') {
      let v = SCRAPE_PROTOCOL_HEADERS[p];
      if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += ';escaping=' + escaping;
      parts.push(`${v};q=0.${weight}`);
    }
    weight--;
  }
  parts.push(`*/*;q=0.${weight}`);
  return parts.join(',');
}

/** What a target sent, uncompressed. `text` is valid until the next scrape of the same scraper. */
export interface ScrapeBody {
  readonly text: string;
  readonly contentType: string;
  readonly bytes: number;
}

/** Prometheus 3.x's choice of parser: from `Content-Type`, else `fallback_scrape_protocol`, else an error. */
export function chooseMediaType(contentType: string, fallback: ScrapeProtocol | ''): { contentType: string } | { error: string } {
  const fb = fallback === '' ? '' : SCRAPE_PROTOCOL_HEADERS[fallback];
  if (contentType === '') {
    if (fb === '') return { error: 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target' };
    return { contentType: fb };
  }
  const media = mediaTypeOf(contentType);
  if (media === undefined) {
    if (fb === '') return { error: `cannot parse Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol for target` };
    return { contentType: fb };
  }
  if (media === 'application/openmetrics-text' || media === 'text/plain') return { contentType };
  if (media === 'application/vnd.google.protobuf') return { error: 'the protobuf exposition format is not supported by Vigil' };
  if (fb === '') return { error: `received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target` };
  return { contentType: fb };
}

export class TargetScraper {
  readonly url: string;
  private readonly client: HTTPClient;
  private readonly headers: Record<string, string>;
  private readonly limit: number;
  private buf: Buffer;

  constructor(url: string, cfg: ScrapeConfig, timeoutMs: number, client: HTTPClient, defaultBodySizeLimit = DEFAULT_BODY_SIZE_LIMIT) {
    this.url = url;
    this.client = client;
    this.limit = cfg.bodySizeLimit > 0 ? cfg.bodySizeLimit : defaultBodySizeLimit;
    this.headers = {
      accept: acceptHeader(cfg.scrapeProtocols, cfg.metricNameEscapingScheme),
      'accept-encoding': cfg.enableCompression ? 'gzip' : 'identity',
      'user-agent': USER_AGENT,
      'x-prometheus-scrape-timeout-seconds': formatFloatFixed(timeoutMs / 1000),
    };
    this.buf = Buffer.allocUnsafe(Math.min(64 * 1024, this.limit + 1));
  }

  /** Bytes held for bodies between scrapes (never more than the body size limit). */
  bufferSize(): number {
    return this.buf.length;
  }

  /** The request headers (for tests and debugging). */
  requestHeaders(): Readonly<Record<string, string>> {
    return this.headers;
  }

  /** GETs the target and reads the whole body; rejects with Prometheus's error texts. */
  async scrape(signal: AbortSignal): Promise<ScrapeBody> {
    const res = await this.client.get(this.url, this.headers, signal);
    if (res.statusCode !== 200) {
      res.resume();
      throw new ScrapeError(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd());
    }
    const gzip = (res.headers['content-encoding'] ?? '') === 'gzip';
    const n = await this.readBody(res, gzip, signal);
    return { text: this.buf.toString('utf8', 0, n), contentType: res.headers['content-type'] ?? '', bytes: n };
  }

  private ensure(size: number): void {
    if (size <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < size) cap *= 2;
    cap = Math.min(cap, this.limit + 1);
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next);
    this.buf = next;
  }

  private readBody(res: IncomingMessage, gzip: boolean, signal: AbortSignal): Promise<number> {
    const limit = this.limit;
    return new Promise<number>((resolve, reject) => {
      let n = 0;
      let done = false;
      const gunzip = gzip ? createGunzip({ chunkSize: 64 * 1024 }) : undefined;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        if (err) {
          res.destroy();
          gunzip?.destroy();
          reject(err);
        } else resolve(n);
      };
      const onAbort = () => finish(new ScrapeError('context deadline exceeded'));
      signal.addEventListener('abort', onAbort);
      const take = (chunk: Buffer) => {
        if (done) return;
        const room = limit - n;
        if (chunk.length >= room) {
          // Prometheus reads at most `limit` bytes and fails when it got that many.
          finish(new ScrapeError(BODY_SIZE_LIMIT_ERROR));
          return;
        }
        this.ensure(n + chunk.length);
        chunk.copy(this.buf, n);
        n += chunk.length;
      };
      res.on('error', (e) => finish(signal.aborted ? new ScrapeError('context deadline exceeded') : new ScrapeError(e.message)));
      res.on('aborted', () => finish(new ScrapeError(signal.aborted ? 'context deadline exceeded' : 'unexpected EOF')));
      if (gunzip) {
        gunzip.on('data', take);
        gunzip.on('end', () => finish());
        gunzip.on('error', (e) => finish(new ScrapeError(gzipError(e))));
        res.on('data', (c: Buffer) => {
          if (!done && !gunzip.write(c)) {
            res.pause();
            gunzip.once('drain', () => res.resume());
          }
        });
        res.on('end', () => gunzip.end());
      } else {
        res.on('data', take);
        res.on('end', () => finish());
      }
    });
  }
}

function gzipError(e: Error & { code?: string }): string {
  if (e.code === 'Z_DATA_ERROR' && /header/i.test(e.message)) return 'gzip: invalid header';
  if (e.code === 'Z_BUF_ERROR') return 'unexpected EOF';
  return `gzip: ${e.message}`;
}
