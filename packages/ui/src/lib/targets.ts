/** The targets page's model: targets grouped by scrape pool, filtered by health and free text. */
import { formatSeries, type Target } from './api.js';

export type Health = Target['health'];

export interface TargetFilter {
  /** Healths to show; empty shows all. */
  health: ReadonlySet<Health>;
  /** Case-insensitive words that must all appear in the endpoint, labels, pool or error. */
  text: string;
}

export interface PoolView {
  pool: string;
  targets: Target[];
  up: number;
  total: number;
}

export function targetMatches(t: Target, f: TargetFilter): boolean {
  if (f.health.size > 0 && !f.health.has(t.health)) return false;
  const words = f.text.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return true;
  const hay = `${t.scrapeUrl} ${t.scrapePool} ${formatSeries(t.labels)} ${t.lastError}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** Pools in name order, each with its matching targets; pools with no match are left out. */
export function groupTargets(targets: readonly Target[], f: TargetFilter): PoolView[] {
  const pools = new Map<string, PoolView>();
  for (const t of targets) {
    let p = pools.get(t.scrapePool);
    if (!p) {
      p = { pool: t.scrapePool, targets: [], up: 0, total: 0 };
      pools.set(t.scrapePool, p);
    }
    p.total++;
    if (t.health === 'up') p.up++;
    if (targetMatches(t, f)) p.targets.push(t);
  }
  return [...pools.values()].filter((p) => p.targets.length > 0).sort((a, b) => a.pool.localeCompare(b.pool));
}
