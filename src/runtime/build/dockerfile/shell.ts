/**
 * The shell-word lexer: variable expansion and word splitting with the semantics of
 * BuildKit's `shell` package (which mimics a POSIX shell, without running anything).
 *
 * - Quotes: '…' is literal; "…" expands `$` and lets the escape token escape `"`, `$`
 *   and itself (other escapes stay literal); outside quotes the escape token escapes any
 *   character and a trailing one is dropped.
 * - `$NAME`, `${NAME}`, positional (`$1`, removed) and special parameters (`$@ $* $# $? $-
 *   $$ $! $0`, never set in a Dockerfile), and the modifiers `${N:-w} ${N-w} ${N:+w}
 *   ${N+w} ${N:?w} ${N?w} ${N#p} ${N##p} ${N%p} ${N%%p} ${N/p/r} ${N//p/r}`. Like BuildKit,
 *   `${#N}` (length) is not supported: it is an "unsupported modifier" error.
 * - `processWords` splits the result on unquoted whitespace that came from the text or
 *   from an unquoted expansion; empty quoted words vanish, as in BuildKit.
 *
 * The lexer never throws: failures come back as `error` with the offset (UTF-16 units
 * into the input) where lexing stopped. Each lookup goes to the caller's `ShellEnv`,
 * which may note what was asked (the stage model and the linter do).
 *
 * Deliberate difference: BuildKit shares one word buffer between nested expansions, so
 * `ProcessWords("a${x:-b}c")` loses the `a`; here each nesting level has its own buffer
 * and the result is the shell's `abc`. Only EXPOSE and heredoc detection split words.
 */

import { isDigit, isLetter, isSpace } from './chars';

export interface ShellEnv {
  get(name: string): string | undefined;
}

export interface ShellLexOptions {
  /** `\` (default) or a backtick, from the `# escape=` directive. */
  escapeToken?: string;
  /** Keep quote characters in the output (used for heredoc detection). */
  rawQuotes?: boolean;
  /** Keep escape tokens in the output. */
  rawEscapes?: boolean;
  /** Treat quotes as ordinary characters. */
  skipProcessQuotes?: boolean;
  /** Leave references to unset variables as written instead of expanding them to ''. */
  skipUnsetEnv?: boolean;
}

export interface ShellError {
  readonly message: string;
  /** Offset into the processed text (UTF-16 code units). */
  readonly offset: number;
}

export interface ShellResult {
  /** The expanded text; '' on error. */
  readonly value: string;
  readonly error?: ShellError;
}

export interface ShellWordsResult {
  /** The expanded, split words; [] on error. */
  readonly words: string[];
  readonly error?: ShellError;
}

/** Expands one word (BuildKit ProcessWord): no splitting, spaces kept. */
export function processWord(word: string, env: ShellEnv, options: ShellLexOptions = {}): ShellResult {
  const r = run(word, env, options, undefined);
  return r.error ? { value: '', error: r.error } : { value: r.value };
}

/** Expands and splits into words (BuildKit ProcessWords). */
export function processWords(word: string, env: ShellEnv, options: ShellLexOptions = {}): ShellWordsResult {
  const words = new Words();
  const r = run(word, env, options, words);
  return r.error ? { words: [], error: r.error } : { words: words.finish() };
}

/** An environment from `KEY=value` strings (later entries win, like BuildKit's). */
export function envFromList(list: readonly string[]): ShellEnv & { keys(): string[] } {
  const map = new Map<string, string>();
  const keys: string[] = [];
  for (const entry of list) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    keys.push(key);
    map.set(key, eq < 0 ? '' : entry.slice(eq + 1));
  }
  return { get: (name) => map.get(name), keys: () => keys };
}

export const emptyEnv: ShellEnv = { get: () => undefined };

const EOF = -1;

class LexFailure {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** Lexes `word`; `words`, when given, receives the top level's words. */
function run(word: string, env: ShellEnv, options: ShellLexOptions, words: Words | undefined): ShellResult {
  const lexer = new Lexer(word, env, options);
  try {
    return { value: lexer.processStopOn(EOF, lexer.rawEscapes, words) };
  } catch (err) {
    // A RangeError here is a stack overflow from absurdly nested ${…}: report, never throw.
    const failure =
      err instanceof LexFailure ? err : new LexFailure('expression is nested too deeply', lexer.offset);
    return { value: '', error: { message: failure.message, offset: failure.offset } };
  }
}

/** Word splitting: unquoted text ends a word at each space, quoted text never does. */
class Words {
  buf = '';
  words: string[] = [];
  inWord = false;

  /** Unquoted text[start, end): its spaces end words (a word emptied by quotes stays open). */
  addText(text: string, start: number, end: number): void {
    let from = start;
    for (let i = start; i < end; i++) {
      if (!isSpace(text.charCodeAt(i))) continue;
      if (i > from) this.addRawString(text.slice(from, i));
      if (this.inWord && this.buf.length !== 0) {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
      from = i + 1;
    }
    if (end > from) this.addRawString(text.slice(from, end));
  }

  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Lexer {
  offset = 0;
  rawEscapes: boolean;
  private readonly escape: number;
  private readonly rawQuotes: boolean;
  private readonly processQuotes: boolean;
  private readonly skipUnsetEnv: boolean;

  constructor(
    private readonly src: string,
    private readonly env: ShellEnv,
    options: ShellLexOptions,
  ) {
    this.escape = (options.escapeToken ?? '\\').codePointAt(0) ?? 0x5c;
    this.rawQuotes = options.rawQuotes ?? false;
    this.rawEscapes = options.rawEscapes ?? false;
    this.processQuotes = !(options.skipProcessQuotes ?? false);
    this.skipUnsetEnv = options.skipUnsetEnv ?? false;
  }

  private peek(): number {
    return this.offset < this.src.length ? (this.src.codePointAt(this.offset) as number) : EOF;
  }

  private next(): number {
    if (this.offset >= this.src.length) return EOF;
    const c = this.src.codePointAt(this.offset) as number;
    this.offset += c > 0xffff ? 2 : 1;
    return c;
  }

  private fail(message: string): never {
    throw new LexFailure(message, this.offset);
  }

  /** The text up to `stop` (consumed), expanded; `words` receives its words when given. */
  processStopOn(stop: number, rawEscapes: boolean, words: Words | undefined): string {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.scanUntil(stop, words);
    } finally {
      this.rawEscapes = saved;
    }
  }

  /**
   * Whether a UTF-16 unit can sit in a run of text taken as it is: not special here and
   * not half of a surrogate pair (those go one code point at a time).
   */
  private plain(unit: number, stop: number): boolean {
    return (
      unit !== stop &&
      unit !== 0x24 &&
      unit !== 0x3c &&
      unit !== this.escape &&
      !(this.processQuotes && (unit === 0x27 || unit === 0x22)) &&
      (unit < 0xd800 || unit > 0xdfff)
    );
  }

  private scanUntil(stop: number, words: Words | undefined): string {
    const src = this.src;
    let result = '';
    for (let ch = this.peek(); ch !== EOF; ch = this.peek()) {
      if (stop !== EOF && ch === stop) {
        this.next();
        return result;
      }
      if (ch === 0x24 /* $ */) {
        const tmp = this.processDollar();
        result += tmp;
        words?.addText(tmp, 0, tmp.length);
        continue;
      }
      if (ch === 0x3c /* < */ || (this.processQuotes && (ch === 0x27 || ch === 0x22))) {
        const tmp = ch === 0x3c ? this.processPossibleHeredoc() : ch === 0x27 ? this.processSingleQuote() : this.processDoubleQuote();
        result += tmp;
        words?.addRawString(tmp);
        continue;
      }
      if (ch === this.escape) {
        this.next();
        if (this.rawEscapes) {
          const e = String.fromCodePoint(ch);
          words?.addRawString(e);
          result += e;
        }
        const c = this.next();
        if (c === EOF) break;
        const s = String.fromCodePoint(c);
        words?.addRawString(s);
        result += s;
        continue;
      }
      // This character and the plain ones after it, in one slice.
      const from = this.offset;
      this.next();
      while (this.offset < src.length && this.plain(src.charCodeAt(this.offset), stop)) this.offset++;
      result += src.slice(from, this.offset);
      words?.addText(src, from, this.offset);
    }
    if (stop !== EOF) this.fail(`unexpected end of statement while looking for matching ${String.fromCodePoint(stop)}`);
    return result;
  }

  private processSingleQuote(): string {
    this.next();
    const from = this.offset;
    const close = this.src.indexOf("'", from);
    if (close < 0) {
      this.offset = this.src.length;
      this.fail('unexpected end of statement while looking for matching single-quote');
    }
    this.offset = close + 1;
    const body = this.src.slice(from, close);
    return this.rawQuotes ? `'${body}'` : body;
  }

  private processDoubleQuote(): string {
    const src = this.src;
    let result = '';
    const open = this.next();
    if (this.rawQuotes) result += String.fromCodePoint(open);
    for (;;) {
      const p = this.peek();
      if (p === EOF) this.fail('unexpected end of statement while looking for matching double-quote');
      if (p === 0x22) {
        this.next();
        if (this.rawQuotes) result += '"';
        return result;
      }
      if (p === 0x24) {
        result += this.processDollar();
        continue;
      }
      if (p !== this.escape) {
        // This character and the plain ones after it, in one slice.
        const from = this.offset;
        this.next();
        while (this.offset < src.length && this.plainQuoted(src.charCodeAt(this.offset))) this.offset++;
        result += src.slice(from, this.offset);
        continue;
      }
      let c = this.next();
      if (this.rawEscapes) result += String.fromCodePoint(c);
      const q = this.peek();
      if (q === EOF) continue; // a trailing escape: the loop reports the missing quote
      if (q === 0x22 || q === 0x24 || q === this.escape) c = this.next();
      result += String.fromCodePoint(c);
    }
  }

  /** `plain` inside double quotes: only `"`, `$` and the escape token are special. */
  private plainQuoted(unit: number): boolean {
    return unit !== 0x22 && unit !== 0x24 && unit !== this.escape && (unit < 0xd800 || unit > 0xdfff);
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== 0x7b /* { */) {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.env.get(name);
      if (value === undefined && this.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === EOF) this.fail("syntax error: missing '}'");
    if (first === 0x7b || first === 0x7d || first === 0x3a) this.fail('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    let chs = ch === EOF ? '' : String.fromCodePoint(ch);
    if (ch === 0x7d /* } */) {
      const value = this.env.get(name);
      if (value === undefined && this.skipUnsetEnv) return '${' + name + '}';
      return value ?? '';
    }
    if (ch === 0x2f /* / */) return this.processReplace(name);
    let nullIsUnset = false;
    if (ch === 0x3a /* : */) {
      nullIsUnset = true;
      ch = this.next();
      chs += ch === EOF ? '' : String.fromCodePoint(ch);
    } else if (ch !== 0x2b && ch !== 0x2d && ch !== 0x3f && ch !== 0x23 && ch !== 0x25) {
      if (ch === EOF) this.fail("syntax error: missing '}'");
      this.fail(`unsupported modifier (${chs}) in substitution`);
    }
    const patternOp = ch === 0x23 || ch === 0x25; // # and % take a pattern with raw escapes
    if (nullIsUnset && patternOp) this.fail(`unsupported modifier (${chs}) in substitution`);
    let word = this.stopOnOrMissing(0x7d, patternOp, "syntax error: missing '}'");
    const value = this.env.get(name);
    if (value === undefined && this.skipUnsetEnv) return '${' + name + chs + word + '}';
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case 0x2d: // -
        return unset ? word : (value as string);
      case 0x2b: // +
        return unset ? '' : word;
      case 0x3f: // ?
        if (value === undefined) this.fail(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') this.fail(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        return value;
      case 0x23: // #
      case 0x25: {
        // %
        let greedy = false;
        if (word.length > 0 && word.codePointAt(0) === ch) {
          greedy = true;
          word = word.slice(1);
        }
        const v = value ?? '';
        return ch === 0x25 ? this.trimSuffix(word, v, greedy) : this.trimPrefix(word, v, greedy);
      }
      default:
        return this.fail(`unsupported modifier (${chs}) in substitution`);
    }
  }

  private processReplace(name: string): string {
    const all = this.peek() === 0x2f;
    if (all) this.next();
    const pattern = this.stopOnOrMissing(0x2f, true, "syntax error: missing '/' in ${}");
    const replacement = this.stopOnOrMissing(0x7d, true, "syntax error: missing '}'");
    const value = this.env.get(name);
    if (value === undefined && this.skipUnsetEnv) return '${' + name + '/' + pattern + '/' + replacement + '}';
    const re = this.patternRegex(pattern, true, false);
    const v = value ?? '';
    if (all) return replaceAllGo(re, v, replacement);
    const m = re.exec(v);
    return m ? v.slice(0, m.index) + replacement + v.slice(m.index + m[0].length) : v;
  }

  private stopOnOrMissing(stop: number, rawEscapes: boolean, missing: string): string {
    try {
      return this.processStopOn(stop, rawEscapes, undefined);
    } catch (err) {
      if (err instanceof LexFailure && this.peek() === EOF) this.fail(missing);
      throw err;
    }
  }

  private processName(): string {
    const from = this.offset;
    for (let c = this.peek(); c !== EOF; c = this.peek()) {
      if (this.offset === from && isDigit(c)) {
        while (this.peek() !== EOF && isDigit(this.peek())) this.next();
        break;
      }
      if (this.offset === from && isSpecialParam(c)) {
        this.next();
        break;
      }
      if (!isLetter(c) && !isDigit(c) && c !== 0x5f) break;
      this.next();
    }
    return this.src.slice(from, this.offset);
  }

  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== 0x3c) return '<';
    this.next();
    let space = '';
    for (let c = this.peek(); c === 0x09 || c === 0x0d || c === 0x20; c = this.peek()) {
      space += String.fromCodePoint(this.next());
    }
    return '<<' + space;
  }

  private patternRegex(pattern: string, greedy: boolean, anchored: boolean): RegExp {
    const re = shellPatternToRegex(pattern, greedy, anchored);
    if (typeof re === 'string') this.fail(`invalid pattern (${pattern}) in substitution: ${re}`);
    return re;
  }

  private trimPrefix(pattern: string, value: string, greedy: boolean): string {
    const m = this.patternRegex(pattern, greedy, true).exec(value);
    return m ? value.slice(m.index + m[0].length) : value;
  }

  private trimSuffix(pattern: string, value: string, greedy: boolean): string {
    // Regexes find the leftmost match, so search the reversed value with the reversed
    // pattern to find the rightmost one.
    return reverseString(this.trimPrefix(reversePattern(pattern), reverseString(value), greedy));
  }
}

function isSpecialParam(c: number): boolean {
  // @ * # ? - $ ! 0
  return c === 0x40 || c === 0x2a || c === 0x23 || c === 0x3f || c === 0x2d || c === 0x24 || c === 0x21 || c === 0x30;
}

const regexSpecial = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$']);

/**
 * A shell wildcard pattern (`?` one character, `*` any run; no bracket expressions) as a
 * regex, or an error message. `.` is written `[^\n]` to match Go's RE2 `.`.
 */
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean): RegExp | string {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  const star = greedy ? '[^\\n]*' : '[^\\n]*?';
  for (let i = 0; i < chars.length; i++) {
    let tok = chars[i];
    if (tok === '*') {
      out += star;
      continue;
    }
    if (tok === '?') {
      out += '[^\\n]';
      continue;
    }
    if (tok === '\\') {
      // `\}` and `\/` escape the ${} syntax, not the pattern.
      const nextTok = chars[i + 1];
      if (nextTok === '}' || nextTok === '/') continue;
      out += '\\';
      i++;
      tok = chars[i] ?? '';
      if (tok !== '*' && tok !== '?' && tok !== '\\') return `invalid escape '\\${tok}'`;
    } else if (regexSpecial.has(tok)) {
      out += '\\';
    }
    out += tok;
  }
  return new RegExp(out, 'u');
}

function reverseString(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Reverses a pattern but keeps each `\x` escape pair in order. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array<string>(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = chars[i];
    const o = last - i;
    if (tok === '\\' && i !== last) {
      out[o - 1] = tok;
      out[o] = chars[i + 1];
      i += 2;
    } else {
      out[o] = tok;
      i++;
    }
  }
  return out.join('');
}

/** Go's Regexp.ReplaceAllString: empty matches next to a previous match are skipped, `$0`/`$$` expand. */
function replaceAllGo(re: RegExp, src: string, template: string): string {
  const g = new RegExp(re.source, 'gu');
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    g.lastIndex = searchPos;
    const m = g.exec(src);
    if (!m) break;
    const a0 = m.index;
    const a1 = a0 + m[0].length;
    out += src.slice(lastMatchEnd, a0);
    if (a1 > lastMatchEnd || a0 === 0) out += expandTemplate(template, m[0]);
    lastMatchEnd = a1;
    const c = src.codePointAt(searchPos);
    const width = searchPos < src.length && c !== undefined && c > 0xffff ? 2 : 1;
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + src.slice(lastMatchEnd);
}

/** Go's Regexp.Expand for a pattern without groups: `$$` is `$`, `$0`/`${0}` the match, other names empty. */
function expandTemplate(template: string, match: string): string {
  let out = '';
  let t = template;
  for (;;) {
    const i = t.indexOf('$');
    if (i < 0) break;
    out += t.slice(0, i);
    t = t.slice(i + 1);
    if (t.startsWith('$')) {
      out += '$';
      t = t.slice(1);
      continue;
    }
    const brace = t.startsWith('{');
    let j = brace ? 1 : 0;
    const nameStart = j;
    while (j < t.length) {
      const c = t.codePointAt(j) as number;
      if (!isLetter(c) && !isDigit(c) && c !== 0x5f) break;
      j += c > 0xffff ? 2 : 1;
    }
    const name = t.slice(nameStart, j);
    if (name === '' || (brace && t[j] !== '}')) {
      out += '$';
      continue;
    }
    t = t.slice(brace ? j + 1 : j);
    if (/^[0-9]+$/.test(name) && Number(name) === 0) out += match;
  }
  return out + t;
}
