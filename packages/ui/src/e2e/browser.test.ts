/**
 * The web UI in a real browser: Debian's headless chromium (driven by playwright-core, no browser
 * download) against `vigil server` with imported data and a scrape target that is down. Screenshots of
 * every page go to test-output/ui-screenshots (printed), and so do the speed figures (speed.txt).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort, repoRoot, requireProgram, runProgram, startProcess, tempDir, testOutputDir, waitForHttp, type RunningProcess } from '@vigil/testkit';
import { openMetricsFixture, scrapeConfig } from './fixture.js';

const root = repoRoot();
const uiDist = join(root, 'packages', 'ui', 'dist');
const vigilBin = join(root, 'packages', 'cli', 'bin', 'vigil.js');
const shots = testOutputDir('ui-screenshots');
const report: string[] = [];
const note = (line: string) => {
  report.push(line);
  console.log(line);
};

interface Server {
  proc: RunningProcess;
  url: string;
}

async function startServer(dataDir: string, configFile: string, extraArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  const proc = startProcess(process.execPath, [
    vigilBin,
    'server',
    `--config.file=${configFile}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${dataDir}`,
    ...extraArgs,
  ]);
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** Pixels of the canvas under `selector` within `tolerance` of the colour `#rrggbb`. */
async function countColouredPixels(page: Page, selector: string, hex: string, tolerance = 40): Promise<number> {
  return page.$eval(
    selector,
    (canvas, [hexColour, tol]) => {
      const c = canvas as HTMLCanvasElement;
      const n = parseInt((hexColour as string).slice(1), 16);
      const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let count = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! > 200 && Math.abs(d[i]! - r) + Math.abs(d[i + 1]! - g) + Math.abs(d[i + 2]! - b) <= (tol as number)) count++;
      }
      return count;
    },
    [hex, tolerance] as const,
  );
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe('web UI in headless chromium against vigil server', () => {
  let tmp: { path: string; cleanup: () => void };
  let server: Server;
  let browser: BrowserContext;
  let page: Page;
  let closedAddress = '';
  let lastSec = 0;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    const chromiumPath = requireProgram('chromium');
    if (!existsSync(join(uiDist, 'index.html'))) {
      throw new Error(`the UI is not built (${uiDist}/index.html missing): run npm run build:assets -w @vigil/ui`);
    }
    if (!existsSync(vigilBin)) throw new Error(`${vigilBin} missing: build the cli first (npx tsc -b packages/cli)`);
    tmp = tempDir('vigil-ui-e2e-');
    const fixture = openMetricsFixture(Math.floor(Date.now() / 1000));
    lastSec = fixture.lastSec;
    const omFile = join(tmp.path, 'fixture.om');
    writeFileSync(omFile, fixture.text);
    const dataDir = join(tmp.path, 'data');
    mkdirSync(dataDir);
    const imp = runProgram(process.execPath, [vigilBin, 'tsdb', 'import', 'openmetrics', '-q', omFile, dataDir]);
    assert.equal(imp.status, 0, `vigil tsdb import openmetrics failed:\n${imp.stdout}\n${imp.stderr}`);

    const port = await freePort();
    closedAddress = `127.0.0.1:${await freePort()}`; // nothing listens there
    const configFile = join(tmp.path, 'vigil.yml');
    writeFileSync(configFile, scrapeConfig(`127.0.0.1:${port}`, '/metrics', closedAddress));
    const proc = startProcess(process.execPath, [vigilBin, 'server', `--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${dataDir}`]);
    server = { proc, url: `http://127.0.0.1:${port}` };
    await waitForHttp(`${server.url}/-/ready`, 30000, proc);

    browser = await chromium.launchPersistentContext(join(tmp.path, 'chromium-profile'), {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 860 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // Long tasks from the start of every page load, for the speed figures.
    await browser.addInitScript(() => {
      const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
      w.__longTasks = [];
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });
      } catch {
        /* no long task API: the figures say so */
      }
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    note(`ui screenshots: ${shots}`);
  });

  after(async () => {
    await browser?.close();
    await server?.proc.stop();
    tmp?.cleanup();
    if (report.length > 0) writeFileSync(join(shots, 'speed.txt'), report.join('\n') + '\n');
  });

  it('the query page runs a typed query into a table, label values shown as text', async () => {
    await page.goto(`${server.url}/query`);
    await page.waitForFunction(() => performance.getEntriesByName('vigil:interactive').length > 0);
    await page.click('.cm-content');
    await page.keyboard.type('ui_test_g');
    // Metric names complete from the server's API.
    await page.locator('.cm-tooltip-autocomplete li', { hasText: 'ui_test_gauge' }).first().waitFor();
    await page.keyboard.type('auge');
    await page.keyboard.press('Escape'); // close the completion list
    await page.keyboard.press('Control+Enter');
    const rows = page.locator('[data-testid="result-table"] tr');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).sort();
    assert.deepEqual(texts, ['ui_test_gauge kind="<script>alert(1)</script>" 7', 'ui_test_gauge kind="plain" 42']);
    // The label value is text: no element was made from it, nothing ran.
    assert.equal(await page.locator('#app script').count(), 0);
    assert.deepEqual(dialogs, []);
    assert.match(page.url(), /\/query\?g0\.expr=ui_test_gauge&/);
    await shot(page, '01-query-table');
  });

  it('the graph tab draws the series in their colours, with a legend', async () => {
    await page.click('[data-tab="graph"]');
    const canvas = '.graph-plot canvas';
    await page.waitForSelector(canvas);
    await page.waitForFunction(() => performance.getEntriesByName('vigil:graph-drawn').length > 0);
    const swatches = await page.$$eval('.legend-item .swatch', (els) => els.map((e) => getComputedStyle(e).backgroundColor));
    assert.equal(swatches.length, 2);
    const legend = (await page.locator('.legend-item').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    assert.ok(legend.some((t) => t.includes('kind="<script>alert(1)</script>"')), legend.join(' | '));
    for (const colour of ['#1f77b4', '#ff7f0e']) {
      const n = await countColouredPixels(page, canvas, colour);
      assert.ok(n > 100, `expected a line in ${colour} on the canvas, found ${n} pixels`);
    }
    // Click isolates a series: the other one is no longer drawn.
    await page.locator('.legend-item').first().click();
    await page.waitForTimeout(100);
    assert.ok((await countColouredPixels(page, canvas, '#ff7f0e')) < 10, 'the second series is hidden after isolating the first');
    assert.ok((await countColouredPixels(page, canvas, '#1f77b4')) > 100);
    assert.match(page.url(), /g0\.tab=0/);
    await shot(page, '02-query-graph');
    await page.locator('.legend-item').first().click(); // back to all series

    // Hover shows the nearest series and its value.
    const over = page.locator('.graph-plot .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = page.locator('.graph-tooltip');
    await tip.waitFor();
    assert.match(await tip.innerText(), /ui_test_gauge[\s\S]*value: (7|42)/);

    // Dragging across the plot zooms: the range shrinks and the end time is set.
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => new URLSearchParams(location.search).has('g0.end_input'));
    const zoomed = new URLSearchParams(new URL(page.url()).search);
    assert.match(zoomed.get('g0.range_input') ?? '', /^(1[5-9]|2\d)m/); // about 30% of an hour
    await page.waitForSelector('.graph-plot canvas');

    // Stacked mode, and a second panel: both kept in the URL.
    await page.selectOption('select[aria-label="Display mode"]', 'stacked');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('g0.display_mode') === 'stacked');
    await page.waitForSelector('.graph-plot canvas');
    await page.click('text=+ Add panel');
    await page.waitForFunction(() => new URLSearchParams(location.search).has('g1.expr'));
    assert.equal(await page.locator('[data-testid="panel"]').count(), 2);
    await shot(page, '02b-stacked-two-panels');
  });

  it('a Prometheus /graph?g0.expr=up&g0.tab=0 link opens the same view', async () => {
    await page.goto(`${server.url}/graph?g0.expr=up&g0.tab=0&g0.range_input=5m`);
    await page.waitForSelector('.graph-plot canvas');
    assert.match(new URL(page.url()).pathname, /\/query$/);
    assert.equal(await page.locator('.cm-content').innerText(), 'up');
    assert.equal(await page.locator('.tab.active').innerText(), 'Graph');
    assert.equal(await page.locator('.range-input').inputValue(), '5m');
    const legend = await page.locator('.legend').innerText();
    assert.match(legend, /job="broken"/);
    assert.match(legend, /job="vigil"/);
    await shot(page, '03-graph-link');

    await page.goto(`${server.url}/graph?g0.expr=up&g0.tab=1`);
    await page.locator('[data-testid="result-table"] tr').nth(1).waitFor();
    assert.equal(await page.locator('.tab.active').innerText(), 'Table');
  });

  it('errors from the API are shown next to the panel', async () => {
    await page.goto(`${server.url}/query?g0.expr=${encodeURIComponent('rate(up) + 1')}&g0.tab=1`);
    const alert = page.locator('.panel .alert-error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /bad_data: .*range vector/);
    // codemirror-promql's lint marks the position of the parse error in the editor.
    await page.waitForSelector('.cm-lintRange-error, .cm-lintPoint-error');
    await shot(page, '04-query-error');
  });

  it('label names and values complete from the API; the lint mark sits on the error; infos show by the panel', async () => {
    await page.goto(`${server.url}/query`);
    await page.waitForFunction(() => performance.getEntriesByName('vigil:interactive').length > 0);
    await page.click('.cm-content');
    await page.keyboard.type('ui_test_gauge{');
    await page.locator('.cm-tooltip-autocomplete li', { hasText: 'kind' }).first().waitFor();
    await page.keyboard.type('kind="');
    await page.locator('.cm-tooltip-autocomplete li', { hasText: 'plain' }).first().waitFor();
    await page.keyboard.press('Escape');
    // The parse error is marked where it is: on the argument of the wrong type, not elsewhere.
    await page.goto(`${server.url}/query?g0.expr=${encodeURIComponent('1 + rate(ui_test_gauge)')}&g0.tab=1`);
    const mark = page.locator('.cm-lintRange-error').first();
    await mark.waitFor();
    assert.match(await mark.innerText(), /^(rate\()?ui_test_gauge\)?$/);
    // A query on a gauge with rate(): PromQL's info annotation is shown next to the panel.
    await page.goto(`${server.url}/query?g0.expr=${encodeURIComponent('sum(rate(bench_series[5m]))')}&g0.tab=1`);
    const info = page.locator('.panel .alert-info');
    await info.first().waitFor();
    assert.match(await info.first().innerText(), /might not be a counter/);
    // The aggregate has no labels at all: its row says `{}`.
    assert.match(await page.locator('[data-testid="result-table"] tr').first().innerText(), /^\{\}\s+\d/);
    await shot(page, '04b-query-info');
  });

  it('the targets page shows the down target with its error, and filters', async () => {
    await page.goto(`${server.url}/targets`);
    const down = page.locator('tr[data-health="down"]');
    // The first scrape of the closed port may still be pending: reload until it has failed.
    for (let i = 0; i < 20 && (await down.count()) === 0; i++) {
      await page.waitForTimeout(500);
      await page.reload();
      await page.waitForSelector('.pool, .empty');
    }
    assert.equal(await down.count(), 1);
    const text = await down.innerText();
    assert.ok(text.includes(`http://${closedAddress}/metrics`), text);
    assert.match(text, /DOWN/);
    assert.match(await down.locator('.error-text').innerText(), /refused|connect/i);
    assert.match(text, /evil="<script>alert\(1\)<\/script>"/);
    assert.equal(await page.locator('#app script').count(), 0);
    const title = await down.locator('.labels').getAttribute('title');
    assert.match(title ?? '', /__address__=/); // discovered labels on hover
    await page.locator('tr[data-health="up"]').first().waitFor();
    await page.check('input[value="down"]');
    assert.equal(await page.locator('tr[data-health="up"]').count(), 0);
    assert.equal(await down.count(), 1);
    await page.uncheck('input[value="down"]');
    await page.fill('input[type="search"]', 'job="vigil"');
    assert.equal(await down.count(), 0);
    assert.equal(await page.locator('tr[data-health="up"]').count(), 1);
    await page.fill('input[type="search"]', '');
    await shot(page, '05-targets');
  });

  it('service discovery, configuration, flags, status and TSDB pages show the server data', async () => {
    const pages: { path: string; expect: RegExp; name: string }[] = [
      { path: '/service-discovery', expect: /__address__="127\.0\.0\.1:\d+"/, name: '06-service-discovery' },
      { path: '/config', expect: /job_name: broken[\s\S]*evil: '?<script>alert\(1\)<\/script>/, name: '07-config' },
      { path: '/flags', expect: /--web\.listen-address\s+127\.0\.0\.1:\d+/, name: '08-flags' },
      { path: '/status', expect: /Build information[\s\S]*version/i, name: '09-status' },
      { path: '/tsdb-status', expect: /Number of series\s+[1-9][\d,]*[\s\S]*Top metrics by series count\s+Metric\s+Count\s+\w+/, name: '10-tsdb-status' },
    ];
    for (const p of pages) {
      await page.goto(server.url + p.path);
      await page.waitForFunction(() => document.querySelector('main .loading') === null && (document.querySelector('main')?.textContent ?? '').length > 40);
      const text = await page.locator('main').innerText();
      assert.match(text, p.expect, p.path);
      assert.equal(await page.locator('main .alert-error').count(), 0, `${p.path}: ${text.slice(0, 300)}`);
      await shot(page, p.name);
    }
    // Last page was TSDB: every count is inside its card, however long the names beside it.
    const clipped = await page.evaluate(() =>
      [...document.querySelectorAll('main .card td.num')].filter((td) => td.getBoundingClientRect().right > td.closest('.card')!.getBoundingClientRect().right + 0.5).length);
    assert.ok((await page.locator('main .card td.num').count()) >= 30, 'the count tables are there');
    assert.equal(clipped, 0, 'numbers pushed out of their cards');
    assert.ok((await page.locator('main .y-key').count()) === 0); // the YAML check is below
    await page.goto(`${server.url}/config`);
    await page.waitForSelector('[data-testid="config-yaml"] .y-key');
  });

  it('the metrics explorer lists names with type and help, and a click queries', async () => {
    await page.goto(`${server.url}/explorer`);
    // Imported series have no metadata (it comes from scrapes); the server's own metrics have.
    const row = page.locator('tr', { hasText: 'vigil_http_requests_total' }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /vigil_http_requests_total\s+counter\s+\S+/);
    assert.match(await page.locator('tr', { hasText: 'bench_series' }).first().innerText(), /^bench_series\s*$/);
    // Series of a histogram show their family's type.
    assert.match(await page.locator('tr', { hasText: 'vigil_http_request_duration_seconds_bucket' }).first().innerText(), /_bucket\s+histogram\s+\S+/);
    await page.fill('input[type="search"]', 'http requests');
    assert.ok((await page.locator('tbody tr').count()) >= 1);
    assert.equal(await page.locator('tr', { hasText: 'bench_series' }).count(), 0);
    await page.fill('input[type="search"]', '');
    await shot(page, '11-explorer');
    await page.locator('tr', { hasText: 'bench_series' }).first().locator('a').click();
    await page.locator('[data-testid="result-table"] tr').nth(49).waitFor();
    assert.equal(await page.locator('[data-testid="result-table"] tr').count(), 50);
    assert.match(page.url(), /\/query\?g0\.expr=bench_series/);
  });

  it('the explain view shows each sub-expression with its own result count', async () => {
    const expr = 'sum by (kind) (ui_test_gauge) / on(kind) count by (kind) (ui_test_gauge > 10)';
    await page.goto(`${server.url}/query?g0.expr=${encodeURIComponent(expr)}&g0.tab=2`);
    const rows = page.locator('.explain-row');
    await page.waitForFunction(() => [...document.querySelectorAll('.explain-count')].every((e) => e.textContent !== '…'));
    const got = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    assert.equal(got.length, 7, got.join('\n'));
    const find = (start: string) => got.find((t) => t.startsWith(`${start} `) && !t.slice(start.length + 1).startsWith('/')) ?? '';
    assert.match(find(expr), /^\S.* BinaryExpr 1 series divides/);
    assert.match(find('sum by (kind) (ui_test_gauge)'), /AggregateExpr 2 series sums by \(kind\)/);
    assert.match(find('count by (kind) (ui_test_gauge > 10)'), /AggregateExpr 1 series counts the series by \(kind\)/);
    assert.match(find('ui_test_gauge > 10'), /BinaryExpr 1 series keeps where greater/);
    assert.match(find('ui_test_gauge'), /VectorSelector 2 series/);
    assert.match(find('10'), /NumberDurationLiteral scalar/);
    await shot(page, '12-explain');
  });

  it('the heatmap draws histogram buckets over time', async () => {
    const end = new Date(lastSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
    await page.goto(`${server.url}/query?g0.expr=${encodeURIComponent('rate(ui_test_latency_seconds_bucket[5m])')}&g0.tab=0&g0.display_mode=heatmap&g0.range_input=2h&g0.end_input=${encodeURIComponent(end)}`);
    await page.waitForSelector('[data-testid="heatmap"]');
    await page.waitForTimeout(200);
    // The darkest colour of the scale marks the fullest bucket.
    const dark = await countColouredPixels(page, '[data-testid="heatmap"]', '#3c0050', 60);
    assert.ok(dark > 50, `expected dark heatmap cells, found ${dark} pixels`);
    await shot(page, '13-heatmap');
  });

  it('dark theme and a phone-sized screen', async () => {
    await page.goto(`${server.url}/targets`);
    await page.locator('tr[data-health="down"]').waitFor();
    while ((await page.evaluate(() => document.documentElement.dataset['theme'])) !== 'dark') await page.click('.theme-toggle');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(20, 23, 28)');
    await shot(page, '14-targets-dark');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.url}/query?g0.expr=ui_test_gauge&g0.tab=0`);
    await page.waitForSelector('.graph-plot canvas');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);
    assert.equal(await page.locator('#nav').isVisible(), false);
    await page.click('.menu-toggle');
    assert.equal(await page.locator('#nav').isVisible(), true);
    await shot(page, '15-phone-dark');
    await page.setViewportSize({ width: 1280, height: 860 });
    while ((await page.evaluate(() => localStorage.getItem('vigil.theme'))) !== 'auto') await page.click('.theme-toggle');
  });

  it('speed: interactive after load, a 50-series × 1,000-point graph without freezing', async () => {
    // Load the query page fresh and read the navigation timing and our "interactive" mark.
    await page.goto(`${server.url}/query`);
    await page.waitForFunction(() => performance.getEntriesByName('vigil:interactive').length > 0);
    const load = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const interactive = performance.getEntriesByName('vigil:interactive')[0]!.startTime;
      const tasks = (window as unknown as { __longTasks: { duration: number }[] }).__longTasks;
      return { ttfb: nav.responseStart, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, interactive, longest: Math.max(0, ...tasks.map((t) => t.duration)), tasks: tasks.length };
    });
    note(`ui/query-page-load: interactive=${load.interactive.toFixed(0)}ms domContentLoaded=${load.dcl.toFixed(0)}ms load=${load.load.toFixed(0)}ms ttfb=${load.ttfb.toFixed(0)}ms long-tasks=${load.tasks} longest=${load.longest.toFixed(0)}ms goal=<1000ms interactive`);
    assert.ok(load.interactive < 10000, `the query page took ${load.interactive}ms to become interactive`);

    // 50 series × 1,000 points: the last 999 minutes at a 60 s step.
    const end = new Date(lastSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
    await page.goto(`${server.url}/query?g0.expr=bench_series&g0.tab=0&g0.range_input=16h39m&g0.step_input=60&g0.end_input=${encodeURIComponent(end)}`);
    await page.waitForFunction(() => performance.getEntriesByName('vigil:graph-drawn').length > 0, null, { timeout: 30000 });
    assert.equal(await page.locator('.legend-item').count(), 50);
    assert.match(await page.locator('.stats').innerText(), /Result series: 50 · step 60s/);
    // The same range query the page made: 50 series of 1,000 points each.
    const q = new URLSearchParams({ query: 'bench_series', start: String(lastSec - 999 * 60), end: String(lastSec), step: '60' });
    const body = (await (await fetch(`${server.url}/api/v1/query_range?${q}`)).json()) as { data: { result: { values: unknown[] }[] } };
    assert.equal(body.data.result.length, 50);
    assert.deepEqual([...new Set(body.data.result.map((r) => r.values.length))], [1000]);
    // After the draw, the page still answers: a frame comes within a short time.
    const frameDelay = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const t0 = performance.now();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        }),
    );
    const g = await page.evaluate(() => {
      const render = performance.getEntriesByName('vigil:graph-render')[0]!;
      const drawn = performance.getEntriesByName('vigil:graph-drawn')[0]!.startTime;
      const tasks = (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks;
      const during = tasks.filter((t) => t.start + t.duration >= render.startTime - 1);
      return { render: render.duration, drawn, longest: Math.max(0, ...during.map((t) => t.duration)), count: during.length };
    });
    note(`ui/graph-50x1000: draw=${g.render.toFixed(0)}ms load-to-drawn=${g.drawn.toFixed(0)}ms long-tasks-while-drawing=${g.count} longest=${g.longest.toFixed(0)}ms next-frame=${frameDelay.toFixed(0)}ms`);
    assert.ok(g.longest < 5000, `drawing froze the page for ${g.longest}ms`);
    await shot(page, '16-graph-50x1000');
    const colourPixels = await countColouredPixels(page, '.graph-plot canvas', '#1f77b4');
    assert.ok(colourPixels > 200, `series 0 drawn (${colourPixels} pixels)`);

    // The bundle: what a first visit downloads.
    const assets = readdirSync(join(uiDist, 'assets'));
    let raw = 0;
    let gz = 0;
    const parts: string[] = [];
    for (const f of assets) {
      const body = readFileSync(join(uiDist, 'assets', f));
      const z = gzipSync(body, { level: 9 }).length;
      raw += body.length;
      gz += z;
      parts.push(`${f}=${(body.length / 1024).toFixed(1)}KiB/${(z / 1024).toFixed(1)}KiB`);
    }
    note(`ui/bundle: total=${(raw / 1024).toFixed(1)}KiB gzip=${(gz / 1024).toFixed(1)}KiB (${parts.join(' ')})`);
  });

  it('works under a route prefix (--web.external-url with a path)', async () => {
    const dataDir = join(tmp.path, 'data-prefix');
    mkdirSync(dataDir);
    const port = await freePort();
    const configFile = join(tmp.path, 'vigil-prefix.yml');
    writeFileSync(configFile, scrapeConfig(`127.0.0.1:${port}`, '/vigil/metrics', closedAddress));
    const proc = startProcess(process.execPath, [vigilBin, 'server', `--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${dataDir}`, `--web.external-url=http://127.0.0.1:${port}/vigil/`]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/vigil/-/ready`, 30000, proc);
      await page.goto(`http://127.0.0.1:${port}/vigil/targets`);
      await page.waitForSelector('.pool');
      assert.match(await page.locator('main').innerText(), /vigil \(\d\/1 up\)/);
      await page.click('a[href="/vigil/query"]');
      await page.click('.cm-content');
      await page.keyboard.type('vector(3)');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Enter');
      await page.locator('[data-testid="result-table"] tr').first().waitFor();
      assert.match(await page.locator('[data-testid="result-table"]').innerText(), /3/);
      assert.match(page.url(), /\/vigil\/query\?g0\.expr=vector%283%29/);
      await shot(page, '17-route-prefix');
    } finally {
      await proc.stop();
    }
    assert.deepEqual(pageErrors, []);
  });
});
