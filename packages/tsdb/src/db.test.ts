import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Labels, Matcher, formatFloat } from '@vigil/model';
import { conformanceDir, eventually, freePort, requireProgram, runProgram, startProcess, tempDir, waitForHttp } from '@vigil/testkit';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    // Small segments, so that the cut leaves several and a checkpoint is written.
    const db = await openDB(tmp.path, opts({ walSegmentSize: 32 * 1024 }));
    await fill(db, 10, 0, 7 * H, 60_000);
    const before = dump(db.querier(0, Infinity));
    await db.compact();
    // 7 h of data: the head keeps at most 1.5 ranges, the rest went to aligned 2 h blocks.
    assert.deepEqual(db.blocks.map((b) => [b.minTime, b.maxTime]), [[0, 2 * H], [2 * H, 4 * H]]);
    assert.equal(db.head.minTime, 4 * H);
    assert.deepEqual(dump(db.querier(0, Infinity)), before);
    const walFiles = readdirSync(join(tmp.path, 'wal'));
    assert.ok(walFiles.some((n) => /^checkpoint\.\d{8}$/.test(n)), walFiles.join(' '));
    assert.ok(!walFiles.includes('00000000'), 'checkpointed segments are deleted');
    await db.close();
    // promtool lists and dumps the data directory Vigil wrote (blocks and WAL).
    const list = runProgram(promtool, ['tsdb', 'list', tmp.path]);
    assert.equal(list.status, 0, list.stderr);
    for (const b of db.blocks) assert.ok(list.stdout.includes(b.ulid));
    const pd = runProgram(promtool, ['tsdb', 'dump', tmp.path]);
    assert.equal(pd.status, 0, pd.stderr);
    assert.deepEqual(pd.stdout.split('\n').filter(Boolean).sort(), before);
    // The blocks' pages are held within the configured budget, and released when the DB closes.
    const again = await openDB(tmp.path, opts({ blockCacheBytes: 128 * 1024 }));
    assert.equal(again.pageCache.maxBytes, 128 * 1024);
    assert.deepEqual(dump(again.querier(0, Infinity)), before);
    assert.ok(again.pageCache.bytes > 0 && again.pageCache.bytes <= 128 * 1024, `${again.pageCache.bytes} bytes cached`);
    await again.close();
    assert.equal(again.pageCache.bytes, 0);
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

test("DB: the out-of-order samples Prometheus 2.42 kept in wbl/ are served, carried into Vigil's WAL, and wbl/ removed", { timeout: 60_000 }, async () => {
  const prometheus = requireProgram('prometheus', 'prometheus');
  const tmp = tempDir();
  // A target whose samples go back in time after the first two: out of order for Prometheus.
  let scrapes = 0;
  const base = Date.now();
  const target = createServer((_req, res) => {
    scrapes++;
    const t = scrapes <= 2 ? base + scrapes * 1000 : base - (scrapes - 2) * 60_000;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE ooo_metric gauge\nooo_metric ${scrapes} ${t}\n`);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const targetPort = (target.address() as AddressInfo).port;
  const port = await freePort();
  const data = join(tmp.path, 'data');
  writeFileSync(join(tmp.path, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nstorage:\n  tsdb:\n    out_of_order_time_window: 1h\nscrape_configs:\n  - job_name: ooo\n    static_configs: [{targets: ['127.0.0.1:${targetPort}']}]\n`);
  const p = startProcess(prometheus, [`--config.file=${join(tmp.path, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`]);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 20_000, p);
    // Wait until Prometheus serves at least three out-of-order samples, and take its answer as the truth.
    const theirs = await eventually(async () => {
      const r = await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('ooo_metric[3h]')}&time=${(base + 10_000) / 1000}`)).json() as { data: { result: Array<{ values: Array<[number, string]> }> } };
      const values = r.data.result[0]?.values ?? [];
      return values.length >= 5 ? values.map(([t, v]) => `${v} ${Math.round(t * 1000)}`) : undefined;
    }, 30_000, 'out-of-order samples in Prometheus');
    await p.stop();
    assert.ok(existsSync(join(data, 'wbl')), 'Prometheus wrote a wbl/');
    const logs: string[] = [];
    const db = await openDB(data, opts({ retentionDuration: 0, logger: quietLogger(logs) }));
    const ours = dump(db.querier(-Infinity, Infinity), [new Matcher('=', '__name__', 'ooo_metric')]).map((l) => l.split(' ').slice(-2).join(' '));
    // Prometheus may have scraped once more after it answered: every sample it showed is ours too.
    for (const line of theirs) assert.ok(ours.includes(line), `${line} served by Vigil (got ${ours.join(', ')})`);
    assert.ok(logs.some((l) => /^info: \d+ out-of-order samples from Prometheus's wbl\/ added to the head and the WAL.*; removed wbl\/$/.test(l)), logs.join('\n'));
    assert.ok(!existsSync(join(data, 'wbl')));
    await db.close();
    // They now live in Vigil's WAL: a restart (with no out-of-order window) still serves them.
    const again = await openDB(data, opts({ retentionDuration: 0 }));
    assert.deepEqual(dump(again.querier(-Infinity, Infinity), [new Matcher('=', '__name__', 'ooo_metric')]).map((l) => l.split(' ').slice(-2).join(' ')), ours);
    await again.close();
  } finally {
    await p.stop();
    await new Promise((r) => target.close(r));
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
    // Counted once per rescan that deleted blocks, not per block (vigil_tsdb_time_retentions_total).
    assert.ok(db.counters.timeRetentions >= 1 && db.counters.timeRetentions <= db.counters.reloads, JSON.stringify(db.counters));
    assert.equal(db.counters.sizeRetentions, 0);
    await db.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: size retention deletes the oldest blocks until blocks and WAL fit, newest kept', async () => {
  const tmp = tempDir();
  try {
    // First without a size limit, to learn what the blocks weigh.
    const free = await openDB(tmp.path, opts({ retentionDuration: 0, maxBlockDuration: 2 * H }));
    await fill(free, 20, 0, 13 * H, 60_000);
    await free.compact();
    const sizes = free.blocks.map((b) => b.size());
    const wal = free.walSize();
    const all = free.blocks.map((b) => b.ulid);
    await free.close();
    assert.ok(all.length >= 4 && sizes.every((n) => n > 0), JSON.stringify(sizes));
    // Room for the WAL and the two newest blocks only.
    const limit = wal + sizes[sizes.length - 1]! + sizes[sizes.length - 2]! + 1;
    const logs: string[] = [];
    const db = await openDB(tmp.path, opts({ retentionDuration: 0, maxBlockDuration: 2 * H, retentionSize: limit, logger: quietLogger(logs) }));
    const kept = db.blocks.map((b) => b.ulid);
    assert.deepEqual(kept, all.slice(-2), 'the two newest blocks stay');
    assert.ok(logs.filter((l) => /deleting block .* \(size retention\)/.test(l)).length === all.length - 2, logs.join('\n'));
    assert.ok(db.blocks.reduce((n, b) => n + (b.size()), 0) + db.walSize() <= limit);
    // The opening rescan deleted several blocks at once: one size retention (vigil_tsdb_size_retentions_total).
    assert.deepEqual([db.counters.reloads, db.counters.sizeRetentions, db.counters.timeRetentions], [1, 1, 0]);
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

test('DB: out-of-order samples (window on) survive restart and reach blocks, merged with the in-order ones', async () => {
  const tmp = tempDir();
  try {
    const o = opts({ outOfOrderTimeWindow: 10 * H });
    const db = await openDB(tmp.path, o);
    await fill(db, 2, 0, 7 * H, 600_000);
    // Late samples between existing ones, some in the range that will become a block.
    const app = db.appender();
    for (const t of [300_000, 2 * H + 300_000, 5 * H + 300_000]) app.append(0, Labels.fromObject({ __name__: 'fill', i: '0' }), t, -1);
    await app.commit();
    const before = dump(db.querier(0, Infinity));
    assert.equal(before.filter((l) => l.includes(' -1 ')).length, 3);
    await db.close();
    const again = await openDB(tmp.path, o);
    assert.deepEqual(dump(again.querier(0, Infinity)), before);
    await again.compact();
    assert.ok(again.blocks.length >= 2);
    assert.deepEqual(dump(again.querier(0, Infinity)), before);
    // Timestamps come back in order within each series.
    const [s0] = again.querier(0, Infinity).select([new Matcher('=', 'i', '0')]);
    const it = s0.iterator();
    let last = -Infinity;
    while (it.next()) {
      assert.ok(it.t > last);
      last = it.t;
    }
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: exemplars are in the WAL and come back after restart', async () => {
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    const app = db.appender();
    const ref = app.append(0, Labels.fromObject({ __name__: 'req_total' }), 1000, 1);
    app.appendExemplar(ref, Labels.EMPTY, { labels: Labels.fromObject({ trace_id: 'abc' }), value: 0.25, t: 1000 });
    await app.commit();
    await db.close();
    const again = await openDB(tmp.path, opts());
    const got = again.selectExemplars(0, 2000, [[new Matcher('=', '__name__', 'req_total')]]);
    assert.deepEqual(got.map((g) => g.exemplars.map((e) => [e.t, e.value, e.labels.get('trace_id')])), [[[1000, 0.25, 'abc']]]);
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: a snapshot with the head is a data directory promtool reads', async () => {
  const promtool = requireProgram('promtool', 'prometheus');
  const tmp = tempDir();
  const snap = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    await fill(db, 5, 0, 5 * H, 300_000);
    await db.compact();
    const before = dump(db.querier(0, Infinity));
    const res = await db.snapshot(join(snap.path, 'snap'), true);
    assert.ok(res.blocks.length >= 1 && res.head !== undefined);
    await db.close();
    // Like a snapshot Prometheus takes, it holds blocks only; promtool's reader wants a wal/ dir beside them.
    mkdirSync(join(snap.path, 'snap', 'wal'));
    const pd = runProgram(promtool, ['tsdb', 'dump', join(snap.path, 'snap')]);
    assert.equal(pd.status, 0, pd.stderr);
    assert.deepEqual(pd.stdout.split('\n').filter(Boolean).sort(), before);
  } finally {
    tmp.cleanup();
    snap.cleanup();
  }
});

test('DB: an out-of-order sample that arrives while its range is being written to a block is not lost', async () => {
  const tmp = tempDir();
  try {
    const o = opts({ outOfOrderTimeWindow: 10 * H });
    const db = await openDB(tmp.path, o);
    await fill(db, 3, 0, 7 * H, 600_000);
    const compaction = db.compact();
    // The cut of [0, 2h) is under way: a late sample for that range comes in.
    const app = db.appender();
    app.append(0, Labels.fromObject({ __name__: 'fill', i: '1' }), 650_000, -7);
    await app.commit();
    await compaction;
    const has = () => dump(db.querier(0, Infinity), [new Matcher('=', 'i', '1')]).some((l) => l.endsWith(' -7 650000'));
    assert.ok(has(), 'late sample visible after the cut');
    await db.compact();
    assert.ok(has(), 'late sample visible after it went to a block');
    await db.close();
    const again = await openDB(tmp.path, o);
    assert.ok(dump(again.querier(0, Infinity), [new Matcher('=', 'i', '1')]).some((l) => l.endsWith(' -7 650000')));
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: refuses a directory a running Prometheus has locked', async () => {
  const prometheus = requireProgram('prometheus', 'prometheus');
  const tmp = tempDir();
  const port = await freePort();
  writeFileSync(join(tmp.path, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  const data = join(tmp.path, 'data');
  const p = startProcess(prometheus, [
    `--config.file=${join(tmp.path, 'prometheus.yml')}`,
    `--storage.tsdb.path=${data}`,
    '--storage.tsdb.use-lockfile',
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 20000, p);
    await assert.rejects(openDB(data, opts()), /lock DB directory .*held by process \d+/);
  } finally {
    await p.stop();
    tmp.cleanup();
  }
});

test('DB: label values with characters above U+FFFF and in U+E000–U+FFFF are cut into a block in byte order', async () => {
  const tmp = tempDir();
  try {
    const log: string[] = [];
    const db = await openDB(tmp.path, opts({ logger: quietLogger(log) }));
    // In UTF-16 '\u{1F600}' (a surrogate pair) sorts before '\uffff'; in UTF-8, as the index wants, after.
    const values = ['/\u{1F600}', '/\uffff', '/\ue000', '/a'];
    for (let t = 0; t < 4 * H; t += 60_000) {
      const app = db.appender();
      for (const path of values) app.append(0, Labels.fromObject({ __name__: 'paths', path }), t, t / 1000);
      await app.commit();
    }
    const before = dump(db.querier(0, Infinity));
    const inOrder = ['/a', '/\ue000', '/\uffff', '/\u{1F600}'];
    const headQ = db.querier(0, Infinity);
    assert.deepEqual(headQ.labelValues('path'), inOrder);
    headQ.close();
    await db.compact();
    assert.equal(db.blocks.length, 1, log.join('\n'));
    const blockQ = db.querier(0, 2 * H - 1);
    assert.deepEqual(blockQ.labelValues('path'), inOrder);
    assert.deepEqual(blockQ.labelValues('path', [new Matcher('=', '__name__', 'paths')]), inOrder);
    blockQ.close();
    assert.deepEqual(dump(db.querier(0, Infinity)), before);
    const order = [...db.blocks[0]!.querier(0, Infinity).select(ALL)].map((s) => s.labels.get('path'));
    assert.deepEqual(order, inOrder);
    await db.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: the counters behind /metrics follow compactions, reloads, truncations and series', async () => {
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    assert.deepEqual(db.counters, { compactions: 0, compactionsFailed: 0, reloads: 1, timeRetentions: 0, sizeRetentions: 0 });
    // `gone` has samples in the first hour only: it leaves the head with the first block cut.
    const app = db.appender();
    let ref = 0;
    for (let t = 0; t < H; t += 60_000) ref = app.append(ref, Labels.fromObject({ __name__: 'gone' }), t, 1);
    await app.commit();
    await fill(db, 3, 0, 7 * H, 300_000);
    assert.deepEqual(db.head.counters, { seriesCreated: 4, seriesRemoved: 0, truncations: 0 });
    await db.compact();
    // Two head cuts ([0,2h) and [2h,4h)), each followed by a rescan and a head truncation.
    assert.equal(db.blocks.length, 2);
    assert.deepEqual(db.counters, { compactions: 2, compactionsFailed: 0, reloads: 3, timeRetentions: 0, sizeRetentions: 0 });
    assert.deepEqual(db.head.counters, { seriesCreated: 4, seriesRemoved: 1, truncations: 2 });
    assert.equal(db.head.numSeries, 3);
    // Rewriting a block without its deleted samples is a compactor write too.
    await db.delete(0, H, [new Matcher('=', 'i', '0')]);
    await db.cleanTombstones();
    assert.equal(db.counters.compactions, 3);
    assert.equal(db.counters.reloads, 4);
    await db.close();
  } finally {
    tmp.cleanup();
  }
});

test('DB: a head cut that cannot be written counts as a failed compaction', async () => {
  const tmp = tempDir();
  const dir = join(tmp.path, 'data');
  try {
    const db = await openDB(dir, opts({ noLockfile: true }));
    await fill(db, 2, 0, 7 * H, 600_000);
    // The data directory is replaced by a file: the block cannot be created there.
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'not a directory');
    await assert.rejects(db.compact());
    assert.deepEqual([db.counters.compactions, db.counters.compactionsFailed], [1, 1]);
    assert.equal(db.blocks.length, 0);
    await db.close().catch(() => undefined);
  } finally {
    tmp.cleanup();
  }
});
