/**
 * The parser's foundation: options, the token stream with one token of lookahead, and errors worded as
 * Prometheus's yacc grammar words them (`unexpected X in <context>, expected <what>`).
 */
import type { MatchType } from '@vigil/model';
import type { DurationExpr, NumberLiteral, PosRange } from './ast.js';
import { Lexer } from './lexer.js';
import { T, isAggregator, isKeyword, isOperator, tokenText, type Token } from './tokens.js';
import { ParseError } from './parse-error.js';
import { goQuote, goQuoteTruncated } from './parser-literals.js';

/** Which experimental Prometheus 3.x syntax the parser accepts. All default to `true`. */
export interface ParseOptions {
  /** Experimental functions (`mad_over_time`, `sort_by_label`, `info`, ...) and `limitk`/`limit_ratio`. */
  experimentalFunctions?: boolean;
  /** Duration expressions: `[5m+1m]`, `offset (1h/2)`, `step()`, `range()`, `min_of`, `max_of`. */
  durationExpressions?: boolean;
  /** The `anchored` and `smoothed` range modifiers. */
  extendedRangeSelectors?: boolean;
  /** The `fill`, `fill_left`, `fill_right` binary operator modifiers. */
  binopFillModifiers?: boolean;
}

export interface Options {
  experimentalFunctions: boolean;
  durationExpressions: boolean;
  extendedRangeSelectors: boolean;
  binopFillModifiers: boolean;
}

/** Binding power of binary operators (higher binds tighter); -1 for non-operators. */
export function binaryPrecedence(t: T): number {
  switch (t) {
    case T.LOR:
      return 1;
    case T.LAND:
    case T.LUNLESS:
      return 2;
    case T.EQLC:
    case T.NEQ:
    case T.LTE:
    case T.LSS:
    case T.GTE:
    case T.GTR:
    case T.TRIM_UPPER:
    case T.TRIM_LOWER:
      return 3;
    case T.ADD:
    case T.SUB:
      return 4;
    case T.MUL:
    case T.DIV:
    case T.MOD:
    case T.ATAN2:
      return 5;
    case T.POW:
      return 6;
    default:
      return -1;
  }
}
export const PREC_POW = 6;

/** Tokens that may stand as a metric name (Prometheus's `metric_identifier`). */
export function isMetricIdentifier(t: T): boolean {
  switch (t) {
    case T.IDENTIFIER:
    case T.METRIC_IDENTIFIER:
    case T.BY:
    case T.WITHOUT:
    case T.OFFSET:
    case T.LAND:
    case T.LOR:
    case T.LUNLESS:
    case T.FILL:
    case T.FILL_LEFT:
    case T.FILL_RIGHT:
    case T.START:
    case T.END:
    case T.STEP:
    case T.RANGE:
    case T.ANCHORED:
    case T.SMOOTHED:
    case T.MAX_OF:
    case T.MIN_OF:
      return true;
    default:
      return isAggregator(t);
  }
}

/** Tokens accepted as a label name in `by (...)`, `on (...)` and friends (Prometheus's `maybe_label`). */
export function isMaybeLabel(t: T): boolean {
  return (
    t === T.IDENTIFIER ||
    t === T.METRIC_IDENTIFIER ||
    isAggregator(t) ||
    isKeyword(t) ||
    t === T.LAND ||
    t === T.LOR ||
    t === T.LUNLESS ||
    t === T.ATAN2 ||
    (t >= T.START && t <= T.MIN_OF)
  );
}

export function matchType(t: T): MatchType | null {
  switch (t) {
    case T.EQL:
      return '=';
    case T.NEQ:
      return '!=';
    case T.EQL_REGEX:
      return '=~';
    case T.NEQ_REGEX:
      return '!~';
    default:
      return null;
  }
}

/** How Prometheus names a token in "unexpected ..." messages (`Item.desc()`). */
export function describeToken(tok: Token): string {
  if (tok.type === T.EOF) return 'end of input';
  const fixed = tokenText(tok.type);
  if (fixed !== undefined) {
    if (isKeyword(tok.type)) return `<${tok.val}>`;
    if (isOperator(tok.type)) return `<op:${tok.val}>`;
    if (isAggregator(tok.type)) return `<aggr:${tok.val}>`;
    return goQuoteTruncated(tok.val, 10) + (Array.from(tok.val).length > 10 ? '...' : '');
  }
  switch (tok.type) {
    case T.IDENTIFIER:
      return `identifier ${goQuote(tok.val)}`;
    case T.METRIC_IDENTIFIER:
      return `metric identifier ${goQuote(tok.val)}`;
    case T.STRING:
      return `string ${quoteShort(tok.val)}`;
    case T.NUMBER:
      return `number ${quoteShort(tok.val)}`;
    case T.DURATION:
      return `duration ${quoteShort(tok.val)}`;
    case T.COMMENT:
      return `comment ${quoteShort(tok.val)}`;
    default:
      return quoteShort(tok.val);
  }
}

function quoteShort(s: string): string {
  return Array.from(s).length > 10 ? goQuoteTruncated(s, 10) + '...' : goQuote(s);
}

/** The grammar rule whose error production catches a syntax error: `unexpected X in <ctx>, expected <exp>`. */
export interface ErrorContext {
  ctx: string;
  expected: string;
}

export const CTX_AGGREGATION: ErrorContext = { ctx: 'aggregation', expected: '' };
export const CTX_RANGE: ErrorContext = {
  ctx: 'subquery or range selector',
  expected: 'number, duration, step(), or range()',
};
export const CTX_SUBQUERY_STEP: ErrorContext = {
  ctx: 'subquery selector',
  expected: 'number, duration, step(), range(), or "]"',
};
export const CTX_OFFSET: ErrorContext = { ctx: 'offset', expected: 'number, duration, step(), or range()' };
export const CTX_AT: ErrorContext = { ctx: '@', expected: 'timestamp' };

/** A duration operand: a number literal (seconds) or a duration expression. */
export type DurationNode = NumberLiteral | DurationExpr;

/** Token stream, options and error helpers shared by the parser's layers. */
export class ParserBase {
  protected readonly input: string;
  protected readonly lexer: Lexer;
  protected readonly opts: Options;
  protected la: Token | null = null;
  protected readonly contexts: ErrorContext[] = [];
  /** End of the `)` that closed the last grouping clause. */
  protected lastGroupingEnd = 0;

  constructor(input: string, options: ParseOptions | undefined) {
    this.input = input;
    this.lexer = new Lexer(input);
    this.opts = {
      experimentalFunctions: options?.experimentalFunctions ?? true,
      durationExpressions: options?.durationExpressions ?? true,
      extendedRangeSelectors: options?.extendedRangeSelectors ?? true,
      binopFillModifiers: options?.binopFillModifiers ?? true,
    };
  }

  // ---- tokens and errors ----

  /** The lookahead token, scanned on demand (as yacc does), comments skipped. */
  protected peek(): Token {
    if (this.la === null) {
      let t = this.lexer.next();
      while (t.type === T.COMMENT) t = this.lexer.next();
      if (t.type === T.ERROR) throw new ParseError(this.input, { start: t.pos, end: t.end }, t.val);
      this.la = t;
    }
    return this.la;
  }

  protected consume(): Token {
    const t = this.peek();
    this.la = null;
    return t;
  }

  /** An error at a node's range or a token's. */
  protected error(at: PosRange | Token, message: string): ParseError {
    const range = 'type' in at ? { start: at.pos, end: at.end } : { start: at.start, end: at.end };
    return new ParseError(this.input, range, message);
  }

  /** A syntax error at the lookahead, worded from the innermost error context (or none). */
  protected unexpected(ctx?: ErrorContext): ParseError {
    const tok = this.peek();
    const c = ctx ?? this.contexts[this.contexts.length - 1];
    let msg = 'unexpected ' + describeToken(tok);
    if (c !== undefined) {
      if (c.ctx !== '') msg += ' in ' + c.ctx;
      if (c.expected !== '') msg += ', expected ' + c.expected;
    }
    return this.error({ start: tok.pos, end: tok.end }, msg);
  }

  protected expect(type: T, ctx?: ErrorContext): Token {
    if (this.peek().type !== type) throw this.unexpected(ctx);
    return this.consume();
  }
}
