/** The query page: several panels, their state kept in the URL (`g0.expr=...`, Prometheus's form). */
import type { ApiClient } from '../lib/api.js';
import { decodePanels, encodePanels, newPanel, type PanelState } from '../lib/url-state.js';
import { el } from './dom.js';
import { createPanel, type PanelHandle } from './panel.js';

export function queryPage(root: HTMLElement, api: ApiClient, pagePath: string): () => void {
  const panels: PanelHandle[] = [];
  const list = el('div', { class: 'panels' });
  const addBtn = el('button', { class: 'btn', type: 'button' }, '+ Add panel');
  root.append(list, el('div', { class: 'page-actions' }, addBtn));

  let pending = 0;
  const writeUrl = () => {
    // Coalesce typing bursts into one history entry update.
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      const search = encodePanels(panels.map((p) => p.state()));
      const url = `${pagePath}?${search}`;
      if (url !== location.pathname + location.search) history.replaceState(null, '', url);
    });
  };

  const add = (state: PanelState, runNow: boolean) => {
    const handle: PanelHandle = createPanel(api, state, {
      onChange: writeUrl,
      onRemove: () => {
        const i = panels.indexOf(handle);
        if (i >= 0) panels.splice(i, 1);
        handle.destroy();
        handle.root.remove();
        if (panels.length === 0) add(newPanel(), false);
        writeUrl();
      },
      now: () => Date.now(),
    });
    panels.push(handle);
    list.appendChild(handle.root);
    if (runNow) handle.run();
    return handle;
  };

  const initial = decodePanels(location.search);
  if (initial.length === 0) add(newPanel(), false);
  else for (const p of initial) add(p, p.expr.trim() !== '');
  writeUrl();
  addBtn.addEventListener('click', () => {
    add(newPanel(), false);
    writeUrl();
  });
  return () => {
    cancelAnimationFrame(pending);
    for (const p of panels) p.destroy();
  };
}
