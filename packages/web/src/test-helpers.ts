/**
 * Test helpers: a Vigil API server in this process over a data directory, Debian's Prometheus started
 * on the same blocks, blocks made from generated OpenMetrics by promtool, and a small HTTP client.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '@vigil/promql';
import { configToYAML, loadConfig, type Config } from '@vigil/scrape';
import { openDB, type DB } from '@vigil/tsdb';
import { requireProgram, runProgram, startPrometheus as startPrometheusPeer, type PrometheusPeer } from '@vigil/testkit';
import { Api } from './api.js';
import type { ApiOptions, ApiStorage } from './api-types.js';
import { compileCORSOrigin } from './http.js';
import { WebServer, normalizePrefix } from './web.js';
import { writeOpenMetrics, type DatasetOptions } from './testdata.js';

export type { PrometheusPeer };

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

export interface TestServer {
  readonly url: string;
  readonly db: DB;
  readonly api: Api;
  readonly web: WebServer;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  readonly configYAML?: string;
  readonly apiOptions?: Partial<ApiOptions>;
  readonly engine?: Engine;
  readonly routePrefix?: string;
  readonly enableLifecycle?: boolean;
  readonly onReload?: () => Promise<void>;
  readonly onQuit?: () => void;
  readonly now?: () => number;
  readonly ready?: boolean;
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
}

export interface ApiServer {
  readonly url: string;
  readonly api: Api;
  readonly web: WebServer;
  close(): Promise<void>;
}

/** A Vigil API server over any storage, in this process, on a free port. */
export async function startApiServer(storage: ApiStorage, options: ApiServerOptions = {}): Promise<ApiServer> {
  const engine = options.engine ?? new Engine();
  const config: Config = loadConfig(options.configYAML ?? '', 'test.yml');
  const api = new Api({
    engine,
    storage: () => storage,
    config: () => config,
    configYAML: () => configToYAML(config),
    flags: { 'storage.tsdb.path': 'data/' },
    buildInfo: { version: '0.0.0-test', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: 'node' },
    runtimeInfo: () => ({ startTime: 1, reloadConfigSuccess: true, lastConfigTime: 1, corruptionCount: 0, storageRetention: '15d' }),
    dataDir: 'data/',
    enableAdmin: false,
    globalURLOptions: { listenAddress: '127.0.0.1:0', hostname: 'localhost' },
    maxConcurrency: 20,
    lookbackDelta: 5 * 60 * 1000,
    now: options.now,
    ...options.apiOptions,
  });
  const web = new WebServer({
    listenAddress: '127.0.0.1:0',
    routePrefix: options.routePrefix ?? '/',
    api,
    corsOrigin: compileCORSOrigin('.*'),
    enableLifecycle: options.enableLifecycle ?? false,
    onReload: options.onReload,
    onQuit: options.onQuit,
    metrics: options.metrics,
    federation: { storage: () => storage, externalLabels: () => config.global.externalLabels, lookbackDelta: 5 * 60 * 1000, now: options.now },
  });
  const { port } = await web.listen();
  if (options.ready !== false) web.setReady(true);
  return {
    url: `http://127.0.0.1:${port}${normalizePrefix(options.routePrefix ?? '/') === '/' ? '' : normalizePrefix(options.routePrefix ?? '/')}`,
    api,
    web,
    close: () => web.close(1000),
  };
}

/** A Vigil API server over the TSDB in `dataDir`, in this process, on a free port. */
export async function startTestServer(dataDir: string, options: ApiServerOptions = {}): Promise<TestServer> {
  const db = await openDB(dataDir, { logger: QUIET, compactionInterval: 0 });
  const server = await startApiServer(db, { ...options, apiOptions: { dataDir, ...options.apiOptions } });
  return {
    ...server,
    db,
    async close() {
      await server.close();
      await db.close();
    },
  };
}

/** Generates the dataset and turns it into blocks with promtool; returns the block directory. */
export function promtoolBlocks(dir: string, dataset: DatasetOptions): string {
  const promtool = requireProgram('promtool', 'prometheus');
  const file = join(dir, 'data.om');
  writeOpenMetrics(file, dataset);
  const out = join(dir, 'blocks');
  mkdirSync(out, { recursive: true });
  const r = runProgram(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', file, out]);
  if (r.status !== 0) throw new Error(`promtool create-blocks-from failed: ${r.stderr}`);
  return out;
}

/** A copy of a block directory (each server needs its own: lock file, WAL). */
export function copyDir(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

/** Debian's Prometheus on 127.0.0.1 over `dataDir`, with `configYAML` (written beside `dataDir`). */
export function startPrometheus(dataDir: string, configYAML = 'global: {}\n', extraArgs: readonly string[] = []): Promise<PrometheusPeer> {
  return startPrometheusPeer(join(dataDir, '..'), configYAML, {
    dataDir,
    args: ['--storage.tsdb.retention.time=100y', ...extraArgs],
    readyTimeoutMs: 60000,
  });
}

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** GET `url` (or POST `form` as a urlencoded body). */
export async function get(url: string, init: { form?: Record<string, string | string[]>; method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  let body: string | undefined;
  const headers: Record<string, string> = { ...init.headers };
  if (init.form) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(init.form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
    body = p.toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const r = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), body, headers, signal: AbortSignal.timeout(60000) });
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', body: await r.text() };
}

/** A query string from pairs (repeatable keys). */
export function qs(params: Record<string, string | readonly string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of typeof v === 'string' ? [v] : v) p.append(k, x);
  return p.toString();
}
