/**
 * The API over an in-memory head: federation, exemplars, limits, annotations, statistics, readiness,
 * compression, CORS, route prefix, lifecycle, cancellation and timeouts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { Labels, STALE_NAN, VigilError } from '@vigil/model';
import { Engine, type QueryOptions, type QueryResult } from '@vigil/promql';
import { openMemoryDB, type Head, type Queryable } from '@vigil/tsdb';
import { get, qs, startApiServer, type ApiServer } from './test-helpers.js';

const NOW = 1_700_000_000_000;

async function fill(head: Head): Promise<void> {
  const app = head.appender();
  const L = (o: Record<string, string>) => Labels.fromObject(o);
  for (let k = 0; k <= 20; k++) {
    const t = NOW - 300_000 + k * 15_000;
    app.append(0, L({ __name__: 'up', job: 'api', instance: 'a:1' }), t, 1);
    app.append(0, L({ __name__: 'up', job: 'api', instance: 'b:1' }), t, k < 20 ? 1 : STALE_NAN);
    app.append(0, L({ __name__: 'requests_total', job: 'api', instance: 'a:1', dc: 'x' }), t, 10 * k);
    app.append(0, L({ __name__: 'no_instance', job: 'batch' }), t, 0.5);
  }
  app.appendExemplar(0, L({ __name__: 'requests_total', job: 'api', instance: 'a:1', dc: 'x' }), { labels: L({ trace_id: 'abc<1>' }), value: 19, t: NOW - 1500 });
  await app.commit();
}

describe('API over an in-memory head', () => {
  let head: Head;
  let srv: ApiServer;

  before(async () => {
    head = openMemoryDB();
    await fill(head);
    srv = await startApiServer(head, { now: () => NOW, configYAML: 'global:\n  external_labels:\n    dc: y\n    region: eu\n' });
  });
  after(() => srv.close());

  it('federates the newest sample of each series with external labels, instance="" and no stale series', async () => {
    const r = await get(`${srv.url}/federate?${qs({ 'match[]': ['{job="api"}', 'no_instance', 'up{instance="a:1"}'] })}`);
    assert.equal(r.status, 200);
    assert.equal(r.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(
      r.body,
      [
        '# TYPE no_instance untyped',
        `no_instance{job="batch",dc="y",instance="",region="eu"} 0.5 ${NOW}`,
        '# TYPE requests_total untyped',
        `requests_total{dc="x",instance="a:1",job="api",region="eu"} 200 ${NOW}`,
        '# TYPE up untyped',
        `up{instance="a:1",job="api",dc="y",region="eu"} 1 ${NOW}`,
        '',
      ].join('\n'),
    );
  });

  it('federation with {__name__=~".*"} selects every series', async () => {
    const r = await get(`${srv.url}/federate?${qs({ 'match[]': '{__name__=~".*"}' })}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length, 3);
  });

  it('returns exemplars', async () => {
    const r = await get(`${srv.url}/api/v1/query_exemplars?${qs({ query: 'sum(rate(requests_total[5m]))', start: String((NOW - 60000) / 1000), end: String(NOW / 1000) })}`);
    assert.equal(
      r.body,
      `{"status":"success","data":[{"seriesLabels":{"__name__":"requests_total","dc":"x","instance":"a:1","job":"api"},"exemplars":[{"labels":{"trace_id":"abc\\u003c1\\u003e"},"value":"19","timestamp":1699999998.500}]}]}`,
    );
  });

  it('limits results and says so', async () => {
    const r = await get(`${srv.url}/api/v1/query?${qs({ query: 'up', time: String(NOW / 1000 - 30), limit: '1' })}`);
    const body = JSON.parse(r.body);
    assert.equal(body.data.result.length, 1);
    assert.deepEqual(body.warnings, ['results truncated due to limit']);
    const s = await get(`${srv.url}/api/v1/series?${qs({ 'match[]': ['up', 'no_instance'], limit: '2' })}`);
    assert.deepEqual(JSON.parse(s.body).warnings, ['results truncated due to limit']);
    assert.equal(JSON.parse(s.body).data.length, 2);
    const l = await get(`${srv.url}/api/v1/labels?limit=2`);
    assert.deepEqual(JSON.parse(l.body), { status: 'success', data: ['__name__', 'dc'], warnings: ['results truncated due to limit'] });
  });

  it('carries annotations as infos and warnings', async () => {
    const r = await get(`${srv.url}/api/v1/query?${qs({ query: 'rate(up[5m])', time: String(NOW / 1000) })}`);
    assert.deepEqual(JSON.parse(r.body).infos, ['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "up" (1:6)']);
  });

  it('adds statistics with stats=true, and a deprecation warning for other values', async () => {
    const r = await get(`${srv.url}/api/v1/query?${qs({ query: 'up', time: String(NOW / 1000), stats: 'yes' })}`);
    const body = JSON.parse(r.body);
    assert.deepEqual(Object.keys(body.data.stats.timings), ['evalTotalTime', 'resultSortTime', 'queryPreparationTime', 'innerEvalTime', 'execQueueTime', 'execTotalTime']);
    assert.equal(typeof body.data.stats.samples.peakSamples, 'number');
    assert.deepEqual(body.warnings, ['value "yes" for parameter "stats" is deprecated and will be rejected in the next major release, use "true" or "all"']);
  });

  it('parse_query returns the syntax tree as Prometheus 3.x does', async () => {
    const r = await get(`${srv.url}/api/v1/parse_query?${qs({ query: 'sum by (job) (rate(up{a="b"}[5m] offset 1m)) > 1' })}`);
    assert.equal(
      r.body,
      '{"status":"success","data":{"bool":false,"lhs":{"expr":{"args":[{"anchored":false,"matchers":[{"name":"a","type":"=","value":"b"},{"name":"__name__","type":"=","value":"up"}],' +
        '"name":"up","offset":60000,"offsetExpr":null,"range":300000,"rangeExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,"type":"matrixSelector"}],' +
        '"func":{"argTypes":["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call"},"grouping":["job"],"op":"sum","param":null,"type":"aggregation","without":false},' +
        '"matching":null,"op":"\\u003e","rhs":{"type":"numberLiteral","val":"1"},"type":"binaryExpr"}}',
    );
  });

  it('compresses with gzip when asked', async () => {
    const r = await fetch(`${srv.url}/api/v1/series?${qs({ 'match[]': '{__name__=~".+"}' })}`, { headers: { 'Accept-Encoding': 'gzip' } });
    const raw = Buffer.from(await r.arrayBuffer());
    // fetch decodes the body itself; the header says what went over the wire.
    assert.equal(r.headers.get('content-encoding') ?? 'identity', raw.length < 1024 ? 'identity' : 'gzip');
    const big = await new Promise<{ enc: string | undefined; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get: httpGet }) => {
        httpGet(`${srv.url}/api/v1/query_range?${qs({ query: 'up', start: String(NOW / 1000 - 300), end: String(NOW / 1000), step: '1' })}`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => resolve({ enc: res.headers['content-encoding'], body: Buffer.concat(parts) }));
        }).on('error', reject);
      }, reject);
    });
    assert.equal(big.enc, 'gzip');
    assert.equal(JSON.parse(gunzipSync(big.body).toString()).status, 'success');
  });

  it('sets CORS headers for a browser origin and answers OPTIONS', async () => {
    const r = await fetch(`${srv.url}/api/v1/labels`, { headers: { Origin: 'http://grafana.example' } });
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(r.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
    await r.arrayBuffer();
    const o = await fetch(`${srv.url}/api/v1/query`, { method: 'OPTIONS', headers: { Origin: 'http://x' } });
    assert.equal(o.status, 204);
  });

  it('answers HEAD and other methods as Prometheus does', async () => {
    assert.equal((await get(`${srv.url}/-/healthy`, { method: 'HEAD' })).status, 200);
    assert.equal((await get(`${srv.url}/-/ready`, { method: 'HEAD' })).status, 200);
    const r = await get(`${srv.url}/api/v1/label/job/values`, { method: 'POST', form: {} });
    assert.equal(r.status, 405);
    assert.equal((await get(`${srv.url}/api/v1/query`, { method: 'DELETE' })).status, 405);
    assert.equal((await get(`${srv.url}/nope`)).status, 404);
  });

  it('reports the head cardinality in /api/v1/status/tsdb as Prometheus computes it', async () => {
    const r = JSON.parse((await get(`${srv.url}/api/v1/status/tsdb?limit=2`)).body);
    assert.deepEqual(r.data.headStats, { numSeries: 4, numLabelPairs: 8, chunkCount: 4, minTime: NOW - 300_000, maxTime: NOW });
    assert.deepEqual(r.data.seriesCountByMetricName, [{ name: 'up', value: 2 }, { name: 'no_instance', value: 1 }]);
    assert.deepEqual(r.data.labelValueCountByLabelName, [{ name: '__name__', value: 3 }, { name: 'instance', value: 2 }]);
    // (len+1 for the name) + (len+1 for the value), times the series: __name__ is 9 bytes with its prefix.
    const nameBytes = (9 + 3) * 2 + (9 + 15) + (9 + 12);
    assert.deepEqual(r.data.memoryInBytesByLabelName[0], { name: '__name__', value: nameBytes });
    assert.deepEqual(r.data.seriesCountByLabelValuePair, [{ name: 'job=api', value: 3 }, { name: '__name__=up', value: 2 }]);
    const bad = await get(`${srv.url}/api/v1/status/tsdb?limit=0`);
    assert.deepEqual([bad.status, JSON.parse(bad.body).error], [400, 'limit must be a positive number']);
  });

  it('names the server in /-/healthy and /-/ready', async () => {
    assert.equal((await get(`${srv.url}/-/healthy`)).body, 'Vigil Server is Healthy.\n');
    assert.equal((await get(`${srv.url}/-/ready`)).body, 'Vigil Server is Ready.\n');
  });
});

describe('readiness, route prefix, lifecycle', () => {
  it('answers 503 until ready, /-/healthy at once', async () => {
    const srv = await startApiServer(openMemoryDB(), { ready: false });
    try {
      assert.equal((await get(`${srv.url}/-/healthy`)).status, 200);
      const r = await get(`${srv.url}/-/ready`);
      assert.deepEqual([r.status, r.body], [503, 'Service Unavailable']);
      assert.equal((await get(`${srv.url}/api/v1/query?query=1`)).status, 503);
      assert.equal((await get(`${srv.url}/api/v1/status/walreplay`)).status, 200);
      srv.web.setReady(true);
      assert.equal((await get(`${srv.url}/api/v1/query?query=1`)).status, 200);
    } finally {
      await srv.close();
    }
  });

  it('serves everything under --web.route-prefix', async () => {
    const srv = await startApiServer(openMemoryDB(), { routePrefix: '/prom/' });
    try {
      assert.equal((await get(`${srv.url}/api/v1/query?query=1`)).status, 200);
      assert.equal((await get(`${srv.url}/-/healthy`)).status, 200);
      const root = srv.url.replace(/\/prom$/, '');
      assert.equal((await get(`${root}/api/v1/query?query=1`)).status, 404);
      const redirect = await fetch(`${root}/`, { redirect: 'manual' });
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get('location'), '/prom');
    } finally {
      await srv.close();
    }
  });

  it('reloads and quits through the lifecycle API; says why a reload failed', async () => {
    let reloads = 0;
    let fail = false;
    let quit = false;
    const srv = await startApiServer(openMemoryDB(), {
      enableLifecycle: true,
      onReload: async () => {
        reloads++;
        if (fail) throw new Error('bad.yml:3:1: field scrape_interval: not a valid duration string: "x"');
      },
      onQuit: () => {
        quit = true;
      },
    });
    try {
      assert.equal((await get(`${srv.url}/-/reload`, { method: 'POST' })).status, 200);
      fail = true;
      const r = await get(`${srv.url}/-/reload`, { method: 'PUT' });
      assert.deepEqual([r.status, r.body], [500, 'failed to reload config: bad.yml:3:1: field scrape_interval: not a valid duration string: "x"\n']);
      assert.equal(reloads, 2);
      const g = await get(`${srv.url}/-/quit`);
      assert.deepEqual([g.status, g.body], [405, 'Only POST or PUT requests allowed']);
      const q = await get(`${srv.url}/-/quit`, { method: 'POST' });
      assert.deepEqual([q.status, q.body], [200, 'Requesting termination... Goodbye!']);
      await new Promise((r) => setImmediate(r));
      assert.equal(quit, true);
      assert.equal((await get(`${srv.url}/-/quit`, { method: 'POST' })).body, 'Termination already in progress.');
    } finally {
      await srv.close();
    }
  });

  it('refuses the lifecycle API when not enabled', async () => {
    const srv = await startApiServer(openMemoryDB());
    try {
      const r = await get(`${srv.url}/-/reload`, { method: 'POST' });
      assert.deepEqual([r.status, r.body], [403, 'Lifecycle API is not enabled.']);
    } finally {
      await srv.close();
    }
  });
});

/** An engine whose queries wait until their signal aborts, recording what happened. */
class WaitingEngine extends Engine {
  readonly aborted: string[] = [];
  started = 0;
  override async instantQuery(_q: Queryable, query: string, _t: number, options: QueryOptions = {}): Promise<QueryResult> {
    this.started++;
    const signal = options.signal!;
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.aborted.push(query);
    throw new VigilError('canceled', 'query was canceled in expression evaluation');
  }
}

describe('cancellation and timeouts', () => {
  it('aborts the query when the client goes away', async () => {
    const engine = new WaitingEngine();
    const srv = await startApiServer(openMemoryDB(), { engine });
    try {
      const ac = new AbortController();
      const pending = fetch(`${srv.url}/api/v1/query?query=slow`, { signal: ac.signal }).catch((e: Error) => e);
      while (engine.started === 0) await new Promise((r) => setTimeout(r, 5));
      ac.abort();
      await pending;
      for (let i = 0; i < 200 && engine.aborted.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(engine.aborted, ['slow']);
    } finally {
      await srv.close();
    }
  });

  it('ends a query at its timeout parameter with errorType timeout', async () => {
    const srv = await startApiServer(openMemoryDB(), { engine: new WaitingEngine() });
    try {
      const r = await get(`${srv.url}/api/v1/query?query=slow&timeout=50ms`);
      assert.deepEqual([r.status, r.body], [503, '{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}']);
    } finally {
      await srv.close();
    }
  });

  it('queues queries beyond --query.max-concurrency; a client leaving the queue frees its place', async () => {
    const engine = new WaitingEngine();
    const srv = await startApiServer(openMemoryDB(), { engine, apiOptions: { maxConcurrency: 1 } });
    try {
      const first = get(`${srv.url}/api/v1/query?query=one&timeout=300ms`);
      while (engine.started === 0) await new Promise((r) => setTimeout(r, 5));
      const ac = new AbortController();
      const second = fetch(`${srv.url}/api/v1/query?query=two`, { signal: ac.signal }).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(engine.started, 1, 'the second query waits');
      ac.abort();
      await second;
      assert.equal((await first).status, 503);
      const third = await get(`${srv.url}/api/v1/query?query=three&timeout=20ms`);
      assert.equal(third.status, 503);
      assert.equal(engine.started, 2, 'the canceled query never ran');
    } finally {
      await srv.close();
    }
  });

  it('a real query over many series stops when the client goes away', async () => {
    const head = openMemoryDB();
    const app = head.appender();
    for (let s = 0; s < 3000; s++) {
      for (let k = 0; k < 240; k++) app.append(0, Labels.fromObject({ __name__: 'm', i: String(s) }), NOW - 3_600_000 + k * 15_000, k);
    }
    await app.commit();
    const outcomes: string[] = [];
    class Recording extends Engine {
      override async rangeQuery(q: Queryable, query: string, start: number, end: number, step: number, options?: QueryOptions): Promise<QueryResult> {
        try {
          return await super.rangeQuery(q, query, start, end, step, options);
        } catch (e) {
          outcomes.push((e as Error).message);
          throw e;
        }
      }
    }
    const srv = await startApiServer(head, { engine: new Recording() });
    try {
      const ac = new AbortController();
      const url = `${srv.url}/api/v1/query_range?${qs({ query: 'quantile_over_time(0.5, (m * on(i) group_left m)[30m:10s])', start: String(NOW / 1000 - 3600), end: String(NOW / 1000), step: '10' })}`;
      const pending = fetch(url, { signal: ac.signal }).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      await pending;
      for (let i = 0; i < 600 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(outcomes.length, 1, 'the query ended');
      assert.match(outcomes[0], /^query was canceled in /);
    } finally {
      await srv.close();
    }
  });
});
