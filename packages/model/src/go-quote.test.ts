import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeGoRune, quoteGoString } from './go-quote.js';

test("quoteGoString prints what Go's strconv.Quote prints", () => {
  const cases: Array<[string, string, string]> = [
    ['plain ASCII', 'up{job="api"}', '"up{job=\\"api\\"}"'],
    ['backslash', 'a\\b', '"a\\\\b"'],
    ['C escapes', '\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['other ASCII controls', '\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['printable non-ASCII as is', 'é日本ü€', '"é日本ü€"'],
    ['astral printable as is', '\u{1F600}', '"\u{1F600}"'],
    ['no-break space (not printable for Go)', '\u00a0', '"\\u00a0"'],
    ['C1 control', '\u0085', '"\\u0085"'],
    ['line separator', '\u2028', '"\\u2028"'],
    ['zero-width space', '\u200b', '"\\u200b"'],
    ['astral format character', '\u{E0001}', '"\\U000e0001"'],
    ['an invalid byte kept as a low surrogate', 'a\udc80b', '"a\\x80b"'],
    ['any other lone surrogate', '\ud800', '"\\ufffd"'],
    ['empty', '', '""'],
  ];
  for (const [name, input, want] of cases) assert.equal(quoteGoString(input), want, name);
});

test('escapeGoRune escapes the quote it is given (QuoteRune)', () => {
  assert.equal(escapeGoRune(0x27, 0x27), "\\'");
  assert.equal(escapeGoRune(0x22, 0x27), '"');
  assert.equal(escapeGoRune(0x22, 0x22), '\\"');
  assert.equal(escapeGoRune(0x7d, 0x27), '}');
});
