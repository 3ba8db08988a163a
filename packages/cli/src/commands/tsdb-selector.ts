/**
 * Series selectors for `vigil tsdb dump --match`: `metric{label="value", other=~"re"}` with PromQL's string
 * quoting (double, single or back quotes). Just the selector, not the whole PromQL grammar.
 */
import { METRIC_NAME, Matcher, VigilError, type MatchType } from '@vigil/model';

function fail(input: string, pos: number, why: string): VigilError {
  return new VigilError('bad_data', `invalid series selector ${JSON.stringify(input)} at column ${pos + 1}: ${why}`);
}

const isNameStart = (c: string) => /[A-Za-z_:]/.test(c);
const isNameChar = (c: string) => /[A-Za-z0-9_:]/.test(c);

/** Prometheus's "match everything" default, `(?s:.*)`, is `.*` with newlines matched: what our `.*` does. */
function normaliseRegex(v: string): string {
  return v === '(?s:.*)' ? '.*' : v;
}

export function parseSeriesSelector(input: string): Matcher[] {
  let i = 0;
  const s = input;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const name = (metric: boolean): string => {
    const start = i;
    if (i >= s.length || !(metric ? isNameStart(s[i]) : /[A-Za-z_]/.test(s[i]))) throw fail(s, i, 'expected a name');
    i++;
    while (i < s.length && (metric ? isNameChar(s[i]) : /[A-Za-z0-9_]/.test(s[i]))) i++;
    return s.slice(start, i);
  };
  const str = (): string => {
    const q = s[i];
    if (q !== '"' && q !== "'" && q !== '`') throw fail(s, i, 'expected a quoted string');
    const start = i++;
    let out = '';
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\' && q !== '`') {
        const e = s[i + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
        if (e === undefined || map[e] === undefined) throw fail(s, i, `unknown escape sequence \\${e ?? ''}`);
        out += map[e];
        i += 2;
        continue;
      }
      out += s[i++];
    }
    if (i >= s.length) throw fail(s, start, 'unterminated string');
    i++;
    return out;
  };
  const matchers: Matcher[] = [];
  ws();
  if (i < s.length && s[i] !== '{') matchers.push(new Matcher('=', METRIC_NAME, name(true)));
  ws();
  if (i < s.length && s[i] === '{') {
    i++;
    ws();
    while (i < s.length && s[i] !== '}') {
      const n = name(false);
      ws();
      let op: MatchType;
      if (s.startsWith('=~', i)) op = '=~';
      else if (s.startsWith('!~', i)) op = '!~';
      else if (s.startsWith('!=', i)) op = '!=';
      else if (s[i] === '=') op = '=';
      else throw fail(s, i, 'expected one of =, !=, =~, !~');
      i += op.length;
      ws();
      const v = str();
      matchers.push(new Matcher(op, n, op === '=~' || op === '!~' ? normaliseRegex(v) : v));
      ws();
      if (s[i] === ',') {
        i++;
        ws();
      } else if (s[i] !== '}') {
        throw fail(s, i, 'expected , or }');
      }
    }
    if (s[i] !== '}') throw fail(s, i, 'unterminated {');
    i++;
  }
  ws();
  if (i < s.length) throw fail(s, i, `unexpected ${JSON.stringify(s[i])}`);
  if (matchers.length === 0) throw fail(s, 0, 'a selector needs a metric name or at least one matcher');
  return matchers;
}
