import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { tempDir } from '@vigil/testkit';
import { IMMUTABLE_CACHE, UI_ROUTES, createUiHandler } from './ui-static.js';

const INDEX = '<!doctype html><title>Vigil</title><script type="module" src="./assets/index-AbC123.js"></script>';
const APP_JS = `console.log(${JSON.stringify('x'.repeat(4000))});`;

/** A server that strips `prefix` as WebServer does and hands the rest to the UI handler, 404 otherwise. */
async function serve(dir: string, prefix = ''): Promise<{ url: string; server: Server }> {
  const ui = createUiHandler({ dir });
  const server = createServer((req, res) => {
    let path = (req.url ?? '/').split('?')[0]!;
    if (prefix !== '') {
      if (path !== prefix && !path.startsWith(prefix + '/')) return void res.writeHead(404).end('404 page not found\n');
      path = path.slice(prefix.length) || '/';
    }
    if (!ui(req, res, path)) res.writeHead(404).end('404 page not found\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function builtUi(): { dir: string; cleanup: () => void } {
  const t = tempDir('vigil-ui-');
  mkdirSync(join(t.path, 'assets'));
  mkdirSync(join(t.path, 'test', 'lib'), { recursive: true });
  writeFileSync(join(t.path, 'index.html'), INDEX);
  writeFileSync(join(t.path, 'assets', 'index-AbC123.js'), APP_JS);
  writeFileSync(join(t.path, 'assets', 'index-Zz9.css'), 'body{}');
  writeFileSync(join(t.path, 'test', 'lib', 'x.test.js'), 'secret test file');
  writeFileSync(join(t.path, 'package.json'), '{}');
  return { dir: t.path, cleanup: t.cleanup };
}

test('every page of the app answers with index.html, revalidated on each load', async () => {
  const ui = builtUi();
  const { url, server } = await serve(ui.dir);
  try {
    for (const route of [...UI_ROUTES, '/graph?g0.expr=up&g0.tab=0', '/query?g0.expr=%3Cscript%3E']) {
      const r = await get(url + route);
      assert.equal(r.status, 200, route);
      assert.equal(r.body.toString(), INDEX, route);
      assert.equal(r.headers['cache-control'], 'no-cache', route);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', route);
      const again = await get(url + route, { 'If-None-Match': String(r.headers['etag']) });
      assert.equal(again.status, 304, route);
    }
    const head = await get(url + '/targets', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  } finally {
    server.close();
    ui.cleanup();
  }
});

test('hashed assets are cached for a year and gzipped when accepted', async () => {
  const ui = builtUi();
  const { url, server } = await serve(ui.dir);
  try {
    const plain = await get(url + '/assets/index-AbC123.js');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['cache-control'], IMMUTABLE_CACHE);
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(plain.body.toString(), APP_JS);
    const gz = await get(url + '/assets/index-AbC123.js', { 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers['vary'], 'Accept-Encoding');
    assert.ok(gz.body.length < APP_JS.length / 4);
    assert.equal(gunzipSync(gz.body).toString(), APP_JS);
    const css = await get(url + '/assets/index-Zz9.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.headers['content-encoding'], undefined); // too small to be worth it
  } finally {
    server.close();
    ui.cleanup();
  }
});

test('nothing outside index.html and assets/ is served', async () => {
  const ui = builtUi();
  const { url, server } = await serve(ui.dir);
  try {
    const cases = [
      '/test/lib/x.test.js',
      '/assets/../test/lib/x.test.js',
      '/assets/%2e%2e/test/lib/x.test.js',
      '/assets/..%2ftest%2flib%2fx.test.js',
      '/package.json',
      '/index.html/',
      '/assets/missing.js',
      '/assets/',
      '/api/v1/query',
      '/metrics',
      '/nope',
      '/%E0%A4%A',
    ];
    for (const path of cases) {
      const r = await get(url + path);
      assert.equal(r.status, 404, path);
      assert.ok(!r.body.toString().includes('secret'), path);
    }
    const post = await get(url + '/query', {}, 'POST');
    assert.equal(post.status, 404);
  } finally {
    server.close();
    ui.cleanup();
  }
});

test('under a route prefix, pages and assets resolve relative to the prefix', async () => {
  const ui = builtUi();
  const { url, server } = await serve(ui.dir, '/vigil');
  try {
    const page = await get(url + '/vigil/targets');
    assert.equal(page.status, 200);
    assert.equal(page.body.toString(), INDEX);
    const asset = new URL('./assets/index-AbC123.js', url + '/vigil/targets');
    assert.equal(asset.pathname, '/vigil/assets/index-AbC123.js');
    assert.equal((await get(asset.href)).status, 200);
    // `/vigil` without the slash would make `./assets/` point outside the prefix: redirect to `/vigil/`.
    const bare = await get(url + '/vigil?g0.expr=up');
    assert.equal(bare.status, 302);
    assert.equal(new URL(String(bare.headers['location']), url + '/vigil').pathname, '/vigil/');
    assert.equal(new URL(String(bare.headers['location']), url + '/vigil').search, '?g0.expr=up');
    assert.equal((await get(url + '/vigil/')).status, 200);
    const slash = await get(url + '/vigil/targets/?x=1');
    assert.equal(slash.status, 301);
    assert.equal(new URL(String(slash.headers['location']), url + '/vigil/targets/').href, url + '/vigil/targets?x=1');
    assert.equal((await get(url + '/targets')).status, 404);
  } finally {
    server.close();
    ui.cleanup();
  }
});

test('a UI that is not built: pages say how to build it, / is left to the router', async () => {
  const t = tempDir('vigil-ui-missing-');
  rmSync(t.path, { recursive: true, force: true });
  const { url, server } = await serve(t.path);
  try {
    const r = await get(url + '/query');
    assert.equal(r.status, 503);
    assert.match(r.body.toString(), /npm run build:assets -w @vigil\/ui/);
    assert.equal((await get(url + '/')).status, 404);
    assert.equal((await get(url + '/assets/index-AbC123.js')).status, 404);
  } finally {
    server.close();
    t.cleanup();
  }
});
