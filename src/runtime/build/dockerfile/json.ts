/**
 * The exec form's JSON array, read the way BuildKit's `json.Unmarshal` into `[]any` reads
 * it — the whole text must be one valid JSON value — but keeping each element's offsets so
 * the editor can point at `"-c"` in `CMD ["sh", "-c"]`.
 *
 * Outcomes match BuildKit's three: an array of strings (exec form), a valid array holding
 * something else (a parse error in BuildKit), or not JSON (the shell-form fallback).
 * Validation is iterative, so `[[[[…` cannot overflow the stack; like Go, nesting deeper
 * than 10000 is invalid.
 */

export interface JsonElement {
  readonly value: string;
  /** Offsets of the string literal, quotes included. */
  readonly start: number;
  readonly end: number;
}

export type JsonArrayResult =
  | { readonly kind: 'strings'; readonly elements: JsonElement[] }
  | { readonly kind: 'not-strings' }
  | { readonly kind: 'invalid' };

const INVALID: JsonArrayResult = { kind: 'invalid' };
const MAX_DEPTH = 10000;

/** Reads text[start, end) as a JSON array; text[start] must be `[`. */
export function parseJsonArray(text: string, start: number, end: number): JsonArrayResult {
  const s = new JsonScanner(text, end);
  let pos = start;
  if (text.charCodeAt(pos) !== 0x5b) return INVALID;
  pos = s.ws(pos + 1);
  const elements: JsonElement[] = [];
  let allStrings = true;
  if (text.charCodeAt(pos) === 0x5d) {
    pos++;
  } else {
    for (;;) {
      pos = s.ws(pos);
      if (text.charCodeAt(pos) === 0x22) {
        const str = s.string(pos);
        if (!str) return INVALID;
        elements.push({ value: str.value, start: pos, end: str.end });
        pos = str.end;
      } else {
        allStrings = false;
        pos = s.skipValue(pos);
        if (pos < 0) return INVALID;
      }
      pos = s.ws(pos);
      const c = text.charCodeAt(pos);
      if (pos < end && c === 0x2c) {
        pos++;
        continue;
      }
      if (pos < end && c === 0x5d) {
        pos++;
        break;
      }
      return INVALID;
    }
  }
  if (s.ws(pos) !== end) return INVALID;
  return allStrings ? { kind: 'strings', elements } : { kind: 'not-strings' };
}

class JsonScanner {
  constructor(
    private readonly text: string,
    private readonly end: number,
  ) {}

  ws(pos: number): number {
    while (pos < this.end) {
      const c = this.text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      pos++;
    }
    return pos;
  }

  /** A string literal at pos (which holds `"`): its decoded value and the offset after it. */
  string(pos: number): { value: string; end: number } | undefined {
    const t = this.text;
    let value = '';
    let i = pos + 1;
    let runStart = i;
    while (i < this.end) {
      const c = t.charCodeAt(i);
      if (c === 0x22) return { value: value + t.slice(runStart, i), end: i + 1 };
      if (c < 0x20) return undefined;
      if (c !== 0x5c) {
        i++;
        continue;
      }
      value += t.slice(runStart, i);
      const e = t.charCodeAt(i + 1);
      if (i + 1 >= this.end) return undefined;
      i += 2;
      switch (e) {
        case 0x22: value += '"'; break;
        case 0x5c: value += '\\'; break;
        case 0x2f: value += '/'; break;
        case 0x62: value += '\b'; break;
        case 0x66: value += '\f'; break;
        case 0x6e: value += '\n'; break;
        case 0x72: value += '\r'; break;
        case 0x74: value += '\t'; break;
        case 0x75: {
          const u = this.hex4(i);
          if (u < 0) return undefined;
          i += 4;
          if (u >= 0xd800 && u <= 0xdbff && t.charCodeAt(i) === 0x5c && t.charCodeAt(i + 1) === 0x75) {
            const lo = this.hex4(i + 2);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              value += String.fromCharCode(u, lo);
              i += 6;
              break;
            }
          }
          // Go replaces an unpaired surrogate with U+FFFD.
          value += u >= 0xd800 && u <= 0xdfff ? '\ufffd' : String.fromCharCode(u);
          break;
        }
        default:
          return undefined;
      }
      runStart = i;
    }
    return undefined;
  }

  private hex4(pos: number): number {
    if (pos + 4 > this.end) return -1;
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.text.charCodeAt(pos + k);
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) return -1;
      n = n * 16 + d;
    }
    return n;
  }

  private scalar(pos: number): number {
    const t = this.text;
    const c = t.charCodeAt(pos);
    if (c === 0x22) return this.string(pos)?.end ?? -1;
    for (const lit of ['true', 'false', 'null']) {
      if (t.startsWith(lit, pos) && pos + lit.length <= this.end) return pos + lit.length;
    }
    return this.number(pos);
  }

  private number(pos: number): number {
    const t = this.text;
    const digit = (i: number) => i < this.end && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39;
    let i = pos;
    if (t.charCodeAt(i) === 0x2d) i++;
    if (!digit(i)) return -1;
    if (t.charCodeAt(i) === 0x30) i++;
    else while (digit(i)) i++;
    if (i < this.end && t.charCodeAt(i) === 0x2e) {
      i++;
      if (!digit(i)) return -1;
      while (digit(i)) i++;
    }
    if (i < this.end && (t.charCodeAt(i) === 0x65 || t.charCodeAt(i) === 0x45)) {
      i++;
      if (i < this.end && (t.charCodeAt(i) === 0x2b || t.charCodeAt(i) === 0x2d)) i++;
      if (!digit(i)) return -1;
      while (digit(i)) i++;
    }
    return i;
  }

  /** Skips any JSON value at pos; -1 when invalid. */
  skipValue(pos: number): number {
    const t = this.text;
    const stack: number[] = [];
    for (;;) {
      // Expect a value.
      pos = this.ws(pos);
      if (pos >= this.end) return -1;
      const c = t.charCodeAt(pos);
      let closedEmpty = false;
      if (c === 0x7b || c === 0x5b) {
        pos = this.ws(pos + 1);
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (pos < this.end && t.charCodeAt(pos) === close) {
          pos++;
          closedEmpty = true;
        } else {
          if (stack.length >= MAX_DEPTH) return -1;
          stack.push(c);
          if (c === 0x7b) {
            pos = this.key(pos);
            if (pos < 0) return -1;
          }
          continue;
        }
      }
      if (!closedEmpty) {
        pos = this.scalar(pos);
        if (pos < 0) return -1;
      }
      // After a value: commas and closing brackets.
      for (;;) {
        if (stack.length === 0) return pos;
        pos = this.ws(pos);
        if (pos >= this.end) return -1;
        const top = stack[stack.length - 1];
        const d = t.charCodeAt(pos);
        if (d === 0x2c) {
          pos++;
          if (top === 0x7b) {
            pos = this.key(this.ws(pos));
            if (pos < 0) return -1;
          }
          break;
        }
        if ((top === 0x5b && d === 0x5d) || (top === 0x7b && d === 0x7d)) {
          pos++;
          stack.pop();
          continue;
        }
        return -1;
      }
    }
  }

  /** An object key and its colon; the offset after the colon, or -1. */
  private key(pos: number): number {
    if (pos >= this.end || this.text.charCodeAt(pos) !== 0x22) return -1;
    const str = this.string(pos);
    if (!str) return -1;
    pos = this.ws(str.end);
    if (pos >= this.end || this.text.charCodeAt(pos) !== 0x3a) return -1;
    return pos + 1;
  }
}
