/**
 * Interop with Debian's python3-prometheus-client: its hello-world program (a counter
 * `hello_worlds_total` served by `start_http_server`, "Hello World" on a second port) is scraped once;
 * the counter equals the number of requests made. The client answers our `Accept` with OpenMetrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { freePort, requireProgram, startProcess, waitForHttp, runProgram } from '@vigil/testkit';
import { jobConfig, loopFor } from './test-helpers.js';

const HELLO = `
import http.server, sys
from prometheus_client import start_http_server, Counter
c = Counter('hello_worlds', 'Hello Worlds requested.')
class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        c.inc()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"Hello World")
    def log_message(self, *args):
        pass
start_http_server(int(sys.argv[1]), addr='127.0.0.1')
http.server.HTTPServer(('127.0.0.1', int(sys.argv[2])), Hello).serve_forever()
`;

/** Debian's python3 (the one that has python3-prometheus-client), not one from a version manager. */
function python(): string {
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : requireProgram('python3', 'python3');
  const probe = runProgram(py, ['-c', 'import prometheus_client']);
  if (probe.status !== 0) throw new Error(`${py} cannot import prometheus_client: install Debian's python3-prometheus-client (npm test does)`);
  return py;
}

test('scrapes the Python client hello world: hello_worlds_total equals the requests made', { timeout: 30_000 }, async () => {
  const py = python();
  const metricsPort = await freePort();
  const helloPort = await freePort();
  const proc = startProcess(py, ['-c', HELLO, String(metricsPort), String(helloPort)]);
  const f = loopFor(jobConfig('scrape_interval: 15s'), `127.0.0.1:${metricsPort}`);
  try {
    await waitForHttp(`http://127.0.0.1:${metricsPort}/metrics`, 15_000, proc);
    await waitForHttp(`http://127.0.0.1:${helloPort}/`, 15_000, proc);
    for (let i = 0; i < 2; i++) assert.equal(await (await fetch(`http://127.0.0.1:${helloPort}/`)).text(), 'Hello World');
    // waitForHttp made one request too: three in all.
    const r = await f.loop.scrapeAndReport(Date.now());
    assert.equal(r.error, undefined);
    const labels = { job: 'test', instance: `127.0.0.1:${metricsPort}` };
    assert.equal(f.storage.last({ __name__: 'hello_worlds_total', ...labels }), 3);
    assert.ok(f.storage.last({ __name__: 'hello_worlds_created', ...labels }) > 1e9);
    assert.equal(f.storage.last({ __name__: 'up', ...labels }), 1);
    assert.deepEqual(f.target.getMetadata('hello_worlds'), { metric: 'hello_worlds', type: 'counter', help: 'Hello Worlds requested.', unit: '' });
  } finally {
    f.close();
    await proc.stop();
  }
});
