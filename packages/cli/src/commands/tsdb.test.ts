import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { conformanceDir, requireProgram, runProgram, tempDir } from '@vigil/testkit';
import { BlockBuilder } from '@vigil/tsdb';
import { main } from '../main.js';
import { loadOpenMetricsFile } from './tsdb-import.js';
import { goDuration, base2Bytes, tabulate } from './tsdb-format.js';
import { parseSeriesSelector } from './tsdb-selector.js';

const SMALL_OM = conformanceDir('tsdb-format', 'fixtures', 'small.om');
const SMALL_DUMP = conformanceDir('tsdb-format', 'fixtures', 'small.dump.txt');

async function vigil(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await main(argv, { stdin: new PassThrough(), stdout: out, stderr: err });
  return { code, stdout, stderr };
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '').sort();
}

function promtool(...args: string[]): string {
  const r = runProgram(requireProgram('promtool', 'prometheus'), args);
  assert.equal(r.status, 0, `promtool ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** promtool 2.42's dump reads the WAL too and fails when there is no wal directory. */
function promtoolDump(dir: string): string[] {
  mkdirSync(join(dir, 'wal'), { recursive: true });
  return lines(promtool('tsdb', 'dump', dir));
}

/** Sections of `analyze` output with their lines sorted: promtool orders ties at random. */
function analyzeSections(s: string): string[][] {
  return s.trim().split('\n\n').map((sec) => {
    const [head, ...rest] = sec.split('\n');
    return [head, ...rest.sort()];
  });
}

test('output helpers match Go: durations, sizes, tabwriter', () => {
  const durations: Array<[number, string]> = [[0, '0s'], [500, '500ms'], [1000, '1s'], [7_200_000, '2h0m0s'], [1_785_001, '29m45.001s'], [3_600_500, '1h0m0.5s'], [-90_000, '-1m30s']];
  for (const [ms, want] of durations) assert.equal(goDuration(ms), want);
  const sizes: Array<[number, string]> = [[0, '0B'], [1023, '1023B'], [1024, '1KiB'], [16202, '15KiB842B'], [1048576 + 1, '1MiB1B']];
  for (const [n, want] of sizes) assert.equal(base2Bytes(n), want);
  // Columns: at least 13 wide, else the widest cell plus 2; the last cell is not padded.
  assert.equal(tabulate([['A', 'B', 'C'], ['longer than min', 'x', 'y']]), 'A                B            C\nlonger than min  x            y\n');
});

test('series selectors for --match', () => {
  const cases: Array<[string, string[]]> = [
    ['up', ['__name__="up"']],
    ['up{job="a", env!~\'p.*\'}', ['__name__="up"', 'job="a"', 'env!~"p.*"']],
    ["{__name__=~'(?s:.*)'}", ['__name__=~".*"']],
    ['{a=`x\\y`,}', ['a="x\\\\y"']],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseSeriesSelector(input).map((m) => m.toString()), want, input);
  for (const bad of ['', '{', 'up{job=}', 'up{job~"a"}', 'up{job="a"', 'up x']) {
    assert.throws(() => parseSeriesSelector(bad), /invalid series selector/, bad);
  }
});

test('import openmetrics: the block is promtool\'s, byte for byte, and both dumps agree with the fixture', async () => {
  const tmp = tempDir();
  try {
    const ours = join(tmp.path, 'ours');
    const theirs = join(tmp.path, 'theirs');
    const r = await vigil('tsdb', 'import', 'openmetrics', SMALL_OM, ours);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^BLOCK ULID {18}MIN TIME {7}MAX TIME {7}DURATION {5}NUM SAMPLES {2}NUM CHUNKS {3}NUM SERIES {3}SIZE\n[0-9A-Z]{26} {2}1767227400000 {2}1767229185001 {2}29m45\.001s {3}3360 {9}28 {11}28 {11}16202\n$/);
    promtool('tsdb', 'create-blocks-from', 'openmetrics', SMALL_OM, theirs);
    const [ob] = readdirSync(ours);
    const [tb] = readdirSync(theirs);
    for (const f of ['index', 'chunks/000001', 'tombstones']) {
      assert.deepEqual(readFileSync(join(ours, ob, f)), readFileSync(join(theirs, tb, f)), f);
    }
    const want = lines(readFileSync(SMALL_DUMP, 'utf8'));
    const dump = await vigil('tsdb', 'dump', ours);
    assert.equal(dump.code, 0, dump.stderr);
    assert.deepEqual(lines(dump.stdout), want);
    assert.deepEqual(promtoolDump(ours), want);
    // Not only the same lines: the same output, in the same order.
    assert.equal(dump.stdout, promtool('tsdb', 'dump', ours));
    // list and analyze print what promtool prints for the same directory.
    for (const flags of [[], ['-r'], ['--human-readable']]) {
      const l = await vigil('tsdb', 'list', ...flags, ours);
      assert.equal(l.code, 0, l.stderr);
      assert.equal(l.stdout, promtool('tsdb', 'list', ...flags, ours), flags.join(' '));
    }
    const a = await vigil('tsdb', 'analyze', '--extended', '--limit=100', ours);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(analyzeSections(a.stdout), analyzeSections(promtool('tsdb', 'analyze', '--extended', '--limit=100', ours)));
    const sel = await vigil('tsdb', 'dump', '--match', 'queue_length{queue="mail"}', '--min-time', '1767227400000', '--max-time', '1767227430000', ours);
    assert.deepEqual(lines(sel.stdout), lines(promtool('tsdb', 'dump', '--match', 'queue_length{queue="mail"}', '--min-time', '1767227400000', '--max-time', '1767227430000', ours)));
    assert.equal(lines(sel.stdout).length, 6);
  } finally {
    tmp.cleanup();
  }
});

test('import openmetrics over several hours: 2h-aligned blocks as promtool makes them', async () => {
  const tmp = tempDir();
  try {
    const base = 1_700_000_000; // not aligned: the first block starts mid-window
    const out: string[] = ['# TYPE rpc_duration_seconds histogram', '# HELP rpc_duration_seconds RPC latency.'];
    for (let t = 0; t < 5 * 3600; t += 30) {
      let c = 0;
      for (const le of ['0.05', '0.5', '5.0', '+Inf']) {
        c += (t / 30) % 7;
        out.push(`rpc_duration_seconds_bucket{service="a b",le="${le}"} ${c} ${base + t}`);
      }
      out.push(`rpc_duration_seconds_count{service="a b"} ${c} ${base + t}`, `rpc_duration_seconds_sum{service="a b"} ${c * 0.3} ${base + t}.25`);
    }
    out.push('# TYPE load gauge');
    for (let t = 0; t < 5 * 3600; t += 10) out.push(`load{cpu="0"} ${Math.sin(t) * 3} ${base + t}`);
    out.push('# EOF', '');
    const om = join(tmp.path, 'in.om');
    writeFileSync(om, out.join('\n'));
    const ours = join(tmp.path, 'ours');
    const theirs = join(tmp.path, 'theirs');
    const r = await vigil('tsdb', 'import', 'openmetrics', '-q', om, ours);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    promtool('tsdb', 'create-blocks-from', 'openmetrics', '-q', om, theirs);
    const rows = (dir: string) => lines(promtool('tsdb', 'list', dir)).filter((l) => !l.startsWith('BLOCK')).map((l) => l.split(/\s+/).slice(1).join(' ')).sort();
    assert.equal(rows(ours).length, 3);
    assert.deepEqual(rows(ours), rows(theirs));
    assert.deepEqual(promtoolDump(ours), promtoolDump(theirs));
    // A wider maximum block duration gives wider aligned windows (2h × 3 = 6h): two here, as promtool.
    const wide = join(tmp.path, 'wide');
    const wideTheirs = join(tmp.path, 'wide-theirs');
    assert.equal((await vigil('tsdb', 'import', 'openmetrics', '-q', '--max-block-duration=7h', om, wide)).code, 0);
    promtool('tsdb', 'create-blocks-from', 'openmetrics', '-q', '--max-block-duration=7h', om, wideTheirs);
    assert.equal(rows(wide).length, 2);
    assert.deepEqual(rows(wide), rows(wideTheirs));
  } finally {
    tmp.cleanup();
  }
});

test('import openmetrics: bad input is an error naming the file and line, and writes no block', async () => {
  const tmp = tempDir();
  try {
    const cases: Array<[string, string, RegExp]> = [
      ['no timestamp', '# TYPE a gauge\na 1\n# EOF\n', /in\.om: line 2: expected timestamp for series \{__name__="a"\}, got none/],
      ['out of order', '# TYPE a gauge\na 1 100\na 2 99\n# EOF\n', /in\.om: line 3: add sample: out of order sample/],
      ['duplicate', '# TYPE a gauge\na 1 100\na 2 100\n# EOF\n', /in\.om: line 3: add sample: duplicate sample for timestamp/],
      ['no EOF', '# TYPE a gauge\na 1 100\n', /in\.om: line 3, column 1: .*"# EOF"/],
      ['garbage', '# TYPE a gauge\na{x="1" 1 100\n# EOF\n', /in\.om: line 2, column/],
    ];
    for (const [name, text, re] of cases) {
      const om = join(tmp.path, 'in.om');
      writeFileSync(om, text);
      const dir = join(tmp.path, name.replace(/ /g, '-'));
      const r = await vigil('tsdb', 'import', 'openmetrics', om, dir);
      assert.equal(r.code, 1, name);
      assert.match(r.stderr, re, name);
      assert.deepEqual(readdirSync(dir), [], name);
    }
    const missing = await vigil('tsdb', 'import', 'openmetrics', join(tmp.path, 'nope.om'), join(tmp.path, 'x'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read ".*nope\.om"/);
  } finally {
    tmp.cleanup();
  }
});

test('list and dump skip a damaged block with a message and still show the others', async () => {
  const tmp = tempDir();
  try {
    const dir = join(tmp.path, 'data');
    const om = join(tmp.path, 'in.om');
    writeFileSync(om, '# TYPE a gauge\na 1 100\na 2 8000\n# EOF\n');
    assert.equal((await vigil('tsdb', 'import', 'openmetrics', '-q', om, dir)).code, 0);
    const [good, bad] = readdirSync(dir).sort();
    writeFileSync(join(dir, bad, 'index'), 'garbage');
    const l = await vigil('tsdb', 'list', dir);
    assert.equal(l.code, 1);
    assert.match(l.stderr, new RegExp(`skipping block .*${bad}: corrupted file ".*${bad}/index" at offset 0: index file too short`));
    assert.match(l.stdout, new RegExp(`^BLOCK ULID.*\\n${good} `));
    const d = await vigil('tsdb', 'dump', dir);
    assert.equal(d.stdout, '{__name__="a"} 1 100000\n');
  } finally {
    tmp.cleanup();
  }
});

test('large inputs are read in pieces: same blocks, and errors still name the line of the file', async () => {
  const tmp = tempDir();
  try {
    // Pieces of a few hundred bytes split families (and their # TYPE/# UNIT) many times over.
    const text = readFileSync(SMALL_OM, 'utf8').replace('# TYPE queue_length gauge\n', '# TYPE queue_length gauge\n# UNIT queue_length length\n');
    const om = join(tmp.path, 'in.om');
    writeFileSync(om, text);
    const b = new BlockBuilder();
    loadOpenMetricsFile(om, b, 301);
    const dir = join(tmp.path, 'pieces');
    await b.write(dir);
    const d = await vigil('tsdb', 'dump', dir);
    assert.deepEqual(lines(d.stdout), lines(readFileSync(SMALL_DUMP, 'utf8')));
    // An out-of-order sample far into the file.
    const bad = text.split('\n');
    const at = 2500;
    const m = /^(\S+) (\S+) (\d+)$/.exec(bad[at - 1])!;
    bad[at - 1] = `${m[1]} ${m[2]} ${Number(m[3]) - 30}`;
    writeFileSync(om, bad.join('\n'));
    assert.throws(() => loadOpenMetricsFile(om, new BlockBuilder(), 301), new RegExp(`^VigilError: line ${at}: add sample: out of order sample`));
    bad[at - 1] = 'queue_length{ 1';
    writeFileSync(om, bad.join('\n'));
    assert.throws(() => loadOpenMetricsFile(om, new BlockBuilder(), 301), new RegExp(`^VigilError: line ${at}, column \\d+: `));
  } finally {
    tmp.cleanup();
  }
});

test('dump includes samples still only in the WAL (Prometheus\'s), without touching the directory', async () => {
  const dir = conformanceDir('tsdb-format', 'fixtures', 'head-wal');
  const before = readdirSync(join(dir, 'wal'));
  const d = await vigil('tsdb', 'dump', dir);
  assert.equal(d.code, 0, d.stderr);
  const want = lines(readFileSync(conformanceDir('tsdb-format', 'fixtures', 'head-wal.dump.txt'), 'utf8'));
  assert.equal(want.length, 2482);
  assert.deepEqual(lines(d.stdout), want);
  assert.deepEqual(readdirSync(dir), ['wal']);
  assert.deepEqual(readdirSync(join(dir, 'wal')), before);
});

test('tsdb dump prints native histograms as promtool 3.x does', async () => {
  const { FloatHistogram, Labels } = await import('@vigil/model');
  const { Head, writeBlock } = await import('@vigil/tsdb');
  const tmp = tempDir();
  try {
    const head = new Head();
    const app = head.appender();
    const t = 1_700_000_000_000 - (1_700_000_000_000 % 7_200_000);
    const ref = app.appendHistogram(0, Labels.fromObject({ __name__: 'h' }), t, new FloatHistogram({
      schema: 0, count: 6, sum: 5.5, zeroCount: 1, zeroThreshold: 0.001,
      positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 2], negativeSpans: [{ offset: 1, length: 1 }], negativeBuckets: [2],
    }));
    app.append(ref, Labels.EMPTY, t + 1000, 7);
    await app.commit();
    await writeBlock(tmp.path, head.chunkSeriesSource(t, t + 7_199_999), { minTime: t, maxTime: t + 7_200_000 });
    const r = await vigil('tsdb', 'dump', tmp.path);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      `{__name__="h"} 7 ${t + 1000}`,
      `{__name__="h"} {count:6, sum:5.5, [-2,-1):2, [-0.001,0.001]:1, (0.5,1]:1, (1,2]:2} ${t}`,
    ]);
  } finally {
    tmp.cleanup();
  }
});
