/**
 * `/api/v1/parse_query`: the syntax tree as the JSON object Prometheus 3.x returns for its UI's tree
 * view (`translateAST`). Go writes these objects from maps, so keys come out sorted.
 */
import type { Matcher } from '@vigil/model';
import type { DurationExpr, Expr, NumberLiteral } from '@vigil/promql';
import { formatFloatFixed } from '@vigil/model';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function matchers(ms: readonly Matcher[]): Json {
  return ms.map((m) => ({ name: m.name, type: m.type, value: m.value }));
}

function durationExpr(node: DurationExpr | NumberLiteral | null): Json {
  if (node === null) return null;
  if (node.kind === 'NumberLiteral') return { duration: node.duration, type: 'numberLiteral', val: formatFloatFixed(node.value) };
  return { lhs: durationExpr(node.lhs), op: node.op, rhs: durationExpr(node.rhs), type: 'durationExpr', wrapped: node.wrapped };
}

export function translateAST(node: Expr | null): Json {
  if (node === null) return null;
  switch (node.kind) {
    case 'AggregateExpr':
      return { expr: translateAST(node.expr), grouping: [...node.grouping], op: node.op, param: translateAST(node.param), type: 'aggregation', without: node.without };
    case 'BinaryExpr': {
      const m = node.vectorMatching;
      const matching: Json =
        m === null
          ? null
          : { card: m.card, fillValues: { lhs: m.fillValues.lhs, rhs: m.fillValues.rhs }, include: [...m.include], labels: [...m.matchingLabels], on: m.on };
      return { bool: node.returnBool, lhs: translateAST(node.lhs), matching, op: node.op, rhs: translateAST(node.rhs), type: 'binaryExpr' };
    }
    case 'Call':
      return {
        args: node.args.map((a) => translateAST(a)),
        func: { argTypes: [...node.func.argTypes], name: node.func.name, returnType: node.func.returnType, variadic: node.func.variadic },
        type: 'call',
      };
    case 'MatrixSelector': {
      const vs = node.vectorSelector;
      return {
        anchored: vs.anchored,
        matchers: matchers(vs.matchers),
        name: vs.name,
        offset: vs.originalOffset,
        offsetExpr: durationExpr(vs.offsetExpr),
        range: node.range,
        rangeExpr: durationExpr(node.rangeExpr),
        smoothed: vs.smoothed,
        startOrEnd: vs.startOrEnd,
        timestamp: vs.timestamp,
        type: 'matrixSelector',
      };
    }
    case 'SubqueryExpr':
      return {
        expr: translateAST(node.expr),
        offset: node.originalOffset,
        offsetExpr: durationExpr(node.offsetExpr),
        range: node.range,
        rangeExpr: durationExpr(node.rangeExpr),
        startOrEnd: node.startOrEnd,
        step: node.step,
        stepExpr: durationExpr(node.stepExpr),
        timestamp: node.timestamp,
        type: 'subquery',
      };
    case 'NumberLiteral':
      return { type: 'numberLiteral', val: formatFloatFixed(node.value) };
    case 'ParenExpr':
      return { expr: translateAST(node.expr), type: 'parenExpr' };
    case 'StringLiteral':
      return { type: 'stringLiteral', val: node.value };
    case 'UnaryExpr':
      return { expr: translateAST(node.expr), op: node.op, type: 'unaryExpr' };
    case 'VectorSelector':
      return {
        anchored: node.anchored,
        matchers: matchers(node.matchers),
        name: node.name,
        offset: node.originalOffset,
        offsetExpr: durationExpr(node.offsetExpr),
        smoothed: node.smoothed,
        startOrEnd: node.startOrEnd,
        timestamp: node.timestamp,
        type: 'vectorSelector',
      };
  }
}
