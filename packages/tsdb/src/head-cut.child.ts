/**
 * Child process of head.bench.ts: fills an in-process head with argv[3] series over 4 h (a sample every
 * 30 min), cuts its oldest 2 h into a block in the data directory argv[2], and prints one JSON line: how
 * long the cut took and the longest stretch the event loop was held meanwhile (a 10 ms timer's lateness).
 */
import { Labels } from '@vigil/model';
import { openDB } from './db.js';

const nop = (): void => {};
const dir = process.argv[2]!;
const n = Number(process.argv[3]);
const db = await openDB(dir, { compactionInterval: 0, logger: { debug: nop, info: nop, warn: nop, error: nop } });
const refs = new Array<number>(n).fill(0);
const labels = (i: number): Labels =>
  Labels.fromObject({ __name__: 'metric_' + (i % 200), job: 'node', instance: `host-${Math.floor(i / 200) % 1000}:9100`, id: String(i) });
for (let t = 0; t <= 4 * 3600_000; t += 1800_000) {
  const app = db.appender();
  for (let i = 0; i < n; i++) refs[i] = app.append(refs[i]!, refs[i] === 0 ? labels(i) : Labels.EMPTY, t, i + t / 1000);
  await app.commit();
}
let longest = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
}, 10);
const started = performance.now();
await db.compact();
const cutMs = performance.now() - started;
clearInterval(ticker);
process.stdout.write(JSON.stringify({ cutMs, longestStallMs: longest, blocks: db.blocks.length }) + '\n');
await db.close();
