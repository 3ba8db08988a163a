/**
 * Test helpers: local HTTP targets on 127.0.0.1 (port 0) and scrape loops built from a job's YAML, so that
 * tests drive scrapes with their own timestamps.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from './config.js';
import type { ScrapeConfig } from './config-types.js';
import { Target, populateLabels } from './target.js';
import { HTTPClient } from './http-client.js';
import { ScrapeLoop } from './scrape-loop.js';
import { RecordingStorage } from './recording-storage.js';
import type { Logger } from './log.js';
import type { ScrapeStats } from './scrape-stats.js';

export interface TestServer {
  readonly host: string;
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

export async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const srv = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** A scrape config from the YAML of one job (indented as under `scrape_configs:`), targets left to the caller. */
export function jobConfig(yaml: string, global = ''): ScrapeConfig {
  return loadConfig(`${global}scrape_configs:\n- job_name: test\n${yaml.replace(/^/gm, '  ')}\n`).scrapeConfigs[0];
}

export interface LoopFixture {
  readonly loop: ScrapeLoop;
  readonly target: Target;
  readonly storage: RecordingStorage;
  readonly client: HTTPClient;
  close(): void;
}

/** A loop (not started) for one target at `address`, writing into a fresh recording storage. */
export function loopFor(cfg: ScrapeConfig, address: string, opts: { groupLabels?: Record<string, string>; logger?: Logger; defaultBodySizeLimit?: number; storage?: RecordingStorage; stats?: ScrapeStats } = {}): LoopFixture {
  const r = populateLabels(cfg, { __address__: address }, opts.groupLabels ?? {});
  if (r.kind !== 'active') throw new Error(`target not active: ${r.kind === 'error' ? r.error : 'dropped'}`);
  const target = new Target(cfg.jobName, r.labels, r.discovered, cfg.params);
  const storage = opts.storage ?? new RecordingStorage();
  const client = new HTTPClient(cfg.httpClient);
  const loop = new ScrapeLoop({ target, config: cfg, appendable: storage, client, logger: opts.logger, defaultBodySizeLimit: opts.defaultBodySizeLimit, stats: opts.stats });
  return { loop, target, storage, client, close: () => client.close() };
}

/** A logger that keeps what it is told. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (msg: string, fields?: Readonly<Record<string, unknown>>) => {
    lines.push(`${level} ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`);
  };
  return { lines, debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}
