/** The app shell: navigation, theme, and the client-side router over the pages. */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiClient } from '../lib/api.js';
import { splitPath, type Route } from '../lib/url-state.js';
import { el, replace } from './dom.js';
import { queryPage } from './query-page.js';
import { serviceDiscoveryPage, targetsPage } from './targets-page.js';
import { configPage, explorerPage, flagsPage, statusPage, tsdbStatusPage } from './status-pages.js';

type Theme = 'light' | 'dark' | 'auto';
const THEME_KEY = 'vigil.theme';

function applyTheme(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'auto' && window.matchMedia?.('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset['theme'] = dark ? 'dark' : 'light';
}

function start(): void {
  const { prefix } = splitPath(location.pathname);
  const api = new ApiClient({ baseUrl: prefix });
  const path = (page: Route) => `${prefix}/${page}`;
  let theme = (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'auto';
  applyTheme(theme);
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(theme));

  const navItems: [Route, string][] = [
    ['query', 'Query'],
    ['explorer', 'Metrics'],
    ['targets', 'Targets'],
    ['service-discovery', 'Service discovery'],
    ['config', 'Configuration'],
    ['flags', 'Flags'],
    ['status', 'Status'],
    ['tsdb-status', 'TSDB'],
  ];
  const links = new Map<Route, HTMLAnchorElement>();
  const nav = el('nav', { class: 'nav', id: 'nav' });
  for (const [route, label] of navItems) {
    const a = el('a', { href: path(route), 'data-nav': '' }, label);
    links.set(route, a);
    nav.appendChild(a);
  }
  const themeBtn = el('button', { class: 'btn btn-icon theme-toggle', type: 'button', 'aria-label': 'Theme' });
  const themeLabel = () => (themeBtn.textContent = theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐');
  themeLabel();
  themeBtn.title = 'Theme: light, dark or as the system';
  themeBtn.addEventListener('click', () => {
    theme = theme === 'auto' ? 'light' : theme === 'light' ? 'dark' : 'auto';
    localStorage.setItem(THEME_KEY, theme);
    applyTheme(theme);
    themeLabel();
    render();
  });
  const menuBtn = el('button', { class: 'btn btn-icon menu-toggle', type: 'button', 'aria-label': 'Menu', 'aria-controls': 'nav', 'aria-expanded': 'false' }, '☰');
  menuBtn.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    menuBtn.setAttribute('aria-expanded', String(open));
  });
  const header = el('header', { class: 'topbar' }, el('a', { class: 'brand', href: path('query'), 'data-nav': '' }, 'Vigil'), menuBtn, nav, themeBtn);
  const main = el('main', { class: 'page' });
  const app = document.getElementById('app')!;
  replace(app, header, main);

  let cleanup: (() => void) | null = null;
  function render(): void {
    cleanup?.();
    cleanup = null;
    let { page } = splitPath(location.pathname);
    // Old `/graph?g0.expr=...` links and `/` open the query page.
    if (!location.pathname.endsWith(`/${page}`)) history.replaceState(null, '', `${path(page)}${location.search}`);
    for (const [r, a] of links) a.classList.toggle('active', r === page);
    nav.classList.remove('open');
    replace(main);
    main.dataset['page'] = page;
    document.title = `Vigil · ${navItems.find(([r]) => r === page)?.[1] ?? ''}`;
    switch (page) {
      case 'query':
      case 'graph':
        page = 'query';
        cleanup = queryPage(main, api, path('query'));
        break;
      case 'targets':
        cleanup = targetsPage(main, api);
        break;
      case 'service-discovery':
        cleanup = serviceDiscoveryPage(main, api);
        break;
      case 'config':
        cleanup = configPage(main, api);
        break;
      case 'flags':
        cleanup = flagsPage(main, api);
        break;
      case 'status':
        cleanup = statusPage(main, api);
        break;
      case 'tsdb-status':
        cleanup = tsdbStatusPage(main, api);
        break;
      case 'explorer':
        cleanup = explorerPage(main, api, path('query'));
        break;
    }
  }

  document.addEventListener('click', (e) => {
    const a = (e.target as Element).closest?.('a[data-nav]') as HTMLAnchorElement | null;
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    history.pushState(null, '', a.getAttribute('href')!);
    render();
    window.scrollTo(0, 0);
  });
  window.addEventListener('popstate', render);
  render();
  performance.mark('vigil:interactive');
}

start();
