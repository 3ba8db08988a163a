/**
 * Targets, metadata, status, rules/alerts and the admin API: `/api/v1/targets`, `/targets/metadata`,
 * `/metadata`, `/scrape_pools`, `/status/*`, `/rules`, `/alerts`, `/alertmanagers`,
 * `/admin/tsdb/{delete_series,clean_tombstones,snapshot}`.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { VigilError, errorMessage, type Labels, type Matcher } from '@vigil/model';
import { parseMetricSelector } from '@vigil/promql';
import { globalURL, type Target } from '@vigil/scrape';
import type { ApiOptions, ApiRequest, ApiResult, ApiStorage, TargetSource } from './api-types.js';
import { goJSON, goNumber, goString, goTime, labelsJSON } from './json.js';
import { MAX_TIME, MIN_TIME, goQuote, invalidParam, metadataLimit, optionalTime, parseMatchers } from './params.js';
import { tsdbStatus } from './tsdb-status.js';
import { headChunkCount } from './metrics.js';
import { Head } from '@vigil/tsdb';

const NO_TARGETS: TargetSource = {
  targetsActive: () => new Map(),
  targetsDropped: () => new Map(),
  droppedTargetCounts: () => ({}),
  poolNames: () => [],
  pool: () => undefined,
  metadata: () => new Map(),
};

function targetSource(opts: ApiOptions): TargetSource {
  return opts.targets?.() ?? NO_TARGETS;
}

function sortedKeys<T>(m: Map<string, T>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function formatDurationLabel(t: Target, name: string): string {
  return t.labels.get(name);
}

function targetJSON(t: Target, pool: string, opts: ApiOptions): string {
  return (
    '{"discoveredLabels":' + labelsJSON(t.discoveredLabels) +
    ',"labels":' + labelsJSON(t.publicLabels()) +
    ',"scrapePool":' + goString(pool) +
    ',"scrapeUrl":' + goString(t.url) +
    ',"globalUrl":' + goString(globalURL(t.url, opts.globalURLOptions)) +
    ',"lastError":' + goString(t.lastError) +
    ',"lastScrape":' + goTime(t.lastScrape) +
    ',"lastScrapeDuration":' + goNumber(Math.round(t.lastScrapeDuration * 1e9) / 1e9) +
    ',"health":' + goString(t.health) +
    ',"scrapeInterval":' + goString(formatDurationLabel(t, '__scrape_interval__')) +
    ',"scrapeTimeout":' + goString(formatDurationLabel(t, '__scrape_timeout__')) +
    '}'
  );
}

export function targets(opts: ApiOptions, r: ApiRequest): ApiResult {
  const src = targetSource(opts);
  const url = new URL(r.req.url ?? '/', 'http://x');
  const scrapePool = url.searchParams.get('scrapePool') ?? '';
  const state = (url.searchParams.get('state') ?? '').toLowerCase();
  const showActive = state === '' || state === 'any' || state === 'active';
  const showDropped = state === '' || state === 'any' || state === 'dropped';
  let s = '{"activeTargets":[';
  if (showActive) {
    const active = src.targetsActive();
    let first = true;
    for (const pool of sortedKeys(active)) {
      if (scrapePool !== '' && pool !== scrapePool) continue;
      for (const t of active.get(pool)!) {
        s += (first ? '' : ',') + targetJSON(t, pool, opts);
        first = false;
      }
    }
  }
  s += '],"droppedTargets":[';
  let counts = 'null';
  if (showDropped) {
    counts = goJSON(src.droppedTargetCounts(), true);
    const dropped = src.targetsDropped();
    let first = true;
    for (const pool of sortedKeys(dropped)) {
      if (scrapePool !== '' && pool !== scrapePool) continue;
      for (const t of dropped.get(pool)!) {
        s += (first ? '' : ',') + '{"discoveredLabels":' + labelsJSON(t.discoveredLabels) + ',"scrapePool":' + goString(pool) + '}';
        first = false;
      }
    }
  }
  s += '],"droppedTargetCounts":' + counts + '}';
  return { data: s };
}

export function scrapePools(opts: ApiOptions): ApiResult {
  const names = targetSource(opts).poolNames().sort();
  return { data: '{"scrapePools":' + goJSON(names) + '}' };
}

function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) if (!m.matches(labels.get(m.name))) return false;
  return true;
}

export function targetMetadata(opts: ApiOptions, r: ApiRequest): ApiResult {
  const form = r.form;
  const limit = metadataLimit(form, 'limit');
  const matchTarget = form.get('match_target');
  let matchers: Matcher[] | undefined;
  if (matchTarget !== '') {
    try {
      matchers = parseMetricSelector(matchTarget);
    } catch (e) {
      throw invalidParam('match_target', errorMessage(e));
    }
  }
  const metric = form.get('metric');
  const parts: string[] = [];
  const active = targetSource(opts).targetsActive();
  for (const pool of active.keys()) {
    for (const t of active.get(pool)!) {
      if (limit >= 0 && parts.length >= limit) break;
      const labels = t.publicLabels();
      if (matchers && !matchesAll(labels, matchers)) continue;
      const target = labelsJSON(labels);
      if (metric === '') {
        for (const md of t.metadata()) {
          parts.push('{"target":' + target + ',"metric":' + goString(md.metric) + ',"type":' + goString(md.type) + ',"help":' + goString(md.help) + ',"unit":' + goString(md.unit) + '}');
        }
        continue;
      }
      const md = t.getMetadata(metric);
      if (md) parts.push('{"target":' + target + ',"type":' + goString(md.type) + ',"help":' + goString(md.help) + ',"unit":' + goString(md.unit) + '}');
    }
  }
  return { data: '[' + parts.join(',') + ']' };
}

export function metricMetadata(opts: ApiOptions, r: ApiRequest): ApiResult {
  const form = r.form;
  const limit = metadataLimit(form, 'limit');
  const limitPerMetric = metadataLimit(form, 'limit_per_metric');
  const metric = form.get('metric');
  const md = targetSource(opts).metadata({
    metric: metric === '' ? undefined : metric,
    limit: limit >= 0 ? limit : undefined,
    limitPerMetric: limitPerMetric > 0 ? limitPerMetric : undefined,
  });
  let s = '{';
  let first = true;
  for (const name of sortedKeys(md)) {
    const list = md.get(name)!.map((m) => '{"type":' + goString(m.type) + ',"help":' + goString(m.help) + ',"unit":' + goString(m.unit) + '}');
    s += (first ? '' : ',') + goString(name) + ':[' + list.join(',') + ']';
    first = false;
  }
  return { data: s + '}' };
}

export function rules(r: ApiRequest): ApiResult {
  const url = new URL(r.req.url ?? '/', 'http://x');
  const form = r.form;
  if (form.error !== undefined) throw new VigilError('bad_data', `error parsing form values: ${form.error}`);
  try {
    parseMatchers(form.all('match[]'));
  } catch (e) {
    throw new VigilError('bad_data', errorMessage(e));
  }
  const typ = (url.searchParams.get('type') ?? '').toLowerCase();
  if (typ !== '' && typ !== 'alert' && typ !== 'record') throw invalidParam('type', `not supported value ${goQuote(typ)}`);
  const exclude = (url.searchParams.get('exclude_alerts') ?? '').toLowerCase();
  if (exclude !== '' && goParseBool(exclude) === undefined) {
    throw invalidParam('exclude_alerts', `error converting exclude_alerts: strconv.ParseBool: parsing ${goQuote(exclude)}: invalid syntax`);
  }
  const groupLimit = url.searchParams.get('group_limit') ?? '';
  const nextToken = url.searchParams.get('group_next_token') ?? '';
  if (nextToken !== '' && groupLimit === '') throw invalidParam('group_next_token', 'group_limit needs to be present in order to paginate over the groups');
  if (groupLimit !== '') {
    if (!/^[+-]?\d+$/.test(groupLimit)) {
      throw invalidParam('group_limit', `group_limit needs to be a valid number: strconv.ParseInt: parsing ${goQuote(groupLimit)}: invalid syntax`);
    }
    if (Number(groupLimit) <= 0) throw invalidParam('group_limit', 'group_limit needs to be greater than 0');
    if (nextToken !== '') throw invalidParam('group_next_token', `invalid group_next_token '${nextToken}'. were rule groups changed?`);
  }
  // Rules come with the rules engine; until then there are none.
  return { data: '{"groups":[]}' };
}

export function alerts(): ApiResult {
  return { data: '{"alerts":[]}' };
}

export function alertmanagers(): ApiResult {
  return { data: '{"activeAlertmanagers":[],"droppedAlertmanagers":[]}' };
}

export function statusConfig(opts: ApiOptions): ApiResult {
  return { data: '{"yaml":' + goString(opts.configYAML()) + '}' };
}

export function statusFlags(opts: ApiOptions): ApiResult {
  return { data: goJSON(opts.flags, true) };
}

export function buildInfo(opts: ApiOptions): ApiResult {
  const b = opts.buildInfo;
  return {
    data: goJSON({ version: b.version, revision: b.revision, branch: b.branch, buildUser: b.buildUser, buildDate: b.buildDate, goVersion: b.goVersion }),
  };
}

export function runtimeInfo(opts: ApiOptions): ApiResult {
  const info = opts.runtimeInfo();
  const now = opts.now ? opts.now() : Date.now();
  // Go runtime fields, filled with their Node.js counterparts: active handles for goroutines, the
  // parallelism for GOMAXPROCS, the V8 heap limit for GOMEMLIMIT.
  const handles = (process as unknown as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo?.().length ?? 0;
  const s =
    '{"startTime":' + goTime(info.startTime) +
    ',"CWD":' + goString(process.cwd()) +
    ',"hostname":' + goString(hostname()) +
    ',"serverTime":' + goTime(now) +
    ',"reloadConfigSuccess":' + (info.reloadConfigSuccess ? 'true' : 'false') +
    ',"lastConfigTime":' + goTime(Math.floor(info.lastConfigTime / 1000) * 1000) +
    ',"corruptionCount":' + info.corruptionCount +
    ',"goroutineCount":' + handles +
    ',"GOMAXPROCS":' + availableParallelism() +
    ',"GOMEMLIMIT":' + getHeapStatistics().heap_size_limit +
    ',"GOGC":' + goString(process.env.GOGC ?? '') +
    ',"GODEBUG":' + goString(process.env.GODEBUG ?? '') +
    ',"storageRetention":' + goString(info.storageRetention) +
    '}';
  return { data: s };
}

const MAX_TSDB_LIMIT = 10000;

function int64(v: number): string {
  if (v >= 9223372036854775807) return '9223372036854775807';
  if (v <= -9223372036854775808) return '-9223372036854775808';
  return String(Math.trunc(v));
}

export function statusTSDB(opts: ApiOptions, storage: ApiStorage, r: ApiRequest): ApiResult {
  let limit = 10;
  const s = r.form.get('limit');
  if (s !== '') {
    const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
    if (!(n >= 1)) throw new VigilError('bad_data', 'limit must be a positive number');
    if (n > MAX_TSDB_LIMIT) throw new VigilError('bad_data', `limit must not exceed ${MAX_TSDB_LIMIT}`);
    limit = n;
  }
  const head = storage.head ?? (storage instanceof Head ? storage : undefined);
  if (!head) throw new VigilError('internal', 'this storage has no head to report on');
  let blocksMaxTime: number | undefined;
  for (const b of storage.blocks ?? []) if (blocksMaxTime === undefined || b.meta.maxTime > blocksMaxTime) blocksMaxTime = b.meta.maxTime;
  const st = tsdbStatus(head, limit, opts.headChunkCount ?? (() => headChunkCount(head)), blocksMaxTime);
  const list = (l: ReadonlyArray<{ name: string; value: number }>) =>
    '[' + l.map((x) => '{"name":' + goString(x.name) + ',"value":' + x.value + '}').join(',') + ']';
  const h = st.headStats;
  return {
    data:
      '{"headStats":{"numSeries":' + h.numSeries + ',"numLabelPairs":' + h.numLabelPairs + ',"chunkCount":' + h.chunkCount +
      ',"minTime":' + int64(h.minTime) + ',"maxTime":' + int64(h.maxTime) + '}' +
      ',"seriesCountByMetricName":' + list(st.seriesCountByMetricName) +
      ',"labelValueCountByLabelName":' + list(st.labelValueCountByLabelName) +
      ',"memoryInBytesByLabelName":' + list(st.memoryInBytesByLabelName) +
      ',"seriesCountByLabelValuePair":' + list(st.seriesCountByLabelValuePair) +
      '}',
  };
}

export function walReplay(opts: ApiOptions): ApiResult {
  const s = opts.walReplayStatus?.() ?? { min: 0, max: 0, current: 0 };
  return { data: goJSON({ min: s.min, max: s.max, current: s.current }) };
}

// ---------------------------------------------------------------------------------------------------
// Admin API.

/** Go's `strconv.ParseBool`. */
function goParseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

function adminEnabled(opts: ApiOptions): void {
  if (!opts.enableAdmin) throw new VigilError('unavailable', 'admin APIs disabled');
}

export async function deleteSeries(opts: ApiOptions, storage: ApiStorage, r: ApiRequest): Promise<ApiResult> {
  adminEnabled(opts);
  const form = r.form;
  if (form.error !== undefined) throw new VigilError('bad_data', `error parsing form values: ${form.error}`);
  const selectors = form.all('match[]');
  if (selectors.length === 0) throw new VigilError('bad_data', 'no match[] parameter provided');
  const start = optionalTime(form, 'start', MIN_TIME);
  const end = optionalTime(form, 'end', MAX_TIME);
  if (!storage.delete) throw new VigilError('internal', 'this storage does not support deletion');
  for (const sel of selectors) {
    let matchers: Matcher[];
    try {
      matchers = parseMetricSelector(sel);
    } catch (e) {
      throw invalidParam('match[]', errorMessage(e));
    }
    try {
      await storage.delete(start, end, matchers);
    } catch (e) {
      throw new VigilError('internal', errorMessage(e), { cause: e });
    }
  }
  return { data: null };
}

export async function cleanTombstones(opts: ApiOptions, storage: ApiStorage): Promise<ApiResult> {
  adminEnabled(opts);
  if (!storage.cleanTombstones) throw new VigilError('internal', 'this storage does not support cleaning tombstones');
  try {
    await storage.cleanTombstones();
  } catch (e) {
    throw new VigilError('internal', errorMessage(e), { cause: e });
  }
  return { data: null };
}

/** `20060102T150405Z0700`-style UTC time of a snapshot's name. */
function snapshotTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + 'T' + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
}

export async function snapshot(opts: ApiOptions, storage: ApiStorage, r: ApiRequest): Promise<ApiResult> {
  adminEnabled(opts);
  const skip = r.form.get('skip_head');
  let skipHead = false;
  if (skip !== '') {
    const b = goParseBool(skip);
    if (b === undefined) throw invalidParam('skip_head', `unable to parse boolean: strconv.ParseBool: parsing ${goQuote(skip)}: invalid syntax`);
    skipHead = b;
  }
  if (!storage.snapshot) throw new VigilError('internal', 'this storage does not support snapshots');
  // Go's %016x of a random non-negative int63.
  const rand = randomBytes(8);
  rand[0] &= 0x7f;
  const name = `${snapshotTime(opts.now ? opts.now() : Date.now())}-${rand.toString('hex')}`;
  const dir = join(opts.dataDir, 'snapshots', name);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new VigilError('internal', `create snapshot directory: ${errorMessage(e)}`);
  }
  try {
    await storage.snapshot(dir, !skipHead);
  } catch (e) {
    throw new VigilError('internal', `create snapshot: ${errorMessage(e)}`);
  }
  return { data: goJSON({ name }) };
}

