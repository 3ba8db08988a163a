import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Labels, Matcher, compareUtf8, isVigilError } from '@vigil/model';
import { conformanceDir, tempDir } from '@vigil/testkit';
import type { ChunkMeta, ChunkSeries } from '../chunk-types.js';
import { Block } from './block.js';
import { ChunkReader, ChunkWriter } from './chunks.js';
import { crc32c } from './crc32c.js';
import { Decbuf, Encbuf } from './encoding.js';
import { IndexReader } from './index-reader.js';
import { IndexWriter } from './index-writer.js';
import { encodeMeta, parseMeta } from './meta.js';
import { Tombstones, addInterval, decodeTombstones, encodeTombstones } from './tombstones.js';
import { isUlid, newUlid, ulidTime } from './ulid.js';
import { writeBlock } from './writer.js';
import { dumpQuerier, range, sourceOf, testSeries } from './test-util.js';

const FIXTURE = conformanceDir('tsdb-format', 'fixtures', 'blocks', '01M88BYXV2RVVFVE5WH1NZWCAJ');
const FIXTURE_DUMP = conformanceDir('tsdb-format', 'fixtures', 'small.dump.txt');

test('crc32c matches the CRC-32C check values', () => {
  const cases: Array<[string, number]> = [
    ['', 0],
    ['123456789', 0xe3069283],
    ['a', 0xc1d04330],
    ['The quick brown fox jumps over the lazy dog', 0x22620404],
  ];
  for (const [input, want] of cases) assert.equal(crc32c(Buffer.from(input)), want, input);
  // Chained over two halves equals one pass.
  const b = Buffer.from('The quick brown fox jumps over the lazy dog');
  assert.equal(crc32c(b, 10, b.length, crc32c(b, 0, 10)), 0x22620404);
});

test('varints round-trip up to 2^53 and truncated ones are reported with their offset', () => {
  const unsigned = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER];
  // Zig-zag doubles signed values: exact within ±2^52, far beyond any millisecond timestamp.
  const signed = [0, 1, -1, 63, -64, 2 ** 31, -(2 ** 31) - 1, 2 ** 52 - 1, -(2 ** 52)];
  const e = new Encbuf(4);
  for (const v of unsigned) {
    e.putUvarint(v);
    e.putBE64(v);
  }
  for (const v of signed) e.putVarint(v);
  const d = new Decbuf(Buffer.from(e.get()), 'x');
  for (const v of unsigned) {
    assert.equal(d.uvarint(), v);
    assert.equal(d.be64(), v);
  }
  for (const v of signed) assert.equal(d.varint(), v);
  assert.equal(d.remaining, 0);
  // Go's encoding: 300 = 0xac 0x02, -1 = 0x01.
  const g = new Encbuf();
  g.putUvarint(300);
  g.putVarint(-1);
  assert.deepEqual([...g.get()], [0xac, 0x02, 0x01]);
  const trunc = new Decbuf(Buffer.from([0x80, 0x80]), 'some/file', 100);
  assert.throws(() => trunc.uvarint(), (err: unknown) => isVigilError(err, 'corruption') && /some\/file.*offset 100/.test((err as Error).message));
});

test('varints decode alike with room to spare and at the very end of their data, around every byte boundary', () => {
  const unsigned: number[] = [];
  for (let bits = 7; bits <= 53; bits += 7) unsigned.push(2 ** bits - 1, 2 ** bits, 2 ** bits + 1);
  unsigned.push(2 ** 30 - 1, 2 ** 30, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, Number.MAX_SAFE_INTEGER);
  const signed = [0, -1, 1, 2 ** 30 - 1, -(2 ** 30), 2 ** 30, -(2 ** 30) - 1, 2 ** 31 - 1, -(2 ** 31), 1_767_227_400_000, -1_767_227_400_000];
  for (const [v, isSigned] of [...unsigned.map((v) => [v, false] as const), ...signed.map((v) => [v, true] as const)]) {
    const e = new Encbuf(4);
    if (isSigned) e.putVarint(v);
    else e.putUvarint(v);
    const n = e.len;
    for (const pad of [0, 16]) {
      const b = Buffer.alloc(n + pad, 0xff);
      e.get().copy(b);
      // The data ends after the varint; padding beyond `end` must not be read.
      const d = new Decbuf(b, 'x', 0, 0, n);
      assert.equal(isSigned ? d.varint() : d.uvarint(), v, `${v} (pad ${pad})`);
      assert.equal(d.pos, n, `${v} (pad ${pad}): bytes consumed`);
    }
  }
});

test('ULIDs carry their time and sort by it', () => {
  const a = newUlid(1700000000000);
  const b = newUlid(1700000000001);
  assert.ok(isUlid(a) && isUlid(b));
  assert.equal(ulidTime(a), 1700000000000);
  assert.ok(a < b);
  assert.equal(isUlid('01M88BYXV2RVVFVE5WH1NZWCAJ'), true);
  assert.equal(isUlid('01M88BYXV2RVVFVE5WH1NZWCA'), false);
  assert.equal(isUlid('81M88BYXV2RVVFVE5WH1NZWCAJ'), false);
  assert.equal(isUlid('01M88BYXV2RVVFVE5WH1NZWCAU'), false);
});

test('meta.json is written byte for byte as Prometheus writes it', () => {
  const text = readFileSync(join(FIXTURE, 'meta.json'), 'utf8');
  const meta = parseMeta(text, 'meta.json');
  assert.equal(meta.ulid, '01M88BYXV2RVVFVE5WH1NZWCAJ');
  assert.deepEqual(meta.stats, { numSamples: 3360, numSeries: 28, numChunks: 28 });
  assert.equal(encodeMeta(meta), text);
});

test('meta.json problems name the field', () => {
  const good = { ulid: '01M88BYXV2RVVFVE5WH1NZWCAJ', minTime: 0, maxTime: 10, stats: {}, compaction: { level: 1 }, version: 1 };
  const cases: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{"ulid": ', /invalid block meta file "m": .*JSON/],
    ['wrong version', { ...good, version: 2 }, /unexpected meta file version 2/],
    ['bad ulid', { ...good, ulid: 'nope' }, /field "ulid"/],
    ['minTime not a number', { ...good, minTime: 'x' }, /field "minTime"/],
    ['maxTime before minTime', { ...good, maxTime: -1 }, /maxTime -1 is before minTime 0/],
    ['negative stats', { ...good, stats: { numSamples: -1 } }, /stats.numSamples/],
  ];
  for (const [name, input, re] of cases) {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    assert.throws(() => parseMeta(text, 'm'), (e: unknown) => isVigilError(e, 'corruption') && re.test((e as Error).message), name);
  }
});

test('tombstone intervals merge like Prometheus (touching integer ranges join)', () => {
  const cases: Array<[Array<[number, number]>, [number, number], Array<[number, number]>]> = [
    [[], [1, 2], [[1, 2]]],
    [[[1, 2]], [3, 4], [[1, 4]]],
    [[[1, 2]], [5, 6], [[1, 2], [5, 6]]],
    [[[5, 6]], [1, 2], [[1, 2], [5, 6]]],
    [[[1, 2], [5, 6], [9, 10]], [3, 8], [[1, 10]]],
    [[[1, 10]], [3, 4], [[1, 10]]],
    [[[1, 2], [8, 9]], [4, 5], [[1, 2], [4, 5], [8, 9]]],
  ];
  for (const [list, add, want] of cases) {
    const got = addInterval(list.map(([mint, maxt]) => ({ mint, maxt })), { mint: add[0], maxt: add[1] });
    assert.deepEqual(got.map((i) => [i.mint, i.maxt]), want, JSON.stringify([list, add]));
  }
});

test('tombstones file round-trips and the fixture empty one reads', () => {
  const t = new Tombstones();
  t.add(17, { mint: -5, maxt: 10 });
  t.add(17, { mint: 100, maxt: 200 });
  t.add(3, { mint: 0, maxt: 2 ** 40 });
  const back = decodeTombstones(encodeTombstones(t), 'tombstones');
  assert.deepEqual(back.entries(), t.entries());
  assert.equal(back.total(), 3);
  const empty = decodeTombstones(readFileSync(join(FIXTURE, 'tombstones')), 'tombstones');
  assert.equal(empty.total(), 0);
  assert.deepEqual([...encodeTombstones(new Tombstones())], [...readFileSync(join(FIXTURE, 'tombstones'))]);
});

test('the promtool fixture block reads sample for sample as promtool dumps it', () => {
  const b = Block.open(FIXTURE);
  try {
    const q = b.querier(-Infinity, Infinity);
    const got = dumpQuerier(q).sort();
    const want = readFileSync(FIXTURE_DUMP, 'utf8').trim().split('\n').sort();
    assert.equal(got.length, 3360);
    assert.deepEqual(got, want);
    q.close();
  } finally {
    b.close();
  }
});

test('rewriting the promtool fixture block gives identical files', async () => {
  const tmp = tempDir();
  try {
    const b = Block.open(FIXTURE);
    const series: ChunkSeries[] = [];
    const all = b.index.allPostings();
    for (const id of all) {
      const e = b.index.series(id);
      const chunks: ChunkMeta[] = [];
      for (let i = 0; i < e.chunks.length; i += 3) {
        const raw = b.chunks.chunk(e.chunks[i + 2]);
        chunks.push({ mint: e.chunks[i], maxt: e.chunks[i + 1], encoding: raw.encoding, data: raw.data });
      }
      series.push({ labels: e.labels, chunks });
    }
    const w = await writeBlock(tmp.path, { mint: b.minTime, maxt: b.maxTime - 1, series: () => series }, { ulid: b.ulid });
    b.close();
    assert.ok(w);
    for (const f of ['index', 'chunks/000001', 'meta.json', 'tombstones']) {
      assert.deepEqual(readFileSync(join(w.dir, f)), readFileSync(join(FIXTURE, f)), f);
    }
  } finally {
    tmp.cleanup();
  }
});

test('index round trip: symbols, series with chunk metas, postings, label values', () => {
  const tmp = tempDir();
  try {
    const path = join(tmp.path, 'index');
    const sets = [
      Labels.fromObject({ __name__: 'a', job: 'x', le: '0.5' }),
      Labels.fromObject({ __name__: 'a', job: 'y' }),
      Labels.fromObject({ __name__: 'b', job: 'x', path: '/é/\u{1F600}' }),
      Labels.fromObject({ __name__: 'b', job: 'x', path: '/\uffff' }),
      Labels.fromObject({ __name__: 'c' }),
    ].sort(Labels.compare);
    const symbols = sets.flatMap((l) => [...l.flat]);
    const w = new IndexWriter(path, symbols);
    const ids: number[] = [];
    let ref = 8;
    const metas = sets.map((_, i) => {
      const m: number[] = [];
      for (let k = 0; k <= i; k++) {
        m.push(-1000 + k * 100, -1000 + k * 100 + 50, ref);
        ref += 1000 + k;
      }
      return m;
    });
    sets.forEach((l, i) => ids.push(w.addSeries(l, metas[i])));
    w.close();
    const r = new IndexReader(path);
    try {
      assert.deepEqual(r.labelNames(), ['__name__', 'job', 'le', 'path']);
      assert.deepEqual(r.labelValues('job'), ['x', 'y']);
      assert.deepEqual(r.labelValues('path'), ['/é/\u{1F600}', '/\uffff'].sort(compareUtf8));
      assert.deepEqual(r.labelValues('nope'), []);
      assert.deepEqual([...r.allPostings()], ids);
      assert.deepEqual([...r.postings('job', 'x')], ids.filter((_, i) => sets[i].get('job') === 'x'));
      assert.deepEqual([...r.postings('job', 'z')], []);
      sets.forEach((l, i) => {
        const e = r.series(ids[i]);
        assert.ok(e.labels.equals(l), `${e.labels} vs ${l}`);
        assert.deepEqual([...e.chunks], metas[i]);
      });
      assert.ok([...r.symbols()].includes(''));
    } finally {
      r.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test('chunk segments are cut at the segment size and refs address segment and offset', () => {
  const tmp = tempDir();
  try {
    const w = new ChunkWriter(join(tmp.path, 'chunks'), 64);
    const refs: number[] = [];
    const datas: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const d = new Uint8Array(20 + i).map((_, k) => (k * 7 + i) & 0xff);
      datas.push(d);
      refs.push(w.write(1, d));
    }
    w.close();
    const files = readdirSync(join(tmp.path, 'chunks')).sort();
    assert.ok(files.length >= 5, `expected several segments, got ${files.join(',')}`);
    assert.equal(files[0], '000001');
    assert.equal(refs[0], 8);
    assert.ok(refs[refs.length - 1] >= 2 ** 32, 'later chunks live in later segments');
    const r = new ChunkReader(join(tmp.path, 'chunks'));
    refs.forEach((ref, i) => {
      const c = r.chunk(ref);
      assert.equal(c.encoding, 1);
      assert.deepEqual([...c.data], [...datas[i]]);
    });
    r.close();
  } finally {
    tmp.cleanup();
  }
});

test('writeBlock: stats, sorted input enforced, nothing left when there are no samples', async () => {
  const tmp = tempDir();
  try {
    const series = [
      testSeries({ __name__: 'up', job: 'a' }, range(0, 3_600_000, 15_000), (t) => t / 1000),
      testSeries({ __name__: 'up', job: 'b' }, range(0, 3_600_000, 15_000), () => 1),
    ];
    const w = await writeBlock(tmp.path, sourceOf(series), { now: 1_700_000_000_000 });
    assert.ok(w);
    assert.deepEqual(w.meta.stats, { numSamples: 482, numSeries: 2, numChunks: 6 });
    assert.equal(w.meta.minTime, 0);
    assert.equal(w.meta.maxTime, 3_600_001);
    assert.deepEqual(w.meta.compaction, { level: 1, sources: [w.ulid], parents: undefined });
    assert.deepEqual(readdirSync(tmp.path), [w.ulid]);
    const b = Block.open(w.dir);
    assert.equal(b.size(), w.size);
    const q = b.querier(0, 30_000);
    assert.deepEqual(dumpQuerier(q, [new Matcher('=', 'job', 'a')]), [
      '{__name__="up", job="a"} 0 0',
      '{__name__="up", job="a"} 15 15000',
      '{__name__="up", job="a"} 30 30000',
    ]);
    q.close();
    b.close();
    const unsorted = { mint: 0, maxt: 10, series: () => [...sourceOf(series).series()].reverse() };
    await assert.rejects(writeBlock(tmp.path, unsorted), /not sorted/);
    const empty = await writeBlock(join(tmp.path, 'e'), sourceOf([]), { minTime: 0, maxTime: 10 });
    assert.equal(empty, undefined);
    assert.deepEqual(readdirSync(join(tmp.path, 'e')), []);
  } finally {
    tmp.cleanup();
  }
});
