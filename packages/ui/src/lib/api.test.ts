import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, ApiError, formatSeries } from './api.js';

function fakeFetch(answer: (url: string, init: RequestInit) => { status: number; body: string }) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init: init ?? {} });
    const a = answer(url, init ?? {});
    return new Response(a.body, { status: a.status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
  return { fn, calls };
}

test('query sends the expression and time, returns data with warnings', async () => {
  const f = fakeFetch(() => ({ status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["w1"],"infos":["i1"]}' }));
  const api = new ApiClient({ baseUrl: 'http://h:1/prefix/', fetch: f.fn });
  const r = await api.query('up{a="b"}', 1714564800500);
  assert.deepEqual(r, { data: { resultType: 'vector', result: [] }, warnings: ['w1'], infos: ['i1'] });
  const u = new URL(f.calls[0]!.url);
  assert.equal(u.pathname, '/prefix/api/v1/query');
  assert.equal(u.searchParams.get('query'), 'up{a="b"}');
  assert.equal(u.searchParams.get('time'), '1714564800.5');
  assert.equal(f.calls[0]!.init.method, undefined);
});

test('long requests go as a POST form', async () => {
  const f = fakeFetch(() => ({ status: 200, body: '{"status":"success","data":{"resultType":"matrix","result":[]}}' }));
  const api = new ApiClient({ baseUrl: '', fetch: f.fn });
  const expr = `sum(${'x + '.repeat(1000)}1)`;
  await api.queryRange(expr, 0, 3600_000, 14);
  const c = f.calls[0]!;
  assert.equal(c.url, '/api/v1/query_range');
  assert.equal(c.init.method, 'POST');
  const form = new URLSearchParams(String(c.init.body));
  assert.equal(form.get('query'), expr);
  assert.deepEqual([form.get('start'), form.get('end'), form.get('step')], ['0', '3600', '14']);
});

test('API errors keep their errorType and message', async () => {
  const cases: { status: number; body: string; type: string; message: RegExp }[] = [
    { status: 400, body: '{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}', type: 'bad_data', message: /parse error/ },
    { status: 422, body: '{"status":"error","errorType":"execution","error":"query processing would load too many samples"}', type: 'execution', message: /too many samples/ },
    { status: 502, body: '<html>Bad gateway</html>', type: 'bad_response', message: /HTTP 502 with a body that is not JSON/ },
  ];
  for (const c of cases) {
    const api = new ApiClient({ baseUrl: '', fetch: fakeFetch(() => ({ status: c.status, body: c.body })).fn });
    await assert.rejects(api.query('x'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.errorType, c.type);
      assert.equal(e.status, c.status);
      assert.match(e.message, c.message);
      return true;
    });
  }
  const down = new ApiClient({ baseUrl: 'http://127.0.0.1:1', fetch: (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch });
  await assert.rejects(down.flags(), /cannot reach http:\/\/127\.0\.0\.1:1\/api\/v1\/status\/flags: fetch failed/);
});

test('label values, series and targets use Prometheus paths', async () => {
  const f = fakeFetch(() => ({ status: 200, body: '{"status":"success","data":[]}' }));
  const api = new ApiClient({ baseUrl: '/p', fetch: f.fn });
  await api.labelValues('__name__', ['up', 'x{a="b"}']);
  await api.series(['up'], 1000, 2000);
  await api.targets('active');
  await api.tsdbStatus(5);
  const urls = f.calls.map((c) => decodeURIComponent(c.url));
  assert.deepEqual(urls, [
    '/p/api/v1/label/__name__/values?match[]=up&match[]=x{a="b"}',
    '/p/api/v1/series?match[]=up&start=1&end=2',
    '/p/api/v1/targets?state=active',
    '/p/api/v1/status/tsdb?limit=5',
  ]);
});

test('formatSeries prints label sets as PromQL', () => {
  assert.equal(formatSeries({ __name__: 'up', job: 'a', instance: 'b' }), 'up{instance="b", job="a"}');
  assert.equal(formatSeries({ __name__: 'up' }), 'up');
  assert.equal(formatSeries({}), '{}');
  assert.equal(formatSeries({ v: 'a"b\\c\n' }), '{v="a\\"b\\\\c\\n"}');
});
