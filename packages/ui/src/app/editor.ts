/**
 * The PromQL editor: CodeMirror 6 with codemirror-promql (highlighting, completion of functions, metric
 * names, label names and values through our API client, lint of parse errors) and Ctrl/Cmd+Enter to run.
 */
import { EditorState, Prec, type Extension } from '@codemirror/state';
import { EditorView, keymap, placeholder, drawSelection, highlightSpecialChars } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from '@codemirror/commands';
import { bracketMatching, syntaxHighlighting, HighlightStyle, indentOnInput } from '@codemirror/language';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { lintKeymap } from '@codemirror/lint';
import { tags } from '@lezer/highlight';
import { PromQLExtension, type PrometheusClient } from '@prometheus-io/codemirror-promql';
import { EqlRegex, EqlSingle, Neq, NeqRegex } from '@prometheus-io/lezer-promql';
import type { ApiClient } from '../lib/api.js';

const highlight = HighlightStyle.define([
  { tag: tags.number, class: 'tok-number' },
  { tag: tags.string, class: 'tok-string' },
  { tag: tags.keyword, class: 'tok-keyword' },
  { tag: tags.function(tags.variableName), class: 'tok-function' },
  { tag: tags.labelName, class: 'tok-label' },
  { tag: tags.operator, class: 'tok-operator' },
  { tag: tags.modifier, class: 'tok-keyword' },
  { tag: tags.paren, class: 'tok-paren' },
  { tag: tags.squareBracket, class: 'tok-paren' },
  { tag: tags.brace, class: 'tok-paren' },
  { tag: tags.comment, class: 'tok-comment' },
  { tag: tags.invalid, class: 'tok-invalid' },
]);

interface MatcherLike {
  type: number;
  name: string;
  value: string;
}

function selector(metricName: string | undefined, matchers: readonly MatcherLike[] | undefined, skipLabel?: string): string {
  const parts: string[] = [];
  for (const m of matchers ?? []) {
    if (m.name === skipLabel || m.value === '') continue;
    const op = m.type === Neq ? '!=' : m.type === EqlRegex ? '=~' : m.type === NeqRegex ? '!~' : m.type === EqlSingle ? '=' : '=';
    parts.push(`${m.name}${op}${JSON.stringify(m.value)}`);
  }
  return `${metricName ?? ''}{${parts.join(',')}}`;
}

/** codemirror-promql's completion source, answered by our API client, with a short-lived cache. */
export function completionClient(api: ApiClient, maxAgeMs = 5 * 60 * 1000): PrometheusClient {
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  const cached = <T>(key: string, load: () => Promise<T>, fallback: T): Promise<T> => {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < maxAgeMs) return hit.value as Promise<T>;
    const value = load().catch(() => {
      cache.delete(key);
      return fallback;
    });
    cache.set(key, { at: Date.now(), value });
    return value;
  };
  const lookback = () => {
    const end = Date.now();
    return { start: end - 12 * 3600 * 1000, end };
  };
  return {
    labelNames: (metricName) =>
      cached(`ln:${metricName ?? ''}`, () => (metricName ? api.labelNames([selector(metricName, [])]) : api.labelNames()), []),
    labelValues: (labelName, metricName, matchers) =>
      cached(
        `lv:${labelName}:${metricName ? selector(metricName, matchers, labelName) : ''}`,
        () => api.labelValues(labelName, metricName ? [selector(metricName, matchers, labelName)] : []),
        [],
      ),
    metricMetadata: () =>
      cached('md', async () => {
        const md = await api.metadata();
        const out: Record<string, { type: string; help: string }[]> = {};
        for (const [k, v] of Object.entries(md)) out[k] = v.map((m) => ({ type: m.type, help: m.help }));
        return out;
      }, {}),
    series: (metricName, matchers, labelName) =>
      cached(
        `s:${selector(metricName, matchers, labelName)}`,
        async () => {
          const { start, end } = lookback();
          const rows = await api.series([selector(metricName, matchers, labelName)], start, end);
          return rows.map((r) => new Map(Object.entries(r)));
        },
        [],
      ),
    metricNames: () => cached('mn', () => api.labelValues('__name__'), []),
    flags: () => cached('flags', () => api.flags(), {}),
  };
}

export interface PromQLEditor {
  view: EditorView;
  value(): string;
  setValue(text: string): void;
  focus(): void;
}

export function createEditor(parent: HTMLElement, opts: { api: ApiClient; doc: string; onRun: () => void; onChange: (text: string) => void }): PromQLEditor {
  const promql = new PromQLExtension().setComplete({ remote: completionClient(opts.api) });
  const run = () => {
    opts.onRun();
    return true;
  };
  const extensions: Extension[] = [
    history(),
    drawSelection(),
    highlightSpecialChars(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    autocompletion({ icons: false }),
    syntaxHighlighting(highlight),
    placeholder('Expression (press Ctrl+Enter to run)'),
    EditorView.lineWrapping,
    Prec.highest(
      keymap.of([
        { key: 'Mod-Enter', run },
        { key: 'Shift-Enter', run: insertNewlineAndIndent },
      ]),
    ),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
    promql.asExtension(),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) opts.onChange(u.state.doc.toString());
    }),
    EditorView.contentAttributes.of({ 'aria-label': 'PromQL expression', 'data-testid': 'expr' }),
  ];
  const view = new EditorView({ state: EditorState.create({ doc: opts.doc, extensions }), parent });
  return {
    view,
    value: () => view.state.doc.toString(),
    setValue: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus(),
  };
}
