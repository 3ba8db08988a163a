/**
 * One HTTP scrape: GET with Prometheus's headers (`Accept` from `scrape_protocols`, `Accept-Encoding:
 * gzip`, `X-Prometheus-Scrape-Timeout-Seconds`), the body read into a buffer reused between scrapes and cut
 * off at the body size limit (so a gzip bomb or an endless body costs at most the limit in memory). Then the
 * media type is chosen as Prometheus 3.x chooses it.
 *
 * gzip: a compressed body of up to 1 MiB is kept as it arrives and inflated in one synchronous call at the
 * end (output capped: at most 16 MiB of work on the event loop), which costs no thread-pool round trips;
 * a larger one, or one that inflates past that cap, is inflated as it streams on the thread pool.
 */
import { createGunzip, gunzipSync, type Gunzip } from 'node:zlib';
import { isAscii } from 'node:buffer';
import { formatFloatFixed } from '@vigil/model';
import { SCRAPE_PROTOCOL_HEADERS, mediaTypeOf, scrapeAcceptHeader, type NameEscapingScheme } from '@vigil/exposition';
import type { ScrapeConfig, ScrapeProtocol } from './config-types.js';
import { HTTPClient, ScrapeError, USER_AGENT, type Cancellable, type ResponseFlow, type ResponseHead, type ResponseReceiver } from './http-client.js';

/** Used when a scrape config sets no `body_size_limit`: large enough for any sane exposition. */
export const DEFAULT_BODY_SIZE_LIMIT = 128 * 1024 * 1024;

export const BODY_SIZE_LIMIT_ERROR = 'body size limit exceeded';

/** What a target sent, uncompressed. `text` is valid until the next scrape of the same scraper. */
export interface ScrapeBody {
  readonly text: string;
  readonly contentType: string;
  readonly bytes: number;
  /**
   * The body's bytes when it is ASCII (`text` is then their Latin-1 decoding), or when it is in the protobuf
   * format (`text` is then empty); valid until the next scrape.
   */
  readonly raw?: Uint8Array;
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
  if (media === 'application/vnd.google.protobuf') return { contentType };
  if (fb === '') return { error: `received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target` };
  return { contentType: fb };
}

const EMPTY = Buffer.alloc(0);

/** Compressed bodies up to this size are inflated in one synchronous call. */
const SYNC_GZIP_MAX_INPUT = 1 << 20;
/** ... and at most this much output is produced synchronously before falling back to streaming. */
const SYNC_GZIP_MAX_OUTPUT = 16 << 20;

export class TargetScraper {
  readonly url: string;
  /** `url` parsed (undefined when it does not parse: each scrape then fails saying so). */
  private readonly parsedURL: URL | undefined;
  private readonly client: HTTPClient;
  private inflight: Cancellable | undefined;
  private readonly headers: Record<string, string>;
  private readonly limit: number;
  private buf: Buffer;
  /** Compressed bytes of the body being read (gzip, synchronous path). */
  private zbuf: Buffer | undefined;

  constructor(url: string, cfg: ScrapeConfig, timeoutMs: number, client: HTTPClient, defaultBodySizeLimit = DEFAULT_BODY_SIZE_LIMIT) {
    this.url = url;
    this.parsedURL = URL.canParse(url) ? new URL(url) : undefined;
    this.client = client;
    this.limit = cfg.bodySizeLimit > 0 ? cfg.bodySizeLimit : defaultBodySizeLimit;
    this.headers = {
      // The escaping scheme was checked when the configuration was loaded.
      accept: scrapeAcceptHeader(cfg.scrapeProtocols, cfg.metricNameEscapingScheme as NameEscapingScheme),
      'accept-encoding': cfg.enableCompression ? 'gzip' : 'identity',
      'user-agent': USER_AGENT,
      'x-prometheus-scrape-timeout-seconds': formatFloatFixed(timeoutMs / 1000),
    };
    // Allocated at the first body that needs it (a gzip body inflated in one call never does).
    this.buf = EMPTY;
  }

  /** Bytes held for bodies between scrapes (never more than the body size limit, plus 1 MiB for gzip). */
  bufferSize(): number {
    return this.buf.length + (this.zbuf?.length ?? 0);
  }

  /** The request headers (for tests and debugging). */
  requestHeaders(): Readonly<Record<string, string>> {
    return this.headers;
  }

  /**
   * GETs the target and reads the whole body; rejects with Prometheus's error texts. Aborting `signal`, or
   * calling `cancel()`, gives up the request (`context deadline exceeded`).
   */
  scrape(signal?: AbortSignal): Promise<ScrapeBody> {
    return new Promise<ScrapeBody>((resolve, reject) => {
      const done = (e?: Error, b?: ScrapeBody) => {
        this.inflight = undefined;
        if (e !== undefined) reject(e);
        else resolve(b!);
      };
      this.inflight = this.client.stream(this.url, this.headers, signal, new BodyReader(this, done), this.parsedURL);
    });
  }

  /** Gives up the scrape in progress, if any: it fails with `context deadline exceeded`. */
  cancel(): void {
    this.inflight?.cancel();
  }

  /** Makes room for `size` bytes in the body buffer, keeping the first `keep`. */
  ensure(size: number, keep: number): Buffer {
    if (size <= this.buf.length) return this.buf;
    let cap = Math.max(this.buf.length * 2, 64 * 1024);
    while (cap < size) cap *= 2;
    cap = Math.min(cap, this.limit + 1);
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, keep);
    this.buf = next;
    return next;
  }

  /** Makes room for `size` compressed bytes, keeping the first `keep`. */
  ensureCompressed(size: number, keep: number): Buffer {
    const z = this.zbuf;
    if (z !== undefined && size <= z.length) return z;
    let cap = z === undefined ? 16 * 1024 : z.length * 2;
    while (cap < size) cap *= 2;
    const next = Buffer.allocUnsafe(Math.min(cap, SYNC_GZIP_MAX_INPUT));
    z?.copy(next, 0, 0, keep);
    this.zbuf = next;
    return next;
  }

  get bodySizeLimit(): number {
    return this.limit;
  }

  /** The body buffer (its first bytes are the body read so far). */
  get buffer(): Buffer {
    return this.buf;
  }

  get compressed(): Buffer | undefined {
    return this.zbuf;
  }
}

/** Reads one response into its scraper's buffer (see the module comment for gzip). */
class BodyReader implements ResponseReceiver {
  private readonly scraper: TargetScraper;
  private readonly settle: (e?: Error, b?: ScrapeBody) => void;
  private flow: ResponseFlow | undefined;
  private contentType = '';
  private done = false;
  /** Uncompressed bytes in the scraper's buffer. */
  private n = 0;
  private gzip = false;
  /** Compressed bytes held in the scraper's `zbuf` (synchronous gzip path). */
  private zn = 0;
  private gunzip: Gunzip | undefined;

  constructor(scraper: TargetScraper, settle: (e?: Error, b?: ScrapeBody) => void) {
    this.scraper = scraper;
    this.settle = settle;
  }

  /** Fails the scrape; unless `keepReading`, the response is abandoned (its connection closed). */
  private fail(message: string, keepReading = false): void {
    if (this.done) return;
    this.done = true;
    if (!keepReading) this.flow?.abort();
    this.gunzip?.destroy();
    this.settle(new ScrapeError(message));
  }

  /** Resolves with the first `n` bytes of `buf`, decoded. */
  private succeed(buf: Buffer, n: number): void {
    if (this.done) return;
    this.done = true;
    const raw = buf.subarray(0, n);
    // A protobuf body is read as it is (not as text).
    if (mediaTypeOf(this.contentType) === 'application/vnd.google.protobuf') this.settle(undefined, { text: '', contentType: this.contentType, bytes: n, raw });
    else if (isAscii(raw)) this.settle(undefined, { text: buf.toString('latin1', 0, n), contentType: this.contentType, bytes: n, raw });
    else this.settle(undefined, { text: buf.toString('utf8', 0, n), contentType: this.contentType, bytes: n });
  }

  onHead(head: ResponseHead, flow: ResponseFlow): void {
    this.flow = flow;
    if (head.statusCode !== 200) {
      // The body is read and dropped, so the connection can be used again.
      this.fail(`server returned HTTP status ${head.statusCode} ${head.statusMessage}`.trimEnd(), true);
      return;
    }
    this.contentType = head.headers['content-type'] ?? '';
    this.gzip = head.headers['content-encoding'] === 'gzip';
  }

  onData(chunk: Buffer): void {
    if (this.done) return;
    if (!this.gzip) {
      this.take(chunk);
      return;
    }
    if (this.gunzip !== undefined) {
      if (!this.gunzip.write(chunk)) this.flow!.pause();
      return;
    }
    const zn = this.zn + chunk.length;
    if (zn > SYNC_GZIP_MAX_INPUT) {
      this.startGunzip();
      if (!this.gunzip!.write(chunk)) this.flow!.pause();
      return;
    }
    const z = this.scraper.ensureCompressed(zn, this.zn);
    chunk.copy(z, this.zn);
    this.zn = zn;
  }

  onEnd(): void {
    if (this.done) return;
    if (!this.gzip) {
      this.succeed(this.scraper.buffer, this.n);
      return;
    }
    if (this.gunzip !== undefined) {
      this.gunzip.end();
      return;
    }
    const limit = this.scraper.bodySizeLimit;
    let out: Buffer;
    try {
      out = gunzipSync(this.zn === 0 ? Buffer.alloc(0) : this.scraper.compressed!.subarray(0, this.zn), { maxOutputLength: Math.min(limit, SYNC_GZIP_MAX_OUTPUT) });
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code !== 'ERR_BUFFER_TOO_LARGE') this.fail(gzipError(err));
      else if (limit <= SYNC_GZIP_MAX_OUTPUT) this.fail(BODY_SIZE_LIMIT_ERROR);
      else {
        // Larger than is worth inflating in one go: stream it instead.
        this.startGunzip();
        this.gunzip!.end();
      }
      return;
    }
    // Prometheus reads at most `limit` bytes and fails when it got that many.
    if (out.length >= limit) this.fail(BODY_SIZE_LIMIT_ERROR);
    else this.succeed(out, out.length);
  }

  onError(err: ScrapeError): void {
    if (this.done) return;
    this.done = true;
    this.gunzip?.destroy();
    this.settle(err);
  }

  /** Switches to streaming inflation, starting with the compressed bytes held so far. */
  private startGunzip(): void {
    const g = createGunzip({ chunkSize: 64 * 1024 });
    this.gunzip = g;
    g.on('data', (c: Buffer) => this.take(c));
    g.on('drain', () => this.flow?.resume());
    g.on('end', () => this.succeed(this.scraper.buffer, this.n));
    g.on('error', (e) => this.fail(gzipError(e)));
    if (this.zn > 0) g.write(Buffer.from(this.scraper.compressed!.subarray(0, this.zn)));
    this.zn = 0;
  }

  /** Appends uncompressed bytes, failing at the body size limit. */
  private take(chunk: Buffer): void {
    if (this.done) return;
    const n = this.n + chunk.length;
    // Prometheus reads at most `limit` bytes and fails when it got that many.
    if (n >= this.scraper.bodySizeLimit) {
      this.fail(BODY_SIZE_LIMIT_ERROR);
      return;
    }
    chunk.copy(this.scraper.ensure(n, this.n), this.n);
    this.n = n;
  }
}

function gzipError(e: Error & { code?: string }): string {
  if (e.code === 'Z_DATA_ERROR' && /header/i.test(e.message)) return 'gzip: invalid header';
  if (e.code === 'Z_BUF_ERROR') return 'unexpected EOF';
  return `gzip: ${e.message}`;
}
