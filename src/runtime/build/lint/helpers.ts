/** Small pieces the rule tables share: casing, suggestions, source search, image names, shell commands. */

import { editDistance } from '../dockerfile/convert';
import type { AddInstruction, CopyInstruction, Instruction, ParseResult, Range, RunInstruction, Stage, Word } from '../dockerfile/dockerfile';
import type { RuleContext } from './rule';

/**
 * Whether `recase` leaves `s` as it is. ASCII is judged without making a copy: only the
 * letters `first`–`last` would change.
 */
function keepsCase(s: string, first: number, last: number, recase: (s: string) => string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= first && c <= last) return false;
    if (c >= 0x80) return s === recase(s);
  }
  return true;
}

export const isUpper = (s: string): boolean => keepsCase(s, 0x61, 0x7a, (t) => t.toUpperCase());
export const isLower = (s: string): boolean => keepsCase(s, 0x41, 0x5a, (t) => t.toLowerCase());

/** The closest candidate within a small edit distance, as BuildKit's "did you mean" does. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The first match of `re` on a physical line of `range` (the parser's words span glued
 * continuation lines, so positions inside a command are found in the source instead).
 * `group` picks a capture group's span.
 */
export function findInSource(ctx: RuleContext, range: Range, re: RegExp, group = 0): Range | undefined {
  const sticky = withIndices(re);
  for (let line = range.start.line; line <= range.end.line && line < ctx.lines.length; line++) {
    const from = line === range.start.line ? range.start.character : 0;
    const text = line === range.end.line ? ctx.lines[line].slice(0, range.end.character) : ctx.lines[line];
    const m = sticky.exec(text.slice(from));
    const span = m?.indices?.[group];
    if (span) return { start: { line, character: from + span[0] }, end: { line, character: from + span[1] } };
  }
  return undefined;
}

// Rules pass the same module-level patterns again and again: compile each variant once.
const indexed = new WeakMap<RegExp, RegExp>();

/** `re` with match indices and without the global flag (whose lastIndex would carry over). */
function withIndices(re: RegExp): RegExp {
  let out = indexed.get(re);
  if (!out) {
    const flags = re.flags.includes('d') ? re.flags : `${re.flags}d`;
    out = new RegExp(re.source, flags.replace('g', ''));
    indexed.set(re, out);
  }
  return out;
}

export interface ImageName {
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** Splits `registry:5000/repo:tag@sha256:…` (a tag's colon comes after the last slash). */
export function parseImageName(reference: string): ImageName {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const name = at >= 0 ? reference.slice(0, at) : reference;
  const colon = name.lastIndexOf(':');
  const hasTag = colon > name.lastIndexOf('/');
  return { repository: hasTag ? name.slice(0, colon) : name, tag: hasTag ? name.slice(colon + 1) : undefined, digest };
}

// The reference grammar of distribution/reference, lowercase path components and an optional tag and digest.
const referenceRe =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export function isValidReference(reference: string): boolean {
  return referenceRe.test(reference);
}

/** The stages that end in `stage` by FROM <earlier stage>, nearest first, the stage itself included. */
export function stageChain(stages: readonly Stage[], stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s && !chain.includes(s); s = s.baseStage === undefined ? undefined : stages[s.baseStage]) chain.push(s);
  return chain;
}

/** The shell text a RUN runs: the command (shell form) or its words (exec form), and heredoc bodies. */
export function runScript(run: RunInstruction): string {
  const command = run.command.args.map((a) => a.value).join(' ');
  return [command, ...run.command.files.map((f) => f.data)].join('\n');
}

/** A simple command of a shell script: its words (quotes removed, roughly) and where it sits in the text. */
export interface SimpleCommand {
  readonly words: readonly string[];
  /** Offset of the first word in the script. */
  readonly offset: number;
  /** The operator that ends it: `|`, `&&`, `||`, `;`, `&`, a newline, or '' at the end. */
  readonly next: string;
}

/**
 * Splits a script into simple commands at `&&`, `||`, `|`, `;`, `&` and newlines, outside
 * quotes. Not a shell parser: enough to see which programs run with which options, the
 * level hadolint's rules look at.
 */
export function simpleCommands(script: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let start = -1;
  let quote = 0;
  // What a word takes is sliced from the script in runs, not added a character at a time:
  // `run` is where the pending run starts (-1: none); it is added before anything else.
  let run = -1;
  const flush = (end: number) => {
    if (run < 0) return;
    word += script.slice(run, end);
    run = -1;
  };
  const endWord = (at: number) => {
    flush(at);
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (at: number, next: string) => {
    endWord(at);
    if (words.length > 0) out.push({ words, offset: start, next });
    words = [];
    start = -1;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) {
        flush(i);
        quote = 0;
      } else if (run < 0) {
        run = i;
      }
      continue;
    }
    if (c === 0x5c /* \ */ && i + 1 < script.length) {
      flush(i);
      // The escaped character is taken, an escaped newline dropped.
      if (script.charCodeAt(i + 1) !== 0x0a) {
        run = i + 1;
        inWord = true;
      }
      i++;
      continue;
    }
    if (c === 0x22 || c === 0x27) {
      flush(i);
      quote = c;
      inWord = true;
      if (start < 0) start = i;
      continue;
    }
    if ((c === 0x26 || c === 0x7c) && script.charCodeAt(i + 1) === c) {
      endCommand(i, c === 0x26 ? '&&' : '||');
      i++;
    } else if (c === 0x7c || c === 0x3b || c === 0x26 || c === 0x0a) {
      endCommand(i, script[i]);
    } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
      endWord(i);
    } else if (c === 0x23 /* # */ && !inWord) {
      // A comment runs to the end of the line.
      while (i + 1 < script.length && script.charCodeAt(i + 1) !== 0x0a) i++;
    } else {
      if (start < 0) start = i;
      if (run < 0) run = i;
      inWord = true;
    }
  }
  endCommand(script.length, '');
  return out;
}

export interface Program {
  /** The program's file name, without its directory. */
  readonly name: string;
  readonly args: readonly string[];
}

const assignment = /^[A-Za-z_][A-Za-z0-9_]*=/;
const directory = /^.*\//;

/** The program a simple command runs, past `sudo`, `env`-style assignments and `exec`. */
export function program(command: SimpleCommand): Program {
  let i = 0;
  const w = command.words;
  while (i < w.length && (assignment.test(w[i]) || w[i] === 'sudo' || w[i] === 'exec' || w[i] === 'command')) i++;
  return { name: (w[i] ?? '').replace(directory, ''), args: w.slice(i + 1) };
}

/** The instructions of a stage, in order. */
export function stageInstructions(stage: Stage): Instruction[] {
  return [stage.from, ...stage.steps.map((s) => s.instruction)];
}

/** A base that names an image (not scratch, not an unexpanded or empty value). */
export function isImageReference(base: string): boolean {
  return base !== '' && base.toLowerCase() !== 'scratch' && !base.includes('$') && !/\s/.test(base);
}

// Built once per parse: ignore.ts asks for every instruction, and a map per call made lint
// quadratic in the file's size (1.7 s of a 10,000-line file).
const commentsByLine = new WeakMap<ParseResult, Map<number, Word>>();
const noComments: readonly Word[] = [];

/** The comment lines directly above `line` (no blank line between), top first. */
export function commentsAbove(syntax: ParseResult, line: number): readonly Word[] {
  let byLine = commentsByLine.get(syntax);
  if (!byLine) {
    byLine = new Map(syntax.comments.map((c) => [c.range.start.line, c]));
    commentsByLine.set(syntax, byLine);
  }
  // Most instructions have none: no list made for them.
  if (!byLine.has(line - 1)) return noComments;
  const block: Word[] = [];
  for (let l = line - 1; byLine.has(l); l--) block.unshift(byLine.get(l)!);
  return block;
}

const remoteScheme = /^(https?|git|ssh):\/\//i;

/** URLs and git sources: not in the build context. */
export function isRemote(source: string): boolean {
  return remoteScheme.test(source) || source.startsWith('git@');
}

export interface ContextSource {
  readonly instruction: CopyInstruction | AddInstruction;
  readonly source: Word;
}

// Two rules ask the context about every source: list them once per lint.
const sourcesByContext = new WeakMap<RuleContext, readonly ContextSource[]>();

/** Every COPY/ADD reading the build context (no --from), expanded, with each local source. */
export function contextSources(ctx: RuleContext): readonly ContextSource[] {
  const known = sourcesByContext.get(ctx);
  if (known) return known;
  const out: ContextSource[] = [];
  for (const stage of ctx.model.stages) {
    for (const step of stage.steps) {
      const i = step.expanded;
      if ((i?.kind !== 'copy' && i?.kind !== 'add') || (i.kind === 'copy' && i.from)) continue;
      for (const source of i.sources) if (!isRemote(source.value)) out.push({ instruction: i, source });
    }
  }
  sourcesByContext.set(ctx, out);
  return out;
}
