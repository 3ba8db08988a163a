/** Targets and service discovery pages, from `/api/v1/targets`. */
import { formatSeries, type ApiClient, type Target } from '../lib/api.js';
import { groupTargets, type Health } from '../lib/targets.js';
import { formatAgo, formatSeconds } from '../lib/time.js';
import { el, errorBox, labelChips, loading, replace, safeHref } from './dom.js';

export function targetsPage(root: HTMLElement, api: ApiClient): () => void {
  const health = new Set<Health>();
  const text = el('input', { class: 'input', type: 'search', placeholder: 'Filter by endpoint or labels', 'aria-label': 'Filter targets' });
  const boxes = (['up', 'down', 'unknown'] as const).map((h) => {
    const cb = el('input', { type: 'checkbox', value: h });
    cb.addEventListener('change', () => {
      if (cb.checked) health.add(h);
      else health.delete(h);
      draw();
    });
    return el('label', { class: `check health-${h}` }, cb, ` ${h}`);
  });
  const body = el('div', { class: 'pools' }, loading());
  root.append(el('h1', null, 'Targets'), el('div', { class: 'controls' }, text, el('span', { class: 'group' }, ...boxes)), body);
  text.addEventListener('input', () => draw());

  let targets: Target[] = [];
  let loadedAt = Date.now();
  const draw = () => {
    const pools = groupTargets(targets, { health, text: text.value });
    if (pools.length === 0) {
      replace(body, el('div', { class: 'empty' }, targets.length === 0 ? 'No targets.' : 'No target matches the filter.'));
      return;
    }
    replace(body);
    for (const p of pools) {
      const rows = p.targets.map((t) => {
        const href = safeHref(t.scrapeUrl);
        const chips = labelChips(t.labels);
        chips.title = `Discovered labels:\n${formatSeries(t.discoveredLabels)}`;
        const lastScrape = Date.parse(t.lastScrape);
        return el(
          'tr',
          { 'data-health': t.health },
          el('td', { class: 'endpoint' }, href ? el('a', { href, rel: 'noreferrer' }, t.scrapeUrl) : t.scrapeUrl),
          el('td', null, el('span', { class: `badge health-${t.health}` }, t.health.toUpperCase())),
          el('td', null, chips),
          el('td', null, Number.isFinite(lastScrape) && lastScrape > 0 ? formatAgo(lastScrape, loadedAt) : 'never'),
          el('td', null, formatSeconds(t.lastScrapeDuration)),
          el('td', { class: 'error-text' }, t.lastError),
        );
      });
      const table = el(
        'table',
        { class: 'data-table targets' },
        el('thead', null, el('tr', null, ...['Endpoint', 'State', 'Labels', 'Last scrape', 'Duration', 'Error'].map((h) => el('th', null, h)))),
        el('tbody', null, ...rows),
      );
      body.appendChild(
        el('details', { class: 'pool', open: true, 'data-pool': p.pool }, el('summary', null, el('strong', null, p.pool), ` (${p.up}/${p.total} up)`), el('div', { class: 'scroll' }, table)),
      );
    }
  };
  const ctl = new AbortController();
  api.targets('active', ctl.signal).then(
    (d) => {
      targets = d.activeTargets;
      loadedAt = Date.now();
      draw();
    },
    (e) => (e as Error).name !== 'AbortError' && replace(body, errorBox(`Cannot load targets: ${(e as Error).message}`)),
  );
  return () => ctl.abort();
}

export function serviceDiscoveryPage(root: HTMLElement, api: ApiClient): () => void {
  const body = el('div', null, loading());
  const filter = el('input', { class: 'input', type: 'search', placeholder: 'Filter by labels', 'aria-label': 'Filter' });
  root.append(el('h1', null, 'Service discovery'), el('div', { class: 'controls' }, filter), body);
  const ctl = new AbortController();
  api.targets('any', ctl.signal).then(
    (d) => {
      type Row = { discovered: Record<string, string>; labels: Record<string, string> | null };
      const pools = new Map<string, Row[]>();
      const rowsOf = (pool: string) => {
        let r = pools.get(pool);
        if (!r) pools.set(pool, (r = []));
        return r;
      };
      for (const t of d.activeTargets) rowsOf(t.scrapePool).push({ discovered: t.discoveredLabels, labels: t.labels });
      for (const t of d.droppedTargets) rowsOf(t.scrapePool ?? t.discoveredLabels['job'] ?? '(unknown)').push({ discovered: t.discoveredLabels, labels: null });
      const draw = () => {
        const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
        replace(body);
        if (pools.size === 0) body.appendChild(el('div', { class: 'empty' }, 'No targets discovered.'));
        for (const [pool, rows] of [...pools].sort((a, b) => a[0].localeCompare(b[0]))) {
          const shown = rows.filter((r) => {
            const hay = `${formatSeries(r.discovered)} ${r.labels ? formatSeries(r.labels) : ''}`.toLowerCase();
            return words.every((w) => hay.includes(w));
          });
          if (shown.length === 0) continue;
          const active = rows.filter((r) => r.labels !== null).length;
          body.appendChild(
            el(
              'details',
              { class: 'pool', open: true },
              el('summary', null, el('strong', null, pool), ` (${active} active / ${rows.length} discovered)`),
              el(
                'div',
                { class: 'scroll' },
                el(
                  'table',
                  { class: 'data-table' },
                  el('thead', null, el('tr', null, el('th', null, 'Discovered labels'), el('th', null, 'Target labels'))),
                  el('tbody', null, ...shown.map((r) => el('tr', null, el('td', null, labelChips(r.discovered, false)), el('td', null, r.labels ? labelChips(r.labels) : el('span', { class: 'muted' }, 'Dropped'))))),
                ),
              ),
            ),
          );
        }
      };
      filter.addEventListener('input', draw);
      draw();
    },
    (e) => (e as Error).name !== 'AbortError' && replace(body, errorBox(`Cannot load targets: ${(e as Error).message}`)),
  );
  return () => ctl.abort();
}
