/**
 * The HTTP client behind scrapes and http_sd: keep-alive connections, TLS from `tls_config`, basic auth,
 * `authorization` (credentials files re-read on every request, as Prometheus does), `http_headers`, and
 * redirects followed up to 10 times when `follow_redirects` is set.
 *
 * Scrapes go through undici's dispatcher (`stream()`): the response is handed over as it arrives, head then
 * body chunks, with no stream objects or events in between. That costs about half of what Node's
 * `http.request` costs per request, and a scrape is one request. `get()` (http_sd) uses `node:http`.
 *
 * Not supported: proxies (the proxy fields are accepted in the config, connections are always direct),
 * OAuth 2.0 (requests fail with a clear error), HTTP/2 (`enable_http2` is accepted; HTTP/1.1 is used).
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { errorMessage } from '@vigil/model';
import type { HTTPClientConfig } from './config-types.js';

export const USER_AGENT = 'Vigil/0.1.0';

/** An error whose message is already in Prometheus's words (`Get "url": ...`). */
export class ScrapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScrapeError';
  }
}

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new ScrapeError(`unable to read ${what} file ${path}: ${errorMessage(e)}`);
  }
}

/** The head of a response: status line and headers. */
export interface ResponseHead {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
}

/** Flow control of a response body, for a receiver that cannot keep up (gzip) or has seen enough. */
export interface ResponseFlow {
  pause(): void;
  resume(): void;
  /** Abandons the response (its connection is closed); the receiver is called no more. */
  abort(): void;
}

/**
 * Receives one response (the last one, when redirects are followed): `onHead`, `onData` for each chunk of
 * the body, then exactly one of `onEnd` and `onError`. An error before the head reaches `onError` too.
 */
export interface ResponseReceiver {
  onHead(head: ResponseHead, flow: ResponseFlow): void;
  /** The chunk is only valid during the call. */
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: ScrapeError): void;
}

/** A request in progress that can be given up (it then fails with `context deadline exceeded`). */
export interface Cancellable {
  cancel(): void;
}

const NOT_STARTED: Cancellable = { cancel: () => {} };

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
/** How long an idle connection is kept when the server sends no `Keep-Alive` hint (Prometheus: 5 minutes). */
const IDLE_CONNECTION_TIMEOUT_MS = 5 * 60 * 1000;

export class HTTPClient {
  private readonly cfg: HTTPClientConfig;
  private readonly maxSockets: number;
  private readonly tls: ConnectionOptions;
  private httpAgent: http.Agent | undefined;
  private httpsAgent: https.Agent | undefined;
  private dispatcher: Agent | undefined;
  private tlsError: string | undefined;
  /** Auth and `http_headers` when none of them comes from a file (so they can be computed once). */
  private fixedAuth: Record<string, string> | undefined;

  constructor(cfg: HTTPClientConfig, maxSockets = 64) {
    this.cfg = cfg;
    this.maxSockets = maxSockets;
    this.tls = {};
    try {
      const t = cfg.tlsConfig;
      const file = (p: string, what: string) => {
        try {
          return readFileSync(p);
        } catch (e) {
          throw new Error(`unable to load specified ${what} ${JSON.stringify(p)}: ${errorMessage(e)}`);
        }
      };
      this.tls = {
        ca: t.caFile ? file(t.caFile, 'CA cert') : t.ca || undefined,
        cert: t.certFile ? file(t.certFile, 'client cert') : t.cert || undefined,
        key: t.keyFile ? file(t.keyFile, 'client key') : t.key || undefined,
        servername: t.serverName || undefined,
        rejectUnauthorized: !t.insecureSkipVerify,
        minVersion: t.minVersion ? TLS_VERSIONS[t.minVersion] : undefined,
        maxVersion: t.maxVersion ? TLS_VERSIONS[t.maxVersion] : undefined,
      };
    } catch (e) {
      this.tlsError = errorMessage(e);
    }
    const b = cfg.basicAuth;
    const a = cfg.authorization;
    const fromFiles = (b !== undefined && (b.usernameFile || b.passwordFile)) || (a !== undefined && a.credentialsFile) ||
      (cfg.httpHeaders !== undefined && Object.values(cfg.httpHeaders).some((h) => h.files.length > 0));
    if (!fromFiles && !cfg.oauth2) this.fixedAuth = this.authHeaders();
  }

  /** Headers every request carries: auth and `http_headers`. Files are read now, so edits take effect at once. */
  private authHeaders(): Record<string, string> {
    if (this.fixedAuth !== undefined) return this.fixedAuth;
    const h: Record<string, string> = {};
    const c = this.cfg;
    if (c.oauth2) throw new ScrapeError('oauth2 authentication is not supported by Vigil');
    if (c.basicAuth) {
      const b = c.basicAuth;
      const user = b.usernameFile ? readSecretFile(b.usernameFile, 'basic auth username') : b.username;
      const pass = b.passwordFile ? readSecretFile(b.passwordFile, 'basic auth password') : b.password;
      h.authorization = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
    } else if (c.authorization) {
      const a = c.authorization;
      const cred = a.credentialsFile ? readSecretFile(a.credentialsFile, 'authorization credentials') : a.credentials;
      h.authorization = `${a.type} ${cred}`;
    }
    if (c.httpHeaders) {
      for (const [name, spec] of Object.entries(c.httpHeaders)) {
        const values = [...spec.values, ...spec.secrets, ...spec.files.map((f) => readSecretFile(f, `header ${name}`))];
        if (values.length > 0) h[name.toLowerCase()] = values.join(', ');
      }
    }
    return h;
  }

  /** `headers` with auth and `http_headers` added (a new object only when there is something to add). */
  private requestHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
    const auth = this.authHeaders();
    for (const _ in auth) return { ...headers, ...auth, 'user-agent': headers['user-agent'] ?? USER_AGENT };
    return headers['user-agent'] === undefined ? { ...headers, 'user-agent': USER_AGENT } : (headers as Record<string, string>);
  }

  /**
   * GETs `url` and hands the response to `receiver` as it arrives (see `ResponseReceiver`). Errors are
   * `ScrapeError`s worded as Prometheus words them: `Get "url": ...` before the head, bare after it.
   * Aborting `signal`, or cancelling the returned request, fails it with `context deadline exceeded`.
   * `parsed` may give `url` already parsed (a scraper requests the same URL again and again).
   */
  stream(url: string, headers: Readonly<Record<string, string>>, signal: AbortSignal | undefined, receiver: ResponseReceiver, parsed?: URL): Cancellable {
    let h: Record<string, string>;
    try {
      h = this.requestHeaders(headers);
    } catch (e) {
      receiver.onError(e instanceof ScrapeError ? e : new ScrapeError(errorMessage(e)));
      return NOT_STARTED;
    }
    const x = new Exchange(this, url, h, signal, receiver);
    x.send(parsed ?? url);
    return x;
  }

  /** The dispatcher for `url`'s scheme, or an error text. */
  dispatcherFor(u: URL): Agent | string {
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`;
    if (u.protocol === 'https:' && this.tlsError !== undefined) return this.tlsError;
    if (this.dispatcher === undefined) {
      this.dispatcher = new Agent({
        connections: this.maxSockets,
        keepAliveTimeout: IDLE_CONNECTION_TIMEOUT_MS,
        keepAliveMaxTimeout: IDLE_CONNECTION_TIMEOUT_MS,
        // The scrape timeout (the caller's signal) bounds every request; undici's own timers would only add wake-ups.
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: this.tls,
      });
    }
    return this.dispatcher;
  }

  get followRedirects(): boolean {
    return this.cfg.followRedirects;
  }

  /**
   * GETs `url`; resolves with the response (status not checked) once headers arrive. Errors are
   * `ScrapeError`s worded as Prometheus words them. The caller must consume or destroy the response.
   */
  async get(url: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<IncomingMessage> {
    let current = url;
    const base = { ...headers, ...this.authHeaders(), 'user-agent': headers['user-agent'] ?? USER_AGENT };
    for (let redirects = 0; ; redirects++) {
      const res = await this.once(current, base, signal, url);
      const loc = res.headers.location;
      if (!this.cfg.followRedirects || loc === undefined || !REDIRECT_CODES.has(res.statusCode ?? 0)) return res;
      res.resume();
      if (redirects >= MAX_REDIRECTS - 1) throw new ScrapeError(`Get ${JSON.stringify(url)}: stopped after 10 redirects`);
      const next = new URL(loc, current);
      if (next.host !== new URL(current).host) delete (base as Record<string, string>).authorization;
      current = next.toString();
    }
  }

  private once(url: string, headers: Record<string, string>, signal: AbortSignal, original: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        reject(new ScrapeError(`Get ${JSON.stringify(url)}: invalid URL`));
        return;
      }
      const isHttps = u.protocol === 'https:';
      if (!isHttps && u.protocol !== 'http:') {
        reject(new ScrapeError(`Get ${JSON.stringify(url)}: unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`));
        return;
      }
      if (isHttps && this.tlsError) {
        reject(new ScrapeError(`Get ${JSON.stringify(url)}: ${this.tlsError}`));
        return;
      }
      if (signal.aborted) {
        reject(new ScrapeError(`Get ${JSON.stringify(original)}: context deadline exceeded`));
        return;
      }
      const agentOptions = { keepAlive: true, maxSockets: this.maxSockets, maxFreeSockets: this.maxSockets, scheduling: 'lifo' as const };
      const agent = isHttps
        ? (this.httpsAgent ??= new https.Agent({ ...agentOptions, ...this.tls }))
        : (this.httpAgent ??= new http.Agent(agentOptions));
      const req = (isHttps ? https : http).request(u, { method: 'GET', headers, agent, signal });
      req.on('response', resolve);
      req.on('error', (e: NodeJS.ErrnoException) => reject(new ScrapeError(`Get ${JSON.stringify(original)}: ${describeError(e, u, signal)}`)));
      req.end();
    });
  }

  close(): void {
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
    this.dispatcher?.destroy().catch(() => {});
    this.httpAgent = this.httpsAgent = this.dispatcher = undefined;
  }
}

/**
 * One request through undici, redirects included: an undici dispatch handler that passes the final
 * response to a `ResponseReceiver` and guarantees it exactly one ending (`onEnd` or `onError`).
 */
class Exchange implements Dispatcher.DispatchHandler, ResponseFlow, Cancellable {
  private readonly client: HTTPClient;
  private readonly original: string;
  private headers: Record<string, string>;
  private readonly signal: AbortSignal | undefined;
  private readonly receiver: ResponseReceiver;
  private controller: Dispatcher.DispatchController | undefined;
  private url: URL | undefined;
  private redirects = 0;
  private redirectTo: string | undefined;
  /** The receiver has the head: errors are no longer prefixed with `Get "url":`. */
  private headDelivered = false;
  private finished = false;
  private readonly onAbort: (() => void) | undefined;

  constructor(client: HTTPClient, original: string, headers: Record<string, string>, signal: AbortSignal | undefined, receiver: ResponseReceiver) {
    this.client = client;
    this.original = original;
    this.headers = headers;
    this.signal = signal;
    this.receiver = receiver;
    if (signal !== undefined) {
      this.onAbort = () => this.cancel();
      if (signal.aborted) this.cancel();
      else signal.addEventListener('abort', this.onAbort);
    }
  }

  cancel(): void {
    this.fail(this.headDelivered ? 'context deadline exceeded' : `Get ${JSON.stringify(this.original)}: context deadline exceeded`);
  }

  send(url: string | URL): void {
    if (this.finished) return;
    let u: URL;
    if (typeof url !== 'string') u = url;
    else {
      try {
        u = new URL(url);
      } catch {
        this.fail(`Get ${JSON.stringify(url)}: invalid URL`);
        return;
      }
    }
    const d = this.client.dispatcherFor(u);
    if (typeof d === 'string') {
      this.fail(`Get ${JSON.stringify(url)}: ${d}`);
      return;
    }
    this.url = u;
    this.controller = undefined;
    this.redirectTo = undefined;
    d.dispatch({ origin: u.origin, path: u.pathname + u.search, method: 'GET', headers: this.headers }, this);
  }

  private fail(message: string): void {
    if (this.finished) return;
    this.finish();
    this.controller?.abort(new ScrapeError(message));
    this.receiver.onError(new ScrapeError(message));
  }

  private finish(): void {
    this.finished = true;
    if (this.onAbort !== undefined) this.signal!.removeEventListener('abort', this.onAbort);
  }

  // ResponseFlow
  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
  }

  abort(): void {
    if (this.finished) return;
    this.finish();
    this.controller?.abort(new ScrapeError('response abandoned'));
  }

  // Dispatcher.DispatchHandler
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.finished) controller.abort(new ScrapeError('request cancelled'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (this.finished) return;
    const loc = headers.location;
    if (this.client.followRedirects && typeof loc === 'string' && REDIRECT_CODES.has(statusCode)) {
      // The redirect's body is read and dropped (the connection stays usable), then the next request goes.
      this.redirectTo = loc;
      return;
    }
    this.headDelivered = true;
    this.receiver.onHead({ statusCode, statusMessage: statusMessage ?? '', headers }, this);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.finished || this.redirectTo !== undefined) return;
    this.receiver.onData(chunk);
  }

  onResponseEnd(): void {
    if (this.finished) return;
    const loc = this.redirectTo;
    if (loc !== undefined) {
      if (++this.redirects >= MAX_REDIRECTS) {
        this.fail(`Get ${JSON.stringify(this.original)}: stopped after 10 redirects`);
        return;
      }
      let next: URL;
      try {
        next = new URL(loc, this.url);
      } catch {
        this.fail(`Get ${JSON.stringify(this.original)}: invalid redirect location ${JSON.stringify(loc)}`);
        return;
      }
      // Credentials stay with the host they were configured for (as Go's client does).
      if (next.host !== this.url!.host && 'authorization' in this.headers) {
        const { authorization: _, ...rest } = this.headers;
        this.headers = rest;
      }
      this.send(next.toString());
      return;
    }
    this.finish();
    this.receiver.onEnd();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.finished) return;
    const e = err as NodeJS.ErrnoException;
    let msg: string;
    if (this.headDelivered) {
      msg = e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET' ? 'unexpected EOF' : e.message;
    } else {
      const why = e.code === 'UND_ERR_SOCKET' ? 'EOF' : describeError(e, this.url!, this.signal);
      msg = `Get ${JSON.stringify(this.original)}: ${why}`;
    }
    this.finish();
    this.receiver.onError(new ScrapeError(msg));
  }
}

/** Node's network errors in the words Go uses, so `lastError` reads as it does in Prometheus. */
export function describeError(e: NodeJS.ErrnoException, u: URL, signal?: AbortSignal): string {
  if (signal?.aborted || e.name === 'AbortError' || e.code === 'ABORT_ERR') return 'context deadline exceeded';
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const addr = `${u.hostname}:${port}`;
  switch (e.code) {
    case 'ECONNREFUSED': return `dial tcp ${addr}: connect: connection refused`;
    case 'ENOTFOUND': return `dial tcp: lookup ${u.hostname}: no such host`;
    case 'EHOSTUNREACH': return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH': return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ECONNRESET': return 'read: connection reset by peer';
    case 'EPIPE': return 'write: broken pipe';
    case 'ETIMEDOUT': return `dial tcp ${addr}: i/o timeout`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED': return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return `tls: failed to verify certificate: x509: ${e.message}`;
    default: return e.message;
  }
}
