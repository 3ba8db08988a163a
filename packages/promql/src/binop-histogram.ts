/**
 * One element of a binary operation when a native histogram (or a trim operator) is involved, with
 * Prometheus's rules: `*` between a histogram and a float scales it, `/` divides a histogram by a
 * float, `+`/`-` combine two histograms, `==`/`!=` compare them, `</` and `>/` trim a histogram by a
 * float. Any other combination gives no result and an info annotation.
 */
import {
  CounterResetHint,
  type FloatHistogram,
  addHistogram,
  compactHistogram,
  divHistogram,
  mulHistogram,
  subHistogram,
  trimHistogramBuckets,
} from '@vigil/model';
import type { BinaryOp, PosRange } from './ast.js';
import { type Annotation, annotation } from './annotations.js';
import { histogramsEqualCompacted } from './histogram-ops.js';

/** Result of one element operation (reused between calls). */
export interface ElemResult {
  value: number;
  h: FloatHistogram | null;
  /** False when a comparison filters the element out. */
  keep: boolean;
  /**
   * The element has no result at all (it also does not count for the cardinality checks); `anno` says
   * why.
   */
  drop: boolean;
  /** An annotation the element produced (with or without a result), or null. */
  anno: Annotation | null;
}

export function newElemResult(): ElemResult {
  return { value: 0, h: null, keep: true, drop: false, anno: null };
}

function dropWith(out: ElemResult, anno: Annotation): void {
  out.drop = true;
  out.keep = false;
  out.h = null;
  out.anno = anno;
}

/**
 * `lf op rf` where either side may be a histogram (`lh`/`rh` non-null) or `op` is a trim operator.
 * Float-only elements of other operators never come here.
 */
export function elemBinop(op: BinaryOp, lf: number, rf: number, lh: FloatHistogram | null, rh: FloatHistogram | null, pos: PosRange | null, out: ElemResult): void {
  out.value = 0;
  out.h = null;
  out.keep = true;
  out.drop = false;
  out.anno = null;
  if (lh === null && rh === null) {
    // Only the trim operators: they need a histogram on the left.
    dropWith(out, annotation.incompatibleTypes('float', op, 'float', pos));
    return;
  }
  if (lh === null) {
    if (op === '*') {
      out.h = compactHistogram(mulHistogram(rh!.copy(), lf), 0);
      return;
    }
    dropWith(out, annotation.incompatibleTypes('float', op, 'histogram', pos));
    return;
  }
  if (rh === null) {
    switch (op) {
      case '*':
        out.h = compactHistogram(mulHistogram(lh.copy(), rf), 0);
        return;
      case '/':
        out.h = compactHistogram(divHistogram(lh.copy(), rf), 0);
        return;
      case '</':
        out.h = trimHistogramBuckets(lh.copy(), rf, true);
        return;
      case '>/':
        out.h = trimHistogramBuckets(lh.copy(), rf, false);
        return;
    }
    dropWith(out, annotation.incompatibleTypes('histogram', op, 'float', pos));
    return;
  }
  switch (op) {
    case '+':
    case '-': {
      const res = lh.copy();
      const r = op === '+' ? addHistogram(res, rh) : subHistogram(res, rh);
      if (!r.ok) {
        dropWith(out, annotation.incompatibleBucketLayout(op, pos));
        return;
      }
      // A difference may be negative: always a gauge.
      if (op === '-') res.counterResetHint = CounterResetHint.Gauge;
      if (r.counterResetCollision) {
        // Prometheus returns the collision as the element's error: the element is dropped.
        dropWith(out, annotation.counterResetCollision(op === '+' ? 'addition' : 'subtraction', pos));
        return;
      }
      if (r.nhcbBoundsReconciled) out.anno = annotation.mismatchedCustomBuckets(op === '+' ? 'addition' : 'subtraction', pos);
      out.h = compactHistogram(res, 0);
      return;
    }
    case '==':
    case '!=': {
      const eq = histogramsEqualCompacted(lh, rh);
      out.h = lh;
      out.keep = op === '==' ? eq : !eq;
      return;
    }
  }
  dropWith(out, annotation.incompatibleTypes('histogram', op, 'histogram', pos));
}
