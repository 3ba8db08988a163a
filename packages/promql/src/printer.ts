/**
 * Formats an AST as canonical PromQL, byte for byte as Prometheus's `Expr.String()` (what
 * `/api/v1/format_query` returns): `sum by (job) (rate(x[5m]))`, matchers sorted, durations in
 * Prometheus's form, strings Go-quoted, `@` before `offset`.
 */
import { METRIC_NAME, formatDuration, formatFloat, formatFloatFixed, type Matcher } from '@vigil/model';
import type { AggregateExpr, BinaryExpr, DurationExpr, Expr, MatrixSelector, NumberLiteral, SubqueryExpr, VectorSelector } from './ast.js';
import { goQuote } from './parser-literals.js';

/** The canonical PromQL text of an expression. */
export function printExpr(node: Expr): string {
  switch (node.kind) {
    case 'NumberLiteral':
      return printNumber(node);
    case 'StringLiteral':
      return goQuote(node.value);
    case 'ParenExpr':
      return '(' + printExpr(node.expr) + ')';
    case 'UnaryExpr':
      return node.op + printExpr(node.expr);
    case 'BinaryExpr':
      return printBinary(node);
    case 'AggregateExpr':
      return aggregateOpString(node) + '(' + (node.param !== null ? printExpr(node.param) + ', ' : '') + printExpr(node.expr) + ')';
    case 'Call':
      return node.func.name + '(' + node.args.map(printExpr).join(', ') + ')';
    case 'VectorSelector':
      return printVectorSelector(node);
    case 'MatrixSelector':
      return printMatrixSelector(node);
    case 'SubqueryExpr':
      return printExpr(node.expr) + subqueryTimeSuffix(node);
  }
}

/** `lhs op rhs`, walking left-nested chains (`a + b + c + ...`) without recursion. */
function printBinary(root: BinaryExpr): string {
  const spine: BinaryExpr[] = [];
  let leftmost: Expr = root;
  while (leftmost.kind === 'BinaryExpr') {
    spine.push(leftmost);
    leftmost = leftmost.lhs;
  }
  let s = printExpr(leftmost);
  for (let i = spine.length - 1; i >= 0; i--) {
    const n = spine[i];
    s += ' ' + n.op + (n.returnBool ? ' bool' : '') + matchingString(n) + ' ' + printExpr(n.rhs);
  }
  return s;
}

/** A duration expression as written canonically (`5m + step()`, `(1h / 2)`). */
export function printDurationExpr(node: DurationExpr | NumberLiteral): string {
  if (node.kind === 'NumberLiteral') return printNumber(node);
  let s: string;
  switch (node.op) {
    case 'step':
      s = 'step()';
      break;
    case 'range':
      s = 'range()';
      break;
    case 'min_of':
    case 'max_of':
      s = `${node.op}(${printDurationExpr(node.lhs!)}, ${printDurationExpr(node.rhs!)})`;
      break;
    default:
      if (node.lhs === null) s = (node.op === '-' ? '-' : '') + printDurationExpr(node.rhs!);
      else s = printDurationExpr(node.lhs) + ' ' + node.op + ' ' + printDurationExpr(node.rhs!);
  }
  return node.wrapped ? '(' + s + ')' : s;
}

/** The `sum by (job) ` / `sum without (a) ` / `sum` prefix of an aggregation. */
export function aggregateOpString(node: AggregateExpr): string {
  if (node.without) return node.op + ' without (' + labelList(node.grouping) + ') ';
  if (node.grouping.length > 0) return node.op + ' by (' + labelList(node.grouping) + ') ';
  return node.op;
}

function printNumber(node: NumberLiteral): string {
  if (node.duration) {
    // model.Duration(seconds * 1e9): nanoseconds truncated to an integer, then to milliseconds.
    const ms = (v: number): number => Math.trunc(Math.trunc(v * 1e9) / 1e6);
    return node.value < 0 ? '-' + formatDuration(ms(-node.value)) : formatDuration(ms(node.value));
  }
  return formatFloatFixed(node.value);
}

/** `model.Duration(ms).String()`: whole milliseconds, truncated as Go's integer division does. */
function goDuration(ms: number): string {
  return formatDuration(Math.trunc(ms));
}

/** Labels of `by`/`on`/`group_left` lists: plain when a classic label name, Go-quoted otherwise. */
function labelList(labels: readonly string[]): string {
  let s = '';
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) s += ', ';
    s += isLegacyLabelName(labels[i]) ? labels[i] : goQuote(labels[i]);
  }
  return s;
}

function matchingString(node: BinaryExpr): string {
  const vm = node.vectorMatching;
  if (vm === null) return '';
  let s = '';
  const grouped = vm.card === 'many-to-one' || vm.card === 'one-to-many';
  if (vm.matchingLabels.length > 0 || vm.on || grouped) {
    s += (vm.on ? ' on (' : ' ignoring (') + labelList(vm.matchingLabels) + ')';
  }
  if (grouped) {
    s += (vm.card === 'many-to-one' ? ' group_left (' : ' group_right (') + labelList(vm.include) + ')';
  }
  const { lhs, rhs } = vm.fillValues;
  if (lhs !== null || rhs !== null) {
    if (lhs !== null && rhs !== null && lhs === rhs) {
      s += ` fill (${goFloatV(lhs)})`;
    } else {
      if (lhs !== null) s += ` fill_left (${goFloatV(lhs)})`;
      if (rhs !== null) s += ` fill_right (${goFloatV(rhs)})`;
    }
  }
  return s;
}

/** Go's `%v` of a float64. */
function goFloatV(v: number): string {
  return formatFloat(v);
}

/** A matcher as Prometheus's `Matcher.String()`: the name quoted unless a classic label name. */
export function matcherString(m: Matcher): string {
  return (shouldQuoteName(m.name) ? goQuote(m.name) : m.name) + m.type + goQuote(m.value);
}

function shouldQuoteName(name: string): boolean {
  if (name.length === 0) return true;
  return !isLegacyLabelName(name);
}

function isLegacyLabelName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = c === 95 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}

function atString(timestamp: number | null, startOrEnd: 'start' | 'end' | null): string {
  if (timestamp !== null) return ' @ ' + (timestamp / 1000).toFixed(3);
  if (startOrEnd !== null) return ` @ ${startOrEnd}()`;
  return '';
}

function offsetString(originalOffset: number, offsetExpr: DurationExpr | null): string {
  if (offsetExpr !== null) return ' offset ' + printDurationExpr(offsetExpr);
  if (originalOffset > 0) return ' offset ' + goDuration(originalOffset);
  if (originalOffset < 0) return ' offset -' + goDuration(-originalOffset);
  return '';
}

/** `name{matchers}` without any modifier. */
function selectorBody(node: VectorSelector): string {
  const parts: string[] = [];
  for (const m of node.matchers) {
    // The matcher for a name written outside the braces is implied by the name.
    if (m.name === METRIC_NAME && m.type === '=' && m.value === node.name && m.value !== '') continue;
    parts.push(matcherString(m));
  }
  if (parts.length === 0) return node.name;
  parts.sort(compareBytes);
  return node.name + '{' + parts.join(',') + '}';
}

function printVectorSelector(node: VectorSelector): string {
  let s = selectorBody(node) + atString(node.timestamp, node.startOrEnd);
  if (node.anchored) s += ' anchored';
  else if (node.smoothed) s += ' smoothed';
  return s + offsetString(node.originalOffset, node.offsetExpr);
}

function printMatrixSelector(node: MatrixSelector): string {
  const vs = node.vectorSelector;
  const range = node.rangeExpr !== null ? printDurationExpr(node.rangeExpr) : goDuration(node.range);
  const extended = vs.anchored ? ' anchored' : vs.smoothed ? ' smoothed' : '';
  return selectorBody(vs) + '[' + range + ']' + extended + atString(vs.timestamp, vs.startOrEnd) + offsetString(vs.originalOffset, vs.offsetExpr);
}

function subqueryTimeSuffix(node: SubqueryExpr): string {
  // The expression is printed as written even when the parser could fold it to a constant step.
  let step = '';
  if (node.stepExpr !== null) step = printDurationExpr(node.stepExpr);
  else if (node.step !== 0) step = goDuration(node.step);
  const range = node.rangeExpr !== null ? printDurationExpr(node.rangeExpr) : goDuration(node.range);
  return '[' + range + ':' + step + ']' + atString(node.timestamp, node.startOrEnd) + offsetString(node.originalOffset, node.offsetExpr);
}

/** Go's `sort.Strings` order (bytewise UTF-8, which equals code point order). */
function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * The query laid out over several lines as Prometheus's `Pretty(0)` does (what `/api/v1/format_query`
 * returns): a node whose one-line form is longer than `maxWidth` bytes (Prometheus: 100) is split,
 * children indented two spaces per level.
 */
export function prettyExpr(node: Expr, maxWidth = 100): string {
  return pretty(node, 0, maxWidth);
}

function indent(level: number): string {
  return '  '.repeat(level);
}

function pretty(node: Expr, level: number, max: number): string {
  const oneLine = printExpr(node);
  const split = Buffer.byteLength(oneLine, 'utf8') > max;
  switch (node.kind) {
    case 'AggregateExpr': {
      if (!split) return indent(level) + oneLine;
      let s = indent(level) + aggregateOpString(node) + '(\n';
      if (node.param !== null) s += pretty(node.param, level + 1, max) + ',\n';
      return s + pretty(node.expr, level + 1, max) + '\n' + indent(level) + ')';
    }
    case 'BinaryExpr': {
      if (!split) return indent(level) + oneLine;
      const op = node.op + (node.returnBool ? ' bool' : '') + matchingString(node);
      return pretty(node.lhs, level + 1, max) + '\n' + indent(level) + op + '\n' + pretty(node.rhs, level + 1, max);
    }
    case 'Call': {
      if (!split) return indent(level) + oneLine;
      const args = node.args.map((a) => pretty(a, level + 1, max)).join(',\n');
      return indent(level) + node.func.name + '(\n' + args + '\n' + indent(level) + ')';
    }
    case 'ParenExpr':
      if (!split) return indent(level) + oneLine;
      return indent(level) + '(\n' + pretty(node.expr, level + 1, max) + '\n' + indent(level) + ')';
    case 'SubqueryExpr':
      // As Prometheus: no indentation when the subquery fits on one line.
      if (!split) return oneLine;
      return pretty(node.expr, level, max) + subqueryTimeSuffix(node);
    case 'UnaryExpr':
      return indent(level) + node.op + pretty(node.expr, level, max).trim();
    default:
      return indent(level) + oneLine;
  }
}
