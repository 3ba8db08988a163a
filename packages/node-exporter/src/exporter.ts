/**
 * The exporter without its HTTP server: the enabled collectors, built once from the configuration, and
 * `gather()` for one scrape (optionally narrowed by `collect[]` / `exclude[]`).
 */
import { VigilError, type Labels } from '@vigil/model';
import type { MetricFamily } from '@vigil/exposition';
import { labels, MetricsBuilder } from './builder.js';
import type { Collector, CollectorDefinition } from './collector.js';
import { COLLECTORS } from './collectors/index.js';
import { resolveConfig, type NodeExporterConfig, type NodeExporterOptions } from './config.js';
import { ExporterMetrics } from './exporter-metrics.js';
import { CollectorRunner, type CollectorOutcome, type Logger } from './runner.js';
import { pageSize } from './system.js';

export interface NodeExporterInit extends NodeExporterOptions {
  /** The collectors to run, by name. Default: those node_exporter 1.5 enables by default. */
  collectors?: readonly string[];
  /** Further collectors, beyond the built-in ones (tests use fakes that fail or hang). */
  extraCollectors?: readonly Collector[];
  /** Leave out `process_*`, `promhttp_*`, `nodejs_*` (`--web.disable-exporter-metrics`). */
  disableExporterMetrics?: boolean;
  /** The version for `node_exporter_build_info`. */
  version?: string;
  log?: Logger;
}

/** The collectors node_exporter 1.5 enables by default (all of those implemented here). */
export function defaultCollectorNames(): string[] {
  return COLLECTORS.filter((c) => c.defaultEnabled).map((c) => c.name);
}

export function collectorDefinition(name: string): CollectorDefinition | undefined {
  return COLLECTORS.find((c) => c.name === name);
}

const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export class NodeExporter {
  readonly config: NodeExporterConfig;
  /** Names of the enabled collectors, sorted. */
  readonly enabled: readonly string[];
  readonly exporterMetrics: ExporterMetrics;
  private readonly runner: CollectorRunner;
  private readonly buildInfoLabels: Labels;
  private readonly log: Logger;

  constructor(init: NodeExporterInit = {}) {
    this.config = resolveConfig(init);
    this.log = init.log ?? (() => {});
    const names = init.collectors ?? defaultCollectorNames();
    const collectors: Collector[] = [];
    for (const name of names) {
      const def = collectorDefinition(name);
      if (!def) throw new VigilError('bad_data', `unknown collector ${JSON.stringify(name)}`);
      try {
        collectors.push(def.create(this.config));
      } catch (e) {
        throw new VigilError('bad_data', `cannot create collector ${name}: ${(e as Error).message}`, { cause: e });
      }
    }
    for (const c of init.extraCollectors ?? []) collectors.push(c);
    this.runner = new CollectorRunner(collectors, this.config.collectorTimeoutMs, this.log);
    this.enabled = this.runner.names();
    this.exporterMetrics = new ExporterMetrics(pageSize(), !init.disableExporterMetrics);
    this.buildInfoLabels = labels(
      'version', init.version ?? '0.0.0',
      'goversion', 'node' + process.versions.node,
      'goos', process.platform,
      'goarch', GOARCH[process.arch] ?? process.arch,
    );
  }

  /**
   * The collectors a scrape runs for `collect[]` / `exclude[]` (both empty: all enabled). Throws a
   * `bad_data` VigilError with node_exporter's wording for unknown or disabled names.
   */
  select(collect: readonly string[], exclude: readonly string[]): readonly string[] {
    if (collect.length === 0 && exclude.length === 0) return this.enabled;
    if (collect.length > 0 && exclude.length > 0) {
      throw new VigilError('bad_data', 'Combined collect and exclude queries are not allowed.');
    }
    if (collect.length > 0) {
      const out: string[] = [];
      for (const name of collect) {
        if (!this.enabled.includes(name)) {
          const known = collectorDefinition(name) !== undefined;
          throw new VigilError('bad_data', `couldn't create collector: ${known ? 'disabled' : 'missing'} collector: ${name}`);
        }
        if (!out.includes(name)) out.push(name);
      }
      return out.sort();
    }
    return this.enabled.filter((n) => !exclude.includes(n));
  }

  /** One scrape: families sorted by name, the scrape metrics, build info and exporter metrics included. */
  async gather(names: readonly string[] = this.enabled): Promise<{ families: MetricFamily[]; outcomes: CollectorOutcome[] }> {
    const out = new MetricsBuilder();
    const outcomes = await this.runner.collect(out, names);
    out.gauge(
      'node_exporter_build_info',
      "A metric with a constant '1' value labeled by version, revision, branch, goversion from which node_exporter was built, and the goos and goarch for the build.",
      1,
      this.buildInfoLabels,
    );
    this.exporterMetrics.collect(out);
    if (out.conflicts > 0) this.log('warn', 'samples dropped: a family was collected with two different types or help texts', { families: out.conflicts });
    return { families: out.families(), outcomes };
  }

  /** Waits for collector runs left over from timed-out scrapes. */
  drain(): Promise<void> {
    return this.runner.drain();
  }
}
