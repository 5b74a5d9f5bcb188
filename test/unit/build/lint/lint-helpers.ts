/** Shared by the lint tests: run the linter and look at what it found. */
import { lint, type LintDiagnostic, type LintOptions } from '../../../../src/runtime/build/lint/lint';

export async function findings(text: string, code: string, options?: LintOptions): Promise<LintDiagnostic[]> {
  return (await lint(text, options)).diagnostics.filter((d) => d.code === code);
}

/** `line:char-line:char` of each finding, 0-based, for compact range assertions. */
export function spans(list: readonly LintDiagnostic[]): string[] {
  return list.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`);
}

/** Applies a finding's first fix to the text. */
export function applyFix(text: string, d: LintDiagnostic, index = 0): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const edits = [...d.fixes[index].edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of edits) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
