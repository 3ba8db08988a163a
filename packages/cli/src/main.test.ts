import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { commands } from './commands/index.js';
import { main } from './main.js';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdin: new PassThrough(), stdout, stderr }, out: () => out, err: () => err };
}

test('every registered command loads, under the path it is registered with', async () => {
  for (const entry of commands) {
    const command = await entry.load();
    assert.deepEqual(command.path, entry.path, `entry ${entry.path.join(' ')}`);
  }
});

test('--help lists every command; an unknown command is an error that says what it got', async () => {
  const h = io();
  assert.equal(await main(['--help'], h.io), 0);
  for (const entry of commands) assert.ok(h.out().includes(entry.path.join(' ')), entry.path.join(' '));
  const u = io();
  assert.equal(await main(['frobnicate'], u.io), 2);
  assert.match(u.err(), /expected command but got "frobnicate"/);
});

test('a bad flag names the flag and exits 2', async () => {
  const b = io();
  assert.equal(await main(['check', 'metrics', '--format=xml', '--nope'], b.io), 2);
  assert.match(b.err(), /--nope/);
});

test('--version answers for vigil and for every command, as every Prometheus program does', async () => {
  const top = io();
  assert.equal(await main(['--version'], top.io), 0);
  assert.match(top.out(), /^vigil, version \d+\.\d+\.\d+ \(node v\d+/);
  for (const entry of commands) {
    const v = io();
    assert.equal(await main([...entry.path, '--version'], v.io), 0, entry.path.join(' '));
    assert.match(v.out(), new RegExp(`^vigil ${entry.path.join(' ')}, version \\d+\\.\\d+\\.\\d+ `));
    assert.equal(v.err(), '');
  }
});
