import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gauge, Registry } from './index.js';

test('gauge: set, inc, dec, with and without labels', async () => {
  const r = new Registry();
  const g = new Gauge({ name: 'temp', help: 'T.', registers: [r] });
  g.set(10);
  g.inc();
  g.inc(4);
  g.dec();
  g.dec(0.5);
  g.set({}, g._getValue() + 1); // the label-object form with no labels
  const l = new Gauge({ name: 'queue', help: 'Q.', labelNames: ['q'], registers: [r] });
  l.set({ q: 'a' }, 3);
  l.inc({ q: 'a' });
  l.dec({ q: 'b' }, 2);
  l.labels('c').set(-1.5);
  l.labels('c').inc(0.25);
  l.labels({ q: 'c' }).dec();
  assert.equal(
    await r.metrics(),
    [
      '# HELP temp T.',
      '# TYPE temp gauge',
      'temp 14.5',
      '# HELP queue Q.',
      '# TYPE queue gauge',
      'queue{q="a"} 4',
      'queue{q="b"} -2',
      'queue{q="c"} -2.25',
      '',
    ].join('\n'),
  );
  assert.equal(l._getValue({ q: 'a' }), 4);
});

test('gauge: NaN and infinities are values a gauge may hold', async () => {
  const r = new Registry();
  const g = new Gauge({ name: 'g', help: 'G.', labelNames: ['k'], registers: [r] });
  g.set({ k: 'nan' }, NaN);
  g.set({ k: 'inf' }, Infinity);
  g.set({ k: 'ninf' }, -Infinity);
  g.set({ k: 'big' }, 1234567);
  g.set({ k: 'small' }, 0.000012);
  assert.equal(
    await r.metrics(),
    '# HELP g G.\n# TYPE g gauge\ng{k="nan"} NaN\ng{k="inf"} +Inf\ng{k="ninf"} -Inf\ng{k="big"} 1.234567e+06\ng{k="small"} 1.2e-05\n',
  );
});

test('gauge: setToCurrentTime and startTimer, labels given at start and end', async () => {
  const r = new Registry();
  const g = new Gauge({ name: 'ts', help: 'T.', labelNames: ['a', 'b'], registers: [r] });
  const before = Date.now() / 1000;
  g.setToCurrentTime({ a: 'now' });
  const after = Date.now() / 1000;
  const v = g._getValue({ a: 'now' });
  assert.ok(v >= before && v <= after, `${v} within [${before}, ${after}]`);
  const end = g.startTimer({ a: 'timer' });
  await new Promise((res) => setTimeout(res, 20));
  const seconds = end({ b: 'x' });
  assert.ok(seconds >= 0.015 && seconds < 5, `timer measured ${seconds}s`);
  assert.equal(g._getValue({ a: 'timer', b: 'x' }), seconds);
  const child = g.labels('c', 'd');
  child.setToCurrentTime();
  const stop = child.startTimer();
  const s2 = stop();
  assert.equal(g._getValue({ a: 'c', b: 'd' }), s2);
});

test('gauge children: a removed child comes back on its next update', async () => {
  const r = new Registry();
  const g = new Gauge({ name: 'c', help: 'C.', labelNames: ['k'], registers: [r] });
  const child = g.labels('x');
  child.set(5);
  g.reset();
  assert.equal(await r.metrics(), '# HELP c C.\n# TYPE c gauge\n');
  child.inc();
  assert.equal(await r.metrics(), '# HELP c C.\n# TYPE c gauge\nc{k="x"} 1\n');
});
