import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Labels, Matcher, STALE_NAN, formatFloat, isStaleNaN } from '@vigil/model';
import { conformanceDir, requireProgram, tempDir } from '@vigil/testkit';
import { Head } from '../head/head.js';
import { createCheckpoint } from './checkpoint.js';
import { ZSTD_MASK, listSegments, readSegment, segmentName } from './reader.js';
import { crc32c } from '../block/crc32c.js';
import { RecordReader, RecordType, decodeSamplesRecord, newSampleColumns } from './records.js';
import { replayWal } from './replay.js';
import { snappyDecode, snappyEncode, snappyMaxEncodedLength } from './snappy.js';
import { WAL, listCheckpoints } from './wal.js';

const ALL = [new Matcher('=~', '__name__', '.+')];

/** Every sample of a head as `promtool tsdb dump` prints it, sorted. */
function dump(head: Head): string[] {
  const lines: string[] = [];
  for (const s of head.querier(-Infinity, Infinity).select(ALL)) {
    const it = s.iterator();
    while (it.next()) lines.push(`${s.labels.toString()} ${formatFloat(it.v)} ${it.t}`);
  }
  return lines.sort();
}

function replayed(dir: string, head = new Head(), log?: (l: string) => void) {
  const stats = replayWal(head, dir, { log });
  return { head, stats };
}

/** Appends `commits` batches of samples over `nSeries` series through a WAL-backed head. */
async function writeWal(dir: string, commits: number, nSeries: number, options: { segmentSize?: number; compress?: boolean } = {}) {
  const wal = WAL.open(dir, options);
  const head = new Head();
  head.wal = wal;
  const ends: Array<{ segment: number; offset: number }> = [];
  const refs = new Array<number>(nSeries).fill(0);
  for (let c = 0; c < commits; c++) {
    const app = head.appender();
    for (let i = 0; i < nSeries; i++) {
      const v = c % 7 === 3 && i === 0 ? STALE_NAN : c * 1000 + i + 0.5;
      refs[i] = app.append(refs[i], Labels.fromObject({ __name__: 'm', i: String(i), pad: 'x'.repeat(i % 50) }), 1000 + c * 15000, v);
    }
    await app.commit();
    ends.push(wal.position());
  }
  wal.close();
  return { head, ends };
}

test('WAL: what a head committed is replayed exactly, staleness markers included', async () => {
  const cases = [
    { name: 'plain', options: {} },
    { name: 'small segments (records span pages and segments roll over)', options: { segmentSize: 64 * 1024 } },
    { name: 'snappy-compressed', options: { compress: true } },
  ];
  for (const c of cases) {
    const tmp = tempDir();
    try {
      const { head } = await writeWal(tmp.path, 40, 300, c.options);
      if (c.options.segmentSize) assert.ok(listSegments(tmp.path).length >= 3, `${c.name}: several segments`);
      const { head: again, stats } = replayed(tmp.path);
      assert.equal(stats.series, 300, c.name);
      assert.equal(stats.samples, 40 * 300, c.name);
      assert.deepEqual(dump(again), dump(head), c.name);
      // The bit pattern of the marker survives the WAL.
      const it = again.querier(0, Infinity).select([new Matcher('=', 'i', '0')])[0].iterator();
      const vs = new Float64Array(40);
      let n = 0;
      while (it.next()) vs[n++] = it.v;
      assert.ok(isStaleNaN(vs[3]) && !isStaleNaN(vs[4]), c.name);
    } finally {
      tmp.cleanup();
    }
  }
});

test('WAL: a reopened WAL starts a new segment and replays old and new', async () => {
  const tmp = tempDir();
  try {
    await writeWal(tmp.path, 3, 10);
    const { head } = replayed(tmp.path);
    const wal = WAL.open(tmp.path);
    assert.equal(wal.currentSegment, 1);
    head.wal = wal;
    const app = head.appender();
    app.append(0, Labels.fromObject({ __name__: 'later' }), 1_000_000, 42);
    await app.commit();
    wal.close();
    const { head: again } = replayed(tmp.path);
    assert.deepEqual(dump(again), dump(head));
    assert.equal(again.numSeries, 11);
  } finally {
    tmp.cleanup();
  }
});

test('WAL: reads the WAL Prometheus 2.42 wrote (snappy records) into exactly the dumped samples', () => {
  const want = readFileSync(conformanceDir('tsdb-format', 'fixtures', 'head-wal.dump.txt'), 'utf8').split('\n').filter((l) => l !== '').sort();
  const tmp = tempDir();
  try {
    // Replay may repair, so it works on a copy.
    cpSync(conformanceDir('tsdb-format', 'fixtures', 'head-wal', 'wal'), tmp.path, { recursive: true });
    const logs: string[] = [];
    const { head, stats } = replayed(tmp.path, new Head(), (l) => logs.push(l));
    assert.deepEqual(logs, []);
    assert.equal(stats.repaired, undefined);
    const got = dump(head);
    assert.equal(got.length, want.length);
    assert.deepEqual(got, want);
  } finally {
    tmp.cleanup();
  }
});

test('WAL: zstd-compressed records (Prometheus 3.x, wal-compression-type=zstd) replay like plain ones', async () => {
  const zstd = requireProgram('zstd', 'zstd');
  const tmp = tempDir();
  try {
    const plain = join(tmp.path, 'plain');
    const { head: wrote } = await writeWal(plain, 20, 30);
    // The same records, each zstd-compressed by the reference tool and framed as Prometheus frames them:
    // a full fragment per record, type byte FULL | ZSTD, big-endian length, CRC32C of the compressed bytes.
    const PAGE = 32 * 1024;
    const out = Buffer.alloc(8 * PAGE);
    let pos = 0;
    let records = 0;
    readSegment(plain, 0, (rec, len) => {
      const z = runProgramBytes(zstd, ['-q', '-c'], Buffer.from(rec.subarray(0, len)));
      if (PAGE - (pos % PAGE) < 7 + z.length) pos += PAGE - (pos % PAGE); // the rest of the page is padding
      out[pos] = 1 | ZSTD_MASK;
      out.writeUInt16BE(z.length, pos + 1);
      out.writeUInt32BE(crc32c(z, 0, z.length), pos + 3);
      z.copy(out, pos + 7);
      pos += 7 + z.length;
      records++;
    });
    assert.ok(records > 20);
    const zdir = join(tmp.path, 'zstd');
    mkdirSync(zdir);
    writeFileSync(join(zdir, segmentName(0)), out.subarray(0, pos));
    const logs: string[] = [];
    const { head, stats } = replayed(zdir, new Head(), (l) => logs.push(l));
    assert.deepEqual(logs, []);
    assert.equal(stats.repaired, undefined);
    assert.deepEqual(dump(head), dump(wrote));
    // A damaged compressed record is corruption, reported and repaired like any other.
    const bad = readFileSync(join(zdir, segmentName(0)));
    bad[pos - 3] ^= 0xff;
    const crcFixed = join(tmp.path, 'bad');
    mkdirSync(crcFixed);
    writeFileSync(join(crcFixed, segmentName(0)), bad);
    const badLogs: string[] = [];
    const again = replayed(crcFixed, new Head(), (l) => badLogs.push(l));
    assert.equal(badLogs.length, 1);
    assert.ok(again.stats.repaired !== undefined);
  } finally {
    tmp.cleanup();
  }
});

/** Runs a program on binary input and returns its binary output (fails on a non-zero exit). */
function runProgramBytes(command: string, args: readonly string[], input: Buffer): Buffer {
  const r = spawnSync(command, args, { input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

test('WAL: a torn or corrupt tail keeps every record before the damage, drops the rest, logs one line', async () => {
  const src = tempDir();
  try {
    const commits = 30;
    const { ends } = await writeWal(src.path, commits, 50, { segmentSize: 128 * 1024 });
    const segs = listSegments(src.path);
    const last = segs[segs.length - 1];
    const lastSize = statSync(join(src.path, segmentName(last))).size;
    // Commits that ended in earlier segments always survive damage to the last one.
    const cases: Array<{ name: string; damage: (file: string) => void; at: number }> = [];
    for (const frac of [0.05, 0.3, 0.5, 0.77, 0.99]) {
      const at = Math.floor(lastSize * frac);
      cases.push({ name: `truncated at ${at}`, at, damage: (f) => truncateSync(f, at) });
      cases.push({
        name: `byte flipped at ${at}`,
        at,
        damage: (f) => {
          const b = readFileSync(f);
          b[at] ^= 0x5a;
          writeFileSync(f, b);
        },
      });
    }
    for (const c of cases) {
      const tmp = tempDir();
      try {
        for (const s of segs) copyFileSync(join(src.path, segmentName(s)), join(tmp.path, segmentName(s)));
        c.damage(join(tmp.path, segmentName(last)));
        const logs: string[] = [];
        const { head, stats } = replayed(tmp.path, new Head(), (l) => logs.push(l));
        // Whole commits before the damage are all there; none after it.
        const intact = ends.filter((e) => e.segment < last || e.offset <= c.at).length;
        const samples = head.countSamples();
        assert.ok(samples >= intact * 50, `${c.name}: ${samples} samples, want at least ${intact * 50}`);
        const lostWhole = ends.filter((e) => e.segment === last && e.offset > c.at).length;
        assert.ok(samples <= (commits - lostWhole + 1) * 50, `${c.name}: ${samples} samples`);
        // Every sample present is a correct one (replayed values are the written ones).
        for (const line of dump(head)) assert.match(line, /^\{__name__="m", i="\d+"(, pad="x*")?\} (NaN|\d+\.5) \d+$/);
        if (stats.repaired) {
          assert.equal(logs.length, 1, c.name);
          assert.match(logs[0], new RegExp(`${segmentName(last)} at offset \\d+ .*dropped \\d+ bytes`));
        }
        // Repaired: a second replay is clean and gives the same.
        const logs2: string[] = [];
        const again = replayed(tmp.path, new Head(), (l) => logs2.push(l));
        assert.deepEqual(logs2, [], c.name);
        assert.equal(again.head.countSamples(), samples, c.name);
      } finally {
        tmp.cleanup();
      }
    }
  } finally {
    src.cleanup();
  }
});

test('WAL: damage in a middle segment drops that segment tail and the later segments, reported with file and offset', async () => {
  const tmp = tempDir();
  try {
    await writeWal(tmp.path, 300, 50, { segmentSize: 32 * 1024 });
    const segs = listSegments(tmp.path);
    assert.ok(segs.length >= 4, `${segs.length} segments`);
    const victim = join(tmp.path, segmentName(segs[1]));
    const b = readFileSync(victim);
    b.fill(0xff, 100, 200);
    writeFileSync(victim, b);
    const logs: string[] = [];
    const { stats } = replayed(tmp.path, new Head(), (l) => logs.push(l));
    assert.equal(logs.length, 1);
    assert.ok(logs[0].includes(victim), logs[0]);
    assert.match(logs[0], /at offset \d+ \(/);
    assert.equal(stats.repaired!.droppedSegments, segs.length - 2);
    assert.deepEqual(listSegments(tmp.path), segs.slice(0, 2));
  } finally {
    tmp.cleanup();
  }
});

test('WAL: garbage files never crash the reader', () => {
  const tmp = tempDir();
  try {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    for (let k = 0; k < 20; k++) {
      const b = new Uint8Array(1000 + k * 3000);
      for (let i = 0; i < b.length; i++) b[i] = rnd();
      if (k % 2 === 0) b[0] = 1; // looks like a full record
      mkdirSync(join(tmp.path, String(k)));
      writeFileSync(join(tmp.path, String(k), segmentName(0)), b);
      const logs: string[] = [];
      const { stats } = replayed(join(tmp.path, String(k)), new Head(), (l) => logs.push(l));
      assert.ok(stats.repaired, `file ${k}`);
      assert.equal(logs.length, 1);
    }
  } finally {
    tmp.cleanup();
  }
});

test('WAL checkpoint keeps live series and recent samples, and replays with the segments after it', async () => {
  const tmp = tempDir();
  try {
    const { head } = await writeWal(tmp.path, 20, 20, { segmentSize: 64 * 1024 });
    const segs = listSegments(tmp.path);
    const to = segs[Math.floor(segs.length / 2)];
    const mint = 1000 + 5 * 15000;
    // Series with odd i are gone from the head by now.
    const stats = createCheckpoint(tmp.path, segs[0], to, (ref) => head.getByRef(ref)!.labels.get('i') !== '' && Number(head.getByRef(ref)!.labels.get('i')) % 2 === 0, mint);
    assert.ok(stats.keptSeries > 0 && stats.droppedSeries > 0 && stats.droppedSamples > 0);
    const wal = WAL.open(tmp.path);
    wal.truncate(to + 1);
    wal.close();
    assert.deepEqual(listCheckpoints(tmp.path).map((c) => c.index), [to]);
    const { head: again, stats: rs } = replayed(tmp.path);
    assert.equal(rs.checkpoint, `checkpoint.${segmentName(to)}`);
    // Even series: all samples from mint on. Odd series: only those whose series record came after the checkpoint (none).
    for (const line of dump(again)) {
      const [, i, t] = /i="(\d+)".* (\d+)$/.exec(line)!;
      assert.equal(Number(i) % 2, 0, line);
      assert.ok(Number(t) >= mint, line);
    }
    assert.equal(again.numSeries, 10);
    assert.equal(again.countSamples(), 10 * 15);
  } finally {
    tmp.cleanup();
  }
});

test('snappy round-trips and decodes what it encodes', () => {
  const inputs = [
    new Uint8Array(0),
    new TextEncoder().encode('a'),
    new TextEncoder().encode('abcabcabcabcabcabcabcabcabcabcabc'.repeat(100)),
    Uint8Array.from({ length: 200000 }, (_, i) => (i * 7) & 0xff),
    Uint8Array.from({ length: 70000 }, (_, i) => ((i * 2654435761) >>> 24) & 0xff),
  ];
  for (const input of inputs) {
    const enc = new Uint8Array(snappyMaxEncodedLength(input.length));
    const n = snappyEncode(input, 0, input.length, enc);
    const out = new Uint8Array(input.length);
    assert.equal(snappyDecode(enc, 0, n, out), input.length);
    assert.deepEqual(out, input);
  }
  assert.throws(() => snappyDecode(Uint8Array.of(10, 0xfe, 1, 2), 0, 4, new Uint8Array(10)), /snappy/);
});

test('samples records decode as Prometheus encodes them (signed deltas from the first sample)', () => {
  const tmp = tempDir();
  try {
    cpSync(conformanceDir('tsdb-format', 'fixtures', 'head-wal', 'wal'), tmp.path, { recursive: true });
    const r = new RecordReader();
    const cols = newSampleColumns();
    let samples = 0;
    readSegment(tmp.path, 0, (rec, len) => {
      if (rec[0] === RecordType.Samples) samples += decodeSamplesRecord(r, rec, 0, len, cols);
    });
    assert.equal(samples, readFileSync(conformanceDir('tsdb-format', 'fixtures', 'head-wal.dump.txt'), 'utf8').split('\n').filter(Boolean).length);
    assert.ok(readdirSync(tmp.path).length === 1);
  } finally {
    tmp.cleanup();
  }
});
