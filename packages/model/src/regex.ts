/**
 * Prometheus regular expressions are Go RE2, fully anchored, with `.` matching newlines (3.x). JavaScript's
 * engine reads most of RE2 as is; this module rewrites the rest (escaped punctuation, `(?P<name>`, POSIX
 * classes, `\z`, `\A`, `\pL`, leading `(?i)`, inline `(?i:...)` scopes, literal braces) so that a
 * pattern a user copied from a Prometheus config means the same thing here.
 */
import { VigilError } from './errors.js';

const JS_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);
const ESCAPES_KEPT = new Set(['d', 'D', 's', 'S', 'w', 'W', 'b', 'B', 'n', 't', 'r', 'f', 'v', '0']);
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

export interface TranslatedRegex {
  source: string;
  flags: string;
}

/** Rewrites an RE2 pattern into JavaScript syntax (unanchored); throws `bad_data` when it cannot. */
export function translateRegex(pattern: string): TranslatedRegex {
  let flags = 'su';
  let i = 0;
  // Leading inline flags, e.g. "(?i)" or "(?is)".
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'i' && !flags.includes('i')) flags += 'i';
      else if (f === 'm' && !flags.includes('m')) flags += 'm';
      else if (f === 'U') throw unsupported(pattern, '(?U)');
    }
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  // Case-insensitive scopes from inline flags (`(?i:...)`, `((?i)...)`): JavaScript in Node 20 has no
  // inline modifiers, so letters in such scopes are folded by hand (`a` -> `[aA]`).
  const globalCI = flags.includes('i');
  const ciStack: boolean[] = [globalCI];
  let classLetters: Array<[number, number]> = [];
  let classPrev = -1;
  const ci = (): boolean => ciStack[ciStack.length - 1] && !globalCI;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) throw bad(pattern, 'trailing backslash at end of expression');
      if (n === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const lit = pattern.slice(i + 2, end < 0 ? pattern.length : end);
        out += ci() && !inClass ? foldLiteral(lit) : escapeLiteral(lit, inClass);
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (n === 'z') { out += inClass ? 'z' : '$(?![\\s\\S])'; i += 2; continue; }
      if (n === 'A') { out += inClass ? 'A' : '^'; i += 2; continue; }
      if (n === 'p' || n === 'P') {
        if (pattern[i + 2] === '{') {
          const end = pattern.indexOf('}', i + 3);
          if (end < 0) throw bad(pattern, 'invalid character class range');
          out += '\\' + n + pattern.slice(i + 2, end + 1);
          i = end + 1;
        } else {
          out += '\\' + n + '{' + pattern[i + 2] + '}';
          i += 3;
        }
        continue;
      }
      if (n === 'x') {
        if (pattern[i + 2] === '{') {
          const end = pattern.indexOf('}', i + 3);
          out += '\\u{' + pattern.slice(i + 3, end) + '}';
          i = end + 1;
        } else {
          out += '\\x' + pattern.slice(i + 2, i + 4);
          i += 4;
        }
        continue;
      }
      if (/[0-9A-Za-z]/.test(n)) {
        if (!ESCAPES_KEPT.has(n)) throw bad(pattern, `invalid escape sequence: \`\\${n}\``);
        out += '\\' + n;
      } else if (JS_SYNTAX.has(n) || (inClass && n === '-')) {
        out += '\\' + n;
      } else {
        out += n; // RE2 lets any punctuation be escaped; JavaScript's unicode mode does not.
      }
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) {
          let name = pattern.slice(i + 2, end);
          const negated = name.startsWith('^');
          if (negated) name = name.slice(1);
          const cls = POSIX[name];
          if (cls === undefined) throw bad(pattern, `invalid character class range: \`[:${name}:]\``);
          if (negated) throw unsupported(pattern, `[:^${name}:]`);
          out += cls;
          i = end + 2;
          continue;
        }
      }
      if (c === ']') {
        inClass = false;
        if (ci()) out += foldedClassExtra(classLetters);
      } else if (ci()) {
        const code = c.codePointAt(0)!;
        if (c === '-' && classPrev >= 0 && pattern[i + 1] !== ']' && pattern[i + 1] !== undefined && pattern[i + 1] !== '\\') {
          const hi = pattern.codePointAt(i + 1)!;
          classLetters[classLetters.length - 1] = [classPrev, hi];
          out += '-' + String.fromCodePoint(hi);
          i += 1 + String.fromCodePoint(hi).length;
          classPrev = -1;
          continue;
        }
        classLetters.push([code, code]);
        classPrev = code;
      }
      out += c === '[' ? '\\[' : c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classLetters = [];
      classPrev = -1;
      out += '[';
      i++;
      if (pattern[i] === '^') { out += '^'; i++; }
      if (pattern[i] === ']') { out += '\\]'; i++; } // a leading "]" is a literal in RE2
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      if (pattern[i + 2] === 'P' && pattern[i + 3] === '<') {
        ciStack.push(ciStack[ciStack.length - 1]);
        out += '(?<';
        i += 4;
        continue;
      }
      if (pattern[i + 2] === '<' && pattern[i + 3] !== '=' && pattern[i + 3] !== '!') {
        ciStack.push(ciStack[ciStack.length - 1]);
        out += '(?<';
        i += 3;
        continue;
      }
      if (pattern[i + 2] === ':') {
        ciStack.push(ciStack[ciStack.length - 1]);
        out += '(?:';
        i += 3;
        continue;
      }
      // Inline flags: `(?flags)` for the rest of the group, `(?flags:...)` for a new group.
      const fl = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(pattern.slice(i));
      if (fl && (fl[1] !== '' || (fl[2] ?? '') !== '')) {
        if (fl[1].includes('U') || (fl[2] ?? '').includes('U')) throw unsupported(pattern, fl[0]);
        if ((fl[2] ?? '').includes('s')) throw unsupported(pattern, fl[0]);
        if (fl[1].includes('m') || (fl[2] ?? '').includes('m')) throw unsupported(pattern, fl[0]);
        let cur = ciStack[ciStack.length - 1];
        if (fl[1].includes('i')) cur = true;
        if ((fl[2] ?? '').includes('i')) cur = false;
        if (!cur && globalCI) throw unsupported(pattern, fl[0]);
        if (fl[3] === ':') {
          ciStack.push(cur);
          out += '(?:';
        } else {
          ciStack[ciStack.length - 1] = cur;
        }
        i += fl[0].length;
        continue;
      }
      throw unsupported(pattern, pattern.slice(i, pattern.indexOf(')', i) + 1 || undefined));
    }
    if (c === '(') {
      ciStack.push(ciStack[ciStack.length - 1]);
      out += '(';
      i++;
      continue;
    }
    if (c === ')') {
      if (ciStack.length > 1) ciStack.pop();
      out += ')';
      i++;
      continue;
    }
    if (c === '{') {
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (rep && out.length > 0) {
        out += rep[0];
        i += rep[0].length;
      } else {
        out += '\\{';
        i++;
      }
      continue;
    }
    if (c === '}' || c === ']') {
      out += '\\' + c;
      i++;
      continue;
    }
    if (ci() && c.toLowerCase() !== c.toUpperCase()) {
      out += '[' + c.toLowerCase() + c.toUpperCase() + ']';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) throw bad(pattern, `missing closing ]: \`${pattern}\``);
  try {
    new RegExp(out, flags);
  } catch (e) {
    throw bad(pattern, (e as Error).message);
  }
  return { source: out, flags };
}

/** A literal string matched case-insensitively: letters become `[xX]`. */
function foldLiteral(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch.toLowerCase() !== ch.toUpperCase()) out += '[' + ch.toLowerCase() + ch.toUpperCase() + ']';
    else out += escapeLiteral(ch, false);
  }
  return out;
}

/** The other-case counterparts of the ASCII letters in a character class, to append inside it. */
function foldedClassExtra(ranges: ReadonlyArray<readonly [number, number]>): string {
  let extra = '';
  for (const [lo, hi] of ranges) {
    for (const [a, z, delta] of [[97, 122, -32], [65, 90, 32]] as const) {
      const from = Math.max(lo, a);
      const to = Math.min(hi, z);
      if (from > to) continue;
      extra += from === to ? String.fromCharCode(from + delta) : String.fromCharCode(from + delta) + '-' + String.fromCharCode(to + delta);
    }
  }
  return extra;
}

function escapeLiteral(s: string, inClass: boolean): string {
  return s.replace(inClass ? /[\\\]\[^-]/g : /[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function bad(pattern: string, why: string): VigilError {
  return new VigilError('bad_data', `invalid regular expression ${JSON.stringify(pattern)}: ${why}`);
}

function unsupported(pattern: string, what: string): VigilError {
  return bad(pattern, `${what} is not supported`);
}

/** A fully anchored RegExp for an RE2 pattern, as Prometheus matches label values. */
export function compileAnchoredRegex(pattern: string): RegExp {
  const t = translateRegex(pattern);
  return new RegExp('^(?:' + t.source + ')$', t.flags);
}

const META = /[\\^$.*+?()[\]{}|]/;

/**
 * A predicate equivalent to the anchored regex, with fast paths for the shapes that dominate real
 * queries: literals, alternations of literals, `.*`, `.+`, `prefix.*`, `.*infix.*`.
 */
export function regexPredicate(pattern: string): (v: string) => boolean {
  if (pattern === '.*') return () => true;
  if (pattern === '.+') return (v) => v.length > 0;
  if (!META.test(pattern)) return (v) => v === pattern;
  if (!/[\\^$.*+?()[\]{}]/.test(pattern)) {
    const set = new Set(pattern.split('|'));
    return (v) => set.has(v);
  }
  if (pattern.endsWith('.*') && !META.test(pattern.slice(0, -2))) {
    const prefix = pattern.slice(0, -2);
    return (v) => v.startsWith(prefix);
  }
  if (pattern.startsWith('.*') && pattern.endsWith('.*') && pattern.length > 4 && !META.test(pattern.slice(2, -2))) {
    const infix = pattern.slice(2, -2);
    return (v) => v.includes(infix);
  }
  const re = compileAnchoredRegex(pattern);
  return (v) => re.test(v);
}
