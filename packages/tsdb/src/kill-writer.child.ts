/**
 * A writer process for the SIGKILL test (db.kill.test.ts): opens the DB in argv[2], then appends batches
 * forever, printing `ack <batch> <t>` once each commit has resolved. Batch b holds samples at t = start + b
 * for every series, so the parent can check each acknowledged batch after the kill.
 */
import { Labels } from '@vigil/model';
import { openDB } from './db.js';

const dir = process.argv[2];
const series = Number(process.argv[3] ?? 200);
const start = Number(process.argv[4] ?? 1_000_000);

const db = await openDB(dir, { compactionInterval: 0, walSegmentSize: 256 * 1024 });
const labels = Array.from({ length: series }, (_, i) => Labels.fromObject({ __name__: 'killed', i: String(i) }));
const refs = new Array<number>(series).fill(0);
process.stdout.write(`ready ${db.stats().replay?.samples ?? 0}\n`);
for (let b = 0; ; b++) {
  const app = db.appender();
  const t = start + b;
  for (let i = 0; i < series; i++) refs[i] = app.append(refs[i], labels[i], t, b * 1000 + i);
  await app.commit();
  process.stdout.write(`ack ${b} ${t}\n`);
}
