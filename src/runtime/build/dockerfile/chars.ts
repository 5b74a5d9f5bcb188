/**
 * Character classes and quoting with Go's semantics. BuildKit decides what is a space or
 * a letter with Go's `unicode` package, which differs from JavaScript's `\s` (Go counts
 * U+0085 as space and U+FEFF not), so the parser uses these instead of regexes.
 */

/** Go's unicode.IsSpace. */
export function isSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** BuildKit's `reWhitespace` class: `[\t\v\f\r ]`. */
export function isSplitSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;
}

const letterRe = /^\p{L}$/u;
const digitRe = /^\p{Nd}$/u;
const printRe = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's unicode.IsLetter for a code point. */
export function isLetter(c: number): boolean {
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return letterRe.test(String.fromCodePoint(c));
}

/** Go's unicode.IsDigit (decimal digits of any script). */
export function isDigit(c: number): boolean {
  if (c < 0x80) return c >= 0x30 && c <= 0x39;
  return digitRe.test(String.fromCodePoint(c));
}

/** The index after trimming Go-unicode spaces from the left of s[start, end). */
export function skipSpaces(s: string, start: number, end: number = s.length): number {
  let i = start;
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** The index after trimming Go-unicode spaces from the right of s[start, end). */
export function trimSpacesEnd(s: string, start: number, end: number): number {
  let i = end;
  while (i > start && isSpace(s.charCodeAt(i - 1))) i--;
  return i;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * Go's strconv.Quote: the format of BuildKit's AST dump, which the conformance vectors
 * compare byte for byte.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c >= 0x80 && !(c >= 0xd800 && c <= 0xdfff) && printRe.test(ch)) out += ch;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + hex(c, 2);
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else if (c < 0x10000) out += '\\u' + hex(c, 4);
    else out += '\\U' + hex(c, 8);
  }
  return out + '"';
}
