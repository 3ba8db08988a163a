/**
 * A scrape pool: the targets of one `scrape_configs` entry. It runs the job's discoverers, turns their
 * target groups into targets (relabeling, checks), and keeps one scrape loop per target: loops of targets
 * that stay are left running; removed targets stop and get end-of-run staleness markers.
 */
import type { Appendable } from '@vigil/tsdb';
import type { ScrapeConfig } from './config-types.js';
import { Target, populateLabels, type DroppedTarget, type TargetGroup } from './target.js';
import { FileDiscoverer, HTTPDiscoverer, StaticDiscoverer, type Discoverer } from './discovery.js';
import { HTTPClient } from './http-client.js';
import { ScrapeLoop } from './scrape-loop.js';
import type { ScrapeCache } from './scrape-append.js';
import { NOP_LOGGER, type Logger } from './log.js';
import type { ScrapeStats } from './scrape-stats.js';

export interface PoolDependencies {
  readonly appendable: Appendable;
  readonly logger?: Logger;
  readonly defaultBodySizeLimit?: number;
  readonly offsetSeed?: number;
  readonly now?: () => number;
  /** How long discovery updates are gathered before targets are recomputed (the first is applied at once). */
  readonly discoveryUpdateDelayMs?: number;
  /** Builds discoverers (tests replace it); by default static, file and http discovery. */
  readonly discoverers?: (cfg: ScrapeConfig, logger: Logger) => Discoverer[];
  /** First scrapes at once rather than spread over the interval (tests). */
  readonly skipOffset?: boolean;
  /** Counts shared by the loops (the manager's). */
  readonly stats?: ScrapeStats;
}

/** A JSON text with sorted keys: equal configs give equal texts whatever order their fields were written in. */
export function stableJSON(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x as object).sort()) o[k] = (x as Record<string, unknown>)[k];
      return o;
    }
    return x;
  });
}

export function defaultDiscoverers(cfg: ScrapeConfig, logger: Logger): Discoverer[] {
  const out: Discoverer[] = [];
  if (cfg.staticConfigs.length > 0) out.push(new StaticDiscoverer(cfg.staticConfigs));
  for (const f of cfg.fileSDConfigs) out.push(new FileDiscoverer(f, logger));
  for (const h of cfg.httpSDConfigs) out.push(new HTTPDiscoverer(h, logger));
  return out;
}

function sdKey(cfg: ScrapeConfig): string {
  return stableJSON([cfg.staticConfigs, cfg.fileSDConfigs, cfg.httpSDConfigs]);
}

/** Fields that shape the series a cache holds: when they change, the cache cannot be carried over. */
function cacheKey(cfg: ScrapeConfig): string {
  return stableJSON([cfg.metricRelabelConfigs, cfg.honorLabels, cfg.honorTimestamps, cfg.trackTimestampsStaleness, cfg.metricNameValidationScheme, cfg.labelLimit, cfg.labelNameLengthLimit, cfg.labelValueLengthLimit, cfg.sampleLimit]);
}

export class ScrapePool {
  readonly name: string;
  private cfg: ScrapeConfig;
  private readonly deps: PoolDependencies;
  private readonly logger: Logger;
  private client: HTTPClient;
  private discoverers: Discoverer[] = [];
  /** Current target groups, by discoverer index and source. */
  private groups = new Map<string, TargetGroup>();
  private generation = 0;
  private readonly loops = new Map<number, ScrapeLoop>();
  private active: Target[] = [];
  private dropped: DroppedTarget[] = [];
  private droppedCount = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private synced = false;
  private syncing: Promise<void> = Promise.resolve();
  private readonly pendingStaleness = new Set<ScrapeLoop>();
  private stopped = false;
  private shutdown = false;

  constructor(cfg: ScrapeConfig, deps: PoolDependencies) {
    this.name = cfg.jobName;
    this.cfg = cfg;
    this.deps = deps;
    this.logger = deps.logger ?? NOP_LOGGER;
    this.client = new HTTPClient(cfg.httpClient);
  }

  get config(): ScrapeConfig {
    return this.cfg;
  }

  /** Starts discovery; targets appear as the discoverers report them. */
  start(): void {
    this.startDiscovery();
  }

  private startDiscovery(): void {
    const gen = ++this.generation;
    const make = this.deps.discoverers ?? defaultDiscoverers;
    this.discoverers = make(this.cfg, this.logger);
    this.groups = new Map();
    this.synced = false;
    this.discoverers.forEach((d, i) => {
      d.start((groups) => {
        if (gen !== this.generation || this.stopped) return;
        for (const g of groups) {
          const key = `${i}/${g.source}`;
          if (g.targets.length === 0) this.groups.delete(key);
          else this.groups.set(key, g);
        }
        this.scheduleSync();
      });
    });
    // A job without any discoverer still has a (empty) target list.
    if (this.discoverers.length === 0) this.scheduleSync();
  }

  private scheduleSync(): void {
    if (!this.synced) {
      this.synced = true;
      // The first update is applied at once (after the other discoverers' first reports in this tick).
      queueMicrotask(() => void this.sync());
      return;
    }
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.sync();
    }, this.deps.discoveryUpdateDelayMs ?? 500);
    this.syncTimer.unref();
  }

  /** Recomputes targets from the current groups and starts/stops loops to match. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.doSync(false));
    return this.syncing;
  }

  private async doSync(configChanged: boolean, oldCfg?: ScrapeConfig): Promise<void> {
    if (this.stopped) return;
    const cfg = this.cfg;
    const next = new Map<number, Target>();
    const dropped: DroppedTarget[] = [];
    let droppedCount = 0;
    const keep = cfg.keepDroppedTargets;
    for (const g of this.groups.values()) {
      g.targets.forEach((t, i) => {
        const r = populateLabels(cfg, t, g.labels);
        if (r.kind === 'active') {
          const target = new Target(cfg.jobName, r.labels, r.discovered, cfg.params);
          if (!next.has(target.hash())) next.set(target.hash(), target);
          return;
        }
        if (r.kind === 'error') {
          // Not a dropped target either: Prometheus only logs these.
          this.logger.error('Creating target failed', { scrape_pool: cfg.jobName, err: `instance ${i} in group ${g.source}: ${r.error}` });
          return;
        }
        droppedCount++;
        if (keep === 0 || dropped.length < keep) dropped.push({ scrapePool: cfg.jobName, discoveredLabels: r.discovered });
      });
    }
    const reuseCache = !configChanged || (oldCfg !== undefined && cacheKey(oldCfg) === cacheKey(cfg));
    const stopping: Promise<void>[] = [];
    for (const [hash, loop] of [...this.loops]) {
      const target = next.get(hash);
      if (!target) {
        // The target went away: stop, then mark its series stale unless it comes back.
        this.loops.delete(hash);
        stopping.push(loop.stop().then(() => this.endOfRun(loop)));
      } else if (configChanged) {
        if (reuseCache) loop.disableEndOfRunStaleness();
        this.loops.delete(hash);
        stopping.push(loop.stop().then(() => (reuseCache ? undefined : this.endOfRun(loop))));
        this.startLoop(target, reuseCache ? loop.cache : undefined);
      } else {
        // Same target: keep its loop (and its state); only the discovered labels may have changed.
        loop.target.discoveredLabels = target.discoveredLabels;
        next.set(hash, loop.target);
      }
    }
    for (const [hash, target] of next) if (!this.loops.has(hash)) this.startLoop(target);
    this.active = [...next.values()].map((t) => this.loops.get(t.hash())!.target).sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    this.dropped = dropped;
    this.droppedCount = droppedCount;
    const limitErr = cfg.targetLimit > 0 && this.active.length > cfg.targetLimit
      ? `target_limit exceeded (number of targets: ${this.active.length}, limit: ${cfg.targetLimit})`
      : undefined;
    for (const loop of this.loops.values()) loop.setForcedError(limitErr);
    await Promise.all(stopping);
  }

  private startLoop(target: Target, cache?: ScrapeCache): void {
    const loop = new ScrapeLoop({
      target,
      config: this.cfg,
      appendable: this.deps.appendable,
      client: this.client,
      logger: this.logger,
      cache,
      defaultBodySizeLimit: this.deps.defaultBodySizeLimit,
      offsetSeed: this.deps.offsetSeed,
      now: this.deps.now,
      skipOffset: this.deps.skipOffset,
      stats: this.deps.stats,
    });
    this.loops.set(target.hash(), loop);
    loop.start();
  }

  private endOfRun(loop: ScrapeLoop): void {
    if (this.shutdown) return;
    this.pendingStaleness.add(loop);
    void loop.scheduleEndOfRunStaleness().finally(() => this.pendingStaleness.delete(loop));
  }

  /** Loops of removed targets still waiting to write their staleness markers. */
  pendingStalenessCount(): number {
    return this.pendingStaleness.size;
  }

  /** Drops the pending end-of-run staleness markers (shutdown). */
  cancelPendingStaleness(): void {
    this.shutdown = true;
    for (const l of this.pendingStaleness) l.cancelEndOfRunStaleness();
    this.pendingStaleness.clear();
  }

  /**
   * Applies a changed scrape config: loops restart with it (keeping their series caches when metric
   * relabeling and limits are unchanged), discovery restarts only when the discovery configs changed.
   */
  async reload(cfg: ScrapeConfig): Promise<void> {
    const old = this.cfg;
    this.cfg = cfg;
    const oldClient = this.client;
    if (stableJSON(old.httpClient) !== stableJSON(cfg.httpClient)) this.client = new HTTPClient(cfg.httpClient);
    if (sdKey(old) !== sdKey(cfg)) {
      for (const d of this.discoverers) d.stop();
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
      // Targets are recomputed with the new config when the new discoverers report.
      this.syncing = this.syncing.then(() => this.doSync(true, old));
      await this.syncing;
      this.startDiscovery();
    } else {
      this.syncing = this.syncing.then(() => this.doSync(true, old));
      await this.syncing;
    }
    if (oldClient !== this.client) setTimeout(() => oldClient.close(), 30_000).unref();
  }

  /**
   * Stops discovery and every loop. `staleness`: whether the targets' series get end-of-run staleness
   * markers (a job removed by a reload; they are written later, see `pendingStalenessCount`) or not
   * (shutdown, as Prometheus does; a scrape in progress is cancelled).
   */
  async stop(options: { staleness: boolean }): Promise<void> {
    this.stopped = true;
    for (const d of this.discoverers) d.stop();
    clearTimeout(this.syncTimer);
    await this.syncing.catch(() => undefined);
    const loops = [...this.loops.values()];
    this.loops.clear();
    if (!options.staleness) this.cancelPendingStaleness();
    await Promise.all(loops.map((l) => l.stop({ abort: !options.staleness })));
    if (options.staleness) for (const l of loops) this.endOfRun(l);
    this.client.close();
  }

  /** Active targets, sorted by URL. */
  activeTargets(): readonly Target[] {
    return this.active;
  }

  /** Targets dropped by relabeling or refused, at most `keep_dropped_targets` of them (all when 0). */
  droppedTargets(): readonly DroppedTarget[] {
    return this.dropped;
  }

  /** How many targets were dropped, including those not kept. */
  droppedTargetCount(): number {
    return this.droppedCount;
  }

  /** The loop of an active target (tests drive loops directly). */
  loopOf(target: Target): ScrapeLoop | undefined {
    return this.loops.get(target.hash());
  }
}

