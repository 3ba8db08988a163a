import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RANGE, decodePanels, encodePanels, newPanel, splitPath } from './url-state.js';

test('Prometheus 2.x graph links decode to the same view', () => {
  const cases: { name: string; search: string; want: Partial<ReturnType<typeof newPanel>>[] }[] = [
    { name: 'expr and graph tab', search: '?g0.expr=up&g0.tab=0', want: [{ expr: 'up', tab: 'graph', range: DEFAULT_RANGE, endTime: null, displayMode: 'lines' }] },
    { name: 'table tab', search: 'g0.expr=up&g0.tab=1', want: [{ expr: 'up', tab: 'table' }] },
    {
      name: 'range, end, step, stacked',
      search: 'g0.expr=rate(http_requests_total%5B5m%5D)&g0.tab=0&g0.stacked=1&g0.range_input=2d&g0.end_input=2024-05-01%2012%3A00%3A00&g0.step_input=60&g0.show_exemplars=0',
      want: [{ expr: 'rate(http_requests_total[5m])', tab: 'graph', displayMode: 'stacked', range: 2 * 86400e3, endTime: Date.UTC(2024, 4, 1, 12), step: 60 }],
    },
    {
      name: 'moment for the table',
      search: 'g0.expr=up&g0.tab=1&g0.moment_input=2024-05-01%2012%3A00%3A00',
      want: [{ tab: 'table', moment: Date.UTC(2024, 4, 1, 12) }],
    },
    {
      name: 'several panels, v3 keys',
      search: 'g0.expr=a&g0.tab=graph&g0.display_mode=heatmap&g0.range_input=1h30m&g1.expr=b&g1.tab=explain',
      want: [{ expr: 'a', tab: 'graph', displayMode: 'heatmap', range: 5400e3 }, { expr: 'b', tab: 'explain' }],
    },
    { name: 'stops at a gap', search: 'g0.expr=a&g2.expr=c', want: [{ expr: 'a' }] },
    { name: 'empty expression is a panel', search: 'g0.expr=', want: [{ expr: '' }] },
    { name: 'bad values fall back', search: 'g0.expr=a&g0.tab=9&g0.range_input=soon&g0.end_input=never&g0.step_input=-3', want: [{ tab: 'graph', range: DEFAULT_RANGE, endTime: null, step: null }] },
    { name: 'no panels', search: '', want: [] },
  ];
  for (const c of cases) {
    const got = decodePanels(c.search);
    assert.equal(got.length, c.want.length, c.name);
    c.want.forEach((w, i) => {
      for (const [k, v] of Object.entries(w)) assert.deepEqual(got[i]![k as keyof typeof w], v, `${c.name}: panel ${i} ${k}`);
    });
  }
});

test('encode then decode gives the same panels', () => {
  const panels = [
    newPanel('sum by (job) (rate(x[5m])) > 0 & "q"', { tab: 'graph', displayMode: 'stacked', range: 6 * 3600e3, endTime: Date.UTC(2024, 0, 1, 0, 0, 0), step: 30 }),
    newPanel('up{job="<script>"}', { tab: 'table', moment: Date.UTC(2024, 0, 1, 1, 2, 3) }),
    newPanel('foo_bucket', { tab: 'explain', displayMode: 'heatmap' }),
  ];
  const search = encodePanels(panels);
  assert.match(search, /^g0\.expr=/);
  assert.match(search, /g0\.tab=0/); // graph as Prometheus writes it
  assert.match(search, /g1\.tab=1/);
  assert.match(search, /g0\.range_input=6h/);
  assert.match(search, /g0\.end_input=2024-01-01\+00%3A00%3A00/);
  assert.deepEqual(decodePanels(search), panels);
});

test('splitPath finds the prefix and the page', () => {
  const cases: [string, string, string][] = [
    ['/', '', 'query'],
    ['/query', '', 'query'],
    ['/graph', '', 'query'],
    ['/targets', '', 'targets'],
    ['/tsdb-status', '', 'tsdb-status'],
    ['/vigil/', '/vigil', 'query'],
    ['/vigil', '/vigil', 'query'],
    ['/a/b/service-discovery', '/a/b', 'service-discovery'],
    ['/a/b/flags/', '/a/b', 'flags'],
  ];
  for (const [path, prefix, page] of cases) assert.deepEqual(splitPath(path), { prefix, page }, path);
});
