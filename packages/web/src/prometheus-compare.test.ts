/**
 * The HTTP API answers as Prometheus does: Debian's Prometheus 2.42 and Vigil serve copies of the same
 * blocks (written by promtool from a generated OpenMetrics file), and a table of requests gets the same
 * status, content type and body from both, byte for byte. Sample values may differ in the last digits
 * where Prometheus 3.x's arithmetic (Kahan summation) differs from 2.42's: those cases compare numbers
 * with a relative tolerance of 1e-12. Where 3.x's API differs from 2.42's, the case states both answers.
 * Query times are 7 s off the 15 s sample grid, so 2.42's closed and 3.x's left-open range windows
 * select the same samples.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '@vigil/testkit';
import { copyDir, get, promtoolBlocks, qs, startPrometheus, startTestServer, type Answer, type PrometheusPeer, type TestServer } from './test-helpers.js';
import { SMALL_DATASET } from './testdata.js';

const T = String(SMALL_DATASET.start + 1800 + 7);
const S = String(SMALL_DATASET.start + 600 + 7);
const E = String(SMALL_DATASET.start + 2100 + 7);

interface Case {
  readonly name: string;
  readonly path: string;
  /** Form body: sent as POST. */
  readonly form?: Record<string, string | string[]>;
  /**
   * 'exact' (default), 'numbers' (values within 1e-12), 'unordered' (an instant vector whose order
   * Prometheus leaves to its hash tables), or a known difference with both answers.
   */
  readonly compare?: 'exact' | 'numbers' | 'unordered' | { readonly vigil: string; readonly prometheus: string; readonly why: string };
}

const q = (query: string, extra: Record<string, string> = {}) => `/api/v1/query?${qs({ query, time: T, ...extra })}`;
const qr = (query: string, extra: Record<string, string> = {}) => `/api/v1/query_range?${qs({ query, start: S, end: E, step: '60', ...extra })}`;

const CASES: Case[] = [
  // Instant queries: every result type, formatting of values and labels.
  { name: 'instant vector selector', path: q('http_requests_total{job="job-0",handler="/api/h0"}') },
  { name: 'values: NaN, ±Inf, tiny, huge, integers', path: q('edge_values') },
  { name: 'label values escaped as Go does (<, >, &, quotes, unicode)', path: q('edge_labels') },
  { name: 'rate summed by a label', path: q('sum by (job) (rate(http_requests_total[5m]))'), compare: 'numbers' },
  { name: 'histogram_quantile over bucket rates', path: q('histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'), compare: 'numbers' },
  { name: 'topk', path: q('topk(3, http_requests_total)') },
  { name: 'count by', path: q('count by (code) (http_requests_total)') },
  { name: 'label_replace', path: q('label_replace(app_build_info, "v", "$1", "version", "v(.*)")') },
  { name: 'one-to-many join', path: q('app_build_info * on (instance) group_right (version) app_memory_bytes') },
  { name: 'subquery', path: q('max_over_time(sum by (job) (app_memory_bytes)[10m:1m])'), compare: 'unordered' },
  { name: 'matrix result of an instant query', path: q('http_requests_total{instance="host-0-0:8080"}[1m]') },
  { name: 'scalar result', path: q('scalar(sum(app_build_info))') },
  { name: 'scalar with a fractional time', path: `/api/v1/query?${qs({ query: 'time()', time: T + '.5' })}` },
  { name: 'string result', path: q('"hello"') },
  { name: 'vector at a time with milliseconds (trailing zeros kept)', path: `/api/v1/query?${qs({ query: 'app_build_info{job="job-0"}', time: T + '.25' })}` },
  { name: 'range with milliseconds in start and step', path: `/api/v1/query_range?${qs({ query: 'sum(app_build_info)', start: S + '.1', end: E, step: '60.5' })}` },
  { name: 'absent', path: q('absent(nonexistent_metric{job="x"})') },
  { name: 'empty result', path: q('up') },
  { name: 'RFC 3339 time', path: `/api/v1/query?${qs({ query: 'time()', time: '2023-11-15T00:30:07.25Z' })}` },
  { name: 'POST form body', path: '/api/v1/query', form: { query: 'sum(app_build_info)', time: T } },
  // Query errors.
  { name: 'parse error', path: q('foo{') },
  { name: 'unclosed parenthesis', path: q('sum(') },
  { name: 'type error', path: q('rate(up)') },
  {
    name: 'empty query',
    path: `/api/v1/query?${qs({ time: T })}`,
    compare: {
      why: '3.x gives no position for an empty query',
      vigil: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": unknown position: parse error: no expression found in input"}',
      prometheus: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:1: parse error: no expression found in input"}',
    },
  },
  { name: 'many-to-many matching error', path: q('http_requests_total / on (instance) app_memory_bytes') },
  { name: 'bad timeout', path: q('1', { timeout: 'x' }) },
  // Range queries.
  { name: 'range: rate summed by a label', path: qr('sum by (job) (rate(http_requests_total[5m]))'), compare: 'numbers' },
  { name: 'range: gauges', path: qr('app_memory_bytes{job="job-0"}') },
  { name: 'range: edge values', path: qr('edge_values') },
  { name: 'range: scalar becomes a matrix', path: qr('time()') },
  { name: 'range: POST form body', path: '/api/v1/query_range', form: { query: 'sum by (job) (app_memory_bytes)', start: S, end: E, step: '150' } },
  { name: 'range: float step and RFC 3339 times', path: `/api/v1/query_range?${qs({ query: 'vector(1)', start: '2023-11-15T00:10:07Z', end: '2023-11-15T00:20:07Z', step: '90.5' })}` },
  { name: 'range: bad start', path: `/api/v1/query_range?${qs({ query: 'up', start: 'x', end: E, step: '15' })}` },
  { name: 'range: bad end', path: `/api/v1/query_range?${qs({ query: 'up', start: S, end: 'y', step: '15' })}` },
  { name: 'range: end before start', path: `/api/v1/query_range?${qs({ query: 'up', start: E, end: S, step: '15' })}` },
  { name: 'range: zero step', path: `/api/v1/query_range?${qs({ query: 'up', start: S, end: E, step: '0' })}` },
  { name: 'range: bad step', path: `/api/v1/query_range?${qs({ query: 'up', start: S, end: E, step: '1x' })}` },
  { name: 'range: missing step', path: `/api/v1/query_range?${qs({ query: 'up', start: S, end: E })}` },
  { name: 'range: more than 11,000 points', path: `/api/v1/query_range?${qs({ query: 'up', start: '0', end: '100000', step: '1' })}` },
  {
    name: 'range: parse error',
    path: qr('foo{'),
    compare: {
      why: '3.x reports parse errors of range queries as an invalid "query" parameter, as for instant queries',
      vigil: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:5: parse error: unexpected end of input inside braces"}',
      prometheus: '{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input inside braces"}',
    },
  },
  {
    name: 'range: a range vector is refused',
    path: qr('http_requests_total[1m]'),
    compare: {
      why: '3.x reports everything NewRangeQuery refuses as an invalid "query" parameter',
      vigil: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": invalid expression type \\"range vector\\" for range query, must be Scalar or instant Vector"}',
      prometheus: '{"status":"error","errorType":"bad_data","error":"invalid expression type \\"range vector\\" for range query, must be Scalar or instant Vector"}',
    },
  },
  // Series, labels, label values.
  { name: 'series', path: `/api/v1/series?${qs({ 'match[]': 'app_build_info' })}` },
  { name: 'series with two match[] and a time range', path: `/api/v1/series?${qs({ 'match[]': ['app_build_info', 'edge_labels', 'app_build_info{job="job-0"}'], start: S, end: E })}` },
  { name: 'series by POST', path: '/api/v1/series', form: { 'match[]': ['{__name__=~"edge_.*"}'], start: S, end: E } },
  { name: 'series without match[]', path: '/api/v1/series' },
  { name: 'series with only empty matchers', path: `/api/v1/series?${qs({ 'match[]': '{job=""}' })}` },
  { name: 'series with a bad selector', path: `/api/v1/series?${qs({ 'match[]': 'foo{' })}` },
  { name: 'labels', path: '/api/v1/labels' },
  { name: 'labels with match[]', path: `/api/v1/labels?${qs({ 'match[]': 'app_build_info' })}` },
  { name: 'labels by POST', path: '/api/v1/labels', form: { 'match[]': ['edge_values', 'app_build_info'], start: S, end: E } },
  { name: 'labels outside the data', path: `/api/v1/labels?${qs({ start: '1', end: '2' })}` },
  { name: 'label values of __name__', path: '/api/v1/label/__name__/values' },
  { name: 'label values with match[]', path: `/api/v1/label/version/values?${qs({ 'match[]': 'app_build_info{job="job-0"}' })}` },
  { name: 'label values of an unknown label', path: '/api/v1/label/nope/values' },
  {
    name: 'label values of a name that is valid in UTF-8 only',
    path: '/api/v1/label/1a/values',
    compare: {
      why: '3.x validates label names as UTF-8 (any non-empty name); 2.42 used the legacy charset',
      vigil: '{"status":"success","data":[]}',
      prometheus: '{"status":"error","errorType":"bad_data","error":"invalid label name: \\"1a\\""}',
    },
  },
  {
    name: 'series with a bad start',
    path: `/api/v1/series?${qs({ 'match[]': 'up', start: 'x' })}`,
    compare: {
      why: "3.x writes 'invalid time value' in lower case",
      vigil: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"start\\": invalid time value for \'start\': cannot parse \\"x\\" to a valid timestamp"}',
      prometheus: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"start\\": Invalid time value for \'start\': cannot parse \\"x\\" to a valid timestamp"}',
    },
  },
  // Other endpoints.
  { name: 'format_query', path: `/api/v1/format_query?${qs({ query: 'sum(rate(foo{a="b"}[5m]))by(job)' })}` },
  { name: 'format_query error', path: `/api/v1/format_query?${qs({ query: 'foo{' })}` },
  { name: 'query_exemplars (none stored)', path: `/api/v1/query_exemplars?${qs({ query: 'http_requests_total', start: S, end: E })}` },
  { name: 'query_exemplars without selectors: 204', path: `/api/v1/query_exemplars?${qs({ query: '1' })}` },
  { name: 'query_exemplars parse error', path: `/api/v1/query_exemplars?${qs({ query: 'foo{' })}` },
  { name: 'metadata', path: '/api/v1/metadata' },
  { name: 'metadata bad limit', path: '/api/v1/metadata?limit=x' },
  { name: 'targets metadata', path: '/api/v1/targets/metadata' },
  { name: 'rules', path: '/api/v1/rules' },
  { name: 'rules bad type', path: '/api/v1/rules?type=foo' },
  { name: 'alerts', path: '/api/v1/alerts' },
  { name: 'alertmanagers', path: '/api/v1/alertmanagers' },
  { name: 'status/tsdb', path: '/api/v1/status/tsdb' },
  { name: 'walreplay', path: '/api/v1/status/walreplay' },
  {
    name: 'targets',
    path: '/api/v1/targets',
    compare: {
      why: '3.x adds droppedTargetCounts',
      vigil: '{"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":{}}}',
      prometheus: '{"status":"success","data":{"activeTargets":[],"droppedTargets":[]}}',
    },
  },
  { name: 'federate without match[]', path: '/federate' },
  { name: 'federate (nothing within the lookback delta)', path: `/federate?${qs({ 'match[]': '{job="job-0"}' })}` },
  { name: 'federate with a bad selector', path: `/federate?${qs({ 'match[]': 'foo{' })}` },
  { name: 'unknown API path', path: '/api/v1/nonexistent' },
  { name: 'admin API by GET', path: '/api/v1/admin/tsdb/snapshot' },
  { name: 'admin API disabled', path: '/api/v1/admin/tsdb/delete_series', form: { 'match[]': 'up' } },
  { name: 'healthy', path: '/-/healthy', compare: { why: 'the server names itself', vigil: 'Vigil Server is Healthy.\n', prometheus: 'Prometheus Server is Healthy.\n' } },
  { name: 'reload without the lifecycle API', path: '/-/reload', form: {} },
  { name: 'reload by GET', path: '/-/reload' },
];

/** Equal JSON, sample values equal within a relative 1e-12. */
function sameNumbers(a: unknown, b: unknown, path = '$'): void {
  if (typeof a === 'string' && typeof b === 'string' && a !== b) {
    const x = Number(a);
    const y = Number(b);
    if (Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y))) return;
    assert.equal(a, b, `at ${path}`);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `length at ${path}`);
    a.forEach((x, i) => sameNumbers(x, b[i], `${path}[${i}]`));
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a), Object.keys(b), `keys at ${path}`);
    for (const k of Object.keys(a)) sameNumbers((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  assert.equal(a, b, `at ${path}`);
}

describe('HTTP API against Prometheus 2.42 on the same blocks', () => {
  const dir = tempDir('vigil-web-compare-');
  let vigil: TestServer;
  let prom: PrometheusPeer;

  before(async () => {
    const blocks = promtoolBlocks(dir.path, SMALL_DATASET);
    vigil = await startTestServer(copyDir(blocks, join(dir.path, 'vigil')));
    prom = await startPrometheus(copyDir(blocks, join(dir.path, 'prometheus')));
  });

  after(async () => {
    await prom?.stop();
    await vigil?.close();
    dir.cleanup();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const [v, p]: Answer[] = await Promise.all([get(vigil.url + c.path, { form: c.form }), get(prom.url + c.path, { form: c.form })]);
      const compare = c.compare ?? 'exact';
      if (typeof compare === 'object') {
        assert.equal(v.body, compare.vigil, `Vigil's answer (${compare.why})`);
        assert.equal(p.body, compare.prometheus, `Prometheus's answer changed: the documented difference (${compare.why}) needs updating`);
        return;
      }
      assert.equal(v.status, p.status, `status of ${c.path}: vigil ${v.body.slice(0, 300)} prometheus ${p.body.slice(0, 300)}`);
      assert.equal(v.contentType, p.contentType, 'content type');
      if (compare === 'exact' || v.body === p.body) {
        assert.equal(v.body, p.body);
      } else if (compare === 'unordered') {
        const key = (x: unknown) => JSON.stringify(x);
        const vr = JSON.parse(v.body);
        const pr = JSON.parse(p.body);
        vr.data.result.sort((a: unknown, b: unknown) => (key(a) < key(b) ? -1 : 1));
        pr.data.result.sort((a: unknown, b: unknown) => (key(a) < key(b) ? -1 : 1));
        assert.deepEqual(vr, pr);
      } else {
        sameNumbers(JSON.parse(v.body), JSON.parse(p.body));
      }
    });
  }

  it('build info has the same fields', async () => {
    const [v, p] = await Promise.all([get(vigil.url + '/api/v1/status/buildinfo'), get(prom.url + '/api/v1/status/buildinfo')]);
    assert.deepEqual(Object.keys(JSON.parse(v.body).data), Object.keys(JSON.parse(p.body).data));
  });

  it('runtime info has the fields of 3.x (2.42 lacks hostname and serverTime)', async () => {
    const [v, p] = await Promise.all([get(vigil.url + '/api/v1/status/runtimeinfo'), get(prom.url + '/api/v1/status/runtimeinfo')]);
    const vk = Object.keys(JSON.parse(v.body).data);
    const pk = Object.keys(JSON.parse(p.body).data);
    assert.deepEqual(vk.filter((k) => k !== 'hostname' && k !== 'serverTime' && k !== 'GOMEMLIMIT' && k !== 'GODEBUG'), pk.filter((k) => k !== 'GOMEMLIMIT' && k !== 'GODEBUG'));
  });

  it('config and flags have the same shape', async () => {
    for (const path of ['/api/v1/status/config', '/api/v1/status/flags']) {
      const [v, p] = await Promise.all([get(vigil.url + path), get(prom.url + path)]);
      assert.equal(v.status, 200);
      assert.equal(p.status, 200);
      const vd = JSON.parse(v.body).data;
      const pd = JSON.parse(p.body).data;
      assert.equal(typeof vd, typeof pd);
      if (path.endsWith('config')) assert.deepEqual(Object.keys(vd), Object.keys(pd));
      else for (const d of [vd, pd]) for (const x of Object.values(d)) assert.equal(typeof x, 'string');
    }
  });
});

/**
 * The requests Grafana's Prometheus data source sends (its backend client, `pkg/promlib/client`): queries
 * as POST form bodies (times and step as float seconds), resource calls POST first and retried as GET on
 * 405/400 with the body moved to the URL, GET-only endpoints as GET. Each gets the same answer from both.
 */
describe("Grafana's requests get Prometheus's answers", () => {
  const dir = tempDir('vigil-web-grafana-');
  let vigil: TestServer;
  let prom: PrometheusPeer;
  const headers = { 'User-Agent': 'Grafana/11.3.0', 'Accept-Encoding': 'gzip', 'X-Grafana-Org-Id': '1' };

  before(async () => {
    const blocks = promtoolBlocks(dir.path, SMALL_DATASET);
    vigil = await startTestServer(copyDir(blocks, join(dir.path, 'vigil')));
    prom = await startPrometheus(copyDir(blocks, join(dir.path, 'prometheus')));
  });

  after(async () => {
    await prom?.stop();
    await vigil?.close();
    dir.cleanup();
  });

  /** Grafana's `QueryResource`: POST with the form body; on 405 or 400, GET with the body in the URL. */
  async function resource(base: string, path: string, body: Record<string, string | string[]>, getOnly = false): Promise<Answer & { method: string }> {
    const params = qs(body);
    if (!getOnly) {
      const r = await get(base + path, { form: body, headers });
      if (r.status !== 405 && r.status !== 400) return { ...r, method: 'POST' };
    }
    const r = await get(base + path + (params ? '?' + params : ''), { headers });
    return { ...r, method: 'GET' };
  }

  const RANGE = { start: S, end: E };
  const calls: Array<{ name: string; path: string; body: Record<string, string | string[]>; getOnly?: boolean; numbers?: boolean; method: string }> = [
    { name: 'health check: 1+1 instant', path: '/api/v1/query', body: { query: '1+1', time: T }, method: 'POST' },
    { name: 'range query', path: '/api/v1/query_range', body: { query: 'sum by (job) (rate(http_requests_total[5m]))', start: S, end: E, step: '30' }, numbers: true, method: 'POST' },
    { name: 'range query with a timeout', path: '/api/v1/query_range', body: { query: 'app_memory_bytes', start: S, end: E, step: '60', timeout: '60s' }, method: 'POST' },
    { name: 'instant query', path: '/api/v1/query', body: { query: 'topk(2, app_memory_bytes)', time: T }, method: 'POST' },
    { name: 'exemplars', path: '/api/v1/query_exemplars', body: { query: 'http_requests_total', ...RANGE }, method: 'POST' },
    { name: 'label names', path: '/api/v1/labels', body: RANGE, method: 'POST' },
    { name: 'label names for a selector', path: '/api/v1/labels', body: { 'match[]': 'http_requests_total', ...RANGE }, method: 'POST' },
    { name: 'metric names', path: '/api/v1/label/__name__/values', body: RANGE, method: 'GET' },
    { name: 'label values for a selector (POST refused, GET retried)', path: '/api/v1/label/job/values', body: { 'match[]': 'app_build_info', ...RANGE }, method: 'GET' },
    { name: 'series', path: '/api/v1/series', body: { 'match[]': 'app_build_info{job="job-1"}', ...RANGE }, method: 'POST' },
    { name: 'metadata', path: '/api/v1/metadata', body: {}, getOnly: true, method: 'GET' },
    { name: 'build info', path: '/api/v1/status/buildinfo', body: {}, getOnly: true, method: 'GET' },
  ];

  for (const c of calls) {
    it(c.name, async () => {
      const [v, p] = await Promise.all([resource(vigil.url, c.path, c.body, c.getOnly), resource(prom.url, c.path, c.body, c.getOnly)]);
      assert.equal(v.method, c.method, 'the method that got the answer');
      assert.equal(v.method, p.method);
      assert.equal(v.status, p.status, v.body.slice(0, 300));
      assert.equal(v.status, 200);
      if (c.path.endsWith('buildinfo')) {
        assert.deepEqual(Object.keys(JSON.parse(v.body).data), Object.keys(JSON.parse(p.body).data));
      } else if (c.numbers) {
        sameNumbers(JSON.parse(v.body), JSON.parse(p.body));
      } else {
        assert.equal(v.body, p.body);
      }
    });
  }
});
