/**
 * The metric store: groups of pushed metric families, keyed by their grouping labels, with the indexes
 * that make a push's consistency check cost what the push costs (not what the whole store holds):
 *
 * - `families`: family name → its type and the blocks (one per group) that carry it;
 * - `series`: a 30-bit slice of each series' hash → the block(s) holding it, for duplicates across groups;
 * - `identities`: each group's own `push_time_seconds` label set, so that two groups can never expose
 *   the same one (`{job="a"}` and `{job="a",instance=""}` would).
 *
 * `groups` is kept in order of last push (a push moves its group to the end), so expiry walks from the
 * front and stops at the first live group. Everything is synchronous: a push is checked and applied in
 * one step, so the order of requests is the order of effects.
 */
import { FamilyBlock, Kind, sanitizedLabels, sanitizeLabels, type ParsedFamily } from './family.js';
import { checkPush, type OwnFamily } from './consistency.js';
import { goQuote, protoTextMetric } from './go-format.js';
import { groupingKey } from './grouping.js';

export const PUSH_TIME = 'push_time_seconds';
export const PUSH_TIME_HELP = 'Last Unix time when changing this group in the Pushgateway succeeded.';
export const PUSH_FAILURE_TIME = 'push_failure_time_seconds';
export const PUSH_FAILURE_TIME_HELP = 'Last Unix time when changing this group in the Pushgateway failed.';

export class Group {
  readonly key: string;
  /** Grouping labels, flat, sorted by name (`job` among them). */
  readonly labels: readonly string[];
  /** The grouping labels with `instance=""` added when absent: the labels of the push time series. */
  readonly identity: readonly string[];
  readonly families = new Map<string, FamilyBlock>();
  /** `push_time_seconds` value (seconds, 0 when no push succeeded) and when it was set (ms). */
  pushTime = 0;
  pushStampMs = 0;
  /** `push_failure_time_seconds` value and when it was set. */
  failureTime = 0;
  failureStampMs = 0;
  /** Last push attempt (successful or not), for `--push.group-ttl`. */
  lastSeenMs = 0;

  constructor(labels: readonly string[], key: string) {
    this.labels = labels;
    this.key = key;
    this.identity = sanitizedLabels([], labels);
  }

  /** The grouping label `name`, or `''`. */
  label(name: string): string {
    for (let i = 0; i < this.labels.length; i += 2) if (this.labels[i] === name) return this.labels[i + 1];
    return '';
  }

  /** As the Pushgateway's `LastPushSuccess`: no failure newer than the last success. */
  get lastPushSuccessful(): boolean {
    return this.failureTime <= this.pushTime;
  }

  /** Number of series (metrics) the group exposes, its two push time series included. */
  get seriesCount(): number {
    let n = 2;
    for (const b of this.families.values()) n += b.size;
    return n;
  }
}

interface FamilyEntry {
  type: Kind;
  readonly blocks: Set<FamilyBlock>;
}

export type PushResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface StoreOptions {
  /** Check pushes against the store (`--push.disable-consistency-check` turns it off). Default true. */
  readonly checkConsistency?: boolean;
  /** The gateway's own metric families (exposed with the pushed ones): their types must not be contradicted. */
  readonly ownFamilies?: ReadonlyMap<string, OwnFamily>;
}

const SERIES_KEY_MASK = 0x3fffffff;

export class MetricStore {
  /** Groups in order of last push. */
  readonly groups = new Map<string, Group>();
  private readonly families = new Map<string, FamilyEntry>();
  private readonly series = new Map<number, FamilyBlock | FamilyBlock[]>();
  private readonly identities = new Map<string, Group>();
  readonly checkConsistency: boolean;
  readonly ownFamilies: ReadonlyMap<string, OwnFamily>;
  /** Increases on every change (for callers that cache what they render). */
  version = 0;

  constructor(options: StoreOptions = {}) {
    this.checkConsistency = options.checkConsistency ?? true;
    this.ownFamilies = options.ownFamilies ?? new Map();
  }

  get size(): number {
    return this.groups.size;
  }

  getGroup(grouping: readonly string[]): Group | undefined {
    return this.groups.get(groupingKey(grouping));
  }

  /** Family names with at least one block, unsorted. */
  familyNames(): IterableIterator<string> {
    return this.families.keys();
  }

  /** The blocks of a family across groups, and its type. */
  family(name: string): { type: Kind; blocks: ReadonlySet<FamilyBlock> } | undefined {
    return this.families.get(name);
  }

  /** The type other groups fix for `name`, ignoring `exclude` (a block about to be replaced). */
  typeOf(name: string, exclude: FamilyBlock | undefined): Kind | undefined {
    const e = this.families.get(name);
    if (e === undefined) return undefined;
    if (exclude !== undefined && e.blocks.size === 1 && e.blocks.has(exclude)) return undefined;
    return e.type;
  }

  /**
   * Whether a series with these (sanitized) labels exists in a block for which `skip` is false. Compares
   * the labels, not only the hash.
   */
  hasSeries(name: string, labels: readonly string[], hash: number, skip: (b: FamilyBlock) => boolean): boolean {
    const hit = this.series.get(hash & SERIES_KEY_MASK);
    if (hit === undefined) return false;
    const blocks = Array.isArray(hit) ? hit : [hit];
    for (const b of blocks) {
      if (b.name !== name || skip(b)) continue;
      for (let i = 0; i < b.size; i++) if (b.hashes[i] === hash && b.hasLabels(i, labels)) return true;
    }
    return false;
  }

  /**
   * A push (`replace`: PUT, else POST) of parsed families into the group `grouping` (flat, sorted). Checks
   * it (unless checking is off), and applies all of it or nothing. A rejected push still records its time
   * as the group's `push_failure_time_seconds` (creating the group if needed), as the Pushgateway does.
   */
  push(grouping: readonly string[], parsed: Iterable<ParsedFamily>, replace: boolean, nowMs: number): PushResult {
    const key = groupingKey(grouping);
    let group = this.groups.get(key);
    const pushed: ParsedFamily[] = [];
    for (const f of parsed) if (f.name !== PUSH_TIME && f.name !== PUSH_FAILURE_TIME) pushed.push(f);
    pushed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const f of pushed) {
      for (const m of f.metrics) {
        if (m.timestampMs !== undefined) return this.fail(grouping, key, group, nowMs, 'pushed metrics must not have timestamps');
      }
    }
    for (const f of pushed) sanitizeLabels(f, grouping);
    if (group === undefined) {
      const clash = this.identities.get(groupingKey(sanitizedLabels([], grouping)));
      if (clash !== undefined) {
        // Both groups would expose the same push_time_seconds series: the scrape would break.
        const identity = sanitizedLabels([], grouping);
        return {
          ok: false,
          error: `collected metric ${goQuote(PUSH_TIME)} { ${protoTextMetric({ labels: identity, field: 'gauge', value: 0, count: 0, points: undefined, timestampMs: undefined })}} was collected before with the same name and label values`,
        };
      }
    }
    const errors = checkPush(this, group, pushed, replace, this.checkConsistency);
    if (errors.length > 0) {
      const message = errors.length === 1 ? errors[0] : `${errors.length} error(s) occurred:\n* ${errors.join('\n* ')}`;
      return this.fail(grouping, key, group, nowMs, message);
    }
    group ??= this.createGroup(grouping, key);
    if (replace) {
      for (const b of group.families.values()) this.removeBlock(b);
      group.families.clear();
    }
    for (const f of pushed) {
      const old = group.families.get(f.name);
      if (old !== undefined) this.removeBlock(old);
      const block = new FamilyBlock(f.name, f.type, f.help, nowMs, f.metrics);
      group.families.set(f.name, block);
      this.addBlock(block);
    }
    group.pushTime = nowMs / 1000;
    group.pushStampMs = nowMs;
    if (group.failureStampMs === 0) group.failureStampMs = nowMs;
    this.touch(group, nowMs);
    return { ok: true };
  }

  private fail(grouping: readonly string[], key: string, group: Group | undefined, nowMs: number, error: string): PushResult {
    if (group === undefined) {
      if (this.identities.has(groupingKey(sanitizedLabels([], grouping)))) return { ok: false, error };
      group = this.createGroup(grouping, key);
    }
    group.failureTime = nowMs / 1000;
    group.failureStampMs = nowMs;
    if (group.pushStampMs === 0) group.pushStampMs = nowMs;
    this.touch(group, nowMs);
    return { ok: false, error };
  }

  private createGroup(grouping: readonly string[], key: string): Group {
    const g = new Group(grouping.slice(), key);
    this.groups.set(key, g);
    this.identities.set(groupingKey(g.identity), g);
    return g;
  }

  /** Moves the group to the end of the push order. */
  private touch(group: Group, nowMs: number): void {
    group.lastSeenMs = nowMs;
    this.groups.delete(group.key);
    this.groups.set(group.key, group);
    this.version++;
  }

  private addBlock(b: FamilyBlock): void {
    let e = this.families.get(b.name);
    if (e === undefined) {
      e = { type: b.type, blocks: new Set() };
      this.families.set(b.name, e);
    }
    e.blocks.add(b);
    for (let i = 0; i < b.size; i++) {
      const k = b.hashes[i] & SERIES_KEY_MASK;
      const hit = this.series.get(k);
      if (hit === undefined) this.series.set(k, b);
      else if (Array.isArray(hit)) hit.push(b);
      else this.series.set(k, [hit, b]);
    }
  }

  private removeBlock(b: FamilyBlock): void {
    const e = this.families.get(b.name);
    if (e !== undefined) {
      e.blocks.delete(b);
      if (e.blocks.size === 0) this.families.delete(b.name);
    }
    for (let i = 0; i < b.size; i++) {
      const k = b.hashes[i] & SERIES_KEY_MASK;
      const hit = this.series.get(k);
      if (hit === b) this.series.delete(k);
      else if (Array.isArray(hit)) {
        const at = hit.indexOf(b);
        if (at >= 0) hit.splice(at, 1);
        if (hit.length === 1) this.series.set(k, hit[0]);
        else if (hit.length === 0) this.series.delete(k);
      }
    }
  }

  /** Removes a group (DELETE). Returns whether it existed: deleting a missing group is not an error. */
  delete(grouping: readonly string[]): boolean {
    const g = this.groups.get(groupingKey(grouping));
    if (g === undefined) return false;
    this.deleteGroup(g);
    return true;
  }

  deleteGroup(g: Group): void {
    if (this.groups.get(g.key) !== g) return;
    this.groups.delete(g.key);
    this.identities.delete(groupingKey(g.identity));
    for (const b of g.families.values()) this.removeBlock(b);
    this.version++;
  }

  /** Removes every group, at once (the indexes are dropped whole, not emptied series by series). */
  wipe(): number {
    const n = this.groups.size;
    this.groups.clear();
    this.families.clear();
    this.series.clear();
    this.identities.clear();
    this.version++;
    return n;
  }

  /** Removes the groups for which `match` is true; returns them. */
  deleteWhere(match: (g: Group) => boolean): Group[] {
    const doomed: Group[] = [];
    for (const g of this.groups.values()) if (match(g)) doomed.push(g);
    if (doomed.length === this.groups.size && doomed.length > 0) {
      this.wipe();
      return doomed;
    }
    for (const g of doomed) this.deleteGroup(g);
    return doomed;
  }

  /** Drops the groups not pushed to since `nowMs - ttlMs`. Returns how many. */
  expire(nowMs: number, ttlMs: number): number {
    const cutoff = nowMs - ttlMs;
    const doomed: Group[] = [];
    for (const g of this.groups.values()) {
      if (g.lastSeenMs > cutoff) break; // groups are in push order
      doomed.push(g);
    }
    if (doomed.length === this.groups.size && doomed.length > 0) return this.wipe();
    for (const g of doomed) this.deleteGroup(g);
    return doomed.length;
  }

  /**
   * Puts back a group as it was persisted (no checks: it was consistent when written). Groups must come
   * in order of last push.
   */
  restoreGroup(
    grouping: readonly string[],
    blocks: readonly FamilyBlock[],
    times: { pushTime: number; pushStampMs: number; failureTime: number; failureStampMs: number; lastSeenMs: number },
  ): Group {
    const key = groupingKey(grouping);
    const old = this.groups.get(key);
    if (old !== undefined) this.deleteGroup(old);
    const g = this.createGroup(grouping, key);
    for (const b of blocks) {
      g.families.set(b.name, b);
      this.addBlock(b);
    }
    g.pushTime = times.pushTime;
    g.pushStampMs = times.pushStampMs;
    g.failureTime = times.failureTime;
    g.failureStampMs = times.failureStampMs;
    g.lastSeenMs = times.lastSeenMs;
    this.version++;
    return g;
  }

  /** Groups ordered by their labels, `job` first (for the API and the page). */
  sortedGroups(): Group[] {
    const out = [...this.groups.values()];
    const keyOf = (g: Group) => {
      const parts = [g.label('job')];
      for (let i = 0; i < g.labels.length; i += 2) if (g.labels[i] !== 'job') parts.push(g.labels[i], g.labels[i + 1]);
      return parts;
    };
    const keys = new Map(out.map((g) => [g, keyOf(g)]));
    out.sort((a, b) => {
      const x = keys.get(a)!;
      const y = keys.get(b)!;
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      return x.length - y.length;
    });
    return out;
  }

  /** Sizes of the indexes (for tests: nothing must outlive the groups that put it there). */
  indexSizes(): { families: number; seriesKeys: number; identities: number } {
    return { families: this.families.size, seriesKeys: this.series.size, identities: this.identities.size };
  }

  /** Total number of series exposed from pushes (push time series included). */
  seriesCount(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.seriesCount;
    return n;
  }
}
