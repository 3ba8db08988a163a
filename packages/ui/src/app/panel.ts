/**
 * One query panel: the editor, the Table / Graph / Explain tabs with their controls, and the result with
 * the API's errors and warnings next to it.
 */
import { ApiError, type ApiClient, type QueryData } from '../lib/api.js';
import { explain } from '../lib/explain.js';
import { graphData, heatmapData, resultCount, tableRows } from '../lib/shape.js';
import { clampStepSeconds, defaultStepSeconds, formatDuration, formatTimeInput, parseDuration, parseTimeInput, stepRange } from '../lib/time.js';
import type { DisplayMode, PanelState, PanelTab } from '../lib/url-state.js';
import { el, errorBox, labelChips, loading, replace } from './dom.js';
import { createEditor, type PromQLEditor } from './editor.js';
import { renderGraph } from './graph.js';
import { renderHeatmap } from './heatmap.js';
import { renderExplain } from './explain-view.js';

const MAX_TABLE_ROWS = 1000;

export interface PanelHandle {
  root: HTMLElement;
  state(): PanelState;
  run(): void;
  destroy(): void;
}

export function createPanel(api: ApiClient, initial: PanelState, hooks: { onChange(): void; onRemove(): void; now(): number }): PanelHandle {
  let state = initial;
  let abort: AbortController | null = null;
  let cleanup: (() => void) | null = null;

  const set = (patch: Partial<PanelState>, rerun = false) => {
    state = { ...state, ...patch };
    syncControls();
    hooks.onChange();
    if (rerun) run();
  };

  const root = el('section', { class: 'panel', 'data-testid': 'panel' });
  const editorBox = el('div', { class: 'editor' });
  const runBtn = el('button', { class: 'btn btn-primary', type: 'button', title: 'Execute (Ctrl+Enter)' }, 'Execute');
  const explainBtn = el('button', { class: 'btn', type: 'button', title: 'Show the query as a tree of sub-expressions' }, 'Explain');
  const removeBtn = el('button', { class: 'btn btn-icon', type: 'button', title: 'Remove panel', 'aria-label': 'Remove panel' }, '✕');
  const tabs = el('div', { class: 'tabs', role: 'tablist' });
  const tabButtons = new Map<PanelTab, HTMLButtonElement>();
  for (const [tab, label] of [['table', 'Table'], ['graph', 'Graph'], ['explain', 'Explain']] as const) {
    const b = el('button', { class: 'tab', type: 'button', role: 'tab', 'data-tab': tab }, label);
    b.addEventListener('click', () => set({ tab }, state.expr.trim() !== ''));
    tabButtons.set(tab, b);
    tabs.appendChild(b);
  }

  // Table controls: evaluation time.
  const momentInput = el('input', { class: 'input time-input', type: 'text', placeholder: 'now (UTC)', 'aria-label': 'Evaluation time', spellcheck: 'false' });
  const tableControls = el('div', { class: 'controls' }, el('label', { class: 'field' }, 'Evaluation time ', momentInput));
  // Graph controls: range, end time, resolution, display mode.
  const rangeInput = el('input', { class: 'input range-input', type: 'text', 'aria-label': 'Range', spellcheck: 'false' });
  const rangeMinus = el('button', { class: 'btn btn-icon', type: 'button', title: 'Shorter range', 'aria-label': 'Shorter range' }, '−');
  const rangePlus = el('button', { class: 'btn btn-icon', type: 'button', title: 'Longer range', 'aria-label': 'Longer range' }, '+');
  const endInput = el('input', { class: 'input time-input', type: 'text', placeholder: 'now (UTC)', 'aria-label': 'End time', spellcheck: 'false' });
  const endBack = el('button', { class: 'btn btn-icon', type: 'button', title: 'Earlier', 'aria-label': 'Earlier' }, '«');
  const endFwd = el('button', { class: 'btn btn-icon', type: 'button', title: 'Later', 'aria-label': 'Later' }, '»');
  const stepInput = el('input', { class: 'input step-input', type: 'text', placeholder: 'auto', 'aria-label': 'Resolution in seconds', spellcheck: 'false' });
  const modeSelect = el('select', { class: 'input', 'aria-label': 'Display mode' }, el('option', { value: 'lines' }, 'Lines'), el('option', { value: 'stacked' }, 'Stacked'), el('option', { value: 'heatmap' }, 'Heatmap'));
  const graphControls = el(
    'div',
    { class: 'controls' },
    el('span', { class: 'group' }, rangeMinus, rangeInput, rangePlus),
    el('span', { class: 'group' }, endBack, endInput, endFwd),
    el('label', { class: 'field' }, 'Res. (s) ', stepInput),
    modeSelect,
  );
  const notes = el('div', { class: 'notes' });
  const stats = el('div', { class: 'stats' });
  const result = el('div', { class: 'result' });

  root.append(
    el('div', { class: 'panel-head' }, editorBox, el('div', { class: 'panel-actions' }, runBtn, explainBtn, removeBtn)),
    el('div', { class: 'panel-bar' }, tabs, tableControls, graphControls),
    notes,
    stats,
    result,
  );

  const editor: PromQLEditor = createEditor(editorBox, {
    api,
    doc: state.expr,
    onRun: () => run(),
    onChange: (text) => {
      state = { ...state, expr: text };
      hooks.onChange();
    },
  });

  function syncControls(): void {
    for (const [tab, b] of tabButtons) {
      b.classList.toggle('active', tab === state.tab);
      b.setAttribute('aria-selected', String(tab === state.tab));
    }
    tableControls.hidden = state.tab !== 'table';
    graphControls.hidden = state.tab !== 'graph';
    if (document.activeElement !== rangeInput) rangeInput.value = formatDuration(state.range);
    if (document.activeElement !== endInput) endInput.value = state.endTime === null ? '' : formatTimeInput(state.endTime);
    if (document.activeElement !== momentInput) momentInput.value = state.moment === null ? '' : formatTimeInput(state.moment);
    if (document.activeElement !== stepInput) stepInput.value = state.step === null ? '' : String(state.step);
    modeSelect.value = state.displayMode;
  }

  // A typed value is applied on Enter or when the field loses focus; a bad one is marked, not applied.
  const onCommit = (input: HTMLInputElement, apply: (text: string) => boolean) => {
    const commit = () => {
      const ok = apply(input.value);
      input.classList.toggle('invalid', !ok);
      input.setAttribute('aria-invalid', String(!ok));
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') commit();
    });
    input.addEventListener('change', commit);
  };
  onCommit(rangeInput, (t) => {
    const r = parseDuration(t);
    if (r === null || r <= 0) return false;
    set({ range: r }, true);
    return true;
  });
  onCommit(endInput, (t) => {
    if (t.trim() === '' || t.trim() === 'now') {
      set({ endTime: null }, true);
      return true;
    }
    const ms = parseTimeInput(t);
    if (ms === null) return false;
    set({ endTime: ms }, true);
    return true;
  });
  onCommit(momentInput, (t) => {
    if (t.trim() === '' || t.trim() === 'now') {
      set({ moment: null }, true);
      return true;
    }
    const ms = parseTimeInput(t);
    if (ms === null) return false;
    set({ moment: ms }, true);
    return true;
  });
  onCommit(stepInput, (t) => {
    if (t.trim() === '') {
      set({ step: null }, true);
      return true;
    }
    const ms = parseDuration(t);
    if (ms === null || ms <= 0) return false;
    set({ step: ms / 1000 }, true);
    return true;
  });
  rangeMinus.addEventListener('click', () => set({ range: stepRange(state.range, -1) }, true));
  rangePlus.addEventListener('click', () => set({ range: stepRange(state.range, 1) }, true));
  endBack.addEventListener('click', () => set({ endTime: (state.endTime ?? hooks.now()) - state.range / 2 }, true));
  endFwd.addEventListener('click', () => {
    const next = (state.endTime ?? hooks.now()) + state.range / 2;
    set({ endTime: next >= hooks.now() ? null : next }, true);
  });
  modeSelect.addEventListener('change', () => set({ displayMode: modeSelect.value as DisplayMode }, true));
  runBtn.addEventListener('click', () => run());
  explainBtn.addEventListener('click', () => set({ tab: 'explain' }, true));
  removeBtn.addEventListener('click', () => hooks.onRemove());

  function showError(e: unknown): void {
    if ((e as Error).name === 'AbortError') return;
    const msg = e instanceof ApiError ? `${e.errorType}: ${e.message}` : (e as Error).message;
    notes.appendChild(errorBox(msg, 'error'));
  }
  function showNotes(warnings: string[], infos: string[]): void {
    for (const w of warnings) notes.appendChild(errorBox(`Warning: ${w}`, 'warning'));
    for (const i of infos) notes.appendChild(errorBox(i, 'info'));
  }

  function run(): void {
    abort?.abort();
    cleanup?.();
    cleanup = null;
    replace(notes);
    replace(stats);
    const expr = editor.value().trim();
    state = { ...state, expr: editor.value() };
    hooks.onChange();
    if (expr === '') {
      replace(result, el('div', { class: 'empty' }, 'Enter an expression and press Execute (or Ctrl+Enter).'));
      return;
    }
    const ctl = new AbortController();
    abort = ctl;
    replace(result, loading());
    const started = performance.now();
    const done = (what: string) => {
      stats.textContent = `Load time: ${Math.round(performance.now() - started)}ms · ${what}`;
    };
    const fail = (e: unknown) => {
      if (ctl.signal.aborted) return;
      replace(result);
      showError(e);
    };
    if (state.tab === 'table') {
      const time = state.moment ?? hooks.now();
      api.query(expr, time, ctl.signal).then(({ data, warnings, infos }) => {
        if (ctl.signal.aborted) return;
        showNotes(warnings, infos);
        renderTable(data);
        const c = resultCount(data);
        done(`Result series: ${c.count}`);
      }, fail);
    } else if (state.tab === 'graph') {
      const end = state.endTime ?? hooks.now();
      const start = end - state.range;
      const step = clampStepSeconds(state.range, state.step ?? defaultStepSeconds(state.range));
      api.queryRange(expr, start, end, step, ctl.signal).then(({ data, warnings, infos }) => {
        if (ctl.signal.aborted) return;
        showNotes(warnings, infos);
        replace(result);
        if (data.resultType !== 'matrix') {
          notes.appendChild(errorBox(`The range query returned a ${data.resultType}, not a range vector.`, 'error'));
          return;
        }
        if (state.displayMode === 'heatmap') {
          const root = explain(expr).root;
          const delta = root !== null && root.type === 'VectorSelector';
          renderHeatmap(result, heatmapData(data.result, start / 1000, end / 1000, step, delta));
          done(`Result series: ${data.result.length} · step ${step}s${delta ? ' · counts per step' : ''}`);
          return;
        }
        const gd = graphData(data.result, start / 1000, end / 1000, step);
        if (gd.ys.length === 0) {
          result.appendChild(el('div', { class: 'empty' }, 'No data queried yet.'));
        } else {
          performance.mark('vigil:graph-data');
          const g = renderGraph(result, gd, {
            stacked: state.displayMode === 'stacked',
            onZoom: (s, e) => set({ range: Math.max(1000, Math.round((e - s) / 1000) * 1000), endTime: Math.round(e / 1000) * 1000 }, true),
          });
          cleanup = () => g.destroy();
          // The frame after uPlot's first draw: what the speed check in the browser test measures.
          requestAnimationFrame(() => {
            performance.mark('vigil:graph-drawn');
            performance.measure('vigil:graph-render', 'vigil:graph-data', 'vigil:graph-drawn');
          });
        }
        done(`Result series: ${gd.ys.length} · step ${step}s`);
      }, fail);
    } else {
      const time = state.moment ?? hooks.now();
      replace(result);
      const tree = explain(expr);
      for (const err of tree.errors.slice(0, 3)) notes.appendChild(errorBox(err.message, 'error'));
      if (tree.root === null) return;
      renderExplain(result, tree.root, api, time, ctl.signal);
      done('evaluated each sub-expression at the evaluation time');
    }
  }

  function renderTable(data: QueryData): void {
    const { rows, resultType } = tableRows(data, MAX_TABLE_ROWS);
    const table = el('table', { class: 'data-table', 'data-testid': 'result-table' });
    const tbody = el('tbody');
    if (rows.length === 0) {
      replace(result, el('div', { class: 'empty' }, 'Empty query result'));
      return;
    }
    for (const r of rows) {
      const seriesCell = el('td', { class: 'series' });
      if (resultType === 'vector' || resultType === 'matrix') {
        // An empty label set reads `{}`, as in Prometheus's table.
        if (Object.keys(r.labels).length === 0) seriesCell.textContent = '{}';
        else seriesCell.append(el('span', { class: 'metric-name' }, r.labels['__name__'] ?? ''), labelChips(r.labels));
      } else seriesCell.textContent = resultType;
      const valueCell = el('td', { class: 'value' });
      r.values.forEach((v, i) => {
        if (i > 0) valueCell.appendChild(el('br'));
        valueCell.appendChild(document.createTextNode(v));
      });
      tbody.appendChild(el('tr', null, seriesCell, valueCell));
    }
    table.appendChild(tbody);
    replace(result, table);
    const total = data.resultType === 'vector' || data.resultType === 'matrix' ? data.result.length : 1;
    if (total > rows.length) notes.appendChild(errorBox(`Showing the first ${rows.length} of ${total} series.`, 'info'));
  }

  syncControls();
  return {
    root,
    state: () => ({ ...state, expr: editor.value() }),
    run,
    destroy() {
      abort?.abort();
      cleanup?.();
      editor.view.destroy();
    },
  };
}
