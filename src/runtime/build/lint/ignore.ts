/**
 * Inline ignores, the way people silence one finding without touching settings:
 *
 *     # berth-ignore: BaseImageLatest, AptGetMissingYes
 *     RUN …                      ← these codes are not reported on this instruction
 *
 *     # berth-ignore-file: ConsecutiveRun   ← anywhere: not reported in the whole file
 *
 * The comment must sit directly above the instruction (comment lines may stack; no blank
 * line between). Codes are matched case-insensitively; `all` stands for every code.
 */

import type { ParseResult } from '../dockerfile/dockerfile';
import { commentsAbove } from './helpers';

const lineRe = /^\s*berth-ignore\s*:\s*(.+)$/i;
const fileRe = /^\s*berth-ignore-file\s*:\s*(.+)$/i;

const codes = (list: string) =>
  list
    .split(/[\s,]+/)
    .map((c) => c.toLowerCase())
    .filter(Boolean);

/** A predicate: is `code` ignored at `line`? */
export function ignoredCodes(syntax: ParseResult): (code: string, line: number) => boolean {
  const file = new Set(syntax.comments.flatMap((c) => codes(fileRe.exec(c.value)?.[1] ?? '')));
  const byLine = new Map<number, Set<string>>();
  for (const node of syntax.nodes) {
    const above = commentsAbove(syntax, node.range.start.line);
    if (above.length === 0) continue;
    const here = above.flatMap((c) => codes(lineRe.exec(c.value)?.[1] ?? ''));
    if (here.length === 0) continue;
    for (let l = node.range.start.line; l <= node.range.end.line; l++) byLine.set(l, new Set(here));
  }
  return (code, line) => {
    const c = code.toLowerCase();
    const local = byLine.get(line);
    return file.has(c) || file.has('all') || (local !== undefined && (local.has(c) || local.has('all')));
  };
}

/** The comment that ignores `code` on an instruction (what the editor's "ignore" action inserts). */
export function ignoreComment(code: string): string {
  return `# berth-ignore: ${code}`;
}
