/**
 * A small YAML tokenizer for highlighting the configuration page: keys, strings, numbers, booleans,
 * comments, list dashes. It only colours: every character of the input ends up in exactly one token.
 */
export type YamlTokenKind = 'key' | 'string' | 'number' | 'bool' | 'null' | 'comment' | 'punct' | 'text';
export interface YamlToken {
  kind: YamlTokenKind;
  text: string;
}

export function tokenizeYaml(src: string): YamlToken[] {
  const out: YamlToken[] = [];
  const push = (kind: YamlTokenKind, text: string) => {
    if (text === '') return;
    const last = out[out.length - 1];
    if (last && last.kind === kind && kind === 'text') last.text += text;
    else out.push({ kind, text });
  };
  const lines = src.split(/(?<=\n)/);
  for (const line of lines) {
    let i = 0;
    const n = line.length;
    // indentation and list dashes
    const indent = /^[ \t]*(?:- +)*/.exec(line)![0];
    if (indent !== '') {
      for (const part of indent.split(/(-)/)) push(part === '-' ? 'punct' : 'text', part);
      i = indent.length;
    }
    // `key:`
    const key = /^([^\s#:'"{}[\],][^:#]*?|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')(\s*:)(?=\s|$)/.exec(line.slice(i));
    if (key) {
      push('key', key[1]!);
      push('punct', key[2]!);
      i += key[0].length;
    }
    while (i < n) {
      const rest = line.slice(i);
      const ws = /^[ \t]+/.exec(rest);
      if (ws) {
        push('text', ws[0]);
        i += ws[0].length;
        continue;
      }
      if (rest[0] === '#') {
        const body = rest.endsWith('\n') ? rest.slice(0, -1) : rest;
        push('comment', body);
        i += body.length;
        continue;
      }
      if (rest[0] === '\n' || rest[0] === '\r') {
        push('text', rest[0]);
        i++;
        continue;
      }
      const q = /^("(?:[^"\\\n]|\\.)*"?|'(?:[^'\n]|'')*'?)/.exec(rest);
      if (q && (rest[0] === '"' || rest[0] === "'")) {
        push('string', q[0]);
        i += q[0].length;
        continue;
      }
      if ('[]{},'.includes(rest[0]!)) {
        push('punct', rest[0]!);
        i++;
        continue;
      }
      // a plain scalar up to a comment, a flow character or the end of the line
      const plain = /^[^\n#[\]{},]*?(?=\s+#|[\n[\]{},]|$)/.exec(rest)![0] || rest[0]!;
      const trimmed = plain.replace(/\s+$/, '');
      push(scalarKind(trimmed), trimmed);
      push('text', plain.slice(trimmed.length));
      i += plain.length;
    }
  }
  return out;
}

function scalarKind(s: string): YamlTokenKind {
  if (/^[-+]?(\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|\.\d+|\.inf|\.Inf|\.nan|\.NaN|0x[0-9a-fA-F]+)$/.test(s)) return 'number';
  if (/^(true|false|True|False|yes|no)$/.test(s)) return 'bool';
  if (/^(null|Null|~)$/.test(s)) return 'null';
  return 'string';
}
