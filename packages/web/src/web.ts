/**
 * The HTTP server (node:http): `/api/v1/*`, `/federate`, `/metrics`, `/-/healthy`, `/-/ready`,
 * `/-/reload` and `/-/quit` (with `--web.enable-lifecycle`), `/version`, all under `--web.route-prefix`.
 * Requests are counted per handler; a malformed request gets an error answer, never a crash.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { VigilError, errorMessage } from '@vigil/model';
import type { Api } from './api.js';
import type { ApiLogger } from './api-types.js';
import { federate, federateProtobuf, federationFormat, federationMatchers } from './federate.js';
import { sendBody, sendText, setCORS } from './http.js';
import type { HttpMetrics } from './metrics.js';
import { readForm } from './params.js';
import type { Queryable } from '@vigil/tsdb';

export interface WebServerOptions {
  /** `host:port` (`:port` for every interface). */
  readonly listenAddress: string;
  /** `--web.route-prefix`: `/` or a path such as `/prometheus`. */
  readonly routePrefix: string;
  readonly api: Api;
  /** `Vigil Server` in `... is Healthy.` */
  readonly appName?: string;
  /** `--web.cors.origin`, compiled. */
  readonly corsOrigin: RegExp;
  readonly enableLifecycle: boolean;
  /** `POST /-/reload`: resolves on success, throws the reason on failure. */
  readonly onReload?: () => Promise<void>;
  /** `POST /-/quit`. */
  readonly onQuit?: () => void;
  /** `/metrics`: the exposition text and its content type. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** `/federate`. */
  readonly federation?: {
    readonly storage: () => Queryable | undefined;
    readonly externalLabels: () => Readonly<Record<string, string>>;
    readonly lookbackDelta: number;
    readonly now?: () => number;
    readonly onError?: () => void;
  };
  /** `/version`. */
  readonly versionInfo?: Readonly<Record<string, string>>;
  /** Serves other GET paths (a UI); the default is a small page of links. */
  readonly ui?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
  readonly httpMetrics?: HttpMetrics;
  readonly logger?: ApiLogger;
  /** `--web.max-connections` (0: no limit). */
  readonly maxConnections?: number;
  /** `--web.read-timeout`: time to receive a whole request, ms (0: none). */
  readonly readTimeoutMs?: number;
}

/** `host:port` split; `:9090` means every interface. */
export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const colon = addr.lastIndexOf(':');
  if (colon < 0) throw new VigilError('bad_data', `invalid --web.listen-address ${JSON.stringify(addr)}: missing port`);
  let host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  const port = Number(portText);
  if (portText === '' || !/^\d+$/.test(portText) || port > 65535) {
    throw new VigilError('bad_data', `invalid --web.listen-address ${JSON.stringify(addr)}: bad port ${JSON.stringify(portText)}`);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port };
}

/** Normalises a route prefix: `/`, or `/path` without a trailing slash. */
export function normalizePrefix(prefix: string): string {
  let p = prefix.trim();
  if (p === '' || p === '/') return '/';
  if (!p.startsWith('/')) p = '/' + p;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

const ROOT_PAGE = (prefix: string, name: string) => {
  const p = prefix === '/' ? '' : prefix;
  const link = (path: string) => `<li><a href="${p}${path}">${path}</a></li>`;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Vigil</title></head>
<body>
<h1>${name}</h1>
<ul>
${['/metrics', '/api/v1/targets', '/api/v1/status/config', '/api/v1/status/flags', '/api/v1/status/tsdb', '/api/v1/status/buildinfo', '/-/healthy', '/-/ready'].map(link).join('\n')}
</ul>
<p>Query with <code>${p}/api/v1/query?query=up</code>, or add this server to Grafana as a Prometheus data source.</p>
</body></html>
`;
};

export class WebServer {
  private readonly opts: WebServerOptions;
  private readonly prefix: string;
  private readonly appName: string;
  private server: Server | undefined;
  private ready = false;
  private readonly sockets = new Set<Socket>();
  private quitting = false;

  constructor(opts: WebServerOptions) {
    this.opts = opts;
    this.prefix = normalizePrefix(opts.routePrefix);
    this.appName = opts.appName ?? 'Vigil Server';
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number }> {
    const { host, port } = parseListenAddress(this.opts.listenAddress);
    const readTimeout = this.opts.readTimeoutMs ?? 0;
    const server = createServer(
      {
        requestTimeout: readTimeout,
        headersTimeout: readTimeout > 0 ? Math.min(60_000, readTimeout) : 60_000,
        keepAliveTimeout: 65_000,
        // Go's http.DefaultMaxHeaderBytes: long GET queries fit.
        maxHeaderSize: 1 << 20,
      },
      (req, res) => {
        void this.serve(req, res);
      },
    );
    if (this.opts.maxConnections !== undefined && this.opts.maxConnections > 0) server.maxConnections = this.opts.maxConnections;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const status =
        err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        const a = server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** The bound port (after `listen`). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Ready: the TSDB is open; the API and `/-/ready` answer from now on. */
  setReady(ready: boolean): void {
    this.ready = ready;
    this.opts.api.setReady(ready);
  }

  /** Stops accepting connections; open ones get `graceMs` to finish. */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = performance.now();
    let handler = '';
    let bytes = 0;
    if (this.opts.httpMetrics) {
      // Count the body bytes for vigil_http_response_size_bytes.
      const write = res.write.bind(res) as (...a: unknown[]) => boolean;
      const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
      const count = (chunk: unknown) => {
        if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk);
        else if (chunk instanceof Uint8Array) bytes += chunk.length;
      };
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        count(chunk);
        return write(chunk, ...rest);
      }) as typeof res.write;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (typeof chunk !== 'function') count(chunk);
        return end(chunk, ...rest);
      }) as typeof res.end;
    }
    try {
      const url = req.url ?? '/';
      const qi = url.indexOf('?');
      let path = qi < 0 ? url : url.slice(0, qi);
      const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
      // Absolute-form request targets (`GET http://host/path`).
      if (!path.startsWith('/')) {
        try {
          path = new URL(path).pathname;
        } catch {
          path = '/' + path;
        }
      }
      if (this.prefix !== '/') {
        if (path === '/' && this.prefix !== '/') {
          res.writeHead(302, { Location: this.prefix }).end();
          req.resume();
          return;
        }
        if (path !== this.prefix && !path.startsWith(this.prefix + '/')) {
          req.resume();
          sendText(res, 404, '404 page not found\n');
          return;
        }
        path = path.slice(this.prefix.length) || '/';
      }
      handler = await this.route(req, res, path, rawQuery);
    } catch (e) {
      this.opts.logger?.error('HTTP request failed', { url: req.url, err: errorMessage(e) });
      if (!res.headersSent && !res.destroyed) sendText(res, 500, `internal error: ${errorMessage(e)}\n`);
      else res.destroy();
    } finally {
      if (handler !== '' && this.opts.httpMetrics) {
        const done = () => this.opts.httpMetrics!.observe(handler, res.statusCode, (performance.now() - start) / 1000, bytes);
        if (res.writableFinished || res.destroyed) done();
        else res.once('close', done);
      }
    }
  }

  /** Serves `path` (without the prefix); returns the handler name for the metrics ('' when none matched). */
  private async route(req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): Promise<string> {
    const method = req.method ?? 'GET';
    const p = this.prefix === '/' ? '' : this.prefix;
    if (path.startsWith('/api/v1/') || path === '/api/v1') {
      setCORS(req, res, this.opts.corsOrigin);
      const pattern = await this.opts.api.handle(req, res, path.slice('/api/v1'.length), rawQuery);
      return pattern === '' ? '' : p + '/api/v1' + pattern;
    }
    switch (path) {
      case '/-/healthy':
        req.resume();
        if (method !== 'GET' && method !== 'HEAD') return this.notAllowed(res, 'GET, HEAD');
        if (method === 'HEAD') res.writeHead(200).end();
        else sendText(res, 200, `${this.appName} is Healthy.\n`);
        return p + '/-/healthy';
      case '/-/ready':
        req.resume();
        if (method !== 'GET' && method !== 'HEAD') return this.notAllowed(res, 'GET, HEAD');
        if (!this.ready) sendText(res, 503, 'Service Unavailable');
        else if (method === 'HEAD') res.writeHead(200).end();
        else sendText(res, 200, `${this.appName} is Ready.\n`);
        return p + '/-/ready';
      case '/-/reload':
      case '/-/quit':
        return this.lifecycle(req, res, path, method, p);
      case '/metrics':
        req.resume();
        if (method !== 'GET') return this.notAllowed(res, 'GET');
        if (!this.opts.metrics) {
          sendText(res, 404, '404 page not found\n');
          return '';
        }
        {
          const m = await this.opts.metrics();
          await sendBody(req, res, 200, m.contentType, m.body);
        }
        return p + '/metrics';
      case '/federate':
        if (method !== 'GET') {
          req.resume();
          return this.notAllowed(res, 'GET');
        }
        await this.federate(req, res, rawQuery);
        return p + '/federate';
      case '/version':
        req.resume();
        await sendBody(req, res, 200, 'application/json', JSON.stringify(this.opts.versionInfo ?? {}) + '\n');
        return p + '/version';
    }
    req.resume();
    if ((method === 'GET' || method === 'HEAD') && this.opts.ui?.(req, res, path)) return p + '/';
    if ((method === 'GET' || method === 'HEAD') && (path === '/' || path === '')) {
      await sendBody(req, res, 200, 'text/html; charset=utf-8', ROOT_PAGE(this.prefix, this.appName));
      return p + '/';
    }
    sendText(res, 404, '404 page not found\n');
    return '';
  }

  private notAllowed(res: ServerResponse, allow: string): string {
    res.setHeader('Allow', allow);
    sendText(res, 405, 'Method Not Allowed\n');
    return '';
  }

  private async lifecycle(req: IncomingMessage, res: ServerResponse, path: string, method: string, p: string): Promise<string> {
    req.resume();
    if (method === 'GET') {
      res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Only POST or PUT requests allowed');
      return p + path;
    }
    if (method !== 'POST' && method !== 'PUT') return this.notAllowed(res, 'GET, POST, PUT');
    if (!this.opts.enableLifecycle) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Lifecycle API is not enabled.');
      return p + path;
    }
    if (path === '/-/quit') {
      if (this.quitting) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Termination already in progress.');
      } else {
        this.quitting = true;
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Requesting termination... Goodbye!');
        setImmediate(() => this.opts.onQuit?.());
      }
      return p + path;
    }
    try {
      await this.opts.onReload?.();
      res.writeHead(200).end();
    } catch (e) {
      sendText(res, 500, `failed to reload config: ${errorMessage(e)}\n`);
    }
    return p + path;
  }

  private async federate(req: IncomingMessage, res: ServerResponse, rawQuery: string): Promise<void> {
    const fed = this.opts.federation;
    if (!fed) {
      req.resume();
      sendText(res, 404, '404 page not found\n');
      return;
    }
    if (!this.ready) {
      req.resume();
      sendText(res, 503, 'Service Unavailable');
      return;
    }
    const form = await readForm(req, rawQuery);
    if (form.error !== undefined) {
      sendText(res, 400, `error parsing form values: ${form.error}\n`);
      return;
    }
    let sets;
    try {
      sets = federationMatchers(form);
    } catch (e) {
      sendText(res, 400, errorMessage(e) + '\n');
      return;
    }
    const storage = fed.storage();
    if (!storage) {
      sendText(res, 503, 'TSDB not ready\n');
      return;
    }
    const { format, contentType } = federationFormat(req.headers.accept);
    let body: string | Buffer;
    try {
      const now = fed.now ? fed.now() : Date.now();
      if (format === 'protobuf') {
        const bytes = federateProtobuf(storage, sets, now, fed.lookbackDelta, fed.externalLabels());
        body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } else {
        body = federate(storage, sets, now, fed.lookbackDelta, fed.externalLabels());
      }
    } catch (e) {
      fed.onError?.();
      sendText(res, 500, errorMessage(e) + '\n');
      return;
    }
    await sendBody(req, res, 200, contentType, body);
  }
}
