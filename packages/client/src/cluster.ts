/**
 * `AggregatorRegistry`: the metrics of every `cluster` worker process, or of `worker_threads`, combined
 * into one exposition.
 *
 * Cluster: the primary sends each worker a request over the IPC channel; a worker answers with its
 * registries' `getMetricsAsJSON()` once it has created an `AggregatorRegistry` (or called
 * `setRegistries`), as with prom-client.
 *
 * Worker threads: every thread that loads this library answers requests on a `BroadcastChannel` (unref'd,
 * so it never keeps a thread alive); `workerThreadMetrics(workers)` asks the given threads and combines
 * their answers.
 */
import cluster from 'node:cluster';
import { BroadcastChannel, isMainThread, threadId, type Worker } from 'node:worker_threads';
import { aggregate, type AggregatorFunction } from './aggregate.js';
import type { MetricObjectWithValues, MetricValue } from './metric.js';
import { PROMETHEUS_CONTENT_TYPE, Registry, globalRegistry, type RegistryContentType } from './registry.js';
import { badInput } from './validation.js';

const CLUSTER_REQUEST = 'vigil-client:getMetricsReq';
const CLUSTER_RESPONSE = 'vigil-client:getMetricsRes';
const THREAD_CHANNEL = 'vigil-client:worker-threads';
const THREAD_REQUEST = 'vigil-client:threadMetricsReq';
const THREAD_RESPONSE = 'vigil-client:threadMetricsRes';
const TIMEOUT_MS = 5000;

type MetricsJSON = Array<MetricObjectWithValues<MetricValue>>;

let registries: Registry<RegistryContentType>[] = [globalRegistry];
let requestCounter = 0;
let clusterListenersAdded = false;

interface ClusterRequest {
  responses: MetricsJSON[];
  pending: number;
  done: (err: Error | undefined, result?: string) => void;
  timer: NodeJS.Timeout;
  registryType: RegistryContentType;
}
const clusterRequests = new Map<number, ClusterRequest>();

function localMetrics(): Promise<MetricsJSON[]> {
  return Promise.all(registries.map((r) => r.getMetricsAsJSON()));
}

function addClusterListeners(): void {
  if (clusterListenersAdded) return;
  clusterListenersAdded = true;
  if (cluster.isPrimary) {
    cluster.on('message', (_worker, message: { type?: string; requestId?: number; metrics?: MetricsJSON[]; error?: string }) => {
      if (message === null || typeof message !== 'object' || message.type !== CLUSTER_RESPONSE) return;
      const request = clusterRequests.get(message.requestId as number);
      if (request === undefined) return;
      if (message.error !== undefined) {
        request.done(new Error(`cluster worker failed to collect its metrics: ${message.error}`));
        return;
      }
      for (const m of message.metrics ?? []) request.responses.push(m);
      request.pending--;
      if (request.pending === 0) {
        clusterRequests.delete(message.requestId as number);
        clearTimeout(request.timer);
        aggregate(request.responses, request.registryType)
          .metrics()
          .then((text) => request.done(undefined, text), (e: Error) => request.done(e));
      }
    });
  } else if (cluster.isWorker) {
    process.on('message', (message: { type?: string; requestId?: number }) => {
      if (message === null || typeof message !== 'object' || message.type !== CLUSTER_REQUEST) return;
      localMetrics().then(
        (metrics) => process.send!({ type: CLUSTER_RESPONSE, requestId: message.requestId, metrics }),
        (e: Error) => process.send!({ type: CLUSTER_RESPONSE, requestId: message.requestId, error: e.message }),
      );
    });
  }
}

// ---- worker_threads --------------------------------------------------------------------------------

interface ThreadMessage {
  type: string;
  requestId: string;
  from: number;
  to?: number;
  targets?: number[];
  metrics?: MetricsJSON[];
  error?: string;
}

let threadResponder: BroadcastChannel | undefined;

/** Answers metric requests from other threads (installed when this library loads in a worker thread). */
function serveThreadRequests(): void {
  if (threadResponder !== undefined) return;
  const channel = new BroadcastChannel(THREAD_CHANNEL);
  threadResponder = channel;
  channel.unref();
  channel.onmessage = (event) => {
    const msg = (event as { data: ThreadMessage }).data;
    if (msg === null || typeof msg !== 'object' || msg.type !== THREAD_REQUEST) return;
    if (!Array.isArray(msg.targets) || !msg.targets.includes(threadId)) return;
    localMetrics().then(
      (metrics) => channel.postMessage({ type: THREAD_RESPONSE, requestId: msg.requestId, from: threadId, to: msg.from, metrics }),
      (e: Error) => channel.postMessage({ type: THREAD_RESPONSE, requestId: msg.requestId, from: threadId, to: msg.from, error: e.message }),
    );
  };
}

if (!isMainThread) serveThreadRequests();

/** Asks the given worker threads for their metrics; resolves with one `getMetricsAsJSON()` list per registry. */
function requestThreadMetrics(workers: readonly Worker[]): Promise<MetricsJSON[]> {
  const targets = new Map<number, Worker>();
  for (const w of workers) if (w.threadId >= 0) targets.set(w.threadId, w);
  if (targets.size === 0) return Promise.resolve([]);
  const requestId = `${process.pid}:${threadId}:${requestCounter++}`;
  const channel = new BroadcastChannel(THREAD_CHANNEL);
  return new Promise<MetricsJSON[]>((resolve, reject) => {
    const responses: MetricsJSON[] = [];
    const waiting = new Set(targets.keys());
    const exitHandlers = new Map<Worker, () => void>();
    const finish = (err?: Error) => {
      clearTimeout(timer);
      channel.close();
      for (const [w, h] of exitHandlers) w.off('exit', h);
      if (err) reject(err);
      else resolve(responses);
    };
    const timer = setTimeout(
      () => finish(new Error(`worker thread metrics: timed out after ${TIMEOUT_MS} ms waiting for threads ${[...waiting].join(', ')}`)),
      TIMEOUT_MS,
    );
    for (const [id, w] of targets) {
      // A thread that exits before it answers has nothing more to report.
      const onExit = () => {
        if (waiting.delete(id) && waiting.size === 0) finish();
      };
      exitHandlers.set(w, onExit);
      w.once('exit', onExit);
    }
    channel.onmessage = (event) => {
      const msg = (event as { data: ThreadMessage }).data;
      if (msg === null || typeof msg !== 'object' || msg.type !== THREAD_RESPONSE || msg.requestId !== requestId) return;
      if (!waiting.has(msg.from)) return;
      if (msg.error !== undefined) {
        finish(new Error(`worker thread ${msg.from} failed to collect its metrics: ${msg.error}`));
        return;
      }
      for (const m of msg.metrics ?? []) responses.push(m);
      waiting.delete(msg.from);
      if (waiting.size === 0) finish();
    };
    channel.postMessage({ type: THREAD_REQUEST, requestId, from: threadId, targets: [...targets.keys()] } satisfies ThreadMessage);
  });
}

export class AggregatorRegistry<T extends RegistryContentType = typeof PROMETHEUS_CONTENT_TYPE> extends Registry<T> {
  constructor(regContentType: T = PROMETHEUS_CONTENT_TYPE as T) {
    super(regContentType);
    addClusterListeners();
  }

  /** The combined metrics of every connected `cluster` worker (empty when there are none). */
  clusterMetrics(): Promise<string> {
    const requestId = requestCounter++;
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err: Error | undefined, result?: string) => {
        if (settled) return;
        settled = true;
        clusterRequests.delete(requestId);
        if (err) reject(err);
        else resolve(result ?? '');
      };
      const request: ClusterRequest = {
        responses: [],
        pending: 0,
        done,
        timer: setTimeout(() => done(new Error(`cluster metrics: timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS),
        registryType: this.contentType,
      };
      clusterRequests.set(requestId, request);
      for (const worker of Object.values(cluster.workers ?? {})) {
        // A worker that exits abruptly may still be listed, unable to answer.
        if (worker !== undefined && worker.isConnected()) {
          worker.send({ type: CLUSTER_REQUEST, requestId });
          request.pending++;
        }
      }
      if (request.pending === 0) {
        clearTimeout(request.timer);
        process.nextTick(() => done(undefined, ''));
      }
    });
  }

  /**
   * The combined metrics of the given worker threads (each must have loaded this library), plus this
   * thread's own registries when `includeThisThread` is set.
   */
  async workerThreadMetrics(workers: Iterable<Worker>, options: { includeThisThread?: boolean } = {}): Promise<string> {
    const responses = await requestThreadMetrics([...workers]);
    if (options.includeThisThread) responses.push(...(await localMetrics()));
    return AggregatorRegistry.aggregate(responses, this.contentType).metrics();
  }

  /** A registry combining `getMetricsAsJSON()` results by each metric's aggregator. */
  static aggregate<T extends RegistryContentType>(metricsArr: MetricsJSON[], registryType?: T): Registry<T> {
    return aggregate(metricsArr, registryType ?? PROMETHEUS_CONTENT_TYPE) as Registry<T>;
  }

  /** The registries this process or thread reports when asked (default: the default registry). */
  static setRegistries(regs: Registry<RegistryContentType> | Registry<RegistryContentType>[]): void {
    const list = Array.isArray(regs) ? regs : [regs];
    for (const r of list) if (!(r instanceof Registry)) throw badInput(`setRegistries: expected a Registry, got ${typeof r}`);
    registries = list;
    if (cluster.isWorker) addClusterListeners();
  }
}

export type { AggregatorFunction };
