/**
 * The parts of the grammar that follow an expression or an operator: range selectors and subqueries
 * (`[5m]`, `[1h:1m]`), `offset`, `@`, `anchored`/`smoothed`, the experimental duration expressions
 * inside them, and the `bool`/`on`/`ignoring`/`group_*`/`fill*` modifiers and label lists.
 */
import type { DurationExpr, Expr, MatrixSelector, NumberLiteral, PosRange, SubqueryExpr, VectorMatching, VectorSelector } from './ast.js';
import { T, type Token } from './tokens.js';
import { ParserBase, CTX_AT, CTX_OFFSET, CTX_RANGE, CTX_SUBQUERY_STEP, PREC_POW, isMaybeLabel, type DurationNode, type ErrorContext } from './parser-base.js';
import { foldDurationExpr } from './parser-durations.js';
import { goFormatF, goQuote, parseNumberLiteral, unquoteString } from './parser-literals.js';

/** Range selectors, subqueries, modifiers and duration expressions. */
export class ModifierParser extends ParserBase {
  protected durationLiteral(t: Token): NumberLiteral {
    const ms = parseDurationText(t.val);
    if (typeof ms === 'string') throw this.error(t, ms);
    return { kind: 'NumberLiteral', value: ms / 1000, duration: true, pos: { start: t.pos, end: t.end } };
  }

  // ---- range selectors and subqueries ----

  protected parseRangeOrSubquery(expr: Expr): Expr {
    const open = this.consume();
    this.contexts.push(CTX_RANGE);
    const range = this.parsePositiveDuration();
    this.contexts.pop();
    const t = this.peek();
    if (t.type === T.RIGHT_BRACKET) {
      this.consume();
      let msg = '';
      if (expr.kind !== 'VectorSelector') msg = 'ranges only allowed for vector selectors';
      else if (expr.originalOffset !== 0 || expr.offsetExpr !== null) msg = 'no offset modifiers allowed before range';
      else if (expr.timestamp !== null || expr.startOrEnd !== null) msg = 'no @ modifiers allowed before range';
      if (expr.kind !== 'VectorSelector' || msg !== '') throw this.error({ start: open.pos, end: t.end }, msg);
      const ms: MatrixSelector = {
        kind: 'MatrixSelector',
        vectorSelector: expr,
        range: 0,
        rangeExpr: null,
        pos: { start: expr.pos.start, end: t.end },
      };
      setDuration(range, (v) => (ms.range = v), (d) => (ms.rangeExpr = d), false);
      return ms;
    }
    if (t.type !== T.COLON) throw this.unexpected({ ctx: 'subquery or range', expected: '":" or "]"' });
    this.consume();
    let step: DurationNode | null = null;
    if (this.peek().type !== T.RIGHT_BRACKET) {
      this.contexts.push(CTX_SUBQUERY_STEP);
      step = this.parsePositiveDuration();
      this.contexts.pop();
    }
    const close = this.expect(T.RIGHT_BRACKET, { ctx: 'subquery selector', expected: '"]"' });
    const sq: SubqueryExpr = {
      kind: 'SubqueryExpr',
      expr,
      range: 0,
      rangeExpr: null,
      step: 0,
      stepExpr: null,
      originalOffset: 0,
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      pos: { start: expr.pos.start, end: close.end },
    };
    setDuration(range, (v) => (sq.range = v), (d) => (sq.rangeExpr = d), false);
    if (step !== null) setDuration(step, (v) => (sq.step = v), (d) => (sq.stepExpr = d), false);
    return sq;
  }

  /** A duration expression that, when a plain literal, must be positive. */
  protected parsePositiveDuration(): DurationNode {
    const d = this.parseDurationExpr(0);
    if (d.kind === 'NumberLiteral' && !(d.value > 0)) {
      throw this.error(d.pos, 'duration must be greater than 0');
    }
    return d;
  }

  // ---- duration expressions ----

  protected experimental(node: DurationNode): void {
    if (!this.opts.durationExpressions) {
      throw this.error(durationPos(node), 'experimental duration expression is not enabled');
    }
  }

  /** Precedence climbing over `+ - * / % ^`; `first`, when given, is an already parsed left operand. */
  protected parseDurationExpr(minPrec: number, first?: DurationNode): DurationNode {
    let lhs = first ?? this.parseDurationUnary();
    for (;;) {
      const opTok = this.peek();
      let prec: number;
      switch (opTok.type) {
        case T.ADD:
        case T.SUB:
          prec = 4;
          break;
        case T.MUL:
        case T.DIV:
        case T.MOD:
          prec = 5;
          break;
        case T.POW:
          prec = 6;
          break;
        default:
          return lhs;
      }
      if (prec < minPrec) return lhs;
      this.consume();
      const rhs = this.parseDurationExpr(opTok.type === T.POW ? prec : prec + 1);
      this.experimental(lhs);
      if ((opTok.type === T.DIV || opTok.type === T.MOD) && rhs.kind === 'NumberLiteral' && rhs.value === 0) {
        throw this.error(opTok, opTok.type === T.DIV ? 'division by zero' : 'modulo by zero');
      }
      lhs = {
        kind: 'DurationExpr',
        op: opTok.val as DurationExpr['op'],
        lhs,
        rhs,
        wrapped: false,
        pos: { start: durationPos(lhs).start, end: durationPos(rhs).end },
      };
    }
  }

  protected parseDurationUnary(): DurationNode {
    const t = this.peek();
    if (t.type === T.ADD || t.type === T.SUB) {
      this.consume();
      return this.applyUnary(t, this.parseDurationExpr(PREC_POW), false);
    }
    return this.parseDurationPrimary();
  }

  protected parseDurationPrimary(): DurationNode {
    const t = this.peek();
    switch (t.type) {
      case T.NUMBER:
      case T.DURATION:
        return this.durationNumber(t, null);
      case T.STEP:
      case T.RANGE:
      case T.MAX_OF:
      case T.MIN_OF:
        return this.durationFunction();
      case T.LEFT_PAREN: {
        this.consume();
        const inner = this.parseDurationExpr(0);
        const close = this.expect(T.RIGHT_PAREN);
        this.experimental(inner);
        return wrapParen(inner, t.pos, close.end);
      }
      default:
        throw this.unexpected();
    }
  }

  /** A number or duration literal, optionally after a consumed sign token. */
  protected durationNumber(t: Token, sign: Token | null): NumberLiteral {
    this.consume();
    let nl: NumberLiteral;
    if (t.type === T.DURATION) nl = this.durationLiteral(t);
    else {
      const r = parseNumberLiteral(t.val);
      if (r.error !== null) throw this.error(t, `error parsing number: ${r.error}`);
      nl = { kind: 'NumberLiteral', value: r.value, duration: false, pos: { start: t.pos, end: t.end } };
    }
    if (sign !== null) {
      if (sign.type === T.SUB) nl.value = -nl.value;
      if (durationOutOfRange(nl.value)) throw this.error(sign, 'duration out of range');
      nl.pos = { start: sign.pos, end: nl.pos.end };
    } else if (durationOutOfRange(nl.value)) {
      throw this.error(nl.pos, 'duration out of range');
    }
    return nl;
  }

  /** `step()`, `range()`, `min_of(a, b)`, `max_of(a, b)`. */
  protected durationFunction(): DurationExpr {
    const t = this.consume();
    this.expect(T.LEFT_PAREN);
    let de: DurationExpr;
    if (t.type === T.STEP || t.type === T.RANGE) {
      const close = this.expect(T.RIGHT_PAREN);
      de = { kind: 'DurationExpr', op: t.type === T.STEP ? 'step' : 'range', lhs: null, rhs: null, wrapped: false, pos: { start: t.pos, end: close.end } };
    } else {
      const a = this.parseDurationExpr(0);
      this.expect(T.COMMA);
      const b = this.parseDurationExpr(0);
      const close = this.expect(T.RIGHT_PAREN);
      de = { kind: 'DurationExpr', op: t.type === T.MAX_OF ? 'max_of' : 'min_of', lhs: a, rhs: b, wrapped: false, pos: { start: t.pos, end: close.end } };
    }
    this.experimental(de);
    return de;
  }

  protected applyUnary(op: Token, node: DurationNode, wrapped: boolean): DurationNode {
    let e = node;
    if (wrapped) {
      const p = durationPos(e);
      e = wrapParen(e, p.start, p.end);
    }
    if (e.kind === 'DurationExpr') {
      if (op.type === T.SUB) return { kind: 'DurationExpr', op: '-', lhs: null, rhs: e, wrapped: false, pos: { start: op.pos, end: durationPos(e).end } };
      return e;
    }
    if (op.type === T.SUB) e.value = -e.value;
    if (durationOutOfRange(e.value)) throw this.error(op, 'duration out of range');
    e.pos = { start: op.pos, end: e.pos.end };
    return e;
  }

  // ---- offset, @, anchored, smoothed ----

  protected parseOffset(target: Expr): void {
    this.contexts.push(CTX_OFFSET);
    const d = this.parseOffsetDuration();
    this.contexts.pop();
    const end = durationPos(d).end;
    if (target.kind === 'MatrixSelector') {
      this.addOffset(target, target.vectorSelector, d);
      target.pos = { start: target.pos.start, end };
    } else if (target.kind === 'VectorSelector' || target.kind === 'SubqueryExpr') {
      this.addOffset(target, target, d);
      target.pos = { start: target.pos.start, end };
    } else {
      throw this.error(target.pos, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
  }

  protected addOffset(target: Expr, holder: VectorSelector | SubqueryExpr, d: DurationNode): void {
    if (holder.originalOffset !== 0 || holder.offsetExpr !== null) {
      throw this.error(target.pos, 'offset may not be set multiple times');
    }
    setDuration(
      d,
      (v) => {
        holder.originalOffset = v;
        holder.offset = v;
      },
      (de) => (holder.offsetExpr = de),
      true,
    );
  }

  /**
   * The operand of `offset`: a single (signed) literal, `step()`, `range()`, `min_of`/`max_of`, or a
   * parenthesised duration expression, so that `x offset 5m * 2` is `(x offset 5m) * 2` as in
   * Prometheus. An unsigned parenthesised expression may go on with duration operators
   * (`offset (1h) * 2` is an offset of 2h), which is what Prometheus's grammar does too.
   */
  protected parseOffsetDuration(): DurationNode {
    const t = this.peek();
    let sign: Token | null = null;
    if (t.type === T.ADD || t.type === T.SUB) {
      sign = this.consume();
    }
    const u = this.peek();
    switch (u.type) {
      case T.NUMBER:
      case T.DURATION:
        return this.durationNumber(u, sign);
      case T.STEP:
      case T.RANGE:
      case T.MAX_OF:
      case T.MIN_OF: {
        const de = this.durationFunction();
        // A unary plus changes nothing (Prometheus keeps a wrapper node that prints as nothing).
        if (sign === null || sign.type === T.ADD) return de;
        return { kind: 'DurationExpr', op: '-', lhs: null, rhs: de, wrapped: false, pos: { start: sign.pos, end: de.pos.end } };
      }
      case T.LEFT_PAREN: {
        if (sign !== null) {
          this.consume();
          const inner = this.parseDurationExpr(0);
          this.expect(T.RIGHT_PAREN);
          return this.applyUnary(sign, inner, true);
        }
        return this.parseDurationExpr(0, this.parseDurationPrimary());
      }
      default:
        throw this.unexpected();
    }
  }

  protected parseAt(target: Expr): void {
    this.contexts.push(CTX_AT);
    const t = this.peek();
    let ts: number | null = null;
    let startOrEnd: 'start' | 'end' | null = null;
    let end: number;
    if (t.type === T.START || t.type === T.END) {
      this.consume();
      this.expect(T.LEFT_PAREN);
      end = this.expect(T.RIGHT_PAREN).end;
      startOrEnd = t.type === T.START ? 'start' : 'end';
    } else {
      let sign = 1;
      if (t.type === T.ADD || t.type === T.SUB) {
        this.consume();
        if (t.type === T.SUB) sign = -1;
      }
      const n = this.peek();
      if (n.type !== T.NUMBER && n.type !== T.DURATION) throw this.unexpected();
      this.consume();
      let v: number;
      if (n.type === T.DURATION) {
        const ms = parseDurationText(n.val);
        if (typeof ms === 'string') throw this.error(n, ms);
        v = ms / 1000;
      } else {
        const r = parseNumberLiteral(n.val);
        if (r.error !== null) throw this.error(n, `error parsing number: ${r.error}`);
        v = r.value;
      }
      ts = sign * v;
      end = n.end;
    }
    this.contexts.pop();
    if (ts !== null && (!Number.isFinite(ts) || ts >= 9223372036854775807 || ts <= -9223372036854775808)) {
      throw this.error(target.pos, `timestamp out of bounds for @ modifier: ${goFormatF(ts)}`);
    }
    let holder: VectorSelector | SubqueryExpr;
    if (target.kind === 'VectorSelector' || target.kind === 'SubqueryExpr') holder = target;
    else if (target.kind === 'MatrixSelector') holder = target.vectorSelector;
    else throw this.error(target.pos, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    if (holder.timestamp !== null || holder.startOrEnd !== null) {
      throw this.error(target.pos, '@ <timestamp> may not be set multiple times');
    }
    if (ts !== null) holder.timestamp = Math.round(ts * 1000);
    else holder.startOrEnd = startOrEnd;
    target.pos = { start: target.pos.start, end };
  }

  protected setAnchoredOrSmoothed(target: Expr, anchored: boolean): void {
    const name = anchored ? 'anchored' : 'smoothed';
    if (!this.opts.extendedRangeSelectors) throw this.error(target.pos, `${name} modifier is experimental and not enabled`);
    let vs: VectorSelector;
    if (target.kind === 'VectorSelector') vs = target;
    else if (target.kind === 'MatrixSelector') vs = target.vectorSelector;
    else if (target.kind === 'SubqueryExpr') throw this.error(target.pos, `${name} modifier is not supported for subqueries`);
    else throw this.error(target.pos, `${name} modifier not implemented`);
    if (anchored) vs.anchored = true;
    else vs.smoothed = true;
    if (vs.anchored && vs.smoothed) throw this.error(target.pos, 'anchored and smoothed modifiers cannot be used together');
  }

  // ---- binary operator modifiers ----

  protected parseBinaryModifiers(): { returnBool: boolean; matching: VectorMatching } {
    const matching: VectorMatching = { card: 'one-to-one', matchingLabels: [], on: false, include: [], fillValues: { lhs: null, rhs: null } };
    let returnBool = false;
    if (this.peek().type === T.BOOL) {
      this.consume();
      returnBool = true;
    }
    let t = this.peek().type;
    if (t === T.ON || t === T.IGNORING) {
      this.consume();
      matching.on = t === T.ON;
      matching.matchingLabels = this.parseGroupingLabels();
      t = this.peek().type;
      if (t === T.GROUP_LEFT || t === T.GROUP_RIGHT) {
        this.consume();
        matching.card = t === T.GROUP_LEFT ? 'many-to-one' : 'one-to-many';
        if (this.peek().type === T.LEFT_PAREN) matching.include = this.parseGroupingLabels();
      }
    }
    t = this.peek().type;
    if (t === T.FILL) {
      this.consume();
      const v = this.parseFillValue();
      matching.fillValues.lhs = v;
      matching.fillValues.rhs = v;
    } else if (t === T.FILL_LEFT || t === T.FILL_RIGHT) {
      this.consume();
      const first = this.parseFillValue();
      if (t === T.FILL_LEFT) matching.fillValues.lhs = first;
      else matching.fillValues.rhs = first;
      const other = t === T.FILL_LEFT ? T.FILL_RIGHT : T.FILL_LEFT;
      if (this.peek().type === other) {
        this.consume();
        const second = this.parseFillValue();
        if (other === T.FILL_LEFT) matching.fillValues.lhs = second;
        else matching.fillValues.rhs = second;
      }
    }
    return { returnBool, matching };
  }

  /** `( [+|-] number )` after `fill`, `fill_left`, `fill_right`. */
  protected parseFillValue(): number {
    this.expect(T.LEFT_PAREN);
    let sign = 1;
    const s = this.peek().type;
    if (s === T.ADD || s === T.SUB) {
      this.consume();
      if (s === T.SUB) sign = -1;
    }
    const n = this.peek();
    if (n.type !== T.NUMBER && n.type !== T.DURATION) throw this.unexpected();
    this.consume();
    let v: number;
    if (n.type === T.DURATION) {
      const ms = parseDurationText(n.val);
      if (typeof ms === 'string') throw this.error(n, ms);
      v = ms / 1000;
    } else {
      const r = parseNumberLiteral(n.val);
      if (r.error !== null) throw this.error(n, `error parsing number: ${r.error}`);
      v = r.value;
    }
    this.expect(T.RIGHT_PAREN);
    return sign * v;
  }

  /** `( label, ... )` after `by`, `without`, `on`, `ignoring`, `group_left`, `group_right`. */
  protected parseGroupingLabels(): string[] {
    const ctx = (expected: string): ErrorContext => ({ ctx: 'grouping opts', expected });
    this.expect(T.LEFT_PAREN, ctx('"("'));
    const labels: string[] = [];
    if (this.peek().type === T.RIGHT_PAREN) {
      this.lastGroupingEnd = this.consume().end;
      return labels;
    }
    for (;;) {
      const t = this.peek();
      let label: string;
      if (t.type === T.STRING) label = unquoteString(t.val);
      else if (isMaybeLabel(t.type)) label = t.val;
      else throw this.unexpected(ctx('label'));
      this.consume();
      if (label === '' || !isValidUTF8(label)) {
        throw this.error({ start: t.pos, end: t.end }, `invalid label name for grouping: ${goQuote(label)}`);
      }
      labels.push(label);
      const sep = this.peek();
      if (sep.type === T.COMMA) {
        this.consume();
        if (this.peek().type === T.RIGHT_PAREN) {
          this.lastGroupingEnd = this.consume().end;
          return labels;
        }
        continue;
      }
      if (sep.type === T.RIGHT_PAREN) {
        this.lastGroupingEnd = this.consume().end;
        return labels;
      }
      throw this.unexpected(ctx('"," or ")"'));
    }
  }
}

/** Sets a parsed duration (seconds) as milliseconds, or keeps the expression and folds it if constant. */
function setDuration(
  d: DurationNode,
  setMs: (ms: number) => void,
  setExpr: (e: DurationExpr) => void,
  allowNegative: boolean,
): void {
  if (d.kind === 'NumberLiteral') {
    setMs(secondsToMs(d.value));
    return;
  }
  setExpr(d);
  const folded = foldDurationExpr(d);
  if (folded !== null && Number.isFinite(folded) && (allowNegative || folded > 0) && !durationOutOfRange(folded)) {
    setMs(Math.trunc(folded * 1000));
  }
}

/** Seconds to milliseconds with nanosecond rounding, as Prometheus's `time.Duration(math.Round(v*1e9))`. */
function secondsToMs(v: number): number {
  return Math.round(v * 1e9) / 1e6;
}

function durationOutOfRange(v: number): boolean {
  return v > 9223372036.854775807 || v < -9223372036.854775808;
}

function durationPos(d: DurationNode): PosRange {
  return d.pos;
}

/** Marks a duration expression as written in parentheses (a literal gets a unary-plus wrapper). */
function wrapParen(e: DurationNode, start: number, end: number): DurationExpr {
  if (e.kind === 'DurationExpr') {
    e.wrapped = true;
    return e;
  }
  return { kind: 'DurationExpr', op: '+', lhs: null, rhs: e, wrapped: true, pos: { start, end } };
}

/**
 * Parses the text of a DURATION token into milliseconds, or returns Prometheus's error message
 * (`not a valid duration string: "5m1h"`, `unknown unit "hs" in duration "5y1hs"`).
 */
export function parseDurationText(s: string): number | string {
  let pos = 0;
  let last = -1;
  let totalMs = 0;
  while (pos < s.length) {
    const numStart = pos;
    while (pos < s.length && isDigitCode(s.charCodeAt(pos))) pos++;
    if (pos === numStart) return `not a valid duration string: ${goQuote(s)}`;
    const n = Number(s.slice(numStart, pos));
    const unitStart = pos;
    while (pos < s.length && !isDigitCode(s.charCodeAt(pos))) pos++;
    if (pos === unitStart) return `not a valid duration string: ${goQuote(s)}`;
    const unit = s.slice(unitStart, pos);
    const idx = DURATION_UNITS.indexOf(unit);
    if (idx < 0) return `unknown unit ${goQuote(unit)} in duration ${goQuote(s)}`;
    if (idx <= last) return `not a valid duration string: ${goQuote(s)}`;
    last = idx;
    totalMs += n * DURATION_UNIT_MS[idx];
    // Go keeps durations in int64 nanoseconds.
    if (totalMs * 1e6 > 9223372036854775807) return 'duration out of range';
  }
  return totalMs;
}

const DURATION_UNITS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const DURATION_UNIT_MS = [31536000000, 604800000, 86400000, 3600000, 60000, 1000, 1];
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;

function isValidUTF8(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (!(n >= 0xdc00 && n <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}
