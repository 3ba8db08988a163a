import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Counter, Gauge, Registry, startHttpServer } from './index.js';

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('startHttpServer serves /metrics with negotiation and gzip, and refuses what is not a scrape', async () => {
  const registry = new Registry();
  const c = new Counter({ name: 'served_total', help: 'Served.', registers: [registry] });
  c.inc(2);
  const server = await startHttpServer(0, { registry });
  try {
    assert.equal(server.host, '127.0.0.1');
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await get(server.url);
    assert.equal(text.status, 200);
    assert.equal(text.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(text.body.toString(), '# HELP served_total Served.\n# TYPE served_total counter\nserved_total 2\n');

    const om = await get(server.url, { Accept: 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
    assert.equal(om.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.equal(om.body.toString(), '# HELP served Served.\n# TYPE served counter\nserved_total 2.0\n# EOF\n');

    // What Prometheus 2.42 sends, and a scraper that prefers the text format.
    const prometheus = await get(server.url, { Accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' });
    assert.equal(prometheus.body.toString(), om.body.toString());
    const textFirst = await get(server.url, { Accept: 'text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5' });
    assert.equal(textFirst.body.toString(), text.body.toString());
    const bare = await get(server.url, { Accept: 'application/openmetrics-text' });
    assert.equal(bare.headers['content-type'], 'application/openmetrics-text; version=0.0.1; charset=utf-8'); // as client_golang answers

    const gz = await get(server.url, { 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), text.body.toString());

    const root = await get(server.url.replace('/metrics', '/'));
    assert.equal(root.body.toString(), text.body.toString());
    const head = await get(server.url, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal((await get(server.url.replace('/metrics', '/other'))).status, 404);
    const post = await get(server.url, {}, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  } finally {
    await server.close();
  }
});

test('a registry that fails to collect answers 500 and the server keeps serving', async () => {
  const registry = new Registry();
  let fail = true;
  new Gauge({
    name: 'flaky',
    help: 'F.',
    registers: [registry],
    collect() {
      if (fail) throw new Error('backend down');
      this.set(1);
    },
  });
  const server = await startHttpServer(0, { registry });
  try {
    const bad = await get(server.url);
    assert.equal(bad.status, 500);
    assert.match(bad.body.toString(), /error collecting metrics: backend down/);
    fail = false;
    const good = await get(server.url);
    assert.equal(good.status, 200);
    assert.match(good.body.toString(), /flaky 1\n/);
  } finally {
    await server.close();
  }
});

test('startHttpServer rejects when the port is taken', async () => {
  const first = await startHttpServer(0, { registry: new Registry() });
  try {
    await assert.rejects(startHttpServer(first.port, { registry: new Registry() }), /EADDRINUSE/);
  } finally {
    await first.close();
  }
});

test('an OpenMetrics registry serves OpenMetrics to a scraper that sends no Accept header', async () => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
  new Gauge({ name: 'g', help: 'G.', registers: [registry] }).set(1);
  const server = await startHttpServer(0, { registry });
  try {
    const r = await get(server.url);
    assert.equal(r.headers['content-type'], Registry.OPENMETRICS_CONTENT_TYPE);
    assert.ok(r.body.toString().endsWith('# EOF\n'));
  } finally {
    await server.close();
  }
});
