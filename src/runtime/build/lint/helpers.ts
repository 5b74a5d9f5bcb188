/** Small pieces the rule tables share: casing, suggestions, source search, image names, shell commands. */

import { editDistance } from '../dockerfile/convert';
import type { AddInstruction, CopyInstruction, Instruction, ParseResult, Range, RunInstruction, Stage, Word } from '../dockerfile/dockerfile';
import type { RuleContext } from './rule';

export const isUpper = (s: string): boolean => s === s.toUpperCase();
export const isLower = (s: string): boolean => s === s.toLowerCase();

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
  const flags = re.flags.includes('d') ? re.flags : `${re.flags}d`;
  const sticky = new RegExp(re.source, flags.replace('g', ''));
  for (let line = range.start.line; line <= range.end.line && line < ctx.lines.length; line++) {
    const from = line === range.start.line ? range.start.character : 0;
    const text = line === range.end.line ? ctx.lines[line].slice(0, range.end.character) : ctx.lines[line];
    const m = sticky.exec(text.slice(from));
    const span = m?.indices?.[group];
    if (span) return { start: { line, character: from + span[0] }, end: { line, character: from + span[1] } };
  }
  return undefined;
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
  let quote = '';
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (next: string) => {
    endWord();
    if (words.length > 0) out.push({ words, offset: start, next });
    words = [];
    start = -1;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      if (c === quote) quote = '';
      else word += c;
      continue;
    }
    if (c === '\\' && i + 1 < script.length) {
      if (script[i + 1] !== '\n') word += script[i + 1];
      inWord = inWord || script[i + 1] !== '\n';
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      if (start < 0) start = i;
      continue;
    }
    if ((c === '&' || c === '|') && script[i + 1] === c) {
      endCommand(c + c);
      i++;
    } else if (c === '|' || c === ';' || c === '&' || c === '\n') {
      endCommand(c);
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
    } else if (c === '#' && !inWord) {
      // A comment runs to the end of the line.
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else {
      if (start < 0) start = i;
      word += c;
      inWord = true;
    }
  }
  endCommand('');
  return out;
}

/** The program a simple command runs, past `sudo`, `env`-style assignments and `exec`. */
export function program(command: SimpleCommand): { name: string; args: readonly string[] } {
  let i = 0;
  const w = command.words;
  while (i < w.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w[i]) || w[i] === 'sudo' || w[i] === 'exec' || w[i] === 'command')) i++;
  return { name: (w[i] ?? '').replace(/^.*\//, ''), args: w.slice(i + 1) };
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

/** The comment lines directly above `line` (no blank line between), top first. */
export function commentsAbove(syntax: ParseResult, line: number): Word[] {
  let byLine = commentsByLine.get(syntax);
  if (!byLine) {
    byLine = new Map(syntax.comments.map((c) => [c.range.start.line, c]));
    commentsByLine.set(syntax, byLine);
  }
  const block: Word[] = [];
  for (let l = line - 1; byLine.has(l); l--) block.unshift(byLine.get(l)!);
  return block;
}

/** URLs and git sources: not in the build context. */
export function isRemote(source: string): boolean {
  return /^(https?|git|ssh):\/\//i.test(source) || /^git@/.test(source);
}

/** Every COPY/ADD reading the build context (no --from), expanded, with each local source. */
export function contextSources(ctx: RuleContext): { instruction: CopyInstruction | AddInstruction; source: Word }[] {
  const out: { instruction: CopyInstruction | AddInstruction; source: Word }[] = [];
  for (const stage of ctx.model.stages) {
    for (const step of stage.steps) {
      const i = step.expanded;
      if ((i?.kind !== 'copy' && i?.kind !== 'add') || (i.kind === 'copy' && i.from)) continue;
      for (const source of i.sources) if (!isRemote(source.value)) out.push({ instruction: i, source });
    }
  }
  return out;
}
