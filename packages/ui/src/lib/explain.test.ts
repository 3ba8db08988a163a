import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, type ExplainNode } from './explain.js';

const shape = (n: ExplainNode): unknown => (n.children.length === 0 ? `${n.type} ${n.text}` : [`${n.type} ${n.text}`, ...n.children.map(shape)]);

test('explain builds the tree of sub-expressions', () => {
  const cases: { expr: string; want: unknown }[] = [
    { expr: 'up', want: 'VectorSelector up' },
    { expr: '42', want: 'NumberDurationLiteral 42' },
    {
      expr: 'sum by (job) (rate(http_requests_total{code="500"}[5m]))',
      want: [
        'AggregateExpr sum by (job) (rate(http_requests_total{code="500"}[5m]))',
        ['FunctionCall rate(http_requests_total{code="500"}[5m])', ['MatrixSelector http_requests_total{code="500"}[5m]', 'VectorSelector http_requests_total{code="500"}']],
      ],
    },
    {
      expr: 'a / on(job) group_left b > 0.5',
      want: ['BinaryExpr a / on(job) group_left b > 0.5', ['BinaryExpr a / on(job) group_left b', 'VectorSelector a', 'VectorSelector b'], 'NumberDurationLiteral 0.5'],
    },
    {
      expr: 'histogram_quantile(0.9, sum by (le) (rate(x_bucket[1m])))',
      want: [
        'FunctionCall histogram_quantile(0.9, sum by (le) (rate(x_bucket[1m])))',
        'NumberDurationLiteral 0.9',
        ['AggregateExpr sum by (le) (rate(x_bucket[1m]))', ['FunctionCall rate(x_bucket[1m])', ['MatrixSelector x_bucket[1m]', 'VectorSelector x_bucket']]],
      ],
    },
    { expr: '-(foo)', want: ['UnaryExpr -(foo)', ['ParenExpr (foo)', 'VectorSelector foo']] },
    { expr: 'max_over_time(foo[1h:5m])', want: ['FunctionCall max_over_time(foo[1h:5m])', ['SubqueryExpr foo[1h:5m]', 'VectorSelector foo']] },
    { expr: 'foo offset 5m', want: ['OffsetExpr foo offset 5m', 'VectorSelector foo'] },
    { expr: 'label_replace(up, "a", "$1", "b", "(.*)")', want: ['FunctionCall label_replace(up, "a", "$1", "b", "(.*)")', 'VectorSelector up', 'StringLiteral "a"', 'StringLiteral "$1"', 'StringLiteral "b"', 'StringLiteral "(.*)"'] },
  ];
  for (const c of cases) {
    const r = explain(c.expr);
    assert.deepEqual(r.errors, [], c.expr);
    assert.deepEqual(shape(r.root!), c.want, c.expr);
  }
});

test('explain describes what each node does', () => {
  const root = explain('sum by (job) (rate(http_requests_total[5m])) / on(job) count(up == 1)').root!;
  assert.match(root.description, /^divides the left and right sides, matching series on\(job\)/);
  const [sum, count] = root.children;
  assert.equal(sum!.description, 'sums by (job)');
  assert.equal(count!.description, 'counts the series over all series');
  assert.match(sum!.children[0]!.description, /per-second average rate/);
  assert.equal(sum!.children[0]!.children[0]!.description, 'selects every sample of the last 5m for each series');
  assert.equal(count!.children[0]!.description, 'keeps where equal (==) the left and right sides, matching series on all labels');
  assert.equal(explain('up{job="a"}').root!.description, 'selects the latest sample of each series named up matching {job="a"}');
  assert.equal(explain('x == bool 1').root!.description.startsWith('returns 1 or 0 for equal'), true);
});

test('explain reports syntax errors with their position', () => {
  const r = explain('sum(rate(x[5m])');
  assert.ok(r.errors.length > 0);
  assert.match(r.errors[0]!.message, /syntax error at position \d+/);
  assert.equal(explain('').root, null);
});
