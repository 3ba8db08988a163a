import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer } from './lexer.js';
import { T, type Token } from './tokens.js';

/** All tokens of an input up to EOF (comments included), as `TYPE:pos:text`, or the error as `ERROR:pos:message`. */
function lex(input: string): string[] {
  const l = new Lexer(input);
  const out: string[] = [];
  for (;;) {
    const t: Token = l.next();
    if (t.type === T.EOF) return out;
    out.push(`${t.type}:${t.pos}:${t.val}`);
    if (t.type === T.ERROR) return out;
  }
}

// `T` is a const enum: names for readable expectations.
const N: Record<number, string> = {};
for (const [name, v] of Object.entries({
  ERROR: T.ERROR, COMMENT: T.COMMENT, IDENTIFIER: T.IDENTIFIER, METRIC_IDENTIFIER: T.METRIC_IDENTIFIER,
  NUMBER: T.NUMBER, DURATION: T.DURATION, STRING: T.STRING, LEFT_PAREN: T.LEFT_PAREN, RIGHT_PAREN: T.RIGHT_PAREN,
  LEFT_BRACE: T.LEFT_BRACE, RIGHT_BRACE: T.RIGHT_BRACE, LEFT_BRACKET: T.LEFT_BRACKET, RIGHT_BRACKET: T.RIGHT_BRACKET,
  COMMA: T.COMMA, EQL: T.EQL, COLON: T.COLON, ADD: T.ADD, SUB: T.SUB, MUL: T.MUL, DIV: T.DIV, MOD: T.MOD, POW: T.POW,
  EQLC: T.EQLC, NEQ: T.NEQ, LTE: T.LTE, LSS: T.LSS, GTE: T.GTE, GTR: T.GTR, TRIM_UPPER: T.TRIM_UPPER,
  TRIM_LOWER: T.TRIM_LOWER, EQL_REGEX: T.EQL_REGEX, NEQ_REGEX: T.NEQ_REGEX, LAND: T.LAND, LOR: T.LOR,
  LUNLESS: T.LUNLESS, ATAN2: T.ATAN2, AT: T.AT, SUM: T.SUM, AVG: T.AVG, TOPK: T.TOPK, BY: T.BY, WITHOUT: T.WITHOUT,
  OFFSET: T.OFFSET, BOOL: T.BOOL, ON: T.ON, IGNORING: T.IGNORING, GROUP_LEFT: T.GROUP_LEFT, FILL: T.FILL,
  FILL_LEFT: T.FILL_LEFT, FILL_RIGHT: T.FILL_RIGHT, START: T.START, END: T.END, STEP: T.STEP, RANGE: T.RANGE,
  MAX_OF: T.MAX_OF, MIN_OF: T.MIN_OF, ANCHORED: T.ANCHORED,
})) N[v] = name;
function lexNamed(input: string): string[] {
  return lex(input).map((s) => {
    const i = s.indexOf(':');
    return (N[Number(s.slice(0, i))] ?? s.slice(0, i)) + s.slice(i);
  });
}

const cases: Array<{ name: string; input: string; want: string[] }> = [
  { name: 'empty input', input: '', want: [] },
  { name: 'whitespace only', input: ' \t\r\n', want: [] },
  { name: 'punctuation', input: ',()', want: ['COMMA:0:,', 'LEFT_PAREN:1:(', 'RIGHT_PAREN:2:)'] },
  { name: 'range brackets with spaces', input: '[  5m ]', want: ['LEFT_BRACKET:0:[', 'DURATION:3:5m', 'RIGHT_BRACKET:6:]'] },
  { name: 'integer', input: '1', want: ['NUMBER:0:1'] },
  { name: 'float', input: '4.23', want: ['NUMBER:0:4.23'] },
  { name: 'leading dot', input: '.3', want: ['NUMBER:0:.3'] },
  { name: 'trailing dot', input: '5.', want: ['NUMBER:0:5.'] },
  { name: 'NaN any case', input: 'nAN', want: ['NUMBER:0:nAN'] },
  { name: 'Inf any case', input: 'iNf', want: ['NUMBER:0:iNf'] },
  { name: 'signed Inf is two tokens', input: '-Inf 123', want: ['SUB:0:-', 'NUMBER:1:Inf', 'NUMBER:5:123'] },
  { name: 'NaN prefix is an identifier', input: 'NaN123', want: ['IDENTIFIER:0:NaN123'] },
  { name: 'Inf prefix is an identifier', input: 'Infoo', want: ['IDENTIFIER:0:Infoo'] },
  { name: 'hex', input: '0x123', want: ['NUMBER:0:0x123'] },
  { name: 'hex with underscores', input: '0x1_2_34', want: ['NUMBER:0:0x1_2_34'] },
  { name: 'hex after prefix underscore', input: '0x_1F', want: ['NUMBER:0:0x_1F'] },
  { name: 'decimal with underscores', input: '00_1_23_4.56_7_8', want: ['NUMBER:0:00_1_23_4.56_7_8'] },
  { name: 'exponent with underscores', input: '1e1_2_34', want: ['NUMBER:0:1e1_2_34'] },
  { name: 'dot before exponent', input: '1.e2', want: ['NUMBER:0:1.e2'] },
  { name: 'identifier starting with underscore', input: '_1_2', want: ['IDENTIFIER:0:_1_2'] },
  { name: 'double dot', input: '1..2', want: ['ERROR:0:bad number or duration syntax: "1.."'] },
  { name: 'second dot', input: '1.2.', want: ['ERROR:0:bad number or duration syntax: "1.2."'] },
  { name: 'double underscore', input: '00_1_23__4.56_7_8', want: ['ERROR:0:bad number or duration syntax: "00_1_23__"'] },
  { name: 'underscore after dot', input: '00_1_23_4._56_7_8', want: ['ERROR:0:bad number or duration syntax: "00_1_23_4._"'] },
  { name: 'underscore before dot', input: '00_1_23_4_.56_7_8', want: ['ERROR:0:bad number or duration syntax: "00_1_23_4_."'] },
  { name: 'fractional hex', input: '0x1_2__34.56', want: ['ERROR:0:bad number or duration syntax: "0x1_2__"'] },
  { name: 'underscore before exponent', input: '1_e2', want: ['ERROR:0:bad number or duration syntax: "1_e"'] },
  { name: 'exponent then dot', input: '1e.2', want: ['ERROR:0:bad number or duration syntax: "1e."'] },
  { name: 'double exponent', input: '1ee2', want: ['ERROR:0:bad number or duration syntax: "1ee"'] },
  { name: 'exponent at end', input: '1e', want: ['ERROR:0:bad number or duration syntax: "1e"'] },
  { name: 'signed exponent at end', input: '1e+', want: ['ERROR:0:bad number or duration syntax: "1e+"'] },
  { name: 'trailing underscore', input: '12_', want: ['ERROR:0:bad number or duration syntax: "12_"'] },
  { name: 'number glued to letters', input: '0deadbeef', want: ['ERROR:0:bad number or duration syntax: "0de"'] },
  { name: 'duration', input: '5s', want: ['DURATION:0:5s'] },
  { name: 'compound duration', input: '1h30m', want: ['DURATION:0:1h30m'] },
  { name: 'milliseconds', input: '250ms', want: ['DURATION:0:250ms'] },
  { name: 'bad duration unit', input: '5mm', want: ['ERROR:0:bad number or duration syntax: "5mm"'] },
  { name: 'double-quoted string with escape', input: '"test\\tsequence"', want: ['STRING:0:"test\\tsequence"'] },
  { name: 'escaped backslash', input: '"test\\\\.expression"', want: ['STRING:0:"test\\\\.expression"'] },
  { name: 'unknown escape', input: '"test\\.expression"', want: ["ERROR:0:unknown escape sequence U+002E '.'"] },
  { name: 'raw string keeps backslashes', input: '`test\\.expression`', want: ['STRING:0:`test\\.expression`'] },
  { name: 'single-quoted string may escape its quote', input: "'a\\'b'", want: ["STRING:0:'a\\'b'"] },
  { name: 'double-quoted string may not escape a single quote', input: '"a\\\'b"', want: ["ERROR:0:unknown escape sequence U+0027 '''"] },
  { name: 'unicode escape', input: '"\\u00e9\\U0001F600"', want: ['STRING:0:"\\u00e9\\U0001F600"'] },
  { name: 'bad hex escape', input: '"\\x."', want: ["ERROR:0:illegal character U+002E '.' in escape sequence"] },
  { name: 'surrogate escape', input: '"\\ud800"', want: ['ERROR:0:escape sequence is an invalid Unicode code point'] },
  { name: 'octal escape out of range', input: '"\\400"', want: ['ERROR:0:escape sequence is an invalid Unicode code point'] },
  { name: 'escape at end', input: '"\\', want: ['ERROR:0:escape sequence not terminated'] },
  { name: 'unterminated string', input: '"abc', want: ['ERROR:0:unterminated quoted string'] },
  { name: 'newline ends a quoted string', input: '"a\nb"', want: ['ERROR:0:unterminated quoted string'] },
  { name: 'unterminated raw string', input: '`abc', want: ['ERROR:0:unterminated raw string'] },
  { name: 'raw string may span lines', input: '`a\nb`', want: ['STRING:0:`a\nb`'] },
  { name: 'comment', input: '# just a comment', want: ['COMMENT:0:# just a comment'] },
  { name: 'comment ends at newline', input: 'foo # c\nbar', want: ['IDENTIFIER:0:foo', 'COMMENT:4:# c', 'IDENTIFIER:8:bar'] },
  { name: 'operators', input: '+ - * / % ^ == != < <= > >= </ >/', want: ['ADD:0:+', 'SUB:2:-', 'MUL:4:*', 'DIV:6:/', 'MOD:8:%', 'POW:10:^', 'EQLC:12:==', 'NEQ:15:!=', 'LSS:18:<', 'LTE:20:<=', 'GTR:23:>', 'GTE:25:>=', 'TRIM_UPPER:28:</', 'TRIM_LOWER:31:>/'] },
  { name: 'set operators and keywords are case-insensitive', input: 'AND Or unless atan2', want: ['LAND:0:AND', 'LOR:4:Or', 'LUNLESS:7:unless', 'ATAN2:14:atan2'] },
  { name: 'aggregation keywords', input: 'sum by (a) avg without topk', want: ['SUM:0:sum', 'BY:4:by', 'LEFT_PAREN:7:(', 'IDENTIFIER:8:a', 'RIGHT_PAREN:9:)', 'AVG:11:avg', 'WITHOUT:15:without', 'TOPK:23:topk'] },
  { name: 'metric identifier with colon', input: 'job:rate5m', want: ['METRIC_IDENTIFIER:0:job:rate5m'] },
  { name: 'keyword with colon is a metric identifier', input: 'sum:x', want: ['METRIC_IDENTIFIER:0:sum:x'] },
  { name: 'fill is a keyword only before a parenthesis', input: 'fill + fill (1) fill_left(', want: ['IDENTIFIER:0:fill', 'ADD:5:+', 'FILL:7:fill', 'LEFT_PAREN:12:(', 'NUMBER:13:1', 'RIGHT_PAREN:14:)', 'FILL_LEFT:16:fill_left', 'LEFT_PAREN:25:(', 'ERROR:26:unclosed left parenthesis'] },
  { name: 'selector inside braces', input: '{a="b", c!~`d`,e=~"f",g!="h"}', want: ['LEFT_BRACE:0:{', 'IDENTIFIER:1:a', 'EQL:2:=', 'STRING:3:"b"', 'COMMA:6:,', 'IDENTIFIER:8:c', 'NEQ_REGEX:9:!~', 'STRING:11:`d`', 'COMMA:14:,', 'IDENTIFIER:15:e', 'EQL_REGEX:16:=~', 'STRING:18:"f"', 'COMMA:21:,', 'IDENTIFIER:22:g', 'NEQ:23:!=', 'STRING:25:"h"', 'RIGHT_BRACE:28:}'] },
  { name: 'keywords are identifiers inside braces', input: '{by="x"}', want: ['LEFT_BRACE:0:{', 'IDENTIFIER:1:by', 'EQL:3:=', 'STRING:4:"x"', 'RIGHT_BRACE:7:}'] },
  { name: 'quoted label name inside braces', input: '{"a.b"}', want: ['LEFT_BRACE:0:{', 'STRING:1:"a.b"', 'RIGHT_BRACE:6:}'] },
  { name: 'comment inside braces', input: '{a="b" # c\n}', want: ['LEFT_BRACE:0:{', 'IDENTIFIER:1:a', 'EQL:2:=', 'STRING:3:"b"', 'COMMENT:7:# c', 'RIGHT_BRACE:11:}'] },
  { name: 'colon inside braces', input: '{a:b="b"}', want: ['LEFT_BRACE:0:{', 'IDENTIFIER:1:a', "ERROR:2:unexpected character inside braces: ':'"] },
  { name: 'nested brace', input: '{{', want: ['LEFT_BRACE:0:{', "ERROR:1:unexpected left brace '{'"] },
  { name: 'end of input inside braces', input: '{a', want: ['LEFT_BRACE:0:{', 'IDENTIFIER:1:a', 'ERROR:2:unexpected end of input inside braces'] },
  { name: 'bang inside braces', input: '{a!b', want: ['LEFT_BRACE:0:{', 'IDENTIFIER:1:a', "ERROR:2:unexpected character after '!' inside braces: 'b'"] },
  { name: 'subquery', input: 'x[5m:1m]', want: ['IDENTIFIER:0:x', 'LEFT_BRACKET:1:[', 'DURATION:2:5m', 'COLON:4::', 'DURATION:5:1m', 'RIGHT_BRACKET:7:]'] },
  { name: 'subquery without step', input: 'x[5m:]', want: ['IDENTIFIER:0:x', 'LEFT_BRACKET:1:[', 'DURATION:2:5m', 'COLON:4::', 'RIGHT_BRACKET:5:]'] },
  { name: 'duration expression in brackets', input: '[step()+1m:(2*min_of(range(),5s))]', want: ['LEFT_BRACKET:0:[', 'STEP:1:step', 'LEFT_PAREN:5:(', 'RIGHT_PAREN:6:)', 'ADD:7:+', 'DURATION:8:1m', 'COLON:10::', 'LEFT_PAREN:11:(', 'NUMBER:12:2', 'MUL:13:*', 'MIN_OF:14:min_of', 'LEFT_PAREN:20:(', 'RANGE:21:range', 'LEFT_PAREN:26:(', 'RIGHT_PAREN:27:)', 'COMMA:28:,', 'DURATION:29:5s', 'RIGHT_PAREN:31:)', 'RIGHT_PAREN:32:)', 'RIGHT_BRACKET:33:]'] },
  { name: 'colon first in brackets', input: '[:5m]', want: ['LEFT_BRACKET:0:[', 'ERROR:2:unexpected colon before duration in duration expression'] },
  { name: 'repeated colon', input: 'x[5m::]', want: ['IDENTIFIER:0:x', 'LEFT_BRACKET:1:[', 'DURATION:2:5m', 'COLON:4::', "ERROR:5:unexpected colon ':'"] },
  { name: 'word in brackets', input: '[5s x 5s]', want: ['LEFT_BRACKET:0:[', 'DURATION:1:5s', "ERROR:4:unexpected character: 'x', expected ':'"] },
  { name: 'string in brackets', input: '["5m"]', want: ['LEFT_BRACKET:0:[', `ERROR:1:unexpected character in duration expression: '"'`] },
  { name: 'end of input in brackets', input: 'x[', want: ['IDENTIFIER:0:x', 'LEFT_BRACKET:1:[', 'ERROR:2:unexpected end of input in duration expression'] },
  { name: 'unclosed bracket', input: 'x[5m', want: ['IDENTIFIER:0:x', 'LEFT_BRACKET:1:[', 'DURATION:2:5m', 'ERROR:4:unclosed left bracket'] },
  { name: 'nested bracket', input: 'x[5m[', want: ['IDENTIFIER:0:x', 'LEFT_BRACKET:1:[', 'DURATION:2:5m', "ERROR:4:unexpected left bracket '['"] },
  { name: 'stray right bracket', input: ']', want: ["ERROR:0:unexpected right bracket ']'"] },
  { name: 'unclosed parenthesis', input: '((1)', want: ['LEFT_PAREN:0:(', 'LEFT_PAREN:1:(', 'NUMBER:2:1', 'RIGHT_PAREN:3:)', 'ERROR:4:unclosed left parenthesis'] },
  { name: 'stray right parenthesis', input: '1)', want: ['NUMBER:0:1', "ERROR:2:unexpected right parenthesis ')'"] },
  { name: 'equals tilde outside braces', input: '1 =~ 1', want: ['NUMBER:0:1', "ERROR:2:unexpected character after '=': '~'"] },
  { name: 'bang outside braces', input: '1 !~ 1', want: ['NUMBER:0:1', "ERROR:2:unexpected character after '!': '~'"] },
  { name: 'unknown character', input: '.', want: ["ERROR:0:unexpected character: '.'"] },
  { name: 'non-ASCII character', input: 'é', want: ["ERROR:0:unexpected character: 'é'"] },
  { name: 'non-Latin digit after dot', input: '.٩', want: ["ERROR:0:unexpected character: '.'"] },
  { name: 'at modifier', input: 'x @ start()', want: ['IDENTIFIER:0:x', 'AT:2:@', 'START:4:start', 'LEFT_PAREN:9:(', 'RIGHT_PAREN:10:)'] },
];

for (const c of cases) {
  test(`lexer: ${c.name}`, () => {
    assert.deepEqual(lexNamed(c.input), c.want);
  });
}

test('lexer: returns EOF repeatedly after the end and after an error', () => {
  const l = new Lexer('"a');
  assert.equal(l.next().type, T.ERROR);
  assert.equal(l.next().type, T.EOF);
  assert.equal(l.next().type, T.EOF);
});
