import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readFileSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Matcher, isVigilError } from '@vigil/model';
import { tempDir } from '@vigil/testkit';
import type { Querier, SampleSink, Series } from '../storage.js';
import { Block } from './block.js';
import { FileReader } from './file-reader.js';
import { PAGE_SIZE, PageCache, type PageOwner } from './page-cache.js';
import { dumpQuerier, range, sourceOf, testSeries, type TestSeries } from './test-util.js';
import { writeBlock } from './writer.js';

/** 400 series over 2 h at 15 s: a chunk segment of several 64 KiB pages. */
function manySeries(): TestSeries[] {
  const out: TestSeries[] = [];
  for (let i = 0; i < 400; i++) {
    out.push(testSeries({ __name__: 'm', i: String(i), job: `j${i % 7}` }, range(0, 7_200_000, 15_000), (t, k) => (t * 7 + i * 13 + ((k * k) % 97)) / 3));
  }
  return out;
}

const ALL = [new Matcher('=', '__name__', 'm')];

class Columns implements SampleSink {
  ts: number[] = [];
  vs: number[] = [];
  push(t: number, v: number): void {
    this.ts.push(t);
    this.vs.push(v);
  }
  pushHistogram(): void {
    assert.fail('no histograms in this test');
  }
}

/** What an iterator returns for [mint, maxt], as `readSamples` must return it. */
function viaIterator(s: Series, mint: number, maxt: number): Columns {
  const c = new Columns();
  const it = s.iterator();
  if (!it.seek(mint)) return c;
  do {
    if (it.t > maxt) break;
    c.push(it.t, it.v);
  } while (it.next());
  return c;
}

/** Per series: labels, sample count, and sums of timestamps and values (exact for these integers and thirds). */
function digest(q: Querier): string[] {
  const out: string[] = [];
  for (const s of q.select(ALL)) {
    const it = s.iterator();
    let n = 0;
    let st = 0;
    let sv = 0;
    while (it.next()) {
      n++;
      st += it.t;
      sv += it.v;
    }
    out.push(`${s.labels} ${n} ${st} ${sv}`);
  }
  q.close();
  return out;
}

/** A page owner for cache tests: pages 0..n-1 of 1 KiB, each referenced or not. */
class FakeOwner implements PageOwner {
  referenced = new Set<number>();
  resident = new Set<number>();
  takeReferenced(i: number): boolean {
    return this.referenced.delete(i);
  }
  dropPage(i: number): number {
    this.resident.delete(i);
    return 1024;
  }
}

test('page cache: the clock spares a page read since the last sweep once, then evicts it; close releases all', () => {
  const cache = new PageCache(3 * 1024);
  const o = new FakeOwner();
  for (const i of [0, 1, 2]) {
    cache.reserve(1024);
    o.resident.add(i);
    cache.admit(o, i, 1024);
  }
  assert.equal(cache.bytes, 3 * 1024);
  o.referenced.add(0);
  cache.reserve(1024);
  // Page 0 was read: page 1 goes instead.
  assert.deepEqual([...o.resident].sort(), [0, 2]);
  assert.equal(cache.bytes, 2 * 1024);
  o.resident.add(3);
  cache.admit(o, 3, 1024);
  // Everything referenced: one sweep clears the flags, the next evicts.
  for (const i of [0, 2, 3]) o.referenced.add(i);
  cache.reserve(1024);
  assert.equal(o.resident.size, 2);
  assert.ok(cache.bytes <= 2 * 1024);
  cache.release(o, cache.bytes);
  assert.equal(cache.bytes, 0);
  assert.equal(cache.pages, 0);
});

test('a block read through a cache far smaller than its files answers exactly as through a large one, within the budget', async () => {
  const tmp = tempDir();
  try {
    const w = await writeBlock(tmp.path, sourceOf(manySeries()));
    assert.ok(w);
    const big = Block.open(w.dir, { cache: new PageCache(64 << 20) });
    const smallCache = new PageCache(2 * PAGE_SIZE);
    const small = Block.open(w.dir, { cache: smallCache });
    try {
      assert.ok(small.chunks.size > 4 * PAGE_SIZE, `chunks ${small.chunks.size} bytes: several pages`);
      const want = digest(big.querier(-Infinity, Infinity));
      assert.equal(want.length, 400);
      assert.ok(want.every((l) => l.includes(' 481 ')));
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(digest(small.querier(-Infinity, Infinity)), want, `round ${round}`);
        assert.ok(smallCache.bytes <= smallCache.maxBytes, `cache holds ${smallCache.bytes} of ${smallCache.maxBytes} bytes`);
      }
      // The batch read agrees with the iterator, window by window, in both.
      for (const [mint, maxt] of [[-Infinity, Infinity], [0, 0], [1_000_000, 1_800_000], [7_199_999, 7_300_000], [3_600_001, 3_614_999]]) {
        const aq = big.querier(mint, maxt);
        const bq2 = small.querier(-Infinity, Infinity);
        const a = aq.select(ALL);
        const b = bq2.select(ALL, { start: mint, end: maxt });
        assert.equal(a.length, b.length);
        for (let i = 0; i < a.length; i++) {
          const c = new Columns();
          b[i].readSamples!(mint, maxt, c);
          assert.deepEqual(c, viaIterator(a[i], mint, maxt), `${a[i].labels} [${mint}, ${maxt}]`);
        }
        aq.close();
        bq2.close();
      }
    } finally {
      big.close();
      small.close();
    }
    assert.equal(smallCache.bytes, 0, 'closing the block releases its pages');
  } finally {
    tmp.cleanup();
  }
});

test('a chunk CRC is checked once while its page is cached, and again after the page was evicted', async () => {
  const tmp = tempDir();
  try {
    const w = await writeBlock(tmp.path, sourceOf(manySeries()));
    assert.ok(w);
    // Room for one page and its verification marks.
    const b = Block.open(w.dir, { cache: new PageCache(PAGE_SIZE + PAGE_SIZE / 8) });
    try {
      const first = b.index.series(b.index.allPostings()[0]);
      const last = b.index.series(b.index.allPostings()[399]);
      const ref = first.chunks[2];
      const q = b.querier(-Infinity, Infinity);
      const [s] = q.select([new Matcher('=', 'i', first.labels.get('i'))]);
      // Read (and verify) the series' chunks: their page is now cached and the chunks marked.
      const before = new Columns();
      s.readSamples!(-Infinity, Infinity, before);
      assert.equal(before.ts.length, 481);
      // Damage the first chunk's data on disk while its page is cached.
      const seg = join(w.dir, 'chunks', '000001');
      const at = ref + 5;
      const fd = openSync(seg, 'r+');
      writeSync(fd, Buffer.from([readFileSync(seg)[at] ^ 0xff]), 0, 1, at);
      closeSync(fd);
      // Cached and verified: served from memory, unchanged, without checking again.
      const cached = new Columns();
      s.readSamples!(-Infinity, Infinity, cached);
      assert.deepEqual(cached, before);
      // Reading elsewhere evicts the page (the budget is one page); the damaged bytes are read and caught.
      b.chunks.locate(last.chunks[2]);
      assert.throws(() => s.readSamples!(-Infinity, Infinity, new Columns()), (e: unknown) => {
        assert.ok(isVigilError(e, 'corruption'), String(e));
        assert.match((e as Error).message, new RegExp(`000001.*offset ${ref}: chunk checksum mismatch`));
        return true;
      });
      assert.throws(() => dumpQuerier(q, ALL), /chunk checksum mismatch/);
      q.close();
    } finally {
      b.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test('chunks spanning two pages are read from a copy and checked on every read; the others are marked once', async () => {
  const tmp = tempDir();
  try {
    const w = await writeBlock(tmp.path, sourceOf(manySeries()));
    assert.ok(w);
    const b = Block.open(w.dir, { cache: new PageCache(64 << 20) });
    try {
      let spanning = 0;
      let marked = 0;
      let chunks = 0;
      const segment = (b.chunks as unknown as { files: FileReader[] }).files[0];
      const ids = b.index.allPostings();
      for (let i = 0; i < ids.length; i++) {
        const e = b.index.series(ids[i]);
        for (let k = 0; k < e.chunks.length; k += 3) {
          const ref = e.chunks[k + 2];
          chunks++;
          b.chunks.locate(ref);
          const end = ref + b.chunks.dataLength + 6;
          if (Math.floor(ref / PAGE_SIZE) === Math.floor(end / PAGE_SIZE)) {
            if (segment.isVerified(ref)) marked++;
            continue;
          }
          spanning++;
          // Read from a copy, and never marked verified: every read checks it.
          assert.equal(segment.isVerified(ref), false);
          const again = b.chunks.chunk(ref);
          assert.equal(again.data.length, b.chunks.dataLength);
        }
      }
      assert.ok(spanning > 0, 'the data has chunks across page boundaries');
      assert.equal(marked + spanning, chunks, 'every chunk within a page is marked verified after its first read');
      // Their samples are right: the block holds what was written.
      const want = manySeries().map((s) => {
        let st = 0;
        let sv = 0;
        for (let k = 0; k < s.ts.length; k++) {
          st += s.ts[k];
          sv += s.vs[k];
        }
        return `${s.labels} ${s.ts.length} ${st} ${sv}`;
      });
      assert.deepEqual(digest(b.querier(-Infinity, Infinity)).sort(), want.sort());
    } finally {
      b.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test('readSamples honours tombstones and works when a sink reads another series of the same select', async () => {
  const tmp = tempDir();
  try {
    const w = await writeBlock(tmp.path, sourceOf(manySeries().slice(0, 20)));
    assert.ok(w);
    const b = Block.open(w.dir);
    try {
      b.delete(1_000_000, 2_000_000, [new Matcher('=', 'job', 'j3')]);
      const q = b.querier(-Infinity, Infinity);
      const all = q.select(ALL);
      for (const s of all) {
        const c = new Columns();
        s.readSamples!(500_000, 2_500_000, c);
        assert.deepEqual(c, viaIterator(s, 500_000, 2_500_000), s.labels.toString());
        if (s.labels.get('job') === 'j3') assert.ok(c.ts.every((t) => t < 1_000_000 || t > 2_000_000));
      }
      // A sink that, while receiving one series, reads another of the same select.
      const inner = new Columns();
      let nested = false;
      const outer = new Columns();
      const sink: SampleSink = {
        push(t, v) {
          outer.push(t, v);
          if (!nested) {
            nested = true;
            all[1].readSamples!(-Infinity, Infinity, inner);
          }
        },
        pushHistogram() {
          assert.fail('no histograms in this test');
        },
      };
      all[0].readSamples!(-Infinity, Infinity, sink);
      assert.deepEqual(outer, viaIterator(all[0], -Infinity, Infinity));
      assert.deepEqual(inner, viaIterator(all[1], -Infinity, Infinity));
      q.close();
    } finally {
      b.close();
    }
  } finally {
    tmp.cleanup();
  }
});
