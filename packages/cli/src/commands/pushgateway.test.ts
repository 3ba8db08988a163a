/** `vigil pushgateway` end to end: the Pushgateway's flags, persistence across a SIGKILL, shutdown. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { eventually, startProcess, tempDir, type RunningProcess } from '@vigil/testkit';

const BIN = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

/** Starts the gateway on 127.0.0.1 port 0 and reads the bound port from its log. */
async function start(args: string[]): Promise<{ proc: RunningProcess; base: string }> {
  const proc = startProcess(process.execPath, [BIN, 'pushgateway', '--web.listen-address=127.0.0.1:0', ...args]);
  const port = await eventually(() => {
    if (proc.child.exitCode !== null) throw new Error(`exited with ${proc.child.exitCode}:\n${proc.output()}`);
    const m = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(proc.output());
    return m ? Number(m[1]) : undefined;
  }, 20000, 'the gateway to listen');
  return { proc, base: `http://127.0.0.1:${port}` };
}

test('vigil pushgateway: flags show in /api/v1/status, lifecycle quit stops it cleanly', async () => {
  const dir = tempDir('vigil-cli-pg-');
  const file = join(dir.path, 'pg.data');
  const { proc, base } = await start(['--web.enable-lifecycle', '--web.enable-admin-api', `--persistence.file=${file}`, '--persistence.interval=1h', '--push.group-ttl=10m', '--log.level=debug']);
  try {
    const status = (await (await fetch(base + '/api/v1/status')).json()) as { data: { flags: Record<string, string> } };
    assert.equal(status.data.flags['persistence.interval'], '1h0m0s');
    assert.equal(status.data.flags['push.group-ttl'], '10m0s');
    assert.equal(status.data.flags['web.enable-lifecycle'], 'true');
    assert.equal(status.data.flags['persistence.file'], file);
    const put = await fetch(base + '/metrics/job/cli', { method: 'PUT', body: 'cli_metric 1\n' });
    assert.equal(put.status, 200);
    const quit = await fetch(base + '/-/quit', { method: 'PUT' });
    assert.equal(await quit.text(), 'Requesting termination... Goodbye!');
    assert.equal(await proc.exited, 0);
    // The interval is an hour: the shutdown wrote the file.
    const again = await start([`--persistence.file=${file}`]);
    try {
      assert.match(await (await fetch(again.base + '/metrics')).text(), /cli_metric\{instance="",job="cli"\} 1/);
    } finally {
      await again.proc.stop();
    }
  } finally {
    await proc.stop();
    dir.cleanup();
  }
});

test('vigil pushgateway: pushes survive a SIGKILL after the persistence interval', async () => {
  const dir = tempDir('vigil-cli-pg-kill-');
  const file = join(dir.path, 'pg.data');
  const first = await start([`--persistence.file=${file}`, '--persistence.interval=200ms']);
  try {
    assert.equal((await fetch(first.base + '/metrics/job/killed/instance/a', { method: 'PUT', body: '# TYPE k gauge\nk 7\n' })).status, 200);
    await eventually(() => (/msg="metrics persisted"/.test(first.proc.output()) ? true : undefined), 10000, 'a persistence write');
    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    const second = await start([`--persistence.file=${file}`]);
    try {
      const m = await (await fetch(second.base + '/metrics')).text();
      assert.match(m, /k\{instance="a",job="killed"\} 7/);
      assert.match(m, /push_time_seconds\{instance="a",job="killed"\} \d/);
    } finally {
      await second.proc.stop();
    }
  } finally {
    await first.proc.stop();
    dir.cleanup();
  }
});

test('vigil pushgateway: a corrupt persistence file or a bad flag stops it with a clear error', () => {
  const dir = tempDir('vigil-cli-pg-bad-');
  try {
    const file = join(dir.path, 'pg.data');
    writeFileSync(file, 'not a persistence file at all');
    const r = spawnSync(process.execPath, [BIN, 'pushgateway', '--web.listen-address=127.0.0.1:0', `--persistence.file=${file}`], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /vigil pushgateway: error: persistence file ".*pg\.data" is corrupt: it does not start with "VIGILPGW"/);
    const f = spawnSync(process.execPath, [BIN, 'pushgateway', '--persistence.interval=soon'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(f.status, 2);
    assert.match(f.stderr, /invalid value "soon" for flag --persistence.interval/);
    const t = spawnSync(process.execPath, [BIN, 'pushgateway', '--web.listen-address=127.0.0.1:0', '--web.config.file=web.yml'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(t.status, 1);
    assert.match(t.stderr, /--web.config.file .* is not supported/);
  } finally {
    dir.cleanup();
  }
});
