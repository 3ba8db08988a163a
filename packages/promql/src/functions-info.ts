/**
 * `info(v, {selector})` (experimental in Prometheus 3.x): adds the data labels of info series
 * (`target_info` by default, or those the selector's `__name__` matchers pick) that share the
 * identifying labels `instance` and `job` with each series of `v`.
 */
import { type FloatHistogram, type Labels, LabelsBuilder, Matcher, VigilError } from '@vigil/model';
import { type Call, type Expr, inspect } from './ast.js';
import { labelsKey, mergeSameLabels } from './eval-labels.js';
import type { StepSeries, VectorValue } from './eval-values.js';
import type { Evaluator } from './eval.js';

const TARGET_INFO = 'target_info';
const IDENTIFYING = ['instance', 'job'];

/** Go's `regexp.QuoteMeta`. */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** With only negative `__name__` matchers, info series are those named `.+_info`. */
function effectiveNameMatchers(ms: Matcher[]): Matcher[] {
  if (ms.some((m) => m.type === '=' || m.type === '=~')) return ms;
  if (ms.length > 0) return [new Matcher('=~', '__name__', '.+_info'), ...ms];
  return [new Matcher('=', '__name__', TARGET_INFO)];
}

/** The `@` time and offset that govern the first argument: those of its first selector and enclosing subqueries. */
function timestampAndOffset(ev: Evaluator, expr: Expr): { at: number | null; offset: number } {
  let at: number | null = null;
  let offset = 0;
  let done = false;
  inspect(expr, (node, path) => {
    if (done) return false;
    if (node.kind !== 'VectorSelector') return undefined;
    const m = ev.modifiers(node);
    at = m.timestamp;
    offset = m.offset;
    for (let i = path.length - 1; at === null && i >= 0; i--) {
      const p = path[i];
      if (p.kind === 'SubqueryExpr') {
        const sm = ev.modifiers(p);
        offset += sm.offset;
        at = sm.timestamp;
      }
    }
    done = true;
    return false;
  });
  return { at, offset };
}

function unwrap(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

export async function evalInfo(ev: Evaluator, call: Call): Promise<VectorValue> {
  const { at, offset } = timestampAndOffset(ev, call.args[0]);
  const base = await ev.evalVector(call.args[0]);
  const n = ev.n;
  // Data label matchers by label name; __name__ matchers choose the info metrics.
  const dataMatchers = new Map<string, Matcher[]>();
  let nameMatchers: Matcher[] = [];
  if (call.args.length > 1) {
    const sel = unwrap(call.args[1]);
    if (sel.kind !== 'VectorSelector') throw new VigilError('execution', 'info(): the second argument must be a label selector');
    for (const m of sel.matchers) {
      const list = dataMatchers.get(m.name);
      if (list === undefined) dataMatchers.set(m.name, [m]);
      else list.push(m);
      if (m.name === '__name__') nameMatchers.push(m);
    }
  } else {
    nameMatchers = [new Matcher('=', '__name__', TARGET_INFO)];
  }
  const effective = effectiveNameMatchers(nameMatchers);
  // Info series themselves are not enriched.
  const ignored = base.series.map((s) => effective.every((m) => m.matches(s.labels.metricName())));

  const idValues = new Map<string, Set<string>>();
  base.series.forEach((s, k) => {
    if (ignored[k]) return;
    for (const l of IDENTIFYING) {
      const v = s.labels.get(l);
      if (v === '') continue;
      let set = idValues.get(l);
      if (set === undefined) idValues.set(l, (set = new Set()));
      set.add(v);
    }
  });
  const dataNames = (): void => {
    for (const [name, list] of dataMatchers) {
      const kept = list.filter((m) => m.name !== '__name__');
      if (kept.length > 0) dataMatchers.set(name, kept);
      else dataMatchers.delete(name);
    }
  };
  let info: StepSeries[] = [];
  let infoTs: Float64Array[] = [];
  if (idValues.size === 0) {
    dataNames();
  } else {
    const matchers: Matcher[] = [];
    for (const [name, values] of idValues) matchers.push(new Matcher('=~', name, [...values].map(quoteMeta).join('|')));
    const names: Matcher[] = [];
    for (const list of dataMatchers.values()) for (const m of list) (m.name === '__name__' ? names : matchers).push(m);
    dataNames();
    matchers.push(...effectiveNameMatchers(names));
    const sel = await ev.selectInstant(matchers, offset, at, true);
    for (const s of sel.value.series) {
      if (s.hist && s.hist.some((h, i) => h !== null && s.present[i] === 1)) {
        throw new VigilError('execution', `this should be an info metric, with float samples: ${s.labels.toString()}`);
      }
    }
    info = sel.value.series;
    infoTs = sel.timestamps;
  }

  const sigOf = (name: string, l: Labels): string => name + '\xff' + IDENTIFYING.map((x) => l.get(x)).join('\xff');
  const infoNames = [...new Set(info.map((s) => s.labels.metricName()))];
  const infoSig = info.map((s) => sigOf(s.labels.metricName(), s.labels));
  const baseSigs = base.series.map((s) => infoNames.map((name) => sigOf(name, s.labels)));
  const emptyOk = [...dataMatchers.values()].every((list) => list.every((m) => m.matches('')));

  const outputs = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  const emit = (labels: Labels, i: number, v: number, dropName: boolean, h: FloatHistogram | null = null): void => {
    const key = labelsKey(labels);
    let o = outputs.get(key);
    if (o === undefined) {
      o = { labels, values: ev.f64(), present: ev.u8(), dropName };
      outputs.set(key, o);
      out.push(o);
    } else if (o.present[i] === 1) {
      throw new VigilError('execution', 'vector cannot contain metrics with the same labelset');
    }
    o.values[i] = v;
    o.present[i] = 1;
    if (h !== null) (o.hist ??= new Array(n).fill(null))[i] = h;
  };
  for (let i = 0; i < n; i++) {
    if (ev.limits.due()) await ev.limits.pause();
    // The newest info sample per signature (an older one loses; two of the same age conflict).
    const bySig = new Map<string, number>();
    for (let k = 0; k < info.length; k++) {
      if (info[k].present[i] === 0) continue;
      const prev = bySig.get(infoSig[k]);
      if (prev === undefined) {
        bySig.set(infoSig[k], k);
        continue;
      }
      const tPrev = infoTs[prev][i];
      const tNew = infoTs[k][i];
      if (tNew > tPrev) bySig.set(infoSig[k], k);
      else if (tNew === tPrev) {
        throw new VigilError(
          'execution',
          `found duplicate series for info metric: existing ${info[prev].labels.toString()} @ ${tPrev}, new ${info[k].labels.toString()} @ ${tNew}`,
        );
      }
    }
    for (let b = 0; b < base.series.length; b++) {
      const s = base.series[b];
      if (s.present[i] === 0) continue;
      if (ignored[b]) {
        emit(s.labels, i, s.values[i], s.dropName, s.hist ? s.hist[i] : null);
        continue;
      }
      const added = new Map<string, string>();
      let seen = 0;
      for (let q = 0; q < infoNames.length; q++) {
        const k = bySig.get(baseSigs[b][q]);
        if (k === undefined) continue;
        const il = info[k].labels;
        for (let x = 0; x < il.size; x++) {
          const name = il.name(x);
          const value = il.value(x);
          if (name === '__name__') continue;
          if (dataMatchers.size > 0 && !dataMatchers.has(name)) continue;
          const prev = added.get(name);
          if (prev !== undefined && prev !== value) throw new VigilError('execution', `conflicting label: ${name}`);
          if (s.labels.has(name)) continue;
          added.set(name, value);
        }
        seen++;
      }
      if (seen === 0 && !emptyOk) continue;
      let labels = s.labels;
      if (added.size > 0) {
        const lb = new LabelsBuilder(s.labels);
        for (const [name, value] of added) lb.set(name, value);
        labels = lb.labels();
      }
      emit(labels, i, s.values[i], s.dropName, s.hist ? s.hist[i] : null);
    }
  }
  return { type: 'vector', series: ev.instant ? out : mergeSameLabels(out, n), distinct: true };
}
