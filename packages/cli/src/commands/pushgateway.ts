/**
 * `vigil pushgateway`: the push path for batch jobs, with the Prometheus Pushgateway's flags, plus
 * `--push.group-ttl` and `--push.max-body-size`.
 */
import { startPushgateway } from '@vigil/pushgateway';
import { VigilError } from '@vigil/model';
import type { Command, CommandContext } from '../command.js';
import type { FlagSpec, ParsedFlags } from '../flags.js';
import { VERSION } from '../main.js';
import { LOG_FLAGS, exporterLogger } from './exporter-log.js';
import { goDuration } from './tsdb-format.js';

const flags: FlagSpec[] = [
  { name: 'web.listen-address', type: 'strings', default: ':9091', placeholder: 'ADDRESS', help: 'Addresses on which to expose metrics and web interface. Repeatable for multiple addresses.' },
  { name: 'web.telemetry-path', type: 'string', default: '/metrics', placeholder: 'PATH', help: 'Path under which to expose metrics.' },
  { name: 'web.external-url', type: 'string', default: '', placeholder: 'URL', help: 'The URL under which the Pushgateway is externally reachable.' },
  { name: 'web.route-prefix', type: 'string', default: '', placeholder: 'PATH', help: 'Prefix for the internal routes of web endpoints. Defaults to the path of --web.external-url.' },
  { name: 'web.enable-lifecycle', type: 'bool', help: 'Enable shutdown via HTTP request.' },
  { name: 'web.enable-admin-api', type: 'bool', help: 'Enable API endpoints for admin control actions (wipe, delete by selector).' },
  { name: 'web.config.file', type: 'string', default: '', placeholder: 'FILE', help: 'TLS and authentication configuration (not supported by vigil pushgateway: an error if set).' },
  { name: 'web.systemd-socket', type: 'bool', hidden: true, help: 'Use systemd socket activation listeners (not supported: an error if set).' },
  { name: 'persistence.file', type: 'string', default: '', placeholder: 'FILE', help: 'File to persist metrics. If empty, metrics are only kept in memory.' },
  { name: 'persistence.interval', type: 'duration', default: '5m', help: 'The minimum interval at which to write out the persistence file.' },
  { name: 'push.disable-consistency-check', type: 'bool', help: 'Do not check consistency of pushed metrics. DANGEROUS.' },
  { name: 'push.group-ttl', type: 'duration', default: '0s', help: 'Drop groups not pushed to within this duration (0: keep them until deleted). Their push_time_seconds shows when they were last pushed to.' },
  { name: 'push.max-body-size', type: 'bytes', default: '64MB', help: 'Largest accepted push body, after decompression (413 beyond).' },
  ...LOG_FLAGS,
];

/** The flags as `/api/v1/status` shows them: every visible flag's value, durations as Go prints them. */
function statusFlags(f: ParsedFlags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of flags) {
    if (spec.hidden) continue;
    let v = f.raw.get(spec.name) ?? '';
    if (spec.type === 'duration') v = goDuration(f.duration(spec.name));
    out[spec.name] = v;
  }
  return out;
}

export const pushgatewayCommand: Command = {
  path: ['pushgateway'],
  summary: 'Accept metrics pushed by batch jobs and expose them for scraping (a drop-in for the Prometheus Pushgateway).',
  flags,
  args: [],
  async run(ctx: CommandContext): Promise<number> {
    const f = ctx.flags;
    const log = exporterLogger(ctx, f.string('log.level'), f.string('log.format'));
    if (f.string('web.config.file') !== '') throw new VigilError('bad_data', '--web.config.file (TLS and authentication) is not supported by vigil pushgateway; put a TLS-terminating proxy in front of it');
    if (f.bool('web.systemd-socket')) throw new VigilError('bad_data', '--web.systemd-socket is not supported by vigil pushgateway');
    const externalUrl = f.string('web.external-url');
    if (externalUrl !== '') {
      try {
        new URL(externalUrl);
      } catch {
        throw new VigilError('bad_data', `invalid --web.external-url ${JSON.stringify(externalUrl)}: not an absolute URL`);
      }
    }
    log('info', 'starting pushgateway', { version: VERSION, node: process.version });
    const stopped = new AbortController();
    const running = await startPushgateway({
      listenAddress: f.strings('web.listen-address'),
      telemetryPath: f.string('web.telemetry-path'),
      externalUrl,
      routePrefix: f.string('web.route-prefix'),
      enableLifecycle: f.bool('web.enable-lifecycle'),
      enableAdminApi: f.bool('web.enable-admin-api'),
      persistenceFile: f.string('persistence.file'),
      persistenceIntervalMs: f.duration('persistence.interval'),
      checkConsistency: !f.bool('push.disable-consistency-check'),
      groupTtlMs: f.duration('push.group-ttl'),
      maxBodyBytes: f.bytes('push.max-body-size'),
      version: VERSION,
      flags: statusFlags(f),
      log,
      onQuit: () => stopped.abort(),
    });
    await new Promise<void>((resolve) => {
      if (ctx.stopSignal.aborted || stopped.signal.aborted) return resolve();
      ctx.stopSignal.addEventListener('abort', () => {
        log('info', 'received SIGINT/SIGTERM; exiting gracefully...');
        resolve();
      }, { once: true });
      stopped.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await running.close();
    log('info', 'HTTP server stopped');
    return 0;
  },
};
