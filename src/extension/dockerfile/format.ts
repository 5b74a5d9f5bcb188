/**
 * Formatting without opinions on content: instructions start at column 0, continuation
 * lines are indented by one step, trailing blanks go. Keyword casing, argument order and
 * quoting are left alone (ConsistentInstructionCasing has a quick fix for casing), and
 * heredoc bodies are never touched: they are file contents. No vscode here.
 */

import type { DockerfileModel, Range } from '../../runtime/build/dockerfile/dockerfile';
import type { TextEdit } from '../../runtime/build/lint/lint';

export function formatEdits(model: DockerfileModel, lines: readonly string[], indent = '    '): TextEdit[] {
  const verbatim = new Set<number>();
  const continuation = new Set<number>();
  const starts = new Set<number>();
  for (const node of model.syntax.nodes) {
    starts.add(node.range.start.line);
    for (const h of node.heredocs) {
      for (let l = h.bodyRange.start.line; l <= h.terminatorRange.end.line; l++) verbatim.add(l);
    }
    for (let l = node.range.start.line + 1; l <= node.range.end.line; l++) if (!verbatim.has(l)) continuation.add(l);
  }
  const edits: TextEdit[] = [];
  lines.forEach((text, line) => {
    if (verbatim.has(line)) return;
    let wanted = text.replace(/[ \t]+$/, '');
    if (starts.has(line)) wanted = wanted.replace(/^[ \t]+/, '');
    else if (continuation.has(line) && wanted.trim() !== '' && !/^\s*#/.test(wanted)) wanted = indent + wanted.replace(/^[ \t]+/, '');
    if (wanted !== text) edits.push({ range: lineRange(line, text.length), newText: wanted });
  });
  return edits;
}

const lineRange = (line: number, length: number): Range => ({ start: { line, character: 0 }, end: { line, character: length } });
