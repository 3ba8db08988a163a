/**
 * Interop with Debian's python3-prometheus-client: its hello-world program (a counter
 * `hello_worlds_total` served by `start_http_server`, "Hello World" on a second port) is scraped once;
 * the counter equals the number of requests made. The client answers our `Accept` with OpenMetrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPythonHelloWorld } from '@vigil/testkit';
import { jobConfig, loopFor } from './test-helpers.js';

test('scrapes the Python client hello world: hello_worlds_total equals the requests made', { timeout: 30_000 }, async () => {
  const { proc, metricsPort, hello } = await startPythonHelloWorld();
  const f = loopFor(jobConfig('scrape_interval: 15s'), `127.0.0.1:${metricsPort}`);
  try {
    const requests = 3;
    for (let i = 0; i < requests; i++) assert.equal(await hello(), 'Hello World');
    const r = await f.loop.scrapeAndReport(Date.now());
    assert.equal(r.error, undefined);
    const labels = { job: 'test', instance: `127.0.0.1:${metricsPort}` };
    assert.equal(f.storage.last({ __name__: 'hello_worlds_total', ...labels }), requests);
    assert.ok(f.storage.last({ __name__: 'hello_worlds_created', ...labels }) > 1e9);
    assert.equal(f.storage.last({ __name__: 'up', ...labels }), 1);
    assert.deepEqual(f.target.getMetadata('hello_worlds'), { metric: 'hello_worlds', type: 'counter', help: 'Hello Worlds requested.', unit: '' });
  } finally {
    f.close();
    await proc.stop();
  }
});
