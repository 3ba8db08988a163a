import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, tempDir, waitForHttp, eventually } from '@vigil/testkit';
import { MetricStore } from './store.js';
import { parseText } from './text-parser.js';
import { familyFromProto } from './family.js';
import { mergeFamilies, renderText } from './render.js';
import { Persister, encodeStore, readPersistenceFile, removeStaleTemporaries, restoreInto, writeFileAtomically } from './persistence.js';
import { exposition, send } from './test-helpers.js';

const body = (s: string) => parseText(Buffer.from(s, 'utf8')).values();
const text = (s: MetricStore) => Buffer.concat(renderText(mergeFamilies(s, []))).toString('utf8');

function filledStore(): MetricStore {
  const s = new MetricStore();
  assert.ok(s.push(['job', 'a'], body('# HELP g Gauge with "help" \\\\ and \\n line.\n# TYPE g gauge\ng{x="ü \\"q\\""} -1.5\n'), true, 1000.25).ok);
  assert.ok(s.push(['instance', '', 'job', 'b/c'], body('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\nh_sum 2.5\nh_count 3\n# TYPE s summary\ns{quantile="0.5"} NaN\ns_sum 1\ns_count 18446744073709551615\n'), true, 2000).ok);
  assert.ok(!s.push(['job', 'failed'], body('f 1 5\n'), false, 3000).ok);
  // A protobuf push with data the text format does not show (exemplar, native buckets).
  const proto = familyFromProto({
    name: 'p', type: 4,
    metric: [{ histogram: { sampleCount: 2, sampleSum: 1, schema: 3, zeroThreshold: 1e-128, positiveSpan: [{ offset: 0, length: 1 }], positiveDelta: [2], bucket: [{ upperBound: 1, cumulativeCount: 2, exemplar: { label: [{ name: 'id', value: '7' }], value: 0.5 } }] } }],
  });
  assert.ok(s.push(['job', 'proto'], [proto], true, 4000).ok);
  assert.ok(s.push(['job', 'empty'], body(''), true, 5000).ok);
  return s;
}

test('persistence: a store survives the file, every detail included', async () => {
  const dir = tempDir('vigil-pg-persist-');
  try {
    const s = filledStore();
    const file = join(dir.path, 'pg.data');
    await writeFileAtomically(file, await encodeStore(s));
    const restored = new MetricStore();
    restoreInto(restored, readPersistenceFile(file)!);
    assert.equal(text(restored), text(s));
    assert.equal(restored.size, s.size);
    // Push order (for expiry) and times come back.
    assert.deepEqual([...restored.groups.values()].map((g) => [g.label('job'), g.lastSeenMs, g.pushTime, g.failureTime]), [...s.groups.values()].map((g) => [g.label('job'), g.lastSeenMs, g.pushTime, g.failureTime]));
    const p = restored.getGroup(['job', 'proto'])!.families.get('p')!;
    assert.deepEqual(p.extras![0]!.histogram!.positiveDelta, [2]);
    assert.equal(p.extras![0]!.histogram!.bucket![0].exemplar!.value, 0.5);
    assert.equal(restored.getGroup(['job', 'a'])!.families.get('g')!.pushedMs, 1000.25);
    // The indexes are rebuilt: a conflicting push is still refused.
    assert.ok(!restored.push(['job', 'z'], body('# TYPE g counter\ng 1\n'), false, 6000).ok);
    assert.equal(readPersistenceFile(join(dir.path, 'missing')), undefined);
  } finally {
    dir.cleanup();
  }
});

test('persistence: a damaged file is refused with a clear error', async () => {
  const dir = tempDir('vigil-pg-corrupt-');
  try {
    const file = join(dir.path, 'pg.data');
    await writeFileAtomically(file, await encodeStore(filledStore()));
    const good = readFileSync(file);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['cut short', good.subarray(0, good.length - 10), /is corrupt: the header announces \d+ bytes of data, the file holds \d+ \(cut short or appended to\)/],
      ['a flipped bit', Buffer.from(good.map((b, i) => (i === good.length - 20 ? b ^ 0x10 : b))), /is corrupt: checksum mismatch \(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\)/],
      ['not ours', Buffer.from('\x0e\xff\x81\x03\x01\x01\x0cGob encoded data of some other program'), /does not start with "VIGILPGW"/],
      ['tiny', Buffer.from('VIG'), /only 3 bytes/],
      ['a newer format', Buffer.from(good.map((b, i) => (i === 8 ? 9 : b))), /format version 9, this program reads version 1/],
    ];
    for (const [name, bytes, re] of cases) {
      writeFileSync(file, bytes);
      assert.throws(() => readPersistenceFile(file), (e: Error & { code?: string }) => {
        assert.match(e.message, re, name);
        assert.match(e.message, /move it away to start with an empty store/);
        assert.equal(e.code, 'corruption');
        return true;
      });
    }
  } finally {
    dir.cleanup();
  }
});

test('persistence: temporaries of an interrupted write are removed, the last complete file kept', async () => {
  const dir = tempDir('vigil-pg-tmp-');
  try {
    const file = join(dir.path, 'pg.data');
    await writeFileAtomically(file, await encodeStore(filledStore()));
    writeFileSync(file + '.in_progress.123.abc', 'half a file');
    assert.deepEqual(removeStaleTemporaries(file), ['pg.data.in_progress.123.abc']);
    assert.deepEqual(readdirSync(dir.path), ['pg.data']);
    assert.equal(readPersistenceFile(file)!.length, 5);
  } finally {
    dir.cleanup();
  }
});

test('persistence: writes come at most once per interval, and at close', async () => {
  const dir = tempDir('vigil-pg-sched-');
  try {
    const file = join(dir.path, 'pg.data');
    const s = new MetricStore();
    let now = 0;
    const p = new Persister(file, 200, s, () => {}, () => now);
    s.push(['job', 'a'], body('a 1\n'), true, 1);
    p.changed();
    assert.equal(existsSync(file), false);
    await eventually(() => (existsSync(file) ? true : undefined), 5000, 'first write');
    s.push(['job', 'b'], body('b 1\n'), true, 2);
    now = 100; // within the interval after the first write: scheduled, not written yet
    p.changed();
    assert.equal(readPersistenceFile(file)!.length, 1);
    await p.close(); // writes what is pending
    assert.equal(readPersistenceFile(file)!.length, 2);
  } finally {
    dir.cleanup();
  }
});

const here = fileURLToPath(new URL('.', import.meta.url));

test('persistence: state survives a SIGKILL, up to the last write', async () => {
  const dir = tempDir('vigil-pg-kill-');
  const file = join(dir.path, 'pg.data');
  const script = `
    const { startPushgateway } = await import(${JSON.stringify(join(here, 'index.js'))});
    await startPushgateway({ listenAddress: '127.0.0.1:' + process.argv[1], persistenceFile: ${JSON.stringify(file)}, persistenceIntervalMs: 100 });
  `;
  const start = async () => {
    const port = await freePort();
    const proc = startProcess(process.execPath, ['--input-type=module', '-e', script, String(port)]);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(url + '/-/ready', 20000, proc);
    return { url, proc };
  };
  try {
    const first = await start();
    assert.equal((await send(first.url + '/metrics/job/survivor/instance/i', 'PUT', '# TYPE kept gauge\nkept 42\n')).status, 200);
    const before = await exposition(first.url);
    await eventually(() => (existsSync(file) && readPersistenceFile(file)!.length === 1 ? true : undefined), 10000, 'the persistence file');
    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    const second = await start();
    try {
      assert.equal(await exposition(second.url), before);
      assert.match(before, /kept\{instance="i",job="survivor"\} 42/);
    } finally {
      await second.proc.stop();
    }
  } finally {
    dir.cleanup();
  }
});
