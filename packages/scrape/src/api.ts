/**
 * The shapes `/api/v1/targets` and `/api/v1/targets/metadata` return, built from the scrape manager's
 * state, field for field as Prometheus 3.x writes them (times as Go's RFC 3339 with nanoseconds, durations
 * as Prometheus durations, the last scrape's duration in float seconds).
 */
import { formatDuration, type Labels } from '@vigil/model';
import type { ScrapeManager } from './manager.js';
import { globalURL, type DroppedTarget, type Target, type TargetHealth } from './target.js';
import type { MetricType } from '@vigil/exposition';

export interface ActiveTargetJSON {
  readonly discoveredLabels: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly globalUrl: string;
  readonly lastError: string;
  readonly lastScrape: string;
  readonly lastScrapeDuration: number;
  readonly health: TargetHealth;
  readonly scrapeInterval: string;
  readonly scrapeTimeout: string;
}

export interface DroppedTargetJSON {
  readonly discoveredLabels: Record<string, string>;
  readonly scrapePool: string;
}

export interface TargetsJSON {
  readonly activeTargets: ActiveTargetJSON[];
  readonly droppedTargets: DroppedTargetJSON[];
  readonly droppedTargetCounts: Record<string, number>;
}

/** How to rewrite local URLs into `globalUrl` (see `globalURL`). Without it, `globalUrl` is the scrape URL. */
export interface GlobalURLOptions {
  readonly listenAddress: string;
  readonly hostname: string;
  readonly externalURL?: string;
}

/** Go's `time.Time` in JSON (RFC 3339 with up to nanoseconds, UTC); the zero time before a first scrape. */
export function formatGoTime(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const [whole, frac] = iso.slice(0, -1).split('.');
  const f = (frac ?? '').replace(/0+$/, '');
  return f === '' ? `${whole}Z` : `${whole}.${f}Z`;
}

export function activeTargetJSON(t: Target, global?: GlobalURLOptions): ActiveTargetJSON {
  return {
    discoveredLabels: t.discoveredLabels.toObject(),
    labels: t.publicLabels().toObject(),
    scrapePool: t.scrapePool,
    scrapeUrl: t.url,
    globalUrl: global ? globalURL(t.url, global) : t.url,
    lastError: t.lastError,
    lastScrape: formatGoTime(t.lastScrape),
    lastScrapeDuration: t.lastScrapeDuration,
    health: t.health,
    scrapeInterval: formatDuration(t.interval),
    scrapeTimeout: formatDuration(t.timeout),
  };
}

export function droppedTargetJSON(d: DroppedTarget): DroppedTargetJSON {
  return { discoveredLabels: d.discoveredLabels.toObject(), scrapePool: d.scrapePool };
}

/** `/api/v1/targets` (`state`: active, dropped or any; `scrapePool`: only that pool). */
export function targetsJSON(m: ScrapeManager, options: { state?: 'active' | 'dropped' | 'any'; scrapePool?: string; global?: GlobalURLOptions } = {}): TargetsJSON {
  const state = options.state ?? 'any';
  const pick = (pool: string) => options.scrapePool === undefined || options.scrapePool === pool;
  const active: ActiveTargetJSON[] = [];
  const dropped: DroppedTargetJSON[] = [];
  if (state !== 'dropped') for (const [pool, ts] of m.targetsActive()) if (pick(pool)) for (const t of ts) active.push(activeTargetJSON(t, options.global));
  if (state !== 'active') for (const [pool, ds] of m.targetsDropped()) if (pick(pool)) for (const d of ds) dropped.push(droppedTargetJSON(d));
  const counts: Record<string, number> = {};
  for (const [pool, n] of Object.entries(m.droppedTargetCounts())) if (pick(pool)) counts[pool] = n;
  return { activeTargets: active, droppedTargets: dropped, droppedTargetCounts: counts };
}

export interface TargetMetadataJSON {
  readonly target: Record<string, string>;
  readonly metric?: string;
  readonly type: MetricType;
  readonly help: string;
  readonly unit: string;
}

/**
 * `/api/v1/targets/metadata`: `matchTarget` selects targets by their public labels (the server builds it
 * from `match_target`); with `metric`, only that metric and no `metric` field, as Prometheus answers.
 */
export function targetMetadataJSON(m: ScrapeManager, options: { matchTarget?: (labels: Labels) => boolean; metric?: string; limit?: number } = {}): TargetMetadataJSON[] {
  const out: TargetMetadataJSON[] = [];
  for (const ts of m.targetsActive().values()) {
    for (const t of ts) {
      const labels = t.publicLabels();
      if (options.matchTarget && !options.matchTarget(labels)) continue;
      if (options.metric !== undefined) {
        const md = t.getMetadata(options.metric);
        if (md) out.push({ target: labels.toObject(), type: md.type, help: md.help, unit: md.unit });
      } else {
        for (const md of t.metadata()) out.push({ target: labels.toObject(), metric: md.metric, type: md.type, help: md.help, unit: md.unit });
      }
      if (options.limit !== undefined && options.limit >= 0 && out.length >= options.limit) return out.slice(0, options.limit);
    }
  }
  return out;
}
