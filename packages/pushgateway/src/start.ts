/** `startPushgateway`: the gateway on HTTP servers of its own. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Pushgateway, type PushgatewayOptions } from './server.js';

/** A gateway serving on its own HTTP server(s). */
export interface RunningPushgateway {
  readonly gateway: Pushgateway;
  readonly servers: readonly Server[];
  /** `host:port` of the first listen address. */
  readonly address: string;
  readonly port: number;
  /** `http://host:port` of the first listen address (the route prefix not included). */
  readonly url: string;
  /** Stops accepting connections, closes them, writes the persistence file. */
  close(): Promise<void>;
}

export interface StartPushgatewayOptions extends PushgatewayOptions {
  /** `host:port` or `:port` (all interfaces), one or several. Default `:9091`. */
  readonly listenAddress?: string | readonly string[];
}

/** Splits `host:port`, `:port` or `[v6]:port`. */
export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid listen address ${JSON.stringify(addr)}: want host:port or :port`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port: Number(m[3]) };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, addr: string): Promise<{ server: Server; host: string | undefined; port: number }> {
  const { host, port } = parseListenAddress(addr);
  const server = createServer(handler);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  return { server, host, port: typeof a === 'object' && a !== null ? a.port : port };
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

/** Creates the gateway and serves it on its listen address(es). */
export async function startPushgateway(options: StartPushgatewayOptions = {}): Promise<RunningPushgateway> {
  let running: RunningPushgateway | undefined;
  const gateway = await Pushgateway.create({
    ...options,
    onQuit: options.onQuit ?? (() => void running?.close()),
  });
  const addresses = options.listenAddress === undefined ? [':9091'] : typeof options.listenAddress === 'string' ? [options.listenAddress] : [...options.listenAddress];
  if (addresses.length === 0) addresses.push(':9091');
  const servers: Server[] = [];
  let first: { host: string | undefined; port: number } | undefined;
  try {
    for (const addr of addresses) {
      const l = await listen(gateway.handler, addr);
      servers.push(l.server);
      first ??= l;
      (options.log ?? (() => {}))('info', 'Listening on', { address: addr.replace(/:\d+$/, ':' + l.port) });
    }
  } catch (e) {
    await Promise.all(servers.map(closeServer));
    await gateway.close();
    throw e;
  }
  const host = first!.host;
  const shownHost = host === undefined ? '' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  running = {
    gateway,
    servers,
    address: `${shownHost}:${first!.port}`,
    port: first!.port,
    url: `http://${host === undefined || host === '0.0.0.0' ? '127.0.0.1' : shownHost}:${first!.port}`,
    close() {
      closing ??= (async () => {
        await Promise.all(servers.map(closeServer));
        await gateway.close();
      })();
      return closing;
    },
  };
  return running;
}
