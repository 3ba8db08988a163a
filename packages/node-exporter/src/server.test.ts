/** The HTTP server: telemetry path, landing page, collect[]/exclude[], negotiation, gzip, limits. */
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseFamilies } from '@vigil/exposition';
import { NodeExporter, type NodeExporterInit } from './exporter.js';
import { parseListenAddress, startNodeExporterServer, type RunningServer } from './server.js';
import { fixtureOptions, parseText, valueOf } from './test-helpers.js';
import type { Collector } from './collector.js';

process.env.TZ = 'UTC';

const PROMETHEUS_2_42_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

async function withServer(
  init: NodeExporterInit,
  opts: { telemetryPath?: string; maxRequests?: number },
  fn: (base: string, s: RunningServer) => Promise<void>,
): Promise<void> {
  const ne = new NodeExporter(fixtureOptions(undefined, init));
  const server = await startNodeExporterServer(ne, { listenAddresses: ['127.0.0.1:0'], ...opts });
  try {
    await fn(`http://127.0.0.1:${server.addresses[0].port}`, server);
  } finally {
    await server.close();
    await ne.drain();
  }
}

test('metrics at the telemetry path, the landing page everywhere else', async () => {
  await withServer({}, {}, async (base) => {
    const home = await fetch(base + '/');
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type')!, /^text\/html/);
    assert.match(await home.text(), /<a href="\/metrics">Metrics<\/a>/);
    const other = await fetch(base + '/some/where');
    assert.equal(other.status, 200);
    assert.match(await other.text(), /Node Exporter/);

    const r = await fetch(base + '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const families = parseText(await r.text());
    assert.equal(valueOf(families, 'node_cpu_seconds_total', { cpu: '1', mode: 'idle' }), 798.28);
    assert.equal(valueOf(families, 'node_scrape_collector_success', { collector: 'cpu' }), 1);
    // --web.disable-exporter-metrics leaves node_exporter's handler error counter only.
    const names = new Set(families.map((f) => f.name));
    assert.ok(names.has('promhttp_metric_handler_errors_total'));
    assert.ok(!names.has('process_cpu_seconds_total'));
    assert.ok(!names.has('promhttp_metric_handler_requests_total'));
  });
});

test('a custom telemetry path; HEAD answers without a body', async () => {
  await withServer({ collectors: ['loadavg'] }, { telemetryPath: '/node' }, async (base) => {
    assert.match(await (await fetch(base + '/metrics')).text(), /<a href="\/node">/);
    const r = await fetch(base + '/node');
    assert.match(await r.text(), /^node_load1 0\.69$/m);
    const head = await fetch(base + '/node', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });
});

test('OpenMetrics when the scraper prefers it (Prometheus 2.42 Accept header), gzip when accepted', async () => {
  await withServer({ collectors: ['cpu', 'netstat'] }, {}, async (base) => {
    const r = await fetch(base + '/metrics', { headers: { Accept: PROMETHEUS_2_42_ACCEPT } });
    assert.equal(r.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    const body = await r.text();
    assert.ok(body.endsWith('# EOF\n'));
    assert.match(body, /^# TYPE node_cpu_seconds counter$/m);
    assert.match(body, /^node_cpu_seconds_total\{cpu="0",mode="user"\} 28\.86$/m);
    assert.match(body, /^# TYPE node_netstat_Tcp_InSegs unknown$/m);
    const families = parseFamilies(body, 'openmetrics', { strict: true });
    assert.ok(families.length > 5);

    // fetch() decodes gzip itself; a raw request shows the encoding.
    const raw = await new Promise<{ headers: string; body: Buffer }>((resolve, reject) => {
      const url = new URL(base);
      const sock = connect(Number(url.port), '127.0.0.1', () => {
        sock.end('GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n');
      });
      const chunks: Buffer[] = [];
      sock.on('data', (d) => chunks.push(d));
      sock.on('end', () => {
        const all = Buffer.concat(chunks);
        const sep = all.indexOf('\r\n\r\n');
        resolve({ headers: all.subarray(0, sep).toString(), body: all.subarray(sep + 4) });
      });
      sock.on('error', reject);
    });
    assert.match(raw.headers, /Content-Encoding: gzip/i);
    assert.match(gunzipSync(raw.body).toString(), /^node_cpu_seconds_total\{cpu="0",mode="user"\} 28\.86$/m);
  });
});

test('collect[] and exclude[] narrow a scrape; bad ones are answered 400 with node_exporter wording', async () => {
  await withServer({ collectors: ['cpu', 'loadavg', 'meminfo'] }, {}, async (base) => {
    const only = parseText(await (await fetch(base + '/metrics?collect[]=loadavg&collect[]=meminfo')).text());
    const successes = only.find((f) => f.name === 'node_scrape_collector_success')!.samples.map((s) => s.labels.get('collector'));
    assert.deepEqual(successes, ['loadavg', 'meminfo']);
    assert.equal(only.find((f) => f.name === 'node_cpu_seconds_total'), undefined);

    const without = parseText(await (await fetch(base + '/metrics?exclude[]=cpu')).text());
    assert.deepEqual(without.find((f) => f.name === 'node_scrape_collector_success')!.samples.map((s) => s.labels.get('collector')), ['loadavg', 'meminfo']);

    const cases: Array<[string, string]> = [
      ['collect[]=nosuch', "Couldn't create filtered metrics handler: couldn't create collector: missing collector: nosuch"],
      ['collect[]=vmstat', "Couldn't create filtered metrics handler: couldn't create collector: disabled collector: vmstat"],
      ['collect[]=cpu&exclude[]=loadavg', "Couldn't create filtered metrics handler: Combined collect and exclude queries are not allowed."],
    ];
    for (const [query, message] of cases) {
      const r = await fetch(`${base}/metrics?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(await r.text(), message);
    }
  });
});

test('--web.max-requests: scrapes beyond the limit get 503, counted in promhttp_metric_handler_requests_total', async () => {
  let release: () => void = () => {};
  const slow: Collector = {
    name: 'slow',
    update: () => new Promise<void>((resolve) => (release = resolve)),
  };
  await withServer({ collectors: ['loadavg'], extraCollectors: [slow], disableExporterMetrics: false }, { maxRequests: 1 }, async (base) => {
    const first = fetch(base + '/metrics');
    await new Promise((r) => setTimeout(r, 50));
    const second = await fetch(base + '/metrics?collect[]=loadavg');
    assert.equal(second.status, 503);
    assert.equal(await second.text(), 'Limit of concurrent requests reached (1), try again later.\n');
    release();
    const r1 = await first;
    assert.equal(r1.status, 200);
    await r1.text();
    const families = parseText(await (await fetch(base + '/metrics?collect[]=loadavg')).text());
    assert.equal(valueOf(families, 'promhttp_metric_handler_requests_total', { code: '503' }), 1);
    assert.equal(valueOf(families, 'promhttp_metric_handler_requests_total', { code: '200' }), 1);
    assert.equal(valueOf(families, 'promhttp_metric_handler_requests_in_flight'), 1);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'process_max_fds', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(families.some((f) => f.name === name), name);
    }
  });
});

test('malformed requests do not take the server down', async () => {
  await withServer({ collectors: ['loadavg'] }, {}, async (base) => {
    const port = Number(new URL(base).port);
    for (const garbage of ['\x00\x01\x02 nonsense\r\n\r\n', 'GET /metrics HTTP/9.9\r\nHost\r\n\r\n', 'GET http://[::1 HTTP/1.1\r\n\r\n']) {
      await new Promise<void>((resolve) => {
        const sock = connect(port, '127.0.0.1', () => sock.end(garbage));
        sock.on('data', () => {});
        sock.on('close', () => resolve());
        sock.on('error', () => resolve());
      });
    }
    const r = await fetch(base + '/metrics?collect[]=loadavg&%zz=1');
    assert.equal(r.status, 200);
    assert.match(await r.text(), /node_load5 0\.25/);
  });
});

test('listen addresses as node_exporter takes them', () => {
  const cases: Array<[string, { host?: string; port: number } | RegExp]> = [
    [':9100', { host: undefined, port: 9100 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9100', { host: '::1', port: 9100 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['9100', /missing port/],
    ['127.0.0.1:http', /bad port "http"/],
    ['127.0.0.1:70000', /bad port "70000"/],
  ];
  for (const [addr, want] of cases) {
    if (want instanceof RegExp) assert.throws(() => parseListenAddress(addr), want, addr);
    else assert.deepEqual(parseListenAddress(addr), want, addr);
  }
});

test('a port already in use is a clear error', async () => {
  await withServer({ collectors: ['loadavg'] }, {}, async (_base, s) => {
    const ne = new NodeExporter(fixtureOptions(undefined, { collectors: ['loadavg'] }));
    await assert.rejects(
      startNodeExporterServer(ne, { listenAddresses: [`127.0.0.1:${s.addresses[0].port}`] }),
      /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
    );
  });
});
