/**
 * The gateway's own metrics, exposed with the pushed ones: the Pushgateway's `pushgateway_*` families
 * (build info, HTTP requests by handler, push sizes and durations), promhttp's scrape counters, the
 * process and Node.js runtime metrics of `@vigil/client`, and Vigil's additions (`pushgateway_groups`,
 * `pushgateway_series`, `pushgateway_group_expirations_total`).
 */
import { Counter, Gauge, Registry, Summary, collectDefaultMetrics } from '@vigil/client';
import { sortPairs, type ParsedFamily } from './family.js';
import type { OwnFamily } from './consistency.js';
import { parseText } from './text-parser.js';
import type { MetricStore } from './store.js';

const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

/** Objectives of the push summaries, as the Pushgateway's (0.1, 0.5, 0.9), over its 10-minute window. */
const PUSH_SUMMARY = { percentiles: [0.1, 0.5, 0.9], maxAgeSeconds: 600, ageBuckets: 5 };

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'code' | 'handler' | 'method'>;
  readonly pushSize: Summary<'method'>;
  readonly pushDuration: Summary<'method'>;
  readonly scrapes: Counter<'code'>;
  readonly scrapesInFlight: Gauge;
  readonly expirations: Counter;
  private store: MetricStore | undefined;

  constructor(version: string, processMetrics: boolean) {
    const registers = [this.registry];
    new Gauge({
      name: 'pushgateway_build_info',
      help: "A metric with a constant '1' value labeled by version, revision, branch, goversion from which pushgateway was built, and the goos and goarch for the build.",
      labelNames: ['branch', 'goarch', 'goos', 'goversion', 'revision', 'version'],
      registers,
    }).set({ branch: '', goarch: GOARCH[process.arch] ?? process.arch, goos: process.platform, goversion: 'node' + process.versions.node, revision: '', version }, 1);
    this.requests = new Counter({
      name: 'pushgateway_http_requests_total',
      help: 'Total HTTP requests processed by the Pushgateway, excluding scrapes.',
      labelNames: ['code', 'handler', 'method'],
      registers,
    });
    this.pushSize = new Summary({ name: 'pushgateway_http_push_size_bytes', help: 'HTTP request size for pushes to the Pushgateway.', labelNames: ['method'], registers, ...PUSH_SUMMARY });
    this.pushDuration = new Summary({ name: 'pushgateway_http_push_duration_seconds', help: 'HTTP request duration for pushes to the Pushgateway.', labelNames: ['method'], registers, ...PUSH_SUMMARY });
    this.scrapes = new Counter({ name: 'promhttp_metric_handler_requests_total', help: 'Total number of scrapes by HTTP status code.', labelNames: ['code'], registers });
    for (const code of ['200', '500', '503']) this.scrapes.inc({ code }, 0);
    this.scrapesInFlight = new Gauge({ name: 'promhttp_metric_handler_requests_in_flight', help: 'Current number of scrapes being served.', registers });
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    new Gauge({
      name: 'pushgateway_groups',
      help: 'Number of metric groups held by the Pushgateway.',
      registers,
      collect() {
        this.set(self.store?.size ?? 0);
      },
    });
    new Gauge({
      name: 'pushgateway_series',
      help: 'Number of series the Pushgateway exposes from pushes, the push time series included.',
      registers,
      collect() {
        this.set(self.store?.seriesCount() ?? 0);
      },
    });
    this.expirations = new Counter({
      name: 'pushgateway_group_expirations_total',
      help: 'Groups dropped because they were not pushed to within --push.group-ttl.',
      registers,
    });
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  attach(store: MetricStore): void {
    this.store = store;
  }

  /** The own metrics as parsed families (labels sorted), ready to merge with the pushed ones. */
  async families(): Promise<ParsedFamily[]> {
    const text = await this.registry.metricsAs('text');
    const out = [...parseText(Buffer.from(text, 'utf8')).values()];
    for (const f of out) for (const m of f.metrics) sortPairs(m.labels);
    return out;
  }

  /** Name → type and help of every own family (for the consistency check and the predefined help). */
  async familyTypes(): Promise<Map<string, OwnFamily>> {
    const text = await this.registry.metricsAs('text');
    const out = new Map<string, OwnFamily>();
    // Families without samples yet (a summary before its first push) are read from their TYPE lines.
    const types = /^# TYPE (\S+) (\S+)$/gm;
    const helps = new Map<string, string>();
    for (const m of text.matchAll(/^# HELP (\S+) (.*)$/gm)) helps.set(m[1], m[2].replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
    const kinds: Record<string, number> = { counter: 0, gauge: 1, summary: 2, untyped: 3, histogram: 4 };
    for (const m of text.matchAll(types)) out.set(m[1], { type: kinds[m[2]] as OwnFamily['type'], help: helps.get(m[1]) ?? '' });
    return out;
  }
}
