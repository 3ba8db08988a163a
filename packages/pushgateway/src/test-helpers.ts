/**
 * Helpers for the tests: a Vigil gateway in this process, Debian's prometheus-pushgateway as a peer
 * process, requests, and the exposition normalised for comparison (own metrics left out, push times
 * masked).
 */
import { request as httpRequest } from 'node:http';
import { freePort, requireProgram, startProcess, waitForHttp, type RunningProcess } from '@vigil/testkit';
import { startPushgateway, type RunningPushgateway, type StartPushgatewayOptions } from './start.js';

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request; the body as a string or bytes. */
export function send(url: string, method: string, body?: string | Uint8Array, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : body);
  });
}

/** Vigil's gateway on 127.0.0.1 and a free port. */
export async function startVigil(options: StartPushgatewayOptions = {}): Promise<RunningPushgateway> {
  return startPushgateway({ listenAddress: '127.0.0.1:0', ...options });
}

export interface RealGateway {
  readonly url: string;
  readonly proc: RunningProcess;
  stop(): Promise<void>;
}

/** Debian's prometheus-pushgateway on 127.0.0.1, in memory unless flags say otherwise. */
export async function startReal(extraFlags: readonly string[] = []): Promise<RealGateway> {
  const bin = requireProgram('prometheus-pushgateway', 'prometheus-pushgateway');
  const port = await freePort();
  const proc = startProcess(bin, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', ...extraFlags]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url + '/-/ready', 20000, proc);
  return { url, proc, stop: () => proc.stop() };
}

const OWN = /^(go_|process_|nodejs_|pushgateway_|promhttp_)/;

/**
 * The exposition without the gateways' own metric families, push times masked (`<t>` for non-zero), so
 * that two gateways that were sent the same pushes compare equal.
 */
export function normalizeExposition(text: string): string {
  const out: string[] = [];
  let family = '';
  for (const line of text.split('\n')) {
    const m = /^# (?:HELP|TYPE) (\S+)/.exec(line);
    if (m) family = m[1];
    if (line === '' || OWN.test(family)) continue;
    if ((family === 'push_time_seconds' || family === 'push_failure_time_seconds') && !line.startsWith('#')) {
      out.push(line.replace(/ (\S+)$/, (_s, v: string) => (v === '0' ? ' 0' : ' <t>')));
      continue;
    }
    out.push(line);
  }
  return out.join('\n') + '\n';
}

/** `GET /metrics` of a gateway, normalised. */
export async function exposition(url: string): Promise<string> {
  const r = await send(url + '/metrics', 'GET');
  if (r.status !== 200) throw new Error(`GET ${url}/metrics: HTTP ${r.status}: ${r.body}`);
  return normalizeExposition(r.body);
}
