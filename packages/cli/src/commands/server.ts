/**
 * `vigil server`: the monitoring server, with Prometheus's flags. This is the one place where the server
 * is wired together: configuration, the TSDB, the query engine, scraping, the HTTP API, the server's own
 * metrics, reloads (SIGHUP, `POST /-/reload`) and shutdown (SIGTERM/SIGINT, `POST /-/quit`).
 *
 * Without `--config.file` it scrapes nothing and serves its data directory (Vigil's or Prometheus's).
 * `vigil` with no subcommand (`npm start`) is the all-in-one default: a built-in configuration that
 * scrapes the server itself and the node exporter and pushgateway embedded in the same process, first
 * scrapes at once.
 */
import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { VigilError, errorMessage, formatDuration } from '@vigil/model';
import { Engine } from '@vigil/promql';
import { ScrapeManager, configToYAML, loadConfig, loadConfigFile, type Config } from '@vigil/scrape';
import { DEFAULT_RETENTION, openDB, type DB } from '@vigil/tsdb';
import {
  Api, CountingAppendable, ServerMetrics, WebServer, compileCORSOrigin, createUiHandler, headChunkCount, newLogger, normalizePrefix,
  parseListenAddress, parseLogFormat, parseLogLevel, registerScrapeMetrics, registerTsdbMetrics, type Logger,
  type WalReplayStatus,
} from '@vigil/web';
import { NodeExporter, startNodeExporterServer, type RunningServer } from '@vigil/node-exporter';
import { startPushgateway, type RunningPushgateway } from '@vigil/pushgateway';
import type { Command, CommandContext } from '../command.js';
import { parseBytes, type FlagSpec, type ParsedFlags } from '../flags.js';
import { VERSION } from '../main.js';

/** Marks the run as the all-in-one default (`vigil` with no subcommand); not shown anywhere. */
export const ALL_IN_ONE_FLAG = 'all-in-one';

const flags: FlagSpec[] = [
  { name: 'config.file', type: 'string', default: '', placeholder: 'FILE', help: 'Configuration file path (Prometheus format). Without it nothing is scraped.' },
  { name: 'web.listen-address', type: 'string', default: '127.0.0.1:9090', placeholder: 'ADDRESS', help: 'Address to listen on for UI, API, and telemetry.' },
  { name: 'web.read-timeout', type: 'duration', default: '5m', help: 'Maximum duration before timing out read of the request, and closing idle connections.' },
  { name: 'web.max-connections', type: 'int', default: '512', help: 'Maximum number of simultaneous connections.' },
  { name: 'web.external-url', type: 'string', default: '', placeholder: 'URL', help: 'The URL under which Vigil is externally reachable (for example, if Vigil is served via a reverse proxy). Used for generating relative and absolute links back to Vigil itself. If the URL has a path portion, it will be used to prefix all HTTP endpoints served by Vigil. If omitted, relevant URL components will be derived automatically.' },
  { name: 'web.route-prefix', type: 'string', default: '', placeholder: 'PATH', help: 'Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url.' },
  { name: 'web.enable-lifecycle', type: 'bool', help: 'Enable shutdown and reload via HTTP request.' },
  { name: 'web.enable-admin-api', type: 'bool', help: 'Enable API endpoints for admin control actions.' },
  { name: 'web.page-title', type: 'string', default: 'Vigil Time Series Collection and Processing Server', help: 'Document title of Vigil instance.' },
  { name: 'web.cors.origin', type: 'string', default: '.*', help: 'Regex for CORS origin. It is fully anchored. Example: \'https?://(domain1|domain2)\\.com\'' },
  { name: 'storage.tsdb.path', type: 'string', default: 'data/', placeholder: 'PATH', help: 'Base path for metrics storage.' },
  { name: 'storage.tsdb.retention.time', type: 'duration', placeholder: 'DURATION', help: 'How long to retain samples in storage. If neither this flag nor "storage.tsdb.retention.size" is set, the retention time defaults to 15d.' },
  { name: 'storage.tsdb.retention.size', type: 'bytes', placeholder: 'SIZE', help: 'Maximum number of bytes that can be stored for blocks. A unit is required, supported units: B, KB, MB, GB, TB, PB, EB. Ex: "512MB". Based on powers-of-2, so 1KB is 1024B.' },
  { name: 'storage.tsdb.no-lockfile', type: 'bool', help: 'Do not create lockfile in data directory.' },
  { name: 'storage.tsdb.wal-compression', type: 'bool', default: 'true', hidden: true, help: 'Compress the tsdb WAL.' },
  { name: 'storage.tsdb.min-block-duration', type: 'duration', default: '2h', hidden: true, help: 'Minimum duration of a data block before being persisted.' },
  { name: 'storage.tsdb.max-block-duration', type: 'duration', hidden: true, help: 'Maximum duration compacted blocks may span. For use in testing. (Defaults to 10% of the retention period.)' },
  { name: 'query.lookback-delta', type: 'duration', default: '5m', help: 'The maximum lookback duration for retrieving metrics during expression evaluations and federation.' },
  { name: 'query.timeout', type: 'duration', default: '2m', help: 'Maximum time a query may take before being aborted.' },
  { name: 'query.max-concurrency', type: 'int', default: '20', help: 'Maximum number of queries executed concurrently.' },
  { name: 'query.max-samples', type: 'int', default: '50000000', help: 'Maximum number of samples a single query can load into memory. Note that queries will fail if they try to load more samples than this into memory, so this also limits the number of samples a query can return.' },
  { name: 'enable-feature', type: 'strings', placeholder: 'FEATURE', help: 'Prometheus feature flags: accepted for compatibility; the features Vigil has are always on.' },
  { name: 'log.level', type: 'string', default: 'info', help: 'Only log messages with the given severity or above. One of: [debug, info, warn, error]' },
  { name: 'log.format', type: 'string', default: 'logfmt', help: 'Output format of log messages. One of: [logfmt, json]' },
  { name: ALL_IN_ONE_FLAG, type: 'bool', hidden: true, help: 'Built-in configuration with the embedded exporters (what `vigil` with no subcommand runs).' },
  { name: 'all-in-one.node-exporter.listen-address', type: 'string', default: '127.0.0.1:9100', hidden: true, help: 'Where the all-in-one default runs the embedded node exporter.' },
  { name: 'all-in-one.pushgateway.listen-address', type: 'string', default: '127.0.0.1:9091', hidden: true, help: 'Where the all-in-one default runs the embedded pushgateway.' },
];


/** The built-in configuration of the all-in-one default: the server itself and the embedded exporters. */
export function builtInConfigYAML(selfAddress: string, metricsPath: string, nodeExporter: string | undefined, pushgateway?: string): string {
  const lines = [
    'global:',
    '  scrape_interval: 15s',
    '  evaluation_interval: 15s',
    'scrape_configs:',
    '  - job_name: vigil',
    `    metrics_path: ${JSON.stringify(metricsPath)}`,
    '    static_configs:',
    `      - targets: [${JSON.stringify(selfAddress)}]`,
  ];
  if (nodeExporter !== undefined) {
    lines.push('  - job_name: node', '    static_configs:', `      - targets: [${JSON.stringify(nodeExporter)}]`);
  }
  if (pushgateway !== undefined) {
    // Pushed series keep their own job and instance labels, as the Pushgateway's documentation asks.
    lines.push('  - job_name: pushgateway', '    honor_labels: true', '    static_configs:', `      - targets: [${JSON.stringify(pushgateway)}]`);
  }
  return lines.join('\n') + '\n';
}

/** Go's `units.Base2Bytes` string (`512MiB`), as `storageRetention` shows a size. */
function base2Bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  while (u < units.length - 1 && n >= 1024 && n % 1024 === 0) {
    n /= 1024;
    u++;
  }
  return `${n}${units[u]}`;
}

/** `{min, max}` segment numbers of the WAL, for `/api/v1/status/walreplay`. */
function walSegments(dir: string): { min: number; max: number } {
  try {
    const nums = readdirSync(join(dir, 'wal')).filter((n) => /^\d+$/.test(n)).map(Number);
    if (nums.length === 0) return { min: 0, max: 0 };
    return { min: Math.min(...nums), max: Math.max(...nums) };
  } catch {
    return { min: 0, max: 0 };
  }
}

function nodeExporterLogger(log: Logger): (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, string | number>) => void {
  return (level, msg, fields) => log[level](msg, fields);
}

/** Flag values for `/api/v1/status/flags`: every flag as a string, as Prometheus shows them. */
function flagsMap(f: ParsedFlags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of flags) {
    if (spec.name.startsWith(ALL_IN_ONE_FLAG)) continue;
    out[spec.name] = f.raw.get(spec.name) ?? '';
  }
  return out;
}

function waitFor(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export const serverCommand: Command = {
  path: ['server'],
  summary: 'Run the monitoring server: scrape targets, store samples, answer PromQL over the Prometheus HTTP API.',
  flags,
  args: [],
  async run(ctx: CommandContext): Promise<number> {
    const f = ctx.flags;
    const log = newLogger({
      level: parseLogLevel(f.string('log.level')),
      format: parseLogFormat(f.string('log.format')),
      write: (line) => ctx.stderr.write(line),
    });
    const allInOne = f.bool(ALL_IN_ONE_FLAG) && !f.given.has('config.file');
    const NODE_EXPORTER_ADDRESS = f.string('all-in-one.node-exporter.listen-address');
    const PUSHGATEWAY_ADDRESS = f.string('all-in-one.pushgateway.listen-address');
    const configFile = f.string('config.file');
    const dataDir = f.string('storage.tsdb.path');
    const listenAddress = f.string('web.listen-address');
    const listen = parseListenAddress(listenAddress);
    for (const feature of f.strings('enable-feature')) log.warn('Unknown option for --enable-feature, ignored', { option: feature });

    // Retention: 15d unless a time or a size is given (as Prometheus).
    let retentionDuration = f.given.has('storage.tsdb.retention.time') ? f.duration('storage.tsdb.retention.time') : 0;
    const retentionSize = f.given.has('storage.tsdb.retention.size') ? f.bytes('storage.tsdb.retention.size') : 0;
    if (f.given.has('storage.tsdb.retention.size') && parseBytes(f.string('storage.tsdb.retention.size')) === undefined) {
      throw new VigilError('bad_data', `invalid --storage.tsdb.retention.size ${JSON.stringify(f.string('storage.tsdb.retention.size'))}`);
    }
    if (retentionDuration === 0 && retentionSize === 0) {
      retentionDuration = DEFAULT_RETENTION;
      log.info('No time or size retention was set so using the default time retention', { duration: formatDuration(DEFAULT_RETENTION) });
    }
    const storageRetention = [retentionDuration > 0 ? formatDuration(retentionDuration) : '', retentionSize > 0 ? base2Bytes(retentionSize) : ''].filter((x) => x !== '').join(' or ');

    // External URL and route prefix.
    const externalURLText = f.string('web.external-url') !== '' ? f.string('web.external-url') : `http://${hostname()}:${listen.port}/`;
    let externalURL: URL;
    try {
      externalURL = new URL(externalURLText);
    } catch {
      throw new VigilError('bad_data', `invalid --web.external-url ${JSON.stringify(externalURLText)}: not a URL`);
    }
    const routePrefix = normalizePrefix(f.given.has('web.route-prefix') ? f.string('web.route-prefix') : externalURL.pathname);
    const corsOrigin = compileCORSOrigin(f.string('web.cors.origin'));

    // Configuration.
    const loadCurrent = (selfAddress: string, nodeExporter: string | undefined): Config => {
      if (allInOne) return loadConfig(builtInConfigYAML(selfAddress, (routePrefix === '/' ? '' : routePrefix) + '/metrics', nodeExporter, PUSHGATEWAY_ADDRESS), '<built-in>');
      if (configFile === '') return loadConfig('', '<default>');
      return loadConfigFile(configFile, { warn: (m) => log.warn(m) });
    };

    log.info('Starting Vigil Server', { version: VERSION, node: process.version, mode: allInOne ? 'all-in-one' : 'server' });
    const startTime = Date.now();
    const metrics = new ServerMetrics({ version: VERSION, maxConcurrency: f.int('query.max-concurrency') });

    let db: DB | undefined;
    let counting: CountingAppendable | undefined;
    let manager: ScrapeManager | undefined;
    let config: Config;
    let lastReloadOk = false;
    let lastConfigTime = 0;
    let walStatus: WalReplayStatus = { min: 0, max: 0, current: 0 };
    let corruptionCount = 0;
    const quit = new AbortController();

    const engine = new Engine({
      lookbackDelta: f.duration('query.lookback-delta'),
      timeout: f.duration('query.timeout'),
      maxSamples: f.int('query.max-samples'),
      noStepSubqueryInterval: () => config.global.evaluationInterval,
    });

    // The address the server scrapes itself at (all-in-one): loopback when listening on every interface.
    const selfHost = listen.host === undefined || listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;

    try {
      config = loadCurrent(`${selfHost}:${listen.port}`, NODE_EXPORTER_ADDRESS);
      lastReloadOk = true;
      lastConfigTime = Date.now();
      metrics.configLoaded(true, lastConfigTime);
    } catch (e) {
      log.error('Error loading config', { file: configFile, err: errorMessage(e) });
      return 1;
    }

    const api = new Api({
      engine,
      storage: () => db,
      targets: () => manager,
      config: () => config,
      configYAML: () => configToYAML(config),
      flags: flagsMap(f),
      buildInfo: { version: VERSION, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: `node${process.versions.node}` },
      runtimeInfo: () => ({ startTime, reloadConfigSuccess: lastReloadOk, lastConfigTime, corruptionCount, storageRetention }),
      walReplayStatus: () => walStatus,
      dataDir,
      enableAdmin: f.bool('web.enable-admin-api'),
      headChunkCount: () => (db ? headChunkCount(db.head) : 0),
      globalURLOptions: { listenAddress, hostname: externalURL.hostname, externalURL: externalURL.toString() },
      maxConcurrency: f.int('query.max-concurrency'),
      lookbackDelta: f.duration('query.lookback-delta'),
      logger: log.with({ component: 'api' }),
      metrics,
    });

    const reload = async (why: string): Promise<void> => {
      log.info('Loading configuration file', { filename: allInOne ? '<built-in>' : configFile, reason: why });
      const t0 = performance.now();
      let next: Config;
      try {
        next = loadCurrent(`${selfHost}:${web.port}`, nodeServer ? NODE_EXPORTER_ADDRESS : undefined);
      } catch (e) {
        lastReloadOk = false;
        metrics.configLoaded(false, Date.now());
        const err = `couldn't load configuration (--config.file=${JSON.stringify(configFile)}): ${errorMessage(e)}`;
        log.error('Error reloading config', { err });
        throw new Error(err);
      }
      if (db) db.head.outOfOrderTimeWindow = next.storage.tsdb.outOfOrderTimeWindow;
      if (manager) await manager.applyConfig(next);
      config = next;
      lastReloadOk = true;
      lastConfigTime = Date.now();
      metrics.configLoaded(true, lastConfigTime);
      log.info('Completed loading of configuration file', { filename: allInOne ? '<built-in>' : configFile, totalDuration: `${Math.round(performance.now() - t0)}ms` });
    };

    const web = new WebServer({
      listenAddress,
      routePrefix,
      api,
      corsOrigin,
      enableLifecycle: f.bool('web.enable-lifecycle'),
      onReload: () => reload('HTTP request'),
      onQuit: () => {
        log.warn('Received termination request via web service, exiting gracefully...');
        quit.abort();
      },
      metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
      federation: {
        storage: () => db,
        externalLabels: () => config.global.externalLabels,
        lookbackDelta: f.duration('query.lookback-delta'),
        onError: () => metrics.federationErrors.inc(),
      },
      versionInfo: { version: VERSION, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: `node${process.versions.node}` },
      httpMetrics: metrics,
      logger: log.with({ component: 'web' }),
      maxConnections: f.int('web.max-connections'),
      readTimeoutMs: f.duration('web.read-timeout'),
      ui: createUiHandler(),
    });

    let nodeServer: RunningServer | undefined;
    let pushgateway: RunningPushgateway | undefined;
    const onHup = () => {
      reload('SIGHUP').catch(() => undefined);
    };
    // From now on SIGHUP reloads (Node's default would end the process).
    process.on('SIGHUP', onHup);
    try {
      const bound = await web.listen();
      log.info('Listening on', { address: `${bound.host}:${bound.port}`, component: 'web' });

      // The TSDB: replays the WAL (Vigil's or Prometheus's), then serves.
      const walBefore = walSegments(dataDir);
      walStatus = { min: walBefore.min, max: walBefore.max, current: walBefore.min };
      log.info('Starting TSDB ...', { path: dataDir });
      const tsdbLog = log.with({ component: 'tsdb' });
      db = await openDB(dataDir, {
        retentionDuration,
        retentionSize,
        walCompression: f.bool('storage.tsdb.wal-compression'),
        noLockfile: f.bool('storage.tsdb.no-lockfile'),
        minBlockDuration: f.duration('storage.tsdb.min-block-duration'),
        maxBlockDuration: f.given.has('storage.tsdb.max-block-duration') ? f.duration('storage.tsdb.max-block-duration') : undefined,
        outOfOrderTimeWindow: config.storage.tsdb.outOfOrderTimeWindow,
        maxExemplars: config.storage.exemplars?.maxExemplars,
        logger: tsdbLog,
      });
      walStatus = { min: walBefore.min, max: walBefore.max, current: walBefore.max };
      if (db.stats().replay?.repaired) corruptionCount = 1;
      log.info('TSDB started', { blocks: db.blocks.length, series: db.head.numSeries });
      counting = new CountingAppendable(db);
      const appendable = counting;
      registerTsdbMetrics(metrics.registry, () => db, { retentionDuration, retentionSize, appended: () => appendable.appended });

      // The all-in-one default embeds the node exporter on its usual port.
      if (allInOne) {
        try {
          const exporter = new NodeExporter({ disableExporterMetrics: true, version: VERSION, log: nodeExporterLogger(log.with({ component: 'node-exporter' })) });
          nodeServer = await startNodeExporterServer(exporter, { listenAddresses: [NODE_EXPORTER_ADDRESS], log: nodeExporterLogger(log.with({ component: 'node-exporter' })) });
          log.info('Embedded node exporter listening', { address: NODE_EXPORTER_ADDRESS });
        } catch (e) {
          log.warn('Embedded node exporter not started; its scrape target stays in the configuration', { address: NODE_EXPORTER_ADDRESS, err: errorMessage(e) });
        }
        try {
          const pgLog = log.with({ component: 'pushgateway' });
          pushgateway = await startPushgateway({
            listenAddress: PUSHGATEWAY_ADDRESS,
            processMetrics: false,
            version: VERSION,
            log: (level, msg, fields) => pgLog[level](msg, fields),
          });
          log.info('Embedded pushgateway listening', { address: PUSHGATEWAY_ADDRESS });
        } catch (e) {
          log.warn('Embedded pushgateway not started; its scrape target stays in the configuration', { address: PUSHGATEWAY_ADDRESS, err: errorMessage(e) });
        }
        // The built-in configuration scrapes the port actually bound.
        config = loadCurrent(`${selfHost}:${bound.port}`, NODE_EXPORTER_ADDRESS);
      }

      manager = new ScrapeManager({ appendable, logger: log.with({ component: 'scrape manager' }), skipOffset: allInOne });
      registerScrapeMetrics(metrics.registry, () => manager, manager.stats);
      await manager.applyConfig(config);
      metrics.ready.set(1);
      web.setReady(true);
      log.info('Server is ready to receive web requests.', { url: `http://${selfHost.includes(':') ? `[${selfHost}]` : selfHost}:${bound.port}${routePrefix === '/' ? '/' : routePrefix + '/'}` });

      await Promise.race([waitFor(ctx.stopSignal), waitFor(quit.signal)]);
      log.warn('Stopping Vigil Server ...');
      return 0;
    } catch (e) {
      log.error('Vigil Server failed', { err: errorMessage(e) });
      return 1;
    } finally {
      process.off('SIGHUP', onHup);
      web.setReady(false);
      metrics.ready.set(0);
      await web.close(5000).catch((e) => log.error('Closing the web server failed', { err: errorMessage(e) }));
      if (manager) await manager.stop().catch((e) => log.error('Stopping scraping failed', { err: errorMessage(e) }));
      if (nodeServer) await nodeServer.close().catch(() => undefined);
      if (pushgateway) await pushgateway.close().catch(() => undefined);
      if (db) {
        await db.close().catch((e) => log.error('Closing the TSDB failed', { err: errorMessage(e) }));
        log.info('TSDB closed');
      }
      log.info('See you next time!');
    }
  },
};


