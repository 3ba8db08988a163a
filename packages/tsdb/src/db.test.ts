import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Labels, Matcher, formatFloat } from '@vigil/model';
import { conformanceDir, requireProgram, runProgram, tempDir } from '@vigil/testkit';
import { openDB, openMemoryDB, type DBOptions, type TsdbLogger } from './db.js';
import type { Querier } from './storage.js';

const ALL = [new Matcher('=~', '__name__', '.+')];
const H = 3600_000;

function dump(q: Querier, matchers = ALL): string[] {
  const lines: string[] = [];
  for (const s of q.select(matchers)) {
    const it = s.iterator();
    while (it.next()) lines.push(`${s.labels.toString()} ${formatFloat(it.v)} ${it.t}`);
  }
  q.close();
  return lines.sort();
}

function quietLogger(lines: string[] = []): TsdbLogger {
  const keep = (level: string) => (msg: string) => lines.push(`${level}: ${msg}`);
  return { debug: () => {}, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

const opts = (extra: DBOptions = {}): DBOptions => ({ compactionInterval: 0, logger: quietLogger(), ...extra });

/** Appends `series` series every `step` ms over [from, to), one commit per timestamp. */
async function fill(db: { appender(): import('./storage.js').Appender }, nSeries: number, from: number, to: number, step: number) {
  const refs = new Array<number>(nSeries).fill(0);
  for (let t = from; t < to; t += step) {
    const app = db.appender();
    for (let i = 0; i < nSeries; i++) refs[i] = app.append(refs[i], Labels.fromObject({ __name__: 'fill', i: String(i) }), t, t / 1000 + i);
    await app.commit();
  }
}

test('DB: data survives close and reopen through the WAL; the lock refuses a second open', async () => {
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    await fill(db, 20, 0, 600_000, 15_000);
    const before = dump(db.querier(0, Infinity));
    assert.equal(before.length, 20 * 40);
    await assert.rejects(openDB(tmp.path, opts()), /lock DB directory/);
    await db.close();
    assert.equal(existsSync(join(tmp.path, 'lock')), false);
    // A lock left by a process that is gone is taken over.
    writeFileSync(join(tmp.path, 'lock'), '999999999\n');
    const again = await openDB(tmp.path, opts());
    assert.deepEqual(dump(again.querier(0, Infinity)), before);
    assert.equal(again.stats().replay!.samples, 20 * 40);
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: the head is cut into 2h blocks that promtool reads, the WAL is checkpointed, all data stays queryable', async () => {
  const promtool = requireProgram('promtool', 'prometheus');
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    await fill(db, 10, 0, 7 * H, 60_000);
    const before = dump(db.querier(0, Infinity));
    await db.compact();
    // 7 h of data: the head keeps at most 1.5 ranges, the rest went to aligned 2 h blocks.
    assert.deepEqual(db.blocks.map((b) => [b.minTime, b.maxTime]), [[0, 2 * H], [2 * H, 4 * H]]);
    assert.equal(db.head.minTime, 4 * H);
    assert.deepEqual(dump(db.querier(0, Infinity)), before);
    assert.ok(readdirSync(join(tmp.path, 'wal')).some((n) => n.startsWith('checkpoint.')) || readdirSync(join(tmp.path, 'wal')).length >= 2);
    await db.close();
    // promtool lists and dumps the data directory Vigil wrote (blocks and WAL).
    const list = runProgram(promtool, ['tsdb', 'list', tmp.path]);
    assert.equal(list.status, 0, list.stderr);
    for (const b of db.blocks) assert.ok(list.stdout.includes(b.ulid));
    const pd = runProgram(promtool, ['tsdb', 'dump', tmp.path]);
    assert.equal(pd.status, 0, pd.stderr);
    assert.deepEqual(pd.stdout.split('\n').filter(Boolean).sort(), before);
    const again = await openDB(tmp.path, opts());
    assert.deepEqual(dump(again.querier(0, Infinity)), before);
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: opens a data directory Prometheus wrote (block and WAL) and serves both', async () => {
  const tmp = tempDir();
  try {
    cpSync(conformanceDir('tsdb-format', 'fixtures', 'blocks'), tmp.path, { recursive: true });
    cpSync(conformanceDir('tsdb-format', 'fixtures', 'head-wal'), tmp.path, { recursive: true });
    const db = await openDB(tmp.path, opts({ retentionDuration: 0 }));
    assert.equal(db.blocks.length, 1);
    const want = [
      ...readFileSync(conformanceDir('tsdb-format', 'fixtures', 'small.dump.txt'), 'utf8').split('\n'),
      ...readFileSync(conformanceDir('tsdb-format', 'fixtures', 'head-wal.dump.txt'), 'utf8').split('\n'),
    ]
      .filter(Boolean)
      .sort();
    assert.deepEqual(dump(db.querier(-Infinity, Infinity)), want);
    // New samples append after Prometheus's series refs.
    const app = db.appender();
    app.append(0, Labels.fromObject({ __name__: 'vigil_new' }), 1795577340000, 1);
    await app.commit();
    await db.close();
    const again = await openDB(tmp.path, opts({ retentionDuration: 0 }));
    assert.equal(dump(again.querier(-Infinity, Infinity)).length, want.length + 1);
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: deletion covers blocks and head and survives restart; clean-tombstones rewrites blocks', async () => {
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    await fill(db, 4, 0, 7 * H, 300_000);
    await db.compact();
    assert.ok(db.blocks.length > 0);
    const m = [new Matcher('=', 'i', '1')];
    await db.delete(H, 6 * H, m);
    const left = dump(db.querier(0, Infinity), m).map((l) => Number(l.split(' ').pop()));
    assert.ok(left.length > 0 && left.every((t) => t < H || t > 6 * H));
    await db.cleanTombstones();
    assert.ok(db.blocks.every((b) => b.tombstones.total() === 0));
    assert.deepEqual(dump(db.querier(0, Infinity), m).map((l) => Number(l.split(' ').pop())), left);
    await db.close();
    const again = await openDB(tmp.path, opts());
    assert.deepEqual(dump(again.querier(0, Infinity), m).map((l) => Number(l.split(' ').pop())), left);
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: time retention deletes the oldest blocks', async () => {
  const tmp = tempDir();
  try {
    const logs: string[] = [];
    const db = await openDB(tmp.path, opts({ retentionDuration: 4 * H, logger: quietLogger(logs) }));
    await fill(db, 2, 0, 13 * H, 600_000);
    await db.compact();
    const blocks = db.blocks.map((b) => [b.minTime, b.maxTime]);
    assert.ok(blocks.length >= 2);
    const newest = Math.max(...db.blocks.map((b) => b.maxTime));
    assert.ok(db.blocks.every((b) => newest - b.maxTime <= 4 * H), JSON.stringify(blocks));
    assert.ok(logs.some((l) => /deleting block .* \(time retention\)/.test(l)));
    await db.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: an unreadable block is skipped with a log line, the rest is served', async () => {
  const tmp = tempDir();
  try {
    cpSync(conformanceDir('tsdb-format', 'fixtures', 'blocks'), tmp.path, { recursive: true });
    const [ulid] = readdirSync(tmp.path);
    writeFileSync(join(tmp.path, ulid, 'index'), 'garbage');
    const logs: string[] = [];
    const db = await openDB(tmp.path, opts({ retentionDuration: 0, logger: quietLogger(logs) }));
    assert.equal(db.blocks.length, 0);
    assert.ok(logs.some((l) => l.startsWith('error: skipping block') && l.includes(join(tmp.path, ulid, 'index'))), logs.join('\n'));
    const app = db.appender();
    app.append(0, Labels.fromObject({ __name__: 'x' }), 1, 1);
    await app.commit();
    assert.equal(dump(db.querier(0, 10)).length, 1);
    await db.close();
  } finally {
    tmp.cleanup();
  }
});

test('openMemoryDB: the in-memory head behind PromQL tests', async () => {
  const db = openMemoryDB();
  await fill(db, 3, 0, 60_000, 15_000);
  assert.equal(dump(db.querier(0, Infinity)).length, 12);
  await db.delete(0, 20_000, [new Matcher('=', 'i', '0')]);
  assert.equal(dump(db.querier(0, Infinity)).length, 10);
});
