/**
 * Malformed requests never crash the server: bad escapes, huge and deeply nested queries, absurd times
 * and steps, oversized bodies, wrong content types, broken HTTP on the socket, random PromQL-ish text.
 * Each gets an answer (an error with Prometheus's wording where it has one) and the server keeps serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Labels } from '@vigil/model';
import { openMemoryDB } from '@vigil/tsdb';
import { xorshift32 } from '@vigil/testkit';
import { get, qs, startApiServer, type ApiServer } from './test-helpers.js';

const NOW = 1_700_000_000_000;

/** Sends raw bytes and returns what came back before the server closed or 2 s passed. */
function raw(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      s.destroy();
      resolve(out);
    };
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.setTimeout(2000, done);
    s.write(data);
  });
}

describe('malformed requests', () => {
  let srv: ApiServer;
  let port: number;

  before(async () => {
    const head = openMemoryDB();
    const app = head.appender();
    for (let k = 39; k >= 0; k--) app.append(0, Labels.fromObject({ __name__: 'up', job: 'a' }), NOW - k * 15000, 1);
    await app.commit();
    srv = await startApiServer(head, { now: () => NOW });
    port = Number(new URL(srv.url).port);
  });

  after(async () => {
    // Still serving after everything below.
    const r = await get(`${srv.url}/api/v1/query?query=up`);
    assert.equal(r.status, 200);
    await srv.close();
  });

  const bad: Array<[string, string, number, string?]> = [
    ['bad escape drops the pair', '/api/v1/query?query=%zz', 400, 'invalid parameter \\"query\\": unknown position: parse error: no expression found in input'],
    ['semicolon', '/api/v1/series?match[]=up;x', 400, 'error parsing form values: invalid semicolon separator in query'],
    ['invalid UTF-8', '/api/v1/query?query=up%ff', 400],
    ['huge time', '/api/v1/query_range?query=1&start=1e308&end=1e308&step=1', 400, 'invalid parameter \\"start\\": cannot parse \\"1e308\\" to a valid timestamp'],
    ['time beyond int64', '/api/v1/query?query=1&time=1e17', 400],
    ['tiny step', '/api/v1/query_range?query=1&start=0&end=1000&step=0.000000001', 400, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
    ['NaN step', '/api/v1/query_range?query=1&start=0&end=1&step=NaN', 400],
    ['infinite step', '/api/v1/query_range?query=1&start=0&end=1&step=Inf', 400, 'invalid parameter \\"step\\": cannot parse \\"Inf\\" to a valid duration. It overflows int64'],
    ['negative timeout', '/api/v1/query?query=1&timeout=-1', 503],
    ['limit out of range', '/api/v1/labels?limit=99999999999999999999', 400, 'invalid parameter \\"limit\\": strconv.Atoi: parsing \\"99999999999999999999\\": value out of range'],
    ['bad lookback_delta', '/api/v1/query?query=1&lookback_delta=x', 400, 'error parsing lookback delta duration: cannot parse \\"x\\" to a valid duration'],
    ['empty selector', '/api/v1/series?match[]=', 400],
    ['label name with a bad escape', '/api/v1/label/%ff/values', 200],
    ['deep nesting', `/api/v1/query?${qs({ query: '('.repeat(20000) + '1' + ')'.repeat(20000) })}`, 400],
    ['long unary chain (the parser refuses more than ~2,000 levels)', `/api/v1/query?${qs({ query: '-'.repeat(20000) + '1' })}`, 400, 'expression nested too deeply to parse'],
    ['long query', `/api/v1/query?${qs({ query: 'a'.repeat(200000) })}`, 200],
    ['many match[]', `/api/v1/series?${qs({ 'match[]': Array.from({ length: 2000 }, (_, i) => `m${i}`) })}`, 200],
    ['regex that does not compile', `/api/v1/series?${qs({ 'match[]': 'up{job=~"("}' })}`, 400],
    ['binary in query', `/api/v1/query?query=${encodeURIComponent('\u0000\u0001\u00ff')}`, 400],
    ['absolute-form URL', '/api/v1/query?query=1', 200],
  ];

  for (const [name, path, status, contains] of bad) {
    it(name, async () => {
      const r = await get(srv.url + path);
      assert.equal(r.status, status, r.body.slice(0, 300));
      if (contains) assert.ok(r.body.includes(contains), r.body.slice(0, 300));
      if (path.startsWith('/api/') && r.status !== 204) assert.doesNotThrow(() => JSON.parse(r.body), r.body.slice(0, 200));
    });
  }

  it('a form body over 10 MiB is refused', async () => {
    const r = await get(`${srv.url}/api/v1/series`, { form: { 'match[]': 'up', pad: 'x'.repeat(11 << 20) } });
    assert.deepEqual([r.status, JSON.parse(r.body).error], [400, 'error parsing form values: http: POST too large']);
  });

  it('a JSON body is not a form', async () => {
    const r = await get(`${srv.url}/api/v1/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
  });

  const rawCases: Array<[string, string | Buffer, RegExp]> = [
    ['not HTTP', 'GARBAGE\r\n\r\n', /^HTTP\/1\.1 400/],
    ['bad Content-Length', 'POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', /^HTTP\/1\.1 400/],
    ['bad chunk size', 'POST /api/v1/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\nquery=1\r\n0\r\n\r\n', /^HTTP\/1\.1 400/],
    ['random bytes', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256)), /^(HTTP\/1\.1 400|$)/],
    ['absolute-form target', 'GET http://example.com/api/v1/query?query=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 200/],
    ['huge header', `GET /api/v1/query?query=1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1100000)}\r\n\r\n`, /^HTTP\/1\.1 431/],
  ];
  for (const [name, data, want] of rawCases) {
    it(`raw: ${name}`, async () => {
      const out = await raw(port, data);
      assert.match(out, want, out.slice(0, 200));
    });
  }

  it('random PromQL-ish text always gets a JSON answer', async () => {
    const tokens = ['up', 'sum', '(', ')', '{', '}', '[', ']', '5m', ':', 'by', 'job', '=', '"a"', ',', '+', '/', 'offset', '@', 'rate', 'topk', '1', 'bool', '>', 'on', 'group_left', '~', '!', '#', '\\', 'NaN', '1e400', '0x', '`', "'"];
    const r = xorshift32(99);
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(r() * 12);
      let q = '';
      for (let k = 0; k < n; k++) q += tokens[Math.floor(r() * tokens.length)] + (r() < 0.3 ? ' ' : '');
      const res = await get(`${srv.url}/api/v1/query?${qs({ query: q, time: String(NOW / 1000) })}`);
      assert.ok([200, 400, 422].includes(res.status), `${q}: ${res.status} ${res.body.slice(0, 200)}`);
      const body = JSON.parse(res.body);
      assert.ok(body.status === 'success' || (body.status === 'error' && typeof body.error === 'string'), q);
    }
  });
});
