/**
 * `/api/v1`: routes each endpoint to its handler, answers in Prometheus's envelope
 * (`{"status":"success","data":...,"warnings":[...],"infos":[...]}` or
 * `{"status":"error","errorType":...,"error":...}` with the status code of the error type), and aborts
 * work when the client goes away. Handlers never crash the server: anything thrown becomes an error
 * response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VigilError, errorMessage } from '@vigil/model';
import * as q from './api-query.js';
import * as s from './api-series.js';
import * as st from './api-status.js';
import type { ApiHandler, ApiOptions, ApiRequest, ApiResult, ApiStorage } from './api-types.js';
import { errorTypeOf, sendBody, sendJSONError, sendText } from './http.js';
import { goString } from './json.js';
import { readForm } from './params.js';

interface Route {
  readonly methods: readonly string[];
  /** Path segments; `:name` captures one segment. */
  readonly segments: readonly string[];
  readonly handler: ApiHandler;
  /** Answered before the server is ready (the TSDB is still opening). */
  readonly whileNotReady?: boolean;
}

const GET = ['GET'];
const GET_POST = ['GET', 'POST'];
const POST_PUT = ['POST', 'PUT'];

function unavailable(): never {
  throw new VigilError('unavailable', 'TSDB not ready');
}

export class Api {
  private readonly opts: ApiOptions;
  private readonly gate: q.QueryGate;
  private readonly routes: Route[];
  private ready = false;

  constructor(opts: ApiOptions) {
    this.opts = opts;
    this.gate = new q.QueryGate(opts.maxConcurrency);
    const storage = (): ApiStorage => opts.storage() ?? unavailable();
    const qctx = (): q.QueryContext => ({ opts, gate: this.gate, storage: storage() });
    const route = (methods: readonly string[], path: string, handler: ApiHandler, whileNotReady = false): Route => ({
      methods,
      segments: path.split('/').filter((x) => x !== ''),
      handler,
      whileNotReady,
    });
    this.routes = [
      route(GET_POST, '/query', (r) => q.instantQuery(qctx(), r)),
      route(GET_POST, '/query_range', (r) => q.rangeQuery(qctx(), r)),
      route(GET_POST, '/query_exemplars', (r) => q.queryExemplars(qctx(), r)),
      route(GET_POST, '/format_query', (r) => q.formatQuery(opts, r)),
      route(GET_POST, '/parse_query', (r) => q.parseQuery(opts, r)),
      route(GET_POST, '/labels', (r) => s.labelNames(storage(), r)),
      route(GET, '/label/:name/values', (r) => s.labelValues(storage(), r)),
      route(GET_POST, '/series', (r) => s.series(storage(), r)),
      route(GET, '/scrape_pools', () => st.scrapePools(opts)),
      route(GET, '/targets', (r) => st.targets(opts, r)),
      route(GET, '/targets/metadata', (r) => st.targetMetadata(opts, r)),
      route(GET, '/alertmanagers', () => st.alertmanagers()),
      route(GET, '/metadata', (r) => st.metricMetadata(opts, r)),
      route(GET, '/status/config', () => st.statusConfig(opts)),
      route(GET, '/status/runtimeinfo', () => st.runtimeInfo(opts)),
      route(GET, '/status/buildinfo', () => st.buildInfo(opts)),
      route(GET, '/status/flags', () => st.statusFlags(opts)),
      route(GET, '/status/tsdb', (r) => st.statusTSDB(opts, storage(), r)),
      route(GET, '/status/walreplay', () => st.walReplay(opts), true),
      route(GET, '/notifications', () => ({ data: '[]' }), true),
      route(GET, '/alerts', () => st.alerts()),
      route(GET, '/rules', (r) => st.rules(r)),
      route(POST_PUT, '/admin/tsdb/delete_series', (r) => st.deleteSeries(opts, storage(), r)),
      route(POST_PUT, '/admin/tsdb/clean_tombstones', () => st.cleanTombstones(opts, storage())),
      route(POST_PUT, '/admin/tsdb/snapshot', (r) => st.snapshot(opts, storage(), r)),
    ];
  }

  /** Whether the API serves requests (after the TSDB has opened); before that it answers 503. */
  setReady(ready: boolean): void {
    this.ready = ready;
  }

  private match(path: string): { routes: Route[]; params: Record<string, string> } {
    const segs = path.split('/').filter((x) => x !== '');
    const found: Route[] = [];
    let params: Record<string, string> = {};
    for (const r of this.routes) {
      if (r.segments.length !== segs.length) continue;
      const p: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const want = r.segments[i];
        if (want.startsWith(':')) {
          try {
            p[want.slice(1)] = decodeURIComponent(segs[i]);
          } catch {
            p[want.slice(1)] = segs[i];
          }
        } else if (want !== segs[i]) {
          ok = false;
          break;
        }
      }
      if (ok) {
        found.push(r);
        params = p;
      }
    }
    return { routes: found, params };
  }

  /**
   * Serves `path` (relative to `/api/v1`, e.g. `/query`); `rawQuery` is the URL's query string.
   * Returns the route's pattern (`/label/:name/values`), or '' when no route matched.
   */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): Promise<string> {
    const method = req.method ?? 'GET';
    const { routes, params } = this.match(path);
    if (method === 'OPTIONS') {
      req.resume();
      if (!this.ready) sendText(res, 503, 'Service Unavailable');
      else res.writeHead(204).end();
      return '';
    }
    if (routes.length === 0) {
      req.resume();
      sendText(res, 404, '404 page not found\n');
      return '';
    }
    const pattern = '/' + routes[0].segments.join('/');
    const route = routes.find((r) => r.methods.includes(method));
    if (!route) {
      req.resume();
      res.setHeader('Allow', [...new Set(routes.flatMap((r) => r.methods)), 'OPTIONS'].join(', '));
      sendText(res, 405, 'Method Not Allowed\n');
      return pattern;
    }
    if (!this.ready && !route.whileNotReady) {
      req.resume();
      sendText(res, 503, 'Service Unavailable');
      return pattern;
    }
    // The client leaving (the response closing before it was sent) cancels the work.
    const controller = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) controller.abort();
    };
    res.on('close', onClose);
    try {
      const form = await readForm(req, rawQuery);
      const r: ApiRequest = { req, form, params, signal: controller.signal };
      const result = await route.handler(r);
      await this.respond(req, res, result);
    } catch (e) {
      if (res.headersSent || res.destroyed) return pattern;
      const type = errorTypeOf(e);
      if (type === 'internal') this.opts.logger?.error('API request failed', { path, err: errorMessage(e) });
      await sendJSONError(req, res, e);
    } finally {
      res.off('close', onClose);
    }
    return pattern;
  }

  private async respond(req: IncomingMessage, res: ServerResponse, result: ApiResult): Promise<void> {
    if (result.data === null) {
      res.writeHead(204).end();
      return;
    }
    let tail = '';
    if (result.warnings && result.warnings.length > 0) tail += ',"warnings":[' + result.warnings.map(goString).join(',') + ']';
    if (result.infos && result.infos.length > 0) tail += ',"infos":[' + result.infos.map(goString).join(',') + ']';
    tail += '}';
    const head = Buffer.from('{"status":"success","data":');
    const body: Buffer[] = typeof result.data === 'string' ? [head, Buffer.from(result.data), Buffer.from(tail)] : [head, ...result.data, Buffer.from(tail)];
    await sendBody(req, res, 200, 'application/json', body);
  }
}

export type { ApiOptions };
