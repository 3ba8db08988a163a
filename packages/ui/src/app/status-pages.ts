/** Configuration, flags, runtime & build information, TSDB status, and the metrics explorer. */
import type { ApiClient, NameCount } from '../lib/api.js';
import { tokenizeYaml } from '../lib/yaml-tokens.js';
import { filterMetrics, metadataFor } from '../lib/explorer.js';
import { el, errorBox, loading, replace } from './dom.js';

type Cleanup = () => void;

function load<T>(body: HTMLElement, what: string, get: (s: AbortSignal) => Promise<T>, show: (v: T) => void): Cleanup {
  const ctl = new AbortController();
  replace(body, loading());
  get(ctl.signal).then(
    (v) => {
      replace(body);
      show(v);
    },
    (e) => (e as Error).name !== 'AbortError' && replace(body, errorBox(`Cannot load ${what}: ${(e as Error).message}`)),
  );
  return () => ctl.abort();
}

const kvTable = (rows: [string, string][]) =>
  el('table', { class: 'data-table kv' }, el('tbody', null, ...rows.map(([k, v]) => el('tr', null, el('th', null, k), el('td', null, v)))));

export function configPage(root: HTMLElement, api: ApiClient): Cleanup {
  const body = el('div');
  const copy = el('button', { class: 'btn', type: 'button' }, 'Copy');
  root.append(el('div', { class: 'title-row' }, el('h1', null, 'Configuration'), copy), body);
  let yaml = '';
  copy.addEventListener('click', () => void navigator.clipboard?.writeText(yaml));
  return load(body, 'the configuration', (s) => api.config(s), (c) => {
    yaml = c.yaml;
    const pre = el('pre', { class: 'yaml', 'data-testid': 'config-yaml' });
    for (const t of tokenizeYaml(c.yaml)) pre.appendChild(t.kind === 'text' ? document.createTextNode(t.text) : el('span', { class: `y-${t.kind}` }, t.text));
    body.appendChild(pre);
  });
}

export function flagsPage(root: HTMLElement, api: ApiClient): Cleanup {
  const body = el('div');
  const filter = el('input', { class: 'input', type: 'search', placeholder: 'Filter flags', 'aria-label': 'Filter flags' });
  root.append(el('h1', null, 'Command-line flags'), el('div', { class: 'controls' }, filter), body);
  return load(body, 'the flags', (s) => api.flags(s), (flags) => {
    const all = Object.entries(flags).sort((a, b) => a[0].localeCompare(b[0]));
    const table = el('div', { class: 'scroll' });
    const draw = () => {
      const f = filter.value.toLowerCase();
      replace(table, kvTable(all.filter(([k, v]) => k.toLowerCase().includes(f) || v.toLowerCase().includes(f)).map(([k, v]) => [`--${k}`, v])));
    };
    filter.addEventListener('input', draw);
    body.appendChild(table);
    draw();
  });
}

export function statusPage(root: HTMLElement, api: ApiClient): Cleanup {
  const runtime = el('div');
  const build = el('div');
  root.append(el('h1', null, 'Runtime & build information'), el('h2', null, 'Runtime information'), runtime, el('h2', null, 'Build information'), build);
  const a = load(runtime, 'runtime information', (s) => api.runtimeInfo(s), (info) => runtime.appendChild(kvTable(Object.entries(info).map(([k, v]) => [k, String(v)]))));
  const b = load(build, 'build information', (s) => api.buildInfo(s), (info) => build.appendChild(kvTable(Object.entries(info).map(([k, v]) => [k, String(v)]))));
  return () => {
    a();
    b();
  };
}

const countTable = (title: string, head: string, rows: NameCount[] | null, valueHead = 'Count') =>
  el(
    'section',
    { class: 'card' },
    el('h2', null, title),
    rows && rows.length > 0
      ? el(
        'table',
        { class: 'data-table counts' },
        el('thead', null, el('tr', null, el('th', null, head), el('th', { class: 'num' }, valueHead))),
        el('tbody', null, ...rows.map((r) => el('tr', null, el('td', { class: 'name' }, r.name), el('td', { class: 'num' }, r.value.toLocaleString('en-US'))))),
      )
      : el('div', { class: 'empty' }, 'None.'),
  );

export function tsdbStatusPage(root: HTMLElement, api: ApiClient): Cleanup {
  const body = el('div');
  root.append(el('h1', null, 'TSDB status'), body);
  return load(body, 'the TSDB status', (s) => api.tsdbStatus(10, s), (st) => {
    const h = st.headStats;
    const t = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms));
    body.append(
      el('section', { class: 'card' }, el('h2', null, 'Head block'), kvTable([
        ['Number of series', h.numSeries.toLocaleString('en-US')],
        ['Number of chunks', h.chunkCount.toLocaleString('en-US')],
        ['Number of label pairs', h.numLabelPairs.toLocaleString('en-US')],
        ['Current min time', `${t(h.minTime)} (${h.minTime})`],
        ['Current max time', `${t(h.maxTime)} (${h.maxTime})`],
      ])),
      el(
        'div',
        { class: 'cards' },
        countTable('Top metrics by series count', 'Metric', st.seriesCountByMetricName),
        countTable('Top label names by value count', 'Label name', st.labelValueCountByLabelName),
        countTable('Top label names by memory used', 'Label name', st.memoryInBytesByLabelName, 'Bytes'),
        countTable('Top label pairs by series count', 'Label pair', st.seriesCountByLabelValuePair),
      ),
    );
  });
}

export function explorerPage(root: HTMLElement, api: ApiClient, queryPath: string): Cleanup {
  const body = el('div');
  const filter = el('input', { class: 'input', type: 'search', placeholder: 'Filter metric names and help', 'aria-label': 'Filter metrics' });
  root.append(el('h1', null, 'Metrics explorer'), el('div', { class: 'controls' }, filter), body);
  return load(
    body,
    'metric names',
    async (s) => {
      const [names, meta] = await Promise.all([api.labelValues('__name__', [], s), api.metadata(undefined, s).catch(() => ({}) as Awaited<ReturnType<ApiClient['metadata']>>)]);
      return { names, meta };
    },
    ({ names, meta }) => {
      const list = el('div', { class: 'scroll' });
      const count = el('div', { class: 'muted' });
      const draw = () => {
        const rows = filterMetrics(names, meta, filter.value);
        count.textContent = `${rows.length} of ${names.length} metrics`;
        replace(
          list,
          el(
            'table',
            { class: 'data-table' },
            el('thead', null, el('tr', null, el('th', null, 'Metric'), el('th', null, 'Type'), el('th', null, 'Help'))),
            el(
              'tbody',
              null,
              ...rows.slice(0, 2000).map((n) => {
                const m = metadataFor(meta, n);
                const params = new URLSearchParams({ 'g0.expr': n, 'g0.tab': '1' });
                return el(
                  'tr',
                  null,
                  el('td', null, el('a', { href: `${queryPath}?${params}`, 'data-nav': '' }, n)),
                  el('td', null, m ? el('span', { class: `badge type-${m.type}`, title: m.family === n ? null : `of ${m.family}` }, m.type) : ''),
                  el('td', { class: 'help' }, m?.help ?? ''),
                );
              }),
            ),
          ),
        );
      };
      filter.addEventListener('input', draw);
      body.append(count, list);
      draw();
    },
  );
}
