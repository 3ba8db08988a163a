/** The error every exposition parser throws: where (line and column, both 1-based) and what was expected. */
import { VigilError } from '@vigil/model';

export class ParseError extends VigilError {
  /** 1-based line of the input. */
  readonly line: number;
  /** 1-based column, counted in Unicode code points. */
  readonly column: number;
  /** The message without the position prefix. */
  readonly reason: string;

  constructor(line: number, column: number, reason: string) {
    super('bad_data', `line ${line}, column ${column}: ${reason}`);
    this.name = 'ParseError';
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/** How a character at `pos` is shown in "got ..." messages. */
export function describeAt(text: string, pos: number): string {
  if (pos >= text.length) return 'end of input';
  const c = text.charCodeAt(pos);
  if (c === 0x0a) return 'end of line';
  const cp = text.codePointAt(pos)!;
  if (cp === 0x20) return '" " (space)';
  if (cp === 0x09) return '"\\t" (tab)';
  if (cp < 0x20 || cp === 0x7f) return `"\\x${cp.toString(16).padStart(2, '0')}"`;
  if (cp === 0x22) return `'"'`;
  return JSON.stringify(String.fromCodePoint(cp));
}

/** The 1-based column of `pos` in the line that starts at `lineStart`, in code points. */
export function columnOf(text: string, lineStart: number, pos: number): number {
  let col = 1;
  for (let i = lineStart; i < pos && i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < pos) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    col++;
  }
  return col;
}
