/**
 * The exporter's HTTP server (node:http): the metrics at the telemetry path (`collect[]` / `exclude[]`
 * narrow a scrape to some collectors), a landing page everywhere else, as node_exporter serves them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { errorMessage, VigilError } from '@vigil/model';
import { acceptsGzip, negotiate, writeFamilies } from '@vigil/exposition';
import type { NodeExporter } from './exporter.js';
import type { Logger } from './runner.js';

export interface ServerOptions {
  /** `host:port`, `:port` (every interface) or `[v6]:port`; node_exporter's `--web.listen-address`, repeatable. */
  readonly listenAddresses: readonly string[];
  /** `--web.telemetry-path`, default `/metrics`. */
  readonly telemetryPath?: string;
  /** `--web.max-requests`: scrapes served at once; more get 503. 0 means no limit. Default 40. */
  readonly maxRequests?: number;
  readonly log?: Logger;
}

export interface RunningServer {
  /** The addresses actually bound (port 0 resolved). */
  readonly addresses: readonly { host: string; port: number }[];
  close(): Promise<void>;
}

/** Splits a listen address into host and port; the host is undefined for `:port`. */
export function parseListenAddress(addr: string): { host?: string; port: number } {
  const colon = addr.lastIndexOf(':');
  if (colon < 0) throw new VigilError('bad_data', `invalid --web.listen-address ${JSON.stringify(addr)}: missing port`);
  let host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  const port = Number(portText);
  if (portText === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new VigilError('bad_data', `invalid --web.listen-address ${JSON.stringify(addr)}: bad port ${JSON.stringify(portText)}`);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port };
}

function landingPage(telemetryPath: string): string {
  const href = telemetryPath.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<html>
<head><title>Node Exporter</title></head>
<body>
<h1>Node Exporter</h1>
<p>Host metrics under node_exporter's names, served by Vigil.</p>
<p><a href="${href}">Metrics</a></p>
</body>
</html>
`;
}

export async function startNodeExporterServer(exporter: NodeExporter, options: ServerOptions): Promise<RunningServer> {
  const telemetryPath = options.telemetryPath ?? '/metrics';
  const maxRequests = options.maxRequests ?? 40;
  const log = options.log ?? (() => {});
  const metrics = exporter.exporterMetrics;
  let inFlight = 0;

  const send = (res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string | Buffer, encoding?: string) => {
    const headers: Record<string, string | number> = { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) };
    if (encoding) headers['Content-Encoding'] = encoding;
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const serveMetrics = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (maxRequests > 0 && inFlight >= maxRequests) {
      metrics.requestStarted();
      metrics.requestFinished(503);
      send(res, req, 503, 'text/plain; charset=utf-8', `Limit of concurrent requests reached (${maxRequests}), try again later.\n`);
      return;
    }
    let names: readonly string[];
    try {
      names = exporter.select(url.searchParams.getAll('collect[]'), url.searchParams.getAll('exclude[]'));
    } catch (e) {
      log('warn', "Couldn't create filtered metrics handler:", { err: errorMessage(e) });
      send(res, req, 400, 'text/plain; charset=utf-8', `Couldn't create filtered metrics handler: ${errorMessage(e)}`);
      return;
    }
    inFlight++;
    metrics.requestStarted();
    let code = 200;
    try {
      const { families } = await exporter.gather(names);
      const format = negotiate(req.headers.accept);
      let body: string | Buffer;
      try {
        body = writeFamilies(families, format.format);
      } catch (e) {
        metrics.error('encoding');
        throw e;
      }
      const gzip = acceptsGzip(req.headers['accept-encoding']);
      if (gzip) body = gzipSync(body);
      send(res, req, 200, format.contentType, body, gzip ? 'gzip' : undefined);
    } catch (e) {
      code = 500;
      log('error', 'error serving metrics', { err: errorMessage(e) });
      if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', `An error has occurred while serving metrics:\n\n${errorMessage(e)}\n`);
    } finally {
      inFlight--;
      metrics.requestFinished(code);
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(res, req, 400, 'text/plain; charset=utf-8', 'Bad request: malformed URL\n');
      return;
    }
    if (url.pathname === telemetryPath) {
      serveMetrics(req, res, url).catch((e) => {
        log('error', 'error serving metrics', { err: errorMessage(e) });
        if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', 'internal error\n');
      });
      return;
    }
    // node_exporter answers every other path with its landing page.
    send(res, req, 200, 'text/html; charset=utf-8', landingPage(telemetryPath));
  };

  const servers: Server[] = [];
  const addresses: { host: string; port: number }[] = [];
  try {
    for (const addr of options.listenAddresses) {
      const { host, port } = parseListenAddress(addr);
      const server = createServer(handler);
      server.keepAliveTimeout = 5000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      const a = server.address() as AddressInfo;
      addresses.push({ host: a.address, port: a.port });
      log('info', 'Listening on', { address: `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` });
    }
  } catch (e) {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    throw new VigilError('unavailable', `cannot listen on ${options.listenAddresses.join(', ')}: ${errorMessage(e)}`, { cause: e });
  }
  return {
    addresses,
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
