/**
 * Evaluation of the experimental duration expressions (`[5m + step()]`, `offset (1h / 2)`) as
 * Prometheus does before running a query: constant ones are folded at parse time already; the rest
 * (those using `step()` or `range()`) are resolved per query with `resolveDurationExprs`.
 */
import { VigilError } from '@vigil/model';
import { inspect, type DurationExpr, type Expr, type NumberLiteral } from './ast.js';

/** The value of a duration expression in seconds, or `null` when it needs `step()`/`range()` or fails. */
export function foldDurationExpr(d: DurationExpr | NumberLiteral): number | null {
  try {
    return evaluate(d, null);
  } catch {
    return null;
  }
}

/**
 * The value of a duration expression in seconds, given the query's step and range (end - start) in
 * milliseconds. Throws a `bad_data` VigilError for division or modulo by zero.
 */
export function evalDurationExpr(d: DurationExpr | NumberLiteral, stepMs: number, rangeMs: number): number {
  return evaluate(d, { stepMs, rangeMs });
}

/**
 * Computes every duration expression in the tree for one query (step and range in ms) and stores
 * the results in `range`, `step`, `offset`/`originalOffset`, as Prometheus's engine does before
 * evaluation. Throws a `bad_data` VigilError with Prometheus's message when a result is invalid
 * (`duration must be greater than 0`, `duration is NaN or infinite`, `duration is out of range`).
 */
export function resolveDurationExprs(root: Expr, stepMs: number, rangeMs: number): void {
  const env = { stepMs, rangeMs };
  inspect(root, (node) => {
    switch (node.kind) {
      case 'VectorSelector':
        if (node.offsetExpr !== null) node.originalOffset = node.offset = toMs(node.offsetExpr, env, true);
        break;
      case 'MatrixSelector':
        if (node.rangeExpr !== null) node.range = toMs(node.rangeExpr, env, false);
        break;
      case 'SubqueryExpr':
        if (node.offsetExpr !== null) node.originalOffset = node.offset = toMs(node.offsetExpr, env, true);
        if (node.stepExpr !== null) node.step = toMs(node.stepExpr, env, false);
        if (node.rangeExpr !== null) node.range = toMs(node.rangeExpr, env, false);
        break;
    }
  });
}

interface Env {
  stepMs: number;
  rangeMs: number;
}

function toMs(d: DurationExpr, env: Env, allowNegative: boolean): number {
  const v = evaluate(d, env);
  const where = `${d.pos.start}:${d.pos.end}`;
  if (!Number.isFinite(v)) throw new VigilError('bad_data', `${where}: duration is NaN or infinite`);
  if (v <= 0 && !allowNegative) throw new VigilError('bad_data', `${where}: duration must be greater than 0`);
  if (v > 9223372036.854775807 || v < -9223372036.854775808) {
    throw new VigilError('bad_data', `${where}: duration is out of range`);
  }
  return Math.trunc(v * 1000);
}

function evaluate(n: DurationExpr | NumberLiteral, env: Env | null): number {
  if (n.kind === 'NumberLiteral') return n.value;
  const lhs = n.lhs !== null ? evaluate(n.lhs, env) : 0;
  const rhs = n.rhs !== null ? evaluate(n.rhs, env) : 0;
  const where = `${n.pos.start}:${n.pos.end}`;
  switch (n.op) {
    case 'step':
      if (env === null) throw new Error('needs step');
      return env.stepMs / 1000;
    case 'range':
      if (env === null) throw new Error('needs range');
      return env.rangeMs / 1000;
    case 'min_of':
      return Math.min(lhs, rhs);
    case 'max_of':
      return Math.max(lhs, rhs);
    case '+':
      return n.lhs === null ? rhs : lhs + rhs;
    case '-':
      return n.lhs === null ? -rhs : lhs - rhs;
    case '*':
      return lhs * rhs;
    case '/':
      if (rhs === 0) throw new VigilError('bad_data', `${where}: division by zero`);
      return lhs / rhs;
    case '%':
      if (rhs === 0) throw new VigilError('bad_data', `${where}: modulo by zero`);
      return lhs % rhs;
    case '^':
      return Math.pow(lhs, rhs);
  }
}
