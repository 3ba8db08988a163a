/**
 * The web page at `/`: the groups with their families, values and push times, a delete button per group,
 * and (with the admin API) deletion by selector and of everything; then the status (start time, build,
 * flags). One self-contained HTML document, no external assets.
 *
 * Every piece of pushed data (label names and values, metric names, help texts) goes through `escapeHtml`;
 * the script reads what it needs from data attributes and builds no markup from data.
 */
import { formatFloatFixed } from '@vigil/model';
import { KIND_NAMES, Kind, type FamilyBlock } from './family.js';
import { groupPath } from './grouping.js';
import { rfc3339 } from './go-format.js';
import type { Group, MetricStore } from './store.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

export interface PageInfo {
  readonly pathPrefix: string;
  readonly adminApi: boolean;
  readonly startMs: number;
  readonly buildInfo: Readonly<Record<string, string>>;
  readonly flags: Readonly<Record<string, string>>;
  readonly groupTtlMs: number;
}

function badge(name: string, value: string): string {
  const cls = name === 'job' ? 'job' : name === 'instance' ? 'instance' : 'label';
  return `<span class="badge ${cls}">${escapeHtml(name)}="${escapeHtml(value)}"</span>`;
}

function labelBadges(flat: readonly string[], start: number, end: number): string {
  let s = '';
  for (let k = start; k < end; k += 2) s += badge(flat[k], flat[k + 1]);
  return s;
}

function metricRows(b: FamilyBlock): string {
  let rows = '';
  for (let i = 0; i < b.size; i++) {
    let value: string;
    if (b.type === Kind.Summary || b.type === Kind.Histogram || b.type === Kind.GaugeHistogram) {
      const pts = b.points!;
      let inner = '';
      for (let k = b.pointStart(i); k < b.pointEnd![i]; k += 2) {
        const head = b.type === Kind.Summary ? `Quantile ${escapeHtml(String(pts[k]))}` : `Sample values &le; ${escapeHtml(formatFloatFixed(pts[k]))}`;
        inner += `<tr><th>${head}</th><td>${escapeHtml(formatFloatFixed(pts[k + 1]))}</td></tr>`;
      }
      inner += `<tr><th>${b.type === Kind.Summary ? 'Sample Count' : 'Total sample Count'}</th><td>${escapeHtml(formatFloatFixed(b.counts![i]))}</td></tr>`;
      inner += `<tr><th>Sample Sum</th><td>${escapeHtml(formatFloatFixed(b.values[i]))}</td></tr>`;
      value = `<table class="inner">${inner}</table>`;
    } else {
      value = escapeHtml(formatFloatFixed(b.values[i]));
    }
    rows += `<tr><td>${labelBadges(b.labels, b.labelStart(i), b.labelEnd[i])}</td><td>${value}</td></tr>`;
  }
  return rows;
}

function groupHtml(g: Group, info: PageInfo): string {
  // `job` first, then the other grouping labels by name (as the Pushgateway's page shows them).
  let title = badge('job', g.label('job'));
  for (let k = 0; k < g.labels.length; k += 2) if (g.labels[k] !== 'job') title += badge(g.labels[k], g.labels[k + 1]);
  const failed = g.lastPushSuccessful ? '' : '<span class="failed">Last push failed!</span>';
  const pushed = g.pushTime > 0 ? `last push ${escapeHtml(rfc3339(g.pushTime * 1000))}` : 'no successful push';
  let families = '';
  const names = [...g.families.keys()].sort();
  for (const name of names) {
    const b = g.families.get(name)!;
    families += `<details class="family"><summary><b>${escapeHtml(name)}</b> <span class="help">${escapeHtml(b.help ?? '')}</span> <span class="type">${KIND_NAMES[b.type]}</span> last pushed: ${escapeHtml(rfc3339(b.pushedMs))}</summary>`;
    families += `<table><thead><tr><th>Labels</th><th>Value</th></tr></thead><tbody>${metricRows(b)}</tbody></table></details>`;
  }
  const times = `<tr><td>push_time_seconds</td><td>${escapeHtml(formatFloatFixed(g.pushTime))}</td></tr><tr><td>push_failure_time_seconds</td><td>${escapeHtml(formatFloatFixed(g.failureTime))}</td></tr>`;
  const path = escapeHtml(info.pathPrefix + groupPath(g.labels));
  return `<details class="group"><summary>${title} ${failed} <span class="when">${pushed}</span> <button class="delete" data-delete-path="${path}">Delete group</button></summary>` +
    `<table class="times">${times}</table>${families}</details>\n`;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#2b2f36;color:#fff;padding:.6em 1em;display:flex;gap:1.5em;align-items:baseline}
header h1{font-size:1.2em;margin:0}
main{padding:1em}
.badge{display:inline-block;border-radius:.3em;padding:.1em .4em;margin:0 .2em .1em 0;font-family:monospace;font-size:.9em;background:#dde6f3}
.badge.job{background:#f7d774}.badge.instance{background:#a9c8f5}
details.group{background:#fff;border:1px solid #ccd;border-radius:.3em;margin:.3em 0;padding:.4em .6em}
details.family{margin:.4em 0 .4em 1em}
.failed{background:#c9302c;color:#fff;border-radius:1em;padding:.1em .6em;font-size:.85em}
.when,.help{color:#666;font-size:.9em}.type{color:#2a7a2a;font-size:.85em}
table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #dde;padding:.2em .5em;text-align:left;vertical-align:top}
button{cursor:pointer}button.delete{float:right;background:#c9302c;color:#fff;border:0;border-radius:.3em;padding:.2em .6em}
.admin{background:#fff;border:1px solid #ccd;border-radius:.3em;padding:.6em;margin-bottom:1em}
.admin input{width:30em;font-family:monospace}#result{margin-left:1em}
`;

const SCRIPT = `
document.addEventListener('click', async (ev) => {
  const b = ev.target.closest('button[data-delete-path]');
  if (b) {
    ev.preventDefault();
    if (!confirm('Delete this group?')) return;
    const r = await fetch(b.dataset.deletePath, { method: 'DELETE' });
    if (r.ok) location.reload(); else alert('Deletion failed: ' + r.status + ' ' + (await r.text()));
  }
});
const form = document.getElementById('delete-matching');
if (form) form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const sel = form.elements.selector.value;
  const out = document.getElementById('result');
  const r = await fetch(form.dataset.api + '?match[]=' + encodeURIComponent(sel), { method: 'DELETE' });
  const body = await r.json().catch(() => ({}));
  out.textContent = r.ok ? ('Deleted ' + body.data.deleted + ' group(s).') : ('Error: ' + (body.error || r.status));
  if (r.ok && body.data.deleted > 0) setTimeout(() => location.reload(), 800);
});
const wipe = document.getElementById('wipe');
if (wipe) wipe.addEventListener('click', async () => {
  if (!confirm('Delete ALL groups?')) return;
  const r = await fetch(wipe.dataset.api, { method: 'PUT' });
  if (r.ok) location.reload(); else alert('Wipe failed: ' + r.status);
});
`;

export function renderPage(store: MetricStore, info: PageInfo): string {
  const groups = store.sortedGroups();
  let admin = '';
  if (info.adminApi) {
    admin = `<div class="admin"><form id="delete-matching" data-api="${escapeHtml(info.pathPrefix + '/api/v1/admin/groups')}">` +
      `Delete groups matching <input name="selector" placeholder='{job="batch",instance=~"db-.*"}' required> <button type="submit">Delete</button><span id="result"></span></form>` +
      `<p><button id="wipe" data-api="${escapeHtml(info.pathPrefix + '/api/v1/admin/wipe')}">Delete all ${groups.length} groups</button></p></div>`;
  }
  let status = `<tr><th>Started</th><td>${escapeHtml(rfc3339(info.startMs))}</td></tr>`;
  if (info.groupTtlMs > 0) status += `<tr><th>Group TTL</th><td>${escapeHtml(String(info.groupTtlMs / 1000))}s</td></tr>`;
  const rows = (r: Readonly<Record<string, string>>) => Object.keys(r).sort().map((k) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(r[k])}</td></tr>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex,nofollow"><title>Pushgateway</title><style>${STYLE}</style></head>
<body><header><h1>Pushgateway</h1><span>${groups.length} group(s), ${store.seriesCount()} series</span><a href="#status" style="color:#fff">Status</a></header>
<main>${admin}<section id="groups">
${groups.map((g) => groupHtml(g, info)).join('')}</section>
<section id="status"><h2>Runtime Information</h2><table>${status}</table><h2>Build Information</h2><table>${rows(info.buildInfo)}</table><h2>Startup Flags</h2><table>${rows(info.flags)}</table></section>
</main><script>${SCRIPT}</script></body></html>
`;
}
