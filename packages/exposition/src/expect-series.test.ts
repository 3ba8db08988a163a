/**
 * `expectSeries`: a line that starts with the expected series text reads exactly as it reads when scanned
 * in full (series, name, labels, value, timestamp, family), whether the key is given as a string or as
 * bytes, and whether or not the parser has its input's bytes; a line that does not is scanned in full.
 * `seriesIs`, `seriesIsBytes` and `seriesHash` compare and hash the series text in place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryType, type ExpositionParser } from './parser.js';
import { seriesHash } from './parser-syntax.js';
import { TextParser } from './text-parser.js';
import { OpenMetricsParser } from './om-parser.js';

const TEXT = [
  '# HELP a A counter.',
  '# TYPE a counter',
  'a 1',
  'a{} 2',
  'a {x="1"} 3',
  'a{x="2",} 4',
  'a { x = "3" , y="z" } 5',
  'a{x="q\\"uote\\\\ and \\n"} 6',
  'a{x="4"} 7 1700000000000',
  'a{x="5"}8',
  '# TYPE h histogram',
  'h_bucket{le="1"} 1',
  'h_bucket{le="+Inf"} 2',
  'h_count 2',
  'h_sum 0.5',
  '{"quoted.name",x="1"} 9',
  '  indented{x="1"} 10',
  'b\t11',
].join('\n') + '\n';

interface Seen {
  series: string;
  name: string;
  labels: string;
  each: string[];
  value: number;
  timestamp: number;
  family: string;
  type: string;
  matched: boolean;
}

function read(p: ExpositionParser, expect?: (i: number) => void): Seen[] {
  const out: Seen[] = [];
  for (;;) {
    expect?.(out.length);
    const e = p.next();
    if (e === EntryType.EOF) return out;
    if (e !== EntryType.Series) continue;
    const each: string[] = [];
    for (let i = 0; i < p.labelCount(); i++) each.push(`${p.labelName(i)}=${p.labelValue(i)}`);
    out.push({
      series: p.series(), name: p.metricName(), labels: p.labels().toString(), each, value: p.value, timestamp: p.timestamp,
      family: p.familyName(), type: p.familyType(), matched: p.seriesMatched,
    });
  }
}

/** The keys as ASCII bytes in one buffer (offsets returned). */
function arena(keys: string[]): { view: DataView; offsets: number[] } {
  const bytes = Buffer.from(keys.join(''), 'latin1');
  const offsets: number[] = [];
  let at = 0;
  for (const k of keys) {
    offsets.push(at);
    at += k.length;
  }
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length), offsets };
}

test('a line that starts with the expected series reads as it reads when scanned', () => {
  const full = read(new TextParser(TEXT));
  const keys = full.map((s) => s.series);
  const { view, offsets } = arena(keys);
  const input = Buffer.from(TEXT, 'latin1');
  const cases: Array<[string, () => ExpositionParser, (p: ExpositionParser, i: number) => void]> = [
    ['string key', () => new TextParser(TEXT), (p, i) => i < keys.length && p.expectSeries(keys[i])],
    ['byte key', () => new TextParser(TEXT), (p, i) => i < keys.length && p.expectSeriesBytes(view, offsets[i], keys[i].length)],
    ['byte key, input bytes', () => new TextParser(TEXT, { bytes: input }), (p, i) => i < keys.length && p.expectSeriesBytes(view, offsets[i], keys[i].length)],
    ['string key, input bytes', () => new TextParser(TEXT, { bytes: input }), (p, i) => i < keys.length && p.expectSeries(keys[i])],
  ];
  for (const [name, make, expect] of cases) {
    const p = make();
    const got = read(p, (i) => expect(p, i));
    assert.equal(got.length, full.length, name);
    for (let i = 0; i < full.length; i++) {
      // The quoted-name form is always scanned.
      const matched = !keys[i].startsWith('{');
      assert.deepEqual(got[i], { ...full[i], matched }, `${name}: ${keys[i]}`);
    }
  }
});

const OM = [
  '# TYPE a counter',
  '# HELP a A counter.',
  'a_total 1',
  'a_total{x="1"} 2 1700000000.5',
  'a_total{x="2",y="q\\"uote\\\\ and \\n"} 3 # {trace_id="abc"} 1 1700000000.1',
  'a_created{x="2",y="q\\"uote\\\\ and \\n"} 1700000000',
  '# TYPE h histogram',
  'h_bucket{le="1"} 1',
  'h_bucket{le="+Inf"} 2 # {trace_id="def"} 0.5',
  'h_count 2',
  'h_sum 0.5',
  '# TYPE "quoted.name" gauge',
  '{"quoted.name",x="1"} 9',
  '# EOF',
].join('\n') + '\n';

test('OpenMetrics: a line that starts with the expected series reads as it reads when scanned', () => {
  const exemplars = (p: OpenMetricsParser) => {
    const out: string[] = [];
    for (let e = p.next(); e !== EntryType.EOF; e = p.next()) if (e === EntryType.Series) out.push(JSON.stringify(p.exemplar() ?? null));
    return out;
  };
  const full = read(new OpenMetricsParser(OM));
  const fullExemplars = exemplars(new OpenMetricsParser(OM));
  const keys = full.map((s) => s.series);
  const { view, offsets } = arena(keys);
  const input = Buffer.from(OM, 'latin1');
  const cases: Array<[string, () => OpenMetricsParser, (p: ExpositionParser, i: number) => void]> = [
    ['string key', () => new OpenMetricsParser(OM), (p, i) => i < keys.length && p.expectSeries(keys[i])],
    ['byte key, input bytes', () => new OpenMetricsParser(OM, { bytes: input }), (p, i) => i < keys.length && p.expectSeriesBytes(view, offsets[i], keys[i].length)],
  ];
  for (const [name, make, expect] of cases) {
    const p = make();
    const got = read(p, (i) => expect(p, i));
    for (let i = 0; i < full.length; i++) assert.deepEqual(got[i], { ...full[i], matched: !keys[i].startsWith('{') }, `${name}: ${keys[i]}`);
    const q = make();
    let n = 0;
    const ex: string[] = [];
    for (;;) {
      if (n < keys.length) expect(q, n);
      const e = q.next();
      if (e === EntryType.EOF) break;
      if (e !== EntryType.Series) continue;
      assert.equal(q.seriesMatched, !keys[n].startsWith('{'));
      ex.push(JSON.stringify(q.exemplar() ?? null));
      n++;
    }
    assert.deepEqual(ex, fullExemplars, `${name}: exemplars`);
  }
  // The strict parser reads every label: it takes no shortcut.
  const strict = new OpenMetricsParser(OM, { strict: true });
  const got = read(strict, (i) => i < keys.length && strict.expectSeries(keys[i]));
  assert.deepEqual(got, full);
});

test('a line that does not start with the expected series is scanned in full', () => {
  const cases: Array<[string, string, string]> = [
    // [expected key, line, what the line's series is]
    ['a{x="1"}', 'a{x="10"} 1', 'a{x="10"}'],
    ['a', 'ab 1', 'ab'],
    ['a', 'a {x="1"} 1', 'a {x="1"}'],
    ['a', 'a{x="1"} 1', 'a{x="1"}'],
    ['a{x="1"}', 'b{x="1"} 1', 'b{x="1"}'],
    ['a{x="1"}', 'a{x="1"', ''],
  ];
  for (const [key, line, series] of cases) {
    for (const bytes of [false, true]) {
      const p = new TextParser(line + '\n', bytes ? { bytes: Buffer.from(line + '\n', 'latin1') } : {});
      p.expectSeries(key);
      if (series === '') {
        assert.throws(() => p.next(), /line 1/, `${key} on ${line}`);
        continue;
      }
      assert.equal(p.next(), EntryType.Series);
      assert.equal(p.seriesMatched, false, `${key} on ${line}`);
      assert.equal(p.series(), series, `${key} on ${line}`);
      assert.equal(p.value, 1);
    }
  }
});

test('after a match the value and timestamp are still checked', () => {
  for (const [line, err] of [['a{x="1"} abc', /invalid value "abc"/], ['a{x="1"} 1 2 3', /end of line after the timestamp/], ['a{x="1"} 1 1.5', /invalid timestamp/]] as const) {
    const p = new TextParser(line + '\n');
    p.expectSeries('a{x="1"}');
    assert.throws(() => p.next(), err, line);
  }
});

test('an expectation waits for the next sample line and applies to it only', () => {
  const p = new TextParser('# HELP a Help.\n# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n');
  p.expectSeries('a{x="1"}');
  assert.equal(p.next(), EntryType.Help);
  assert.equal(p.next(), EntryType.Type);
  assert.equal(p.next(), EntryType.Series);
  assert.equal(p.seriesMatched, true);
  assert.equal(p.next(), EntryType.Series);
  assert.equal(p.seriesMatched, false, 'not expected again');
  assert.equal(p.series(), 'a{x="1"}');
});

test('seriesIs, seriesIsBytes and seriesHash read the series in place', () => {
  const text = 'm{a="1"} 1\nm{a="2"} 2\n# EOF\n';
  const keys = ['m{a="1"}', 'm{a="2"}'];
  const { view, offsets } = arena(keys);
  for (const make of [() => new TextParser(text.replace('# EOF\n', '')), () => new OpenMetricsParser(text), () => new TextParser(text.replace('# EOF\n', ''), { bytes: Buffer.from(text.replace('# EOF\n', ''), 'latin1') })]) {
    const p = make();
    for (let i = 0; i < 2; i++) {
      p.expectSeries(keys[i]);
      assert.equal(p.next(), EntryType.Series);
      assert.equal(p.seriesIs(keys[i]), true);
      assert.equal(p.seriesIs(keys[1 - i]), false);
      assert.equal(p.seriesIs(keys[i] + ' '), false);
      assert.equal(p.seriesIsBytes(view, offsets[i], keys[i].length), true);
      assert.equal(p.seriesIsBytes(view, offsets[1 - i], keys[i].length), false);
      assert.equal(p.seriesIsBytes(view, offsets[1], 100), false, 'out of the buffer: no match, no error');
      assert.equal(p.seriesHash(), seriesHash(p.series()));
      assert.equal(p.seriesHash(), seriesHash(keys[i]));
      assert.notEqual(p.seriesHash(), seriesHash(keys[1 - i]));
    }
  }
});

test('familyNameIs, helpIs and unitIs compare metadata in place, escapes included', () => {
  const cases: Array<[string, () => ExpositionParser]> = [
    ['text', () => new TextParser('# HELP a A \\\\ b\\n c \\x.\n# TYPE a counter\n# HELP "x.y" X.\na 1\n')],
    ['OpenMetrics', () => new OpenMetricsParser('# HELP a_seconds A \\\\ b\\n c.\n# TYPE a_seconds counter\n# UNIT a_seconds seconds\n# HELP "x.y" X.\na_seconds_total 1\n# EOF\n')],
  ];
  for (const [name, make] of cases) {
    const p = make();
    for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
      const fam = p.familyName();
      assert.equal(p.familyNameIs(fam), true, `${name}: ${fam}`);
      assert.equal(p.familyNameIs(fam + 'x'), false);
      assert.equal(p.familyNameIs(fam.slice(0, -1) + 'z'), false);
      const help = p.help();
      assert.equal(p.helpIs(help), true, `${name}: help ${JSON.stringify(help)}`);
      assert.equal(p.helpIs(help + '.'), false);
      if (help.includes('\\') || help.includes('\n')) {
        assert.equal(p.helpIs(help.replace('\n', '\\n')), false, 'the text as written is not the help text');
      }
      assert.equal(p.unitIs(p.unit()), true);
      assert.equal(p.unitIs(p.unit() + 's'), false);
    }
  }
});
