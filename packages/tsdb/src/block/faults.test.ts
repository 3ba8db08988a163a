import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matcher, isVigilError } from '@vigil/model';
import { tempDir } from '@vigil/testkit';
import { Block, openBlocks } from './block.js';
import { mergeQueriers } from './merge.js';
import { dumpQuerier, range, sourceOf, testSeries } from './test-util.js';
import { writeBlock } from './writer.js';

/** Flips the bits of one byte. */
function flip(path: string, at: (size: number, data: Buffer) => number): void {
  const b = readFileSync(path);
  const i = at(b.length, b);
  b[i] ^= 0xff;
  writeFileSync(path, b);
}

function tocAt(index: Buffer, entry: number): number {
  const toc = index.length - 52;
  return index.readUInt32BE(toc + entry * 8 + 4);
}

interface FaultCase {
  readonly name: string;
  readonly damage: (dir: string) => void;
  /** Where the error shows: when opening the block, or when reading its data. */
  readonly when: 'open' | 'read';
  /** The message must name this file, and match this. */
  readonly file: string;
  readonly message: RegExp;
}

const CASES: FaultCase[] = [
  { name: 'index truncated', damage: (d) => truncateSync(join(d, 'index'), 600), when: 'open', file: 'index', message: /offset \d+: TOC checksum mismatch/ },
  { name: 'index empty', damage: (d) => truncateSync(join(d, 'index'), 0), when: 'open', file: 'index', message: /offset 0: index file too short/ },
  { name: 'index bad magic', damage: (d) => flip(join(d, 'index'), () => 1), when: 'open', file: 'index', message: /offset 0: invalid magic number/ },
  { name: 'index TOC flipped', damage: (d) => flip(join(d, 'index'), (n) => n - 20), when: 'open', file: 'index', message: /TOC checksum mismatch/ },
  { name: 'index symbol table flipped', damage: (d) => flip(join(d, 'index'), () => 14), when: 'open', file: 'index', message: /offset 5: symbol table checksum mismatch/ },
  { name: 'index postings offset table flipped', damage: (d) => flip(join(d, 'index'), (_, b) => tocAt(b, 5) + 12), when: 'open', file: 'index', message: /postings offset table checksum mismatch/ },
  { name: 'index series entry flipped', damage: (d) => flip(join(d, 'index'), (_, b) => Math.ceil((tocAt(b, 1) + 1) / 16) * 16 + 3), when: 'read', file: 'index', message: /offset \d+: series entry checksum mismatch/ },
  { name: 'index postings list flipped', damage: (d) => flip(join(d, 'index'), (_, b) => tocAt(b, 3) - 2), when: 'read', file: 'index', message: /offset \d+: postings list checksum mismatch/ },
  { name: 'chunk segment bad magic', damage: (d) => flip(join(d, 'chunks', '000001'), () => 0), when: 'open', file: 'chunks/000001', message: /offset 0: invalid magic number/ },
  { name: 'chunk data flipped', damage: (d) => flip(join(d, 'chunks', '000001'), () => 20), when: 'read', file: 'chunks/000001', message: /offset 8: chunk checksum mismatch/ },
  { name: 'chunk segment truncated', damage: (d) => truncateSync(join(d, 'chunks', '000001'), 100), when: 'read', file: 'chunks/000001', message: /runs past the end of the segment|points outside the segment/ },
  { name: 'chunk segment missing', damage: (d) => rmSync(join(d, 'chunks', '000001')), when: 'read', file: 'chunks', message: /points to segment 0, but .* has 0 segment files/ },
  { name: 'meta.json not JSON', damage: (d) => writeFileSync(join(d, 'meta.json'), '{"ulid": "01'), when: 'open', file: 'meta.json', message: /invalid block meta file/ },
  { name: 'meta.json missing', damage: (d) => rmSync(join(d, 'meta.json')), when: 'open', file: 'meta.json', message: /cannot read block meta file/ },
  { name: 'meta.json wrong version', damage: (d) => writeFileSync(join(d, 'meta.json'), readFileSync(join(d, 'meta.json'), 'utf8').replace('"version": 1', '"version": 3')), when: 'open', file: 'meta.json', message: /unexpected meta file version 3/ },
  { name: 'tombstones checksum', damage: (d) => flip(join(d, 'tombstones'), (n) => n - 1), when: 'open', file: 'tombstones', message: /offset \d+: checksum mismatch/ },
  { name: 'tombstones truncated', damage: (d) => truncateSync(join(d, 'tombstones'), 3), when: 'open', file: 'tombstones', message: /offset 0: tombstones file too short/ },
];

test('damaged blocks: a clear error naming the file and offset, and the other blocks are still served', async () => {
  const tmp = tempDir();
  try {
    const pristine = join(tmp.path, 'pristine');
    const good = await writeBlock(pristine, sourceOf([testSeries({ __name__: 'good', job: 'x' }, range(0, 600_000, 15_000), (t) => t)]));
    const bad = await writeBlock(pristine, sourceOf([
      testSeries({ __name__: 'bad', job: 'x' }, range(0, 7_200_000, 15_000), (t) => t),
      testSeries({ __name__: 'bad', job: 'y' }, range(0, 7_200_000, 15_000), (t) => -t),
    ]));
    assert.ok(good && bad);
    // Give the bad block a real tombstone so its tombstones file has entries to damage.
    const b0 = Block.open(bad.dir);
    b0.delete(0, 1000, [new Matcher('=', 'job', 'y')]);
    b0.close();
    for (const c of CASES) {
      const data = join(tmp.path, c.name.replace(/\W+/g, '-'));
      cpSync(pristine, data, { recursive: true });
      c.damage(join(data, bad.ulid));
      const { blocks, errors } = openBlocks(data);
      const nameRe = new RegExp(join(bad.ulid, c.file).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
      if (c.when === 'open') {
        assert.equal(errors.length, 1, `${c.name}: expected the block to be refused`);
        const err = errors[0].error;
        assert.ok(isVigilError(err), `${c.name}: ${err}`);
        assert.match(err.message, nameRe, c.name);
        assert.match(err.message, c.message, c.name);
        assert.deepEqual(blocks.map((b) => b.ulid), [good.ulid], c.name);
      } else {
        assert.equal(errors.length, 0, `${c.name}: ${errors.map((e) => e.error.message).join()}`);
        const badBlock = blocks.find((b) => b.ulid === bad.ulid)!;
        const q = badBlock.querier(-Infinity, Infinity);
        assert.throws(() => dumpQuerier(q, [new Matcher('=~', 'job', '.+')]), (e: unknown) => {
          assert.ok(isVigilError(e, 'corruption'), `${c.name}: ${e}`);
          assert.match((e as Error).message, nameRe, c.name);
          assert.match((e as Error).message, c.message, c.name);
          return true;
        }, c.name);
        q.close();
        // The batch read reports the same damage.
        const q2 = badBlock.querier(-Infinity, Infinity);
        assert.throws(() => {
          for (const s of q2.select([new Matcher('=~', 'job', '.+')])) s.readSamples!(-Infinity, Infinity, { push() {}, pushHistogram() {} });
        }, (e: unknown) => {
          assert.ok(isVigilError(e, 'corruption'), `${c.name} (readSamples): ${e}`);
          assert.match((e as Error).message, nameRe, c.name);
          assert.match((e as Error).message, c.message, c.name);
          return true;
        }, `${c.name} (readSamples)`);
        q2.close();
      }
      // The good block answers either way.
      const goodBlock = blocks.find((b) => b.ulid === good.ulid)!;
      const q = mergeQueriers([goodBlock.querier(-Infinity, Infinity)]);
      assert.equal(dumpQuerier(q, [new Matcher('=', '__name__', 'good')]).length, 41, c.name);
      q.close();
      for (const b of blocks) b.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test('random damage anywhere in a block never escapes as anything but a VigilError', async () => {
  const tmp = tempDir();
  try {
    const src = await writeBlock(join(tmp.path, 'src'), sourceOf([
      testSeries({ __name__: 'a', job: 'x' }, range(0, 3_600_000, 15_000), (t) => t / 3),
      testSeries({ __name__: 'a', job: 'y' }, range(0, 3_600_000, 30_000), (t) => Math.sqrt(t)),
      testSeries({ __name__: 'b', le: '0.5' }, range(600_000, 1_200_000, 10_000), (t) => t % 7),
    ]));
    assert.ok(src);
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const files = ['index', 'chunks/000001', 'tombstones', 'meta.json'];
    let refused = 0;
    let readErrors = 0;
    for (let i = 0; i < 300; i++) {
      const dir = join(tmp.path, `d${i}`);
      cpSync(src.dir, dir, { recursive: true });
      const f = join(dir, files[i % files.length]);
      const data = readFileSync(f);
      const mode = rand(3);
      if (mode === 0 && data.length > 0) truncateSync(f, rand(data.length));
      else for (let k = 0, n = 1 + rand(4); k < n && data.length > 0; k++) data[rand(data.length)] ^= 1 << rand(8);
      if (mode !== 0) writeFileSync(f, data);
      let b: Block | undefined;
      try {
        b = Block.open(dir);
      } catch (e) {
        assert.ok(isVigilError(e), `open after damaging ${f}: ${(e as Error).stack}`);
        refused++;
        rmSync(dir, { recursive: true });
        continue;
      }
      try {
        // The batch read first (nothing cached yet), then the iterators.
        const q0 = b.querier(-Infinity, Infinity);
        try {
          for (const s of q0.select([new Matcher('=~', '__name__', '.*')])) s.readSamples!(-Infinity, Infinity, { push() {}, pushHistogram() {} });
        } catch (e) {
          assert.ok(isVigilError(e), `batch read after damaging ${f}: ${(e as Error).stack}`);
        } finally {
          q0.close();
        }
        const q = b.querier(-Infinity, Infinity);
        dumpQuerier(q, [new Matcher('=~', '__name__', '.*')]);
        q.labelValues('job');
        q.close();
      } catch (e) {
        assert.ok(isVigilError(e), `reading after damaging ${f}: ${(e as Error).stack}`);
        readErrors++;
      } finally {
        b.close();
      }
      rmSync(dir, { recursive: true });
    }
    assert.ok(refused > 50 && readErrors > 10, `refused ${refused}, read errors ${readErrors}`);
  } finally {
    tmp.cleanup();
  }
});
