/**
 * `startHttpServer(port)`: a small HTTP server for `/metrics`, the counterpart of Python's
 * `start_http_server`. It negotiates the format from the `Accept` header (OpenMetrics when asked for,
 * as Prometheus asks; the text format 0.0.4 otherwise), compresses with gzip when the scraper accepts it,
 * and streams the exposition as the registry writes it, slice by slice.
 */
import * as http from 'node:http';
import { createGzip } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { acceptsGzip, negotiate, type ExpositionFormat } from '@vigil/exposition';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, globalRegistry, type Registry, type RegistryContentType } from './registry.js';

export interface MetricsServerOptions {
  /**
   * The address to listen on. Default `127.0.0.1`, so that nothing is exposed beyond the machine unless
   * asked; pass `'0.0.0.0'` (Python's default) or `'::'` for a Prometheus on another host.
   */
  host?: string;
  /** The registry to serve (default: the default registry). */
  registry?: Registry<RegistryContentType>;
}

export interface MetricsServer {
  readonly server: http.Server;
  /** The port listened on (the one chosen by the system when 0 was asked). */
  readonly port: number;
  readonly host: string;
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: PROMETHEUS_CONTENT_TYPE,
  openmetrics: OPENMETRICS_CONTENT_TYPE,
};


async function serveMetrics(registry: Registry<RegistryContentType>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const accept = req.headers.accept;
  let format: ExpositionFormat;
  let contentType: string;
  if (accept) {
    ({ format, contentType } = negotiate(accept));
  } else {
    // No preference stated: the registry's own format.
    format = registry.contentType === OPENMETRICS_CONTENT_TYPE ? 'openmetrics' : 'text';
    contentType = CONTENT_TYPES[format];
  }
  const gzip = acceptsGzip(req.headers['accept-encoding'] as string | undefined);
  const headers: http.OutgoingHttpHeaders = { 'Content-Type': contentType, Vary: 'Accept, Accept-Encoding' };
  if (gzip) headers['Content-Encoding'] = 'gzip';
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end();
    return;
  }
  let out: NodeJS.WritableStream = res;
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, headers);
    if (gzip) {
      const z = createGzip();
      z.pipe(res);
      out = z;
    }
  };
  try {
    await registry.writeTo(format, (chunk) => {
      if (chunk === '') return;
      start();
      out.write(chunk);
    });
  } catch (e) {
    if (!started) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`error collecting metrics: ${(e as Error).message}\n`);
    } else {
      res.destroy(e as Error);
    }
    return;
  }
  start();
  out.end();
}

/** Starts serving `/metrics` (and `/`) on `port`; resolves once listening. */
export function startHttpServer(port: number, options: MetricsServerOptions = {}): Promise<MetricsServer> {
  const registry = options.registry ?? globalRegistry;
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    serveMetrics(registry, req, res).catch((e: Error) => res.destroy(e));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({
        server,
        port: addr.port,
        host: addr.address,
        url: `http://${shown}:${addr.port}/metrics`,
        close: () =>
          new Promise<void>((res, rej) => {
            server.close((err) => (err ? rej(err) : res()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
