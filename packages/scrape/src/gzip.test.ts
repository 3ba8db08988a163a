/**
 * gzip bodies: small ones are inflated in one call when the body has arrived, large ones as they stream
 * (a compressed body over 1 MiB, or one inflating past 16 MiB); each way gives the same samples, and a
 * corrupt or truncated body fails the scrape with Prometheus's words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { serve, jobConfig, loopFor } from './test-helpers.js';

const TEXT = 'text/plain; version=0.0.4';

function body(kind: string): Buffer {
  const samples = 'a{x="1"} 1\nb 2\n';
  switch (kind) {
    case 'small':
      return gzipSync(samples);
    case 'inflates past 16 MiB': {
      // 20 MiB of comment lines compress to a few KiB.
      const comment = '# ' + 'x'.repeat(1 << 20) + '\n';
      return gzipSync(comment.repeat(20) + samples);
    }
    case 'over 1 MiB compressed': {
      // Random base64 compresses to about three quarters of its size.
      let noise = '';
      for (let i = 0; i < 2048; i++) noise += '# ' + randomBytes(768).toString('base64') + '\n';
      return gzipSync(noise + samples);
    }
    case 'corrupt':
      return Buffer.concat([gzipSync(samples).subarray(0, 10), Buffer.from('not deflate data at all')]);
    case 'truncated':
      return gzipSync(samples).subarray(0, 20);
    case 'empty':
      return Buffer.alloc(0);
    case 'not gzip':
      return Buffer.from(samples);
  }
  throw new Error(kind);
}

test('gzip bodies, inflated at once or as they stream, and broken ones', { timeout: 60_000 }, async () => {
  const bodies = new Map<string, Buffer>();
  const srv = await serve((req, res) => {
    res.setHeader('content-type', TEXT);
    res.setHeader('content-encoding', 'gzip');
    res.end(bodies.get(req.url!.slice(1)));
  });
  const cases: Array<[string, string | undefined]> = [
    ['small', undefined],
    ['inflates past 16 MiB', undefined],
    ['over 1 MiB compressed', undefined],
    ['corrupt', 'gzip: invalid block type'],
    ['truncated', 'unexpected EOF'],
    ['empty', 'unexpected EOF'],
    ['not gzip', 'gzip: invalid header'],
  ];
  try {
    for (const [kind, err] of cases) {
      const path = kind.replace(/\W/g, '-');
      bodies.set(path, body(kind));
      const f = loopFor(jobConfig(`scrape_interval: 15s\nmetrics_path: /${path}`), srv.host, { defaultBodySizeLimit: 64 << 20 });
      const r = await f.loop.scrapeAndReport(1_700_000_000_000);
      f.close();
      assert.equal(r.error, err, kind);
      if (err === undefined) {
        assert.equal(f.storage.last({ __name__: 'a', x: '1' }), 1, kind);
        assert.equal(f.storage.last({ __name__: 'b' }), 2, kind);
      } else {
        assert.equal(f.storage.last({ __name__: 'up' }), 0, kind);
      }
    }
  } finally {
    await srv.close();
  }
});
