/** What a collector is, and the error that means "nothing to report here" (success 0, not logged as a failure). */
import type { MetricsBuilder } from './builder.js';
import type { NodeExporterConfig } from './config.js';

export interface Collector {
  readonly name: string;
  /**
   * Reads the host and adds families to `out`. Throws on failure: what was added before the throw is
   * still served (as node_exporter does) and the collector reports success 0. May return a promise when
   * it waits on I/O that can hang (statfs, text files on network storage); `deadline` expires when the
   * scrape cuts the collector off, so that it can stop waiting (its output is dropped by then).
   */
  update(out: MetricsBuilder, deadline: Deadline): void | Promise<void>;
}

/**
 * When a scrape gives up on a collector. A plain object rather than an AbortSignal: one is made per
 * collector per scrape, and an EventTarget costs more than the /proc read it accompanies.
 */
export class Deadline {
  private listeners: Array<() => void> | undefined;
  expired = false;

  /** Calls `fn` once when the deadline expires (at once if it has). Returns a function that cancels it. */
  onExpire(fn: () => void): () => void {
    if (this.expired) {
      fn();
      return () => {};
    }
    (this.listeners ??= []).push(fn);
    return () => {
      const i = this.listeners?.indexOf(fn) ?? -1;
      if (i >= 0) this.listeners!.splice(i, 1);
    };
  }

  expire(): void {
    if (this.expired) return;
    this.expired = true;
    const l = this.listeners;
    this.listeners = undefined;
    if (l) for (const fn of l) fn();
  }
}

export interface CollectorDefinition {
  readonly name: string;
  /** Enabled unless `--no-collector.<name>` (or `--collector.disable-defaults`), as in node_exporter 1.5. */
  readonly defaultEnabled: boolean;
  create(config: NodeExporterConfig): Collector;
}

/** The collector found nothing to collect on this host (feature absent): success 0, debug-level only. */
export class NoDataError extends Error {
  constructor(what: string) {
    super(`collector returned no data: ${what}`);
    this.name = 'NoDataError';
  }
}
