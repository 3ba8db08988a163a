/**
 * The logging flags and logger of `vigil pushgateway` and `vigil node-exporter`: go-kit style lines as the
 * Pushgateway and node_exporter print them (`ts=… level=info msg=…`, or JSON objects), to stderr.
 */
import { VigilError } from '@vigil/model';
import type { CommandContext } from '../command.js';
import type { FlagSpec } from '../flags.js';

export type ExporterLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type ExporterLogger = (level: ExporterLogLevel, msg: string, fields?: Record<string, string | number | boolean>) => void;

const LEVELS: Record<ExporterLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export const LOG_FLAGS: readonly FlagSpec[] = [
  { name: 'log.level', type: 'string', default: 'info', help: 'Only log messages with the given severity or above. One of: [debug, info, warn, error]' },
  { name: 'log.format', type: 'string', default: 'logfmt', help: 'Output format of log messages. One of: [logfmt, json]' },
];

function logfmtValue(v: string | number | boolean): string {
  const s = String(v);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

/** The logger for `--log.level` and `--log.format`; a bad value of either is a `bad_data` error. */
export function exporterLogger(ctx: CommandContext, level: string, format: string): ExporterLogger {
  if (!(level in LEVELS)) throw new VigilError('bad_data', `invalid --log.level ${JSON.stringify(level)}: want one of debug, info, warn, error`);
  if (format !== 'logfmt' && format !== 'json') throw new VigilError('bad_data', `invalid --log.format ${JSON.stringify(format)}: want logfmt or json`);
  const min = LEVELS[level as ExporterLogLevel];
  return (lvl, msg, fields = {}) => {
    if (LEVELS[lvl] < min) return;
    const ts = new Date().toISOString();
    if (format === 'json') {
      ctx.stderr.write(JSON.stringify({ ts, level: lvl, msg, ...fields }) + '\n');
      return;
    }
    let line = `ts=${ts} level=${lvl} msg=${logfmtValue(msg)}`;
    for (const [k, v] of Object.entries(fields)) line += ` ${k}=${logfmtValue(v)}`;
    ctx.stderr.write(line + '\n');
  };
}
