/**
 * The series cache finds each series again however the target reorders, adds or drops series between
 * scrapes (the expected-order shortcut only ever skips work), for text and OpenMetrics bodies, ASCII and
 * not, with and without the body's bytes; and a series is appended by ref when the previous scrape had it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '@vigil/model';
import { ScrapeCache, appendScrape, type AppendSettings } from './scrape-append.js';
import { RecordingStorage } from './recording-storage.js';

const settings: AppendSettings = {
  targetLabels: Labels.fromObject({ job: 'j', instance: 'i' }),
  honorLabels: false, honorTimestamps: true, trackTimestampsStaleness: false, metricRelabelConfigs: [],
  validationScheme: 'utf8', sampleLimit: 0, labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0,
};

/** Scrape bodies as series names in order; each sample's value is its scrape number. */
const SCRAPES: string[][] = [
  ['a', 'b', 'c', 'd', 'e'],
  ['a', 'b', 'c', 'd', 'e'],
  ['a', 'x', 'b', 'c', 'd', 'e'], // one added in the middle
  ['a', 'b', 'c', 'd', 'e'], // and gone again
  ['e', 'd', 'c', 'b', 'a'], // reversed
  ['c', 'a', 'e'], // two gone, shuffled
  ['a', 'b', 'c', 'd', 'e', 'f'], // back, one more at the end
  ['b', 'a', 'b', 'c', 'd', 'e', 'f'], // a duplicate
  ['a', 'b', 'c', 'd', 'e', 'f'],
];

function line(name: string, v: number, nonAscii: boolean): string {
  return `m{s="${name}",long_label_for_words="${nonAscii ? 'Grüße' : 'plain'}-${name}"} ${v}`;
}

test('series are found again whatever the order, and appended by ref when the last scrape had them', () => {
  const cases: Array<[string, boolean, string, boolean]> = [
    ['text with bytes', false, 'text/plain; version=0.0.4', true],
    ['text without bytes', false, 'text/plain; version=0.0.4', false],
    ['text, not ASCII', true, 'text/plain; version=0.0.4', false],
    ['OpenMetrics', false, 'application/openmetrics-text; version=1.0.0', true],
    ['OpenMetrics, not ASCII', true, 'application/openmetrics-text; version=1.0.0', false],
  ];
  for (const [name, nonAscii, contentType, withBytes] of cases) {
    const storage = new RecordingStorage();
    const cache = new ScrapeCache();
    const created = new Set<string>();
    for (let i = 0; i < SCRAPES.length; i++) {
      const om = contentType.startsWith('application/openmetrics-text');
      const text = SCRAPES[i].map((s) => line(s, i, nonAscii)).join('\n') + (om ? '\n# EOF\n' : '\n');
      const raw = withBytes ? Buffer.from(text, 'latin1') : undefined;
      const app = storage.appender();
      const byLabels = storage.appendsByLabels;
      const t = 1_000_000 + i * 15_000;
      const r = appendScrape(app, cache, settings, text, contentType, t, t, raw);
      void app.commit();
      assert.equal(r.error, undefined, `${name}, scrape ${i}`);
      // New to the cache: series not in the previous scrape (the cache forgets what a scrape did not have).
      const fresh = new Set(SCRAPES[i].filter((s) => i === 0 || !SCRAPES[i - 1].includes(s)));
      for (const s of fresh) created.add(s);
      assert.equal(storage.appendsByLabels - byLabels, fresh.size, `${name}, scrape ${i}: only new series appended by labels`);
      assert.equal(r.seriesAdded, fresh.size, `${name}, scrape ${i}`);
      const dup = SCRAPES[i].length - new Set(SCRAPES[i]).size;
      assert.equal(r.duplicates, dup, `${name}, scrape ${i}: duplicates`);
      for (const s of new Set(SCRAPES[i])) {
        const sel = { __name__: 'm', s, job: 'j', instance: 'i' };
        assert.equal(storage.last(sel), i, `${name}, scrape ${i}: ${s}`);
        assert.equal(storage.samples(storage.select(sel)[0]).t.at(-1), t, `${name}, scrape ${i}: ${s}`);
      }
    }
    // Every series scraped stays stored under one ref and its own labels.
    for (const s of created) {
      const got = storage.select({ __name__: 'm', s });
      assert.equal(got.length, 1, `${name}: ${s} stored once`);
      assert.equal(got[0].get('long_label_for_words'), `${nonAscii ? 'Grüße' : 'plain'}-${s}`);
    }
  }
});

test('a series that disappears gets a staleness marker; the cache forgets what is gone', () => {
  const storage = new RecordingStorage();
  const cache = new ScrapeCache();
  const bodies = ['m{s="a"} 1\nm{s="b"} 1\nm{s="c"} 1\n', 'm{s="a"} 2\nm{s="c"} 2\n', 'm{s="c"} 3\nm{s="a"} 3\n'];
  for (let i = 0; i < bodies.length; i++) {
    const app = storage.appender();
    const t = 1_000_000 + i * 15_000;
    assert.equal(appendScrape(app, cache, settings, bodies[i], 'text/plain', t, t, Buffer.from(bodies[i], 'latin1')).error, undefined);
    void app.commit();
  }
  const b = storage.samples(storage.select({ __name__: 'm', s: 'b' })[0]);
  assert.equal(b.t.length, 2);
  assert.ok(Number.isNaN(b.v[1]), 'staleness marker for b');
  assert.equal(cache.size, 2, 'b forgotten');
  assert.equal(storage.last({ __name__: 'm', s: 'a' }), 3);
  assert.equal(storage.last({ __name__: 'm', s: 'c' }), 3);
});

test('a series read from the text format is not taken as valid OpenMetrics when the target switches', () => {
  const storage = new RecordingStorage();
  const cache = new ScrapeCache();
  const scrapes: Array<[string, string, RegExp | undefined]> = [
    ['text/plain', 'm {s="a",} 1\n', undefined],
    // The same series text is not OpenMetrics (a blank before the braces, a trailing comma).
    ['application/openmetrics-text', 'm {s="a",} 2\n# EOF\n', /^line 1, column 3: invalid value "\{s=/],
    ['text/plain', 'm {s="a",} 3\n', undefined],
  ];
  for (let i = 0; i < scrapes.length; i++) {
    const [ct, body, err] = scrapes[i];
    const app = storage.appender();
    const t = 1_000_000 + i * 15_000;
    const r = appendScrape(app, cache, settings, body, ct, t, t, Buffer.from(body, 'latin1'));
    if (err === undefined) assert.equal(r.error, undefined, `scrape ${i}`);
    else assert.match(r.error ?? '', err, `scrape ${i}`);
    void (r.error === undefined ? app.commit() : app.rollback());
  }
  assert.equal(storage.last({ __name__: 'm', s: 'a' }), 3);
});

test('metadata follows what the target says, whatever changes between scrapes', () => {
  const storage = new RecordingStorage();
  const cache = new ScrapeCache();
  const fam = (name: string, type: string, help: string) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} 1\n`;
  const scrapes: Array<[string, string, Record<string, [string, string, string]>]> = [
    ['text/plain', fam('a', 'counter', 'A.') + fam('b', 'gauge', 'B.'), { a: ['counter', 'A.', ''], b: ['gauge', 'B.', ''] }],
    ['text/plain', fam('a', 'counter', 'A.') + fam('b', 'gauge', 'B.'), { a: ['counter', 'A.', ''], b: ['gauge', 'B.', ''] }],
    // Help and type changed, a family added in the middle.
    ['text/plain', fam('a', 'counter', 'A changed.') + fam('c', 'gauge', 'C.') + fam('b', 'counter', 'B.'), { a: ['counter', 'A changed.', ''], b: ['counter', 'B.', ''], c: ['gauge', 'C.', ''] }],
    // Reordered; escapes in the help (the same text escaped, then a text that looks like it unescaped).
    ['text/plain', fam('c', 'gauge', 'C.') + fam('b', 'counter', 'B \\\\ x\\n.') + fam('a', 'counter', 'A changed.'), { a: ['counter', 'A changed.', ''], b: ['counter', 'B \\ x\n.', ''], c: ['gauge', 'C.', ''] }],
    ['text/plain', fam('c', 'gauge', 'C.') + fam('b', 'counter', 'B \\ x\n.'.replace('\n', '\\\\n')) + fam('a', 'counter', 'A changed.'), { a: ['counter', 'A changed.', ''], b: ['counter', 'B \\ x\\n.', ''], c: ['gauge', 'C.', ''] }],
    // Units, in OpenMetrics.
    ['application/openmetrics-text', '# TYPE a_seconds gauge\n# UNIT a_seconds seconds\n# HELP a_seconds A.\na_seconds 1\n# EOF\n', { a_seconds: ['gauge', 'A.', 'seconds'] }],
    ['application/openmetrics-text', '# TYPE a_seconds gauge\n# UNIT a_seconds seconds\n# HELP a_seconds A.\na_seconds 1\n# EOF\n', { a_seconds: ['gauge', 'A.', 'seconds'] }],
  ];
  for (let i = 0; i < scrapes.length; i++) {
    const [ct, body, want] = scrapes[i];
    const app = storage.appender();
    const t = 1_000_000 + i * 15_000;
    assert.equal(appendScrape(app, cache, settings, body, ct, t, t, Buffer.from(body, 'latin1')).error, undefined, `scrape ${i}`);
    void app.commit();
    for (const [name, [type, help, unit]] of Object.entries(want)) {
      assert.deepEqual(cache.metadata.get(name), { metric: name, type, help, unit }, `scrape ${i}: ${name}`);
    }
  }
});
