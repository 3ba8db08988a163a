/**
 * The real judges: Debian's promtool and Prometheus 2.42 read the blocks we write, and we read the blocks
 * promtool writes, sample for sample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Labels, Matcher, STALE_NAN, formatFloat } from '@vigil/model';
import { freePort, requireProgram, runProgram, startProcess, tempDir, waitForHttp } from '@vigil/testkit';
import { openBlocks } from './block.js';
import { compactBlocks } from './compact.js';
import { BlockBuilder } from './import.js';
import { mergeQueriers } from './merge.js';
import { dumpQuerier } from './test-util.js';

const BASE = 1_700_000_000_000 - (1_700_000_000_000 % 7_200_000); // 2h-aligned, Nov 2023
const STEP = 15_000;

/** Counters (with a reset), gauges with fractions, a staleness marker, over 7 hours (4 windows). */
function buildSamples(b: BlockBuilder): void {
  const series: Array<{ labels: Labels; value: (t: number, i: number) => number }> = [];
  for (let i = 0; i < 6; i++) {
    series.push({ labels: Labels.fromObject({ __name__: 'req_total', job: 'api', instance: `h${i}` }), value: (t, k) => (k > 1000 ? k - 1000 : k) * (i + 1) });
    series.push({ labels: Labels.fromObject({ __name__: 'temp_celsius', job: 'api', instance: `h${i}` }), value: (t) => Math.sin(t / 3.6e6 + i) * 20 + 0.125 * i });
  }
  const refs = series.map((s) => b.addSeries(s.labels));
  const end = BASE + 7 * 3_600_000;
  for (let k = 0, t = BASE; t < end; t += STEP, k++) {
    for (let j = 0; j < series.length; j++) {
      // One series goes stale for a while in the third hour.
      if (j === 1 && t > BASE + 2 * 3_600_000 && t < BASE + 3 * 3_600_000) {
        if (t - STEP <= BASE + 2 * 3_600_000) b.append(refs[j], t, STALE_NAN);
        continue;
      }
      b.append(refs[j], t, series[j].value(t, k));
    }
  }
}

function sortedLines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '').sort();
}

function ourDump(dir: string): string[] {
  const { blocks, errors } = openBlocks(dir);
  assert.deepEqual(errors.map((e) => e.error.message), []);
  const q = mergeQueriers(blocks.map((b) => b.querier(-Infinity, Infinity)));
  const lines = dumpQuerier(q, [new Matcher('=~', '__name__', '.+')]);
  q.close();
  for (const b of blocks) b.close();
  return lines.sort();
}

function promtoolDump(promtool: string, dir: string): string[] {
  // promtool 2.42's dump also reads the WAL and fails without a wal directory.
  mkdirSync(join(dir, 'wal'), { recursive: true });
  const r = runProgram(promtool, ['tsdb', 'dump', dir]);
  assert.equal(r.status, 0, r.stderr);
  return sortedLines(r.stdout);
}

test('promtool dumps, lists and analyzes our blocks (imported, compacted, with tombstones) as we do', async () => {
  const promtool = requireProgram('promtool', 'prometheus');
  const tmp = tempDir();
  try {
    const dir = join(tmp.path, 'data');
    const b = new BlockBuilder();
    buildSamples(b);
    const written = await b.write(dir);
    assert.equal(written.length, 4);
    // Compact the first three 2h blocks into one, and delete some data.
    let { blocks } = openBlocks(dir);
    const picked = blocks.slice(0, 3);
    const compacted = await compactBlocks(dir, picked);
    assert.ok(compacted);
    for (const x of blocks) x.close();
    for (const x of picked) rmSync(x.dir, { recursive: true });
    ({ blocks } = openBlocks(dir));
    assert.equal(blocks.length, 2);
    for (const x of blocks) x.delete(BASE + 3_600_000, BASE + 5_400_000, [new Matcher('=', 'instance', 'h2')]);
    for (const x of blocks) x.close();

    const ours = ourDump(dir);
    assert.ok(ours.length > 10_000);
    assert.deepEqual(promtoolDump(promtool, dir), ours);

    const list = runProgram(promtool, ['tsdb', 'list', dir]);
    assert.equal(list.status, 0, list.stderr);
    const rows = sortedLines(list.stdout).filter((l) => !l.startsWith('BLOCK'));
    ({ blocks } = openBlocks(dir));
    assert.equal(rows.length, blocks.length);
    for (const x of blocks) {
      const row = rows.find((r) => r.startsWith(x.ulid));
      assert.ok(row, x.ulid);
      const cols = row.split(/\s+/);
      assert.deepEqual([cols[1], cols[2], cols[4], cols[5], cols[6], cols[7]], [
        String(x.minTime), String(x.maxTime), String(x.meta.stats.numSamples), String(x.meta.stats.numChunks), String(x.meta.stats.numSeries), String(x.size()),
      ]);
    }
    for (const x of blocks) {
      const a = runProgram(promtool, ['tsdb', 'analyze', '--extended', dir, x.ulid]);
      assert.equal(a.status, 0, a.stderr);
      assert.match(a.stdout, new RegExp(`Block ID: ${x.ulid}\\nDuration: [^\\n]+\\nSeries: ${x.meta.stats.numSeries}\\nLabel names: 3\\n`));
      assert.match(a.stdout, /Highest cardinality metric names:\n6 req_total\n6 temp_celsius\n|Highest cardinality metric names:\n6 temp_celsius\n6 req_total\n/);
    }
    for (const x of blocks) x.close();
  } finally {
    tmp.cleanup();
  }
});

test('we read blocks promtool wrote, sample for sample', () => {
  const promtool = requireProgram('promtool', 'prometheus');
  const tmp = tempDir();
  try {
    const lines: string[] = [
      '# HELP jobs Jobs done.',
      '# TYPE jobs counter',
    ];
    const base = BASE / 1000;
    for (let i = 0; i < 3; i++) for (let t = 0; t < 5 * 3600; t += 30) lines.push(`jobs_total{queue="q${i}"} ${t * (i + 1)} ${base + t}`);
    lines.push('# HELP lat Latency.', '# TYPE lat histogram');
    for (let t = 0; t < 5 * 3600; t += 60) {
      let c = 0;
      for (const le of ['0.1', '1.0', '+Inf']) {
        c += t / 60;
        lines.push(`lat_bucket{le="${le}"} ${c} ${base + t}`);
      }
      lines.push(`lat_count ${c} ${base + t}`, `lat_sum ${formatFloat(t / 7)} ${base + t}.5`);
    }
    lines.push('# TYPE temp gauge');
    for (let t = 0; t < 5 * 3600; t += 15) lines.push(`temp ${formatFloat(Math.cos(t) * 100)} ${base + t}`);
    lines.push('# EOF');
    const om = join(tmp.path, 'in.om');
    writeFileSync(om, lines.join('\n') + '\n');
    const dir = join(tmp.path, 'data');
    const r = runProgram(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', om, dir]);
    assert.equal(r.status, 0, r.stderr);
    const { blocks } = openBlocks(dir);
    assert.equal(blocks.length, 3);
    for (const b of blocks) b.close();
    const ours = ourDump(dir);
    assert.equal(ours.length, 3 * 600 + 300 * 5 + 1200);
    assert.deepEqual(ours, promtoolDump(promtool, dir));
  } finally {
    tmp.cleanup();
  }
});

test('Prometheus 2.42 serves a data directory we wrote', async () => {
  const prometheus = requireProgram('prometheus', 'prometheus');
  const tmp = tempDir();
  const dir = join(tmp.path, 'data');
  const b = new BlockBuilder();
  buildSamples(b);
  await b.write(dir);
  const config = join(tmp.path, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  const proc = startProcess(prometheus, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${dir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=100y',
  ]);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 30000, proc);
    const start = BASE + 1_800_000;
    const end = BASE + 6 * 3_600_000;
    const url = `http://127.0.0.1:${port}/api/v1/query_range?query=${encodeURIComponent('{job="api"}')}&start=${start / 1000}&end=${end / 1000}&step=60`;
    const res = (await (await fetch(url)).json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
    assert.equal(res.status, 'success');
    assert.equal(res.data.result.length, 12);
    // Our own reading of the same directory, at the same steps (samples lie on the step grid).
    const { blocks } = openBlocks(dir);
    const q = mergeQueriers(blocks.map((x) => x.querier(-Infinity, Infinity)));
    let compared = 0;
    for (const r of res.data.result) {
      const labels = Labels.fromObject(r.metric);
      const s = q.select([new Matcher('=', '__name__', labels.get('__name__')), new Matcher('=', 'instance', labels.get('instance'))]);
      assert.equal(s.length, 1);
      const want = new Map<number, number>();
      const it = s[0].iterator();
      while (it.next()) want.set(it.t, it.v);
      for (const [ts, v] of r.values) {
        const t = Math.round(ts * 1000);
        const ours = want.get(t);
        assert.ok(ours !== undefined, `${labels} at ${t}: Prometheus has ${v}, we have no sample`);
        assert.equal(Number(v), ours, `${labels} at ${t}`);
        compared++;
      }
    }
    assert.ok(compared > 3000, `compared ${compared} points`);
    q.close();
    for (const x of blocks) x.close();
  } finally {
    await proc.stop();
    tmp.cleanup();
  }
});
