/**
 * Service discovery: static targets, file_sd (JSON and YAML files, globbed, watched with `fs.watch` and
 * re-read every `refresh_interval`) and http_sd (a JSON list fetched every `refresh_interval`).
 * A file or response that cannot be read keeps the targets last read from it; the reason is logged.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, extname } from 'node:path';
import { errorMessage } from '@vigil/model';
import type { FileSDConfig, HTTPSDConfig, StaticConfig } from './config-types.js';
import type { TargetGroup } from './target.js';
import { parseGroupsJSON, parseGroupsYAML, toTargetGroups, type RawGroup } from './target-groups.js';
import { glob } from './glob.js';
import { HTTPClient, USER_AGENT } from './http-client.js';
import { formatFloatFixed } from '@vigil/model';
import { NOP_LOGGER, type Logger } from './log.js';

export type UpdateHandler = (groups: readonly TargetGroup[]) => void;

/** A source of target groups. A group with no targets, sent again under the same source, removes it. */
export interface Discoverer {
  start(onUpdate: UpdateHandler): void;
  stop(): void;
}

export class StaticDiscoverer implements Discoverer {
  constructor(private readonly configs: readonly StaticConfig[]) {}

  start(onUpdate: UpdateHandler): void {
    onUpdate(this.configs.map((c, i) => ({ source: String(i), targets: c.targets.map((t) => ({ __address__: t })), labels: c.labels })));
  }

  stop(): void {}
}

export const FILEPATH_LABEL = '__meta_filepath';
export const URL_LABEL = '__meta_url';

export class FileDiscoverer implements Discoverer {
  private readonly cfg: FileSDConfig;
  private readonly logger: Logger;
  private lastRefresh = new Map<string, number>();
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private onUpdate: UpdateHandler | undefined;
  private stopped = false;

  constructor(cfg: FileSDConfig, logger: Logger = NOP_LOGGER) {
    this.cfg = cfg;
    this.logger = logger;
  }

  start(onUpdate: UpdateHandler): void {
    this.onUpdate = onUpdate;
    this.refresh();
    this.watchDirectories();
    this.timer = setInterval(() => this.refresh(), this.cfg.refreshInterval);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  private watchDirectories(): void {
    const dirs = new Set(this.cfg.files.map((f) => dirname(f)));
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.scheduleRefresh());
        w.on('error', (e) => this.logger.warn('file_sd: watching a directory failed; falling back to refresh_interval', { dir, err: errorMessage(e) }));
        this.watchers.push(w);
      } catch (e) {
        this.logger.warn('file_sd: cannot watch directory; changes are picked up every refresh_interval', { dir, err: errorMessage(e) });
      }
    }
  }

  private scheduleRefresh(): void {
    if (this.stopped) return;
    clearTimeout(this.debounce);
    // Editors write files in several steps; read once they are done.
    this.debounce = setTimeout(() => this.refresh(), 50);
    this.debounce.unref();
  }

  private listFiles(): string[] {
    const out = new Set<string>();
    for (const pattern of this.cfg.files) {
      try {
        for (const f of glob(pattern)) out.add(f);
      } catch (e) {
        this.logger.error('file_sd: bad file pattern', { pattern, err: errorMessage(e) });
      }
    }
    return [...out];
  }

  /** Reads every matching file and reports what changed (also called by the watcher and the timer). */
  refresh(): void {
    if (this.stopped || !this.onUpdate) return;
    const ref = new Map<string, number>();
    const updates: TargetGroup[] = [];
    for (const file of this.listFiles()) {
      let groups: RawGroup[];
      try {
        groups = readGroupsFile(file);
      } catch (e) {
        this.logger.error('Error reading file', { path: file, err: errorMessage(e) });
        // Keep the targets last read from it.
        ref.set(file, this.lastRefresh.get(file) ?? 0);
        continue;
      }
      updates.push(...toTargetGroups(groups, file, [FILEPATH_LABEL, file]));
      ref.set(file, groups.length);
    }
    for (const [file, n] of this.lastRefresh) {
      const m = ref.get(file) ?? 0;
      for (let i = m; i < n; i++) updates.push({ source: `${file}:${i}`, targets: [], labels: {} });
    }
    this.lastRefresh = ref;
    this.onUpdate(updates);
  }
}

/** Reads a target group file by its extension (`.json`, `.yml`, `.yaml`). */
export function readGroupsFile(file: string): RawGroup[] {
  const text = readFileSync(file, 'utf8');
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return parseGroupsJSON(text, file);
  if (ext === '.yml' || ext === '.yaml') return parseGroupsYAML(text, file);
  throw new Error(`invalid file extension: ${JSON.stringify(extname(file))}`);
}

const JSON_CONTENT_TYPE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i;
const MAX_SD_RESPONSE = 64 << 20;

export class HTTPDiscoverer implements Discoverer {
  private readonly cfg: HTTPSDConfig;
  private readonly logger: Logger;
  private readonly client: HTTPClient;
  private lastLength = 0;
  private timer: NodeJS.Timeout | undefined;
  private onUpdate: UpdateHandler | undefined;
  private stopped = false;
  private inflight: AbortController | undefined;

  constructor(cfg: HTTPSDConfig, logger: Logger = NOP_LOGGER) {
    this.cfg = cfg;
    this.logger = logger;
    this.client = new HTTPClient(cfg.httpClient, 2);
  }

  start(onUpdate: UpdateHandler): void {
    this.onUpdate = onUpdate;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.cfg.refreshInterval);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.inflight?.abort();
    this.client.close();
  }

  /** Fetches the list once; on failure the last good targets stay and the reason is logged. Resolves to the error text, if any. */
  async refresh(): Promise<string | undefined> {
    if (this.stopped || !this.onUpdate) return undefined;
    try {
      const groups = await this.fetch();
      if (this.stopped) return undefined;
      const updates = toTargetGroups(groups, this.cfg.url, [URL_LABEL, this.cfg.url]);
      for (let i = groups.length; i < this.lastLength; i++) updates.push({ source: `${this.cfg.url}:${i}`, targets: [], labels: {} });
      this.lastLength = groups.length;
      this.onUpdate(updates);
      return undefined;
    } catch (e) {
      const msg = errorMessage(e);
      if (!this.stopped) this.logger.error('http_sd: refresh failed, keeping the last targets', { url: this.cfg.url, err: msg });
      return msg;
    }
  }

  private async fetch(): Promise<RawGroup[]> {
    const ac = new AbortController();
    this.inflight = ac;
    const timer = setTimeout(() => ac.abort(), this.cfg.refreshInterval);
    try {
      const res = await this.client.get(this.cfg.url, {
        accept: 'application/json',
        'user-agent': USER_AGENT,
        'x-prometheus-refresh-interval-seconds': formatFloatFixed(this.cfg.refreshInterval / 1000),
      }, ac.signal);
      if (res.statusCode !== 200) {
        res.resume();
        throw new Error(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd());
      }
      const ct = (res.headers['content-type'] ?? '').trim();
      if (!JSON_CONTENT_TYPE.test(ct)) {
        res.resume();
        throw new Error(`unsupported content type ${JSON.stringify(res.headers['content-type'] ?? '')}`);
      }
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of res) {
        n += (c as Buffer).length;
        if (n > MAX_SD_RESPONSE) {
          res.destroy();
          throw new Error(`response larger than ${MAX_SD_RESPONSE} bytes`);
        }
        chunks.push(c as Buffer);
      }
      return parseGroupsJSON(Buffer.concat(chunks).toString('utf8'), this.cfg.url);
    } finally {
      clearTimeout(timer);
      if (this.inflight === ac) this.inflight = undefined;
    }
  }
}
