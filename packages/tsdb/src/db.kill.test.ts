import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Matcher } from '@vigil/model';
import { startProcess, tempDir, sleep } from '@vigil/testkit';
import { openDB } from './db.js';

const CHILD = fileURLToPath(new URL('./kill-writer.child.js', import.meta.url));
const SERIES = 200;

test('every sample acknowledged by commit() before a SIGKILL is there after reopening', async () => {
  const tmp = tempDir();
  try {
    // Several kills at different moments; each restart replays (and repairs) what the previous run left.
    const acked = new Map<number, number>(); // t -> batch
    for (const [round, waitMs] of [[0, 300], [1, 450], [2, 170], [3, 620]] as const) {
      const start = 1_000_000 + round * 1_000_000;
      const child = startProcess(process.execPath, [CHILD, tmp.path, String(SERIES), String(start)]);
      let buffered = '';
      let ready = false;
      child.child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const f = line.split(' ');
          if (f[0] === 'ready') ready = true;
          if (f[0] === 'ack') acked.set(Number(f[2]), Number(f[1]));
        }
      });
      const deadline = Date.now() + 20_000;
      while (!ready && Date.now() < deadline) await sleep(20);
      assert.ok(ready, `writer did not start: ${child.output()}`);
      await sleep(waitMs);
      child.child.kill('SIGKILL');
      await child.exited;
    }
    assert.ok(acked.size > 20, `only ${acked.size} batches acknowledged`);
    const logs: string[] = [];
    const nop = () => {};
    const db = await openDB(tmp.path, { compactionInterval: 0, logger: { debug: nop, info: nop, warn: (m) => logs.push(m), error: (m) => logs.push(m) } });
    try {
      const q = db.querier(0, Infinity);
      const found = new Map<number, number>(); // t -> count of series with a sample at t
      for (const s of q.select([new Matcher('=', '__name__', 'killed')])) {
        const i = Number(s.labels.get('i'));
        const it = s.iterator();
        while (it.next()) {
          found.set(it.t, (found.get(it.t) ?? 0) + 1);
          const batch = it.t % 1_000_000;
          assert.equal(it.v, batch * 1000 + i, `value of series ${i} at ${it.t}`);
        }
      }
      q.close();
      const missing: number[] = [];
      for (const t of acked.keys()) if (found.get(t) !== SERIES) missing.push(t);
      assert.deepEqual(missing, [], `acknowledged batches missing after the kill (of ${acked.size}); logs: ${logs.join(' | ')}`);
    } finally {
      await db.close();
    }
  } finally {
    tmp.cleanup();
  }
});
