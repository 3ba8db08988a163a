import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OPENMETRICS_0_0_1_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE, SCRAPE_ACCEPT_HEADER, TEXT_CONTENT_TYPE, negotiate, parseAccept,
  scrapeAcceptHeader,
} from './negotiate.js';
import { createParser, formatForContentType, mediaTypeOf } from './content-type.js';
import { OpenMetricsParser } from './om-parser.js';
import { TextParser } from './text-parser.js';
import { errorOf } from './test-helpers.js';

test('negotiate: the Content-Type an exposer answers, as client_golang with OpenMetrics enabled', async (t) => {
  const OM = OPENMETRICS_CONTENT_TYPE;
  const OM001 = OPENMETRICS_0_0_1_CONTENT_TYPE;
  const TEXT = TEXT_CONTENT_TYPE;
  const cases: Array<[string | undefined, string]> = [
    [undefined, TEXT],
    ['', TEXT],
    ['*/*', TEXT],
    ['text/html', TEXT],
    ['text/plain', TEXT],
    ['text/plain;version=0.0.4', TEXT],
    ['text/plain;version=0.0.2', TEXT], // unmatched clause, then the default
    ['application/openmetrics-text;version=1.0.0', OM],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', OM],
    ['application/openmetrics-text', OM001],
    ['application/openmetrics-text;version=0.0.1', OM001],
    ['application/openmetrics-text;version=2.0.0', TEXT],
    // Prometheus 3.x's default scrape header: OpenMetrics 1.0.0 has the highest q.
    [SCRAPE_ACCEPT_HEADER, OM],
    // Prometheus 2.x's header.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', OM],
    // q decides, not the order.
    ['text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.6', OM],
    ['application/openmetrics-text;version=1.0.0;q=0.4,text/plain;q=0.5', TEXT],
    // Protobuf is not offered: the next clause decides.
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.5', OM],
    // Parameters are case-sensitive and media types must match exactly, as in goautoneg.
    ['application/openmetrics-text;Version=1.0.0', OM001],
    ['Application/OpenMetrics-Text;version=1.0.0', TEXT],
    // A malformed q counts as 0; a clause that is not a media range is dropped.
    ['application/openmetrics-text;version=1.0.0;q=x,text/plain;q=0.1', TEXT],
    ['garbage,application/openmetrics-text;version=1.0.0', OM],
  ];
  for (const [accept, want] of cases) {
    await t.test(String(accept), () => {
      const got = negotiate(accept);
      assert.equal(got.contentType, want);
      assert.equal(got.format, want === TEXT ? 'text' : 'openmetrics');
    });
  }
});

test('parseAccept sorts by q, wildcards after concrete types on a tie', () => {
  const got = parseAccept('*/*;q=0.5, text/*;q=0.5, text/plain;q=0.5;version=0.0.4, application/json').map((c) => `${c.type}/${c.subType};${c.q}`);
  assert.deepEqual(got, ['application/json;1', 'text/plain;0.5', 'text/*;0.5', '*/*;0.5']);
});

test('scrape Accept header as Prometheus 3.x builds it', () => {
  assert.equal(
    SCRAPE_ACCEPT_HEADER,
    'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,' +
      'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
  );
  assert.equal(
    scrapeAcceptHeader(['PrometheusProto', 'PrometheusText0.0.4'], 'underscores'),
    'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4',
  );
});

test('Content-Type selects the parser as Prometheus does', async (t) => {
  const cases: Array<[string | undefined, string, string | undefined]> = [
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics', undefined],
    ['application/openmetrics-text;version=0.0.1', 'openmetrics', undefined],
    ['Application/OpenMetrics-Text', 'openmetrics', undefined],
    ['text/plain; version=0.0.4; charset=utf-8', 'text', undefined],
    ['text/plain;version=1.0.0;escaping=allow-utf-8', 'text', undefined],
    ['text/plain;', 'text', undefined],
    ['application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited', 'protobuf', undefined],
    [undefined, 'text', 'scrape target sent a blank Content-Type, using the fallback format text'],
    ['', 'text', 'scrape target sent a blank Content-Type, using the fallback format text'],
    ['application/json', 'text', 'scrape target sent an unsupported Content-Type "application/json", using the fallback format text'],
    ['text/plain; version', 'text', 'scrape target sent an unparsable Content-Type "text/plain; version", using the fallback format text'],
  ];
  for (const [ct, format, warning] of cases) {
    await t.test(String(ct), () => {
      const got = formatForContentType(ct);
      assert.equal(got.format, format);
      assert.equal(got.warning, warning);
    });
  }
  // Prometheus 3.x without fallback_scrape_protocol: the scrape fails.
  assert.equal(errorOf(() => formatForContentType(undefined, null)), 'scrape target sent a blank Content-Type and no fallback scrape protocol is configured');
  assert.equal(errorOf(() => formatForContentType('text/html', null)), 'scrape target sent an unsupported Content-Type "text/html" and no fallback scrape protocol is configured');
  assert.equal(formatForContentType('text/html', 'openmetrics').format, 'openmetrics');
  assert.equal(mediaTypeOf(' text/plain ; charset="utf-8"'), 'text/plain');
  assert.equal(mediaTypeOf('text/plain; a=1; a=2'), undefined);
});

test('createParser picks the parser by Content-Type', () => {
  assert.ok(createParser('# EOF\n', 'application/openmetrics-text; version=1.0.0') instanceof OpenMetricsParser);
  assert.ok(createParser('a 1\n', 'text/plain; version=0.0.4') instanceof TextParser);
  assert.ok(createParser('a 1\n', undefined) instanceof TextParser);
  assert.match(errorOf(() => createParser('', 'application/vnd.google.protobuf')), /protobuf exposition format .* is not supported/);
  assert.match(errorOf(() => createParser('', undefined, { fallback: null })), /no fallback scrape protocol/);
});
