/**
 * The query endpoints: `/api/v1/query`, `/api/v1/query_range`, `/api/v1/query_exemplars`,
 * `/api/v1/format_query`, `/api/v1/parse_query`.
 */
import { VigilError, errorMessage } from '@vigil/model';
import { ParseError, inspect, prettyExpr, type Expr, type QueryResult, type VectorSelector } from '@vigil/promql';
import type { ApiOptions, ApiRequest, ApiResult, ApiStorage } from './api-types.js';
import { translateAST } from './ast-json.js';
import { JsonWriter, goJSON, goString } from './json.js';
import { durationParam, goQuote, invalidParam, limitParam, optionalTime, parseDurationValue, requireTime, MAX_TIME, MIN_TIME, type Form } from './params.js';
import { exemplarsJSON, truncateValue, writeQueryData, type QueryStatsJSON } from './query-json.js';

/** At most this many points per series in a range query (Prometheus's limit). */
export const MAX_POINTS_PER_SERIES = 11000;

/** Annotations beyond this many (warnings and infos each) are summarised, as Prometheus does. */
const MAX_ANNOTATIONS = 10;

function capAnnotations(list: readonly string[], kind: 'warning' | 'info'): string[] {
  if (list.length <= MAX_ANNOTATIONS) return [...list];
  const out = list.slice(0, MAX_ANNOTATIONS);
  out.push(`${list.length - MAX_ANNOTATIONS} more ${kind} annotations omitted`);
  return out;
}

/** Lets at most `max` queries evaluate at once; the others wait in arrival order. */
export class QueryGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  get active(): number {
    return this.running;
  }

  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.max <= 0 || this.running < this.max) {
      this.running++;
      return () => this.release();
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new VigilError('canceled', 'query was canceled in query queue'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(go);
    });
    this.running++;
    return () => this.release();
  }

  private release(): void {
    this.running--;
    const next = this.waiting.shift();
    if (next) next();
  }
}

export interface QueryContext {
  readonly opts: ApiOptions;
  readonly gate: QueryGate;
  readonly storage: ApiStorage;
}

/** The `stats` parameter: any non-empty value turns statistics on; unknown values get a deprecation warning. */
function statsWarning(s: string): string | undefined {
  if (s === '' || s === 'true' || s === 'all') return undefined;
  return `value ${goQuote(s)} for parameter "stats" is deprecated and will be rejected in the next major release, use "true" or "all"`;
}

function lookbackOption(form: Form): number | undefined {
  const s = form.get('lookback_delta');
  if (s === '') return undefined;
  try {
    return parseDurationValue(s);
  } catch (e) {
    throw new VigilError('bad_data', `error parsing lookback delta duration: ${errorMessage(e)}`);
  }
}

/**
 * Runs a query through the gate with the request's signal and optional `timeout`; maps the engine's
 * errors to the API's (`invalid parameter "query"` for anything wrong with the query itself).
 */
async function runQuery(
  ctx: QueryContext,
  r: ApiRequest,
  timeoutMs: number | undefined,
  exec: (signal: AbortSignal) => Promise<QueryResult>,
): Promise<{ result: QueryResult; queueSeconds: number; evalSeconds: number }> {
  const controller = new AbortController();
  let timedOut = false;
  const onClientGone = () => controller.abort();
  if (r.signal.aborted) controller.abort();
  else r.signal.addEventListener('abort', onClientGone, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, Math.max(0, timeoutMs));
  }
  const t0 = performance.now();
  let release: (() => void) | undefined;
  try {
    release = await ctx.gate.acquire(controller.signal);
    ctx.opts.metrics?.queriesRunning?.(ctx.gate.active);
    const t1 = performance.now();
    let result: QueryResult;
    try {
      result = await exec(controller.signal);
    } finally {
      const t2 = performance.now();
      ctx.opts.metrics?.queryDone?.((t2 - t1) / 1000, (t1 - t0) / 1000);
    }
    return { result, queueSeconds: (t1 - t0) / 1000, evalSeconds: (performance.now() - t1) / 1000 };
  } catch (e) {
    if (e instanceof VigilError && e.code === 'canceled' && timedOut) {
      // A per-request timeout ends the query the way the engine's own timeout does.
      throw new VigilError('timeout', e.message.replace(/^query was canceled in /, 'query timed out in '));
    }
    if (e instanceof ParseError || (e instanceof VigilError && e.code === 'bad_data')) throw invalidParam('query', e.message);
    if (e instanceof VigilError) throw e;
    ctx.opts.logger?.error('query failed unexpectedly', { err: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
    throw new VigilError('internal', errorMessage(e), { cause: e });
  } finally {
    if (release) {
      release();
      ctx.opts.metrics?.queriesRunning?.(ctx.gate.active);
    }
    if (timer) clearTimeout(timer);
    r.signal.removeEventListener('abort', onClientGone);
  }
}

function timeoutParam(form: Form): number | undefined {
  if (form.get('timeout') === '') return undefined;
  const t = durationParam(form, 'timeout');
  // A deadline already passed: the query times out before it starts.
  if (t <= 0) throw new VigilError('timeout', 'query timed out in query queue');
  return t;
}

function respondQuery(result: QueryResult, form: Form, limit: number, stats: QueryStatsJSON | undefined): ApiResult {
  const { value, truncated } = truncateValue(result.value, limit);
  const warnings = capAnnotations(result.warnings, 'warning');
  if (truncated) warnings.push('results truncated due to limit');
  const sw = statsWarning(form.get('stats'));
  if (sw) warnings.push(sw);
  const w = new JsonWriter();
  writeQueryData(w, value, form.get('stats') !== '' ? stats : undefined);
  return { data: w.buffers(), warnings, infos: capAnnotations(result.infos, 'info') };
}

/** Seconds rounded to nanoseconds, as Go's `Duration.Seconds()` gives them. */
const ns = (s: number): number => Math.round(s * 1e9) / 1e9;

function statsOf(result: QueryResult, queueSeconds: number, evalSeconds: number): QueryStatsJSON {
  queueSeconds = ns(queueSeconds);
  evalSeconds = ns(evalSeconds);
  return {
    evalTotalTime: evalSeconds,
    resultSortTime: 0,
    queryPreparationTime: 0,
    innerEvalTime: evalSeconds,
    execQueueTime: queueSeconds,
    execTotalTime: ns(queueSeconds + evalSeconds),
    peakSamples: result.stats.peakSamples,
  };
}

export async function instantQuery(ctx: QueryContext, r: ApiRequest): Promise<ApiResult> {
  const form = r.form;
  const limit = limitParam(form);
  const now = ctx.opts.now ? ctx.opts.now() : Date.now();
  const time = optionalTime(form, 'time', now);
  const timeout = timeoutParam(form);
  const lookbackDelta = lookbackOption(form);
  const query = form.get('query');
  const { result, queueSeconds, evalSeconds } = await runQuery(ctx, r, timeout, (signal) =>
    ctx.opts.engine.instantQuery(ctx.storage, query, time, { signal, lookbackDelta }),
  );
  return respondQuery(result, form, limit, statsOf(result, queueSeconds, evalSeconds));
}

export async function rangeQuery(ctx: QueryContext, r: ApiRequest): Promise<ApiResult> {
  const form = r.form;
  const limit = limitParam(form);
  const start = requireTime(form, 'start');
  const end = requireTime(form, 'end');
  if (end < start) throw invalidParam('end', 'end timestamp must not be before start time');
  const step = durationParam(form, 'step');
  if (!(step > 0)) throw invalidParam('step', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
  if (Math.floor((end - start) / step) > MAX_POINTS_PER_SERIES) {
    throw new VigilError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  }
  const timeout = timeoutParam(form);
  const lookbackDelta = lookbackOption(form);
  const query = form.get('query');
  // The engine works in whole milliseconds.
  const stepMs = Math.max(1, Math.trunc(step));
  const { result, queueSeconds, evalSeconds } = await runQuery(ctx, r, timeout, (signal) =>
    ctx.opts.engine.rangeQuery(ctx.storage, query, start, end, stepMs, { signal, lookbackDelta }),
  );
  return respondQuery(result, form, limit, statsOf(result, queueSeconds, evalSeconds));
}

export function formatQuery(opts: ApiOptions, r: ApiRequest): ApiResult {
  let expr: Expr;
  try {
    expr = opts.engine.parse(r.form.get('query'));
  } catch (e) {
    throw invalidParam('query', errorMessage(e));
  }
  return { data: goString(prettyExpr(expr)) };
}

export function parseQuery(opts: ApiOptions, r: ApiRequest): ApiResult {
  let expr: Expr;
  try {
    expr = opts.engine.parse(r.form.get('query'));
  } catch (e) {
    throw invalidParam('query', errorMessage(e));
  }
  return { data: goJSON(translateAST(expr), true) };
}

/** The selectors of an expression, each as its matchers (Prometheus's `parser.ExtractSelectors`). */
export function extractSelectors(expr: Expr): VectorSelector['matchers'][] {
  const out: VectorSelector['matchers'][] = [];
  inspect(expr, (node) => {
    if (node.kind === 'VectorSelector') out.push(node.matchers);
  });
  return out;
}

export function queryExemplars(ctx: QueryContext, r: ApiRequest): ApiResult {
  const form = r.form;
  const start = optionalTime(form, 'start', MIN_TIME);
  const end = optionalTime(form, 'end', MAX_TIME);
  if (end < start) throw new VigilError('bad_data', 'end timestamp must not be before start timestamp');
  let expr: Expr;
  try {
    expr = ctx.opts.engine.parse(form.get('query'));
  } catch (e) {
    throw new VigilError('bad_data', errorMessage(e));
  }
  const selectors = extractSelectors(expr);
  if (selectors.length === 0) return { data: null };
  const result = ctx.storage.selectExemplars(start, end, selectors);
  return { data: exemplarsJSON(result) };
}
