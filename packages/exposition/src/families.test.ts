import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Labels, formatFloat } from '@vigil/model';
import { conformanceDir } from '@vigil/testkit';
import { parseFamilies } from './families.js';
import { writeFamilies, type ExpositionFormat } from './writer.js';
import { parseFloatRange } from './number.js';
import type { MetricFamily } from './types.js';

const L = (o: Record<string, string> = {}) => Labels.fromObject(o);

test('parseFamilies: text format families with their samples', () => {
  const text = [
    '# HELP http_requests_total The total number of HTTP requests.',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="post",code="400"}    3 1395066363000',
    '# A comment',
    '# TYPE rpc_duration_seconds summary',
    'rpc_duration_seconds{quantile="0.5"} 4773',
    'rpc_duration_seconds_sum 1.7560473e+07',
    'rpc_duration_seconds_count 2693',
    'untyped_thing{a="b"} NaN',
    'http_requests_total{method="get",code="200"} 5',
    '',
  ].join('\n');
  const fams = parseFamilies(text, 'text');
  assert.equal(fams.length, 3);
  assert.deepEqual(fams[0], {
    name: 'http_requests_total',
    type: 'counter',
    help: 'The total number of HTTP requests.',
    samples: [
      { name: 'http_requests_total', labels: L({ method: 'post', code: '200' }), value: 1027, timestamp: 1395066363000 },
      { name: 'http_requests_total', labels: L({ method: 'post', code: '400' }), value: 3, timestamp: 1395066363000 },
      // A later sample of the same name joins the family seen first.
      { name: 'http_requests_total', labels: L({ method: 'get', code: '200' }), value: 5 },
    ],
  });
  assert.deepEqual(fams[1], {
    name: 'rpc_duration_seconds',
    type: 'summary',
    samples: [
      // Label values stay as written (no "0.5" → "0.5" change here, but no normalisation either).
      { name: 'rpc_duration_seconds', labels: L({ quantile: '0.5' }), value: 4773 },
      { name: 'rpc_duration_seconds_sum', labels: L(), value: 17560473 },
      { name: 'rpc_duration_seconds_count', labels: L(), value: 2693 },
    ],
  });
  assert.equal(fams[2].name, 'untyped_thing');
  assert.equal(fams[2].type, 'unknown');
  assert.ok(Number.isNaN(fams[2].samples[0].value));
});

test('parseFamilies: OpenMetrics families, units, exemplars, empty metadata', () => {
  const text = [
    '# TYPE foo_seconds counter',
    '# UNIT foo_seconds seconds',
    '# HELP foo_seconds Time.',
    'foo_seconds_total{a="1"} 17 # {trace_id="abc"} 0.5 1520879607.789',
    'foo_seconds_created{a="1"} 1520430000.123',
    '# TYPE bar gauge',
    '# HELP bar ',
    'bar 1',
    '# EOF',
    '',
  ].join('\n');
  const fams = parseFamilies(text, 'openmetrics', { strict: true });
  assert.deepEqual(fams, [
    {
      name: 'foo_seconds',
      type: 'counter',
      unit: 'seconds',
      help: 'Time.',
      samples: [
        { name: 'foo_seconds_total', labels: L({ a: '1' }), value: 17, exemplar: { labels: L({ trace_id: 'abc' }), value: 0.5, timestamp: 1520879607789 } },
        { name: 'foo_seconds_created', labels: L({ a: '1' }), value: 1520430000.123 },
      ],
    },
    // An empty HELP means no HELP in OpenMetrics.
    { name: 'bar', type: 'gauge', samples: [{ name: 'bar', labels: L(), value: 1 }] },
  ]);
});

/** A sample as a comparable string: le/quantile compared as numbers, values as Go prints them. */
function sampleKeys(fams: readonly MetricFamily[], opts: { dropCreated?: boolean; exemplars?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const f of fams) {
    for (const s of f.samples) {
      if (opts.dropCreated && s.name.endsWith('_created')) continue;
      const labels: string[] = [];
      s.labels.forEach((n, v) => {
        const f = n === 'le' || n === 'quantile' ? parseFloatRange(v, 0, v.length) : undefined;
        labels.push(`${n}=${f === undefined ? JSON.stringify(v) : formatFloat(f)}`);
      });
      let k = `${s.name}{${labels.join(',')}} ${formatFloat(s.value)}${s.timestamp === undefined ? '' : ' @' + s.timestamp}`;
      if (opts.exemplars && s.exemplar !== undefined && s.exemplar.labels.size > 0) {
        k += ` # ${s.exemplar.labels.toString()} ${formatFloat(s.exemplar.value)}${s.exemplar.timestamp === undefined ? '' : ' @' + s.exemplar.timestamp}`;
      }
      out.push(k);
    }
  }
  return out.sort();
}

test('round trip over the example expositions: parse, write both formats, parse again, same samples', async (t) => {
  const examples: Array<[string, ExpositionFormat, number]> = [
    ['alltypes.237mfs.prom.txt', 'text', 1857],
    ['alltypes.237mfs.nometa.prom.txt', 'text', 1857],
    ['alltypes.5mfs.om.txt', 'openmetrics', 53],
    ['1histogram.om.txt', 'openmetrics', 42],
  ];
  for (const [file, format, count] of examples) {
    const text = readFileSync(conformanceDir('openmetrics', 'examples', file), 'utf8');
    const fams = parseFamilies(text, format);
    const original = sampleKeys(fams);
    assert.equal(original.length, count, `${file}: samples`);
    for (const out of ['text', 'openmetrics'] as const) {
      await t.test(`${file} → ${out}`, () => {
        const written = writeFamilies(fams, out);
        const back = parseFamilies(written, out);
        if (out === format) {
          // Same format: every sample and exemplar comes back.
          assert.deepEqual(sampleKeys(back, { exemplars: true }), sampleKeys(fams, { exemplars: true }));
        } else if (out === 'text') {
          // The text format has no _created samples and no exemplars.
          assert.deepEqual(sampleKeys(back), sampleKeys(fams, { dropCreated: true }));
        } else {
          assert.deepEqual(sampleKeys(back), original);
        }
        // Types and help survive (under the format's names).
        if (out === format) {
          assert.deepEqual(back.map((f) => [f.name, f.type, f.help ?? '']), fams.map((f) => [f.name, f.type, f.help ?? '']));
        }
      });
    }
  }
});
