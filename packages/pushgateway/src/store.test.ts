import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricStore } from './store.js';
import { parseText } from './text-parser.js';
import { Kind, familyFromProto } from './family.js';
import { mergeFamilies, renderText } from './render.js';
import { parseGroupSelector, selectorMatches } from './selector.js';

const body = (s: string) => parseText(Buffer.from(s, 'utf8')).values();
const key = (...flat: string[]) => {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return pairs.flat();
};
const text = (s: MetricStore) => Buffer.concat(renderText(mergeFamilies(s, []))).toString('utf8');
/** The exposition without push time families. */
const pushed = (s: MetricStore) => text(s).split('\n').filter((l) => l !== '' && !/push_(failure_)?time_seconds/.test(l)).join('\n');

interface Case {
  name: string;
  /** Earlier pushes (all must succeed): grouping, body, PUT? */
  setup?: Array<[string[], string, boolean?]>;
  push: [string[], string, boolean?];
  /** `ok`, or a regular expression for the error. */
  want: 'ok' | RegExp;
}

const J = (job: string, ...rest: string[]) => key('job', job, ...rest);

const cases: Case[] = [
  { name: 'a first push', push: [J('a'), 'x 1\n'], want: 'ok' },
  { name: 'timestamps are refused', push: [J('a'), 'x 1 5\n'], want: /^pushed metrics must not have timestamps$/ },
  { name: 'type conflict with another group', setup: [[J('a'), '# TYPE x gauge\nx 1\n']], push: [J('b'), '# TYPE x counter\nx 1\n'], want: /^collected metric "x" \{ label:<name:"instance" value:"" > label:<name:"job" value:"b" > counter:<value:1 > \} is not a GAUGE$/ },
  { name: 'the same group may change a type by PUT', setup: [[J('a'), '# TYPE x gauge\nx 1\n']], push: [J('a'), '# TYPE x counter\nx 1\n', true], want: 'ok' },
  { name: 'or by POST of that family', setup: [[J('a'), '# TYPE x gauge\nx 1\n']], push: [J('a'), '# TYPE x counter\nx 1\n'], want: 'ok' },
  { name: 'but not while another group holds the old type', setup: [[J('a'), '# TYPE x gauge\nx 1\n'], [J('b'), '# TYPE x gauge\nx 2\n']], push: [J('a'), '# TYPE x counter\nx 1\n', true], want: /is not a GAUGE/ },
  { name: 'duplicate in one push', push: [J('a'), 'x{a="1"} 1\nx{a="1"} 2\n'], want: /was collected before with the same name and label values$/ },
  { name: 'duplicate across groups', setup: [[J('a'), 'x{foo="bar"} 1\n']], push: [J('a', 'foo', 'bar'), 'x 1\n'], want: /"x" \{ label:<name:"foo" value:"bar" > .* was collected before/ },
  { name: 'no duplicate with what the push replaces', setup: [[J('a'), 'x{foo="bar"} 1\n']], push: [J('a'), 'x{foo="bar"} 2\n'], want: 'ok' },
  { name: 'grouping labels override pushed ones', push: [J('a'), 'x{job="zzz"} 1\n'], want: 'ok' },
  { name: 'the override can make duplicates', push: [J('a'), 'x{job="zzz"} 1\nx 2\n'], want: /was collected before/ },
  { name: 'summary _count collides with a summary', setup: [[J('a'), '# TYPE s summary\ns_sum 1\ns_count 1\n']], push: [J('b'), 's_count 1\n'], want: /^collected metric named "s_count" collides with previously collected summary named "s"$/ },
  { name: 'a summary collides with an existing _sum', setup: [[J('a'), 's_sum 1\n']], push: [J('b'), '# TYPE s summary\ns_sum 1\ns_count 1\n'], want: /^collected histogram or summary named "s" collides with previously collected metric named "s_sum"$/ },
  { name: 'a histogram collides with an existing _bucket', setup: [[J('a'), 'h_bucket 1\n']], push: [J('b'), '# TYPE h histogram\nh_bucket{le="1"} 1\n'], want: /^collected histogram named "h" collides with previously collected metric named "h_bucket"$/ },
  { name: 'a summary and _bucket coexist', setup: [[J('a'), '# TYPE s summary\ns_sum 1\ns_count 1\n']], push: [J('b'), 's_bucket 1\n'], want: 'ok' },
  { name: 'collision inside one push', push: [J('a'), '# TYPE h_bucket gauge\nh_bucket 3\n# TYPE h histogram\nh_sum 1\nh_count 1\n'], want: /^collected metric named "h_bucket" collides with previously collected histogram named "h"$/ },
  { name: 'own metric type', push: [J('a'), '# TYPE own_total gauge\nown_total 1\n'], want: /^gathered metric family own_total has type GAUGE but should have COUNTER$/ },
  { name: 'own metric of the same type', push: [J('a'), '# TYPE own_total counter\nown_total 1\n'], want: 'ok' },
  { name: 'several problems at once', push: [J('a'), 'x{a="1"} 1\nx{a="1"} 2\ny{b="1"} 1\ny{b="1"} 2\n'], want: /^2 error\(s\) occurred:\n\* collected metric "x" .*\n\* collected metric "y" / },
  { name: 'a summary with an explicit quantile label', push: [J('a', 'quantile', '0.5'), '# TYPE s summary\ns_sum 1\ns_count 1\n'], want: /must not have an explicit "quantile" label/ },
  { name: 'push_time_seconds pushed is ignored', push: [J('a'), '# TYPE push_time_seconds counter\npush_time_seconds 3\n'], want: 'ok' },
];

test('store: consistency checks', () => {
  for (const c of cases) {
    const s = new MetricStore({ ownFamilies: new Map([['own_total', { type: Kind.Counter, help: 'Own.' }]]) });
    let t = 1000;
    for (const [g, b, put] of c.setup ?? []) {
      const r = s.push(g, body(b), put ?? false, t++);
      assert.ok(r.ok, `${c.name}: setup push failed: ${r.ok ? '' : r.error}`);
    }
    const before = pushed(s);
    const r = s.push(c.push[0], body(c.push[1]), c.push[2] ?? false, t);
    if (c.want === 'ok') {
      assert.ok(r.ok, `${c.name}: ${r.ok ? '' : r.error}`);
    } else {
      assert.ok(!r.ok, `${c.name}: accepted`);
      assert.match(r.error, c.want, c.name);
      // Nothing of a rejected push is stored.
      assert.equal(pushed(s), before, `${c.name}: store changed`);
      // But its time is recorded.
      assert.equal(s.getGroup(c.push[0])!.failureTime, t / 1000, c.name);
    }
  }
});

test('store: PUT replaces the group, POST the families pushed, DELETE the group', () => {
  const s = new MetricStore();
  const g = J('batch', 'instance', 'i1');
  assert.ok(s.push(g, body('a 1\nb 2\n'), true, 1000).ok);
  assert.ok(s.push(g, body('b 3\nc 4\n'), false, 2000).ok);
  assert.equal(pushed(s), '# TYPE a untyped\na{instance="i1",job="batch"} 1\n# TYPE b untyped\nb{instance="i1",job="batch"} 3\n# TYPE c untyped\nc{instance="i1",job="batch"} 4');
  assert.ok(s.push(g, body('d 5\n'), true, 3000).ok);
  assert.equal(pushed(s), '# TYPE d untyped\nd{instance="i1",job="batch"} 5');
  // An empty POST only moves the push time; an empty PUT empties the group.
  assert.ok(s.push(g, body(''), false, 4000).ok);
  assert.equal(s.getGroup(g)!.pushTime, 4);
  assert.equal(pushed(s), '# TYPE d untyped\nd{instance="i1",job="batch"} 5');
  assert.ok(s.push(g, body(''), true, 5000).ok);
  assert.equal(pushed(s), '');
  assert.match(text(s), /push_time_seconds\{instance="i1",job="batch"\} 5\n/);
  assert.equal(s.delete(g), true);
  assert.equal(s.delete(g), false);
  assert.equal(text(s), '');
});

test('store: push times and failure times per group', () => {
  const s = new MetricStore();
  const g = J('j');
  assert.ok(!s.push(g, body('x 1 1\n'), false, 1500).ok);
  let grp = s.getGroup(g)!;
  assert.deepEqual([grp.pushTime, grp.failureTime, grp.lastPushSuccessful], [0, 1.5, false]);
  assert.ok(s.push(g, body('x 1\n'), false, 2500).ok);
  grp = s.getGroup(g)!;
  assert.deepEqual([grp.pushTime, grp.failureTime, grp.lastPushSuccessful], [2.5, 1.5, true]);
  assert.equal(text(s), [
    '# HELP push_failure_time_seconds Last Unix time when changing this group in the Pushgateway failed.',
    '# TYPE push_failure_time_seconds gauge',
    'push_failure_time_seconds{instance="",job="j"} 1.5',
    '# HELP push_time_seconds Last Unix time when changing this group in the Pushgateway succeeded.',
    '# TYPE push_time_seconds gauge',
    'push_time_seconds{instance="",job="j"} 2.5',
    '# TYPE x untyped',
    'x{instance="",job="j"} 1',
    '',
  ].join('\n'));
});

test('store: two groups may not expose the same push_time_seconds series', () => {
  const s = new MetricStore();
  assert.ok(s.push(J('a'), body('x 1\n'), false, 1000).ok);
  const r = s.push(J('a', 'instance', ''), body('y 1\n'), false, 2000);
  assert.ok(!r.ok);
  assert.match(r.error, /"push_time_seconds" .* was collected before/);
  assert.equal(s.size, 1);
});

test('store: exposition order is client_golang\'s (label count, then values)', () => {
  const s = new MetricStore();
  assert.ok(s.push(J('b'), body('m{z="1"} 1\n'), false, 1).ok);
  assert.ok(s.push(J('a'), body('m{z="2"} 2\nm 0\n'), false, 2).ok);
  assert.ok(s.push(J('a', 'x', 'y'), body('m 3\n'), false, 3).ok);
  assert.equal(pushed(s), [
    '# TYPE m untyped',
    'm{instance="",job="a"} 0',
    'm{instance="",job="a",z="2"} 2',
    'm{instance="",job="a",x="y"} 3',
    'm{instance="",job="b",z="1"} 1',
  ].join('\n'));
});

test('store: the latest pushed help wins across groups', () => {
  const s = new MetricStore();
  assert.ok(s.push(J('a'), body('# HELP h First.\nh 1\n'), false, 1).ok);
  assert.ok(s.push(J('b'), body('# HELP h Second.\nh 2\n'), false, 2).ok);
  assert.match(text(s), /# HELP h Second\.\n/);
  assert.ok(s.push(J('a'), body('# HELP h Third.\nh 1\n'), false, 3).ok);
  assert.match(text(s), /# HELP h Third\.\n/);
});

test('store: expiry drops groups not pushed to within the TTL, in push order', () => {
  const s = new MetricStore();
  assert.ok(s.push(J('a'), body('x 1\n'), false, 1000).ok);
  assert.ok(s.push(J('b'), body('x 2\n'), false, 2000).ok);
  assert.ok(!s.push(J('c'), body('x 3 1\n'), false, 3000).ok); // a failed push counts as a push
  assert.ok(s.push(J('a'), body('x 1\n'), false, 4000).ok); // a moves to the end
  assert.equal(s.expire(4500, 2000), 1); // b (2000) is older than 4500 - 2000
  assert.deepEqual([...s.groups.values()].map((g) => g.label('job')), ['c', 'a']);
  assert.equal(s.expire(6000, 2000), 2);
  assert.equal(s.size, 0);
  assert.equal(text(s), '');
  // The indexes are clean: the same series may come back.
  assert.ok(s.push(J('b'), body('# TYPE x gauge\nx 2\n'), false, 7000).ok);
});

test('store: delete by selector', () => {
  const s = new MetricStore();
  for (const [job, inst] of [['x', 'a1'], ['x', 'a2'], ['x', 'b1'], ['y', 'a1']]) assert.ok(s.push(J(job, 'instance', inst), body('m 1\n'), false, 1).ok);
  const sel = parseGroupSelector('{job="x",instance=~"a.*"}');
  const gone = s.deleteWhere((g) => selectorMatches(sel, g.labels));
  assert.deepEqual(gone.map((g) => g.label('instance')).sort(), ['a1', 'a2']);
  assert.deepEqual(s.sortedGroups().map((g) => `${g.label('job')}/${g.label('instance')}`), ['x/b1', 'y/a1']);
  // Absent labels read as empty.
  assert.equal(selectorMatches(parseGroupSelector('{job="x",zone=""}'), ['job', 'x']), true);
  assert.equal(selectorMatches(parseGroupSelector('{job="x",zone!=""}'), ['job', 'x']), false);
});

test('selector: syntax and its errors', () => {
  assert.equal(parseGroupSelector(` { job = "a\\"b", instance!~'x.*' , path=\`/tmp\`, } `).length, 3);
  const bad: Array<[string, RegExp]> = [
    ['[job="x"]', /at character 1: expected "\{"/],
    ['up{job="x"}', /without a metric name/],
    ['{job="x"', /expected "," or "\}"/],
    ['{job=x}', /expected a quoted label value/],
    ['{job=="x"}', /expected a quoted label value/],
    ['{}', /at least one matcher that does not match the empty value/],
    ['{job=~".*"}', /at least one matcher/],
    ['{job=~"("}', /invalid selector/],
    ['{1job="x"}', /expected a label name/],
    ['{job="x"} extra', /unexpected text after/],
  ];
  for (const [input, re] of bad) assert.throws(() => parseGroupSelector(input), re, input);
});

test('store: wiping 5,000 groups leaves nothing behind and the store usable', () => {
  const s = new MetricStore();
  for (let i = 0; i < 5000; i++) {
    let b = '# TYPE w gauge\n';
    for (let k = 0; k < 20; k++) b += `w{k="${k}"} ${i}\n`;
    assert.ok(s.push(J('wipe', 'instance', `i${i}`), body(b), true, i).ok);
  }
  assert.equal(s.size, 5000);
  assert.equal(s.seriesCount(), 5000 * 22);
  assert.equal(s.wipe(), 5000);
  assert.equal(s.size, 0);
  assert.equal(text(s), '');
  assert.equal([...s.familyNames()].length, 0);
  // Same series, another type: nothing remembers the wiped groups.
  assert.ok(s.push(J('wipe', 'instance', 'i1'), body('# TYPE w counter\nw{k="1"} 1\n'), true, 1).ok);
  // Deleting most of them by selector leaves the rest intact.
  for (let i = 0; i < 5000; i++) assert.ok(s.push(J('sel', 'instance', `i${i}`), body(`# TYPE w counter\nw{k="x"} ${i}\n`), true, i).ok);
  const sel = parseGroupSelector('{job="sel"}');
  assert.equal(s.deleteWhere((g) => selectorMatches(sel, g.labels)).length, 5000);
  assert.equal(s.size, 1);
  assert.equal(pushed(s), '# TYPE w counter\nw{instance="i1",job="wipe",k="1"} 1');
});

test('store: protobuf metrics with the wrong value field are refused, even unchecked', () => {
  for (const check of [true, false]) {
    const s = new MetricStore({ checkConsistency: check });
    const f = familyFromProto({ name: 'p', type: 1, metric: [{ counter: { value: 1 } }] });
    const r = s.push(J('a'), [f], false, 1);
    assert.ok(!r.ok);
    assert.match(r.error, /"p" \{ label:<name:"instance" value:"" > label:<name:"job" value:"a" > counter:<value:1 > \} is not a GAUGE/);
    const bad = familyFromProto({ name: 'bad-name', type: 1, metric: [{ gauge: { value: 1 } }] });
    assert.match((s.push(J('a'), [bad], false, 2) as { error: string }).error, /"bad-name" has an invalid metric name/);
    const gh = familyFromProto({ name: 'gh', type: 5, metric: [{ histogram: { sampleCount: 1 } }] });
    assert.match((s.push(J('a'), [gh], false, 3) as { error: string }).error, /GAUGE_HISTOGRAM/);
  }
});

test('store: replacing, deleting and expiring leave no index entries behind', () => {
  const s = new MetricStore();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 200; i++) {
      const b = `# TYPE r gauge\nr{k="${i % 7}",round="${round}"} 1\nr{k="x"} 2\n# TYPE only_${i % 3} counter\nonly_${i % 3} 1\n`;
      assert.ok(s.push(J('idx', 'instance', `i${i}`), body(b), round % 2 === 0, round * 1000 + i).ok);
    }
  }
  const full = s.indexSizes();
  assert.equal(full.identities, 200);
  assert.ok(full.seriesKeys >= 200 * 3 - 5, String(full.seriesKeys)); // rounds 0 (PUT), 1 (POST over it), 2 (PUT)
  for (let i = 0; i < 100; i++) assert.ok(s.delete(J('idx', 'instance', `i${i}`)));
  assert.equal(s.expire(10_000, 1), 100);
  assert.deepEqual(s.indexSizes(), { families: 0, seriesKeys: 0, identities: 0 });
});

test('store: unchecked pushes are stored as they come, and the scrape reports the damage', () => {
  const s = new MetricStore({ checkConsistency: false });
  assert.ok(s.push(J('a'), body('x{a="1"} 1\nx{a="1"} 2\n'), false, 1).ok);
  assert.throws(() => renderText(mergeFamilies(s, []), true), /was collected before with the same name and label values/);
});
