import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Target } from './api.js';
import { groupTargets, type Health } from './targets.js';

const t = (pool: string, url: string, health: Health, labels: Record<string, string> = {}, lastError = ''): Target => ({
  discoveredLabels: { __address__: url },
  labels: { job: pool, ...labels },
  scrapePool: pool,
  scrapeUrl: url,
  globalUrl: url,
  lastError,
  lastScrape: '2024-01-01T00:00:00Z',
  lastScrapeDuration: 0.01,
  health,
  scrapeInterval: '15s',
  scrapeTimeout: '10s',
});

const targets = [
  t('node', 'http://a:9100/metrics', 'up', { env: 'prod' }),
  t('node', 'http://b:9100/metrics', 'down', { env: 'dev' }, 'connection refused'),
  t('api', 'http://c:8080/metrics', 'unknown'),
];

test('targets filter by health and text, grouped by pool', () => {
  const cases: { name: string; health: Health[]; text: string; want: Record<string, string[]> }[] = [
    { name: 'all', health: [], text: '', want: { api: ['http://c:8080/metrics'], node: ['http://a:9100/metrics', 'http://b:9100/metrics'] } },
    { name: 'down only', health: ['down'], text: '', want: { node: ['http://b:9100/metrics'] } },
    { name: 'up or unknown', health: ['up', 'unknown'], text: '', want: { api: ['http://c:8080/metrics'], node: ['http://a:9100/metrics'] } },
    { name: 'label text', health: [], text: 'env="prod"', want: { node: ['http://a:9100/metrics'] } },
    { name: 'error text, any case', health: [], text: 'REFUSED', want: { node: ['http://b:9100/metrics'] } },
    { name: 'two words', health: [], text: 'node 9100 dev', want: { node: ['http://b:9100/metrics'] } },
    { name: 'nothing', health: ['up'], text: 'api', want: {} },
  ];
  for (const c of cases) {
    const pools = groupTargets(targets, { health: new Set(c.health), text: c.text });
    const got = Object.fromEntries(pools.map((p) => [p.pool, p.targets.map((x) => x.scrapeUrl)]));
    assert.deepEqual(got, c.want, c.name);
  }
  const node = groupTargets(targets, { health: new Set(['down']), text: '' })[0]!;
  assert.deepEqual([node.up, node.total], [1, 2]); // counts are over the whole pool
});
