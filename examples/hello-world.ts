/**
 * The first program of Prometheus instrumentation, in TypeScript: every request to the application
 * counts in `hello_worlds_total`, and the counter is served for Prometheus on /metrics.
 *
 *   npm run example:hello-world
 *   curl http://127.0.0.1:8001/          # Hello World
 *   curl http://127.0.0.1:8000/metrics   # hello_worlds_total 1
 *
 * METRICS_PORT and APP_PORT change the ports (8000 and 8001); BIND_ADDRESS the address (127.0.0.1, so
 * nothing is reachable from other machines unless asked, e.g. BIND_ADDRESS=0.0.0.0).
 */
import { createServer } from 'node:http';
import { Counter, startHttpServer } from '@vigil/client';

const host = process.env.BIND_ADDRESS || '127.0.0.1';
const metricsPort = Number(process.env.METRICS_PORT || 8000);
const appPort = Number(process.env.APP_PORT || 8001);

const helloWorlds = new Counter({ name: 'hello_worlds_total', help: 'Hello Worlds requested.' });

const metrics = await startHttpServer(metricsPort, { host });

const app = createServer((_req, res) => {
  helloWorlds.inc();
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Hello World');
});
await new Promise<void>((resolve, reject) => {
  app.once('error', reject);
  app.listen(appPort, host, resolve);
});
const appAddress = app.address();
const appUrl = typeof appAddress === 'object' && appAddress ? `http://${host}:${appAddress.port}/` : String(appAddress);
console.log(`metrics on ${metrics.url}, Hello World on ${appUrl}`);

const stop = (): void => {
  app.close();
  app.closeAllConnections();
  void metrics.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
