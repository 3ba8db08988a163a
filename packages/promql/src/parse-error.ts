/** The error a query that does not parse or type-check raises, worded and positioned as Prometheus does. */
import { VigilError } from '@vigil/model';
import type { PosRange } from './ast.js';

/**
 * A PromQL syntax or type error. `message` is Prometheus's full text, e.g.
 * `1:9: parse error: unexpected "}" in label matching, expected string`; `detail` is the part after
 * `parse error: `. Code `bad_data`, as the HTTP API reports it.
 */
export class ParseError extends VigilError {
  /** Where the problem is: UTF-16 offsets into `query` (`start` inclusive, `end` exclusive). */
  readonly positionRange: PosRange;
  /** The query that failed. */
  readonly query: string;
  /** 1-based line of `positionRange.start` (0 for an empty query). */
  readonly line: number;
  /** 1-based column, counted in UTF-8 bytes as Prometheus does (0 for an empty query). */
  readonly column: number;
  /** The message without the position prefix. */
  readonly detail: string;

  constructor(query: string, positionRange: PosRange, detail: string) {
    const { line, column } = lineColumn(query, positionRange.start);
    const where = query === '' ? 'unknown position' : `${line}:${column}`;
    super('bad_data', `${where}: parse error: ${detail}`);
    this.name = 'ParseError';
    this.positionRange = positionRange;
    this.query = query;
    this.line = query === '' ? 0 : line;
    this.column = query === '' ? 0 : column;
    this.detail = detail;
  }
}

/** Line and byte column of an offset, as Prometheus's `PositionRange.StartPosInput` computes them. */
function lineColumn(query: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(pos, 0), query.length);
  for (let i = 0; i < end; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: utf8Length(query, lineStart, end) + 1 };
}

function utf8Length(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
