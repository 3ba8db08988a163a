/**
 * PromQL's tokens: their types (the ranges of operators, aggregators and keywords matter), the words the
 * lexer turns into keywords, and the canonical text of fixed tokens (Prometheus's `ItemTypeStr`).
 */

/** Token types. Ranges matter: see `isOperator`, `isAggregator`, `isKeyword`. */
export const enum T {
  EOF = 0,
  ERROR,
  COMMENT,
  IDENTIFIER,
  METRIC_IDENTIFIER,
  NUMBER,
  DURATION,
  STRING,
  LEFT_PAREN,
  RIGHT_PAREN,
  LEFT_BRACE,
  RIGHT_BRACE,
  LEFT_BRACKET,
  RIGHT_BRACKET,
  COMMA,
  EQL,
  COLON,
  // Operators.
  OPERATORS_START,
  ADD,
  SUB,
  MUL,
  DIV,
  MOD,
  POW,
  EQLC,
  NEQ,
  LTE,
  LSS,
  GTE,
  GTR,
  TRIM_UPPER,
  TRIM_LOWER,
  EQL_REGEX,
  NEQ_REGEX,
  LAND,
  LOR,
  LUNLESS,
  ATAN2,
  AT,
  OPERATORS_END,
  // Aggregators.
  AGGREGATORS_START,
  AVG,
  BOTTOMK,
  COUNT,
  COUNT_VALUES,
  GROUP,
  MAX,
  MIN,
  QUANTILE,
  STDDEV,
  STDVAR,
  SUM,
  TOPK,
  LIMITK,
  LIMIT_RATIO,
  AGGREGATORS_END,
  // Keywords.
  KEYWORDS_START,
  BOOL,
  BY,
  GROUP_LEFT,
  GROUP_RIGHT,
  FILL,
  FILL_LEFT,
  FILL_RIGHT,
  IGNORING,
  OFFSET,
  SMOOTHED,
  ANCHORED,
  ON,
  WITHOUT,
  KEYWORDS_END,
  // Preprocessors (`@ start()`, duration expressions).
  START,
  END,
  STEP,
  RANGE,
  MAX_OF,
  MIN_OF,
}

/** One token: its type, where it is, and its text (for ERROR tokens: the error message). */
export interface Token {
  type: T;
  /** Offset of the first character. */
  pos: number;
  /** Offset just past the token (for ERROR tokens: the end of the input). */
  end: number;
  /** The token's source text; for ERROR tokens the message. */
  val: string;
}

/** Words the lexer turns into keyword tokens (compared in lower case). `inf`/`nan` become numbers. */
export const KEYWORDS: ReadonlyMap<string, T> = new Map<string, T>([
  ['and', T.LAND],
  ['or', T.LOR],
  ['unless', T.LUNLESS],
  ['atan2', T.ATAN2],
  ['sum', T.SUM],
  ['avg', T.AVG],
  ['count', T.COUNT],
  ['min', T.MIN],
  ['max', T.MAX],
  ['group', T.GROUP],
  ['stddev', T.STDDEV],
  ['stdvar', T.STDVAR],
  ['topk', T.TOPK],
  ['bottomk', T.BOTTOMK],
  ['count_values', T.COUNT_VALUES],
  ['quantile', T.QUANTILE],
  ['limitk', T.LIMITK],
  ['limit_ratio', T.LIMIT_RATIO],
  ['offset', T.OFFSET],
  ['smoothed', T.SMOOTHED],
  ['anchored', T.ANCHORED],
  ['by', T.BY],
  ['without', T.WITHOUT],
  ['on', T.ON],
  ['ignoring', T.IGNORING],
  ['group_left', T.GROUP_LEFT],
  ['group_right', T.GROUP_RIGHT],
  ['fill', T.FILL],
  ['fill_left', T.FILL_LEFT],
  ['fill_right', T.FILL_RIGHT],
  ['bool', T.BOOL],
  ['start', T.START],
  ['end', T.END],
  ['step', T.STEP],
  ['range', T.RANGE],
  ['max_of', T.MAX_OF],
  ['min_of', T.MIN_OF],
  ['inf', T.NUMBER],
  ['nan', T.NUMBER],
]);

/** Keywords that the lexer recognises inside `[...]` (duration expressions). */
export const DURATION_KEYWORDS: ReadonlyMap<string, T> = new Map<string, T>([
  ['step', T.STEP],
  ['range', T.RANGE],
  ['max_of', T.MAX_OF],
  ['min_of', T.MIN_OF],
]);

/** The canonical text of fixed tokens (Prometheus's `ItemTypeStr`). */
const TOKEN_TEXT = new Map<T, string>([
  [T.LEFT_PAREN, '('],
  [T.RIGHT_PAREN, ')'],
  [T.LEFT_BRACE, '{'],
  [T.RIGHT_BRACE, '}'],
  [T.LEFT_BRACKET, '['],
  [T.RIGHT_BRACKET, ']'],
  [T.COMMA, ','],
  [T.EQL, '='],
  [T.COLON, ':'],
  [T.ADD, '+'],
  [T.SUB, '-'],
  [T.MUL, '*'],
  [T.DIV, '/'],
  [T.MOD, '%'],
  [T.POW, '^'],
  [T.EQLC, '=='],
  [T.NEQ, '!='],
  [T.LTE, '<='],
  [T.LSS, '<'],
  [T.GTE, '>='],
  [T.GTR, '>'],
  [T.TRIM_UPPER, '</'],
  [T.TRIM_LOWER, '>/'],
  [T.EQL_REGEX, '=~'],
  [T.NEQ_REGEX, '!~'],
  [T.AT, '@'],
]);
for (const [word, type] of KEYWORDS) if (type !== T.NUMBER) TOKEN_TEXT.set(type, word);

/** The canonical text of a fixed token type (`+`, `by`, `sum`); `undefined` for variable tokens. */
export function tokenText(type: T): string | undefined {
  return TOKEN_TEXT.get(type);
}

export const isOperator = (t: T): boolean => t > T.OPERATORS_START && t < T.OPERATORS_END;
export const isAggregator = (t: T): boolean => t > T.AGGREGATORS_START && t < T.AGGREGATORS_END;
export const isKeyword = (t: T): boolean => t > T.KEYWORDS_START && t < T.KEYWORDS_END;
