/**
 * `label_replace` and `label_join`: they rewrite series labels, not values. Regular expressions are RE2
 * (translated by @vigil/model), fully anchored, `.` matching newlines; replacements expand `$1`, `${1}`,
 * `$name` and `${name}` as Go's `Regexp.Expand` does.
 */
import { VigilError, translateRegex } from '@vigil/model';
import type { Call } from './ast.js';
import { mergeSameLabels } from './eval-labels.js';
import type { StepSeries, VectorValue } from './eval-values.js';
import type { Evaluator } from './eval.js';

/** Prometheus 3.x accepts any non-empty UTF-8 label name. */
export function isValidLabelNameUTF8(name: string): boolean {
  if (name.length === 0) return false;
  // Lone surrogates stand for bytes that were not valid UTF-8.
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\ufffd/.test(name);
}

/** Go's `Regexp.Expand` of `template` for a match (`groups[i]` undefined when group i did not take part). */
export function expandTemplate(template: string, groups: readonly (string | undefined)[], named: Readonly<Record<string, string | undefined>> | undefined): string {
  let out = '';
  let rest = template;
  for (;;) {
    const d = rest.indexOf('$');
    if (d < 0) break;
    out += rest.slice(0, d);
    rest = rest.slice(d + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ex = extractName(rest);
    if (ex === null) {
      out += '$'; // Malformed: the "$" is literal text.
      continue;
    }
    rest = ex.rest;
    if (ex.num >= 0) {
      const g = groups[ex.num];
      if (g !== undefined) out += g;
    } else if (named !== undefined) {
      const g = named[ex.name];
      if (g !== undefined) out += g;
    }
  }
  return out + rest;
}

function extractName(s: string): { name: string; num: number; rest: string } | null {
  if (s === '') return null;
  let brace = false;
  let str = s;
  if (str[0] === '{') {
    brace = true;
    str = str.slice(1);
  }
  const m = /^[\p{L}\p{Nd}_]+/u.exec(str);
  if (m === null) return null;
  const name = m[0];
  let i = name.length;
  if (brace) {
    if (str[i] !== '}') return null;
    i++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 48 || c > 57 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (c - 48);
  }
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, rest: str.slice(i) };
}

export async function evalLabelReplace(ev: Evaluator, call: Call): Promise<VectorValue> {
  const dst = ev.evalString(call.args[1]);
  const repl = ev.evalString(call.args[2]);
  const src = ev.evalString(call.args[3]);
  const regexStr = ev.evalString(call.args[4]);
  let re: RegExp;
  try {
    const t = translateRegex(regexStr);
    re = new RegExp('^(?:' + t.source + ')$', t.flags.includes('s') ? t.flags : t.flags + 's');
  } catch {
    throw new VigilError('execution', `invalid regular expression in label_replace(): ${regexStr}`);
  }
  if (!isValidLabelNameUTF8(dst)) throw new VigilError('execution', `invalid destination label name in label_replace(): ${dst}`);
  const input = await ev.evalVector(call.args[0]);
  const out: StepSeries[] = [];
  for (const s of input.series) {
    const m = re.exec(s.labels.get(src));
    if (m === null) {
      out.push(s);
      continue;
    }
    const value = expandTemplate(repl, m, m.groups);
    const labels = s.labels.builder().set(dst, value).labels();
    out.push({ ...s, labels, dropName: dst === '__name__' ? false : s.dropName });
  }
  return { type: 'vector', series: mergeSameLabels(out, ev.n), distinct: true };
}

export async function evalLabelJoin(ev: Evaluator, call: Call): Promise<VectorValue> {
  const dst = ev.evalString(call.args[1]);
  const sep = ev.evalString(call.args[2]);
  const srcs: string[] = [];
  for (let i = 3; i < call.args.length; i++) {
    const src = ev.evalString(call.args[i]);
    if (!isValidLabelNameUTF8(src)) throw new VigilError('execution', `invalid source label name in label_join(): ${src}`);
    srcs.push(src);
  }
  if (!isValidLabelNameUTF8(dst)) throw new VigilError('execution', `invalid destination label name in label_join(): ${dst}`);
  const input = await ev.evalVector(call.args[0]);
  const out: StepSeries[] = [];
  for (const s of input.series) {
    const value = srcs.map((name) => s.labels.get(name)).join(sep);
    const labels = s.labels.builder().set(dst, value).labels();
    out.push({ ...s, labels, dropName: dst === '__name__' ? false : s.dropName });
  }
  return { type: 'vector', series: mergeSameLabels(out, ev.n) };
}
