/**
 * Go's `strconv.Quote` and `QuoteRune`, as Prometheus's messages and printers show strings (`%q`): C-style
 * escapes, `\xNN` for other ASCII controls, printable characters as they are, `\uNNNN`/`\UNNNNNNNN` for the
 * rest. A lone surrogate U+DC80..U+DCFF stands for an invalid byte 0x80..0xFF (the PromQL lexer keeps
 * invalid UTF-8 that way) and is printed `\xNN` as Go prints the byte; any other lone surrogate is `\ufffd`.
 */

/** Go's `unicode.IsPrint` outside ASCII: letters, marks, numbers, punctuation and symbols. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** One code point as it appears inside a Go literal quoted with `quote` (`"` or `'`). */
export function escapeGoRune(cp: number, quote: number): string {
  switch (cp) {
    case 7: return '\\a';
    case 8: return '\\b';
    case 12: return '\\f';
    case 10: return '\\n';
    case 13: return '\\r';
    case 9: return '\\t';
    case 11: return '\\v';
    case 92: return '\\\\';
  }
  if (cp === quote) return '\\' + String.fromCharCode(quote);
  if (cp < 0x80) return cp < 0x20 || cp === 0x7f ? '\\x' + cp.toString(16).padStart(2, '0') : String.fromCharCode(cp);
  if (cp >= 0xdc80 && cp <= 0xdcff) return '\\x' + (cp - 0xdc00).toString(16);
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  const ch = String.fromCodePoint(cp);
  if (PRINTABLE.test(ch)) return ch;
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** Go's `strconv.Quote` (the `%q` verb on a string). */
export function quoteGoString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) {
      out += s[i];
      continue;
    }
    const cp = s.codePointAt(i) ?? c;
    if (cp > 0xffff) i++;
    out += escapeGoRune(cp, 0x22);
  }
  return out + '"';
}
