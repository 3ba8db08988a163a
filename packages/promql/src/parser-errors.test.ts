import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VigilError } from '@vigil/model';
import { parseExpr } from './parser.js';
import { ParseError } from './parse-error.js';
import { SAME_AS_2_42, CHANGED_IN_3 } from './parser-errors.cases.js';

function parseError(q: string): ParseError {
  try {
    parseExpr(q);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  assert.fail(`${JSON.stringify(q)} parsed without error`);
}

for (const [q, msg, start, end] of [...SAME_AS_2_42, ...CHANGED_IN_3]) {
  test(`parse error: ${JSON.stringify(q)}`, () => {
    const e = parseError(q);
    assert.equal(e.message, msg);
    assert.deepEqual(e.positionRange, { start, end });
  });
}

test('parse error: is a bad_data VigilError carrying query, line, column and detail', () => {
  const e = parseError('sum(rate(x[5m]))\n  + on(job) foo{a=b}');
  assert.ok(e instanceof VigilError);
  assert.equal(e.code, 'bad_data');
  assert.equal(e.message, '2:19: parse error: unexpected identifier "b" in label matching, expected string');
  assert.equal(e.line, 2);
  assert.equal(e.column, 19);
  assert.equal(e.detail, 'unexpected identifier "b" in label matching, expected string');
  assert.equal(e.query, 'sum(rate(x[5m]))\n  + on(job) foo{a=b}');
  assert.deepEqual(e.positionRange, { start: 35, end: 36 });
});

test('parse error: columns count UTF-8 bytes, as Prometheus does', () => {
  // "é" is two bytes: the "}" at offset 9 is byte column 11.
  const e = parseError('foo{a="é"=}');
  assert.equal(e.message, '1:11: parse error: unexpected "=" in label matching, expected "," or "}"');
  assert.deepEqual(e.positionRange, { start: 9, end: 10 });
});

test('parse error: empty query has no position', () => {
  assert.equal(parseError('').message, 'unknown position: parse error: no expression found in input');
  assert.equal(parseError('  # only a comment\n').message, '1:1: parse error: no expression found in input');
});

test('parse error: an invalid regular expression is reported at its matcher', () => {
  const e = parseError('foo{a=~"("}');
  assert.match(e.message, /^1:5: parse error: invalid regular expression "\(": /);
  assert.deepEqual(e.positionRange, { start: 4, end: 10 });
});

test('parse error: nesting too deep for the stack is a parse error, long operator chains are fine', () => {
  const deep = '('.repeat(20000) + '1' + ')'.repeat(20000);
  const e = parseError(deep);
  assert.equal(e.message, '1:1: parse error: expression nested too deeply to parse');
  const chain = Array.from({ length: 20000 }, (_, i) => `m${i}`).join(' + ');
  const ast = parseExpr(chain);
  assert.equal(ast.kind, 'BinaryExpr');
});
