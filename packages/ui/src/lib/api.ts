/**
 * The one client the UI uses to talk to the server: Prometheus's HTTP API (`/api/v1/...`), typed.
 * Works in the browser and in Node (it only needs `fetch`).
 */

export type Labels = Record<string, string>;
/** `[unixSeconds, "value"]` as the API sends samples. */
export type SamplePair = [number, string];
export interface Histogram {
  count: string;
  sum: string;
  buckets?: [number, string, string, string][];
}
export type HistogramPair = [number, Histogram];

export interface InstantSample {
  metric: Labels;
  value?: SamplePair;
  histogram?: HistogramPair;
}
export interface RangeSeries {
  metric: Labels;
  values?: SamplePair[];
  histograms?: HistogramPair[];
}
export type QueryData =
  | { resultType: 'vector'; result: InstantSample[] }
  | { resultType: 'matrix'; result: RangeSeries[] }
  | { resultType: 'scalar'; result: SamplePair }
  | { resultType: 'string'; result: SamplePair };

/** A result plus the warnings and infos that travel with it. */
export interface WithNotes<T> {
  data: T;
  warnings: string[];
  infos: string[];
}

export interface Target {
  discoveredLabels: Labels;
  labels: Labels;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval: string;
  scrapeTimeout: string;
}
export interface DroppedTarget {
  discoveredLabels: Labels;
  scrapePool?: string;
}
export interface TargetsData {
  activeTargets: Target[];
  droppedTargets: DroppedTarget[];
  droppedTargetCounts?: Record<string, number>;
}
export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}
export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
  [key: string]: string;
}
export type RuntimeInfo = Record<string, string | number | boolean>;
export interface NameCount {
  name: string;
  value: number;
}
export interface TSDBStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: NameCount[] | null;
  labelValueCountByLabelName: NameCount[] | null;
  memoryInBytesByLabelName: NameCount[] | null;
  seriesCountByLabelValuePair: NameCount[] | null;
}

/** An error the API answered with (or a failed request), with Prometheus's `errorType`. */
export class ApiError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  /** Where the server is mounted: '' or '/prefix' (in the browser) or 'http://host:port/prefix'. */
  baseUrl: string;
  fetch?: typeof fetch;
}

/** Requests longer than this go as a POST form instead of a GET query string. */
const MAX_GET_URL = 2000;

export class ApiClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** `GET`/`POST` `/api/v1/<path>` and unwrap the envelope. */
  async call<T>(path: string, params?: URLSearchParams, signal?: AbortSignal): Promise<WithNotes<T>> {
    let url = `${this.base}/api/v1/${path}`;
    const query = params?.toString() ?? '';
    let init: RequestInit = { signal, headers: { Accept: 'application/json' } };
    if (query !== '' && url.length + query.length + 1 > MAX_GET_URL) {
      init = { ...init, method: 'POST', body: query, headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' } };
    } else if (query !== '') {
      url += `?${query}`;
    }
    let res: Response;
    try {
      res = await this.fetchFn(url, init);
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError('network', `cannot reach ${url}: ${(e as Error).message}`, 0);
    }
    const text = await res.text();
    let body: { status?: string; data?: T; errorType?: string; error?: string; warnings?: string[]; infos?: string[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError('bad_response', `${url} answered HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`, res.status);
    }
    if (body.status !== 'success') {
      throw new ApiError(body.errorType ?? 'unknown', body.error ?? `HTTP ${res.status}`, res.status);
    }
    return { data: body.data as T, warnings: body.warnings ?? [], infos: body.infos ?? [] };
  }

  private async data<T>(path: string, params?: URLSearchParams, signal?: AbortSignal): Promise<T> {
    return (await this.call<T>(path, params, signal)).data;
  }

  /** Instant query at `time` (ms; omitted: now). */
  query(expr: string, time?: number, signal?: AbortSignal): Promise<WithNotes<QueryData>> {
    const p = new URLSearchParams({ query: expr });
    if (time !== undefined) p.set('time', String(time / 1000));
    return this.call<QueryData>('query', p, signal);
  }

  /** Range query over [start, end] (ms) every `stepSeconds`. */
  queryRange(expr: string, start: number, end: number, stepSeconds: number, signal?: AbortSignal): Promise<WithNotes<QueryData>> {
    const p = new URLSearchParams({ query: expr, start: String(start / 1000), end: String(end / 1000), step: String(stepSeconds) });
    return this.call<QueryData>('query_range', p, signal);
  }

  series(matchers: readonly string[], start?: number, end?: number, signal?: AbortSignal): Promise<Labels[]> {
    const p = new URLSearchParams();
    for (const m of matchers) p.append('match[]', m);
    if (start !== undefined) p.set('start', String(start / 1000));
    if (end !== undefined) p.set('end', String(end / 1000));
    return this.data<Labels[]>('series', p, signal);
  }

  labelNames(matchers: readonly string[] = [], signal?: AbortSignal): Promise<string[]> {
    const p = new URLSearchParams();
    for (const m of matchers) p.append('match[]', m);
    return this.data<string[]>('labels', p, signal);
  }

  labelValues(name: string, matchers: readonly string[] = [], signal?: AbortSignal): Promise<string[]> {
    const p = new URLSearchParams();
    for (const m of matchers) p.append('match[]', m);
    return this.data<string[]>(`label/${encodeURIComponent(name)}/values`, p, signal);
  }

  metadata(metric?: string, signal?: AbortSignal): Promise<Record<string, MetricMetadata[]>> {
    const p = new URLSearchParams();
    if (metric !== undefined) p.set('metric', metric);
    return this.data<Record<string, MetricMetadata[]>>('metadata', p, signal);
  }

  targets(state: 'active' | 'dropped' | 'any' = 'any', signal?: AbortSignal): Promise<TargetsData> {
    return this.data<TargetsData>('targets', new URLSearchParams({ state }), signal);
  }

  config(signal?: AbortSignal): Promise<{ yaml: string }> {
    return this.data<{ yaml: string }>('status/config', undefined, signal);
  }

  flags(signal?: AbortSignal): Promise<Record<string, string>> {
    return this.data<Record<string, string>>('status/flags', undefined, signal);
  }

  runtimeInfo(signal?: AbortSignal): Promise<RuntimeInfo> {
    return this.data<RuntimeInfo>('status/runtimeinfo', undefined, signal);
  }

  buildInfo(signal?: AbortSignal): Promise<BuildInfo> {
    return this.data<BuildInfo>('status/buildinfo', undefined, signal);
  }

  tsdbStatus(limit = 10, signal?: AbortSignal): Promise<TSDBStatus> {
    return this.data<TSDBStatus>('status/tsdb', new URLSearchParams({ limit: String(limit) }), signal);
  }
}

/** Prints a label set as `name{a="b", c="d"}` (values escaped as PromQL strings). */
export function formatSeries(labels: Labels): string {
  const name = labels['__name__'] ?? '';
  const rest = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return rest.length === 0 ? (name === '' ? '{}' : name) : `${name}{${rest.join(', ')}}`;
}
