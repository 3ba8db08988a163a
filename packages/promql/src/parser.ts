/**
 * The PromQL parser: recursive descent with precedence climbing over the pull lexer, building the AST
 * of `ast.ts`, then type-checking it (`parser-check.ts`). Prometheus parses with a yacc grammar; its
 * error messages depend on which grammar rule catches the error, so the parser keeps a stack of the
 * same "contexts" (`in aggregation`, `in label matching`, ...) and words its errors from it. The
 * first error ends the parse, as Prometheus reports only its first error.
 *
 * Layers: `parser-base.ts` (tokens, errors), `parser-modifiers.ts` (ranges, subqueries, offset, @,
 * duration expressions, operator modifiers), this file (expressions, selectors, calls, aggregations).
 */
import { Matcher, METRIC_NAME, type MatchType } from '@vigil/model';
import {
  FUNCTIONS,
  PARAMETRIZED_AGGREGATIONS,
  type AggregateExpr,
  type AggregateOp,
  type BinaryExpr,
  type BinaryOp,
  type Call,
  type Expr,
  type PosRange,
  type VectorSelector,
} from './ast.js';
import { T, isAggregator, tokenText, type Token } from './tokens.js';
import { ParseError } from './parse-error.js';
import { checkAST } from './parser-check.js';
import { goQuote, parseNumberLiteral, unquoteString } from './parser-literals.js';
import { CTX_AGGREGATION, PREC_POW, binaryPrecedence, isMetricIdentifier, matchType, type ErrorContext, type ParseOptions } from './parser-base.js';
import { ModifierParser } from './parser-modifiers.js';

export type { ParseOptions } from './parser-base.js';
export { describeToken } from './parser-base.js';

/** Parses and type-checks a PromQL expression; throws `ParseError` (code `bad_data`). */
export function parseExpr(input: string, options?: ParseOptions): Expr {
  try {
    const expr = new Parser(input, options).parseQuery();
    checkAST(expr, input);
    return expr;
  } catch (e) {
    // Thousands of nested levels exhaust the stack: a clear error rather than an internal one.
    if (e instanceof RangeError) {
      throw new ParseError(input, { start: 0, end: input.length }, 'expression nested too deeply to parse');
    }
    throw e;
  }
}

/**
 * Parses a series selector such as the `match[]` parameters of the HTTP API (`up{job="x"}`,
 * `{__name__=~"a.*"}`) into its matchers. Like Prometheus it does not require a non-empty matcher;
 * callers that need one check it themselves.
 */
export function parseMetricSelector(input: string): Matcher[] {
  const p = new Parser(input, undefined);
  return p.parseSelectorOnly().matchers;
}

class Parser extends ModifierParser {
  // ---- entry points ----

  parseQuery(): Expr {
    if (this.peek().type === T.EOF) throw this.error({ start: 0, end: 0 }, 'no expression found in input');
    const expr = this.parseExpr(0);
    if (this.peek().type !== T.EOF) throw this.unexpected();
    return expr;
  }

  parseSelectorOnly(): VectorSelector {
    const t = this.peek();
    let vs: VectorSelector;
    if (isMetricIdentifier(t.type)) {
      this.consume();
      vs = this.parseVectorSelector(t);
    } else if (t.type === T.LEFT_BRACE) {
      vs = this.parseVectorSelector(null);
    } else {
      throw this.unexpected();
    }
    if (this.peek().type !== T.EOF) throw this.unexpected();
    return vs;
  }

  // ---- expressions ----

  protected parseExpr(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const opTok = this.peek();
      const prec = binaryPrecedence(opTok.type);
      if (prec < 0 || prec < minPrec) return lhs;
      this.consume();
      const modifiers = this.parseBinaryModifiers();
      const rhs = this.parseExpr(opTok.type === T.POW ? prec : prec + 1);
      const bin: BinaryExpr = {
        kind: 'BinaryExpr',
        op: (tokenText(opTok.type) ?? opTok.val) as BinaryOp,
        lhs,
        rhs,
        returnBool: modifiers.returnBool,
        vectorMatching: modifiers.matching,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
      };
      const fill = modifiers.matching.fillValues;
      if (!this.opts.binopFillModifiers && (fill.lhs !== null || fill.rhs !== null)) {
        throw this.error(bin.pos, 'binop fill modifiers are experimental and not enabled');
      }
      lhs = bin;
    }
  }

  protected parseUnary(): Expr {
    const t = this.peek();
    if (t.type === T.ADD || t.type === T.SUB) {
      this.consume();
      // The unary operator binds like `*`: its operand takes only `^` and postfix modifiers.
      const operand = this.parseExpr(PREC_POW);
      if (operand.kind === 'NumberLiteral') {
        if (t.type === T.SUB) operand.value = -operand.value;
        operand.pos = { start: t.pos, end: operand.pos.end };
        return operand;
      }
      return { kind: 'UnaryExpr', op: t.type === T.SUB ? '-' : '+', expr: operand, pos: { start: t.pos, end: operand.pos.end } };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  protected parsePrimary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case T.NUMBER: {
        this.consume();
        const r = parseNumberLiteral(t.val);
        if (r.error !== null) throw this.error(t, `error parsing number: ${r.error}`);
        return { kind: 'NumberLiteral', value: r.value, duration: false, pos: { start: t.pos, end: t.end } };
      }
      case T.DURATION:
        this.consume();
        return this.durationLiteral(t);
      case T.STRING:
        this.consume();
        return { kind: 'StringLiteral', value: unquoteString(t.val), pos: { start: t.pos, end: t.end } };
      case T.LEFT_PAREN: {
        this.consume();
        const inner = this.parseExpr(0);
        const close = this.expect(T.RIGHT_PAREN);
        return { kind: 'ParenExpr', expr: inner, pos: { start: t.pos, end: close.end } };
      }
      case T.LEFT_BRACE:
        return this.parseVectorSelector(null);
      case T.IDENTIFIER:
        this.consume();
        if (this.peek().type === T.LEFT_PAREN) return this.parseCall(t);
        return this.parseVectorSelector(t);
      case T.START:
      case T.END:
      case T.STEP:
      case T.RANGE:
      case T.MAX_OF:
      case T.MIN_OF:
        this.consume();
        if (this.peek().type === T.LEFT_PAREN) return this.parseCall(t);
        return this.parseVectorSelector(t);
    }
    if (isAggregator(t.type)) {
      this.consume();
      const n = this.peek().type;
      if (n === T.LEFT_PAREN || n === T.BY || n === T.WITHOUT) return this.parseAggregation(t);
      return this.parseVectorSelector(t);
    }
    if (isMetricIdentifier(t.type)) {
      this.consume();
      return this.parseVectorSelector(t);
    }
    throw this.unexpected();
  }

  /** `[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed` after an expression. */
  protected parsePostfix(expr: Expr): Expr {
    for (;;) {
      switch (this.peek().type) {
        case T.LEFT_BRACKET:
          expr = this.parseRangeOrSubquery(expr);
          break;
        case T.OFFSET:
          this.consume();
          this.parseOffset(expr);
          break;
        case T.AT:
          this.consume();
          this.parseAt(expr);
          break;
        case T.ANCHORED:
        case T.SMOOTHED:
          this.setAnchoredOrSmoothed(expr, this.consume().type === T.ANCHORED);
          break;
        default:
          return expr;
      }
    }
  }

  // ---- selectors ----

  /** `name`, `name{...}` or `{...}`; `nameTok` is the consumed name token, if any. */
  protected parseVectorSelector(nameTok: Token | null): VectorSelector {
    let matchers: Matcher[] = [];
    let start = nameTok !== null ? nameTok.pos : this.peek().pos;
    let end = nameTok !== null ? nameTok.end : start;
    if (this.peek().type === T.LEFT_BRACE) {
      const open = this.consume();
      if (nameTok === null) start = open.pos;
      const r = this.parseLabelMatchers();
      matchers = r.matchers;
      end = r.end;
    }
    const name = nameTok !== null ? nameTok.val : '';
    if (name !== '') matchers.push(new Matcher('=', METRIC_NAME, name));
    return {
      kind: 'VectorSelector',
      name,
      matchers,
      originalOffset: 0,
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      anchored: false,
      smoothed: false,
      bypassEmptyMatcherCheck: false,
      pos: { start, end },
    };
  }

  /** After `{`: matchers up to and including `}`. */
  protected parseLabelMatchers(): { matchers: Matcher[]; end: number } {
    const matchers: Matcher[] = [];
    const ctx = (expected: string): ErrorContext => ({ ctx: 'label matching', expected });
    for (;;) {
      const t = this.peek();
      if (t.type === T.RIGHT_BRACE) {
        this.consume();
        return { matchers, end: t.end };
      }
      if (t.type === T.IDENTIFIER || t.type === T.STRING) {
        this.consume();
        const name = t.type === T.STRING ? unquoteString(t.val) : t.val;
        const type = matchType(this.peek().type);
        if (type === null) {
          if (t.type === T.IDENTIFIER) throw this.unexpected(ctx('label matching operator'));
          matchers.push(new Matcher('=', METRIC_NAME, name));
        } else {
          this.consume();
          const v = this.peek();
          if (v.type !== T.STRING) throw this.unexpected(ctx('string'));
          this.consume();
          matchers.push(this.newMatcher(type, name, unquoteString(v.val), { start: t.pos, end: v.end }));
        }
      } else {
        throw this.unexpected(ctx('identifier or "}"'));
      }
      const sep = this.peek();
      if (sep.type === T.COMMA) {
        this.consume();
        continue;
      }
      if (sep.type !== T.RIGHT_BRACE) throw this.unexpected(ctx('"," or "}"'));
    }
  }

  protected newMatcher(type: MatchType, name: string, value: string, pos: PosRange): Matcher {
    try {
      return new Matcher(type, name, value);
    } catch (e) {
      throw this.error(pos, e instanceof Error ? e.message : String(e));
    }
  }

  // ---- calls and aggregations ----

  /** After `(`: arguments up to and including `)`. */
  protected parseCallArgs(): { args: Expr[]; end: number } {
    this.expect(T.LEFT_PAREN);
    const args: Expr[] = [];
    if (this.peek().type === T.RIGHT_PAREN) return { args, end: this.consume().end };
    for (;;) {
      args.push(this.parseExpr(0));
      const t = this.peek();
      if (t.type === T.COMMA) {
        this.consume();
        if (this.peek().type === T.RIGHT_PAREN) {
          throw this.error(t, 'trailing commas not allowed in function call args');
        }
        continue;
      }
      if (t.type === T.RIGHT_PAREN) return { args, end: this.consume().end };
      throw this.unexpected();
    }
  }

  protected parseCall(nameTok: Token): Call {
    const { args, end } = this.parseCallArgs();
    const func = FUNCTIONS.get(nameTok.val);
    if (func === undefined) throw this.error(nameTok, `unknown function with name ${goQuote(nameTok.val)}`);
    if (func.experimental && !this.opts.experimentalFunctions) {
      throw this.error(nameTok, `function ${goQuote(nameTok.val)} is not enabled`);
    }
    return { kind: 'Call', func, args, pos: { start: nameTok.pos, end } };
  }

  protected parseAggregation(opTok: Token): AggregateExpr {
    const op = tokenText(opTok.type) as AggregateOp;
    let grouping: string[] = [];
    let without = false;
    let hasModifier = false;
    this.contexts.push(CTX_AGGREGATION);
    let t = this.peek().type;
    if (t === T.BY || t === T.WITHOUT) {
      this.consume();
      without = t === T.WITHOUT;
      grouping = this.parseGroupingLabels();
      hasModifier = true;
    }
    if (this.peek().type !== T.LEFT_PAREN) throw this.unexpected();
    const { args, end: argsEnd } = this.parseCallArgs();
    this.contexts.pop();
    let end = argsEnd;
    if (!hasModifier) {
      t = this.peek().type;
      if (t === T.BY || t === T.WITHOUT) {
        this.consume();
        without = t === T.WITHOUT;
        grouping = this.parseGroupingLabels();
        end = this.lastGroupingEnd;
      }
    }
    const pos = { start: opTok.pos, end };
    if (args.length === 0) throw this.error(pos, 'no arguments for aggregate expression provided');
    let wanted = 1;
    let param: Expr | null = null;
    if (PARAMETRIZED_AGGREGATIONS.has(op)) {
      if (!this.opts.experimentalFunctions && (op === 'limitk' || op === 'limit_ratio')) {
        throw this.error(pos, `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`);
      }
      wanted = 2;
      param = args[0];
    }
    if (args.length !== wanted) {
      throw this.error(pos, `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`);
    }
    return { kind: 'AggregateExpr', op, expr: args[wanted - 1], param, grouping, without, pos };
  }
}
