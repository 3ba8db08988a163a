/**
 * Child process of head.bench.ts: opens the data directory in argv[2] (replaying its WAL), then prints one
 * JSON line with the open time and the resident memory after a full GC, and exits.
 */
const started = performance.now();
const { openDB } = await import('./db.js');
const nop = () => {};
const db = await openDB(process.argv[2], { compactionInterval: 0, logger: { debug: nop, info: nop, warn: nop, error: nop } });
const openMs = performance.now() - started;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
gc?.();
const m = process.memoryUsage();
process.stdout.write(JSON.stringify({ openMs, rss: m.rss, heapUsed: m.heapUsed, external: m.external, series: db.head.numSeries, samples: db.stats().replay?.samples ?? 0 }) + '\n');
await db.close();
