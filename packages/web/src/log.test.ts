import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logfmtValue, newLogger, parseLogFormat, parseLogLevel } from './log.js';

describe('the server logger', () => {
  const capture = (level: 'debug' | 'info' | 'warn' | 'error', format: 'logfmt' | 'json') => {
    const lines: string[] = [];
    const log = newLogger({ level, format, write: (l) => lines.push(l), now: () => Date.UTC(2024, 4, 1, 10, 0, 0, 123) });
    return { log, lines };
  };

  it('writes logfmt lines as Prometheus 3.x does, quoting only when needed', () => {
    const { log, lines } = capture('info', 'logfmt');
    log.with({ component: 'tsdb' }).info('WAL replay completed', { segments: 3, checkpoint: '', path: '/a b', err: new Error('x="y"') });
    log.debug('hidden');
    assert.deepEqual(lines, ['time=2024-05-01T10:00:00.123Z level=INFO msg="WAL replay completed" component=tsdb segments=3 checkpoint="" path="/a b" err="x=\\"y\\""\n']);
  });

  it('filters by level and writes JSON objects', () => {
    const { log, lines } = capture('warn', 'json');
    log.info('dropped');
    log.error('Error reloading config', { err: 'bad' });
    assert.deepEqual(lines.map((l) => JSON.parse(l)), [{ time: '2024-05-01T10:00:00.123Z', level: 'ERROR', msg: 'Error reloading config', err: 'bad' }]);
  });

  it('quotes values like slog', () => {
    assert.equal(logfmtValue('plain'), 'plain');
    assert.equal(logfmtValue(''), '""');
    assert.equal(logfmtValue('a=b'), '"a=b"');
    assert.equal(logfmtValue('line\nbreak'), '"line\\nbreak"');
    assert.equal(logfmtValue(1.5), '1.5');
  });

  it('refuses unknown levels and formats naming the flag', () => {
    assert.throws(() => parseLogLevel('verbose'), { message: 'invalid --log.level "verbose": want one of debug, info, warn, error' });
    assert.throws(() => parseLogFormat('text'), { message: 'invalid --log.format "text": want logfmt or json' });
  });
});
