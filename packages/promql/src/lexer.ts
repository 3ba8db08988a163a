/**
 * The PromQL lexer: a pull scanner over the query string, by index, one token per `next()` call. It
 * follows the states of Prometheus's lexer (statements, inside braces, inside brackets) because
 * several of Prometheus's error messages come from there and name the state the lexer was in.
 * Positions are UTF-16 offsets into the query. The token types are in `tokens.ts`.
 */
import { DURATION_KEYWORDS, KEYWORDS, T, type Token } from './tokens.js';

const isSpaceCode = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isAlphaCode = (c: number): boolean => c === 95 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isAlnumCode = (c: number): boolean => isAlphaCode(c) || isDigitCode(c);
const isHexCode = (c: number): boolean => isDigitCode(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** Go's `%q` of a single character, as Prometheus's lexer errors print it (`'}'`, `'\''`). */
export function quoteRune(ch: string): string {
  if (ch === "'") return "'\\''";
  if (ch === '\\') return "'\\\\'";
  const c = ch.codePointAt(0) ?? 0;
  if (c === 10) return "'\\n'";
  if (c === 13) return "'\\r'";
  if (c === 9) return "'\\t'";
  if (c < 0x20 || c === 0x7f) return "'\\x" + c.toString(16).padStart(2, '0') + "'";
  return "'" + ch + "'";
}

/** Go's `%#U` of a character: `U+0063 'c'`. */
function unicodeNotation(ch: string): string {
  const c = ch.codePointAt(0) ?? 0;
  const hex = 'U+' + c.toString(16).toUpperCase().padStart(4, '0');
  return c >= 0x20 && c !== 0x7f ? `${hex} '${ch}'` : hex;
}

/** Go's `%q` of a string, for lexer messages such as `bad number or duration syntax: "5mm"`. */
function quoteString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c === 10) out += '\\n';
    else if (c === 9) out += '\\t';
    else if (c === 13) out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += s[i];
  }
  return out + '"';
}

const enum State {
  Statements,
  InsideBraces,
  DurationExpr,
  Done,
}

/**
 * Scans a query. `next()` returns successive tokens (comments included), then EOF forever; after an
 * ERROR token, only EOF.
 */
export class Lexer {
  readonly input: string;
  private pos = 0;
  private start = 0;
  private state: State = State.Statements;
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;
  private gotDuration = false;
  /** The quote character of the string being scanned. */
  private stringOpen = 0;

  constructor(input: string) {
    this.input = input;
  }

  /** The next token. */
  next(): Token {
    for (;;) {
      const t = this.step();
      if (t !== null) return t;
    }
  }

  private emit(type: T): Token {
    const t: Token = { type, pos: this.start, end: this.pos, val: this.input.slice(this.start, this.pos) };
    this.start = this.pos;
    return t;
  }

  private error(message: string): Token {
    this.state = State.Done;
    return { type: T.ERROR, pos: this.start, end: this.input.length, val: message };
  }

  private peekCode(): number {
    return this.pos < this.input.length ? this.input.charCodeAt(this.pos) : -1;
  }

  /** The character at `pos` as a whole code point (for messages). */
  private charAt(pos: number): string {
    const c = this.input.codePointAt(pos);
    return c === undefined ? '' : String.fromCodePoint(c);
  }

  private skipSpaces(): void {
    while (isSpaceCode(this.peekCode())) this.pos++;
    this.start = this.pos;
  }

  /** One state step: a token, or `null` when only whitespace was skipped. */
  private step(): Token | null {
    switch (this.state) {
      case State.Statements:
        return this.lexStatements();
      case State.InsideBraces:
        return this.lexInsideBraces();
      case State.DurationExpr:
        return this.lexDurationExpr();
      case State.Done:
        this.start = this.pos = this.input.length;
        return { type: T.EOF, pos: this.input.length, end: this.input.length, val: '' };
    }
  }

  private lexStatements(): Token | null {
    if (this.braceOpen) {
      this.state = State.InsideBraces;
      return null;
    }
    const input = this.input;
    if (this.pos >= input.length) {
      if (this.parenDepth !== 0) return this.error('unclosed left parenthesis');
      if (this.bracketOpen) return this.error('unclosed left bracket');
      this.state = State.Done;
      return { type: T.EOF, pos: this.pos, end: this.pos, val: '' };
    }
    const c = input.charCodeAt(this.pos);
    if (c === 35 /* # */) return this.lexComment();
    this.pos++;
    switch (c) {
      case 44:
        return this.emit(T.COMMA);
      case 32:
      case 9:
      case 10:
      case 13:
        this.skipSpaces();
        return null;
      case 42:
        return this.emit(T.MUL);
      case 47:
        return this.emit(T.DIV);
      case 37:
        return this.emit(T.MOD);
      case 43:
        return this.emit(T.ADD);
      case 45:
        return this.emit(T.SUB);
      case 94:
        return this.emit(T.POW);
      case 61: {
        const n = this.peekCode();
        if (n === 61) {
          this.pos++;
          return this.emit(T.EQLC);
        }
        if (n === 126) return this.error("unexpected character after '=': '~'");
        return this.emit(T.EQL);
      }
      case 33: {
        const n = this.peekCode();
        if (n !== 61) {
          const ch = this.charAt(this.pos);
          this.pos += ch.length;
          return this.error(`unexpected character after '!': ${n < 0 ? "'\uFFFD'" : quoteRune(ch)}`);
        }
        this.pos++;
        return this.emit(T.NEQ);
      }
      case 60: {
        const n = this.peekCode();
        if (n === 61) {
          this.pos++;
          return this.emit(T.LTE);
        }
        if (n === 47) {
          this.pos++;
          return this.emit(T.TRIM_UPPER);
        }
        return this.emit(T.LSS);
      }
      case 62: {
        const n = this.peekCode();
        if (n === 61) {
          this.pos++;
          return this.emit(T.GTE);
        }
        if (n === 47) {
          this.pos++;
          return this.emit(T.TRIM_LOWER);
        }
        return this.emit(T.GTR);
      }
      case 34:
      case 39:
        this.stringOpen = c;
        return this.lexString();
      case 96:
        return this.lexRawString();
      case 40:
        this.parenDepth++;
        return this.emit(T.LEFT_PAREN);
      case 41: {
        const t = this.emit(T.RIGHT_PAREN);
        this.parenDepth--;
        if (this.parenDepth < 0) return this.error("unexpected right parenthesis ')'");
        return t;
      }
      case 123: {
        const t = this.emit(T.LEFT_BRACE);
        this.braceOpen = true;
        this.state = State.InsideBraces;
        return t;
      }
      case 91: {
        if (this.bracketOpen) return this.error("unexpected left bracket '['");
        this.gotColon = false;
        const t = this.emit(T.LEFT_BRACKET);
        if (isSpaceCode(this.peekCode())) this.skipSpaces();
        this.bracketOpen = true;
        this.state = State.DurationExpr;
        return t;
      }
      case 93:
        if (!this.bracketOpen) return this.error("unexpected right bracket ']'");
        this.bracketOpen = false;
        return this.emit(T.RIGHT_BRACKET);
      case 64:
        return this.emit(T.AT);
    }
    if (isDigitCode(c) || (c === 46 && isDigitCode(this.peekCode()))) {
      this.pos--;
      return this.lexNumberOrDuration();
    }
    if (isAlphaCode(c) || c === 58) {
      if (!this.bracketOpen) {
        this.pos--;
        return this.lexKeywordOrIdentifier();
      }
      if (c === 58) {
        if (this.gotColon) return this.error("unexpected colon ':'");
        this.gotColon = true;
        return this.emit(T.COLON);
      }
      const t = this.scanDurationKeyword();
      if (t !== null) return t;
      return this.error(`unexpected character: ${quoteRune(String.fromCharCode(c))}, expected ':'`);
    }
    const ch = this.charAt(this.pos - 1);
    this.pos += ch.length - 1;
    return this.error(`unexpected character: ${quoteRune(ch)}`);
  }

  private lexComment(): Token {
    const input = this.input;
    this.pos++;
    while (this.pos < input.length) {
      const c = input.charCodeAt(this.pos);
      if (c === 10 || c === 13) break;
      this.pos++;
    }
    return this.emit(T.COMMENT);
  }

  private lexInsideBraces(): Token | null {
    const input = this.input;
    if (this.pos >= input.length) return this.error('unexpected end of input inside braces');
    const c = input.charCodeAt(this.pos);
    if (c === 35) return this.lexComment();
    this.pos++;
    if (isSpaceCode(c)) {
      this.skipSpaces();
      return null;
    }
    if (isAlphaCode(c)) {
      while (isAlnumCode(this.peekCode())) this.pos++;
      return this.emit(T.IDENTIFIER);
    }
    switch (c) {
      case 44:
        return this.emit(T.COMMA);
      case 34:
      case 39:
        this.stringOpen = c;
        return this.lexString();
      case 96:
        return this.lexRawString();
      case 61:
        if (this.peekCode() === 126) {
          this.pos++;
          return this.emit(T.EQL_REGEX);
        }
        return this.emit(T.EQL);
      case 33: {
        const n = this.peekCode();
        if (n === 126) {
          this.pos++;
          return this.emit(T.NEQ_REGEX);
        }
        if (n === 61) {
          this.pos++;
          return this.emit(T.NEQ);
        }
        const ch = this.charAt(this.pos);
        this.pos += ch.length;
        return this.error(`unexpected character after '!' inside braces: ${n < 0 ? "'\uFFFD'" : quoteRune(ch)}`);
      }
      case 123:
        return this.error("unexpected left brace '{'");
      case 125:
        this.braceOpen = false;
        this.state = State.Statements;
        return this.emit(T.RIGHT_BRACE);
    }
    const ch = this.charAt(this.pos - 1);
    this.pos += ch.length - 1;
    return this.error(`unexpected character inside braces: ${quoteRune(ch)}`);
  }

  private lexDurationExpr(): Token | null {
    const input = this.input;
    if (this.pos >= input.length) return this.error('unexpected end of input in duration expression');
    const c = input.charCodeAt(this.pos);
    this.pos++;
    switch (c) {
      case 93:
        this.bracketOpen = false;
        this.gotColon = false;
        this.state = State.Statements;
        return this.emit(T.RIGHT_BRACKET);
      case 58: {
        this.emit(T.COLON);
        if (!this.gotDuration) return this.error('unexpected colon before duration in duration expression');
        if (this.gotColon) return this.error('unexpected repeated colon in duration expression');
        this.gotColon = true;
        // Prometheus replaces the emitted colon with the error above; without error the colon stands.
        return { type: T.COLON, pos: this.pos - 1, end: this.pos, val: ':' };
      }
      case 40:
        this.parenDepth++;
        return this.emit(T.LEFT_PAREN);
      case 41: {
        const t = this.emit(T.RIGHT_PAREN);
        this.parenDepth--;
        if (this.parenDepth < 0) return this.error("unexpected right parenthesis ')'");
        return t;
      }
      case 32:
      case 9:
      case 10:
      case 13:
        this.skipSpaces();
        return null;
      case 43:
        return this.emit(T.ADD);
      case 45:
        return this.emit(T.SUB);
      case 42:
        return this.emit(T.MUL);
      case 47:
        return this.emit(T.DIV);
      case 37:
        return this.emit(T.MOD);
      case 94:
        return this.emit(T.POW);
      case 44:
        return this.emit(T.COMMA);
    }
    if (isAlphaCode(c)) {
      const t = this.scanDurationKeyword();
      if (t !== null) return t;
      return this.error(`unexpected character in duration expression: ${quoteRune(String.fromCharCode(c))}`);
    }
    if (isDigitCode(c) || (c === 46 && isDigitCode(this.peekCode()))) {
      this.pos--;
      this.gotDuration = true;
      // As in Prometheus, the rest of the brackets is scanned in the statement state.
      this.state = State.Statements;
      return this.lexNumberOrDuration();
    }
    const ch = this.charAt(this.pos - 1);
    this.pos += ch.length - 1;
    return this.error(`unexpected character in duration expression: ${quoteRune(ch)}`);
  }

  /** After the first letter inside brackets: `step`, `range`, `max_of`, `min_of`, or `null`. */
  private scanDurationKeyword(): Token | null {
    const c0 = this.input.charCodeAt(this.start) | 0x20;
    // Only words starting like a duration keyword are tried (s, r, m), as in Prometheus.
    if (c0 !== 115 && c0 !== 114 && c0 !== 109) return null;
    while (isAlphaCode(this.peekCode())) this.pos++;
    const t = DURATION_KEYWORDS.get(this.input.slice(this.start, this.pos).toLowerCase());
    return t === undefined ? null : this.emit(t);
  }

  private lexKeywordOrIdentifier(): Token {
    const input = this.input;
    let hasColon = false;
    for (;;) {
      const c = this.peekCode();
      if (isAlnumCode(c)) this.pos++;
      else if (c === 58) {
        hasColon = true;
        this.pos++;
      } else break;
    }
    const word = input.slice(this.start, this.pos);
    const kw = KEYWORDS.get(word.toLowerCase());
    if (kw !== undefined) {
      // fill/fill_left/fill_right are keywords only before "(" so that metrics may carry these names.
      if ((kw === T.FILL || kw === T.FILL_LEFT || kw === T.FILL_RIGHT) && !this.followedByLeftParen()) {
        return this.emit(T.IDENTIFIER);
      }
      return this.emit(kw);
    }
    return this.emit(hasColon ? T.METRIC_IDENTIFIER : T.IDENTIFIER);
  }

  private followedByLeftParen(): boolean {
    let p = this.pos;
    while (p < this.input.length && isSpaceCode(this.input.charCodeAt(p))) p++;
    return p < this.input.length && this.input.charCodeAt(p) === 40;
  }

  private lexNumberOrDuration(): Token {
    if (this.scanNumber()) return this.emit(T.NUMBER);
    if (this.acceptRemainingDuration()) {
      this.pos--;
      return this.emit(T.DURATION);
    }
    return this.error(`bad number or duration syntax: ${quoteString(this.input.slice(this.start, this.pos))}`);
  }

  /** Accepts one character of `set` (a string of ASCII characters). */
  private accept(set: string): boolean {
    const c = this.peekCode();
    if (c >= 0 && set.indexOf(String.fromCharCode(c)) >= 0) {
      this.pos++;
      return true;
    }
    return false;
  }

  private acceptRemainingDuration(): boolean {
    if (!this.acceptUnit(true)) return false;
    this.acceptCode(115); // "ms": a bad pair like "hs" is caught when the duration is parsed.
    while (this.acceptDigit()) {
      while (this.acceptDigit());
      if (!this.acceptUnit(false)) return false;
      this.acceptCode(115);
    }
    // The next character must not continue a word; it is consumed here, as in Prometheus (the
    // caller steps back over it).
    const c = this.peekCode();
    this.pos++;
    return !isAlnumCode(c);
  }

  private acceptUnit(allowYear: boolean): boolean {
    const c = this.peekCode();
    if (c === 115 || c === 109 || c === 104 || c === 100 || c === 119 || (allowYear && c === 121)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private acceptCode(code: number): boolean {
    if (this.peekCode() === code) {
      this.pos++;
      return true;
    }
    return false;
  }

  private acceptDigit(): boolean {
    if (isDigitCode(this.peekCode())) {
      this.pos++;
      return true;
    }
    return false;
  }

  /**
   * Scans a number (decimal, octal, hex, float with exponent, `_` digit separators) exactly as
   * Prometheus's lexer does, quirks included (in hex, `e` counts as an exponent marker when it follows
   * a digit: `0x1e5` scans, `0xee` does not); the parser converts and validates the text.
   */
  private scanNumber(): boolean {
    const initial = this.pos;
    let hex = false;
    if (this.acceptCode(48) && this.accept('xX')) {
      this.acceptCode(95);
      hex = true;
    }
    const isDigitLike = hex ? isHexCode : isDigitCode;
    this.acceptCode(46);
    if (isDigitLike(this.peekCode())) this.pos++;
    let dotConsumed = false;
    let exponentConsumed = false;
    for (;;) {
      const c = this.peekCode();
      const isDot = c === 46;
      const isExp = c === 101 || c === 69;
      if (!(isDigitLike(c) || isDot || c === 95 || isExp)) break;
      if (isDot && dotConsumed) {
        this.pos++;
        return false;
      }
      if (isExp && exponentConsumed) {
        this.pos++;
        return false;
      }
      if (isDot) {
        this.pos++;
        dotConsumed = true;
        if (this.accept('_.')) return false;
        if (hex) return false; // no fractional hex literals
        continue;
      }
      if (isExp) {
        this.pos++;
        exponentConsumed = true;
        this.accept('+-');
        if (this.accept('._eE') || this.pos >= this.input.length) return false;
        continue;
      }
      if (c === 95) {
        this.pos++;
        if (this.accept('._eE') || this.pos >= this.input.length) return false;
        continue;
      }
      while (isDigitLike(this.peekCode())) this.pos++;
    }
    if (this.pos === initial) return false;
    return !isAlnumCode(this.peekCode());
  }

  private lexString(): Token {
    const input = this.input;
    const quote = this.stringOpen;
    for (;;) {
      if (this.pos >= input.length) return this.error('unterminated quoted string');
      const c = input.charCodeAt(this.pos);
      this.pos++;
      if (c === 92) {
        const err = this.lexEscape(quote);
        if (err !== null) return this.error(err);
        continue;
      }
      if (c === 10) return this.error('unterminated quoted string');
      if (c === quote) break;
    }
    return this.emit(T.STRING);
  }

  private lexRawString(): Token {
    const input = this.input;
    for (;;) {
      if (this.pos >= input.length) return this.error('unterminated raw string');
      const c = input.charCodeAt(this.pos);
      this.pos++;
      if (c === 96) break;
    }
    return this.emit(T.STRING);
  }

  /** Validates an escape after `\`; returns an error message or `null`. */
  private lexEscape(quote: number): string | null {
    const input = this.input;
    if (this.pos >= input.length) return 'escape sequence not terminated';
    const c = input.charCodeAt(this.pos);
    this.pos++;
    let n: number;
    let base: number;
    let max: number;
    switch (c) {
      case 97: // a b f n r t v \
      case 98:
      case 102:
      case 110:
      case 114:
      case 116:
      case 118:
      case 92:
        return null;
      case 120: // x
        n = 2;
        base = 16;
        max = 255;
        break;
      case 117: // u
        n = 4;
        base = 16;
        max = 0x10ffff;
        break;
      case 85: // U
        n = 8;
        base = 16;
        max = 0x10ffff;
        break;
      default:
        if (c === quote) return null;
        if (c >= 48 && c <= 55) {
          n = 3;
          base = 8;
          max = 255;
          this.pos--;
          break;
        }
        {
          const ch = this.charAt(this.pos - 1);
          this.pos += ch.length - 1;
          return `unknown escape sequence ${unicodeNotation(ch)}`;
        }
    }
    let x = 0;
    for (; n > 0; n--) {
      if (this.pos >= input.length) return 'escape sequence not terminated';
      const d = digitVal(input.charCodeAt(this.pos));
      if (d >= base) {
        const ch = this.charAt(this.pos);
        return `illegal character ${unicodeNotation(ch)} in escape sequence`;
      }
      this.pos++;
      x = x * base + d;
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) return 'escape sequence is an invalid Unicode code point';
    return null;
  }
}

function digitVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 97 + 10;
  if (c >= 65 && c <= 70) return c - 65 + 10;
  return 16;
}
