/**
 * The HTTP side of Vigil's gateway alone: the admin and lifecycle APIs, Vigil's additions (groups API,
 * deletion by selector, expiry), route prefixes, content negotiation, the page's escaping, limits, and
 * malformed requests that must never take the server down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { connect } from 'node:net';
import { PROTOBUF_CONTENT_TYPE, decodeMetricFamilies } from '@vigil/exposition';
import { send, startVigil } from './test-helpers.js';

test('server: admin API off by default, wipe and delete by selector when on', async () => {
  const off = await startVigil();
  try {
    assert.equal((await send(off.url + '/api/v1/admin/wipe', 'PUT')).status, 404);
    assert.equal((await send(off.url + '/api/v1/admin/groups?match[]={job="x"}', 'DELETE')).status, 404);
  } finally {
    await off.close();
  }
  const gw = await startVigil({ enableAdminApi: true });
  try {
    for (const [job, inst] of [['x', 'a1'], ['x', 'a2'], ['x', 'b1'], ['y', 'a1']]) {
      assert.equal((await send(`${gw.url}/metrics/job/${job}/instance/${inst}`, 'PUT', 'm 1\n')).status, 200);
    }
    const list = JSON.parse((await send(gw.url + '/api/v1/groups?match[]=' + encodeURIComponent('{instance=~"a.*"}'), 'GET')).body);
    assert.deepEqual(list.data.map((g: { labels: Record<string, string> }) => g.labels), [{ instance: 'a1', job: 'x' }, { instance: 'a2', job: 'x' }, { instance: 'a1', job: 'y' }]);
    assert.ok(list.data[0].push_time_seconds > 1.6e9);
    const del = await send(gw.url + '/api/v1/admin/groups?match[]=' + encodeURIComponent('{job="x",instance=~"a.*"}'), 'DELETE');
    assert.equal(del.status, 200);
    const j = JSON.parse(del.body);
    assert.equal(j.data.deleted, 2);
    assert.deepEqual(j.data.groups.map((g: { labels: Record<string, string> }) => g.labels.instance), ['a1', 'a2']);
    const bad = await send(gw.url + '/api/v1/admin/groups?match[]=' + encodeURIComponent('{job=~".*"}'), 'DELETE');
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).errorType, 'bad_data');
    assert.equal((await send(gw.url + '/api/v1/admin/groups', 'DELETE')).status, 400);
    const left = JSON.parse((await send(gw.url + '/api/v1/groups', 'GET')).body);
    assert.equal(left.data.length, 2);
    const wipe = await send(gw.url + '/api/v1/admin/wipe', 'PUT');
    assert.equal(wipe.status, 202);
    assert.equal(wipe.body, '');
    assert.equal(JSON.parse((await send(gw.url + '/api/v1/metrics', 'GET')).body).data.length, 0);
  } finally {
    await gw.close();
  }
});

test('server: lifecycle quit answers, then calls back', async () => {
  let quit = 0;
  const gw = await startVigil({ enableLifecycle: true, onQuit: () => quit++ });
  try {
    const r = await send(gw.url + '/-/quit', 'POST');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'Requesting termination... Goodbye!');
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(quit, 1);
  } finally {
    await gw.close();
  }
});

test('server: route prefix from the external URL, custom telemetry path', async () => {
  const gw = await startVigil({ externalUrl: 'http://example.org/pg/', telemetryPath: '/scrape' });
  try {
    assert.equal((await send(gw.url + '/pg/metrics/job/p', 'PUT', 'pre 1\n')).status, 200);
    assert.equal((await send(gw.url + '/metrics/job/p', 'PUT', 'pre 1\n')).status, 404);
    const m = await send(gw.url + '/pg/scrape', 'GET');
    assert.equal(m.status, 200);
    assert.match(m.body, /pre\{instance="",job="p"\} 1/);
    assert.equal((await send(gw.url + '/pg/-/healthy', 'GET')).body, 'OK');
    assert.equal((await send(gw.url + '/pg/api/v1/status', 'GET')).status, 200);
    const page = await send(gw.url + '/pg/', 'GET');
    assert.match(page.body, /data-delete-path="\/pg\/metrics\/job@base64\/cA"/);
  } finally {
    await gw.close();
  }
});

test('server: the page escapes everything pushed', async () => {
  const gw = await startVigil({ enableAdminApi: true });
  try {
    const evil = '<script>alert("x")</script>';
    const path = `/metrics/job/ok/who@base64/${Buffer.from(evil).toString('base64url')}`;
    const r = await send(gw.url + path, 'PUT', `# HELP evil_metric Help with <b>tags</b> & "quotes".\nevil_metric{v="${evil.replace(/"/g, '\\"')}"} 1\n`);
    assert.equal(r.status, 200, r.body);
    const page = await send(gw.url + '/', 'GET');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.ok(!page.body.includes(evil), 'raw script tag in the page');
    assert.ok(!page.body.includes('<b>tags</b>'));
    assert.ok(page.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
    assert.ok(page.body.includes('Help with &lt;b&gt;tags&lt;/b&gt; &amp; &quot;quotes&quot;.'));
    // The only script is the page's own.
    assert.equal(page.body.split('<script>').length, 2);
    assert.match(page.body, /id="delete-matching"/);
  } finally {
    await gw.close();
  }
});

test('server: content negotiation, gzip, and the protobuf exposition', async () => {
  const gw = await startVigil();
  try {
    await send(gw.url + '/metrics/job/n', 'PUT', '# TYPE neg gauge\nneg{a="1"} 2\n');
    const text = await fetch(gw.url + '/metrics', { headers: { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' } });
    assert.equal(text.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(await text.text(), /neg\{a="1",instance="",job="n"\} 2/);
    const gz = await fetch(gw.url + '/metrics', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.match(await gz.text(), /neg\{a="1",instance="",job="n"\} 2/);
    const pb = await fetch(gw.url + '/metrics', { headers: { Accept: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' } });
    assert.equal(pb.headers.get('content-type'), PROTOBUF_CONTENT_TYPE);
    const fams = decodeMetricFamilies(new Uint8Array(await pb.arrayBuffer()));
    const neg = fams.find((f) => f.name === 'neg')!;
    assert.deepEqual(neg.metric, [{ label: [{ name: 'a', value: '1' }, { name: 'instance', value: '' }, { name: 'job', value: 'n' }], gauge: { value: 2 } }]);
    assert.ok(fams.some((f) => f.name === 'pushgateway_http_requests_total'));
  } finally {
    await gw.close();
  }
});

test('server: expiry with --push.group-ttl, push time visible until then', async () => {
  let now = 1_700_000_000_000;
  const gw = await startVigil({ groupTtlMs: 60_000, now: () => now });
  try {
    await send(gw.url + '/metrics/job/old', 'PUT', 'ttl_metric 1\n');
    now += 30_000;
    await send(gw.url + '/metrics/job/new', 'PUT', 'ttl_metric 2\n');
    let m = (await send(gw.url + '/metrics', 'GET')).body;
    assert.match(m, /push_time_seconds\{instance="",job="old"\} 1\.7e\+09/);
    now += 40_000; // old: 70 s without a push, new: 40 s
    m = (await send(gw.url + '/metrics', 'GET')).body;
    assert.doesNotMatch(m, /job="old"/);
    assert.match(m, /ttl_metric\{instance="",job="new"\} 2/);
    assert.match(m, /pushgateway_group_expirations_total 1/);
    now += 60_000;
    assert.equal(JSON.parse((await send(gw.url + '/api/v1/metrics', 'GET')).body).data.length, 0);
  } finally {
    await gw.close();
  }
});

test('server: limits and malformed requests never take it down', async () => {
  const gw = await startVigil({ maxBodyBytes: 1000 });
  try {
    const big = await send(gw.url + '/metrics/job/big', 'PUT', 'x 1\n'.repeat(400));
    assert.equal(big.status, 413);
    const bomb = await send(gw.url + '/metrics/job/bomb', 'PUT', gzipSync('y 1\n'.repeat(10000)), { 'Content-Encoding': 'gzip' });
    assert.equal(bomb.status, 413);
    assert.match(bomb.body, /limit of 1000 bytes/);
    const truncated = gzipSync('z 1\n'.repeat(10));
    assert.equal((await send(gw.url + '/metrics/job/t', 'PUT', truncated.subarray(0, truncated.length - 6), { 'Content-Encoding': 'gzip' })).status, 400);
    const proto = await send(gw.url + '/metrics/job/p', 'PUT', Buffer.from([0x05, 0x0a, 0x05, 0x61]), { 'Content-Type': PROTOBUF_CONTENT_TYPE });
    assert.equal(proto.status, 400);
    assert.match(proto.body, /^protobuf: /);
    assert.equal((await send(gw.url + '/metrics/job/%zz', 'PUT', 'a 1\n')).status, 400);
    assert.equal((await send(gw.url + '/metrics/job/a//b', 'PUT', 'a 1\n')).status, 301);
    // Random bytes as bodies, as protobuf and as text, and random paths.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 60; i++) {
      const bytes = Buffer.alloc(Math.floor(rnd() * 200));
      for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(rnd() * 256);
      const headers: Record<string, string> = i % 2 === 0 ? { 'Content-Type': PROTOBUF_CONTENT_TYPE } : {};
      const r = await send(gw.url + `/metrics/job/fuzz/i/${i}`, i % 3 === 0 ? 'POST' : 'PUT', bytes, headers);
      assert.ok(r.status === 200 || r.status === 400, `fuzz ${i}: ${r.status} ${r.body}`);
    }
    for (const p of ['/metrics/job/x/%C0%80', '/metrics/job@base64/%00', '/api/v1/groups?match[]=%7B', '/..%2F..%2Fetc/passwd', '/metrics/job/' + 'a'.repeat(5000)]) {
      const r = await send(gw.url + p, 'PUT', 'a 1\n');
      assert.ok(r.status < 500, `${p}: ${r.status}`);
    }
    // A raw request that is not HTTP.
    await new Promise<void>((resolve) => {
      const sock = connect(gw.port, '127.0.0.1', () => sock.end('GARBAGE\r\n\r\n'));
      sock.on('data', () => {});
      sock.on('close', () => resolve());
      sock.on('error', () => resolve());
    });
    assert.equal((await send(gw.url + '/-/healthy', 'GET')).body, 'OK');
    assert.equal((await send(gw.url + '/metrics', 'GET')).status, 200);
  } finally {
    await gw.close();
  }
});

test('server: --push.disable-consistency-check answers 202 and scrapes report inconsistency as the Pushgateway does', async () => {
  const gw = await startVigil({ checkConsistency: false });
  try {
    assert.equal((await send(gw.url + '/metrics/job/a', 'PUT', 'dup{x="1"} 1\n')).status, 202);
    assert.equal((await send(gw.url + '/metrics/job/a/x/1', 'PUT', 'dup 2\n')).status, 202);
    const r = await send(gw.url + '/metrics', 'GET');
    assert.equal(r.status, 500);
    assert.match(r.body, /^An error has occurred while serving metrics:\n\ncollected metric "dup" .* was collected before with the same name and label values\n$/);
    assert.equal((await send(gw.url + '/metrics/job/a/x/1', 'DELETE')).status, 202);
    assert.equal((await send(gw.url + '/metrics', 'GET')).status, 200);
  } finally {
    await gw.close();
  }
});
