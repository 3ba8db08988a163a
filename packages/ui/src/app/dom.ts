/**
 * Building DOM nodes. Text goes in through text nodes only, never as markup, so label values such as
 * `<script>` show as text.
 */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (typeof v === 'function') node.addEventListener(k.startsWith('on') ? k.slice(2) : k, v);
      else if (k === 'class') node.className = String(v);
      else if (v === true) node.setAttribute(k, '');
      else node.setAttribute(k, String(v));
    }
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function replace(node: Node, ...children: Child[]): void {
  clear(node);
  append(node, ...children);
}

/** A link only for http(s) URLs (a `javascript:` URL from a label must not become a link). */
export function safeHref(url: string): string | null {
  try {
    const u = new URL(url, window.location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Label chips: `name="value"` pieces, as text. */
export function labelChips(labels: Record<string, string>, skipName = true): HTMLElement {
  const box = el('span', { class: 'labels' });
  for (const k of Object.keys(labels).sort()) {
    if (skipName && k === '__name__') continue;
    box.appendChild(el('span', { class: 'chip' }, el('span', { class: 'chip-name' }, k), '="', el('span', { class: 'chip-value' }, labels[k]!), '"'));
  }
  return box;
}

export function errorBox(message: string, kind: 'error' | 'warning' | 'info' = 'error'): HTMLElement {
  return el('div', { class: `alert alert-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
}

export function loading(what = 'Loading…'): HTMLElement {
  return el('div', { class: 'loading' }, what);
}
