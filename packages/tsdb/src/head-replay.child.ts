/**
 * Child process of head.bench.ts: opens the data directory in argv[2] (replaying its WAL), prints a line
 * when ready, then a JSON line with the resident memory 5 s later, and exits.
 */
const started = performance.now();
const { openDB } = await import('./db.js');
const nop = () => {};
const db = await openDB(process.argv[2], { compactionInterval: 0, logger: { debug: nop, info: nop, warn: nop, error: nop } });
const openMs = performance.now() - started;
process.stdout.write(JSON.stringify({ event: 'ready', openMs }) + '\n');
// Memory as Prometheus's is read: 5 s after ready, no forced collection.
await new Promise((r) => setTimeout(r, 5000));
const m = process.memoryUsage();
process.stdout.write(JSON.stringify({ openMs, rss: m.rss, heapUsed: m.heapUsed, external: m.external, series: db.head.numSeries, samples: db.stats().replay?.samples ?? 0 }) + '\n');
await db.close();
