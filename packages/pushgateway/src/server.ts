/**
 * The gateway: the Pushgateway's HTTP API over a `MetricStore`, as a request handler (`Pushgateway`,
 * to mount in any Node HTTP server) or as a server of its own (`startPushgateway`).
 *
 * Paths (under the route prefix), methods, status codes and bodies are the Pushgateway's:
 *
 *   PUT|POST|DELETE /metrics/job/<job>{/<label>/<value>}   (and /metrics/job@base64/<job>...)
 *   GET  <telemetry path>                                   all groups and the gateway's own metrics
 *   GET  /api/v1/status, /api/v1/metrics                    OPTIONS on /api/v1/* for CORS
 *   PUT  /api/v1/admin/wipe                                 with the admin API enabled
 *   GET  /-/healthy, /-/ready;  PUT|POST /-/quit            (quit with the lifecycle API enabled)
 *   GET  /, /status                                         the web page
 *
 * and Vigil's additions: `GET /api/v1/groups?match[]=<selector>` (groups with their push times) and
 * `DELETE /api/v1/admin/groups?match[]=<selector>` (delete the groups a selector matches).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyError, CORS, approximateRequestSize, isProtobufDelimited, readBody, wantsProtobuf, writeAll } from './http.js';
import { createGzip, gunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { PROTOBUF_CONTENT_TYPE, ProtobufError, decodeMetricFamilies } from '@vigil/exposition';
import { errorMessage } from '@vigil/model';
import { familyFromProto, type ParsedFamily } from './family.js';
import { GroupingError, cleanPath, parseGroupingKey } from './grouping.js';
import { TextParseError, parseText } from './text-parser.js';
import { MetricStore } from './store.js';
import { GatewayMetrics } from './own-metrics.js';
import { InconsistentExpositionError, mergeFamilies, renderProtobuf, renderText } from './render.js';
import { errorJson, groupSummaryJson, metricsApiJson, statusApiJson } from './api.js';
import { renderPage } from './page.js';
import { parseGroupSelector, selectorMatches, type GroupSelector } from './selector.js';
import { Persister, checkWritable, readPersistenceFile, removeStaleTemporaries, restoreInto } from './persistence.js';
import { goDuration } from './go-format.js';

const gunzipAsync = promisify(gunzip);

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, string | number | boolean>) => void;

export interface PushgatewayOptions {
  /** Where the gateway exposes all metrics (`--web.telemetry-path`). Default `/metrics`. */
  readonly telemetryPath?: string;
  /** `--web.external-url`: its path is the default route prefix and the prefix of the page's links. */
  readonly externalUrl?: string;
  /** `--web.route-prefix`. */
  readonly routePrefix?: string;
  readonly enableLifecycle?: boolean;
  readonly enableAdminApi?: boolean;
  /** `--persistence.file`; empty or absent: memory only. */
  readonly persistenceFile?: string;
  /** `--persistence.interval` in ms. Default 5 minutes. */
  readonly persistenceIntervalMs?: number;
  /** False for `--push.disable-consistency-check`. Default true. */
  readonly checkConsistency?: boolean;
  /** `--push.group-ttl` in ms: drop groups not pushed to for this long. 0 (default): never. */
  readonly groupTtlMs?: number;
  /** Largest accepted push body, after decompression. Default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Expose process_* and nodejs_* metrics (off when embedded in a process that exposes its own). Default true. */
  readonly processMetrics?: boolean;
  readonly version?: string;
  /** The flags shown by `/api/v1/status` and the page; derived from the options when absent. */
  readonly flags?: Readonly<Record<string, string>>;
  readonly log?: Logger;
  /** Called after `/-/quit` has been answered (lifecycle API). */
  readonly onQuit?: () => void;
  /** The clock, in ms (fractions allowed). Default `performance.timeOrigin + performance.now()`. */
  readonly now?: () => number;
}

const DEFAULT_MAX_BODY = 64 << 20;
const TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function computeRoutePrefix(prefix: string, externalUrl: string): string {
  if (prefix === '') {
    try {
      prefix = externalUrl === '' ? '' : new URL(externalUrl).pathname;
    } catch {
      prefix = '';
    }
  }
  if (prefix === '/') prefix = '';
  if (prefix !== '') prefix = '/' + prefix.replace(/^\/+|\/+$/g, '');
  return prefix;
}

export class Pushgateway {
  readonly store: MetricStore;
  readonly metrics: GatewayMetrics;
  readonly routePrefix: string;
  readonly externalPathPrefix: string;
  readonly telemetryPath: string;
  readonly startMs: number;
  readonly flags: Readonly<Record<string, string>>;
  readonly buildInfo: Readonly<Record<string, string>>;
  /** `(req, res) => void`, bound: mount it in any HTTP server. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  private readonly options: PushgatewayOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly persister: Persister | undefined;
  private readonly ttlTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: PushgatewayOptions, metrics: GatewayMetrics, store: MetricStore, persister: Persister | undefined) {
    this.options = options;
    this.metrics = metrics;
    this.store = store;
    this.persister = persister;
    this.log = options.log ?? (() => {});
    this.now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.startMs = this.now();
    const external = options.externalUrl ?? '';
    this.routePrefix = computeRoutePrefix(options.routePrefix ?? '', external);
    this.externalPathPrefix = computeRoutePrefix('', external);
    const tp = options.telemetryPath ?? '/metrics';
    this.telemetryPath = tp.startsWith('/') ? tp : '/' + tp;
    this.flags = options.flags ?? {
      'log.format': 'logfmt',
      'log.level': 'info',
      'persistence.file': options.persistenceFile ?? '',
      'persistence.interval': goDuration(options.persistenceIntervalMs ?? 300000),
      'push.disable-consistency-check': String(!(options.checkConsistency ?? true)),
      'push.group-ttl': goDuration(options.groupTtlMs ?? 0),
      'web.enable-admin-api': String(options.enableAdminApi ?? false),
      'web.enable-lifecycle': String(options.enableLifecycle ?? false),
      'web.external-url': external,
      'web.route-prefix': options.routePrefix ?? '',
      'web.telemetry-path': tp,
    };
    this.buildInfo = {
      branch: '',
      buildDate: '',
      buildUser: '',
      goVersion: 'node' + process.versions.node,
      revision: '',
      version: options.version ?? '0.0.0',
    };
    this.handler = (req, res) => this.handle(req, res);
    const ttl = options.groupTtlMs ?? 0;
    if (ttl > 0) {
      this.ttlTimer = setInterval(() => this.expire(), Math.min(10000, Math.max(250, ttl / 4)));
      this.ttlTimer.unref();
    }
  }

  /** Builds the gateway: restores the persistence file (throws a `corruption` VigilError if it is damaged). */
  static async create(options: PushgatewayOptions = {}): Promise<Pushgateway> {
    const metrics = new GatewayMetrics(options.version ?? '0.0.0', options.processMetrics ?? true);
    const store = new MetricStore({ checkConsistency: options.checkConsistency ?? true, ownFamilies: await metrics.familyTypes() });
    metrics.attach(store);
    const log = options.log ?? (() => {});
    let persister: Persister | undefined;
    const file = options.persistenceFile ?? '';
    if (file !== '') {
      const stale = removeStaleTemporaries(file);
      if (stale.length > 0) log('warn', 'removed temporary files of an interrupted persistence write', { files: stale.join(',') });
      const groups = readPersistenceFile(file);
      if (groups !== undefined) {
        const n = restoreInto(store, groups);
        log('info', 'metrics restored from the persistence file', { file, groups: n });
      }
      checkWritable(file);
      persister = new Persister(file, options.persistenceIntervalMs ?? 300000, store, (level, msg, fields) => log(level, msg, fields));
    }
    return new Pushgateway(options, metrics, store, persister);
  }

  /** Drops expired groups (with a TTL configured). */
  expire(): number {
    const ttl = this.options.groupTtlMs ?? 0;
    if (ttl <= 0 || this.store.size === 0) return 0;
    const n = this.store.expire(this.now(), ttl);
    if (n > 0) {
      this.metrics.expirations.inc(n);
      this.log('info', 'groups expired', { groups: n, ttl: goDuration(ttl) });
      this.persister?.changed();
    }
    return n;
  }

  /** Writes the persistence file now (if configured). */
  persist(): Promise<void> {
    return this.persister?.persist() ?? Promise.resolve();
  }

  /** Stops the timers and writes the persistence file a last time. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ttlTimer !== undefined) clearInterval(this.ttlTimer);
    await this.persister?.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((e: unknown) => {
      this.log('error', 'request failed', { path: req.url ?? '', err: errorMessage(e) });
      if (!res.headersSent) this.httpError(res, 500, `internal error: ${errorMessage(e)}`);
      else res.destroy();
    });
  }

  /** A plain-text body written as is. */
  private plain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, body === '' ? headers : { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  }

  /** As Go's `http.Error`: the message and a line feed. */
  private httpError(res: ServerResponse, status: number, msg: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers });
    res.end(msg + '\n');
  }

  private json(res: ServerResponse, status: number, body: string, cors = true): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...(cors ? CORS : {}) });
    res.end(body);
  }

  private count(handler: string, method: string | undefined, code: number): void {
    this.metrics.requests.inc({ code: String(code), handler, method: (method ?? '').toLowerCase() });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = q < 0 ? raw : raw.slice(0, q);
    const query = q < 0 ? '' : raw.slice(q + 1);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      this.httpError(res, 400, '400 Bad Request');
      return;
    }
    const clean = cleanPath(path);
    if (clean !== path) {
      res.writeHead(301, { Location: clean + (q < 0 ? '' : '?' + query) });
      res.end();
      return;
    }
    const method = req.method ?? 'GET';
    const apiPath = this.routePrefix + '/api/v1';
    if (path.startsWith(apiPath + '/')) {
      await this.api(req, res, method, path.slice(apiPath.length), query);
      return;
    }
    const prefix = this.routePrefix;
    if (prefix !== '' && path !== prefix && !path.startsWith(prefix + '/')) {
      this.httpError(res, 404, '404 page not found');
      return;
    }
    const rel = path.slice(prefix.length) || '/';
    for (const [start, b64] of [['/metrics/job/', false], ['/metrics/job@base64/', true]] as const) {
      if (!rel.startsWith(start)) continue;
      const rest = rel.slice(start.length);
      const slash = rest.indexOf('/');
      const job = slash < 0 ? rest : rest.slice(0, slash);
      if (job === '') break;
      const labels = slash < 0 ? '' : rest.slice(slash);
      if (method === 'PUT' || method === 'POST') await this.push(req, res, method, job, b64, labels);
      else if (method === 'DELETE') this.delete(req, res, job, b64, labels);
      else {
        req.resume();
        this.httpError(res, 405, 'Method Not Allowed', { Allow: 'DELETE, POST, PUT' });
      }
      return;
    }
    req.resume();
    if (rel === this.telemetryPath && (method === 'GET' || method === 'HEAD')) {
      await this.scrape(req, res);
      return;
    }
    switch (rel) {
      case '/-/healthy':
      case '/-/ready': {
        const handler = rel === '/-/healthy' ? 'healthy' : 'ready';
        if (method !== 'GET' && method !== 'HEAD') return this.httpError(res, 405, 'Method Not Allowed', { Allow: 'GET' });
        this.plain(res, 200, 'OK');
        this.count(handler, method, 200);
        return;
      }
      case '/-/quit':
        if (method === 'PUT' || method === 'POST') {
          if (!this.options.enableLifecycle) return this.plain(res, 403, 'Lifecycle API is not enabled.');
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('Requesting termination... Goodbye!', () => {
            this.log('warn', 'received termination request via web service, exiting gracefully...');
            this.options.onQuit?.();
          });
          return;
        }
        return this.plain(res, 405, 'Only POST or PUT requests allowed.');
      case '/':
      case '/status':
        if (method !== 'GET' && method !== 'HEAD') return this.httpError(res, 405, 'Method Not Allowed', { Allow: 'GET' });
        this.expire();
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(renderPage(this.store, {
          pathPrefix: this.externalPathPrefix,
          adminApi: this.options.enableAdminApi ?? false,
          startMs: this.startMs,
          buildInfo: this.buildInfo,
          flags: this.flags,
          groupTtlMs: this.options.groupTtlMs ?? 0,
        }));
        this.count('status', method, 200);
        return;
    }
    this.httpError(res, 404, '404 page not found');
  }

  private async push(req: IncomingMessage, res: ServerResponse, method: 'PUT' | 'POST', job: string, jobBase64: boolean, labels: string): Promise<void> {
    const started = performance.now();
    const lower = method.toLowerCase();
    const size = approximateRequestSize(req);
    const finish = (status: number, body: string) => {
      if (status === 413) res.setHeader('Connection', 'close');
      if (status >= 400) this.httpError(res, status, body);
      else this.plain(res, status, body);
      this.count('push', method, status);
      this.metrics.pushSize.observe({ method: lower }, size);
      this.metrics.pushDuration.observe({ method: lower }, (performance.now() - started) / 1000);
    };
    let grouping: string[];
    try {
      grouping = parseGroupingKey(job, jobBase64, labels);
    } catch (e) {
      req.resume();
      if (!(e instanceof GroupingError)) throw e;
      this.log('debug', 'failed to parse URL', { url: labels, err: e.message });
      return finish(400, e.message);
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY);
      if (req.headers['content-encoding'] === 'gzip') body = await this.gunzip(body);
    } catch (e) {
      if (e instanceof BodyError) return finish(e.status, e.message);
      throw e;
    }
    let families: Iterable<ParsedFamily>;
    try {
      if (isProtobufDelimited(req.headers['content-type'])) {
        // Families of the same name overwrite each other, as in the Pushgateway.
        const byName = new Map<string, ParsedFamily>();
        for (const f of decodeMetricFamilies(body)) byName.set(f.name ?? '', familyFromProto(f));
        families = byName.values();
      } else {
        families = parseText(body).values();
      }
    } catch (e) {
      if (!(e instanceof TextParseError) && !(e instanceof ProtobufError)) throw e;
      this.log('debug', 'failed to parse text', { source: req.socket.remoteAddress ?? '', err: e.message });
      return finish(400, e.message);
    }
    const result = this.store.push(grouping, families, method === 'PUT', this.now());
    this.persister?.changed();
    if (!result.ok) {
      this.log('error', 'pushed metrics are invalid or inconsistent with existing metrics', { method, source: req.socket.remoteAddress ?? '', err: result.error });
      return finish(400, `pushed metrics are invalid or inconsistent with existing metrics: ${result.error}`);
    }
    finish(this.store.checkConsistency ? 200 : 202, '');
  }

  private async gunzip(body: Buffer): Promise<Buffer> {
    const limit = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    // Go's gzip reader reads the 10-byte header first, then checks it: the same errors in the same order.
    if (body.length < 10) throw new BodyError(400, 'unexpected EOF');
    if (body[0] !== 0x1f || body[1] !== 0x8b || body[2] !== 8) throw new BodyError(400, 'gzip: invalid header');
    try {
      return await gunzipAsync(body, { maxOutputLength: limit });
    } catch (e) {
      const m = errorMessage(e);
      if (e instanceof RangeError || /larger than|maxOutputLength/i.test(m)) throw new BodyError(413, `gzip: decompressed request body larger than the limit of ${limit} bytes`);
      if (/unexpected end/i.test(m)) throw new BodyError(400, 'unexpected EOF');
      if (/incorrect header|header check/i.test(m)) throw new BodyError(400, 'gzip: invalid header');
      if (/check/i.test(m)) throw new BodyError(400, 'gzip: invalid checksum');
      throw new BodyError(400, `gzip: ${m}`);
    }
  }

  private delete(req: IncomingMessage, res: ServerResponse, job: string, jobBase64: boolean, labels: string): void {
    req.resume();
    let grouping: string[];
    try {
      grouping = parseGroupingKey(job, jobBase64, labels);
    } catch (e) {
      if (!(e instanceof GroupingError)) throw e;
      this.httpError(res, 400, e.message);
      this.count('delete', 'DELETE', 400);
      return;
    }
    if (this.store.delete(grouping)) this.persister?.changed();
    this.plain(res, 202, '');
    this.count('delete', 'DELETE', 202);
  }

  private async scrape(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.metrics.scrapesInFlight.inc();
    try {
      this.expire();
      const merged = mergeFamilies(this.store, await this.metrics.families());
      const protobuf = wantsProtobuf(req.headers.accept);
      let chunks: Uint8Array[];
      try {
        chunks = protobuf ? [renderProtobuf(merged, !this.store.checkConsistency)] : renderText(merged, !this.store.checkConsistency);
      } catch (e) {
        if (!(e instanceof InconsistentExpositionError)) throw e;
        this.log('error', 'error gathering metrics', { err: e.message });
        this.httpError(res, 500, `An error has occurred while serving metrics:\n\n${e.message}`);
        this.metrics.scrapes.inc({ code: '500' });
        return;
      }
      const headers: Record<string, string> = { 'Content-Type': protobuf ? PROTOBUF_CONTENT_TYPE : TEXT_TYPE };
      if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        headers['Content-Encoding'] = 'gzip';
        res.writeHead(200, headers);
        const z = createGzip({ level: 1 });
        const done = pipeline(z, res);
        await writeAll(z, chunks);
        await done;
      } else {
        let total = 0;
        for (const c of chunks) total += c.length;
        headers['Content-Length'] = String(total);
        res.writeHead(200, headers);
        // Chunk by chunk: no copy of the whole exposition.
        await writeAll(res, chunks);
      }
      this.metrics.scrapes.inc({ code: '200' });
    } finally {
      this.metrics.scrapesInFlight.dec();
    }
  }

  private selectors(query: string): GroupSelector[] {
    return new URLSearchParams(query).getAll('match[]').map(parseGroupSelector);
  }

  private async api(req: IncomingMessage, res: ServerResponse, method: string, sub: string, query: string): Promise<void> {
    req.resume();
    if (method === 'OPTIONS') {
      res.writeHead(200, CORS);
      res.end();
      this.count('api/v1/options', method, 200);
      return;
    }
    const route = `${method} ${sub}`;
    switch (route) {
      case 'GET /status':
        this.json(res, 200, statusApiJson(this.buildInfo, this.flags, this.startMs));
        this.count('api/v1/status', method, 200);
        return;
      case 'GET /metrics':
        this.expire();
        this.json(res, 200, metricsApiJson(this.store));
        this.count('api/v1/metrics', method, 200);
        return;
      case 'GET /groups': {
        this.expire();
        let sels: GroupSelector[];
        try {
          sels = this.selectors(query);
        } catch (e) {
          this.json(res, 400, errorJson('bad_data', errorMessage(e)));
          this.count('api/v1/groups', method, 400);
          return;
        }
        const groups = this.store.sortedGroups().filter((g) => sels.length === 0 || sels.some((s) => selectorMatches(s, g.labels)));
        this.json(res, 200, '{"status":"success","data":[' + groups.map(groupSummaryJson).join(',') + ']}');
        this.count('api/v1/groups', method, 200);
        return;
      }
    }
    if (this.options.enableAdminApi) {
      if (route === 'PUT /admin/wipe') {
        const n = this.store.wipe();
        this.persister?.changed();
        this.log('debug', 'metric store wiped', { groups: n });
        res.writeHead(202);
        res.end();
        this.count('wipe', method, 202);
        return;
      }
      if (route === 'DELETE /admin/groups' || route === 'POST /admin/groups/delete') {
        let sels: GroupSelector[];
        try {
          sels = this.selectors(query);
          if (sels.length === 0) throw new Error('no match[] selector given: say which groups to delete, e.g. match[]={job="batch"}');
        } catch (e) {
          this.json(res, 400, errorJson('bad_data', errorMessage(e)));
          this.count('api/v1/admin/groups', method, 400);
          return;
        }
        const deleted = this.store.deleteWhere((g) => sels.some((s) => selectorMatches(s, g.labels)));
        if (deleted.length > 0) this.persister?.changed();
        this.log('info', 'groups deleted by selector', { groups: deleted.length });
        this.json(res, 200, '{"status":"success","data":{"deleted":' + deleted.length + ',"groups":[' + deleted.map(groupSummaryJson).join(',') + ']}}');
        this.count('api/v1/admin/groups', method, 200);
        return;
      }
    }
    this.httpError(res, 404, '404 page not found');
  }
}

