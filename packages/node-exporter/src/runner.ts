/**
 * Runs the collectors of one scrape, all at once, and adds node_exporter's per-collector
 * `node_scrape_collector_duration_seconds` and `node_scrape_collector_success`.
 *
 * Beyond node_exporter: a collector still running after the timeout is cut off and reported with success
 * 0, and the scrape is served without it. Its run is not abandoned (JavaScript cannot stop it) but it is
 * remembered: until it settles, later scrapes do not start the collector again and report it failed at
 * once, so one hung collector holds one hung operation, not one per scrape.
 */
import { labels, MetricsBuilder } from './builder.js';
import { Deadline, NoDataError, type Collector } from './collector.js';
import type { MetricFamily } from '@vigil/exposition';
import { errorMessage } from '@vigil/model';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, string | number>) => void;

export interface CollectorOutcome {
  readonly name: string;
  readonly success: boolean;
  readonly durationSeconds: number;
  /** Why it failed: the error message, "timeout", or "still running". */
  readonly reason?: string;
}

const DURATION_HELP = 'node_exporter: Duration of a collector scrape.';
const SUCCESS_HELP = 'node_exporter: Whether a collector succeeded.';

export class CollectorRunner {
  private readonly collectors: ReadonlyMap<string, Collector>;
  /** Runs that outlived their scrape, by collector name. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    collectors: readonly Collector[],
    private readonly timeoutMs: number,
    private readonly log: Logger = () => {},
  ) {
    this.collectors = new Map(collectors.map((c) => [c.name, c]));
  }

  /** Names of the collectors this runner has, sorted. */
  names(): string[] {
    return [...this.collectors.keys()].sort();
  }

  /** Whether a collector's earlier run is still going (it hung past a scrape's timeout). */
  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  /**
   * Runs `names` (default: all) and returns their families, plus the scrape metrics, merged into `out`.
   * Never rejects: a collector's failure is its success 0.
   */
  async collect(out: MetricsBuilder, names: readonly string[] = this.names()): Promise<CollectorOutcome[]> {
    const outcomes = await Promise.all(names.map((n) => this.runOne(n, out)));
    for (const o of outcomes) {
      const l = labels('collector', o.name);
      out.gauge('node_scrape_collector_duration_seconds', DURATION_HELP, o.durationSeconds, l);
      out.gauge('node_scrape_collector_success', SUCCESS_HELP, o.success ? 1 : 0, l);
    }
    return outcomes;
  }

  /** Convenience for callers without a builder: the families of one scrape, sorted. */
  async scrape(names?: readonly string[]): Promise<{ families: MetricFamily[]; outcomes: CollectorOutcome[] }> {
    const out = new MetricsBuilder();
    const outcomes = await this.collect(out, names);
    return { families: out.families(), outcomes };
  }

  private async runOne(name: string, out: MetricsBuilder): Promise<CollectorOutcome> {
    const c = this.collectors.get(name);
    if (c === undefined) return { name, success: false, durationSeconds: 0, reason: 'no such collector' };
    if (this.running.has(name)) {
      this.log('warn', 'collector still running from an earlier scrape, skipped', { name });
      return { name, success: false, durationSeconds: 0, reason: 'still running' };
    }
    const own = new MetricsBuilder();
    const start = performance.now();
    const deadline = new Deadline();
    let result: void | Promise<void>;
    try {
      result = c.update(own, deadline);
    } catch (e) {
      return this.finish(name, out, own, start, e);
    }
    if (!(result instanceof Promise)) return this.finish(name, out, own, start, undefined);

    // Asynchronous: race it against the timeout (counted from the collector's start).
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, this.timeoutMs - (performance.now() - start)));
    });
    const settled = result.then(
      () => ({ err: undefined as unknown }),
      (err: unknown) => ({ err: err ?? new Error('collector failed') }),
    );
    const r = await Promise.race([settled, timedOut]);
    clearTimeout(timer);
    if (r !== 'timeout') return this.finish(name, out, own, start, r.err);

    // Cut off: what it added so far is dropped (it may still be writing into `own`). Collectors that
    // watch the deadline settle now; the others are remembered until they do.
    deadline.expire();
    const tracked = settled.then(() => {
      if (this.running.get(name) === tracked) this.running.delete(name);
      this.log('info', 'collector finished after its scrape timed out', { name, duration_seconds: (performance.now() - start) / 1000 });
    });
    this.running.set(name, tracked);
    const durationSeconds = Math.round((performance.now() - start) * 1e6) / 1e9;
    this.log('error', 'collector timed out', { name, duration_seconds: durationSeconds, timeout_ms: this.timeoutMs });
    return { name, success: false, durationSeconds, reason: 'timeout' };
  }

  private finish(name: string, out: MetricsBuilder, own: MetricsBuilder, start: number, err: unknown): CollectorOutcome {
    const durationSeconds = Math.round((performance.now() - start) * 1e6) / 1e9;
    // As node_exporter: what a failing collector sent before its error is still served.
    out.merge(own);
    if (err === undefined) {
      this.log('debug', 'collector succeeded', { name, duration_seconds: durationSeconds });
      return { name, success: true, durationSeconds };
    }
    const reason = errorMessage(err);
    if (err instanceof NoDataError) this.log('debug', 'collector returned no data', { name, duration_seconds: durationSeconds, err: reason });
    else this.log('error', 'collector failed', { name, duration_seconds: durationSeconds, err: reason });
    return { name, success: false, durationSeconds, reason };
  }

  /** Resolves when no collector run is left over from a timed-out scrape (for orderly shutdown in tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }
}
