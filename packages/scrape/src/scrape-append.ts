/**
 * Appending one scrape: the streaming parser's entries go to the `Appender` through a per-target series
 * cache keyed by the series text as written (`http_requests_total{code="200"}`), so a series seen before
 * costs a lookup and an `append(ref, ...)`: no label set, no relabeling. Staleness is tracked per series
 * (the scrape iteration it was last seen in), and series that disappear get a staleness marker.
 *
 * The lookup makes no string: targets expose the same series in the same order scrape after scrape, so the
 * parser is told which series to expect next (`expectSeries`) and checks the line against it in place; a
 * series out of that order is found by a hash of its text computed in place (`seriesHash`) and compared in
 * place (`seriesIs`). Only a series new to the cache costs a string (its key, copied out of the body).
 *
 * The semantics are Prometheus's `scrapeLoop.append`: honor_labels / honor_timestamps, `exported_`
 * prefixes, metric relabeling, label and sample limits, duplicates, out-of-order and out-of-bounds samples
 * counted and skipped, other append errors failing the scrape.
 */
import { Labels, METRIC_NAME, STALE_NAN, errorMessage, isStaleNaN } from '@vigil/model';
import { AppendError, type Appender, type SeriesRef } from '@vigil/tsdb';
import { EntryType, OpenMetricsParser, ProtobufParser, TextParser, createParser, formatForContentType, type ExpositionParser, type WireFormat } from '@vigil/exposition';
import type { NameValidationScheme, RelabelConfig } from './config-types.js';
import { LabelSetBuilder, processRelabel } from './relabel.js';
import { validLabelName } from './config-schema.js';
import { MetadataStore } from './metadata.js';

/** How far in the future a sample may be (Prometheus's `maxAheadTime`). */
const MAX_AHEAD_MS = 10 * 60 * 1000;

export class CacheEntry {
  /**
   * The series as written in the exposition, when it is not ASCII. An ASCII key is kept as bytes only,
   * in the cache's key arena (`keyOffset`): half the memory of a string, and no object of its own.
   */
  readonly key: string | undefined;
  /** The key's length in characters. */
  readonly keyLength: number;
  /** `seriesHash(key)`. */
  readonly hash: number;
  ref: SeriesRef;
  /** Empty for a series dropped by metric relabeling (it is remembered so as not to relabel it again). */
  readonly lset: Labels;
  readonly dropped: boolean;
  /** Read from an OpenMetrics body (else the text format): a parser is told to expect keys of its own format only. */
  readonly om: boolean;
  /** Scrape iteration in which the series text was last looked up. */
  lastIter: number;
  /**
   * Scrape iteration in which the series was last appended without an explicit timestamp. Never: -2,
   * which no "previous iteration" (`iter - 1 >= -1`) can equal.
   */
  trackedIter = -2;
  /** Index in the scrape order of the iteration it was last seen in (a hint: check `order[pos] === this`). */
  pos = -1;
  /**
   * Where the key's bytes are in the cache's key arena; -1 when the key is not ASCII (kept in `key`); -2
   * once the entry is removed from the cache (an order hint may still refer to it: it then matches nothing).
   */
  keyOffset = -1;
  /** The next entry with the same hash. */
  next: CacheEntry | undefined = undefined;

  constructor(key: string | undefined, keyLength: number, hash: number, ref: SeriesRef, lset: Labels, iter: number, om: boolean, dropped = false) {
    this.key = key;
    this.om = om;
    this.keyLength = keyLength;
    this.hash = hash;
    this.ref = ref;
    this.lset = lset;
    this.lastIter = iter;
    this.dropped = dropped;
  }
}

/** A target's memory between scrapes: series refs, dropped series, staleness and metadata. Survives reloads. */
export class ScrapeCache {
  iter = 0;
  /** Entries by the hash of their key; entries with the same hash are chained through `next`. */
  private readonly buckets = new Map<number, CacheEntry>();
  private count = 0;
  /**
   * The entries in the order the target exposed them in the last successful scrape: the i-th sample of
   * the next scrape is expected to be `order[i]`, and is checked against it in place first.
   */
  order: CacheEntry[] = [];
  /** Where the scrape in progress writes its order (becomes `order` when it succeeds). */
  nextOrder: CacheEntry[] = [];
  readonly metadata = new MetadataStore();
  /** Refs of the synthetic series (`up`, ...), by name. */
  readonly reportRefs = new Map<string, SeriesRef>();
  /** Entries tracked in the previous iteration, and how many of them were seen again in this one. */
  prevTracked = 0;
  curTracked = 0;
  retracked = 0;
  /** Distinct entries looked up in this iteration (when all were, a flush has nothing to drop). */
  seen = 0;
  private successfulCount = 0;
  /**
   * The ASCII keys' bytes, one after the other (`CacheEntry.keyOffset`): the parser compares a line with
   * its expected key four bytes at a time. Space of removed keys is reclaimed by compacting.
   */
  private arena = new Uint8Array(0);
  keyBytes = new DataView(this.arena.buffer);
  private arenaUsed = 0;
  private arenaLive = 0;

  /** Number of series (and dropped series) cached. */
  get size(): number {
    return this.count;
  }

  /** The entry for the parser's current series, found without making a string. */
  find(p: ExpositionParser, hash: number): CacheEntry | undefined {
    let e = this.buckets.get(hash);
    while (e !== undefined && !this.isSeries(p, e)) e = e.next;
    return e;
  }

  /** Whether the parser's current series is `e`'s. */
  isSeries(p: ExpositionParser, e: CacheEntry): boolean {
    const at = e.keyOffset;
    return at >= 0 ? p.seriesIsBytes(this.keyBytes, at, e.keyLength) : at === -1 && p.seriesIs(e.key!);
  }

  /** Tells the parser to expect `e`'s series on the next sample line. */
  expect(p: ExpositionParser, e: CacheEntry): void {
    const at = e.keyOffset;
    if (at >= 0) p.expectSeriesBytes(this.keyBytes, at, e.keyLength);
    else if (at === -1) p.expectSeries(e.key!);
  }

  /** A new entry for the parser's current series (`hash` is `p.seriesHash()`; `om`: an OpenMetrics parser). */
  create(p: ExpositionParser, hash: number, ref: SeriesRef, lset: Labels, iter: number, om: boolean, dropped = false): CacheEntry {
    const series = p.series();
    const n = series.length;
    let ascii = true;
    for (let i = 0; i < n && ascii; i++) ascii = series.charCodeAt(i) <= 0x7f;
    const e = new CacheEntry(ascii ? undefined : detach(series), n, hash, ref, lset, iter, om, dropped);
    if (ascii) {
      if (this.arenaUsed + n > this.arena.length) this.growArena(n);
      const a = this.arena;
      const at = this.arenaUsed;
      for (let i = 0; i < n; i++) a[at + i] = series.charCodeAt(i);
      e.keyOffset = at;
      this.arenaUsed = at + n;
      this.arenaLive += n;
    }
    e.next = this.buckets.get(hash);
    this.buckets.set(hash, e);
    this.count++;
    return e;
  }

  /** Makes room for `n` more bytes: compacts (live keys only) into an arena of 1.5 times their size, at least. */
  private growArena(n: number): void {
    let cap = Math.max(4096, Math.ceil(1.5 * (this.arenaLive + n)));
    if (cap < this.arena.length) cap = this.arena.length;
    const next = new Uint8Array(cap);
    const old = this.arena;
    let at = 0;
    this.forEach((e) => {
      if (e.keyOffset < 0) return;
      const len = e.keyLength;
      next.set(old.subarray(e.keyOffset, e.keyOffset + len), at);
      e.keyOffset = at;
      at += len;
    });
    this.arena = next;
    this.keyBytes = new DataView(next.buffer);
    this.arenaUsed = this.arenaLive = at;
  }

  private remove(e: CacheEntry): void {
    const head = this.buckets.get(e.hash);
    if (head === e) {
      if (e.next === undefined) this.buckets.delete(e.hash);
      else this.buckets.set(e.hash, e.next);
    } else {
      let x = head;
      while (x !== undefined && x.next !== e) x = x.next;
      if (x === undefined) return;
      x.next = e.next;
    }
    e.next = undefined;
    this.count--;
    if (e.keyOffset >= 0) this.arenaLive -= e.keyLength;
    e.keyOffset = -2;
  }

  /** Calls `fn` for every entry (entries may be removed meanwhile, the current one included). */
  private forEach(fn: (e: CacheEntry) => boolean | void): void {
    for (const head of this.buckets.values()) {
      let e: CacheEntry | undefined = head;
      while (e !== undefined) {
        const next: CacheEntry | undefined = e.next;
        if (fn(e) === false) return;
        e = next;
      }
    }
  }

  track(e: CacheEntry): void {
    if (e.trackedIter === this.iter) return;
    if (e.trackedIter === this.iter - 1) this.retracked++;
    e.trackedIter = this.iter;
    this.curTracked++;
  }

  /** Series tracked in the previous iteration and not in this one: they get staleness markers. */
  forEachStale(fn: (e: CacheEntry) => boolean): void {
    if (this.prevTracked === this.retracked) return;
    const prev = this.iter - 1;
    this.forEach((e) => (e.trackedIter === prev ? fn(e) : true));
  }

  /** Label strings of this target's series, detached from scrape bodies and shared between series. */
  private interned = new Map<string, string>();

  intern(str: string): string {
    let v = this.interned.get(str);
    if (v === undefined) {
      if (this.interned.size > 4 * this.count + 1024) this.interned = new Map();
      v = detach(str);
      this.interned.set(v, v);
    }
    return v;
  }

  /** The label set with every string detached (and interned): safe to keep in the cache and in storage. */
  detachLabels(l: Labels): Labels {
    const f = l.flat;
    const out = new Array<string>(f.length);
    for (let i = 0; i < f.length; i++) out[i] = this.intern(f[i]);
    return Labels.fromSortedFlat(out);
  }

  /** Drops entries whose series were created in a batch that is being rolled back. */
  forget(entries: readonly CacheEntry[]): void {
    for (const e of entries) {
      if (e.trackedIter === this.iter) this.curTracked--;
      if (e.lastIter === this.iter) this.seen--;
      this.remove(e);
    }
  }

  /** Forgets every ref (after a failed commit the storage may not know them). */
  clearRefs(): void {
    this.buckets.clear();
    this.count = 0;
    this.arenaUsed = this.arenaLive = 0;
    this.order = [];
    this.nextOrder = [];
    this.reportRefs.clear();
    this.prevTracked = this.curTracked = this.retracked = 0;
  }

  /**
   * Ends an iteration; after a successful scrape (`flush`), `nextOrder` (its first `n` entries) becomes
   * the order, and series and dropped entries not seen in it are forgotten.
   */
  iterDone(flush: boolean, n = 0): void {
    const count = this.count + this.metadata.size;
    if (flush) {
      this.successfulCount = count;
      const order = this.nextOrder;
      order.length = n;
      this.nextOrder = this.order;
      this.order = order;
    } else if (count > this.successfulCount * 2 + 1000) flush = true;
    if (flush) {
      // Nothing to drop when every entry was seen (the steady state): skip the walk.
      if (this.seen !== this.count) {
        const iter = this.iter;
        // Keep entries tracked now: their staleness marker is due at the next iteration.
        this.forEach((e) => {
          if (e.lastIter !== iter && e.trackedIter !== iter) this.remove(e);
        });
      }
      this.metadata.expire(this.iter);
    }
    this.prevTracked = this.curTracked;
    this.curTracked = 0;
    this.retracked = 0;
    this.seen = 0;
    this.iter++;
  }
}

export interface AppendSettings {
  /** The target's public labels (`job`, `instance`, ...). */
  readonly targetLabels: Labels;
  readonly honorLabels: boolean;
  readonly honorTimestamps: boolean;
  readonly trackTimestampsStaleness: boolean;
  readonly metricRelabelConfigs: readonly RelabelConfig[];
  readonly validationScheme: NameValidationScheme;
  readonly sampleLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  /** Ingest the native histograms of protobuf bodies (else their classic parts only). */
  readonly scrapeNativeHistograms?: boolean;
  /** Also ingest the classic parts of histograms that are native too. */
  readonly alwaysScrapeClassicHistograms?: boolean;
  /** `native_histogram_bucket_limit` (0: none). */
  readonly nativeHistogramBucketLimit?: number;
  /** The highest schema stored (from `native_histogram_min_bucket_factor`). */
  readonly nativeHistogramMaxSchema?: number;
}

export interface AppendResult {
  /** Samples in the exposition. */
  total: number;
  /** Samples left after metric relabeling. */
  added: number;
  /** Series new in this scrape. */
  seriesAdded: number;
  /** Why the scrape failed (Prometheus's text), if it did. */
  error?: string;
  /** Samples skipped because the storage refused them, by reason. */
  outOfOrder: number;
  duplicates: number;
  outOfBounds: number;
  /** More samples than `sample_limit`: the scrape was rejected. */
  sampleLimitExceeded: boolean;
}

/**
 * A copy of a string that does not keep the scrape body alive: the parser's strings are slices of the
 * body, and one kept slice pins the whole body (a leak of a body per new series otherwise).
 */
export function detach(s: string): string {
  return (' ' + s).slice(1);
}

function detachAll(l: Labels): Labels {
  return Labels.fromSortedFlat(l.flat.map(detach));
}

const EMPTY_RESULT = (): AppendResult => ({ total: 0, added: 0, seriesAdded: 0, outOfOrder: 0, duplicates: 0, outOfBounds: 0, sampleLimitExceeded: false });

/** Target labels onto a scraped label set, then metric relabeling; `undefined` when dropped. */
export function mutateSampleLabels(lset: Labels, s: AppendSettings): Labels | undefined {
  const target = s.targetLabels;
  if (target.size === 0 && s.metricRelabelConfigs.length === 0) return lset;
  const lb = new LabelSetBuilder(lset);
  if (s.honorLabels) {
    target.forEach((name, value) => {
      if (!lset.has(name)) lb.set(name, value);
    });
  } else {
    const conflicts: Array<[string, string]> = [];
    target.forEach((name, value) => {
      const existing = lset.get(name);
      if (existing !== '') conflicts.push([name, existing]);
      lb.set(name, value);
    });
    if (conflicts.length > 0) {
      // Shorter names first, so that `exported_` prefixes stack the way Prometheus stacks them.
      conflicts.sort((a, b) => a[0].length - b[0].length);
      for (const [name, value] of conflicts) {
        let newName = name;
        for (;;) {
          newName = 'exported_' + newName;
          if (lb.get(newName) === '') {
            lb.set(newName, value);
            break;
          }
        }
      }
    }
  }
  if (!processRelabel(lb, s.metricRelabelConfigs)) return undefined;
  const out = lb.labels();
  return out.size === 0 ? undefined : out;
}

function trunc50(s: string): string {
  return [...s].slice(0, 50).join('');
}

/** Prometheus's `verifyLabelLimits`, with its error texts. */
export function labelLimitError(lset: Labels, s: AppendSettings): string | undefined {
  if (s.labelLimit === 0 && s.labelNameLengthLimit === 0 && s.labelValueLengthLimit === 0) return undefined;
  const met = trunc50(lset.metricName());
  if (s.labelLimit > 0 && lset.size > s.labelLimit) {
    return `label_limit exceeded (metric: ${met}, number of labels: ${lset.size}, limit: ${s.labelLimit})`;
  }
  if (s.labelNameLengthLimit === 0 && s.labelValueLengthLimit === 0) return undefined;
  const f = lset.flat;
  for (let i = 0; i < f.length; i += 2) {
    const nameLen = Buffer.byteLength(f[i]);
    if (s.labelNameLengthLimit > 0 && nameLen > s.labelNameLengthLimit) {
      return `label_name_length_limit exceeded (metric: ${met}, label name: ${trunc50(f[i])}, length: ${nameLen}, limit: ${s.labelNameLengthLimit})`;
    }
    const valueLen = Buffer.byteLength(f[i + 1]);
    if (s.labelValueLengthLimit > 0 && valueLen > s.labelValueLengthLimit) {
      return `label_value_length_limit exceeded (metric: ${met}, label name: ${trunc50(f[i])}, value: ${JSON.stringify(trunc50(f[i + 1]))}, length: ${valueLen}, limit: ${s.labelValueLengthLimit})`;
    }
  }
  return undefined;
}

function labelsValid(lset: Labels, scheme: NameValidationScheme): boolean {
  const f = lset.flat;
  for (let i = 0; i < f.length; i += 2) {
    if (!validLabelName(f[i], scheme) && !(f[i] === METRIC_NAME)) return false;
    if (!(f[i + 1] as string & { isWellFormed(): boolean }).isWellFormed()) return false;
  }
  if (scheme === 'legacy' && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(lset.metricName())) return false;
  return true;
}

/**
 * Writes staleness markers for series seen in the previous scrape and not in this one. Out-of-order and
 * duplicate refusals are expected (a target that came back) and ignored.
 */
export function updateStaleMarkers(app: Appender, cache: ScrapeCache, t: number): string | undefined {
  let err: string | undefined;
  cache.forEachStale((e) => {
    try {
      app.append(e.ref, e.lset, t, STALE_NAN);
    } catch (x) {
      if (x instanceof AppendError && (x.reason === 'out_of_order' || x.reason === 'duplicate')) return true;
      err = (x as Error).message;
      return false;
    }
    return true;
  });
  return err;
}

/** Wire formats of the `Content-Type` values seen (a handful per server): parsed once each. */
const formats = new Map<string, WireFormat>();

function wireFormat(contentType: string): WireFormat {
  let f = formats.get(contentType);
  if (f === undefined) {
    if (formats.size >= 64) formats.clear();
    f = formatForContentType(contentType).format;
    formats.set(contentType, f);
  }
  return f;
}

/** The parser `createParser` would choose, given the body's bytes when it has them (always, for protobuf). */
function parserFor(text: string, f: WireFormat, contentType: string, raw: Uint8Array | undefined, s: AppendSettings): ExpositionParser {
  if (f === 'protobuf' && raw !== undefined) {
    return new ProtobufParser(raw, {
      ignoreNativeHistograms: s.scrapeNativeHistograms !== true,
      parseClassicHistograms: s.alwaysScrapeClassicHistograms === true,
      bucketLimit: s.nativeHistogramBucketLimit,
      maxSchema: s.nativeHistogramMaxSchema,
    });
  }
  const options = raw !== undefined ? { bytes: raw } : undefined;
  if (f === 'text') return new TextParser(text, options);
  if (f === 'openmetrics') return new OpenMetricsParser(text, options);
  return createParser(text, contentType);
}

/**
 * Appends an exposition (or, with `text` empty, nothing: only staleness markers) at default time `t`.
 * On `error` the caller rolls the appender back and calls again with an empty text, as Prometheus does.
 * `raw` may give the bytes `text` is the Latin-1 decoding of (an ASCII body): lines are then compared with
 * the series expected on them four bytes at a time.
 */
export function appendScrape(app: Appender, cache: ScrapeCache, s: AppendSettings, text: string, contentType: string, t: number, now: number, raw?: Uint8Array): AppendResult {
  const res = EMPTY_RESULT();
  if (text.length === 0 && (raw === undefined || raw.length === 0)) {
    res.error = updateStaleMarkers(app, cache, t);
    cache.iterDone(false);
    return res;
  }
  const iter = cache.iter;
  const meta = cache.metadata;
  meta.begin();
  const order = cache.order;
  const nextOrder = cache.nextOrder;
  /** Samples read so far (the index of the next one in `nextOrder`). */
  let idx = 0;
  /** Where in `order` the next sample is expected. */
  let cursor = 0;
  const maxTime = now + MAX_AHEAD_MS;
  let appended = 0;
  let sampleLimitHit = false;
  /** Series first stored by this scrape: forgotten again if the scrape fails (its batch is rolled back). */
  const created: CacheEntry[] = [];
  let error: string | undefined;
  try {
    const format = wireFormat(contentType);
    const om = format === 'openmetrics';
    const p = parserFor(text, format, contentType, raw, s);
    for (;;) {
      const hint = order[cursor];
      if (hint !== undefined && hint.om === om) cache.expect(p, hint);
      const et = p.next();
      if (et === EntryType.Series || et === EntryType.Histogram) {
        res.total++;
        let ts = t;
        let hasTs = false;
        if (s.honorTimestamps) {
          const pt = p.timestamp;
          if (pt === pt) {
            ts = pt;
            hasTs = true;
          }
        }
        let ce: CacheEntry | undefined;
        let hash = 0;
        if (hint !== undefined && (p.seriesMatched || cache.isSeries(p, hint))) {
          ce = hint;
          cursor++;
        } else {
          hash = p.seriesHash();
          ce = cache.find(p, hash);
          // Out of the expected order (a series came or went): expect what followed this one last time.
          if (ce !== undefined && order[ce.pos] === ce) cursor = ce.pos + 1;
        }
        if (ce !== undefined) {
          if (ce.lastIter !== iter) {
            ce.lastIter = iter;
            cache.seen++;
          } else if (!ce.dropped && !hasTs) {
            // The same series twice in one scrape: the second sample is a duplicate (counted below).
            ce.pos = idx;
            nextOrder[idx++] = ce;
            res.duplicates++;
            res.added++;
            continue;
          }
          ce.pos = idx;
          nextOrder[idx++] = ce;
          if (ce.dropped) continue;
        }
        let lset: Labels;
        let ref: SeriesRef = 0;
        if (ce !== undefined) {
          lset = ce.lset;
          ref = ce.ref;
        } else {
          const mutated = mutateSampleLabels(p.labels(), s);
          if (mutated === undefined) {
            const d = cache.create(p, hash, 0, Labels.EMPTY, iter, om, true);
            cache.seen++;
            created.push(d);
            d.pos = idx;
            nextOrder[idx++] = d;
            continue;
          }
          lset = cache.detachLabels(mutated);
          if (lset.metricName() === '') {
            error = 'missing metric name (__name__ label)';
            break;
          }
          if (!labelsValid(lset, s.validationScheme)) {
            error = `invalid metric name or label names: ${lset.toString()}`;
            break;
          }
          const limitErr = labelLimitError(lset, s);
          if (limitErr !== undefined) {
            error = limitErr;
            break;
          }
        }
        const v = p.value;
        let sampleAdded = false;
        if (s.sampleLimit > 0 && (ref === 0 || !isStaleNaN(v)) && ++appended > s.sampleLimit) {
          sampleLimitHit = true;
        } else if (ts > maxTime) {
          res.outOfBounds++;
        } else {
          try {
            ref = et === EntryType.Histogram ? app.appendHistogram(ref, lset, ts, p.histogram!()!) : app.append(ref, lset, ts, v);
            sampleAdded = true;
          } catch (x) {
            if (!(x instanceof AppendError)) throw x;
            if (x.reason === 'out_of_order') res.outOfOrder++;
            else if (x.reason === 'duplicate') res.duplicates++;
            else if (x.reason === 'out_of_bounds' || x.reason === 'too_old') res.outOfBounds++;
            else {
              error = x.message;
              break;
            }
          }
        }
        if (sampleAdded) {
          if (ce !== undefined) {
            ce.ref = ref;
            if (!hasTs || s.trackTimestampsStaleness) cache.track(ce);
          } else {
            ce = cache.create(p, hash, ref, lset, iter, om);
            cache.seen++;
            created.push(ce);
            ce.pos = idx;
            nextOrder[idx++] = ce;
            if (!hasTs || s.trackTimestampsStaleness) cache.track(ce);
            if (!sampleLimitHit) res.seriesAdded++;
          }
          if (p.hasExemplar) {
            const ex = p.exemplar();
            if (ex !== undefined) {
              try {
                app.appendExemplar(ref, lset, { labels: detachAll(ex.labels), value: ex.value, t: ex.timestamp ?? ts });
              } catch {
                // Exemplar storage refusing one does not fail the scrape (as in Prometheus).
              }
            }
          }
        }
        res.added++;
        continue;
      }
      if (et === EntryType.EOF) break;
      if (et === EntryType.Type || et === EntryType.Help || et === EntryType.Unit) meta.see(p, et, iter);
    }
  } catch (x) {
    // A parse error (or anything else the input provokes) fails this scrape, never the server.
    error = errorMessage(x);
  }
  res.sampleLimitExceeded = sampleLimitHit;
  if (error === undefined && sampleLimitHit) error = 'sample limit exceeded';
  if (error === undefined) error = updateStaleMarkers(app, cache, t);
  meta.end(error === undefined);
  if (error === undefined) cache.iterDone(true, idx);
  else cache.forget(created);
  res.error = error;
  return res;
}

/** The synthetic series of every scrape, with the help Prometheus gives them in its metadata API. */
export const REPORT_METRICS = {
  up: 'Health of the scrape target. 1 means the target is healthy, 0 if the scrape failed.',
  scrape_duration_seconds: 'Duration of the last scrape in seconds.',
  scrape_samples_scraped: 'Number of samples last scraped.',
  scrape_samples_post_metric_relabeling: 'Number of samples remaining after metric relabeling was applied.',
  scrape_series_added: 'Number of series in the last scrape.',
  scrape_timeout_seconds: 'The configured scrape timeout for a target.',
  scrape_sample_limit: 'The configured sample limit for a target. Returns zero if there is no limit configured.',
  scrape_body_size_bytes: 'The uncompressed size of the last scrape response, if successful. Scrapes failing because body_size_limit is exceeded report -1, other scrape failures report 0.',
} as const;

export type ReportMetric = keyof typeof REPORT_METRICS;

/** Appends one synthetic series sample (`up{job, instance} 1`), caching its ref. */
export function appendReportSample(app: Appender, cache: ScrapeCache, targetLabels: Labels, name: ReportMetric, t: number, v: number): void {
  const ref = cache.reportRefs.get(name) ?? 0;
  const lset = ref === 0 ? reportLabels(targetLabels, name) : Labels.EMPTY;
  try {
    cache.reportRefs.set(name, app.append(ref, lset, t, v));
  } catch (x) {
    // A report sample older than one already stored (e.g. after a clock step) is skipped, as Prometheus does.
    if (x instanceof AppendError && (x.reason === 'out_of_order' || x.reason === 'duplicate')) return;
    throw x;
  }
}

function reportLabels(targetLabels: Labels, name: string): Labels {
  return Labels.fromFlat([METRIC_NAME, name, ...targetLabels.flat]);
}
