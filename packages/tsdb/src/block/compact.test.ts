import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matcher } from '@vigil/model';
import { tempDir } from '@vigil/testkit';
import { snapshot } from './admin.js';
import { Block, openBlocks } from './block.js';
import {
  HOUR_MS, blocksToDelete, cleanTombstones, compactBlocks, compactionRanges, defaultMaxBlockDuration, deleteBlockDirs,
  planCompaction,
} from './compact.js';
import { mergeQueriers } from './merge.js';
import type { BlockMeta } from './meta.js';
import { dumpQuerier, range, sourceOf, testSeries, type TestSeries } from './test-util.js';
import { writeBlock } from './writer.js';

function meta(id: number, minTime: number, maxTime: number, extra: Partial<BlockMeta> = {}): BlockMeta {
  const ulid = '01' + String(id).padStart(24, '0');
  return { ulid, minTime, maxTime, stats: { numSeries: 10 }, compaction: { level: 1, sources: [ulid] }, version: 1, ...extra };
}

test('compaction ranges: 2h ×3 steps up to 31d, or a tenth of the retention', () => {
  assert.deepEqual(compactionRanges().map((r) => r / HOUR_MS), [2, 6, 18, 54, 162, 486]);
  assert.equal(defaultMaxBlockDuration(0), 31 * 24 * HOUR_MS);
  assert.equal(defaultMaxBlockDuration(15 * 24 * HOUR_MS), 36 * HOUR_MS);
  assert.deepEqual(compactionRanges(2 * HOUR_MS, defaultMaxBlockDuration(15 * 24 * HOUR_MS)).map((r) => r / HOUR_MS), [2, 6, 18]);
});

test('planCompaction picks blocks as Prometheus does', () => {
  const ranges = [20, 60, 180, 540, 1620];
  const cases: Array<[string, BlockMeta[], number[]]> = [
    ['a single block', [meta(1, 0, 20)], []],
    ['two blocks: wait for the range to fill', [meta(1, 0, 20), meta(2, 20, 40)], []],
    ['three blocks, the newest is left out', [meta(1, 0, 20), meta(2, 20, 40), meta(3, 40, 60)], []],
    ['a full range before the newest block', [meta(1, 0, 20), meta(2, 20, 40), meta(3, 40, 60), meta(4, 60, 80)], [1, 2, 3]],
    ['a range with a gap that is wholly older than the newest block', [meta(1, 0, 20), meta(2, 20, 40), meta(4, 60, 80), meta(5, 80, 100)], [1, 2]],
    ['the next level up', [meta(1, 0, 60), meta(2, 60, 120), meta(3, 120, 180), meta(4, 180, 200), meta(5, 200, 220), meta(6, 220, 240)], [1, 2, 3]],
    ['overlapping blocks come first', [meta(1, 0, 20), meta(2, 19, 40), meta(3, 40, 60), meta(4, 60, 80)], [1, 2]],
    ['overlap inside a bigger block', [meta(1, 0, 60), meta(2, 20, 40), meta(3, 60, 80)], [1, 2]],
    ['a failed compaction is not retried', [meta(1, 0, 20, { compaction: { level: 1, failed: true } }), meta(2, 20, 40), meta(3, 40, 60), meta(4, 60, 80)], []],
    ['a large block with more than 5% tombstones', [meta(1, 0, 180, { stats: { numSeries: 10, numTombstones: 1 } }), meta(2, 180, 200)], [1]],
    ['a large block with few tombstones', [meta(1, 0, 180, { stats: { numSeries: 100, numTombstones: 1 } }), meta(2, 180, 200)], []],
    ['a small block entirely deleted', [meta(1, 0, 20, { stats: { numSeries: 2, numTombstones: 2 } }), meta(2, 20, 40)], [1]],
  ];
  for (const [name, metas, want] of cases) {
    const got = planCompaction(metas, ranges).map((m) => Number(m.ulid.slice(2)));
    assert.deepEqual(got, want, name);
  }
});

const H2 = 2 * HOUR_MS;

function windowSeries(from: number, to: number, k: number): TestSeries[] {
  return [
    testSeries({ __name__: 'c', i: '1' }, range(from, to - 1, 15_000), (t) => t / 1000 + k),
    testSeries({ __name__: 'c', i: '2' }, range(from, to - 1, 60_000), (t) => t / 7),
  ];
}

test('compacting three 2h blocks into a 6h block keeps every chunk as it was', async () => {
  const tmp = tempDir();
  try {
    const dir = tmp.path;
    for (let i = 0; i < 4; i++) {
      await writeBlock(dir, sourceOf(windowSeries(i * H2, (i + 1) * H2, i), i * H2, (i + 1) * H2 - 1));
    }
    const { blocks } = openBlocks(dir);
    assert.equal(blocks.length, 4);
    const mq = mergeQueriers(blocks.slice(0, 3).map((b) => b.querier(-Infinity, Infinity)));
    const before = dumpQuerier(mq);
    mq.close();
    const plan = planCompaction(blocks.map((b) => b.meta), compactionRanges());
    assert.deepEqual(plan.map((m) => m.ulid), blocks.slice(0, 3).map((b) => b.ulid));
    const picked = blocks.filter((b) => plan.some((m) => m.ulid === b.ulid));
    const w = await compactBlocks(dir, picked);
    assert.ok(w);
    assert.equal(w.meta.minTime, 0);
    assert.equal(w.meta.maxTime, 3 * H2);
    assert.equal(w.meta.compaction.level, 2);
    assert.deepEqual(w.meta.compaction.sources, picked.map((b) => b.ulid).sort());
    assert.deepEqual(w.meta.compaction.parents?.map((p) => p.ulid), picked.map((b) => b.ulid));
    const chunksBefore = picked.reduce((n, b) => n + (b.meta.stats.numChunks ?? 0), 0);
    assert.equal(w.meta.stats.numChunks, chunksBefore);
    assert.equal(w.meta.stats.numSamples, picked.reduce((n, b) => n + (b.meta.stats.numSamples ?? 0), 0));
    const nb = Block.open(w.dir);
    assert.deepEqual(dumpQuerier(nb.querier(-Infinity, Infinity)), before);
    nb.close();
    for (const b of blocks) b.close();
    deleteBlockDirs(dir, picked.map((b) => b.ulid));
    const after = openBlocks(dir);
    assert.equal(after.blocks.length, 2);
    assert.equal(after.errors.length, 0);
    // The new 6h block and the untouched newest block: nothing more to do.
    assert.deepEqual(planCompaction(after.blocks.map((b) => b.meta), compactionRanges()), []);
    for (const b of after.blocks) b.close();
  } finally {
    tmp.cleanup();
  }
});

test('overlapping blocks are merged: one sample per timestamp, re-encoded chunks of at most 120 samples', async () => {
  const tmp = tempDir();
  try {
    const dir = tmp.path;
    const a = await writeBlock(dir, sourceOf([testSeries({ __name__: 'o' }, range(0, 3_000_000, 10_000), () => 1)]));
    const b = await writeBlock(dir, sourceOf([testSeries({ __name__: 'o' }, range(1_000_000, 5_000_000, 5_000), () => 2)]));
    const { blocks } = openBlocks(dir);
    assert.deepEqual(planCompaction(blocks.map((x) => x.meta), compactionRanges()).map((m) => m.ulid).sort(), [a!.ulid, b!.ulid].sort());
    const w = await compactBlocks(dir, blocks);
    assert.ok(w);
    const nb = Block.open(w.dir);
    const lines = dumpQuerier(nb.querier(-Infinity, Infinity));
    const ts = lines.map((l) => Number(l.split(' ').pop()));
    assert.deepEqual(ts, [...new Set(ts)].sort((x, y) => x - y));
    // 0..1000s every 10s from a, then every 5s to 5000s; at shared timestamps the older block's value.
    assert.equal(lines.length, 100 + 801);
    assert.ok(lines.includes('{__name__="o"} 1 1000000'));
    assert.ok(lines.includes('{__name__="o"} 2 1005000'));
    const s = nb.index.series(nb.index.allPostings()[0]);
    for (let i = 0; i < s.chunks.length; i += 3) {
      const raw = nb.chunks.chunk(s.chunks[i + 2]);
      assert.ok(((raw.data[0] << 8) | raw.data[1]) <= 120);
    }
    nb.close();
    for (const x of blocks) x.close();
  } finally {
    tmp.cleanup();
  }
});

test('compaction and clean-tombstones drop deleted samples; an emptied block is marked deletable', async () => {
  const tmp = tempDir();
  try {
    const dir = tmp.path;
    const w = await writeBlock(dir, sourceOf(windowSeries(0, H2, 0)));
    let b = Block.open(w!.dir);
    assert.equal(await cleanTombstones(dir, b), null);
    b.delete(600_000, 1_200_000, [new Matcher('=', 'i', '1')]);
    const clean = await cleanTombstones(dir, b);
    assert.ok(clean);
    assert.equal(b.meta.compaction.deletable, true);
    b.close();
    b = Block.open(clean.dir);
    assert.equal(b.tombstones.total(), 0);
    assert.deepEqual(clean.meta.compaction.parents?.map((p) => p.ulid), [w!.ulid]);
    const lines = dumpQuerier(b.querier(-Infinity, Infinity), [new Matcher('=', 'i', '1')]);
    assert.equal(lines.length, 480 - 41);
    b.delete(-Infinity, Infinity, [new Matcher('=', '__name__', 'c')]);
    assert.equal(await compactBlocks(dir, [b]), undefined);
    assert.equal(b.meta.compaction.deletable, true);
    b.close();
    // Deletable blocks are not opened again.
    const { blocks } = openBlocks(dir);
    assert.deepEqual(blocks.map((x) => x.ulid), []);
  } finally {
    tmp.cleanup();
  }
});

test('retention: by time from the newest block end, by size with the head counted first', () => {
  const mk = (id: number, minTime: number, maxTime: number, size: number, deletable = false) => ({
    meta: meta(id, minTime, maxTime, deletable ? { compaction: { level: 1, deletable: true } } : {}),
    size: () => size,
  });
  const blocks = [mk(1, 0, 100, 10), mk(2, 100, 200, 10), mk(3, 200, 300, 10), mk(4, 300, 400, 10, true)];
  const ids = (m: Map<string, string>) => [...m.entries()].map(([k, v]) => `${Number(k.slice(2))}:${v}`).sort();
  assert.deepEqual(ids(blocksToDelete(blocks, {})), ['4:deletable']);
  assert.deepEqual(ids(blocksToDelete(blocks, { retentionDuration: 150 })), ['1:time', '2:time', '4:deletable']);
  assert.deepEqual(ids(blocksToDelete(blocks, { retentionDuration: 300 })), ['4:deletable']);
  assert.deepEqual(ids(blocksToDelete(blocks, { maxBytes: 25 })), ['1:size', '2:size', '4:deletable']);
  assert.deepEqual(ids(blocksToDelete(blocks, { maxBytes: 25, headBytes: 10 })), ['1:size', '2:size', '3:size', '4:deletable']);
});

test('snapshot hard-links blocks and writes the head as a block; leftovers of interrupted writes are removed', async () => {
  const tmp = tempDir();
  try {
    const data = join(tmp.path, 'data');
    const w = await writeBlock(data, sourceOf(windowSeries(0, H2, 0)));
    const { blocks } = openBlocks(data);
    const snap = join(tmp.path, 'snap');
    const head = sourceOf([testSeries({ __name__: 'head' }, range(H2, H2 + 60_000, 15_000), () => 5)]);
    const r = await snapshot(snap, data, blocks, head);
    assert.deepEqual(r.blocks, [w!.ulid]);
    assert.ok(r.head);
    assert.equal(statSync(join(snap, w!.ulid, 'index')).ino, statSync(join(w!.dir, 'index')).ino);
    assert.equal(statSync(join(snap, w!.ulid, 'chunks', '000001')).ino, statSync(join(w!.dir, 'chunks', '000001')).ino);
    const s = openBlocks(snap);
    assert.equal(s.blocks.length, 2);
    assert.equal(dumpQuerier(s.blocks[1].querier(-Infinity, Infinity)).length, 5);
    for (const b of [...s.blocks, ...blocks]) b.close();
    await assert.rejects(snapshot(data, data, []), /data directory itself/);
    // An interrupted write leaves a tmp dir; opening with removeTmp clears it.
    const tmpDirName = '01HZZZZZZZZZZZZZZZZZZZZZZZ.tmp-for-creation';
    mkdirSync(join(data, tmpDirName));
    writeFileSync(join(data, tmpDirName, 'index'), 'partial');
    const again = openBlocks(data, { removeTmp: true });
    assert.equal(existsSync(join(data, tmpDirName)), false);
    assert.deepEqual(readdirSync(data), [w!.ulid]);
    for (const b of again.blocks) b.close();
  } finally {
    tmp.cleanup();
  }
});
