/**
 * Targets: how discovered label sets become scrape targets (Prometheus 3.x's `PopulateLabels`: base labels
 * from the scrape config, target relabeling, checks, `__meta_*` removed, `instance` defaulted to the
 * address; no default port is added), and the state of each target for `/api/v1/targets`.
 */
import { Labels, formatDuration, hashStrings, tryParseDuration } from '@vigil/model';
import type { ScrapeConfig } from './config-types.js';
import { LabelSetBuilder, processRelabel } from './relabel.js';
import { checkTargetAddress } from './config-schema.js';
import type { MetricMetadata, MetadataStore } from './metadata.js';

export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_LABEL_PREFIX = '__param_';
export const META_LABEL_PREFIX = '__meta_';
export const RESERVED_LABEL_PREFIX = '__';
export const JOB_LABEL = 'job';
export const INSTANCE_LABEL = 'instance';

/** A group of targets from one discovery source, as Prometheus's `targetgroup.Group`. */
export interface TargetGroup {
  /** Identifies the group within its discoverer (a later group with the same source replaces it). */
  readonly source: string;
  /** One label set per target, each with at least `__address__`. */
  readonly targets: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Labels common to every target of the group. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The labels a target had before relabeling: its own, its group's, then the scrape config's. */
export function discoveredLabels(cfg: ScrapeConfig, tLabels: Readonly<Record<string, string>>, tgLabels: Readonly<Record<string, string>>): LabelSetBuilder {
  const lb = new LabelSetBuilder();
  for (const k of Object.keys(tLabels)) lb.set(k, tLabels[k]);
  for (const k of Object.keys(tgLabels)) if (!(k in tLabels)) lb.set(k, tgLabels[k]);
  const base: Array<[string, string]> = [
    [JOB_LABEL, cfg.jobName],
    [SCRAPE_INTERVAL_LABEL, formatDuration(cfg.scrapeInterval)],
    [SCRAPE_TIMEOUT_LABEL, formatDuration(cfg.scrapeTimeout)],
    [METRICS_PATH_LABEL, cfg.metricsPath],
    [SCHEME_LABEL, cfg.scheme],
  ];
  for (const [name, value] of base) if (lb.get(name) === '') lb.set(name, value);
  for (const k of Object.keys(cfg.params)) {
    const v = cfg.params[k];
    const name = PARAM_LABEL_PREFIX + k;
    if (v.length > 0 && lb.get(name) === '') lb.set(name, v[0]);
  }
  return lb;
}

export type PopulateResult =
  | { readonly kind: 'active'; readonly labels: Labels; readonly discovered: Labels }
  | { readonly kind: 'dropped'; readonly discovered: Labels }
  | { readonly kind: 'error'; readonly error: string; readonly discovered: Labels };

/** Prometheus's `PopulateLabels`: the final label set of a target, or why it was dropped or refused. */
export function populateLabels(cfg: ScrapeConfig, tLabels: Readonly<Record<string, string>>, tgLabels: Readonly<Record<string, string>>): PopulateResult {
  const lb = discoveredLabels(cfg, tLabels, tgLabels);
  const discovered = lb.labels();
  if (!processRelabel(lb, cfg.relabelConfigs)) return { kind: 'dropped', discovered };
  const fail = (error: string): PopulateResult => ({ kind: 'error', error, discovered });
  const addr = lb.get(ADDRESS_LABEL);
  if (addr === '') return fail('no address');
  const bad = checkTargetAddress(addr);
  if (bad) return fail(bad);
  const interval = lb.get(SCRAPE_INTERVAL_LABEL);
  const intervalMs = tryParseDuration(interval);
  if (intervalMs === undefined) return fail(`error parsing scrape interval: ${durationError(interval)}`);
  if (intervalMs === 0) return fail('scrape interval cannot be 0');
  const timeout = lb.get(SCRAPE_TIMEOUT_LABEL);
  const timeoutMs = tryParseDuration(timeout);
  if (timeoutMs === undefined) return fail(`error parsing scrape timeout: ${durationError(timeout)}`);
  if (timeoutMs === 0) return fail('scrape timeout cannot be 0');
  if (timeoutMs > intervalMs) return fail(`scrape timeout cannot be greater than scrape interval (${JSON.stringify(timeout)} > ${JSON.stringify(interval)})`);
  for (const [name] of lb.entries()) if (name.startsWith(META_LABEL_PREFIX)) lb.del(name);
  if (lb.get(INSTANCE_LABEL) === '') lb.set(INSTANCE_LABEL, addr);
  for (const [name, value] of lb.entries()) {
    if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) return fail(`invalid label value for ${JSON.stringify(name)}: ${JSON.stringify(value)}`);
  }
  return { kind: 'active', labels: lb.labels(), discovered };
}

function durationError(s: string): string {
  return s === '' ? 'empty duration string' : `not a valid duration string: ${JSON.stringify(s)}`;
}

/** Go's `url.QueryEscape`. */
function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's path escaping in `url.URL.String()`. */
function pathEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c)) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The scrape URL of a target: scheme, address, metrics path, and `params` overridden by `__param_*` labels. */
export function targetURL(labels: Labels, params: Readonly<Record<string, readonly string[]>>): string {
  const q = new Map<string, string[]>();
  for (const k of Object.keys(params)) q.set(k, params[k].slice());
  labels.forEach((name, value) => {
    if (!name.startsWith(PARAM_LABEL_PREFIX)) return;
    const k = name.slice(PARAM_LABEL_PREFIX.length);
    const cur = q.get(k);
    if (cur && cur.length > 0) cur[0] = value;
    else q.set(k, [value]);
  });
  const keys = [...q.keys()].sort();
  const parts: string[] = [];
  for (const k of keys) for (const v of q.get(k)!) parts.push(queryEscape(k) + '=' + queryEscape(v));
  const host = labels.get(ADDRESS_LABEL);
  let path = labels.get(METRICS_PATH_LABEL);
  if (path !== '' && path[0] !== '/' && host !== '') path = '/' + path;
  return `${labels.get(SCHEME_LABEL)}://${host}${pathEscape(path)}${parts.length ? '?' + parts.join('&') : ''}`;
}

export type TargetHealth = 'up' | 'down' | 'unknown';

/** One scrape target: its labels, where it is scraped, and the outcome of the last scrape. */
export class Target {
  /** All labels after relabeling, including `__address__` and the other `__` labels. */
  readonly labels: Labels;
  /** The labels before relabeling. */
  discoveredLabels: Labels;
  readonly scrapePool: string;
  readonly url: string;
  /** From `__scrape_interval__` / `__scrape_timeout__` (milliseconds). */
  readonly interval: number;
  readonly timeout: number;
  health: TargetHealth = 'unknown';
  /** `''` when the last scrape succeeded. */
  lastError = '';
  /** Milliseconds since the epoch of the last scrape's start; 0 before the first. */
  lastScrape = 0;
  /** Seconds. */
  lastScrapeDuration = 0;
  /** Filled by the scrape loop. */
  metadataStore: MetadataStore | undefined;
  private publicCache: Labels | undefined;
  private hashCache = -1;

  constructor(scrapePool: string, labels: Labels, discovered: Labels, params: Readonly<Record<string, readonly string[]>>) {
    this.scrapePool = scrapePool;
    this.labels = labels;
    this.discoveredLabels = discovered;
    this.url = targetURL(labels, params);
    this.interval = tryParseDuration(labels.get(SCRAPE_INTERVAL_LABEL)) ?? 0;
    this.timeout = tryParseDuration(labels.get(SCRAPE_TIMEOUT_LABEL)) ?? 0;
  }

  /** Labels without the `__` ones: what every sample of the target gets (`job`, `instance`, ...). */
  publicLabels(): Labels {
    if (!this.publicCache) this.publicCache = this.labels.filter((n) => !n.startsWith(RESERVED_LABEL_PREFIX));
    return this.publicCache;
  }

  /** Identifies the target within its pool (labels and URL), as Prometheus's `Target.hash`. */
  hash(): number {
    if (this.hashCache < 0) this.hashCache = hashStrings([...this.labels.flat, this.url], 0, this.labels.flat.length + 1);
    return this.hashCache;
  }

  /**
   * Milliseconds from `now` until this target's first scrape: targets are spread over the interval by
   * their hash (and a per-server seed), pinned to absolute time so restarts keep the phase.
   */
  offset(interval: number, now: number, seed = 0): number {
    const base = interval - (now % interval);
    const offset = ((this.hash() ^ seed) >>> 0) % interval;
    let next = base + offset;
    if (next > interval) next -= interval;
    return next;
  }

  report(start: number, durationSeconds: number, error: string | undefined): void {
    this.health = error === undefined ? 'up' : 'down';
    this.lastError = error ?? '';
    this.lastScrape = start;
    this.lastScrapeDuration = durationSeconds;
  }

  metadata(): MetricMetadata[] {
    return this.metadataStore ? this.metadataStore.list() : [];
  }

  getMetadata(metric: string): MetricMetadata | undefined {
    return this.metadataStore?.get(metric);
  }
}

/** A target dropped by relabeling: what `/api/v1/targets` shows under `droppedTargets`. */
export interface DroppedTarget {
  readonly scrapePool: string;
  readonly discoveredLabels: Labels;
}

const LOCALHOST = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * `globalUrl` of `/api/v1/targets`: a target on this machine is shown with the server's host name, and
 * the server's own listen port is shown with its external URL, as Prometheus does.
 */
export function globalURL(scrapeURL: string, opts: { readonly listenAddress: string; readonly hostname: string; readonly externalURL?: string }): string {
  let u: URL;
  try {
    u = new URL(scrapeURL);
  } catch {
    return scrapeURL;
  }
  if (!LOCALHOST.has(u.hostname)) return scrapeURL;
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const ownPort = opts.listenAddress.slice(opts.listenAddress.lastIndexOf(':') + 1);
  if (port === ownPort && opts.externalURL) {
    try {
      const ext = new URL(opts.externalURL);
      u.protocol = ext.protocol;
      u.host = ext.host;
      u.pathname = ext.pathname.replace(/\/$/, '') + u.pathname;
      return u.toString();
    } catch {
      return scrapeURL;
    }
  }
  u.hostname = opts.hostname;
  u.port = port === '80' && u.protocol === 'http:' ? '' : port;
  return u.toString();
}

