/**
 * The server's logger, in Prometheus 3.x's format: logfmt lines
 * (`time=2024-05-01T10:00:00.000Z level=INFO msg="Server is ready to receive web requests." component=web`)
 * or JSON objects, to a stream (stderr), filtered by level. It has the shape every package's logger
 * interface expects (`debug/info/warn/error(msg, fields)`), and `with()` adds fields such as `component`.
 */
import { VigilError } from '@vigil/model';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const NAME: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

export interface Logger {
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  /** A logger that adds `fields` to every line. */
  with(fields: Readonly<Record<string, unknown>>): Logger;
}

export function parseLogLevel(s: string): LogLevel {
  if (s === 'debug' || s === 'info' || s === 'warn' || s === 'error') return s;
  throw new VigilError('bad_data', `invalid --log.level ${JSON.stringify(s)}: want one of debug, info, warn, error`);
}

export function parseLogFormat(s: string): LogFormat {
  if (s === 'logfmt' || s === 'json') return s;
  throw new VigilError('bad_data', `invalid --log.format ${JSON.stringify(s)}: want logfmt or json`);
}

/** A logfmt value: bare when it can be, quoted (with Go escapes) otherwise, as slog does. */
export function logfmtValue(v: unknown): string {
  let s: string;
  if (v instanceof Error) s = v.message;
  else if (typeof v === 'string') s = v;
  else if (v === undefined) s = '';
  else if (typeof v === 'object' && v !== null) s = JSON.stringify(v);
  else s = String(v);
  if (s !== '' && !/[\s"=\\\u0000-\u001f\u007f]/.test(s)) return s;
  return JSON.stringify(s);
}

export function newLogger(options: { level?: LogLevel; format?: LogFormat; write?: (line: string) => void; now?: () => number } = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const format = options.format ?? 'logfmt';
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? Date.now;
  const make = (base: Readonly<Record<string, unknown>>): Logger => {
    const log = (level: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>) => {
      if (RANK[level] < min) return;
      const time = new Date(now()).toISOString();
      const all = fields ? { ...base, ...fields } : base;
      if (format === 'json') {
        const obj: Record<string, unknown> = { time, level: NAME[level], msg };
        for (const [k, v] of Object.entries(all)) if (v !== undefined) obj[k] = v instanceof Error ? v.message : v;
        write(JSON.stringify(obj) + '\n');
        return;
      }
      let line = `time=${time} level=${NAME[level]} msg=${logfmtValue(msg)}`;
      for (const [k, v] of Object.entries(all)) if (v !== undefined) line += ` ${k}=${logfmtValue(v)}`;
      write(line + '\n');
    };
    return {
      debug: (m, f) => log('debug', m, f),
      info: (m, f) => log('info', m, f),
      warn: (m, f) => log('warn', m, f),
      error: (m, f) => log('error', m, f),
      with: (fields) => make({ ...base, ...fields }),
    };
  };
  return make({});
}
