import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CUSTOM_BUCKETS_SCHEMA, CounterResetHint, FloatHistogram, Labels, Matcher, STALE_NAN, formatFloat, isStaleNaN } from '@vigil/model';
import { freePort, requireProgram, runProgram, startProcess, tempDir, waitForHttp } from '@vigil/testkit';
import { Block } from './block/block.js';
import { compactBlocks } from './block/compact.js';
import { writeBlock } from './block/writer.js';
import { openDB, type DBOptions, type TsdbLogger } from './db.js';
import { Head } from './head/head.js';
import type { Appender, Querier, SampleSink } from './storage.js';
import { createCheckpoint } from './wal/checkpoint.js';
import { replayWal } from './wal/replay.js';
import { WAL } from './wal/wal.js';

const ALL = [new Matcher('=~', '__name__', '.+')];
const HOUR = 3600_000;
const T0 = 1_767_225_600_000; // a multiple of 2 h

function quietLogger(lines: string[] = []): TsdbLogger {
  const keep = (level: string) => (msg: string, fields?: Record<string, unknown>) => lines.push(`${level}: ${msg} ${JSON.stringify(fields ?? {})}`);
  return { debug: () => {}, info: keep('info'), warn: keep('warn'), error: keep('error') };
}
const opts = (extra: DBOptions = {}): DBOptions => ({ compactionInterval: 0, logger: quietLogger(), ...extra });

function fmtHist(h: FloatHistogram): string {
  if (isStaleNaN(h.sum)) return 'H{stale}';
  const spans = (s: ReadonlyArray<{ offset: number; length: number }>) => s.map((x) => `${x.offset}:${x.length}`).join(',');
  const custom = h.schema === CUSTOM_BUCKETS_SCHEMA ? ` custom=${h.customValues.join(',')}` : '';
  const gauge = h.counterResetHint === CounterResetHint.Gauge ? ' gauge' : '';
  return (
    `H{schema=${h.schema} zt=${h.zeroThreshold} zc=${h.zeroCount} count=${h.count} sum=${formatFloat(h.sum)} ` +
    `p=${spans(h.positiveSpans)}[${h.positiveBuckets.join(',')}] n=${spans(h.negativeSpans)}[${h.negativeBuckets.join(',')}]${custom}${gauge}}`
  );
}

/** Every sample through the iterator: `labels value t`, histograms spelled out. */
function dump(q: Querier, matchers = ALL): string[] {
  const lines: string[] = [];
  for (const s of q.select(matchers)) {
    const it = s.iterator();
    while (it.next()) lines.push(`${s.labels.toString()} ${it.h !== null ? fmtHist(it.h) : isStaleNaN(it.v) ? 'stale' : formatFloat(it.v)} ${it.t}`);
  }
  return lines.sort();
}

/** The same through `readSamples` (the batch path PromQL takes), where a series offers it. */
function dumpBatch(q: Querier): string[] {
  const lines: string[] = [];
  for (const s of q.select(ALL)) {
    assert.ok(s.readSamples !== undefined);
    const sink: SampleSink = {
      push: (t, v) => lines.push(`${s.labels.toString()} ${isStaleNaN(v) ? 'stale' : formatFloat(v)} ${t}`),
      pushHistogram: (t, h) => lines.push(`${s.labels.toString()} ${fmtHist(h)} ${t}`),
    };
    s.readSamples(-Infinity, Infinity, sink);
  }
  return lines.sort();
}

const exp = (i: number, extra: Partial<FloatHistogram> = {}) =>
  new FloatHistogram({
    schema: 1, zeroThreshold: 0.001, zeroCount: i, count: 4 * i + 6, sum: 1.25 * i,
    positiveSpans: [{ offset: -1, length: 2 }, { offset: 2, length: 1 }], positiveBuckets: [i + 1, i + 2, i],
    negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [i + 3],
    ...extra,
  });
const nhcb = (i: number) =>
  new FloatHistogram({ schema: CUSTOM_BUCKETS_SCHEMA, count: 3 * i, sum: 0.5 * i, customValues: [0.1, 1, 10], positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [i, 0, 2 * i] });

/**
 * Every kind of sample over `minutes` minutes from `from`: integer and float histograms, custom buckets,
 * a gauge histogram, a counter reset, a staleness marker, and floats in a mixed series.
 */
async function fillMixed(db: { appender(): Appender }, from: number, minutes: number): Promise<void> {
  const refs: Record<string, number> = {};
  const ref = (name: string) => refs[name] ?? 0;
  const lbl = (name: string) => (refs[name] ? Labels.EMPTY : Labels.fromObject({ __name__: name, job: 'j' }));
  for (let m = 0; m < minutes; m++) {
    const t = from + m * 60_000;
    const app = db.appender();
    const k = m % 40; // a counter reset every 40 minutes
    refs.int = app.appendHistogram(ref('int'), lbl('int'), t, exp(k));
    refs.float = app.appendHistogram(ref('float'), lbl('float'), t, exp(k, { count: 4 * k + 6.5, sum: k / 3 }));
    refs.nhcb = app.appendHistogram(ref('nhcb'), lbl('nhcb'), t, nhcb(m));
    refs.gauge = app.appendHistogram(ref('gauge'), lbl('gauge'), t, exp((m * 7) % 5, { counterResetHint: CounterResetHint.Gauge }));
    if (m % 10 < 5) refs.mixed = app.append(ref('mixed'), lbl('mixed'), t, m);
    else refs.mixed = app.appendHistogram(ref('mixed'), lbl('mixed'), t, exp(m));
    if (m === minutes - 1) refs.int = app.append(refs.int, Labels.EMPTY, t + 30_000, STALE_NAN);
    await app.commit();
  }
}

test('histograms survive restart through the WAL, every kind of them', async () => {
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    await fillMixed(db, T0, 30);
    const before = dump(db.querier(-Infinity, Infinity));
    assert.equal(before.length, 5 * 30 + 1);
    assert.ok(before.some((l) => l.includes('H{stale}')) && before.some((l) => l.includes('custom=0.1,1,10')) && before.some((l) => l.endsWith(`} ${T0}`)));
    await db.close();
    const again = await openDB(tmp.path, opts());
    assert.deepEqual(dump(again.querier(-Infinity, Infinity)), before);
    const replay = again.stats().replay!;
    assert.equal(replay.samples, before.length);
    assert.equal(replay.histogramSamples, before.filter((l) => l.includes(' H{')).length);
    assert.deepEqual(replay.skippedRecords, {});
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('one batch switching a series between floats and kinds of histograms keeps its order, live and after replay', async () => {
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    const app = db.appender();
    let r = app.append(0, Labels.fromObject({ __name__: 'm' }), T0, 1);
    const other = app.appendHistogram(0, Labels.fromObject({ __name__: 'o' }), T0, exp(1));
    app.append(r, Labels.EMPTY, T0 + 1000, 2);
    app.appendHistogram(r, Labels.EMPTY, T0 + 2000, exp(2));
    app.appendHistogram(other, Labels.EMPTY, T0 + 2000, exp(2, { count: 0.5 }));
    app.appendHistogram(r, Labels.EMPTY, T0 + 3000, exp(3));
    app.append(r, Labels.EMPTY, T0 + 4000, 5);
    app.appendHistogram(r, Labels.EMPTY, T0 + 5000, exp(5, { count: 30.5 }));
    app.appendHistogram(r, Labels.EMPTY, T0 + 6000, exp(6));
    app.appendHistogram(r, Labels.EMPTY, T0 + 7000, nhcb(7));
    r = app.append(r, Labels.EMPTY, T0 + 8000, STALE_NAN);
    await app.commit();
    // Samples applied out of order would be dropped: all of them are there, each of its kind.
    const it = db.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'm')])[0].iterator();
    const got: string[] = [];
    while (it.next()) got.push(`${it.t - T0}:${it.h === null ? 'f' : isStaleNaN(it.h.sum) ? 'stale' : it.h.schema === CUSTOM_BUCKETS_SCHEMA ? 'nhcb' : `h${it.h.count}`}`);
    assert.deepEqual(got, ['0:f', '1000:f', '2000:h14', '3000:h18', '4000:f', '5000:h30.5', '6000:h30', '7000:nhcb', '8000:stale']);
    const all = dump(db.querier(-Infinity, Infinity));
    await db.close();
    const again = await openDB(tmp.path, opts());
    assert.deepEqual(dump(again.querier(-Infinity, Infinity)), all);
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('a WAL checkpoint keeps histogram samples from its start time on (records 7 to 10, compressed or not)', async () => {
  for (const compress of [false, true]) {
    const tmp = tempDir();
    try {
      const wal = WAL.open(tmp.path, { compress });
      const head = new Head();
      head.wal = wal;
      for (let part = 0; part < 4; part++) {
        await fillMixed(head, T0 + part * 10 * 60_000, 10);
        wal.nextSegment();
      }
      const before = dump(head.querier(-Infinity, Infinity));
      wal.close();
      const mint = T0 + 15 * 60_000;
      const stats = createCheckpoint(tmp.path, 0, 2, () => true, mint);
      assert.ok(stats.droppedSamples > 0 && stats.keptSamples > 0);
      // Only the checkpoint and the last segment are replayed now (as after the WAL is truncated).
      for (const seg of [0, 1, 2]) rmSync(join(tmp.path, String(seg).padStart(8, '0')));
      const again = new Head();
      const st = replayWal(again, tmp.path);
      assert.equal(st.checkpoint, 'checkpoint.00000002');
      assert.deepEqual(st.skippedRecords, {});
      assert.deepEqual(dump(again.querier(-Infinity, Infinity)), before.filter((l) => Number(l.slice(l.lastIndexOf(' ') + 1)) >= mint));
    } finally {
      tmp.cleanup();
    }
  }
});

test('histograms reach blocks when the head is cut, and read back alike, one by one and in batches; restart keeps all', async () => {
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    await fillMixed(db, T0, 5 * 60);
    const before = dump(db.querier(-Infinity, Infinity));
    await db.compact();
    assert.ok(db.blocks.length >= 1, 'a block was cut');
    const meta = db.blocks[0].meta;
    assert.ok((meta.stats.numHistogramSamples ?? 0) > 0 && meta.stats.numFloatSamples! + meta.stats.numHistogramSamples! === meta.stats.numSamples, JSON.stringify(meta.stats));
    assert.deepEqual(dump(db.querier(-Infinity, Infinity)), before, 'blocks and head together');
    // The block alone, through both read paths.
    const blockQ = db.blocks[0].querier(-Infinity, Infinity);
    const fromBlock = dump(blockQ);
    assert.ok(fromBlock.length > 0);
    assert.deepEqual(dumpBatch(db.blocks[0].querier(-Infinity, Infinity)), fromBlock);
    await db.close();
    // After restart: blocks, and the rest from the checkpoint and the WAL.
    const again = await openDB(tmp.path, opts());
    assert.deepEqual(dump(again.querier(-Infinity, Infinity)), before);
    await again.close();
  } finally {
    tmp.cleanup();
  }
});

test('overlapping blocks with histograms compact into one, the first block winning on equal timestamps', async () => {
  const tmp = tempDir();
  try {
    const a = new Head();
    const b = new Head();
    await fillMixed(a, T0, 20);
    // b overlaps a's second half, with other values, and floats where a has histograms.
    const app = b.appender();
    let r = 0;
    for (let m = 10; m < 30; m++) r = app.append(r, r === 0 ? Labels.fromObject({ __name__: 'int', job: 'j' }) : Labels.EMPTY, T0 + m * 60_000, -m);
    let r2 = 0;
    for (let m = 10; m < 30; m++) r2 = app.appendHistogram(r2, r2 === 0 ? Labels.fromObject({ __name__: 'float', job: 'j' }) : Labels.EMPTY, T0 + m * 60_000 + 1, exp(m, { count: 0.5 }));
    await app.commit();
    const wa = await writeBlock(tmp.path, a.chunkSeriesSource(T0, T0 + HOUR), { minTime: T0, maxTime: T0 + HOUR });
    const wb = await writeBlock(tmp.path, b.chunkSeriesSource(T0, T0 + HOUR), { minTime: T0, maxTime: T0 + HOUR });
    const blocks = [Block.open(wa!.dir), Block.open(wb!.dir)];
    const out = await compactBlocks(tmp.path, blocks);
    const merged = Block.open(out!.dir);
    const got = dump(merged.querier(-Infinity, Infinity));
    // The union of both, a's sample kept where both have one.
    const want = new Map<string, string>();
    for (const l of [...dump(blocks[1].querier(-Infinity, Infinity)), ...dump(blocks[0].querier(-Infinity, Infinity))]) {
      const parts = l.split(' ');
      want.set(`${parts[0]} ${parts[parts.length - 1]}`, l);
    }
    assert.deepEqual(got, [...want.values()].sort());
    assert.equal(got.filter((l) => l.startsWith('{__name__="int"') && l.includes(' H{')).length, 20 + 1);
    assert.equal(merged.meta.stats.numSamples, got.length);
    for (const blk of [...blocks, merged]) blk.close();
  } finally {
    tmp.cleanup();
  }
});

test('deleting histogram samples from blocks and the head, and cleaning tombstones', async () => {
  const tmp = tempDir();
  try {
    const db = await openDB(tmp.path, opts());
    await fillMixed(db, T0, 5 * 60);
    await db.compact();
    const del = [new Matcher('=', '__name__', 'float')];
    await db.delete(T0 + 30 * 60_000, T0 + 4 * HOUR, del);
    const remaining = dump(db.querier(-Infinity, Infinity), del);
    assert.equal(remaining.length, 30 + (5 * 60 - 4 * 60 - 1));
    await db.cleanTombstones();
    assert.deepEqual(dump(db.querier(-Infinity, Infinity), del), remaining);
    await db.close();
  } finally {
    tmp.cleanup();
  }
});

test('promtool 2.42 reads a block with native histograms: list, analyze, dump (floats)', async () => {
  const promtool = requireProgram('promtool', 'prometheus');
  const tmp = tempDir();
  try {
    const head = new Head();
    await fillMixed(head, T0, 60);
    const w = await writeBlock(tmp.path, head.chunkSeriesSource(T0, T0 + 2 * HOUR - 1), { minTime: T0, maxTime: T0 + 2 * HOUR });
    const list = runProgram(promtool, ['tsdb', 'list', tmp.path]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${w!.ulid}\\s+${T0}\\s+${T0 + 2 * HOUR}\\s+\\S+\\s+${w!.meta.stats.numSamples}\\s+${w!.meta.stats.numChunks}\\s+5`));
    const analyze = runProgram(promtool, ['tsdb', 'analyze', tmp.path, w!.ulid]);
    assert.equal(analyze.status, 0, analyze.stderr);
    assert.match(analyze.stdout, /Series: 5/);
    const meta = JSON.parse(readFileSync(join(w!.dir, 'meta.json'), 'utf8'));
    assert.equal(meta.stats.numHistogramSamples, 5 * 60 - 5 * 6 + 1);
    // 2.42's dump prints float samples only, and a series' only up to its first histogram: here the
    // "mixed" series' first five minutes.
    mkdirSync(join(tmp.path, 'wal'));
    const d = runProgram(promtool, ['tsdb', 'dump', tmp.path]);
    assert.equal(d.status, 0, d.stderr);
    const floats = dump(head.querier(T0, T0 + 5 * 60_000 - 1)).filter((l) => !l.includes(' H{'));
    assert.equal(floats.length, 5);
    assert.deepEqual(d.stdout.split('\n').filter(Boolean).sort(), floats);
  } finally {
    tmp.cleanup();
  }
});

/** Bucket bounds of an exponential schema, as Prometheus computes them. */
function bound(idx: number, schema: number): number {
  return 2 ** (idx * 2 ** -schema);
}

/** A histogram as Prometheus's API lists its buckets: [boundary rule, lower, upper, count], empty ones left out. */
function apiBuckets(h: FloatHistogram): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  const side = (spans: ReadonlyArray<{ offset: number; length: number }>, counts: readonly number[]) => {
    const res: Array<[number, number]> = [];
    let idx = 0;
    let k = 0;
    for (const sp of spans) {
      idx += sp.offset;
      for (let i = 0; i < sp.length; i++, idx++, k++) res.push([idx, counts[k]]);
    }
    return res;
  };
  for (const [idx, c] of side(h.negativeSpans, h.negativeBuckets).reverse()) if (c !== 0) out.push([1, -bound(idx, h.schema), -bound(idx - 1, h.schema), c]);
  if (h.zeroCount !== 0) out.push([3, -h.zeroThreshold, h.zeroThreshold, h.zeroCount]);
  for (const [idx, c] of side(h.positiveSpans, h.positiveBuckets)) if (c !== 0) out.push([0, bound(idx - 1, h.schema), bound(idx, h.schema), c]);
  return out;
}

test('Prometheus 2.42 serves the native histograms of a block and a WAL we wrote, value for value', async () => {
  const prometheus = requireProgram('prometheus', 'prometheus');
  const tmp = tempDir();
  const dir = join(tmp.path, 'data');
  // Exponential schemas only: 2.42 predates custom buckets.
  const fill = async (db: { appender(): Appender }, from: number, to: number) => {
    const app = db.appender();
    const refs = [0, 0, 0];
    for (let m = from; m < to; m++) {
      const t = T0 + m * 60_000;
      const k = m % 40;
      refs[0] = app.appendHistogram(refs[0], refs[0] ? Labels.EMPTY : Labels.fromObject({ __name__: 'int' }), t, exp(k));
      refs[1] = app.appendHistogram(refs[1], refs[1] ? Labels.EMPTY : Labels.fromObject({ __name__: 'float' }), t, exp(k, { count: 4 * k + 6.5, sum: k / 3 }));
      refs[2] = app.appendHistogram(refs[2], refs[2] ? Labels.EMPTY : Labels.fromObject({ __name__: 'gauge' }), t, exp((m * 7) % 5, { counterResetHint: CounterResetHint.Gauge, schema: -2 }));
    }
    await app.commit();
  };
  // Two hours in a block, half an hour more in the WAL.
  const head = new Head();
  await fill(head, 0, 120);
  await writeBlock(dir, head.chunkSeriesSource(T0, T0 + 2 * HOUR - 1), { minTime: T0, maxTime: T0 + 2 * HOUR });
  const db = await openDB(dir, opts());
  await fill(db, 120, 150);
  const ours = dump(db.querier(-Infinity, Infinity));
  const expected = new Map<string, Array<{ t: number; h: FloatHistogram }>>();
  for (const sr of db.querier(-Infinity, Infinity).select(ALL)) {
    const it = sr.iterator();
    const list: Array<{ t: number; h: FloatHistogram }> = [];
    while (it.next()) list.push({ t: it.t, h: it.h! });
    expected.set(sr.labels.get('__name__'), list);
  }
  assert.equal(ours.length, 3 * 150);
  await db.close();
  const config = join(tmp.path, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  const proc = startProcess(prometheus, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${dir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=100y',
    '--enable-feature=native-histograms',
  ]);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 30000, proc);
    let compared = 0;
    for (const name of ['int', 'float', 'gauge']) {
      const url = `http://127.0.0.1:${port}/api/v1/query?query=${name}[4h]&time=${(T0 + 3 * HOUR) / 1000}`;
      type ApiHistogram = { count: string; sum: string; buckets: Array<[number, string, string, string]> };
      const res = (await (await fetch(url)).json()) as { status: string; data: { result: Array<{ histograms?: Array<[number, ApiHistogram]> }> } };
      assert.equal(res.status, 'success', name);
      const theirs = res.data.result[0].histograms!;
      const list = expected.get(name)!;
      assert.equal(theirs.length, list.length, name);
      list.forEach(({ t, h }, i) => {
        const [ts, api] = theirs[i];
        assert.equal(Math.round(ts * 1000), t, name);
        assert.equal(Number(api.count), h.count, `${name} at ${t}: count`);
        assert.equal(Number(api.sum), h.sum, `${name} at ${t}: sum`);
        const want = apiBuckets(h);
        assert.equal(api.buckets.length, want.length, `${name} at ${t}: buckets ${JSON.stringify(api.buckets)}`);
        api.buckets.forEach((b, j) => {
          assert.equal(b[0], want[j][0], `${name} at ${t}: bucket ${j} boundary rule`);
          for (const x of [1, 2]) assert.ok(Math.abs(Number(b[x]) - want[j][x]) <= 1e-12 * Math.abs(want[j][x]), `${name} at ${t}: bucket ${j}: ${b[x]} vs ${want[j][x]}`);
          assert.equal(Number(b[3]), want[j][3], `${name} at ${t}: bucket ${j} count`);
        });
        compared++;
      });
    }
    assert.equal(compared, 3 * 150);
  } finally {
    await proc.stop();
    tmp.cleanup();
  }
});
