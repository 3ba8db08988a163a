/**
 * The scrape loop of one target: first scrape at the target's offset within the interval, then one per
 * interval (timestamps aligned to the grid when within 2ms, as Prometheus aligns them); each scrape is
 * fetched, appended and reported (`up`, `scrape_duration_seconds`, ...) in one appender batch. A loop
 * never waits on another target: each runs on its own timers and awaits only its own I/O.
 */
import { STALE_NAN, errorMessage } from '@vigil/model';
import { schemaForBucketFactor } from '@vigil/exposition';
import type { Appendable, Appender } from '@vigil/tsdb';
import type { ScrapeConfig } from './config-types.js';
import type { Target } from './target.js';
import type { HTTPClient } from './http-client.js';
import { BODY_SIZE_LIMIT_ERROR, DEFAULT_BODY_SIZE_LIMIT, TargetScraper, chooseMediaType, type ScrapeBody } from './scraper.js';
import { ScrapeCache, appendReportSample, appendScrape, type AppendSettings, type ReportMetric } from './scrape-append.js';
import { NOP_LOGGER, type Logger } from './log.js';
import { goDurationString, type ScrapeStats } from './scrape-stats.js';

export interface ScrapeLoopOptions {
  readonly target: Target;
  readonly config: ScrapeConfig;
  readonly appendable: Appendable;
  readonly client: HTTPClient;
  readonly logger?: Logger;
  /** Carried over from the loop this one replaces (on reload), so staleness continues across it. */
  readonly cache?: ScrapeCache;
  /** Cap on the body when the config sets no `body_size_limit`. */
  readonly defaultBodySizeLimit?: number;
  /** Mixed into the target offsets, so that several servers scrape the same targets at different times. */
  readonly offsetSeed?: number;
  /** Wall clock in milliseconds (tests replace it). */
  readonly now?: () => number;
  /** First scrape at once instead of at the target's offset (tests). */
  readonly skipOffset?: boolean;
  /** Where refused samples, rejected scrapes and scrape intervals are counted (the manager's). */
  readonly stats?: ScrapeStats;
}

/** What one scrape did, for tests and logs. */
export interface ScrapeOutcome {
  readonly error?: string;
  readonly total: number;
  readonly added: number;
  readonly seriesAdded: number;
  readonly durationSeconds: number;
}

const TIMESTAMP_TOLERANCE_MS = 2;

export class ScrapeLoop {
  readonly target: Target;
  readonly cache: ScrapeCache;
  private readonly cfg: ScrapeConfig;
  private readonly appendable: Appendable;
  private readonly scraper: TargetScraper;
  private readonly settings: AppendSettings;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly offsetSeed: number;
  private readonly skipOffset: boolean;
  private forcedError: string | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private inflight: Promise<ScrapeOutcome> | undefined;
  /** The last `Content-Type` received and the media type chosen for it (targets send the same one each time). */
  private lastContentType: string | undefined;
  private lastMedia: ReturnType<typeof chooseMediaType> = { error: '' };
  /** The time of the last scrape's samples (0 before the first): end-of-run staleness needs it. */
  private lastAppendTime = 0;
  private endOfRunTimer: NodeJS.Timeout | undefined;
  private endOfRunDisabled = false;
  private readonly stats: ScrapeStats | undefined;
  /** The configured interval as Prometheus labels `prometheus_target_interval_length_seconds`. */
  private readonly intervalLabel: string;
  /** `performance.now()` at the start of the previous scrape (0 before the first). */
  private lastScrapeStart = 0;

  constructor(opts: ScrapeLoopOptions) {
    this.target = opts.target;
    this.cfg = opts.config;
    this.appendable = opts.appendable;
    this.logger = opts.logger ?? NOP_LOGGER;
    this.now = opts.now ?? Date.now;
    this.offsetSeed = opts.offsetSeed ?? 0;
    this.skipOffset = opts.skipOffset === true;
    this.stats = opts.stats;
    this.intervalLabel = goDurationString(this.target.interval);
    this.cache = opts.cache ?? new ScrapeCache();
    this.target.metadataStore = this.cache.metadata;
    this.scraper = new TargetScraper(this.target.url, opts.config, this.target.timeout, opts.client, opts.defaultBodySizeLimit ?? DEFAULT_BODY_SIZE_LIMIT);
    const c = opts.config;
    this.settings = {
      targetLabels: this.target.publicLabels(),
      honorLabels: c.honorLabels,
      honorTimestamps: c.honorTimestamps,
      trackTimestampsStaleness: c.trackTimestampsStaleness,
      metricRelabelConfigs: c.metricRelabelConfigs,
      validationScheme: c.metricNameValidationScheme,
      sampleLimit: c.sampleLimit,
      labelLimit: c.labelLimit,
      labelNameLengthLimit: c.labelNameLengthLimit,
      labelValueLengthLimit: c.labelValueLengthLimit,
      scrapeNativeHistograms: c.scrapeNativeHistograms,
      alwaysScrapeClassicHistograms: c.alwaysScrapeClassicHistograms,
      nativeHistogramBucketLimit: c.nativeHistogramBucketLimit,
      nativeHistogramMaxSchema: schemaForBucketFactor(c.nativeHistogramMinBucketFactor),
    };
  }

  /** Bytes this loop keeps for response bodies. */
  bufferSize(): number {
    return this.scraper.bufferSize();
  }

  /** The request headers this loop sends. */
  requestHeaders(): Readonly<Record<string, string>> {
    return this.scraper.requestHeaders();
  }

  /** An error every scrape reports instead of scraping (e.g. the pool's `target_limit exceeded`). */
  setForcedError(err: string | undefined): void {
    this.forcedError = err;
  }

  /** Starts scraping on the interval, first at the target's offset. */
  start(): void {
    if (this.running) return;
    this.running = this.run();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, Math.max(0, ms));
    });
  }

  private async run(): Promise<void> {
    const interval = this.target.interval;
    if (!this.skipOffset) await this.sleep(this.target.offset(interval, this.now(), this.offsetSeed));
    let aligned = this.now();
    let next = aligned;
    while (!this.stopped) {
      let scrapeTime = this.now();
      while (scrapeTime - aligned >= interval) aligned += interval;
      if (scrapeTime - aligned <= Math.min(interval / 100, TIMESTAMP_TOLERANCE_MS)) scrapeTime = aligned;
      try {
        await this.scrapeAndReport(scrapeTime);
      } catch (e) {
        this.logger.error('scrape loop: unexpected error', { target: this.target.url, err: errorMessage(e) });
      }
      if (this.stopped) break;
      const now = this.now();
      next += interval;
      // Ticks missed while a scrape took longer than the interval are dropped, as a Go ticker drops them.
      if (next <= now) next += Math.ceil((now - next + 1) / interval) * interval;
      await this.sleep(next - now);
    }
  }

  /**
   * Scrapes once and appends everything with timestamp `appendTime` (the sample time; the start of the
   * scrape is read from the clock). Public so that tests can drive the loop with their own times.
   */
  scrapeAndReport(appendTime: number): Promise<ScrapeOutcome> {
    const p = this.doScrape(appendTime);
    this.inflight = p;
    return p;
  }

  private async doScrape(appendTime: number): Promise<ScrapeOutcome> {
    const start = this.now();
    const t0 = performance.now();
    if (this.lastScrapeStart > 0) this.stats?.observeInterval(this.intervalLabel, (t0 - this.lastScrapeStart) / 1000);
    this.lastScrapeStart = t0;
    let app: Appender = this.appendable.appender();
    let scrapeError: string | undefined;
    let total = 0;
    let added = 0;
    let seriesAdded = 0;
    let bytes = 0;
    if (this.forcedError !== undefined) {
      scrapeError = this.forcedError;
      appendScrape(app, this.cache, this.settings, '', '', appendTime, start);
    } else {
      let text = '';
      let raw: Uint8Array | undefined;
      let contentType = '';
      const scraper = this.scraper;
      const timer = setTimeout(() => scraper.cancel(), this.target.timeout);
      try {
        let body: ScrapeBody | undefined = await scraper.scrape();
        text = body.text;
        raw = body.raw;
        bytes = body.bytes;
        if (body.contentType !== this.lastContentType) {
          this.lastContentType = body.contentType;
          this.lastMedia = chooseMediaType(body.contentType, this.cfg.fallbackScrapeProtocol);
        }
        body = undefined;
        const media = this.lastMedia;
        if ('error' in media) {
          scrapeError = media.error;
          text = '';
        } else contentType = media.contentType;
      } catch (e) {
        scrapeError = errorMessage(e);
        if (scrapeError === BODY_SIZE_LIMIT_ERROR) bytes = -1;
      } finally {
        clearTimeout(timer);
      }
      if (scrapeError !== undefined) {
        text = '';
        raw = undefined;
      }
      const r = appendScrape(app, this.cache, this.settings, text, contentType, appendTime, this.now(), raw);
      // Nothing refers to the body across the awaits below (a body kept alive there could be promoted).
      text = '';
      raw = undefined;
      total = r.total;
      added = r.added;
      seriesAdded = r.seriesAdded;
      const stats = this.stats;
      if (stats !== undefined) {
        stats.sampleOutOfOrder += r.outOfOrder;
        stats.sampleDuplicateTimestamp += r.duplicates;
        stats.sampleOutOfBounds += r.outOfBounds;
        if (r.sampleLimitExceeded) stats.exceededSampleLimit++;
      }
      if (r.outOfOrder + r.duplicates + r.outOfBounds > 0) {
        this.logger.warn('samples refused by storage', { target: this.target.url, outOfOrder: r.outOfOrder, duplicates: r.duplicates, outOfBounds: r.outOfBounds });
      }
      if (r.error !== undefined) {
        await app.rollback();
        app = this.appendable.appender();
        // A failed append is an empty scrape: staleness markers for what the last one had.
        const stale = appendScrape(app, this.cache, this.settings, '', '', appendTime, this.now());
        if (stale.error !== undefined) this.logger.warn('append of staleness markers failed', { target: this.target.url, err: stale.error });
        if (scrapeError === undefined) scrapeError = r.error;
      }
    }
    const durationSeconds = (performance.now() - t0) / 1000;
    this.target.report(start, durationSeconds, scrapeError);
    try {
      this.report(app, appendTime, durationSeconds, total, added, seriesAdded, bytes, scrapeError);
      await app.commit();
    } catch (e) {
      this.logger.error('scrape commit failed', { target: this.target.url, err: errorMessage(e) });
      await app.rollback().catch(() => {});
      this.cache.clearRefs();
    }
    this.lastAppendTime = appendTime;
    if (scrapeError !== undefined) this.logger.debug('scrape failed', { target: this.target.url, err: scrapeError });
    return { error: scrapeError, total, added, seriesAdded, durationSeconds };
  }

  private report(app: Appender, t: number, duration: number, scraped: number, added: number, seriesAdded: number, bytes: number, err: string | undefined): void {
    const labels = this.target.publicLabels();
    const put = (name: ReportMetric, v: number) => appendReportSample(app, this.cache, labels, name, t, v);
    put('up', err === undefined ? 1 : 0);
    put('scrape_duration_seconds', duration);
    put('scrape_samples_scraped', scraped);
    put('scrape_samples_post_metric_relabeling', added);
    put('scrape_series_added', seriesAdded);
    if (this.cfg.extraScrapeMetrics) {
      put('scrape_timeout_seconds', this.target.timeout / 1000);
      put('scrape_sample_limit', this.cfg.sampleLimit);
      put('scrape_body_size_bytes', err === undefined ? bytes : bytes === -1 ? -1 : 0);
    }
  }

  /**
   * Stops the loop and waits for a scrape in progress. With `abort`, that scrape's request is cancelled
   * (shutdown); without, it completes (reload), as in Prometheus.
   */
  async stop(options: { abort?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    if (options.abort) this.scraper.cancel();
    await this.running;
    await this.inflight?.catch(() => undefined);
  }

  /** Prevents the end-of-run staleness markers (the target lives on in a new loop). */
  disableEndOfRunStaleness(): void {
    this.endOfRunDisabled = true;
    clearTimeout(this.endOfRunTimer);
  }

  /**
   * For a target that went away: after two more intervals (and 10% more) without the target coming
   * back, every series it had, and its synthetic series, get a staleness marker dated at the scrape that
   * would have followed the last one. Resolves when written (or cancelled).
   */
  scheduleEndOfRunStaleness(): Promise<void> {
    if (this.lastAppendTime === 0 || this.endOfRunDisabled) return Promise.resolve();
    const interval = this.target.interval;
    const staleTime = this.lastAppendTime + interval;
    const wait = Math.max(0, staleTime + interval + interval / 10 - this.now());
    return new Promise((resolve) => {
      this.endOfRunTimer = setTimeout(() => {
        this.endOfRunTimer = undefined;
        if (this.endOfRunDisabled) return resolve();
        void this.writeEndOfRunStaleness(staleTime).finally(resolve);
      }, wait);
      this.endOfRunTimer.unref();
    });
  }

  cancelEndOfRunStaleness(): void {
    this.disableEndOfRunStaleness();
  }

  /** Writes the end-of-run staleness markers at `staleTime` now. */
  async writeEndOfRunStaleness(staleTime: number): Promise<void> {
    const app = this.appendable.appender();
    try {
      appendScrape(app, this.cache, this.settings, '', '', staleTime, this.now());
      const labels = this.target.publicLabels();
      for (const name of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const) {
        appendReportSample(app, this.cache, labels, name, staleTime, STALE_NAN);
      }
      if (this.cfg.extraScrapeMetrics) {
        for (const name of ['scrape_timeout_seconds', 'scrape_sample_limit', 'scrape_body_size_bytes'] as const) appendReportSample(app, this.cache, labels, name, staleTime, STALE_NAN);
      }
      await app.commit();
    } catch (e) {
      this.logger.warn('writing end-of-run staleness markers failed', { target: this.target.url, err: errorMessage(e) });
      await app.rollback().catch(() => {});
    }
  }
}
