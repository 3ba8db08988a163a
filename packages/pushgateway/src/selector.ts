/**
 * Group selectors for deletion by matcher (a Vigil addition): `{job="batch",instance=~"db-.*"}`, PromQL's
 * label matcher syntax (`=`, `!=`, `=~`, `!~`; values in double quotes, single quotes or backticks; a
 * trailing comma allowed) applied to a group's grouping labels, an absent label reading as `""`.
 *
 * A selector must hold at least one matcher that an empty value does not satisfy, as Prometheus requires
 * of `match[]` in its series deletion: `{}` or `{job=~".*"}` would match every group by accident (wiping
 * is a separate, explicit call).
 */
import { Matcher, VigilError, isValidLabelName, type MatchType } from '@vigil/model';

export type GroupSelector = readonly Matcher[];

function fail(input: string, pos: number, what: string): never {
  throw new VigilError('bad_data', `invalid selector ${JSON.stringify(input)} at character ${pos + 1}: ${what}`);
}

/** Reads a quoted string starting at `pos` (on the quote); returns the value and the position after it. */
function readString(s: string, pos: number): [string, number] {
  const q = s[pos];
  if (q === '`') {
    const end = s.indexOf('`', pos + 1);
    if (end < 0) fail(s, pos, 'unterminated raw string');
    return [s.slice(pos + 1, end), end + 1];
  }
  let out = '';
  let i = pos + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === q) return [out, i + 1];
    if (c === '\n') fail(s, i, 'line feed in string');
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case "'": out += "'"; break;
      case 'x':
      case 'u':
      case 'U': {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = s.slice(i, i + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail(s, i, `invalid \\${e} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += len;
        break;
      }
      default:
        fail(s, i - 1, `unknown escape sequence \\${e ?? ''}`);
    }
  }
  return fail(s, pos, 'unterminated string');
}

/** Parses `{name op "value", ...}`. Throws a `bad_data` VigilError naming the position. */
export function parseGroupSelector(input: string): GroupSelector {
  const s = input;
  let i = 0;
  const skip = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  skip();
  if (s[i] !== '{') {
    if (i < s.length && /[a-zA-Z_:]/.test(s[i])) fail(s, i, 'groups are selected by their grouping labels only: write {job="..."}, without a metric name');
    fail(s, i, 'expected "{"');
  }
  i++;
  const matchers: Matcher[] = [];
  for (;;) {
    skip();
    if (s[i] === '}') {
      i++;
      break;
    }
    let name: string;
    if (s[i] === '"' || s[i] === "'") {
      [name, i] = readString(s, i);
    } else {
      const start = i;
      while (i < s.length && /[a-zA-Z0-9_]/.test(s[i])) i++;
      name = s.slice(start, i);
      if (!isValidLabelName(name)) fail(s, start, 'expected a label name');
    }
    skip();
    let op: MatchType;
    if (s.startsWith('=~', i)) op = '=~';
    else if (s.startsWith('!~', i)) op = '!~';
    else if (s.startsWith('!=', i)) op = '!=';
    else if (s[i] === '=') op = '=';
    else fail(s, i, 'expected one of =, !=, =~, !~');
    i += op.length;
    skip();
    if (s[i] !== '"' && s[i] !== "'" && s[i] !== '`') fail(s, i, 'expected a quoted label value');
    let value: string;
    [value, i] = readString(s, i);
    try {
      matchers.push(new Matcher(op, name, value));
    } catch (e) {
      fail(s, i, (e as Error).message);
    }
    skip();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === '}') {
      i++;
      break;
    }
    fail(s, i, 'expected "," or "}"');
  }
  skip();
  if (i < s.length) fail(s, i, 'unexpected text after "}"');
  if (!matchers.some((m) => !m.matchesEmpty)) {
    fail(s, 0, 'a selector needs at least one matcher that does not match the empty value (use PUT /api/v1/admin/wipe to delete every group)');
  }
  return matchers;
}

/** Whether a group's labels (flat, sorted) satisfy every matcher of the selector. */
export function selectorMatches(sel: GroupSelector, labels: readonly string[]): boolean {
  for (const m of sel) {
    let v = '';
    for (let k = 0; k < labels.length; k += 2) {
      if (labels[k] === m.name) {
        v = labels[k + 1];
        break;
      }
    }
    if (!m.matches(v)) return false;
  }
  return true;
}
