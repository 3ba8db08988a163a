/**
 * The explain tab: the query's tree of sub-expressions, each evaluated on its own (instant query at the
 * panel's time) to show how many results it gives, with a short description of what it does.
 */
import { ApiError, type ApiClient } from '../lib/api.js';
import type { ExplainNode } from '../lib/explain.js';
import { resultCount } from '../lib/shape.js';
import { el } from './dom.js';

const MAX_EVALUATED = 40;
const CONCURRENCY = 4;

export function renderExplain(container: HTMLElement, root: ExplainNode, api: ApiClient, time: number, signal: AbortSignal): void {
  const jobs: (() => Promise<void>)[] = [];
  const build = (node: ExplainNode, depth: number): HTMLElement => {
    const count = el('span', { class: 'explain-count' }, '…');
    const row = el(
      'div',
      { class: 'explain-row', style: `--depth:${depth}` },
      el('code', { class: 'explain-expr' }, node.text),
      el('span', { class: 'explain-type' }, node.type),
      count,
      el('div', { class: 'explain-desc' }, node.description),
    );
    if (jobs.length < MAX_EVALUATED) {
      jobs.push(async () => {
        try {
          const { data, warnings } = await api.query(node.text, time, signal);
          const c = resultCount(data);
          count.textContent =
            c.kind === 'vector' ? `${c.count} series` : c.kind === 'matrix' ? `${c.count} series, ${c.samples} samples` : c.kind;
          if (warnings.length > 0) count.title = warnings.join('\n');
          count.classList.add(c.count === 0 ? 'zero' : 'ok');
        } catch (e) {
          if ((e as Error).name === 'AbortError') return;
          count.textContent = 'error';
          count.classList.add('bad');
          count.title = e instanceof ApiError ? e.message : (e as Error).message;
          row.appendChild(el('div', { class: 'explain-error' }, count.title));
        }
      });
    } else count.textContent = '';
    const box = el('div', { class: 'explain-node' }, row);
    for (const c of node.children) box.appendChild(build(c, depth + 1));
    return box;
  };
  container.appendChild(el('div', { class: 'explain', 'data-testid': 'explain' }, build(root, 0)));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length && !signal.aborted) await jobs[next++]!();
  };
  for (let i = 0; i < CONCURRENCY; i++) void worker();
}
