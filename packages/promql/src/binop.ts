/**
 * Binary and unary operators: scalar/scalar, vector/scalar, and vector/vector with label matching
 * (`on`, `ignoring`, `group_left`, `group_right`, the experimental `fill` modifiers), set operators, and
 * Prometheus's cardinality errors. Matching signatures are computed once per series; the per-step loop
 * touches only the series present at that step.
 */
import { type FloatHistogram, Labels, VigilError, mulHistogram } from '@vigil/model';
import type { BinaryExpr, BinaryOp, UnaryExpr, VectorMatching } from './ast.js';
import { type as typeOf } from './ast.js';
import { dropMetadata, keyForLabels, keyWithoutLabels, mergeSameLabels, sameMetadata } from './eval-labels.js';
import type { Annotation } from './annotations.js';
import { elemBinop, newElemResult } from './binop-histogram.js';
import type { EvalValue, HistColumn, ScalarValue, StepSeries, VectorValue } from './eval-values.js';
import type { Evaluator } from './eval.js';
import { finishVector } from './functions.js';

/** Go's `math.Pow`, which differs from `**` for a base of 1 or -1. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

const isComparison = (op: BinaryOp): boolean => op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';

/** Arithmetic operators change what a metric means: the result loses its name. */
const changesMetricSchema = (op: BinaryOp): boolean =>
  op === '+' || op === '-' || op === '*' || op === '/' || op === '^' || op === '%' || op === 'atan2';

function arith(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '^': return goPow(l, r);
    case '%': return l % r;
    case 'atan2': return Math.atan2(l, r);
    default: throw new VigilError('internal', `operator ${op} is not arithmetic`);
  }
}

function compare(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==': return l === r;
    case '!=': return l !== r;
    case '>': return l > r;
    case '<': return l < r;
    case '>=': return l >= r;
    case '<=': return l <= r;
    default: throw new VigilError('internal', `operator ${op} is not a comparison`);
  }
}

export async function evalUnary(ev: Evaluator, node: UnaryExpr): Promise<EvalValue> {
  const v = await ev.eval(node.expr);
  if (node.op === '+') return v;
  if (v.type === 'scalar') {
    const out = new Float64Array(v.values.length);
    for (let i = 0; i < out.length; i++) out[i] = -v.values[i];
    return { type: 'scalar', values: out };
  }
  if (v.type !== 'vector') throw new VigilError('internal', `unary minus on ${v.type}`);
  const delayed = ev.opts.delayedNameRemoval;
  const out: StepSeries[] = v.series.map((s) => {
    const values = ev.f64();
    for (let i = 0; i < ev.n; i++) values[i] = -s.values[i];
    const r: StepSeries = { labels: delayed ? s.labels : dropMetadata(s.labels), values, present: s.present, dropName: true };
    if (s.hist) r.hist = s.hist.map((h) => (h === null ? null : mulHistogram(h.copy(), -1)));
    return r;
  });
  return { type: 'vector', series: delayed ? out : mergeSameLabels(out, ev.n) };
}

export async function evalBinary(ev: Evaluator, node: BinaryExpr): Promise<EvalValue> {
  const lt = typeOf(node.lhs);
  const rt = typeOf(node.rhs);
  const op = node.op;
  if ((op === '</' || op === '>/') && lt === 'scalar' && rt === 'scalar') {
    await ev.eval(node.lhs);
    await ev.eval(node.rhs);
    ev.annotations.add({ level: 'info', text: `incompatible sample types encountered for binary operator "${op}": float ${op} float`, pos: node.pos });
    return ev.scalar(NaN);
  }
  if (lt === 'scalar' && rt === 'scalar') {
    const l = (await ev.evalScalar(node.lhs)).values;
    const r = (await ev.evalScalar(node.rhs)).values;
    const out = ev.f64();
    for (let i = 0; i < ev.n; i++) out[i] = isComparison(op) ? (compare(op, l[i], r[i]) ? 1 : 0) : arith(op, l[i], r[i]);
    return { type: 'scalar', values: out };
  }
  if (lt === 'vector' && rt === 'vector') {
    const l = await ev.evalVector(node.lhs);
    const r = await ev.evalVector(node.rhs);
    const m = node.vectorMatching!;
    if (op === 'and' || op === 'or' || op === 'unless') return setOperation(ev, op, l, r, m);
    return vectorBinop(ev, node, l, r, m);
  }
  if (lt === 'vector') {
    const l = await ev.evalVector(node.lhs);
    const r = await ev.evalScalar(node.rhs);
    return vectorScalar(ev, node, l, r, false);
  }
  const l = await ev.evalScalar(node.lhs);
  const r = await ev.evalVector(node.rhs);
  return vectorScalar(ev, node, r, l, true);
}

function vectorScalar(ev: Evaluator, node: BinaryExpr, vec: VectorValue, scalar: ScalarValue, swap: boolean): VectorValue {
  const op = node.op;
  const n = ev.n;
  const cmp = isComparison(op);
  const returnBool = node.returnBool;
  const dropName = changesMetricSchema(op) || returnBool;
  const delayed = ev.opts.delayedNameRemoval;
  const sv = scalar.values;
  const out: StepSeries[] = [];
  const trim = op === '</' || op === '>/';
  // Prometheus reports the last failing element of each step.
  const lastAnno: (Annotation | null)[] = [];
  for (const s of vec.series) {
    if (s.hist || trim) {
      const r = vectorScalarElements(ev, node, s, sv, swap, lastAnno);
      if (r === null) continue;
      const labels = dropName && !delayed ? dropMetadata(s.labels) : s.labels;
      r.labels = labels;
      r.dropName = dropName || s.dropName;
      out.push(r);
      continue;
    }
    const values = ev.f64();
    const present = ev.u8();
    let any = false;
    for (let i = 0; i < n; i++) {
      if (s.present[i] === 0) continue;
      const v = s.values[i];
      const l = swap ? sv[i] : v;
      const r = swap ? v : sv[i];
      let value: number;
      let keep = true;
      if (cmp) {
        keep = compare(op, l, r);
        // A comparison keeps the vector's value, whichever side it is on.
        value = v;
      } else {
        value = arith(op, l, r);
      }
      if (returnBool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      values[i] = value;
      present[i] = 1;
      any = true;
    }
    if (!any) continue;
    const labels = dropName && !delayed ? dropMetadata(s.labels) : s.labels;
    out.push({ labels, values, present, dropName: dropName || s.dropName });
  }
  for (const a of new Set(lastAnno)) if (a) ev.annotations.add(a);
  return finishVector(ev, out, vec.distinct === true && (!dropName || sameMetadata(vec.series)));
}

/** A vector/scalar operation over a series with histograms (or a trim operator), element by element. */
function vectorScalarElements(ev: Evaluator, node: BinaryExpr, s: StepSeries, sv: Float64Array, swap: boolean, lastAnno: (Annotation | null)[]): StepSeries | null {
  const op = node.op;
  const n = ev.n;
  const cmp = isComparison(op);
  const trim = op === '</' || op === '>/';
  const values = ev.f64();
  const present = ev.u8();
  let hist: HistColumn | null = null;
  const r = newElemResult();
  let any = false;
  for (let i = 0; i < n; i++) {
    if (s.present[i] === 0) continue;
    const v = s.values[i];
    const h = s.hist ? s.hist[i] : null;
    let value: number;
    let outH: FloatHistogram | null = null;
    let keep = true;
    if (h === null && !trim) {
      const l = swap ? sv[i] : v;
      const rr = swap ? v : sv[i];
      if (cmp) {
        keep = compare(op, l, rr);
        value = v;
      } else {
        value = arith(op, l, rr);
      }
    } else {
      elemBinop(op, swap ? sv[i] : v, swap ? v : sv[i], swap ? null : h, swap ? h : null, node.pos, r);
      if (r.drop) {
        lastAnno[i] = r.anno;
        continue;
      }
      value = r.value;
      outH = r.h;
      keep = r.keep;
    }
    if (node.returnBool) {
      value = keep ? 1 : 0;
      outH = null;
      keep = true;
    }
    if (!keep) continue;
    values[i] = value;
    present[i] = 1;
    if (outH !== null) (hist ??= new Array(n).fill(null))[i] = outH;
    any = true;
  }
  if (!any) return null;
  const out: StepSeries = { labels: s.labels, values, present, dropName: false };
  if (hist !== null) out.hist = hist;
  return out;
}

/** The matching signature function of a vector matching. */
function signatureOf(m: VectorMatching): (l: Labels) => string {
  const names = [...m.matchingLabels].sort();
  if (m.on) return (l) => keyForLabels(l, names);
  return (l) => keyWithoutLabels(l, names, true);
}

/** Prometheus's `MatchLabels`: the matching labels (`on`), or all but them and the name (`ignoring`). */
function matchLabels(l: Labels, m: VectorMatching): Labels {
  if (m.on) return l.keepOnly(m.matchingLabels);
  return l.filter((name) => name !== '__name__' && !m.matchingLabels.includes(name));
}

function setOperation(ev: Evaluator, op: 'and' | 'or' | 'unless', lhs: VectorValue, rhs: VectorValue, m: VectorMatching): VectorValue {
  const n = ev.n;
  const sigf = signatureOf(m);
  const ordinals = new Map<string, number>();
  const ord = (l: Labels): number => {
    const k = sigf(l);
    let o = ordinals.get(k);
    if (o === undefined) {
      o = ordinals.size;
      ordinals.set(k, o);
    }
    return o;
  };
  const lsig = lhs.series.map((s) => ord(s.labels));
  const rsig = rhs.series.map((s) => ord(s.labels));
  const numSigs = ordinals.size;
  const mark = new Uint8Array(numSigs * n);
  const markFrom = (series: StepSeries[], sigs: number[]): void => {
    for (let s = 0; s < series.length; s++) {
      const base = sigs[s] * n;
      const p = series[s].present;
      for (let i = 0; i < n; i++) if (p[i] === 1) mark[base + i] = 1;
    }
  };
  const filter = (series: StepSeries[], sigs: number[], keepWhenMarked: boolean): StepSeries[] => {
    const out: StepSeries[] = [];
    for (let s = 0; s < series.length; s++) {
      const src = series[s];
      const base = sigs[s] * n;
      const present = ev.u8();
      let any = false;
      for (let i = 0; i < n; i++) {
        if (src.present[i] === 1 && (mark[base + i] === 1) === keepWhenMarked) {
          present[i] = 1;
          any = true;
        }
      }
      if (any) out.push({ ...src, present });
    }
    return out;
  };
  if (op === 'and') {
    markFrom(rhs.series, rsig);
    return finishVector(ev, filter(lhs.series, lsig, true), lhs.distinct === true);
  }
  if (op === 'unless') {
    markFrom(rhs.series, rsig);
    return finishVector(ev, filter(lhs.series, lsig, false), lhs.distinct === true);
  }
  markFrom(lhs.series, lsig);
  return finishVector(ev, [...lhs.series, ...filter(rhs.series, rsig, false)]);
}

/** An output series of a vector/vector operation, with a number shared by outputs with equal labels. */
interface Output extends StepSeries {
  labelsId: number;
}

function vectorBinop(ev: Evaluator, node: BinaryExpr, lhsV: VectorValue, rhsV: VectorValue, m: VectorMatching): VectorValue {
  const op = node.op;
  const n = ev.n;
  const returnBool = node.returnBool;
  const delayed = ev.opts.delayedNameRemoval;
  const cmp = isComparison(op);
  const swapped = m.card === 'one-to-many';
  // The "many" (or left, for one-to-one) side is iterated; the "one" side is looked up by signature.
  const many = swapped ? rhsV.series : lhsV.series;
  const one = swapped ? lhsV.series : rhsV.series;
  const fillRhs = m.fillValues.rhs;
  const fillLhs = m.fillValues.lhs;
  const hasFill = fillRhs !== null || fillLhs !== null;
  const sigf = signatureOf(m);
  const ordinals = new Map<string, number>();
  const ord = (l: Labels): number => {
    const k = sigf(l);
    let o = ordinals.get(k);
    if (o === undefined) {
      o = ordinals.size;
      ordinals.set(k, o);
    }
    return o;
  };
  const manySig = Int32Array.from(many, (s) => ord(s.labels));
  const oneSig = Int32Array.from(one, (s) => ord(s.labels));
  const numSigs = ordinals.size;
  const manyPerSig = new Int32Array(numSigs);
  for (const g of manySig) manyPerSig[g]++;

  const rightAt = new Int32Array(numSigs).fill(-1);
  const rightIdx = new Int32Array(numSigs);
  const matchedAt = new Int32Array(numSigs).fill(-1);

  // Outputs by pair of input series ("many" index, "one" index; fills use their own keys).
  const outputs = new Map<number, Output>();
  const outList: Output[] = [];
  // Distinct output label sets get distinct ids (by hash, checked for equality).
  const labelIds = new Map<number, Array<{ labels: Labels; id: number }>>();
  let nextLabelsId = 0;
  // For many-to-one: the (step, signature) at which each distinct output label set was last produced.
  let producedAt = new Float64Array(64).fill(-1);
  // Per "many" series: the last "one" series it matched and the output it went to.
  const lastOne = new Int32Array(many.length).fill(-2);
  const lastOut: (Output | null)[] = new Array(many.length).fill(null);

  const metaDrop = (!delayed && returnBool) || changesMetricSchema(op);
  const oneToOne = m.card === 'one-to-one';
  const matchingSet = new Set(m.matchingLabels);
  const resultMetric = (ls: Labels, rs: Labels): Labels => {
    // One pass over the sorted "many" labels: drop what the operation drops, then splice in the
    // `group_x` labels from the "one" side (sorted too), without re-sorting.
    const f = ls.flat;
    const kept: string[] = [];
    for (let i = 0; i < f.length; i += 2) {
      const name = f[i];
      if (metaDrop && (name === '__name__' || name === '__type__' || name === '__unit__')) continue;
      if (oneToOne && (m.on ? !matchingSet.has(name) : matchingSet.has(name))) continue;
      kept.push(name, f[i + 1]);
    }
    if (m.include.length === 0) return kept.length === f.length ? ls : Labels.fromSortedFlat(kept);
    const inc = includeSorted.map((name) => [name, rs.get(name)] as const);
    const out: string[] = [];
    let j = 0;
    for (let i = 0; i < kept.length; i += 2) {
      while (j < inc.length && inc[j][0] < kept[i]) {
        if (inc[j][1] !== '') out.push(inc[j][0], inc[j][1]);
        j++;
      }
      if (j < inc.length && inc[j][0] === kept[i]) {
        if (inc[j][1] !== '') out.push(inc[j][0], inc[j][1]);
        j++;
        continue;
      }
      out.push(kept[i], kept[i + 1]);
    }
    for (; j < inc.length; j++) if (inc[j][1] !== '') out.push(inc[j][0], inc[j][1]);
    return Labels.fromSortedFlat(out);
  };
  const includeSorted = [...new Set(m.include)].sort();

  const outputFor = (key: number, ls: Labels, rs: Labels): Output => {
    let o = outputs.get(key);
    if (o === undefined) {
      const labels = resultMetric(ls, rs);
      const h = labels.hash();
      let bucket = labelIds.get(h);
      if (bucket === undefined) labelIds.set(h, (bucket = []));
      let id = bucket.find((e) => e.labels.equals(labels))?.id;
      if (id === undefined) {
        id = nextLabelsId++;
        bucket.push({ labels, id });
        if (id >= producedAt.length) {
          const grown = new Float64Array(producedAt.length * 2).fill(-1);
          grown.set(producedAt);
          producedAt = grown;
        }
      }
      o = { labels, values: ev.f64(), present: ev.u8(), dropName: returnBool, labelsId: id };
      outputs.set(key, o);
      outList.push(o);
    }
    return o;
  };

  const er = newElemResult();
  let lastAnno: Annotation | null = null;
  const doOp = (i: number, sig: number, out: Output, lv: number, rv: number, lh: FloatHistogram | null, rh: FloatHistogram | null): void => {
    let fl = lv;
    let fr = rv;
    let hl = lh;
    let hr = rh;
    if (swapped) {
      fl = rv;
      fr = lv;
      hl = rh;
      hr = lh;
    }
    let value: number;
    let keep = true;
    let h: FloatHistogram | null = null;
    if (hl === null && hr === null && !trimOp) {
      if (cmp) {
        keep = compare(op, fl, fr);
        value = fl;
      } else {
        value = arith(op, fl, fr);
      }
    } else {
      elemBinop(op, fl, fr, hl, hr, node.pos, er);
      if (er.anno !== null) lastAnno = er.anno;
      if (er.drop) return;
      value = er.value;
      keep = er.keep;
      h = er.h;
    }
    if (returnBool) {
      value = keep ? 1 : 0;
      h = null;
    }
    if (m.card === 'one-to-one') {
      if (matchedAt[sig] === i) {
        throw new VigilError('execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
    } else if (manyPerSig[sig] > 1 || hasFill) {
      // Grouping labels must make the results of one match group unique at each step.
      const stamp = i * numSigs + sig;
      if (producedAt[out.labelsId] === stamp) {
        throw new VigilError('execution', 'multiple matches for labels: grouping labels must ensure unique matches');
      }
      producedAt[out.labelsId] = stamp;
    }
    matchedAt[sig] = i;
    if (!keep && !returnBool) return;
    out.values[i] = value;
    out.present[i] = 1;
    if (h !== null) (out.hist ??= new Array(n).fill(null))[i] = h;
  };
  const hv = (x: StepSeries, i: number): FloatHistogram | null => (x.hist ? x.hist[i] : null);

  const pairKey = (l: number, r: number): number => l * (one.length + 2) + r;
  const fillRhsKey = (l: number): number => pairKey(l, one.length);
  const fillLhsKey = (r: number): number => pairKey(many.length, r) + one.length + 1;

  // Fast path, series by series: no fill values and at most one "one" series per signature (the
  // usual case). The cardinality checks then run once over the matched steps of each group.
  const oneOfSig = new Int32Array(numSigs).fill(-1);
  let uniqueOne = true;
  for (let r = 0; r < one.length; r++) {
    if (oneOfSig[oneSig[r]] !== -1) uniqueOne = false;
    oneOfSig[oneSig[r]] = r;
  }
  const trimOp = op === '</' || op === '>/';
  const anyHist = trimOp || many.some((x) => x.hist) || one.some((x) => x.hist);
  if (!hasFill && uniqueOne && !anyHist) {
    const pairOut: Output[] = new Array(many.length);
    for (let l = 0; l < many.length; l++) {
      if (ev.limits.due()) ev.limits.check();
      const sig = manySig[l];
      const r = oneOfSig[sig];
      if (r < 0) continue;
      const ls = many[l];
      const rs = one[r];
      const lp = ls.present;
      const rp = rs.present;
      const lv = ls.values;
      const rv = rs.values;
      const out = outputFor(pairKey(l, r), ls.labels, rs.labels);
      pairOut[l] = out;
      const ov = out.values;
      const op2 = out.present;
      for (let i = 0; i < n; i++) {
        if (lp[i] === 0 || rp[i] === 0) continue;
        let fl = lv[i];
        let fr = rv[i];
        if (swapped) {
          fl = rv[i];
          fr = lv[i];
        }
        let value: number;
        let keep = true;
        if (cmp) {
          keep = compare(op, fl, fr);
          value = fl;
        } else {
          value = arith(op, fl, fr);
        }
        if (returnBool) value = keep ? 1 : 0;
        else if (!keep) continue;
        ov[i] = value;
        op2[i] = 1;
      }
    }
    // Cardinality, once per match group: one-to-one, two "many" series may not match at the same step;
    // many-to-one, two matches of a group at the same step may not give equal output labels.
    const result: StepSeries[] = [];
    const ids = new Set<number>();
    for (const o of outList) {
      if (!o.present.includes(1)) continue;
      result.push(o);
      ids.add(o.labelsId);
    }
    const collisions = nextLabelsId < outList.length;
    if (oneToOne || collisions) {
      const members = new Map<number, number[]>();
      for (let l = 0; l < many.length; l++) {
        const sig = manySig[l];
        if (manyPerSig[sig] < 2 || pairOut[l] === undefined) continue;
        let list = members.get(sig);
        if (list === undefined) members.set(sig, (list = []));
        list.push(l);
      }
      for (const [sig, list] of members) {
        const rp = one[oneOfSig[sig]].present;
        const groups = new Map<number, number[]>();
        for (const l of list) {
          const id = oneToOne ? 0 : pairOut[l].labelsId;
          const g = groups.get(id);
          if (g === undefined) groups.set(id, [l]);
          else g.push(l);
        }
        for (const g of groups.values()) {
          if (g.length < 2) continue;
          const seen = new Uint8Array(n);
          for (const l of g) {
            const lp = many[l].present;
            for (let i = 0; i < n; i++) {
              if (lp[i] === 0 || rp[i] === 0) continue;
              if (seen[i] === 1) {
                throw new VigilError(
                  'execution',
                  oneToOne
                    ? 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)'
                    : 'multiple matches for labels: grouping labels must ensure unique matches',
                );
              }
              seen[i] = 1;
            }
          }
        }
      }
    }
    return finishVector(ev, result, ids.size === result.length);
  }

  for (let i = 0; i < n; i++) {
    ev.limits.tick();
    if (lastAnno !== null) ev.annotations.add(lastAnno);
    lastAnno = null;
    let manyCount = 0;
    for (let s = 0; s < many.length; s++) manyCount += many[s].present[i];
    let oneCount = 0;
    for (let s = 0; s < one.length; s++) oneCount += one[s].present[i];
    if (manyCount === 0 && oneCount === 0) continue;
    if ((manyCount === 0 || oneCount === 0) && !hasFill) continue;
    for (let r = 0; r < one.length; r++) {
      if (one[r].present[i] === 0) continue;
      const sig = oneSig[r];
      if (rightAt[sig] === i) {
        const dup = one[rightIdx[sig]];
        const oneSide = swapped ? 'left' : 'right';
        const matched = matchLabels(one[r].labels, m);
        let d1 = one[r].labels.toString();
        let d2 = dup.labels.toString();
        if (d1 > d2) [d1, d2] = [d2, d1];
        throw new VigilError(
          'execution',
          `found duplicate series for the match group ${matched.toString()} on the ${oneSide} hand-side of the operation: [${d1}, ${d2}]` +
            ';many-to-many matching not allowed: matching labels must be unique on one side',
        );
      }
      rightAt[sig] = i;
      rightIdx[sig] = r;
    }
    for (let l = 0; l < many.length; l++) {
      const ls = many[l];
      if (ls.present[i] === 0) continue;
      const sig = manySig[l];
      if (rightAt[sig] !== i) {
        if (fillRhs === null) continue;
        const out = outputFor(fillRhsKey(l), ls.labels, matchLabels(ls.labels, m));
        doOp(i, sig, out, ls.values[i], fillRhs, hv(ls, i), null);
        continue;
      }
      const r = rightIdx[sig];
      const rs = one[r];
      let out: Output;
      if (lastOne[l] === r) {
        out = lastOut[l]!;
      } else {
        out = outputFor(pairKey(l, r), ls.labels, rs.labels);
        lastOne[l] = r;
        lastOut[l] = out;
      }
      doOp(i, sig, out, ls.values[i], rs.values[i], hv(ls, i), hv(rs, i));
    }
    if (fillLhs !== null) {
      for (let r = 0; r < one.length; r++) {
        const rs = one[r];
        if (rs.present[i] === 0) continue;
        const sig = oneSig[r];
        if (matchedAt[sig] === i) continue;
        const out = outputFor(fillLhsKey(r), matchLabels(rs.labels, m), rs.labels);
        doOp(i, sig, out, fillLhs, rs.values[i], null, hv(rs, i));
      }
    }
  }
  if (lastAnno !== null) ev.annotations.add(lastAnno);
  const result: StepSeries[] = [];
  const ids = new Set<number>();
  for (const o of outList) {
    if (!o.present.includes(1)) continue;
    result.push(o);
    ids.add(o.labelsId);
  }
  return finishVector(ev, result, ids.size === result.length);
}
