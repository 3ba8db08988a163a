/**
 * The explain view's model: a PromQL expression as a tree of its sub-expressions, each with its text
 * (which can be evaluated on its own) and a short description of what it does. Parsed with the
 * lezer-promql grammar, the same one the editor uses.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';

export interface ExplainNode {
  /** The sub-expression's text, as typed. */
  readonly text: string;
  /** The grammar's node type (BinaryExpr, FunctionCall, VectorSelector, ...). */
  readonly type: string;
  readonly description: string;
  readonly from: number;
  readonly to: number;
  readonly children: readonly ExplainNode[];
}

/** Grammar nodes that are expressions of their own (and so get a row in the tree). */
const EXPR_TYPES = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'VectorSelector',
  'SubqueryExpr',
  'OffsetExpr',
  'StepInvariantExpr',
  'ParenExpr',
  'UnaryExpr',
  'NumberDurationLiteral',
  'StringLiteral',
]);

export interface ExplainResult {
  root: ExplainNode | null;
  /** Parse errors: position and the text around it. */
  errors: { from: number; to: number; message: string }[];
}

export function explain(expr: string): ExplainResult {
  const tree = parser.parse(expr);
  const errors: ExplainResult['errors'] = [];
  tree.iterate({
    enter(n) {
      if (n.type.isError) {
        const near = expr.slice(Math.max(0, n.from - 10), n.to + 10);
        errors.push({ from: n.from, to: n.to, message: `syntax error at position ${n.from + 1} near ${JSON.stringify(near)}` });
      }
    },
  });
  const top = tree.topNode.firstChild;
  if (top === null || top.type.isError || expr.trim() === '') return { root: null, errors };
  return { root: build(expr, top), errors };
}

function build(expr: string, node: SyntaxNode): ExplainNode {
  const children: ExplainNode[] = [];
  collect(expr, node, children);
  return { text: expr.slice(node.from, node.to).trim(), type: node.name, description: describe(expr, node), from: node.from, to: node.to, children };
}

/** The nearest expression nodes below `node` (not crossing another expression). */
function collect(expr: string, node: SyntaxNode, out: ExplainNode[]): void {
  for (let c = node.firstChild; c !== null; c = c.nextSibling) {
    // A string literal inside a selector or as a label argument is not a sub-expression worth a row.
    if (c.name === 'StringLiteral' && node.name !== 'FunctionCallBody') continue;
    if (EXPR_TYPES.has(c.name)) out.push(build(expr, c));
    else collect(expr, c, out);
  }
}

const text = (expr: string, n: SyntaxNode | null) => (n === null ? '' : expr.slice(n.from, n.to));
const childNamed = (n: SyntaxNode, name: string) => n.getChild(name);

const BINARY_OPS: Record<string, string> = {
  Add: 'adds', Sub: 'subtracts', Mul: 'multiplies', Div: 'divides', Mod: 'takes the modulo of', Pow: 'raises to the power',
  Atan2: 'takes atan2 of', Eql: 'keeps where equal (==)', Neq: 'keeps where not equal (!=)', Gtr: 'keeps where greater (>)',
  Lss: 'keeps where less (<)', Gte: 'keeps where greater or equal (>=)', Lte: 'keeps where less or equal (<=)',
  And: 'intersects (and)', Or: 'unions (or)', Unless: 'removes matches (unless)',
};

function describe(expr: string, n: SyntaxNode): string {
  switch (n.name) {
    case 'VectorSelector': {
      const name = text(expr, childNamed(n, 'Identifier'));
      const matchers = childNamed(n, 'LabelMatchers');
      const m = matchers ? text(expr, matchers) : '';
      return `selects the latest sample of each series${name ? ` named ${name}` : ''}${m && m !== '{}' ? ` matching ${m}` : ''}`;
    }
    case 'MatrixSelector': {
      const d = text(expr, childNamed(n, 'DurationExpr') ?? childNamed(n, 'NumberDurationLiteralInDurationContext'));
      return `selects every sample of the last ${d || 'range'} for each series`;
    }
    case 'SubqueryExpr': {
      const ds = n.getChildren('DurationExpr').map((c) => text(expr, c));
      return `evaluates the inner expression over the last ${ds[0] ?? '?'}${ds[1] ? ` every ${ds[1]}` : ' at the default resolution'}`;
    }
    case 'OffsetExpr':
      return `shifts the evaluation time back by ${text(expr, childNamed(n, 'OffsetDurationExpr') ?? n.lastChild)}`;
    case 'StepInvariantExpr':
      return `evaluates at a fixed time (@ ${text(expr, n.lastChild)})`;
    case 'ParenExpr':
      return 'groups the expression inside';
    case 'UnaryExpr':
      return text(expr, childNamed(n, 'UnaryOp')) === '-' ? 'negates the value' : 'keeps the value as it is';
    case 'NumberDurationLiteral':
      return `the number ${text(expr, n)}`;
    case 'StringLiteral':
      return `the string ${text(expr, n)}`;
    case 'FunctionCall': {
      const fn = text(expr, childNamed(n, 'FunctionIdentifier'));
      return FUNCTIONS[fn] ?? `calls ${fn}()`;
    }
    case 'AggregateExpr': {
      const op = text(expr, childNamed(n, 'AggregateOp'));
      const mod = childNamed(n, 'AggregateModifier');
      const grouping = mod ? ` ${text(expr, mod).replace(/\s+/g, ' ')}` : ' over all series';
      return `${AGGREGATIONS[op] ?? `aggregates with ${op}`}${grouping}`;
    }
    case 'BinaryExpr': {
      let op = '';
      let bool = false;
      let matching = '';
      for (let c = n.firstChild; c !== null; c = c.nextSibling) {
        if (BINARY_OPS[c.name] !== undefined && op === '') op = c.name;
        if (c.name === 'BoolModifier' || c.name === 'Bool') bool = true;
        if (c.name === 'MatchingModifierClause') matching = text(expr, c).replace(/\s+/g, ' ');
      }
      let d = BINARY_OPS[op] ?? 'combines';
      if (bool) d = d.replace('keeps where', 'returns 1 or 0 for');
      d += ' the left and right sides';
      if (matching) d += `, matching series ${matching}`;
      else d += ', matching series on all labels';
      return d;
    }
    default:
      return n.name;
  }
}

const AGGREGATIONS: Record<string, string> = {
  sum: 'sums', avg: 'averages', min: 'takes the minimum', max: 'takes the maximum', count: 'counts the series',
  group: 'groups (value 1)', stddev: 'takes the standard deviation', stdvar: 'takes the variance',
  topk: 'keeps the k largest', bottomk: 'keeps the k smallest', quantile: 'takes the φ-quantile',
  count_values: 'counts series per value', limitk: 'keeps k series', limit_ratio: 'keeps a ratio of series',
};

const FUNCTIONS: Record<string, string> = {
  rate: 'per-second average rate of increase of each counter over the range',
  irate: 'per-second rate from the last two samples of each counter in the range',
  increase: 'increase of each counter over the range',
  delta: 'difference between the first and last value of each gauge in the range',
  idelta: 'difference between the last two samples in the range',
  deriv: 'per-second derivative of each gauge (linear regression) over the range',
  histogram_quantile: 'estimates a quantile from histogram buckets',
  abs: 'absolute value of each sample', ceil: 'rounds each sample up', floor: 'rounds each sample down',
  round: 'rounds each sample', sqrt: 'square root of each sample', exp: 'e to the power of each sample',
  ln: 'natural logarithm of each sample', log2: 'binary logarithm of each sample', log10: 'decimal logarithm of each sample',
  clamp: 'clamps each sample between min and max', clamp_min: 'raises each sample to at least min',
  clamp_max: 'lowers each sample to at most max', absent: 'returns 1 if the vector has no elements',
  absent_over_time: 'returns 1 if the range has no samples', changes: 'number of times the value changed in the range',
  resets: 'number of counter resets in the range', label_replace: 'rewrites a label with a regular expression',
  label_join: 'joins label values into a new label', vector: 'turns a scalar into a vector without labels',
  scalar: 'turns a one-element vector into a scalar', time: 'the evaluation time in seconds', timestamp: 'the timestamp of each sample',
  sort: 'sorts by value, ascending', sort_desc: 'sorts by value, descending', predict_linear: 'predicts the value after t seconds (linear regression)',
  avg_over_time: 'average of each series over the range', min_over_time: 'minimum of each series over the range',
  max_over_time: 'maximum of each series over the range', sum_over_time: 'sum of each series over the range',
  count_over_time: 'number of samples of each series in the range', last_over_time: 'latest sample of each series in the range',
  quantile_over_time: 'φ-quantile of each series over the range', stddev_over_time: 'standard deviation over the range',
  stdvar_over_time: 'variance over the range', present_over_time: '1 for each series with a sample in the range',
};
