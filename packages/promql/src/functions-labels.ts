/**
 * `label_replace` and `label_join`: they rewrite series labels, not values. Regular expressions are RE2
 * (translated by @vigil/model), fully anchored, `.` matching newlines; replacements expand `$1`, `${1}`,
 * `$name` and `${name}` as Go's `Regexp.Expand` does.
 */
import { VigilError, expandRegexTemplate, translateRegex } from '@vigil/model';
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
    const value = expandRegexTemplate(repl, m, m.groups);
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
