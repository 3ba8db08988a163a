/**
 * The server's own metrics, named as Prometheus names its own with `vigil_` for `prometheus_`:
 * HTTP requests per handler, the query engine, configuration reloads, readiness and build info. The
 * process and Node.js runtime metrics come from `@vigil/client`'s default metrics.
 */
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from '@vigil/client';
import type { Appendable, Appender, DB, Head } from '@vigil/tsdb';
import type { ScrapeStats } from '@vigil/scrape';
import type { ApiMetricsHooks, TargetSource } from './api-types.js';

export interface HttpMetrics {
  /** One request served by `handler` (the route, e.g. `/api/v1/query`). */
  observe(handler: string, code: number, seconds: number, bytes: number): void;
}

export class ServerMetrics implements HttpMetrics, ApiMetricsHooks {
  readonly registry: Registry;
  private readonly requests: Counter<'code' | 'handler'>;
  private readonly duration: Histogram<'handler'>;
  private readonly size: Histogram<'handler'>;
  private readonly queryDuration: Summary<'slice'>;
  private readonly queries: Gauge;
  readonly ready: Gauge;
  readonly configReloadSuccessful: Gauge;
  readonly configReloadSuccessTime: Gauge;
  readonly federationErrors: Counter;

  constructor(options: { version: string; maxConcurrency: number; registry?: Registry; processMetrics?: boolean }) {
    const registers = [(this.registry = options.registry ?? new Registry())];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'vigil_http_requests_total',
      help: 'Counter of HTTP requests.',
      labelNames: ['code', 'handler'],
      registers,
    });
    this.duration = new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'Histogram of latencies for HTTP requests.',
      labelNames: ['handler'],
      buckets: [0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120],
      registers,
    });
    this.size = new Histogram({
      name: 'vigil_http_response_size_bytes',
      help: 'Histogram of response size for HTTP requests.',
      labelNames: ['handler'],
      buckets: [100, 1000, 10000, 100000, 1e6, 1e7, 1e8, 1e9],
      registers,
    });
    this.queryDuration = new Summary({
      name: 'vigil_engine_query_duration_seconds',
      help: 'Query timings',
      labelNames: ['slice'],
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    });
    this.queries = new Gauge({ name: 'vigil_engine_queries', help: 'The current number of queries being executed or waiting.', registers });
    new Gauge({
      name: 'vigil_engine_queries_concurrent_max',
      help: 'The max number of concurrent queries.',
      registers,
    }).set(options.maxConcurrency);
    this.ready = new Gauge({
      name: 'vigil_ready',
      help: 'Whether Vigil startup was fully completed and the server is ready for normal operation.',
      registers,
    });
    this.configReloadSuccessful = new Gauge({
      name: 'vigil_config_last_reload_successful',
      help: 'Whether the last configuration reload attempt was successful.',
      registers,
    });
    this.configReloadSuccessTime = new Gauge({
      name: 'vigil_config_last_reload_success_timestamp_seconds',
      help: 'Timestamp of the last successful configuration reload.',
      registers,
    });
    this.federationErrors = new Counter({
      name: 'vigil_web_federation_errors_total',
      help: 'Total number of errors that occurred while sending federation responses.',
      registers,
    });
    new Gauge({
      name: 'vigil_build_info',
      help: 'A metric with a constant \'1\' value labeled by version, revision, branch, and the runtime version from which vigil was built.',
      labelNames: ['version', 'revision', 'branch', 'goversion', 'tags'],
      registers,
    }).set({ version: options.version, revision: '', branch: '', goversion: 'node' + process.versions.node, tags: '' }, 1);
  }

  observe(handler: string, code: number, seconds: number, bytes: number): void {
    this.requests.inc({ code: String(code), handler });
    this.duration.observe({ handler }, seconds);
    this.size.observe({ handler }, bytes);
  }

  queryDone(seconds: number, queueSeconds: number): void {
    this.queryDuration.observe({ slice: 'inner_eval' }, seconds);
    this.queryDuration.observe({ slice: 'queue_time' }, queueSeconds);
  }

  queriesRunning(n: number): void {
    this.queries.set(n);
  }

  /** Records a configuration (re)load: success, and when it succeeded. */
  configLoaded(ok: boolean, nowMs: number): void {
    this.configReloadSuccessful.set(ok ? 1 : 0);
    if (ok) this.configReloadSuccessTime.set(Math.floor(nowMs / 1000));
  }
}

/** Chunks in the head: the closed ones still in memory and the open one of each series. */
export function headChunkCount(head: Head): number {
  const refs = head.postings.allPostings();
  let n = 0;
  for (let i = 0; i < refs.length; i++) {
    const s = head.getByRef(refs[i]);
    if (s === undefined) continue;
    if (s.closed !== null) n += s.closed.length / CLOSED_STRIDE;
    if (head.state.num[s.slot] > 0 || (s.hist !== null && s.hist.open !== null)) n++;
  }
  return n;
}
const CLOSED_STRIDE = 6;

/** An `Appendable` that counts the samples committed through it (`vigil_tsdb_head_samples_appended_total`). */
export class CountingAppendable implements Appendable {
  appended = 0;
  constructor(private readonly inner: Appendable) {}

  appender(): Appender {
    const a = this.inner.appender();
    let n = 0;
    return {
      append: (ref, labels, t, v) => {
        const r = a.append(ref, labels, t, v);
        n++;
        return r;
      },
      appendHistogram: (ref, labels, t, h) => {
        const r = a.appendHistogram(ref, labels, t, h);
        n++;
        return r;
      },
      appendExemplar: (ref, labels, e) => a.appendExemplar(ref, labels, e),
      commit: async () => {
        await a.commit();
        this.appended += n;
        n = 0;
      },
      rollback: () => {
        n = 0;
        return a.rollback();
      },
    };
  }
}

/** The TSDB's gauges, read when `/metrics` is scraped. */
export function registerTsdbMetrics(
  registry: Registry,
  db: () => DB | undefined,
  options: { retentionDuration: number; retentionSize: number; appended: () => number },
): void {
  const registers = [registry];
  const MAX_INT64 = 9223372036854775807;
  const gauge = (name: string, help: string, value: (d: DB) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const d = db();
        if (d) this.set(value(d));
      },
    });
  gauge('vigil_tsdb_head_series', 'Total number of series in the head block.', (d) => d.head.numSeries);
  gauge('vigil_tsdb_head_chunks', 'Total number of chunks in the head block.', (d) => headChunkCount(d.head));
  gauge('vigil_tsdb_head_min_time', 'Minimum time bound of the head block.', (d) => (Number.isFinite(d.head.minTime) ? d.head.minTime : MAX_INT64));
  gauge('vigil_tsdb_head_max_time', 'Maximum timestamp of the head block.', (d) => (Number.isFinite(d.head.maxTime) ? d.head.maxTime : -MAX_INT64));
  gauge('vigil_tsdb_head_min_time_seconds', 'Minimum time bound of the head block.', (d) => (Number.isFinite(d.head.minTime) ? d.head.minTime / 1000 : MAX_INT64 / 1000));
  gauge('vigil_tsdb_head_max_time_seconds', 'Maximum timestamp of the head block.', (d) => (Number.isFinite(d.head.maxTime) ? d.head.maxTime / 1000 : -MAX_INT64 / 1000));
  gauge('vigil_tsdb_blocks_loaded', 'Number of currently loaded data blocks', (d) => d.blocks.length);
  gauge('vigil_tsdb_storage_blocks_bytes', 'The number of bytes that are currently used for local storage by all blocks.', (d) => d.blocks.reduce((n, b) => n + b.size(), 0));
  gauge('vigil_tsdb_lowest_timestamp', 'Lowest timestamp value stored in the database. The unit is decided by the library consumer.', (d) => lowest(d));
  gauge('vigil_tsdb_lowest_timestamp_seconds', 'Lowest timestamp value stored in the database.', (d) => lowest(d) / 1000);
  gauge('vigil_tsdb_wal_storage_size_bytes', 'Size of the write log directory.', (d) => d.walSize());
  new Gauge({ name: 'vigil_tsdb_retention_limit_bytes', help: 'Max number of bytes to be retained in the tsdb blocks, configured 0 means disabled', registers }).set(options.retentionSize);
  new Gauge({ name: 'vigil_tsdb_retention_limit_seconds', help: 'How long to retain samples in storage.', registers }).set(options.retentionDuration / 1000);
  const counter = (name: string, help: string, value: (d: DB) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const d = db();
        if (!d) return;
        this.reset();
        this.inc(value(d));
      },
    });
  counter('vigil_tsdb_compactions_total', 'Total number of compactions that were executed for the partition.', (d) => d.counters.compactions);
  counter('vigil_tsdb_compactions_failed_total', 'Total number of compactions that failed for the partition.', (d) => d.counters.compactionsFailed);
  counter('vigil_tsdb_reloads_total', 'Number of times the database reloaded block data from disk.', (d) => d.counters.reloads);
  counter('vigil_tsdb_time_retentions_total', 'The number of times that blocks were deleted because the maximum time limit was exceeded.', (d) => d.counters.timeRetentions);
  counter('vigil_tsdb_size_retentions_total', 'The number of times that blocks were deleted because the maximum number of bytes was exceeded.', (d) => d.counters.sizeRetentions);
  counter('vigil_tsdb_head_truncations_total', 'Total number of head truncations attempted.', (d) => d.head.counters.truncations);
  counter('vigil_tsdb_head_series_created_total', 'Total number of series created in the head', (d) => d.head.counters.seriesCreated);
  counter('vigil_tsdb_head_series_removed_total', 'Total number of series removed in the head', (d) => d.head.counters.seriesRemoved);
  new Counter({
    name: 'vigil_tsdb_head_samples_appended_total',
    help: 'Total number of appended samples.',
    labelNames: ['type'],
    registers,
    collect() {
      this.reset();
      this.inc({ type: 'float' }, options.appended());
    },
  });
}

function lowest(d: DB): number {
  let min = Number.isFinite(d.head.minTime) ? d.head.minTime : Infinity;
  for (const b of d.blocks) if (b.meta.minTime < min) min = b.meta.minTime;
  return Number.isFinite(min) ? min : 9223372036854775807;
}

/**
 * Scrape metrics: targets each scrape pool discovered and scrapes; with `stats` (the scrape manager's),
 * what the scrape loops refused and the actual intervals between scrapes.
 */
export function registerScrapeMetrics(registry: Registry, targets: () => TargetSource | undefined, stats?: ScrapeStats): void {
  new Gauge({
    name: 'vigil_sd_discovered_targets',
    help: 'Current number of discovered targets.',
    labelNames: ['config', 'name'],
    registers: [registry],
    collect() {
      this.reset();
      const t = targets();
      if (!t) return;
      const active = t.targetsActive();
      const dropped = t.droppedTargetCounts();
      for (const pool of t.poolNames()) this.set({ config: pool, name: 'scrape' }, (active.get(pool)?.length ?? 0) + (dropped[pool] ?? 0));
    },
  });
  new Gauge({
    name: 'vigil_target_scrape_pools',
    help: 'Current number of scrape pools.',
    registers: [registry],
    collect() {
      this.set(targets()?.poolNames().length ?? 0);
    },
  });
  new Gauge({
    name: 'vigil_target_scrape_pool_targets',
    help: 'Current number of targets in this scrape pool.',
    labelNames: ['scrape_job'],
    registers: [registry],
    collect() {
      this.reset();
      const t = targets();
      if (!t) return;
      const active = t.targetsActive();
      for (const pool of t.poolNames()) this.set({ scrape_job: pool }, active.get(pool)?.length ?? 0);
    },
  });
  if (stats !== undefined) registerScrapeStats(registry, stats);
}

function registerScrapeStats(registry: Registry, stats: ScrapeStats): void {
  const registers = [registry];
  const intervals = new Summary({
    name: 'vigil_target_interval_length_seconds',
    help: 'Actual intervals between scrapes.',
    labelNames: ['interval'],
    percentiles: [0.01, 0.05, 0.5, 0.9, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers,
  });
  stats.observeInterval = (interval, seconds) => intervals.observe({ interval }, seconds);
  const counter = (name: string, help: string, value: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  counter('vigil_target_scrapes_exceeded_sample_limit_total', 'Total number of scrapes that hit the sample limit and were rejected.', () => stats.exceededSampleLimit);
  counter('vigil_target_scrapes_sample_duplicate_timestamp_total', 'Total number of samples rejected due to duplicate timestamps but different values.', () => stats.sampleDuplicateTimestamp);
  counter('vigil_target_scrapes_sample_out_of_bounds_total', 'Total number of samples rejected due to timestamp falling outside of the time bounds.', () => stats.sampleOutOfBounds);
  counter('vigil_target_scrapes_sample_out_of_order_total', 'Total number of samples rejected due to not being out of the expected order.', () => stats.sampleOutOfOrder);
}
