import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, createGzip } from 'node:zlib';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isStaleNaN } from '@vigil/model';
import { serve, jobConfig, loopFor, memoryLogger } from './test-helpers.js';
import { ScrapeStats, goDurationString } from './scrape-stats.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const T0 = 1_700_000_000_000;

test('a text-format scrape stores samples with job and instance, the synthetic series and metadata', async () => {
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end('# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total{code="200"} 10\nhttp_requests_total{code="500"} 2\n# TYPE temp gauge\ntemp 21.5\n');
  });
  const f = loopFor(jobConfig('scrape_interval: 15s'), srv.host);
  try {
    const r = await f.loop.scrapeAndReport(T0);
    assert.equal(r.error, undefined);
    const s = f.storage;
    const base = { job: 'test', instance: srv.host };
    assert.deepEqual(s.samples({ __name__: 'http_requests_total', code: '200', ...base }), { t: [T0], v: new Float64Array([10]) });
    assert.equal(s.last({ __name__: 'temp', ...base }), 21.5);
    assert.equal(s.last({ __name__: 'up', ...base }), 1);
    assert.equal(s.last({ __name__: 'scrape_samples_scraped', ...base }), 3);
    assert.equal(s.last({ __name__: 'scrape_samples_post_metric_relabeling', ...base }), 3);
    assert.equal(s.last({ __name__: 'scrape_series_added', ...base }), 3);
    assert.ok(s.last({ __name__: 'scrape_duration_seconds', ...base }) > 0);
    assert.equal(f.target.health, 'up');
    assert.equal(f.target.lastError, '');
    assert.ok(f.target.lastScrape > 0);
    assert.deepEqual(f.target.getMetadata('http_requests_total'), { metric: 'http_requests_total', type: 'counter', help: 'Requests.', unit: '' });
    assert.equal(f.target.getMetadata('temp')?.type, 'gauge');
    const req = srv.requests[0];
    assert.equal(req.url, '/metrics');
    assert.equal(req.headers.accept, 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2');
    assert.equal(req.headers['accept-encoding'], 'gzip');
    assert.equal(req.headers['x-prometheus-scrape-timeout-seconds'], '10');
    assert.match(req.headers['user-agent'] ?? '', /^Vigil\//);
  } finally {
    f.close();
    await srv.close();
  }
});

test('the second scrape of the same series appends by ref: no label sets, no relabeling', async () => {
  const body = Array.from({ length: 50 }, (_, i) => `m{i="${i}"} ${i}`).join('\n') + '\n';
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end(body);
  });
  const f = loopFor(jobConfig('scrape_interval: 15s'), srv.host);
  try {
    await f.loop.scrapeAndReport(T0);
    const first = f.storage.appendsByLabels;
    assert.equal(first, 50 + 5);
    await f.loop.scrapeAndReport(T0 + 15_000);
    await f.loop.scrapeAndReport(T0 + 30_000);
    assert.equal(f.storage.appendsByLabels, first, 'steady state appends only by ref');
    assert.equal(f.storage.samples({ __name__: 'm', i: '7', job: 'test', instance: srv.host }).t.length, 3);
    assert.equal(f.storage.last({ __name__: 'scrape_series_added' }), 0);
  } finally {
    f.close();
    await srv.close();
  }
});

test('OpenMetrics: timestamps honored (or not), exemplars stored, units kept', async () => {
  const body = '# TYPE req_requests counter\n# UNIT req_requests requests\n# HELP req_requests Requests.\nreq_requests_total 5 1700000000.5 # {trace_id="abc"} 1 1700000000.1\n# TYPE g gauge\ng 1\n# EOF\n';
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', OM);
    res.end(body);
  });
  const honor = loopFor(jobConfig('scrape_interval: 15s'), srv.host);
  const ignore = loopFor(jobConfig('scrape_interval: 15s\nhonor_timestamps: false'), srv.host);
  try {
    await honor.loop.scrapeAndReport(T0);
    assert.deepEqual(honor.storage.samples({ __name__: 'req_requests_total', job: 'test', instance: srv.host }).t, [1_700_000_000_500]);
    assert.equal(honor.storage.exemplars.length, 1);
    assert.equal(honor.storage.exemplars[0].exemplar.labels.get('trace_id'), 'abc');
    assert.equal(honor.storage.exemplars[0].exemplar.t, 1_700_000_000_100);
    assert.deepEqual(honor.target.getMetadata('req_requests'), { metric: 'req_requests', type: 'counter', help: 'Requests.', unit: 'requests' });
    await ignore.loop.scrapeAndReport(T0);
    assert.deepEqual(ignore.storage.samples({ __name__: 'req_requests_total', job: 'test', instance: srv.host }).t, [T0]);
  } finally {
    honor.close();
    ignore.close();
    await srv.close();
  }
});

test('gzip bodies are decompressed as they stream', async () => {
  const body = gzipSync(Buffer.from('a 1\nb 2\n'));
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.setHeader('content-encoding', 'gzip');
    res.end(body);
  });
  const f = loopFor(jobConfig('scrape_interval: 15s'), srv.host);
  try {
    assert.equal((await f.loop.scrapeAndReport(T0)).error, undefined);
    assert.equal(f.storage.last({ __name__: 'b' }), 2);
    assert.equal(srv.requests[0].headers['accept-encoding'], 'gzip');
    const plain = loopFor(jobConfig('scrape_interval: 15s\nenable_compression: false'), srv.host);
    await plain.loop.scrapeAndReport(T0).catch(() => undefined);
    plain.close();
    assert.equal(srv.requests[1].headers['accept-encoding'], 'identity');
  } finally {
    f.close();
    await srv.close();
  }
});

test('failed scrapes: the target is down with Prometheus error texts, and up is 0', async () => {
  const srv = await serve((req, res) => {
    switch (req.url) {
      case '/500':
        res.statusCode = 500;
        res.end('boom');
        return;
      case '/404':
        res.statusCode = 404;
        res.end();
        return;
      case '/garbage':
        res.setHeader('content-type', TEXT);
        res.end('<html>not metrics</html>\n');
        return;
      case '/blank':
        res.end('a 1\n');
        return;
      case '/json':
        res.setHeader('content-type', 'application/json');
        res.end('{}');
        return;
      case '/slow':
        setTimeout(() => {
          res.setHeader('content-type', TEXT);
          res.end('a 1\n');
        }, 2000).unref();
        return;
      case '/slowbody':
        res.setHeader('content-type', TEXT);
        res.write('a 1\n');
        return;
    }
  });
  const cases: Array<[string, string, string | RegExp]> = [
    ['/500', 'scrape_interval: 1s', 'server returned HTTP status 500 Internal Server Error'],
    ['/404', 'scrape_interval: 1s', 'server returned HTTP status 404 Not Found'],
    ['/garbage', 'scrape_interval: 1s', /^line 1, column 1: /],
    ['/blank', 'scrape_interval: 1s', 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target'],
    ['/json', 'scrape_interval: 1s', 'received unsupported Content-Type "application/json" and no fallback_scrape_protocol specified for target'],
    ['/slow', 'scrape_interval: 1s\nscrape_timeout: 150ms', `Get "http://${srv.host}/slow": context deadline exceeded`],
    ['/slowbody', 'scrape_interval: 1s\nscrape_timeout: 150ms', 'context deadline exceeded'],
  ];
  try {
    for (const [path, yaml, want] of cases) {
      const f = loopFor(jobConfig(`${yaml}\nmetrics_path: ${path}`), srv.host);
      const r = await f.loop.scrapeAndReport(T0);
      f.close();
      if (typeof want === 'string') assert.equal(r.error, want, path);
      else assert.match(r.error ?? '', want, path);
      assert.equal(f.target.health, 'down', path);
      assert.equal(f.target.lastError, r.error, path);
      assert.equal(f.storage.last({ __name__: 'up' }), 0, path);
      assert.equal(f.storage.select({ __name__: 'a' }).length, 0, path);
    }
    // With fallback_scrape_protocol a blank Content-Type is read in that format.
    const fb = loopFor(jobConfig('scrape_interval: 1s\nmetrics_path: /blank\nfallback_scrape_protocol: PrometheusText0.0.4'), srv.host);
    assert.equal((await fb.loop.scrapeAndReport(T0)).error, undefined);
    assert.equal(fb.storage.last({ __name__: 'a' }), 1);
    fb.close();
  } finally {
    await srv.close();
  }
  const refused = loopFor(jobConfig('scrape_interval: 1s'), srv.host);
  const r = await refused.loop.scrapeAndReport(T0);
  refused.close();
  assert.equal(r.error, `Get "http://${srv.host}/metrics": dial tcp ${srv.host}: connect: connection refused`);
});

test('limits fail the scrape with Prometheus texts and store nothing from it', async () => {
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end('a{x="1"} 1\na{x="2"} 2\nb{long_label_name="v",y="a-rather-long-value",z="3"} 3\n');
  });
  const cases: Array<[string, string]> = [
    ['sample_limit: 2', 'sample limit exceeded'],
    ['label_limit: 5', 'label_limit exceeded (metric: b, number of labels: 6, limit: 5)'],
    ['label_name_length_limit: 10', 'label_name_length_limit exceeded (metric: b, label name: long_label_name, length: 15, limit: 10)'],
    ['label_value_length_limit: 16', 'label_value_length_limit exceeded (metric: b, label name: y, value: "a-rather-long-value", length: 19, limit: 16)'],
    ['body_size_limit: 20B', 'body size limit exceeded'],
  ];
  try {
    for (const [yaml, want] of cases) {
      const f = loopFor(jobConfig(`scrape_interval: 1s\n${yaml}`), srv.host);
      const r = await f.loop.scrapeAndReport(T0);
      f.close();
      assert.equal(r.error, want, yaml);
      assert.equal(f.storage.select({ __name__: 'a' }).length, 0, `${yaml}: the batch is rolled back`);
      assert.equal(f.storage.last({ __name__: 'up' }), 0, yaml);
      if (yaml.startsWith('sample_limit')) assert.equal(f.storage.last({ __name__: 'scrape_samples_scraped' }), 3, 'every sample is still counted');
    }
    const ok = loopFor(jobConfig('scrape_interval: 1s\nsample_limit: 3\nlabel_limit: 6\nbody_size_limit: 1KB'), srv.host);
    assert.equal((await ok.loop.scrapeAndReport(T0)).error, undefined, 'limits that hold let the scrape through');
    ok.close();
  } finally {
    await srv.close();
  }
});

test('a gzip bomb and an endless body stop at the limit (or the default cap) with memory bounded', async () => {
  const srv = await serve((req, res) => {
    res.setHeader('content-type', TEXT);
    if (req.url === '/bomb') {
      // 256 MiB of metric lines compress to well under 1 MiB.
      res.setHeader('content-encoding', 'gzip');
      const gz = createGzip();
      gz.pipe(res);
      const line = Buffer.from('x 1\n'.repeat(16384));
      let sent = 0;
      const pump = () => {
        while (sent < 256 << 20) {
          sent += line.length;
          if (!gz.write(line)) return void gz.once('drain', pump);
        }
        gz.end();
      };
      res.on('close', () => gz.destroy());
      pump();
      return;
    }
    // Endless: never ends.
    const chunk = Buffer.from('y 1\n'.repeat(16384));
    const timer = setInterval(() => res.write(chunk), 1);
    res.on('close', () => clearInterval(timer));
  });
  try {
    const bomb = loopFor(jobConfig('scrape_interval: 10s\nmetrics_path: /bomb\nbody_size_limit: 4MB'), srv.host);
    const r1 = await bomb.loop.scrapeAndReport(T0);
    bomb.close();
    assert.equal(r1.error, 'body size limit exceeded');
    assert.ok(bomb.loop.bufferSize() <= 4 << 20, `buffer ${bomb.loop.bufferSize()} within the limit`);
    const endless = loopFor(jobConfig('scrape_interval: 10s\nmetrics_path: /endless'), srv.host, { defaultBodySizeLimit: 2 << 20 });
    const r2 = await endless.loop.scrapeAndReport(T0);
    endless.close();
    assert.equal(r2.error, 'body size limit exceeded', 'no body_size_limit: the default cap applies');
    assert.ok(endless.loop.bufferSize() <= 2 << 20);
    const extra = loopFor(jobConfig('scrape_interval: 10s\nmetrics_path: /bomb\nbody_size_limit: 1MB\nextra_scrape_metrics: true'), srv.host);
    await extra.loop.scrapeAndReport(T0);
    extra.close();
    assert.equal(extra.storage.last({ __name__: 'scrape_body_size_bytes' }), -1);
    assert.equal(extra.storage.last({ __name__: 'scrape_timeout_seconds' }), 10);
  } finally {
    await srv.close();
  }
});

test('staleness markers: for a series that disappears, and for all when the target goes down', async () => {
  let body = 'a 1\nb 2\n';
  let status = 200;
  const srv = await serve((_req, res) => {
    res.statusCode = status;
    res.setHeader('content-type', TEXT);
    res.end(body);
  });
  const f = loopFor(jobConfig('scrape_interval: 15s'), srv.host);
  const series = (name: string) => f.storage.samples({ __name__: name, job: 'test', instance: srv.host });
  try {
    await f.loop.scrapeAndReport(T0);
    body = 'a 1\n';
    await f.loop.scrapeAndReport(T0 + 15_000);
    let b = series('b');
    assert.deepEqual(b.t, [T0, T0 + 15_000]);
    assert.ok(isStaleNaN(b.v[1]), 'b is marked stale when it is gone');
    await f.loop.scrapeAndReport(T0 + 30_000);
    assert.equal(series('b').t.length, 2, 'only one marker');
    status = 503;
    await f.loop.scrapeAndReport(T0 + 45_000);
    const a = series('a');
    assert.deepEqual(a.t, [T0, T0 + 15_000, T0 + 30_000, T0 + 45_000]);
    assert.ok(isStaleNaN(a.v[3]), 'a target that goes down marks its series stale');
    assert.equal(f.storage.last({ __name__: 'up' }), 0);
    status = 200;
    body = 'a 5\nb 6\n';
    await f.loop.scrapeAndReport(T0 + 60_000);
    b = series('b');
    assert.equal(b.v[b.v.length - 1], 6, 'a series that comes back is stored again');
    // A target that goes away: its series and synthetic series are marked stale at the next scrape time.
    await f.loop.writeEndOfRunStaleness(T0 + 75_000);
    for (const name of ['a', 'b', 'up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
      const s = series(name);
      assert.equal(s.t[s.t.length - 1], T0 + 75_000, name);
      assert.ok(isStaleNaN(s.v[s.v.length - 1]), `${name} is stale`);
    }
  } finally {
    f.close();
    await srv.close();
  }
});

test('series with explicit timestamps get no staleness markers unless track_timestamps_staleness', async () => {
  // A series with its own timestamp next to one without: the first scrape must not mark either stale.
  let body = 'a 1 1699999990000\nb 2\n';
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end(body);
  });
  const plain = loopFor(jobConfig('scrape_interval: 15s'), srv.host);
  const tracked = loopFor(jobConfig('scrape_interval: 15s\ntrack_timestamps_staleness: true'), srv.host);
  try {
    await plain.loop.scrapeAndReport(T0);
    await tracked.loop.scrapeAndReport(T0);
    body = 'other 1\n';
    await plain.loop.scrapeAndReport(T0 + 15_000);
    await tracked.loop.scrapeAndReport(T0 + 15_000);
    assert.deepEqual(plain.storage.samples({ __name__: 'a', job: 'test', instance: srv.host }).t, [1_699_999_990_000]);
    const t = tracked.storage.samples({ __name__: 'a', job: 'test', instance: srv.host });
    assert.equal(t.t.length, 2);
    assert.ok(isStaleNaN(t.v[1]));
  } finally {
    plain.close();
    tracked.close();
    await srv.close();
  }
});

test('honor_labels: conflicts become exported_ labels, or the exposed labels win', async () => {
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end('m{job="pushed",instance="i1",exported_job="x"} 1\nn{other="o"} 2\n');
  });
  const off = loopFor(jobConfig('scrape_interval: 15s'), srv.host, { groupLabels: { env: 'prod' } });
  const on = loopFor(jobConfig('scrape_interval: 15s\nhonor_labels: true'), srv.host, { groupLabels: { env: 'prod' } });
  try {
    await off.loop.scrapeAndReport(T0);
    await on.loop.scrapeAndReport(T0);
    assert.deepEqual(off.storage.select({ __name__: 'm' }).map((l) => l.toObject()), [
      { __name__: 'm', env: 'prod', exported_exported_job: 'pushed', exported_instance: 'i1', exported_job: 'x', instance: srv.host, job: 'test' },
    ]);
    assert.deepEqual(on.storage.select({ __name__: 'm' }).map((l) => l.toObject()), [
      { __name__: 'm', env: 'prod', exported_job: 'x', instance: 'i1', job: 'pushed' },
    ]);
    assert.deepEqual(on.storage.select({ __name__: 'n' }).map((l) => l.toObject()), [{ __name__: 'n', env: 'prod', instance: srv.host, job: 'test', other: 'o' }]);
    // The synthetic series always carry the target's labels.
    assert.equal(on.storage.select({ __name__: 'up', job: 'test' }).length, 1);
  } finally {
    off.close();
    on.close();
    await srv.close();
  }
});

test('metric relabeling drops and rewrites; the post-relabeling count follows; duplicates are skipped', async () => {
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end('go_gc 1\nkeep_me{tmp="x"} 2\nkeep_me{tmp="x"} 3\nrename_me 4\n');
  });
  const log = memoryLogger();
  const f = loopFor(jobConfig([
    'scrape_interval: 15s',
    'metric_relabel_configs:',
    '- {action: drop, source_labels: [__name__], regex: "go_.*"}',
    '- {action: labeldrop, regex: tmp}',
    '- {source_labels: [__name__], regex: rename_me, target_label: __name__, replacement: renamed}',
  ].join('\n')), srv.host, { logger: log });
  try {
    const r = await f.loop.scrapeAndReport(T0);
    assert.equal(r.error, undefined);
    assert.equal(f.storage.select({ __name__: 'go_gc' }).length, 0);
    assert.equal(f.storage.last({ __name__: 'keep_me' }), 2, 'the first of two equal series wins');
    assert.equal(f.storage.last({ __name__: 'renamed' }), 4);
    assert.equal(f.storage.last({ __name__: 'scrape_samples_scraped' }), 4);
    assert.equal(f.storage.last({ __name__: 'scrape_samples_post_metric_relabeling' }), 3);
    assert.ok(log.lines.some((l) => l.includes('"duplicates":1')), log.lines.join('\n'));
  } finally {
    f.close();
    await srv.close();
  }
});

test('params, __param_ labels, basic auth and bearer credentials reach the target', async () => {
  const srv = await serve((req, res) => {
    res.setHeader('content-type', TEXT);
    res.end(`seen{url="${req.url}",auth="${req.headers.authorization ?? ''}"} 1\n`);
  });
  try {
    const basic = loopFor(jobConfig('scrape_interval: 15s\nmetrics_path: /probe\nparams: {module: [m1], x: ["a b"]}\nbasic_auth: {username: user, password: pa:ss}'), srv.host);
    await basic.loop.scrapeAndReport(T0);
    basic.close();
    const seen = basic.storage.select({ __name__: 'seen' })[0];
    assert.equal(seen.get('url'), '/probe?module=m1&x=a+b');
    assert.equal(seen.get('auth'), 'Basic ' + Buffer.from('user:pa:ss').toString('base64'));
    const bearer = loopFor(jobConfig('scrape_interval: 15s\nbearer_token: tok\nrelabel_configs:\n- {target_label: __param_module, replacement: m2}'), srv.host);
    await bearer.loop.scrapeAndReport(T0);
    bearer.close();
    const seen2 = bearer.storage.select({ __name__: 'seen' })[0];
    assert.equal(seen2.get('url'), '/metrics?module=m2');
    assert.equal(seen2.get('auth'), 'Bearer tok');
  } finally {
    await srv.close();
  }
});

test('what a scrape keeps (series keys, labels, metadata, exemplars) does not pin the scrape body in memory', { timeout: 30_000 }, async () => {
  // Each scrape: one new series, an exemplar and new help text, padded to 2 MiB by a comment.
  let n = 0;
  const pad = '# HELP pad ' + 'x'.repeat(2 << 20) + '\n';
  const srv = await serve((_req, res) => {
    n++;
    res.setHeader('content-type', OM);
    res.end(`# TYPE s${n} counter\n# HELP s${n} Help number ${n}.\ns${n}_total{series="long-enough-label-value-${n}"} 1 # {trace_id="trace-id-long-enough-${n}"} 1\n` + pad + '# EOF\n');
  });
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const f = loopFor(jobConfig('scrape_interval: 15s'), srv.host);
  try {
    await f.loop.scrapeAndReport(T0);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 1; i <= 40; i++) assert.equal((await f.loop.scrapeAndReport(T0 + i * 15_000)).error, undefined);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // 40 bodies of 2 MiB would be 80 MiB if anything kept a slice of them.
    assert.ok(grown < 20 << 20, `heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
    assert.equal(f.storage.exemplars.length, 41);
  } finally {
    f.close();
    await srv.close();
  }
});

test('scrape statistics: refused samples by reason, scrapes over the sample limit, intervals by configured interval', async () => {
  let body = '';
  const srv = await serve((_req, res) => {
    res.setHeader('content-type', TEXT);
    res.end(body);
  });
  const stats = new ScrapeStats();
  const intervals: Array<[string, number]> = [];
  stats.observeInterval = (interval, seconds) => intervals.push([interval, seconds]);
  const f = loopFor(jobConfig('scrape_interval: 15s\nsample_limit: 3'), srv.host, { stats });
  try {
    body = `a 1 ${T0}\nb 1 ${T0}\n`;
    assert.equal((await f.loop.scrapeAndReport(T0)).error, undefined);
    assert.deepEqual([stats.sampleOutOfOrder, stats.sampleDuplicateTimestamp, stats.sampleOutOfBounds, stats.exceededSampleLimit], [0, 0, 0, 0]);
    assert.equal(intervals.length, 0, 'no interval before the second scrape');
    // Older than stored, same time with another value, and an hour ahead of the clock.
    body = `a 2 ${T0 - 5000}\nb 5 ${T0}\nc 1 ${Date.now() + 3600_000}\n`;
    assert.equal((await f.loop.scrapeAndReport(T0 + 15_000)).error, undefined);
    assert.deepEqual([stats.sampleOutOfOrder, stats.sampleDuplicateTimestamp, stats.sampleOutOfBounds, stats.exceededSampleLimit], [1, 1, 1, 0]);
    // Four samples with a limit of three: the scrape is rejected, counted once.
    body = 'a 1\nb 1\nc 1\nd 1\n';
    assert.equal((await f.loop.scrapeAndReport(T0 + 30_000)).error, 'sample limit exceeded');
    assert.equal(stats.exceededSampleLimit, 1);
    body = 'a 1\nb 1\nc 1\nd 1\ne 1\n';
    await f.loop.scrapeAndReport(T0 + 45_000);
    assert.equal(stats.exceededSampleLimit, 2);
    assert.deepEqual([stats.sampleOutOfOrder, stats.sampleDuplicateTimestamp, stats.sampleOutOfBounds], [1, 1, 1]);
    // One interval per scrape after the first, labelled as Prometheus labels it.
    assert.deepEqual(intervals.map(([i]) => i), ['15s', '15s', '15s']);
    assert.ok(intervals.every(([, s]) => s > 0 && s < 60), JSON.stringify(intervals));
  } finally {
    f.close();
    await srv.close();
  }
});

test('scrape intervals are labelled with Go duration text, as Prometheus labels them', () => {
  const cases: Array<[number, string]> = [[15_000, '15s'], [60_000, '1m0s'], [90_000, '1m30s'], [500, '500ms'], [1500, '1.5s'], [7_200_000, '2h0m0s'], [3_723_004, '1h2m3.004s']];
  for (const [ms, want] of cases) assert.equal(goDurationString(ms), want, String(ms));
});
