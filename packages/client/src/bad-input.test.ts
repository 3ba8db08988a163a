import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VigilError } from '@vigil/model';
import { Counter, Gauge, Histogram, Pushgateway, Registry, Summary } from './index.js';

/**
 * Every case: the registry already holds some data; the bad call throws a `VigilError` (bad_data) whose
 * message says what is wrong; afterwards the registry writes exactly what it wrote before.
 */
interface Case {
  name: string;
  run: (r: Registry, m: { plain: Counter; labelled: Counter<'method' | 'code'>; gauge: Gauge; hist: Histogram<'a'> }) => unknown;
  message: RegExp;
}

/** A registry that must stay empty: a metric refused by another registry must not land here. */
const spare = new Registry();

const cases: Case[] = [
  { name: 'invalid metric name', run: (r) => new Counter({ name: 'bad-name', help: 'x', registers: [r] }), message: /metric "bad-name": invalid metric name/ },
  { name: 'metric name starting with a digit', run: (r) => new Gauge({ name: '1abc', help: 'x', registers: [r] }), message: /invalid metric name/ },
  { name: 'missing name', run: (r) => new Gauge({ name: '', help: 'x', registers: [r] }), message: /missing mandatory "name"/ },
  { name: 'missing help', run: (r) => new Gauge({ name: 'ok', help: '', registers: [r] }), message: /metric "ok": missing mandatory "help"/ },
  { name: 'invalid label name', run: (r) => new Counter({ name: 'c2', help: 'x', labelNames: ['bad-label'], registers: [r] }), message: /invalid label name "bad-label"/ },
  { name: 'reserved __ label name', run: (r) => new Counter({ name: 'c3', help: 'x', labelNames: ['__meta'], registers: [r] }), message: /label name "__meta" is reserved/ },
  { name: 'le on a histogram', run: (r) => new Histogram({ name: 'h2', help: 'x', labelNames: ['le'], registers: [r] }), message: /label name "le" is reserved/ },
  { name: 'quantile on a summary', run: (r) => new Summary({ name: 's2', help: 'x', labelNames: ['quantile'], registers: [r] }), message: /label name "quantile" is reserved/ },
  { name: 'label declared twice', run: (r) => new Counter({ name: 'c4', help: 'x', labelNames: ['a', 'a'], registers: [r] }), message: /label name "a" is declared twice/ },
  { name: 'name registered twice', run: (r) => new Gauge({ name: 'plain_total', help: 'x', registers: [r] }), message: /"plain_total" has already been registered/ },
  {
    name: 'name taken in the second of two registries',
    run: (r) => new Gauge({ name: 'plain_total', help: 'x', registers: [spare, r] }),
    message: /"plain_total" has already been registered/,
  },
  { name: 'buckets out of order', run: (r) => new Histogram({ name: 'h3', help: 'x', buckets: [1, 0.5], registers: [r] }), message: /buckets must be in increasing order: 1 is followed by 0.5/ },
  { name: 'percentile above 1', run: (r) => new Summary({ name: 's3', help: 'x', percentiles: [0.5, 1.5], registers: [r] }), message: /percentile 1.5 is not a number between 0 and 1/ },
  { name: 'exemplars on a text-format registry', run: (r) => new Counter({ name: 'c5', help: 'x', enableExemplars: true, registers: [r] }), message: /exemplars are supported only on OpenMetrics registries/ },
  { name: 'negative inc()', run: (_r, m) => m.plain.inc(-1), message: /metric "plain_total": counters only go up: cannot increase by -1/ },
  { name: 'negative inc() on a child', run: (_r, m) => m.labelled.labels('GET', '200').inc(-0.5), message: /counters only go up/ },
  { name: 'NaN inc()', run: (_r, m) => m.plain.inc(NaN), message: /increment is not a valid number: NaN/ },
  { name: 'infinite inc()', run: (_r, m) => m.labelled.inc({ method: 'GET' }, Infinity), message: /increment is not a valid number: Infinity/ },
  { name: 'string inc()', run: (_r, m) => m.plain.inc({}, '5' as unknown as number), message: /increment is not a valid number: "5"/ },
  { name: 'unknown label', run: (_r, m) => m.labelled.inc({ method: 'GET', status: '200' } as never), message: /label "status" is not among the declared label names \[method, code\]/ },
  { name: 'label on an unlabelled metric', run: (_r, m) => m.plain.inc({ a: 'x' } as never), message: /label "a" is not among the declared label names \[\]/ },
  { name: 'too few label values', run: (_r, m) => m.labelled.labels('GET'), message: /labels\(\) got 1 label value \("GET"\) for 2 label names \(method, code\)/ },
  { name: 'too many label values', run: (_r, m) => m.labelled.labels('GET', '200', 'x'), message: /got 3 label values .* for 2 label names/ },
  { name: 'wrong count in remove()', run: (_r, m) => m.labelled.remove('GET'), message: /remove\(\) got 1 label value/ },
  { name: 'gauge set to a string', run: (_r, m) => m.gauge.set('x' as unknown as number), message: /metric "g": value is not a valid number: "x"/ },
  { name: 'gauge inc by undefined-like value', run: (_r, m) => m.gauge.inc(null as unknown as number), message: /increment is not a valid number: null/ },
  { name: 'NaN observation', run: (_r, m) => m.hist.observe({ a: 'x' }, NaN), message: /metric "h": observation is not a valid number: NaN/ },
  { name: 'observation with an unknown label', run: (_r, m) => m.hist.observe({ b: 'x' } as never, 1), message: /label "b" is not among/ },
  { name: 'invalid default label name', run: (r) => r.setDefaultLabels({ 'bad name': 'x' }), message: /invalid default label name "bad name"/ },
  { name: 'unsupported content type', run: (r) => r.setContentType('text/html' as never), message: /content type "text\/html" is unsupported/ },
  { name: 'push without a job name', run: (r) => new Pushgateway('http://127.0.0.1:1', {}, r).push({ jobName: '' }), message: /missing jobName/ },
];

async function setup(): Promise<{ r: Registry; m: Parameters<Case['run']>[1] }> {
  const r = new Registry();
  r.setDefaultLabels({ env: 'test' });
  const plain = new Counter({ name: 'plain_total', help: 'P.', registers: [r] });
  const labelled = new Counter({ name: 'labelled_total', help: 'L.', labelNames: ['method', 'code'] as const, registers: [r] });
  const gauge = new Gauge({ name: 'g', help: 'G.', registers: [r] });
  const hist = new Histogram({ name: 'h', help: 'H.', labelNames: ['a'] as const, buckets: [1], registers: [r] });
  plain.inc(3);
  labelled.inc({ method: 'POST', code: '201' }, 2);
  gauge.set(7);
  hist.observe({ a: 'y' }, 0.5);
  return { r, m: { plain, labelled, gauge, hist } };
}

for (const c of cases) {
  test(`bad input: ${c.name}`, async () => {
    const { r, m } = await setup();
    const before = await r.metrics();
    assert.throws(
      () => c.run(r, m),
      (e: unknown) => e instanceof VigilError && e.code === 'bad_data' && c.message.test(e.message),
      `expected a VigilError matching ${c.message}`,
    );
    assert.equal(await r.metrics(), before, 'nothing recorded changed');
    assert.equal(spare.getMetricsAsArray().length, 0, 'nothing registered elsewhere');
  });
}

test('bad input: an exemplar label set over 128 characters changes neither the value nor the exemplar', async () => {
  const r = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
  const c = new Counter({ name: 'ex_total', help: 'E.', enableExemplars: true, registers: [r] });
  c.inc({ value: 1, exemplarLabels: { trace_id: 'a' } });
  const before = await r.metrics();
  assert.throws(() => c.inc({ value: 5, exemplarLabels: { trace_id: 'x'.repeat(130) } }), /exemplar labels are 138 characters long, OpenMetrics allows at most 128/);
  assert.throws(() => c.inc({ value: 5, exemplarLabels: { 'bad-name': 'x' } }), /invalid exemplar label name "bad-name"/);
  assert.equal(await r.metrics(), before);
});

test('bad input: a collect callback that throws fails the scrape, not the registry', async () => {
  const r = new Registry();
  const g = new Gauge({ name: 'ok', help: 'O.', registers: [r] });
  g.set(1);
  const broken = new Gauge({
    name: 'broken',
    help: 'B.',
    registers: [r],
    collect() {
      throw new Error('sensor unplugged');
    },
  });
  await assert.rejects(r.metrics(), /sensor unplugged/);
  r.removeSingleMetric(broken.name);
  assert.equal(await r.metrics(), '# HELP ok O.\n# TYPE ok gauge\nok 1\n');
});
