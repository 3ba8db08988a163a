/**
 * The same requests to Debian's prometheus-pushgateway 1.5.1 and to Vigil's gateway: every answer
 * (status and body) must be the same, and so must the exposition and the JSON API at the end (own
 * metrics left out, push times masked). Where the Pushgateway's answer depends on Go's random map
 * order (which of two conflicting groups is named), only the status is compared.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { exposition, send, startReal, startVigil, type RealGateway } from './test-helpers.js';
import type { RunningPushgateway } from './start.js';

interface Step {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string | Uint8Array;
  readonly headers?: Record<string, string>;
  /** `status`: compare the status only (the Pushgateway's body is not deterministic). */
  readonly compare?: 'status';
}

const README_EXAMPLE = '# TYPE some_metric counter\nsome_metric{label="val1"} 42\n# TYPE another_metric gauge\n# HELP another_metric Just an example.\nanother_metric 2398.283\n';

const steps: Step[] = [
  { name: 'README example (PUT)', method: 'PUT', path: '/metrics/job/some_job/instance/some_instance', body: README_EXAMPLE },
  { name: 'untyped sample (POST)', method: 'POST', path: '/metrics/job/some_job', body: 'some_metric2 3.14\n' },
  { name: 'a timestamp is refused', method: 'POST', path: '/metrics/job/ts', body: 'ts_metric 1 1234\n' },
  { name: 'type conflict with another group', method: 'POST', path: '/metrics/job/other', body: '# TYPE another_metric counter\nanother_metric 1\n', compare: 'status' },
  { name: 'type conflict with an own metric', method: 'POST', path: '/metrics/job/own', body: '# TYPE process_cpu_seconds_total gauge\nprocess_cpu_seconds_total 1\n' },
  { name: 'duplicate series in one push', method: 'POST', path: '/metrics/job/dup', body: 'dup{a="1"} 1\ndup{a="1"} 2\n' },
  { name: 'grouping label overrides the pushed one', method: 'POST', path: '/metrics/job/override', body: 'ovr{job="other"} 1\n' },
  { name: 'duplicate made by the override', method: 'POST', path: '/metrics/job/override2', body: 'ovr2{job="x"} 1\novr2 2\n' },
  { name: 'duplicate across groups', method: 'POST', path: '/metrics/job/cross', body: 'cross{foo="bar"} 1\n' },
  { name: 'duplicate across groups (second)', method: 'POST', path: '/metrics/job/cross/foo/bar', body: 'cross 1\n' },
  { name: 'parse: unterminated label value', method: 'POST', path: '/metrics/job/p', body: 'v{a="1} 1\n' },
  { name: 'parse: bad value', method: 'POST', path: '/metrics/job/p', body: 'v 1x\n' },
  { name: 'parse: no final line feed', method: 'POST', path: '/metrics/job/p', body: 'v 1' },
  { name: 'parse: CRLF', method: 'POST', path: '/metrics/job/p', body: 'v 1\r\n' },
  { name: 'parse: unknown type', method: 'POST', path: '/metrics/job/p', body: '# TYPE v foo\nv 1\n' },
  { name: 'parse: label without value', method: 'POST', path: '/metrics/job/p', body: 'v{b} 1\n' },
  { name: 'parse: unquoted label value', method: 'POST', path: '/metrics/job/p', body: 'v{b=1} 1\n' },
  { name: 'parse: duplicate label name', method: 'POST', path: '/metrics/job/p', body: 'v{b="1",b="2"} 1\n' },
  { name: 'parse: reserved label', method: 'POST', path: '/metrics/job/p', body: 'v{__name__="x"} 1\n' },
  { name: 'parse: bad escape', method: 'POST', path: '/metrics/job/p', body: 'v{b="\\q"} 1\n' },
  { name: 'parse: second HELP', method: 'POST', path: '/metrics/job/p', body: '# HELP v x\n# HELP v y\nv 1\n' },
  { name: 'parse: TYPE after samples', method: 'POST', path: '/metrics/job/p', body: 'v 1\n# TYPE v gauge\n' },
  { name: 'parse: spurious text after timestamp', method: 'POST', path: '/metrics/job/p', body: 'v 1 2 3\n' },
  { name: 'parse: bad quantile', method: 'POST', path: '/metrics/job/p', body: '# TYPE s summary\ns{quantile="x"} 1\n' },
  { name: 'parse: signed NaN', method: 'POST', path: '/metrics/job/p', body: 'v +NaN\n' },
  { name: 'parse: invalid UTF-8 in a label value', method: 'POST', path: '/metrics/job/p', body: Buffer.from('v{a="\xff"} 1\n', 'latin1') },
  { name: 'comments and blank lines', method: 'POST', path: '/metrics/job/comments', body: '# a comment\n#\n  \n\t c_metric 1\n' },
  { name: 'URL: odd number of components', method: 'POST', path: '/metrics/job/a/b', body: 'v 1\n' },
  { name: 'URL: improper label name', method: 'POST', path: '/metrics/job/a/__b/c', body: 'v 1\n' },
  { name: 'URL: label name with a dash', method: 'POST', path: '/metrics/job/a/b-c/c', body: 'v 1\n' },
  { name: 'URL: bad base64 value', method: 'POST', path: '/metrics/job/a/b@base64/!!', body: 'v 1\n' },
  { name: 'URL: one base64 character', method: 'POST', path: '/metrics/job/a/b@base64/abcde', body: 'v 1\n' },
  { name: 'URL: empty job via base64', method: 'POST', path: '/metrics/job@base64/=', body: 'v 1\n' },
  { name: 'URL: empty label value', method: 'POST', path: '/metrics/job/a/b@base64/=/c/d', body: 'v 1\n' },
  { name: 'URL: slashes via base64', method: 'POST', path: '/metrics/job@base64/L3Zhci90bXA/path@base64/L3Zhci90bXA==', body: 'v 1\n' },
  { name: 'URL: percent-encoded UTF-8', method: 'POST', path: '/metrics/job/titan/name/%CE%A0%CF%81%CE%BF%CE%BC%CE%B7%CE%B8%CE%B5%CF%8D%CF%82', body: 'utf 1\n' },
  { name: 'URL: base64 UTF-8', method: 'POST', path: '/metrics/job/titan2/name@base64/zqDPgc6_zrzOt864zrXPjc-C', body: 'utf 2\n' },
  { name: 'URL: plus sign kept', method: 'POST', path: '/metrics/job/a+b', body: 'plus 1\n' },
  { name: 'URL: unclean path', method: 'PUT', path: '/metrics/job/a//b/c', body: 'v 1\n', compare: 'status' },
  { name: 'URL: job label in the path is the job', method: 'POST', path: '/metrics/job/real/job/fake', body: 'jobby 1\n' },
  { name: 'histogram', method: 'PUT', path: '/metrics/job/hist', body: '# TYPE hh histogram\n# HELP hh A histogram.\nhh_bucket{le="1"} 1\nhh_bucket{le="2"} 2.7\nhh_sum 3\nhh_count 3\nhh_bucket{a="x",le="1"} 0\n' },
  { name: 'summary', method: 'PUT', path: '/metrics/job/summ', body: '# TYPE ss summary\nss{quantile="0.5"} 1\nss{quantile="0.9"} 1.5\nss_sum 3\nss_count 3\nss_count{a="b"} 3\n' },
  { name: 'counts wrap as Go converts them', method: 'PUT', path: '/metrics/job/wrap', body: '# TYPE cc summary\ncc_count -1\ncc_sum NaN\ncc{x="1"} 1\ncc_count{x="1"} 2.9\n' },
  { name: 'suffix collision with a summary', method: 'POST', path: '/metrics/job/sc', body: '# TYPE ss_count gauge\nss_count 1\n', compare: 'status' },
  { name: 'suffix collision with a histogram', method: 'POST', path: '/metrics/job/sc2', body: 'hh_bucket 1\n', compare: 'status' },
  { name: 'gzip body', method: 'POST', path: '/metrics/job/gz', body: gzipSync('gz_metric 1\n'), headers: { 'Content-Encoding': 'gzip' } },
  { name: 'gzip header on a plain short body', method: 'POST', path: '/metrics/job/gz2', body: 'gz 1\n', headers: { 'Content-Encoding': 'gzip' } },
  { name: 'gzip header on a plain long body', method: 'POST', path: '/metrics/job/gz2', body: 'gz_metric_long_enough 1\n', headers: { 'Content-Encoding': 'gzip' } },
  { name: 'POST replaces only the families pushed', method: 'POST', path: '/metrics/job/some_job/instance/some_instance', body: 'another_metric 7\nnew_metric 1\n', compare: 'status' },
  { name: 'POST adds a family', method: 'POST', path: '/metrics/job/some_job/instance/some_instance', body: '# TYPE another_metric gauge\nanother_metric 7\n# TYPE added gauge\nadded 1\n' },
  { name: 'PUT with an empty body empties the group', method: 'PUT', path: '/metrics/job/comments', body: '' },
  { name: 'POST with an empty body', method: 'POST', path: '/metrics/job/some_job', body: '' },
  { name: 'push_time_seconds pushed is overridden', method: 'POST', path: '/metrics/job/pt', body: 'push_time_seconds 3\n' },
  { name: 'DELETE', method: 'DELETE', path: '/metrics/job/override' },
  { name: 'DELETE of a missing group', method: 'DELETE', path: '/metrics/job/nonexistent' },
  { name: 'DELETE with a bad URL', method: 'DELETE', path: '/metrics/job/a/b' },
  { name: 'GET on a push path', method: 'GET', path: '/metrics/job/a' },
  { name: 'wipe without the admin API', method: 'PUT', path: '/api/v1/admin/wipe' },
  { name: 'quit without the lifecycle API', method: 'PUT', path: '/-/quit' },
  { name: 'quit with GET', method: 'GET', path: '/-/quit' },
  { name: 'healthy', method: 'GET', path: '/-/healthy' },
  { name: 'ready', method: 'GET', path: '/-/ready' },
  { name: 'unknown path', method: 'GET', path: '/nothing/here' },
  { name: 'unknown API path', method: 'GET', path: '/api/v1/nothing' },
  // Last: after this, the Pushgateway's DELETE handler for base64 job names hangs forever (its handler
  // returns without unlocking its mutex on this error).
  { name: 'URL: bad base64 job', method: 'DELETE', path: '/metrics/job@base64/!!' },
];

let real: RealGateway;
let vigil: RunningPushgateway;

before(async () => {
  real = await startReal();
  vigil = await startVigil();
});

after(async () => {
  await real?.stop();
  await vigil?.close();
});

test('conformance: every answer is the Pushgateway\'s', async () => {
  const mismatches: string[] = [];
  for (const s of steps) {
    if (process.env.PG_DEBUG) console.error("step", s.name);
    const a = await send(real.url + s.path, s.method, s.body, s.headers);
    const b = await send(vigil.url + s.path, s.method, s.body, s.headers);
    if (a.status !== b.status || (s.compare !== 'status' && a.body !== b.body)) {
      mismatches.push(`${s.name}: pushgateway ${a.status} ${JSON.stringify(a.body)}, vigil ${b.status} ${JSON.stringify(b.body)}`);
    }
  }
  assert.deepEqual(mismatches, []);
});

test('conformance: the same exposition after the same pushes', async () => {
  const [a, b] = await Promise.all([exposition(real.url), exposition(vigil.url)]);
  assert.equal(b, a);
  // The scenario left something to compare.
  assert.match(b, /some_metric\{instance="some_instance",job="some_job",label="val1"\} 42/);
  assert.match(b, /hh_bucket\{instance="",job="hist",le="\+Inf"\} 3/);
});

/** The JSON API with times masked and groups in a fixed order. */
function normalizeApi(body: string): unknown {
  const j = JSON.parse(body) as { status: string; data: Array<Record<string, unknown>> };
  for (const g of j.data) {
    for (const [k, v] of Object.entries(g)) {
      if (typeof v !== 'object' || v === null || !('time_stamp' in v)) continue;
      const fam = v as { time_stamp: string; metrics: Array<{ value?: string }> };
      fam.time_stamp = '<t>';
      if (k === 'push_time_seconds' || k === 'push_failure_time_seconds') for (const m of fam.metrics) if (m.value !== '0') m.value = '<t>';
    }
  }
  j.data.sort((x, y) => (JSON.stringify(x.labels) < JSON.stringify(y.labels) ? -1 : 1));
  return j;
}

test('conformance: the same JSON from /api/v1/metrics', async () => {
  const [a, b] = await Promise.all([send(real.url + '/api/v1/metrics', 'GET'), send(vigil.url + '/api/v1/metrics', 'GET')]);
  assert.equal(b.status, 200);
  assert.equal(b.headers['content-type'], 'application/json');
  assert.deepEqual(normalizeApi(b.body), normalizeApi(a.body));
});

test('conformance: /api/v1/status has the same shape', async () => {
  const [a, b] = await Promise.all([send(real.url + '/api/v1/status', 'GET'), send(vigil.url + '/api/v1/status', 'GET')]);
  const ja = JSON.parse(a.body) as { data: Record<string, Record<string, string>> };
  const jb = JSON.parse(b.body) as { data: Record<string, Record<string, string>> };
  assert.deepEqual(Object.keys(jb.data), Object.keys(ja.data));
  assert.deepEqual(Object.keys(jb.data.build_information).sort(), Object.keys(ja.data.build_information).sort());
  for (const flag of ['persistence.interval', 'web.telemetry-path', 'push.disable-consistency-check', 'web.enable-admin-api']) {
    assert.equal(jb.data.flags[flag], ja.data.flags[flag], flag);
  }
  assert.match(String(jb.data.start_time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
});
