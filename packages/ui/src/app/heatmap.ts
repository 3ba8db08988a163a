/**
 * The heatmap display of classic histograms: one row per bucket (`le`), one column per step, the colour
 * the count in that bucket. Drawn on a canvas; hover shows the cell.
 */
import { formatSeries } from '../lib/api.js';
import { formatValue, type HeatmapData } from '../lib/shape.js';
import { el, errorBox } from './dom.js';

/** Light yellow → orange → dark purple. */
function colorFor(t: number): string {
  const stops: [number, number, number][] = [
    [255, 255, 204], [254, 217, 118], [253, 141, 60], [227, 26, 28], [128, 0, 38], [60, 0, 80],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return `rgb(${Math.round(a[0] + (b[0] - a[0]) * f)},${Math.round(a[1] + (b[1] - a[1]) * f)},${Math.round(a[2] + (b[2] - a[2]) * f)})`;
}

const boundText = (le: number) => (le === Infinity ? '+Inf' : formatValue(le));

export function renderHeatmap(container: HTMLElement, data: HeatmapData): void {
  if (data.groups.length === 0) {
    container.appendChild(errorBox('No histogram buckets in the result: the heatmap needs series with an "le" label, e.g. a _bucket metric or rate(x_bucket[5m]).', 'info'));
    return;
  }
  let groupIdx = 0;
  const select = el('select', { class: 'heatmap-group', 'aria-label': 'Histogram' });
  data.groups.forEach((g, i) => select.appendChild(el('option', { value: i }, formatSeries(g.labels))));
  const canvas = el('canvas', { class: 'heatmap-canvas', 'data-testid': 'heatmap' });
  const hover = el('div', { class: 'heatmap-hover' }, ' ');
  if (data.groups.length > 1) container.appendChild(el('label', { class: 'field' }, 'Histogram ', select));
  container.append(canvas, hover);
  if (data.skipped > 0) container.appendChild(errorBox(`${data.skipped} series without an "le" label are not shown.`, 'info'));

  const margin = { left: 64, bottom: 24, top: 6, right: 8 };
  const draw = () => {
    const g = data.groups[groupIdx]!;
    const width = Math.max(240, container.clientWidth || 600);
    const rows = g.upperBounds.length;
    const height = Math.min(480, Math.max(160, rows * 18 + margin.top + margin.bottom));
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const plotW = width - margin.left - margin.right;
    const plotH = height - margin.top - margin.bottom;
    const cw = plotW / g.steps;
    const ch = plotH / rows;
    for (let b = 0; b < rows; b++) {
      const y = margin.top + plotH - (b + 1) * ch;
      for (let s = 0; s < g.steps; s++) {
        const v = g.cells[b * g.steps + s]!;
        if (Number.isNaN(v)) continue;
        ctx.fillStyle = v === 0 ? 'rgba(128,128,128,0.08)' : colorFor(g.max > 0 ? v / g.max : 0);
        ctx.fillRect(margin.left + s * cw, y, Math.ceil(cw), Math.ceil(ch));
      }
    }
    const fg = getComputedStyle(document.documentElement).getPropertyValue('--fg-muted').trim() || '#666';
    ctx.fillStyle = fg;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const every = Math.max(1, Math.ceil(rows / Math.max(1, plotH / 14)));
    for (let b = 0; b < rows; b += every) ctx.fillText(`≤ ${boundText(g.upperBounds[b]!)}`, margin.left - 6, margin.top + plotH - (b + 0.5) * ch);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const ticks = Math.max(2, Math.floor(plotW / 120));
    for (let k = 0; k <= ticks; k++) {
      const s = Math.min(g.steps - 1, Math.round((k / ticks) * (g.steps - 1)));
      const t = new Date(data.xs[s]! * 1000);
      ctx.fillText(`${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`, margin.left + (s + 0.5) * cw, margin.top + plotH + 6);
    }
    canvas.onmousemove = (e) => {
      const r = canvas.getBoundingClientRect();
      const s = Math.floor((e.clientX - r.left - margin.left) / cw);
      const b = Math.floor((margin.top + plotH - (e.clientY - r.top)) / ch);
      if (s < 0 || s >= g.steps || b < 0 || b >= rows) {
        hover.textContent = ' ';
        return;
      }
      const lo = b === 0 ? '0' : boundText(g.upperBounds[b - 1]!);
      const v = g.cells[b * g.steps + s]!;
      hover.textContent = `${new Date(data.xs[s]! * 1000).toISOString()}  bucket (${lo}, ${boundText(g.upperBounds[b]!)}]: ${Number.isNaN(v) ? 'no data' : formatValue(v)}`;
    };
  };
  select.addEventListener('change', () => {
    groupIdx = Number(select.value);
    draw();
  });
  requestAnimationFrame(draw);
}
