/**
 * The scrape manager: one scrape pool per job of the loaded configuration. `applyConfig` is a reload:
 * jobs whose scrape config did not change keep running untouched (loops, timers, caches); changed jobs
 * reload in place; removed jobs stop and mark their series stale; new jobs start.
 *
 * Reloading from a file is `loadConfigFile` then `applyConfig`: a file that does not load throws before
 * anything changes, so the running configuration stays (see `reloadConfigFile`).
 */
import type { Appendable } from '@vigil/tsdb';
import { errorMessage } from '@vigil/model';
import type { Config, ScrapeConfig } from './config-types.js';
import { loadConfigFile, type LoadOptions } from './config.js';
import type { DroppedTarget, Target } from './target.js';
import { ScrapePool, stableJSON, type PoolDependencies } from './scrape-pool.js';
import type { MetricMetadata } from './metadata.js';
import { NOP_LOGGER, type Logger } from './log.js';
import { ScrapeStats } from './scrape-stats.js';

export interface ScrapeManagerOptions {
  /** Where samples go (the TSDB head, or anything with `appender()`). */
  readonly appendable: Appendable;
  readonly logger?: Logger;
  /** Body cap when a job sets no `body_size_limit` (default 128 MiB). */
  readonly defaultBodySizeLimit?: number;
  /** Spreads this server's scrapes differently from another's scraping the same targets. */
  readonly offsetSeed?: number;
  /** Wall clock in milliseconds (tests). */
  readonly now?: () => number;
  /** Discovery updates after the first are gathered for this long before targets are recomputed (default 500ms). */
  readonly discoveryUpdateDelayMs?: number;
  readonly discoverers?: PoolDependencies['discoverers'];
  /** Scrape every target at once instead of spreading first scrapes over the interval (tests). */
  readonly skipOffset?: boolean;
}

export class ScrapeManager {
  /** What all loops of this manager refused and how often they scraped (read by the server's `/metrics`). */
  readonly stats = new ScrapeStats();
  private readonly opts: ScrapeManagerOptions;
  private readonly logger: Logger;
  private readonly pools = new Map<string, ScrapePool>();
  /** Pools of removed jobs whose end-of-run staleness markers are still pending. */
  private readonly retired = new Set<ScrapePool>();
  private current: Config | undefined;
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(opts: ScrapeManagerOptions) {
    this.opts = opts;
    this.logger = opts.logger ?? NOP_LOGGER;
  }

  /** The configuration last applied. */
  get config(): Config | undefined {
    return this.current;
  }

  /** Applies a (validated) configuration; resolves once pools have been started, reloaded or stopped. */
  applyConfig(config: Config): Promise<void> {
    this.applying = this.applying.then(() => this.doApply(config));
    return this.applying;
  }

  private async doApply(config: Config): Promise<void> {
    if (this.stopped) throw new Error('scrape manager is stopped');
    const wanted = new Map<string, ScrapeConfig>();
    for (const sc of config.scrapeConfigs) wanted.set(sc.jobName, sc);
    const work: Promise<void>[] = [];
    for (const [name, pool] of this.pools) {
      if (wanted.has(name)) continue;
      this.pools.delete(name);
      this.retired.add(pool);
      work.push(pool.stop({ staleness: true }));
    }
    for (const [name, sc] of wanted) {
      const pool = this.pools.get(name);
      if (!pool) {
        const p = new ScrapePool(sc, this.poolDeps());
        this.pools.set(name, p);
        p.start();
      } else if (stableJSON(pool.config) !== stableJSON(sc)) {
        work.push(pool.reload(sc).catch((e) => this.logger.error('reloading scrape pool failed', { scrape_pool: name, err: errorMessage(e) })));
      }
    }
    await Promise.all(work);
    for (const p of this.retired) if (p.pendingStalenessCount() === 0) this.retired.delete(p);
    this.current = config;
  }

  private poolDeps(): PoolDependencies {
    return {
      appendable: this.opts.appendable,
      logger: this.logger,
      defaultBodySizeLimit: this.opts.defaultBodySizeLimit,
      offsetSeed: this.opts.offsetSeed,
      now: this.opts.now,
      discoveryUpdateDelayMs: this.opts.discoveryUpdateDelayMs,
      discoverers: this.opts.discoverers,
      skipOffset: this.opts.skipOffset,
      stats: this.stats,
    };
  }

  /** Stops every pool without staleness markers (a restart picks up where it left off), as Prometheus does. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.applying.catch(() => undefined);
    const all = [...this.pools.values()];
    this.pools.clear();
    for (const p of this.retired) p.cancelPendingStaleness();
    this.retired.clear();
    await Promise.all(all.map((p) => p.stop({ staleness: false })));
  }

  /** Job names, in configuration order. */
  poolNames(): string[] {
    return [...this.pools.keys()];
  }

  pool(name: string): ScrapePool | undefined {
    return this.pools.get(name);
  }

  /** Active targets by scrape pool (each list sorted by URL). */
  targetsActive(): Map<string, readonly Target[]> {
    const out = new Map<string, readonly Target[]>();
    for (const [name, p] of this.pools) out.set(name, p.activeTargets());
    return out;
  }

  /** Dropped targets by scrape pool (at most `keep_dropped_targets` each). */
  targetsDropped(): Map<string, readonly DroppedTarget[]> {
    const out = new Map<string, readonly DroppedTarget[]>();
    for (const [name, p] of this.pools) out.set(name, p.droppedTargets());
    return out;
  }

  /** `droppedTargetCounts` of `/api/v1/targets`: every dropped target counted, kept or not. */
  droppedTargetCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, p] of this.pools) out[name] = p.droppedTargetCount();
    return out;
  }

  /**
   * `/api/v1/metadata`: per metric, the distinct metadata the targets expose (at most `limitPerMetric`
   * entries each; at most `limit` metrics), optionally for one metric only.
   */
  metadata(options: { metric?: string; limit?: number; limitPerMetric?: number } = {}): Map<string, MetricMetadata[]> {
    const out = new Map<string, MetricMetadata[]>();
    for (const p of this.pools.values()) {
      for (const t of p.activeTargets()) {
        const list = options.metric !== undefined ? [t.getMetadata(options.metric)].filter((m): m is MetricMetadata => m !== undefined) : t.metadata();
        for (const m of list) {
          let ms = out.get(m.metric);
          if (!ms) {
            if (options.limit !== undefined && options.limit >= 0 && out.size >= options.limit) continue;
            ms = [];
            out.set(m.metric, ms);
          }
          if (options.limitPerMetric !== undefined && options.limitPerMetric >= 0 && ms.length >= options.limitPerMetric) continue;
          if (!ms.some((x) => x.type === m.type && x.help === m.help && x.unit === m.unit)) ms.push(m);
        }
      }
    }
    return out;
  }
}

/**
 * Reloads from a file: on success the manager runs the new configuration; on failure nothing changes and
 * the error (with file, line and field) is returned, as Prometheus's reload keeps the running config.
 */
export async function reloadConfigFile(manager: ScrapeManager, path: string, options: Omit<LoadOptions, 'directory'> = {}): Promise<{ ok: true; config: Config } | { ok: false; error: string }> {
  let config: Config;
  try {
    config = loadConfigFile(path, options);
  } catch (e) {
    return { ok: false, error: errorMessage(e) };
  }
  await manager.applyConfig(config);
  return { ok: true, config };
}
