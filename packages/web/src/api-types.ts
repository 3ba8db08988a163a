/**
 * What the HTTP API needs from the rest of the server, as small structural interfaces: any TSDB, scrape
 * manager or configuration holder with these members can be served (tests pass in-memory ones).
 */
import type { IncomingMessage } from 'node:http';
import type { Labels, Matcher } from '@vigil/model';
import type { Engine } from '@vigil/promql';
import type { Config, DroppedTarget, MetricMetadata, ScrapeConfig, Target } from '@vigil/scrape';
import type { ExemplarQuerier, Head, Queryable } from '@vigil/tsdb';
import type { Form } from './params.js';

/** The storage the API reads: queries, series and labels, exemplars. */
export interface ApiStorage extends Queryable, ExemplarQuerier {
  /** The head, for `/api/v1/status/tsdb`. */
  readonly head?: Head;
  /** The persisted blocks (their time ranges show in `/api/v1/status/tsdb` when the head is empty). */
  readonly blocks?: ReadonlyArray<{ readonly meta: { readonly maxTime: number } }>;
  /** The admin API (`--web.enable-admin-api`): present on an on-disk TSDB. */
  delete?(mint: number, maxt: number, matchers: readonly Matcher[]): Promise<void>;
  cleanTombstones?(): Promise<void>;
  snapshot?(dir: string, withHead: boolean): Promise<unknown>;
}

/** The scrape side: active and dropped targets and their metadata (the scrape manager). */
export interface TargetSource {
  targetsActive(): Map<string, readonly Target[]>;
  targetsDropped(): Map<string, readonly DroppedTarget[]>;
  droppedTargetCounts(): Record<string, number>;
  poolNames(): string[];
  pool(name: string): { readonly config: ScrapeConfig } | undefined;
  metadata(options?: { metric?: string; limit?: number; limitPerMetric?: number }): Map<string, MetricMetadata[]>;
}

/** `/api/v1/status/buildinfo`. */
export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly buildUser: string;
  readonly buildDate: string;
  readonly goVersion: string;
}

/** The parts of `/api/v1/status/runtimeinfo` that the server knows (the API adds the process's own). */
export interface ServerRuntimeInfo {
  /** ms */
  readonly startTime: number;
  readonly reloadConfigSuccess: boolean;
  /** ms; 0 before the first successful load. */
  readonly lastConfigTime: number;
  readonly corruptionCount: number;
  /** `15d`, `512MiB`, `15d or 512MiB`, or `''`. */
  readonly storageRetention: string;
}

/** Progress of the WAL replay at start (`/api/v1/status/walreplay`). */
export interface WalReplayStatus {
  readonly min: number;
  readonly max: number;
  readonly current: number;
}

export interface ApiLogger {
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Hooks for the server's own metrics. */
export interface ApiMetricsHooks {
  /** A query finished (or failed) after `seconds` of evaluation (queue time excluded). */
  queryDone?(seconds: number, queueSeconds: number): void;
  /** Queries running now changed. */
  queriesRunning?(n: number): void;
}

export interface ApiOptions {
  readonly engine: Engine;
  /** The storage; undefined while the TSDB is still opening (the API answers 503 then). */
  readonly storage: () => ApiStorage | undefined;
  readonly targets?: () => TargetSource | undefined;
  /** The configuration in force (for `/api/v1/status/config`, federation's external labels). */
  readonly config: () => Config;
  /** The configuration as YAML with secrets hidden. */
  readonly configYAML: () => string;
  /** Every flag and its value, as `/api/v1/status/flags` shows them. */
  readonly flags: Readonly<Record<string, string>>;
  readonly buildInfo: BuildInfo;
  readonly runtimeInfo: () => ServerRuntimeInfo;
  readonly walReplayStatus?: () => WalReplayStatus;
  /** The TSDB directory (snapshots go to `<dir>/snapshots`). */
  readonly dataDir: string;
  readonly enableAdmin: boolean;
  /** Counts the head's chunks for `/api/v1/status/tsdb`. */
  readonly headChunkCount?: () => number;
  /** How `globalUrl` of `/api/v1/targets` is derived. */
  readonly globalURLOptions: { readonly listenAddress: string; readonly hostname: string; readonly externalURL?: string };
  /** Queries evaluated at once (`--query.max-concurrency`); more wait. */
  readonly maxConcurrency: number;
  /** Lookback delta for federation, ms. */
  readonly lookbackDelta: number;
  /** Wall clock, ms (tests). */
  readonly now?: () => number;
  readonly logger?: ApiLogger;
  readonly metrics?: ApiMetricsHooks;
}

/** One API call: the request, its form, route parameters, and a signal that fires when the client leaves. */
export interface ApiRequest {
  readonly req: IncomingMessage;
  readonly form: Form;
  readonly params: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** What a handler returns: `data` as JSON text (null: 204 No Content), and annotations. */
export interface ApiResult {
  readonly data: string | readonly Buffer[] | null;
  readonly warnings?: readonly string[];
  readonly infos?: readonly string[];
}

export type ApiHandler = (r: ApiRequest) => Promise<ApiResult> | ApiResult;

/** Labels of a target/series for JSON: sorted objects. */
export type LabelsLike = Labels;
