/**
 * The PromQL syntax tree, shaped like Prometheus's `promql/parser` AST so that its semantics carry over
 * one to one. Nodes are plain objects discriminated by `kind`; the parser (`parser.ts`) builds them and
 * checks their types, the printer (`printer.ts`) turns them back into canonical PromQL, the engine
 * evaluates them.
 *
 * Times and durations are milliseconds. Positions are offsets into the query string (UTF-16 code units,
 * `start` inclusive, `end` exclusive).
 */
import type { Matcher } from '@vigil/model';

/** The four PromQL value types, spelled as the HTTP API's `resultType`. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** Where a node sits in the query string: `[start, end)` offsets. */
export interface PosRange {
  /** Offset of the node's first character. */
  start: number;
  /** Offset just past the node's last character. */
  end: number;
}

/** Arithmetic operators. */
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
/** Comparison operators (filter, or 0/1 with `bool`). */
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
/** Set operators (always many-to-many between instant vectors). */
export type SetOp = 'and' | 'or' | 'unless';
/** Native-histogram trim operators (3.x): `</` drops observations above, `>/` below a threshold. Comparison precedence. */
export type TrimOp = '</' | '>/';
/** Every binary operator. */
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp | TrimOp;
/** Unary operators. */
export type UnaryOp = '+' | '-';

/** Every aggregation operator of Prometheus 3.x (`limitk` and `limit_ratio` are experimental there). */
export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'min'
  | 'max'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'count_values'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

/** How samples of the two sides of a vector/vector binary operation pair up. */
export type VectorMatchCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** The `on`/`ignoring`/`group_left`/`group_right`/`fill` modifiers of a vector/vector operation. */
export interface VectorMatching {
  /** One-to-one unless `group_left` (many-to-one), `group_right` (one-to-many) or a set operator (many-to-many). */
  card: VectorMatchCardinality;
  /** The labels listed in `on(...)` or `ignoring(...)` (empty when neither was written). */
  matchingLabels: string[];
  /** True for `on(...)`: match on exactly `matchingLabels`; false: ignore them. */
  on: boolean;
  /** The labels listed in `group_left(...)`/`group_right(...)`, copied from the "one" side. */
  include: string[];
  /**
   * Experimental `fill(v)`, `fill_left(v)`, `fill_right(v)`: the value used for a side that has no
   * match; `null` when not set (then unmatched samples produce no output, as usual).
   */
  fillValues: { lhs: number | null; rhs: number | null };
}

/** A number: `1`, `-2.5e3`, `0x1f`, `Inf`, `NaN`, or a duration written where a number may stand (`5m` = 300). */
export interface NumberLiteral {
  kind: 'NumberLiteral';
  /** The value (durations in seconds, as Prometheus does). */
  value: number;
  /** True when written as a duration (`5m`); the printer then writes it as a duration again. */
  duration: boolean;
  /** Position in the query. */
  pos: PosRange;
}

/** A string literal (any quote style), already unquoted. */
export interface StringLiteral {
  kind: 'StringLiteral';
  /** The unescaped value. */
  value: string;
  /** Position in the query, quotes included. */
  pos: PosRange;
}

/** An instant vector selector: `name{matchers} offset d @ t`. */
export interface VectorSelector {
  kind: 'VectorSelector';
  /**
   * The metric name written before the braces (`up{...}`); `''` otherwise. A quoted name inside the
   * braces (`{"my.metric"}`) only becomes a `__name__` matcher, as in Prometheus.
   */
  name: string;
  /**
   * All matchers in query order; when `name` is set, a `__name__="name"` equality matcher is appended
   * last, as in Prometheus. Never empty after a successful parse.
   */
  matchers: Matcher[];
  /** Offset as written, ms (positive looks back in time, `offset -5m` is -300000). */
  originalOffset: number;
  /** Offset to use at evaluation, ms; the parser sets it equal to `originalOffset`, the engine may adjust it. */
  offset: number;
  /** Experimental duration expression of the offset (`offset (5m + step())`); `null` when a plain duration. */
  offsetExpr: DurationExpr | null;
  /** `@ <timestamp>` in ms; `null` when no `@` or when `@ start()`/`@ end()`. */
  timestamp: number | null;
  /** `@ start()` or `@ end()`; `null` otherwise. */
  startOrEnd: 'start' | 'end' | null;
  /** Experimental `anchored` modifier (set on the selector inside a range selector). */
  anchored: boolean;
  /** Experimental `smoothed` modifier (set on the selector inside a range selector, or on an instant selector). */
  smoothed: boolean;
  /** True when the selector need not have a matcher that rejects the empty string (second argument of `info`). */
  bypassEmptyMatcherCheck: boolean;
  /** Position in the query: name and braces, extended over `offset`/`@` written after them (as Prometheus). */
  pos: PosRange;
}

/** A range vector selector: `selector[range]`. */
export interface MatrixSelector {
  kind: 'MatrixSelector';
  /** The selector the range applies to (offset/@ of the whole range selector live on it). */
  vectorSelector: VectorSelector;
  /** Range, ms (resolved at parse time when `rangeExpr` is constant; 0 while it needs `step()`/`range()`). */
  range: number;
  /** Experimental duration expression of the range (`[5m + 1m]`); `null` for a plain duration. */
  rangeExpr: DurationExpr | null;
  /** From the selector's start to the closing `]` (or the last modifier). */
  pos: PosRange;
}

/** A subquery: `expr[range:step] offset d @ t`. */
export interface SubqueryExpr {
  kind: 'SubqueryExpr';
  /** The inner expression (instant vector or scalar). */
  expr: Expr;
  /** Range, ms (resolved at parse time when `rangeExpr` is constant). */
  range: number;
  /** Experimental duration expression of the range; `null` for a plain duration. */
  rangeExpr: DurationExpr | null;
  /** Resolution step, ms; 0 means the default (the global evaluation interval). */
  step: number;
  /** Experimental duration expression of the step; `null` for a plain or omitted step. */
  stepExpr: DurationExpr | null;
  /** Offset as written, ms. */
  originalOffset: number;
  /** Offset to use at evaluation, ms; the parser sets it equal to `originalOffset`. */
  offset: number;
  /** Experimental duration expression of the offset; `null` for a plain duration. */
  offsetExpr: DurationExpr | null;
  /** `@ <timestamp>` in ms, or `null`. */
  timestamp: number | null;
  /** `@ start()` or `@ end()`, or `null`. */
  startOrEnd: 'start' | 'end' | null;
  /** From the inner expression's start to the closing `]` (or the last modifier). */
  pos: PosRange;
}

/** `( expr )`: kept so that printing preserves grouping. */
export interface ParenExpr {
  kind: 'ParenExpr';
  /** The wrapped expression. */
  expr: Expr;
  /** Position including both parentheses. */
  pos: PosRange;
}

/**
 * `-expr` or `+expr`. A sign directly before a number literal is folded into the literal instead
 * (`-1` is a NumberLiteral), as Prometheus does.
 */
export interface UnaryExpr {
  kind: 'UnaryExpr';
  /** The operator. */
  op: UnaryOp;
  /** The operand (scalar or instant vector). */
  expr: Expr;
  /** From the operator to the operand's end. */
  pos: PosRange;
}

/** `lhs op [bool] [on|ignoring(...)] [group_left|group_right(...)] [fill...] rhs`. */
export interface BinaryExpr {
  kind: 'BinaryExpr';
  /** The operator. */
  op: BinaryOp;
  /** Left operand. */
  lhs: Expr;
  /** Right operand. */
  rhs: Expr;
  /** `bool` modifier: comparisons return 0/1 instead of filtering. */
  returnBool: boolean;
  /** Matching between two instant vectors; `null` when either side is a scalar. */
  vectorMatching: VectorMatching | null;
  /** From the left operand's start to the right operand's end. */
  pos: PosRange;
}

/** `op [by|without (labels)] ([param,] expr)`. */
export interface AggregateExpr {
  kind: 'AggregateExpr';
  /** The aggregation operator. */
  op: AggregateOp;
  /** The instant vector aggregated over. */
  expr: Expr;
  /** Parameter of `topk`, `bottomk`, `quantile`, `count_values`, `limitk`, `limit_ratio`; `null` for the others. */
  param: Expr | null;
  /** The `by`/`without` labels (empty when no clause, or an empty clause). */
  grouping: string[];
  /** True for `without (...)`. */
  without: boolean;
  /** From the operator to the closing parenthesis (or the trailing grouping clause). */
  pos: PosRange;
}

/** A function call. */
export interface Call {
  kind: 'Call';
  /** The called function (from `FUNCTIONS`). */
  func: FunctionDef;
  /** The arguments, type-checked against `func.argTypes`. */
  args: Expr[];
  /** From the function name to the closing parenthesis. */
  pos: PosRange;
}

/**
 * Experimental duration arithmetic inside `[...]`, after `offset`, and as subquery step:
 * `[5m + 1m]`, `offset (2 * step())`, `[max_of(5m, range())]`. Never a top-level expression.
 */
export interface DurationExpr {
  kind: 'DurationExpr';
  /**
   * The operation: binary arithmetic (`lhs op rhs`), unary `+`/`-` (only `rhs` set), `step`/`range`
   * (the query's step or range, no operands), `min_of`/`max_of` (both operands).
   */
  op: '+' | '-' | '*' | '/' | '%' | '^' | 'step' | 'range' | 'min_of' | 'max_of';
  /** Left operand (a duration/number in seconds, or a nested duration expression); `null` for unary ops, step(), range(). */
  lhs: NumberLiteral | DurationExpr | null;
  /** Right operand; `null` for step() and range(). */
  rhs: NumberLiteral | DurationExpr | null;
  /** True when written in parentheses. */
  wrapped: boolean;
  /** Position in the query (parentheses included when wrapped). */
  pos: PosRange;
}

/** Every expression node. */
export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | ParenExpr
  | UnaryExpr
  | BinaryExpr
  | AggregateExpr
  | Call;

/** Every node, including duration expressions that only occur inside modifiers. */
export type Node = Expr | DurationExpr;

/** A PromQL function's signature. */
export interface FunctionDef {
  /** The name as written in queries. */
  name: string;
  /** Argument types in order; with `variadic` != 0 the last one may repeat or be omitted. */
  argTypes: readonly ValueType[];
  /**
   * 0: exactly `argTypes.length` arguments. n > 0: the last `argTypes` entry is optional and may be given
   * up to n times in all (so between `argTypes.length - 1` and `argTypes.length - 1 + n` arguments).
   * -1: the last entry may be repeated without limit (at least `argTypes.length - 1` arguments).
   */
  variadic: number;
  /** Type of the result. */
  returnType: ValueType;
  /** Experimental in Prometheus 3.x (behind `--enable-feature=promql-experimental-functions` there). */
  experimental: boolean;
}

function fn(name: string, argTypes: ValueType[], returnType: ValueType, variadic = 0, experimental = false): FunctionDef {
  return Object.freeze({ name, argTypes: Object.freeze(argTypes), variadic, returnType, experimental });
}

/** Every function of Prometheus 3.x, by name (plus `holt_winters`, 2.x's name of `double_exponential_smoothing`). */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(
  [
    fn('abs', ['vector'], 'vector'),
    fn('absent', ['vector'], 'vector'),
    fn('absent_over_time', ['matrix'], 'vector'),
    fn('acos', ['vector'], 'vector'),
    fn('acosh', ['vector'], 'vector'),
    fn('asin', ['vector'], 'vector'),
    fn('asinh', ['vector'], 'vector'),
    fn('atan', ['vector'], 'vector'),
    fn('atanh', ['vector'], 'vector'),
    fn('avg_over_time', ['matrix'], 'vector'),
    fn('ceil', ['vector'], 'vector'),
    fn('changes', ['matrix'], 'vector'),
    fn('clamp', ['vector', 'scalar', 'scalar'], 'vector'),
    fn('clamp_max', ['vector', 'scalar'], 'vector'),
    fn('clamp_min', ['vector', 'scalar'], 'vector'),
    fn('cos', ['vector'], 'vector'),
    fn('cosh', ['vector'], 'vector'),
    fn('count_over_time', ['matrix'], 'vector'),
    fn('days_in_month', ['vector'], 'vector', 1),
    fn('day_of_month', ['vector'], 'vector', 1),
    fn('day_of_week', ['vector'], 'vector', 1),
    fn('day_of_year', ['vector'], 'vector', 1),
    fn('deg', ['vector'], 'vector'),
    fn('delta', ['matrix'], 'vector'),
    fn('deriv', ['matrix'], 'vector'),
    fn('double_exponential_smoothing', ['matrix', 'scalar', 'scalar'], 'vector', 0, true),
    fn('end', [], 'scalar', 0, true),
    fn('exp', ['vector'], 'vector'),
    fn('first_over_time', ['matrix'], 'vector'),
    fn('floor', ['vector'], 'vector'),
    fn('histogram_avg', ['vector'], 'vector'),
    fn('histogram_count', ['vector'], 'vector'),
    fn('histogram_fraction', ['scalar', 'scalar', 'vector'], 'vector'),
    fn('histogram_quantile', ['scalar', 'vector'], 'vector'),
    fn('histogram_quantiles', ['vector', 'string', 'scalar', 'scalar'], 'vector', 9, true),
    fn('histogram_stddev', ['vector'], 'vector'),
    fn('histogram_stdvar', ['vector'], 'vector'),
    fn('histogram_sum', ['vector'], 'vector'),
    fn('holt_winters', ['matrix', 'scalar', 'scalar'], 'vector'),
    fn('hour', ['vector'], 'vector', 1),
    fn('idelta', ['matrix'], 'vector'),
    fn('increase', ['matrix'], 'vector'),
    fn('info', ['vector', 'vector'], 'vector', 1, true),
    fn('irate', ['matrix'], 'vector'),
    fn('label_join', ['vector', 'string', 'string', 'string'], 'vector', -1),
    fn('label_replace', ['vector', 'string', 'string', 'string', 'string'], 'vector'),
    fn('last_over_time', ['matrix'], 'vector'),
    fn('ln', ['vector'], 'vector'),
    fn('log10', ['vector'], 'vector'),
    fn('log2', ['vector'], 'vector'),
    fn('mad_over_time', ['matrix'], 'vector', 0, true),
    fn('max_of', ['scalar', 'scalar'], 'scalar', 0, true),
    fn('max_over_time', ['matrix'], 'vector'),
    fn('min_of', ['scalar', 'scalar'], 'scalar', 0, true),
    fn('min_over_time', ['matrix'], 'vector'),
    fn('minute', ['vector'], 'vector', 1),
    fn('month', ['vector'], 'vector', 1),
    fn('pi', [], 'scalar'),
    fn('predict_linear', ['matrix', 'scalar'], 'vector'),
    fn('present_over_time', ['matrix'], 'vector'),
    fn('quantile_over_time', ['scalar', 'matrix'], 'vector'),
    fn('rad', ['vector'], 'vector'),
    fn('range', [], 'scalar', 0, true),
    fn('rate', ['matrix'], 'vector'),
    fn('resets', ['matrix'], 'vector'),
    fn('round', ['vector', 'scalar'], 'vector', 1),
    fn('scalar', ['vector'], 'scalar'),
    fn('sgn', ['vector'], 'vector'),
    fn('sin', ['vector'], 'vector'),
    fn('sinh', ['vector'], 'vector'),
    fn('sort', ['vector'], 'vector'),
    fn('sort_by_label', ['vector', 'string'], 'vector', -1, true),
    fn('sort_by_label_desc', ['vector', 'string'], 'vector', -1, true),
    fn('sort_desc', ['vector'], 'vector'),
    fn('sqrt', ['vector'], 'vector'),
    fn('start', [], 'scalar', 0, true),
    fn('start_timestamp', ['vector'], 'vector', 0, true),
    fn('stddev_over_time', ['matrix'], 'vector'),
    fn('stdvar_over_time', ['matrix'], 'vector'),
    fn('step', [], 'scalar', 0, true),
    fn('sum_over_time', ['matrix'], 'vector'),
    fn('tan', ['vector'], 'vector'),
    fn('tanh', ['vector'], 'vector'),
    fn('time', [], 'scalar'),
    fn('timestamp', ['vector'], 'vector'),
    fn('ts_of_first_over_time', ['matrix'], 'vector', 0, true),
    fn('ts_of_last_over_time', ['matrix'], 'vector', 0, true),
    fn('ts_of_max_over_time', ['matrix'], 'vector', 0, true),
    fn('ts_of_min_over_time', ['matrix'], 'vector', 0, true),
    fn('vector', ['scalar'], 'vector'),
    fn('year', ['vector'], 'vector', 1),
  ].map((f) => [f.name, f] as const),
);

/** Aggregations that take a parameter before the vector argument. */
export const PARAMETRIZED_AGGREGATIONS: ReadonlySet<AggregateOp> = new Set<AggregateOp>([
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
]);

/** The type an expression evaluates to (as Prometheus's `Expr.Type()`). */
export function type(node: Expr): ValueType {
  switch (node.kind) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
    case 'AggregateExpr':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'ParenExpr':
    case 'UnaryExpr':
      return type(node.expr);
    case 'BinaryExpr': {
      // Walk left-nested chains (`a + b + c ...`) iteratively; any vector operand makes a vector.
      let n: Expr = node;
      while (n.kind === 'BinaryExpr') {
        if (type(n.rhs) !== 'scalar') return 'vector';
        n = n.lhs;
      }
      return type(n) === 'scalar' ? 'scalar' : 'vector';
    }
    case 'Call':
      return node.func.returnType;
  }
}

/** The direct child expressions of a node, in query order (AggregateExpr: expr, then param, as Prometheus). */
export function children(node: Expr): Expr[] {
  switch (node.kind) {
    case 'AggregateExpr':
      return node.param !== null ? [node.expr, node.param] : [node.expr];
    case 'BinaryExpr':
      return [node.lhs, node.rhs];
    case 'Call':
      return node.args;
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      return [node.expr];
    case 'MatrixSelector':
      return [node.vectorSelector];
    default:
      return [];
  }
}

/**
 * Depth-first walk: calls `visit(node, path)` for every expression, parents before children; returning
 * `false` skips the node's children. `path` holds the ancestors (do not keep it: it is reused).
 */
export function inspect(node: Expr, visit: (node: Expr, path: readonly Expr[]) => boolean | void): void {
  const path: Expr[] = [];
  const walk = (n: Expr): void => {
    if (visit(n, path) === false) return;
    path.push(n);
    for (const c of children(n)) walk(c);
    path.pop();
  };
  walk(node);
}
