/**
 * The query page's state in the URL, in the `g<i>.<key>` parameters Prometheus's UI uses, so that links
 * from Prometheus (`/graph?g0.expr=up&g0.tab=0&g0.range_input=1h`, old and new forms) open the same view
 * here and links made here open in Prometheus.
 */
import { formatDuration, formatTimeInput, parseDuration, parseTimeInput } from './time.js';

export type PanelTab = 'graph' | 'table' | 'explain';
export type DisplayMode = 'lines' | 'stacked' | 'heatmap';

export interface PanelState {
  readonly expr: string;
  readonly tab: PanelTab;
  readonly displayMode: DisplayMode;
  /** Graph range, ms. */
  readonly range: number;
  /** Graph end time (ms), null for "now". */
  readonly endTime: number | null;
  /** Table evaluation time (ms), null for "now". */
  readonly moment: number | null;
  /** Graph resolution in seconds, null for automatic. */
  readonly step: number | null;
  readonly showExemplars: boolean;
}

export const DEFAULT_RANGE = 3600 * 1000;

export function newPanel(expr = '', over: Partial<PanelState> = {}): PanelState {
  return { expr, tab: 'table', displayMode: 'lines', range: DEFAULT_RANGE, endTime: null, moment: null, step: null, showExemplars: false, ...over };
}

const TAB_CODES: Record<string, PanelTab> = { '0': 'graph', '1': 'table', '2': 'explain', graph: 'graph', table: 'table', explain: 'explain' };
const TAB_OUT: Record<PanelTab, string> = { graph: '0', table: '1', explain: '2' };

/** Reads every panel `g0`, `g1`, ... from a query string (with or without `?`); stops at the first gap. */
export function decodePanels(search: string): PanelState[] {
  const p = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const panels: PanelState[] = [];
  for (let i = 0; p.has(`g${i}.expr`); i++) {
    const get = (k: string) => p.get(`g${i}.${k}`);
    const tab = TAB_CODES[get('tab') ?? ''] ?? 'graph';
    let displayMode: DisplayMode = 'lines';
    const dm = get('display_mode');
    if (dm === 'lines' || dm === 'stacked' || dm === 'heatmap') displayMode = dm;
    else if (get('stacked') === '1') displayMode = 'stacked';
    const range = parseDuration(get('range_input') ?? '') ?? DEFAULT_RANGE;
    const endTime = parseTimeInput(get('end_input') ?? '');
    const moment = parseTimeInput(get('moment_input') ?? '');
    const stepMs = parseDuration(get('step_input') ?? '');
    panels.push({
      expr: get('expr') ?? '',
      tab,
      displayMode,
      range: range > 0 ? range : DEFAULT_RANGE,
      endTime,
      moment,
      step: stepMs !== null && stepMs > 0 ? stepMs / 1000 : null,
      showExemplars: get('show_exemplars') === '1',
    });
  }
  return panels;
}

/** Writes panels as a query string (without `?`) in Prometheus's current form. */
export function encodePanels(panels: readonly PanelState[]): string {
  const p = new URLSearchParams();
  panels.forEach((panel, i) => {
    const set = (k: string, v: string) => p.set(`g${i}.${k}`, v);
    set('expr', panel.expr);
    set('show_tree', '0');
    set('tab', TAB_OUT[panel.tab]);
    set('range_input', formatDuration(panel.range));
    if (panel.endTime !== null) set('end_input', formatTimeInput(panel.endTime));
    if (panel.moment !== null) set('moment_input', formatTimeInput(panel.moment));
    if (panel.step !== null) set('step_input', String(panel.step));
    set('display_mode', panel.displayMode);
    set('show_exemplars', panel.showExemplars ? '1' : '0');
  });
  return p.toString();
}

/** The routes of the app; everything else under the prefix is not ours. */
export const ROUTES = ['query', 'graph', 'targets', 'service-discovery', 'config', 'flags', 'status', 'tsdb-status', 'explorer'] as const;
export type Route = (typeof ROUTES)[number];

/**
 * Splits a location's pathname into the prefix the server is mounted under (`--web.route-prefix` or the
 * external URL's path) and the page: `/vigil/targets` → `{ prefix: '/vigil', page: 'targets' }`,
 * `/` → `{ prefix: '', page: 'query' }`.
 */
export function splitPath(pathname: string): { prefix: string; page: Route } {
  const trimmed = pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const slash = trimmed.lastIndexOf('/');
  const last = trimmed.slice(slash + 1);
  if ((ROUTES as readonly string[]).includes(last)) {
    const page = last === 'graph' ? 'query' : (last as Route);
    return { prefix: trimmed.slice(0, slash), page };
  }
  return { prefix: trimmed, page: 'query' };
}
