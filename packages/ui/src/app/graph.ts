/**
 * The graph tab: uPlot lines (or stacked areas), a legend of series labels (click isolates a series,
 * Ctrl/Cmd+click toggles it), values on hover, and drag to zoom (which changes the panel's range).
 */
import uPlot from 'uplot';
import { formatSeries } from '../lib/api.js';
import { formatValue, hexToRgb, seriesColor, stackColumns, type GraphData } from '../lib/shape.js';
import { el, labelChips } from './dom.js';

export interface GraphOptions {
  stacked: boolean;
  /** Called with the new [start, end] in ms after a drag across the plot. */
  onZoom(startMs: number, endMs: number): void;
}

const css = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

export function renderGraph(container: HTMLElement, data: GraphData, opts: GraphOptions): { destroy(): void; plot: uPlot } {
  const plotBox = el('div', { class: 'graph-plot' });
  const tooltip = el('div', { class: 'graph-tooltip', hidden: true });
  const legend = el('div', { class: 'legend', role: 'list' });
  plotBox.appendChild(tooltip);
  container.append(plotBox, legend);

  const n = data.ys.length;
  const shown = new Array<boolean>(n).fill(true);
  const columns = opts.stacked ? stackColumns(data.ys) : data.ys;
  const axisColor = css('--fg-muted', '#666');
  const gridColor = css('--grid', '#e5e5e5');

  const series: uPlot.Series[] = [{}];
  for (let i = 0; i < n; i++) {
    const c = seriesColor(i);
    const [r, g, b] = hexToRgb(c);
    series.push({
      label: formatSeries(data.labels[i]!),
      stroke: c,
      width: 1.5,
      fill: opts.stacked ? `rgba(${r},${g},${b},0.35)` : undefined,
      points: { show: false },
      spanGaps: false,
    });
  }
  const bands: uPlot.Band[] = [];
  if (opts.stacked) for (let i = 2; i <= n; i++) bands.push({ series: [i, i - 1] });

  const width = () => Math.max(200, plotBox.clientWidth || container.clientWidth || 600);
  const height = () => Math.min(420, Math.max(220, Math.round(width() * 0.4)));
  const plotOpts: uPlot.Options = {
    width: width(),
    height: height(),
    series,
    bands,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
    scales: { x: { time: true } },
    axes: [
      { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
      { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor }, size: 60, values: (_u, vals) => vals.map((v) => formatValue(v)) },
    ],
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 5) return;
          const start = u.posToVal(u.select.left, 'x');
          const end = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          opts.onZoom(Math.round(start * 1000), Math.round(end * 1000));
        },
      ],
      setCursor: [(u) => showTooltip(u)],
    },
  };
  const plot = new uPlot(plotOpts, [data.xs, ...columns] as uPlot.AlignedData, plotBox);

  function showTooltip(u: uPlot): void {
    const idx = u.cursor.idx;
    const top = u.cursor.top ?? -1;
    if (idx === null || idx === undefined || top < 0) {
      tooltip.hidden = true;
      return;
    }
    // The series nearest to the cursor at this time.
    let best = -1;
    let bestDist = Infinity;
    for (let i = 0; i < n; i++) {
      if (!shown[i]) continue;
      const v = columns[i]![idx];
      if (v === null || v === undefined) continue;
      const d = Math.abs(u.valToPos(v, 'y') - top);
      if (d < bestDist) {
        bestDist = d;
        best = i;
      }
    }
    if (best < 0) {
      tooltip.hidden = true;
      return;
    }
    tooltip.replaceChildren(
      el('div', { class: 'tt-time' }, new Date(data.xs[idx]! * 1000).toISOString().replace('T', ' ').replace('.000Z', 'Z')),
      el('div', { class: 'tt-series' }, el('span', { class: 'swatch', style: `background:${seriesColor(best)}` }), data.labels[best]!['__name__'] ?? ''),
      labelChips(data.labels[best]!),
      el('div', { class: 'tt-value' }, `value: ${String(data.ys[best]![idx])}`),
    );
    tooltip.hidden = false;
    const left = u.cursor.left ?? 0;
    const boxW = plotBox.clientWidth;
    tooltip.style.left = `${Math.min(left + 16, Math.max(0, boxW - 260))}px`;
    tooltip.style.top = `${top + 16}px`;
  }

  const applyShown = () => {
    plot.batch(() => {
      for (let i = 0; i < n; i++) plot.setSeries(i + 1, { show: shown[i]! });
    });
    legend.querySelectorAll<HTMLElement>('.legend-item').forEach((item, i) => item.classList.toggle('legend-off', !shown[i]));
  };
  for (let i = 0; i < n; i++) {
    const item = el(
      'div',
      { class: 'legend-item', role: 'listitem', tabindex: 0, title: 'Click to show only this series; Ctrl+click to toggle it' },
      el('span', { class: 'swatch', style: `background:${seriesColor(i)}` }),
      el('span', { class: 'legend-name' }, data.labels[i]!['__name__'] ?? ''),
      labelChips(data.labels[i]!),
    );
    const toggle = (multi: boolean) => {
      if (multi) shown[i] = !shown[i];
      else {
        const onlyThis = shown[i] && shown.every((s, j) => (j === i ? s : !s));
        for (let j = 0; j < n; j++) shown[j] = onlyThis ? true : j === i;
      }
      applyShown();
    };
    item.addEventListener('click', (e) => toggle(e.ctrlKey || e.metaKey));
    item.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        toggle(e.ctrlKey || e.metaKey);
      }
    });
    legend.appendChild(item);
  }

  const ro = new ResizeObserver(() => {
    const w = width();
    if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: height() });
  });
  ro.observe(plotBox);
  plotBox.addEventListener('mouseleave', () => (tooltip.hidden = true));
  return {
    plot,
    destroy() {
      ro.disconnect();
      plot.destroy();
    },
  };
}
