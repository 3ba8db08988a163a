/**
 * Type checking of a parsed expression, in the order and with the messages of Prometheus's
 * `checkAST`: the first problem found is thrown as a `ParseError`.
 */
import { METRIC_NAME } from '@vigil/model';
import { type as exprType, type BinaryExpr, type Expr, type PosRange, type ValueType } from './ast.js';
import { ParseError } from './parse-error.js';
import { goQuote } from './parser-literals.js';

/** Prometheus's `DocumentedType`: how types are named in messages. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

const COMPARISON_OPS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

/**
 * Checks `node` and its children; throws the first error. Returns the node's type (computed from the
 * children on the way, so that long operator chains stay linear). Also normalises vector matching as
 * Prometheus does (many-to-many for set operators, none when a side is a scalar).
 */
export function checkAST(node: Expr, query: string): ValueType {
  const fail = (pos: PosRange, msg: string): never => failAt(query, pos, msg);
  switch (node.kind) {
    case 'AggregateExpr':
      expectType(node.expr, 'vector', 'aggregation expression', query);
      if (node.param !== null) {
        if (node.op === 'count_values') expectType(node.param, 'string', 'aggregation parameter', query);
        else expectType(node.param, 'scalar', 'aggregation parameter', query);
      }
      return 'vector';
    case 'BinaryExpr':
      return checkBinary(node, query);
    case 'Call': {
      const f = node.func;
      const nargs = f.argTypes.length;
      const name = goQuote(f.name);
      if (f.variadic === 0) {
        if (nargs !== node.args.length) fail(node.pos, `expected ${nargs} argument(s) in call to ${name}, got ${node.args.length}`);
      } else {
        const na = nargs - 1;
        if (na > node.args.length) {
          fail(node.pos, `expected at least ${na} argument(s) in call to ${name}, got ${node.args.length}`);
        } else if (f.variadic > 0 && na + f.variadic < node.args.length) {
          fail(node.pos, `expected at most ${na + f.variadic} argument(s) in call to ${name}, got ${node.args.length}`);
        }
      }
      if (f.name === 'info' && node.args.length > 1) {
        const second = node.args[1];
        // Prometheus checks the type of the second argument before checking the argument itself.
        const t = exprType(second);
        if (t !== 'vector') fail(node.pos, `expected type instant vector in call to function ${name}, got ${documentedType(t)}`);
        if (second.kind === 'VectorSelector') {
          if (second.name !== '') fail(second.pos, 'expected label selectors only, got vector selector instead');
          second.bypassEmptyMatcherCheck = true;
        } else {
          fail(second.pos, 'expected label selectors only');
        }
      }
      for (let i = 0; i < node.args.length; i++) {
        let ti = i;
        if (i >= nargs) {
          if (f.variadic === 0) break;
          ti = nargs - 1;
        }
        const arg = node.args[i];
        const t = checkAST(arg, query);
        if (t !== f.argTypes[ti]) {
          fail(arg.pos, `expected type ${documentedType(f.argTypes[ti])} in call to function ${name}, got ${documentedType(t)}`);
        }
      }
      return f.returnType;
    }
    case 'ParenExpr':
      return checkAST(node.expr, query);
    case 'UnaryExpr': {
      const t = checkAST(node.expr, query);
      if (t !== 'scalar' && t !== 'vector') {
        fail(node.pos, `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documentedType(t))}`);
      }
      return t;
    }
    case 'SubqueryExpr': {
      const t = checkAST(node.expr, query);
      if (t !== 'vector') fail(node.pos, `subquery is only allowed on instant vector, got ${t} instead`);
      return 'matrix';
    }
    case 'MatrixSelector':
      checkAST(node.vectorSelector, query);
      return 'matrix';
    case 'VectorSelector': {
      if (node.name !== '') {
        // The last matcher is the one for the name written before the braces.
        for (let i = 0; i < node.matchers.length - 1; i++) {
          const m = node.matchers[i];
          if (m.name === METRIC_NAME) {
            fail(node.pos, `metric name must not be set twice: ${goQuote(node.name)} or ${goQuote(m.value)}`);
          }
        }
        // The name itself is a non-empty matcher.
        return 'vector';
      }
      if (!node.bypassEmptyMatcherCheck && !node.matchers.some((m) => !m.matches(''))) {
        fail(node.pos, 'vector selector must contain at least one non-empty matcher');
      }
      return 'vector';
    }
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
  }
}


function failAt(query: string, pos: PosRange, msg: string): never {
  throw new ParseError(query, { start: pos.start, end: pos.end }, msg);
}

function expectType(n: Expr, want: ValueType, context: string, query: string): void {
  const t = checkAST(n, query);
  if (t !== want) failAt(query, n.pos, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
}

/**
 * Checks a chain of binary expressions down its left spine without recursion (`a + b + c + ...` nests
 * to the left), in Prometheus's order: left operand, right operand, then the operator.
 */
function checkBinary(root: BinaryExpr, query: string): ValueType {
  const spine: BinaryExpr[] = [];
  let leftmost: Expr = root;
  while (leftmost.kind === 'BinaryExpr') {
    spine.push(leftmost);
    leftmost = leftmost.lhs;
  }
  let lt = checkAST(leftmost, query);
  for (let i = spine.length - 1; i >= 0; i--) {
    const n = spine[i];
    lt = checkBinaryNode(n, lt, checkAST(n.rhs, query), query);
  }
  return lt;
}

function checkBinaryNode(n: BinaryExpr, lt: ValueType, rt: ValueType, query: string): ValueType {
  const fail = (pos: PosRange, msg: string): never => failAt(query, pos, msg);
  // The operator's position: between the operands, without surrounding whitespace (end inclusive, as Prometheus).
  const opRange = (): PosRange => {
    let start = n.lhs.pos.end;
    while (start < query.length && isSpace(query.charCodeAt(start))) start++;
    let end = n.rhs.pos.start - 1;
    while (end > 0 && isSpace(query.charCodeAt(end))) end--;
    return { start, end };
  };
  const isComparison = COMPARISON_OPS.has(n.op);
  const isSet = SET_OPS.has(n.op);
  if (n.returnBool && !isComparison) fail(opRange(), 'bool modifier can only be used on comparison operators');
  if (isComparison && !n.returnBool && rt === 'scalar' && lt === 'scalar') {
    fail(opRange(), 'comparisons between scalars must use BOOL modifier');
  }
  const vm = n.vectorMatching;
  if (vm !== null) {
    if (isSet && vm.card === 'one-to-one') vm.card = 'many-to-many';
    if (vm.on) {
      for (const l of vm.matchingLabels) {
        if (vm.include.includes(l)) fail(opRange(), `label ${goQuote(l)} must not occur in ON and GROUP clause at once`);
      }
    }
  }
  if (lt !== 'scalar' && lt !== 'vector') fail(n.lhs.pos, 'binary expression must contain only scalar and instant vector types');
  if (rt !== 'scalar' && rt !== 'vector') fail(n.rhs.pos, 'binary expression must contain only scalar and instant vector types');
  if (vm !== null) {
    const fills = vm.fillValues.lhs !== null || vm.fillValues.rhs !== null;
    if (lt !== 'vector' || rt !== 'vector') {
      if (vm.matchingLabels.length > 0) fail(n.pos, 'vector matching only allowed between instant vectors');
      if (fills) fail(n.pos, 'filling in missing series only allowed between instant vectors');
      n.vectorMatching = null;
    } else if (isSet) {
      if (vm.card === 'one-to-many' || vm.card === 'many-to-one') fail(n.pos, `no grouping allowed for ${goQuote(n.op)} operation`);
      if (vm.card !== 'many-to-many') fail(n.pos, 'set operations must always be many-to-many');
      if (fills) fail(n.pos, 'filling in missing series not allowed for set operators');
    }
  }
  if ((lt === 'scalar' || rt === 'scalar') && isSet) fail(n.pos, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
  return lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
