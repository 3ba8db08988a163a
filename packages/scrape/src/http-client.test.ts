/**
 * The scrape client's redirects (followed up to 10 times unless `follow_redirects: false`, credentials
 * kept for the same host only), statuses, and a body cut off by the server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, jobConfig, loopFor } from './test-helpers.js';

const TEXT = 'text/plain; version=0.0.4';

test('redirects, statuses and a cut-off body', async () => {
  let port = 0;
  const srv = await serve((req, res) => {
    const go = (to: string) => {
      res.writeHead(302, { location: to });
      res.end('moved');
    };
    switch (req.url) {
      case '/r1':
        return go('/r2');
      case '/r2':
        return go(`http://127.0.0.1:${port}/metrics`);
      case '/away':
        return go(`http://localhost:${port}/metrics`);
      case '/loop':
        return go('/loop');
      case '/cut':
        res.writeHead(200, { 'content-type': TEXT, 'content-length': '100' });
        res.write('a 1\n');
        setTimeout(() => res.destroy(), 20);
        return;
      case '/metrics':
        res.setHeader('content-type', TEXT);
        res.end(`seen{auth="${req.headers.authorization ?? ''}"} 1\n`);
        return;
    }
    res.writeHead(404);
    res.end();
  });
  port = Number(srv.host.split(':')[1]);
  const cases: Array<[string, string, string | undefined, string | undefined]> = [
    // [path, extra config, error, authorization seen by /metrics]
    ['/r1', '', undefined, 'Bearer tok'],
    ['/away', '', undefined, ''],
    ['/loop', '', `Get "http://${srv.host}/loop": stopped after 10 redirects`, undefined],
    ['/r1', 'follow_redirects: false', 'server returned HTTP status 302 Found', undefined],
    ['/cut', '', 'unexpected EOF', undefined],
    ['/nope', '', 'server returned HTTP status 404 Not Found', undefined],
  ];
  try {
    for (const [path, extra, err, auth] of cases) {
      const f = loopFor(jobConfig(`scrape_interval: 15s\nmetrics_path: ${path}\nbearer_token: tok\n${extra}`), srv.host);
      const r = await f.loop.scrapeAndReport(1_700_000_000_000);
      f.close();
      assert.equal(r.error, err, `${path} ${extra}`);
      if (auth !== undefined) assert.equal(f.storage.select({ __name__: 'seen' })[0].get('auth'), auth, `${path}: authorization`);
    }
    const loops = srv.requests.filter((r) => r.url === '/loop').length;
    assert.equal(loops, 10, 'ten requests, then it stops');
  } finally {
    await srv.close();
  }
});
