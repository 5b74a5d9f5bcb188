/**
 * From one logical instruction line to a `Node`: split off the keyword, pull the leading
 * `--flags`, then read the arguments with the instruction's own rule (BuildKit's
 * `line_parsers.go` dispatch table). Everything works on offsets into the logical line,
 * so every word gets its source range without copying text around.
 */

import type { Flag, Node, Word } from './ast';
import { isSpace, isSplitSpace, skipSpaces, trimSpacesEnd } from './chars';
import { diagnostic, type Diagnostic } from './diagnostics';
import { parseJsonArray } from './json';
import type { LogicalLine } from './source';

export interface LineContext {
  readonly ll: LogicalLine;
  readonly escape: number;
  readonly diagnostics: Diagnostic[];
}

interface ArgsResult {
  args: readonly Word[];
  json: boolean;
  trigger?: Node;
  /** The error message when the arguments are invalid. */
  error?: { code: 'json-not-string-array' | 'kv-missing-value' | 'kv-missing-equals'; message: string };
}

/** The one empty list that every node without flags, arguments or heredocs shares. */
const none: readonly never[] = [];

type LineParser = (ctx: LineContext, start: number, end: number) => ArgsResult;

const dispatch: Record<string, LineParser> = {
  add: parseMaybeJsonToList,
  arg: parseNameOrNameVal,
  cmd: parseMaybeJson,
  copy: parseMaybeJsonToList,
  entrypoint: parseMaybeJson,
  env: (ctx, s, e) => parseNameVal(ctx, s, e, 'ENV'),
  expose: parseWhitespaceDelimited,
  from: parseWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: (ctx, s, e) => parseNameVal(ctx, s, e, 'LABEL'),
  maintainer: parseString,
  onbuild: parseSubCommand,
  run: parseMaybeJson,
  shell: parseMaybeJson,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJsonToList,
  workdir: parseString,
};

/** Instructions BuildKit's parser knows (the typed conversion reports the others). */
export function isKnownInstruction(instruction: string): boolean {
  return Object.prototype.hasOwnProperty.call(dispatch, instruction);
}

/**
 * Builds the node for text[start, end) of the logical line. Argument errors become a
 * diagnostic over the whole instruction and an `invalid` node with no arguments.
 */
export function newNodeFromLine(ctx: LineContext, start: number, end: number, comments: readonly string[]): Node {
  const { ll } = ctx;
  const text = ll.text;
  const a = skipSpaces(text, start, end);
  const b = trimSpacesEnd(text, a, end);
  let k = a;
  while (k < b && !isSplitSpace(text.charCodeAt(k))) k++;
  const keyword = text.slice(a, k);
  const instruction = keyword.toLowerCase();
  let flags: readonly Flag[] = none;
  let restStart = b;
  if (k < b) {
    let m = k;
    while (m < b && isSplitSpace(text.charCodeAt(m))) m++;
    const extracted = extractBuilderFlags(ctx, m, b);
    flags = extracted.flags;
    restStart = skipSpaces(text, extracted.rest, b);
  }
  const restEnd = trimSpacesEnd(text, restStart, b);
  const parser = dispatch[instruction] as LineParser | undefined;
  const result: ArgsResult = parser ? parser(ctx, restStart, restEnd) : { args: none, json: false };
  // Ranges that start or end at one place share the position: a file holds many.
  const startPos = ll.pos(a);
  const endPos = ll.endPos(Math.max(b, a));
  const node: Node = {
    keyword,
    instruction,
    keywordRange: { start: startPos, end: k > a ? ll.endPos(k) : startPos },
    flags,
    args: result.error ? none : result.args,
    json: result.json,
    heredocs: none,
    trigger: result.trigger,
    rest: { value: text.slice(restStart, restEnd), range: ll.range(restStart, restEnd) },
    original: text.slice(start, end),
    comments,
    range: { start: startPos, end: endPos },
    invalid: result.error !== undefined || (result.trigger?.invalid ?? false),
  };
  if (result.error) {
    ctx.diagnostics.push(diagnostic(result.error.code, result.error.message, { start: startPos, end: ll.endPos(b) }));
  }
  return node;
}

/**
 * Leading `--name[=value]` words. Quotes and escapes are removed from flags (not from
 * arguments); a bare `--` ends the flags and is dropped.
 */
function extractBuilderFlags(ctx: LineContext, start: number, end: number): { flags: readonly Flag[]; rest: number } {
  const text = ctx.ll.text;
  let flags: Flag[] | undefined;
  let pos = start;
  for (;;) {
    pos = skipSpaces(text, pos, end);
    if (pos + 2 > end || !text.startsWith('--', pos)) return { flags: flags ?? none, rest: Math.min(pos, end) };
    const w = scanWord(text, pos, end, ctx.escape, false);
    if (w.value === '--') return { flags: flags ?? none, rest: w.end };
    if (!w.blank) (flags ??= []).push(makeFlag(ctx, w));
    pos = w.end;
  }
}

function makeFlag(ctx: LineContext, w: ScannedWord): Flag {
  const { ll } = ctx;
  const text = w.value;
  const whole = ll.range(w.start, w.end);
  const eq = text.indexOf('=');
  if (eq < 0) return { text, name: text.slice(2), value: undefined, range: whole, nameRange: whole, valueRange: undefined };
  const eqAt = w.eqAt;
  return {
    text,
    name: text.slice(2, eq),
    value: text.slice(eq + 1),
    range: whole,
    // The name starts the flag and the value ends it (eqAt is past the leading `--`).
    nameRange: { start: whole.start, end: ll.endPos(eqAt) },
    valueRange: eqAt + 1 < w.end ? { start: ll.pos(eqAt + 1), end: whole.end } : ll.range(eqAt + 1, w.end),
  };
}

function word(ctx: LineContext, start: number, end: number, value?: string): Word {
  return { value: value ?? ctx.ll.text.slice(start, end), range: ctx.ll.range(start, end) };
}

function parseIgnoreRest(): ArgsResult {
  return { args: none, json: false };
}

function parseString(ctx: LineContext, start: number, end: number): ArgsResult {
  if (start === end) return parseIgnoreRest();
  return { args: [word(ctx, start, end)], json: false };
}

/** Splits on runs of `[\t\v\f\r ]`, BuildKit's `reWhitespace`. */
function parseWhitespaceDelimited(ctx: LineContext, start: number, end: number): ArgsResult {
  const text = ctx.ll.text;
  const args: Word[] = [];
  if (start === end) return { args, json: false };
  let s = start;
  for (let i = start; i <= end; i++) {
    if (i === end || isSplitSpace(text.charCodeAt(i))) {
      args.push(word(ctx, s, i));
      while (i < end && isSplitSpace(text.charCodeAt(i))) i++;
      s = i;
      if (i === end) break;
    }
  }
  return { args, json: false };
}

function parseJson(ctx: LineContext, start: number, end: number): ArgsResult | 'invalid' {
  const text = ctx.ll.text;
  const a = skipSpaces(text, start, end);
  if (text.charCodeAt(a) !== 0x5b || a >= end) return 'invalid';
  const r = parseJsonArray(text, a, end);
  if (r.kind === 'invalid') return 'invalid';
  if (r.kind === 'not-strings') {
    return {
      args: none,
      json: false,
      error: { code: 'json-not-string-array', message: 'when using JSON array syntax, arrays must be comprised of strings only' },
    };
  }
  return { args: r.elements.map((e) => word(ctx, e.start, e.end, e.value)), json: true };
}

function parseMaybeJson(ctx: LineContext, start: number, end: number): ArgsResult {
  if (start === end) return parseIgnoreRest();
  const r = parseJson(ctx, start, end);
  return r === 'invalid' ? { args: [word(ctx, start, end)], json: false } : r;
}

function parseMaybeJsonToList(ctx: LineContext, start: number, end: number): ArgsResult {
  const r = parseJson(ctx, start, end);
  return r === 'invalid' ? parseWhitespaceDelimited(ctx, start, end) : r;
}

function parseHealthConfig(ctx: LineContext, start: number, end: number): ArgsResult {
  const text = ctx.ll.text;
  let sep = start;
  while (sep < end && !isSpace(text.charCodeAt(sep))) sep++;
  if (sep === start) return parseIgnoreRest();
  const next = skipSpaces(text, sep, end);
  const cmd = parseMaybeJson(ctx, next, end);
  return { ...cmd, args: [word(ctx, start, sep), ...cmd.args] };
}

function parseSubCommand(ctx: LineContext, start: number, end: number): ArgsResult {
  if (start === end) return parseIgnoreRest();
  const trigger = newNodeFromLine(ctx, start, end, []);
  return { args: none, json: false, trigger };
}

interface ScannedWord {
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** The source offset of the first `=` in `value`, -1 when there is none. */
  readonly eqAt: number;
  /** Nothing was read and no quotes were seen: not a word at all. */
  readonly blank: boolean;
}

/**
 * One word from text[start, end), start not being a space: BuildKit's word state machine.
 * `raw` keeps quotes and escape tokens, and the escape token is literal inside '…'
 * (parseWords); otherwise quotes and escapes are removed (extractBuilderFlags). An escape
 * token at the very end is dropped. The value is sliced from the text in runs between
 * the characters it drops, never built a character at a time.
 */
function scanWord(text: string, start: number, end: number, escape: number, raw: boolean): ScannedWord {
  let value = '';
  let run = start;
  let eqAt = -1;
  let quote = 0;
  let quoted = false;
  let pos = start;
  while (pos < end) {
    let ch = text.codePointAt(pos) as number;
    let w = ch > 0xffff ? 2 : 1;
    if (quote === 0 && isSpace(ch)) break;
    if ((quote === 0 && (ch === 0x27 || ch === 0x22)) || (quote !== 0 && ch === quote)) {
      quote = quote === 0 ? ch : 0;
      quoted = true;
      pos += w;
      if (!raw) {
        value += text.slice(run, pos - w);
        run = pos;
      }
      continue;
    }
    if (ch === escape && (quote !== 0x27 || !raw)) {
      if (pos + w === end) {
        value += text.slice(run, pos);
        run = pos = end;
        break;
      }
      pos += w;
      if (!raw) {
        value += text.slice(run, pos - w);
        run = pos;
      }
      ch = text.codePointAt(pos) as number;
      w = ch > 0xffff ? 2 : 1;
    }
    if (ch === 0x3d && eqAt < 0) eqAt = pos;
    pos += w;
  }
  value += text.slice(run, pos);
  return { value, start, end: pos, eqAt, blank: !quoted && value === '' };
}

/**
 * Space-separated words with quotes and escapes kept (BuildKit's parseWords), for ENV,
 * LABEL and ARG.
 */
function parseWords(text: string, start: number, end: number, escape: number): ScannedWord[] {
  const words: ScannedWord[] = [];
  for (let pos = skipSpaces(text, start, end); pos < end; pos = skipSpaces(text, pos, end)) {
    const w = scanWord(text, pos, end, escape, true);
    if (!w.blank) words.push(w);
    pos = w.end;
  }
  return words;
}

/** ENV and LABEL: `k=v k2=v2` or the legacy `k rest of line`. */
function parseNameVal(ctx: LineContext, start: number, end: number, key: string): ArgsResult {
  const text = ctx.ll.text;
  const words = parseWords(text, start, end, ctx.escape);
  if (words.length === 0) return parseIgnoreRest();
  if (!words[0].value.includes('=')) {
    let k = start;
    while (k < end && !isSplitSpace(text.charCodeAt(k))) k++;
    if (k === end) {
      return { args: none, json: false, error: { code: 'kv-missing-value', message: `${key} must have two arguments` } };
    }
    let v = k;
    while (v < end && isSplitSpace(text.charCodeAt(v))) v++;
    return { args: [word(ctx, start, k), word(ctx, v, end), word(ctx, v, v, '')], json: false };
  }
  const args: Word[] = [];
  for (const w of words) {
    const eq = w.value.indexOf('=');
    if (eq < 0) {
      const message = `Syntax error - can't find = in ${JSON.stringify(w.value)}. Must be of the form: name=value`;
      return { args: none, json: false, error: { code: 'kv-missing-equals', message } };
    }
    const at = w.start + eq;
    args.push(word(ctx, w.start, at, w.value.slice(0, eq)));
    args.push(word(ctx, at + 1, w.end, w.value.slice(eq + 1)));
    args.push(word(ctx, at, at + 1, '='));
  }
  return { args, json: false };
}

/** ARG: each word as written (`name`, `name=value`, quotes kept). */
function parseNameOrNameVal(ctx: LineContext, start: number, end: number): ArgsResult {
  const words = parseWords(ctx.ll.text, start, end, ctx.escape);
  return { args: words.map((w) => word(ctx, w.start, w.end, w.value)), json: false };
}
