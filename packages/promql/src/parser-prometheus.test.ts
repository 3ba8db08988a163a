/**
 * Checks the parser against the real thing: Debian's Prometheus 2.42 on 127.0.0.1 answers every query of
 * SAME_AS_2_42 with the same error message we give, and accepts the valid queries we accept with the
 * same result type.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireProgram, startProcess, tempDir, waitForHttp, type RunningProcess } from '@vigil/testkit';
import { type } from './ast.js';
import { parseExpr } from './parser.js';
import { ParseError } from './parse-error.js';
import { SAME_AS_2_42 } from './parser-errors.cases.js';

let prom: RunningProcess | undefined;
let dir: { path: string; cleanup: () => void } | undefined;
let base = '';

before(async () => {
  const bin = requireProgram('prometheus');
  dir = tempDir('vigil-promql-parser-');
  const config = join(dir.path, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  prom = startProcess(bin, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await waitForHttp(`${base}/-/ready`, 30000, prom);
});

after(async () => {
  await prom?.stop();
  dir?.cleanup();
});

/** Prometheus's verdict on a query: `ERR <message>` or `OK <resultType>`. */
async function prometheus(query: string): Promise<string> {
  const r = await fetch(`${base}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query, time: '1000' }),
  });
  const j = (await r.json()) as { status: string; error?: string; data?: { resultType: string } };
  if (j.status === 'success') return `OK ${j.data!.resultType}`;
  return 'ERR ' + (j.error ?? '').replace(/^invalid parameter "query": /, '');
}

function ours(query: string): string {
  try {
    return `OK ${type(parseExpr(query))}`;
  } catch (e) {
    if (e instanceof ParseError) return `ERR ${e.message}`;
    throw e;
  }
}

test('prometheus 2.42 gives the same parse errors', async () => {
  const mismatches: string[] = [];
  for (const [q] of SAME_AS_2_42) {
    const want = await prometheus(q);
    const got = ours(q);
    if (want !== got) mismatches.push(`${JSON.stringify(q)}\n  prometheus: ${want}\n  vigil:      ${got}`);
  }
  assert.equal(mismatches.length, 0, mismatches.join('\n'));
  assert.ok(SAME_AS_2_42.length > 250);
});

test('prometheus 2.42 accepts the same valid queries, with the same result type', async () => {
  const queries = [
    'up',
    'up{job="prometheus", instance=~".+:9090"}',
    '{__name__=~"up|scrape_.*"}',
    'rate(prometheus_http_requests_total[5m])',
    'sum by (job) (rate(x[5m])) / on (job) group_left sum by (job) (y)',
    'sum(x) without (instance)',
    'topk(3, x) or bottomk by (a) (2, y)',
    'count_values("v", x)',
    'quantile(0.9, x) unless on() vector(1)',
    'histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))',
    'x offset -5m @ 100',
    'x[5m] @ start() offset 1m',
    'max_over_time(rate(x[1m])[30m:1m])',
    'min_over_time(x[1h:])',
    'x[10m:1m] offset 5m',
    '1 + 2 * 3 ^ 2 ^ -1 % 5',
    '-x ^ 2 > bool 1',
    'x == bool on(a) y',
    'x atan2 y',
    'label_replace(x, "a", "$1", "b", "(.*)")',
    'label_join(x, "a", "-", "b", "c", "d")',
    'holt_winters(x[10m], 0.5, 0.5)',
    'round(x, 0.5) + clamp(x, 0, 1) + clamp_min(x, 0)',
    'time() - timestamp(x)',
    'scalar(x) * 2',
    'day_of_week() + hour(x)',
    'absent_over_time(x[5m])',
    'present_over_time(x[5m])',
    'sgn(x) + deg(x) + rad(x) + acosh(x)',
    '0x10 + 1e3 + .5 + Inf + NaN',
    '"a string"',
    "'single'",
    '`raw\\string`',
    'sum(\n  x # a comment\n)',
    'sum without () (x)',
    'group by (a) (x)',
    'stddev(x) + stdvar(x)',
  ];
  const mismatches: string[] = [];
  for (const q of queries) {
    const want = await prometheus(q);
    const got = ours(q);
    if (want !== got) mismatches.push(`${JSON.stringify(q)}\n  prometheus: ${want}\n  vigil:      ${got}`);
  }
  assert.equal(mismatches.length, 0, mismatches.join('\n'));
});
