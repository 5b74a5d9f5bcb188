/**
 * The names a Dockerfile defines and uses — stages, ARG/ENV variables, heredoc
 * delimiters — found in the parser's model, never by parsing again. Go to definition,
 * highlights, rename, semantic tokens and the outline all read this index. No vscode here.
 *
 * Keys: `stage:<lowercased name>`, `var:<NAME>` (file-wide: a stage's ARG re-declares the
 * global one, and RUN's shell sees the same name), `heredoc:<n>` (one per heredoc).
 */

import type { DockerfileModel, Heredoc, Node, Position, Range } from '../../runtime/build/dockerfile/dockerfile';

export type SymbolKind = 'stage' | 'variable' | 'heredoc';

export interface Occurrence {
  readonly key: string;
  readonly kind: SymbolKind;
  readonly name: string;
  readonly range: Range;
  readonly definition: boolean;
}

export function contains(r: Range, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

const oneLine = (line: number, start: number, end: number): Range => ({ start: { line, character: start }, end: { line, character: end } });

/** `$NAME` and `${NAME…}` on the source lines of a node, heredoc bodies included (their variables are the same). */
function variableUses(node: Node, lines: readonly string[], out: Occurrence[]): void {
  const re = /(\\)?\$(\{)?([A-Za-z_][A-Za-z0-9_]*)/g;
  for (let line = node.range.start.line; line <= node.range.end.line && line < lines.length; line++) {
    const text = lines[line];
    if (/^\s*#/.test(text) && line !== node.range.start.line) continue;
    for (const m of text.matchAll(re)) {
      if (m[1]) continue;
      const start = (m.index ?? 0) + 1 + (m[2] ? 1 : 0);
      out.push({ key: `var:${m[3]}`, kind: 'variable', name: m[3], range: oneLine(line, start, start + m[3].length), definition: false });
    }
  }
}

/** The delimiter word inside a heredoc marker (`<<-"EOF"` → the EOF), found on its source line. */
function markerName(h: Heredoc, lines: readonly string[]): Range {
  const r = h.markerRange;
  const text = (lines[r.start.line] ?? '').slice(r.start.character, r.start.line === r.end.line ? r.end.character : undefined);
  const at = text.lastIndexOf(h.name);
  return at < 0 ? r : oneLine(r.start.line, r.start.character + at, r.start.character + at + h.name.length);
}

/** The `from=NAME` of a RUN --mount value, when the value sits on one line. */
function mountFromRange(value: string, range: Range | undefined): { name: string; range: Range } | undefined {
  const m = /(?:^|,)from=([^,]+)/.exec(value);
  if (!m || !range || range.start.line !== range.end.line) return undefined;
  const quote = range.end.character - range.start.character - value.length > 0 ? 1 : 0;
  const start = range.start.character + quote + (m.index ?? 0) + m[0].indexOf('=') + 1;
  return { name: m[1], range: oneLine(range.start.line, start, start + m[1].length) };
}

export function symbolIndex(model: DockerfileModel, lines: readonly string[]): Occurrence[] {
  const out: Occurrence[] = [];
  const stageNames = new Set(model.stages.flatMap((s) => (s.name ? [s.name] : [])));
  const stage = (name: string, range: Range, definition: boolean) => out.push({ key: `stage:${name.toLowerCase()}`, kind: 'stage', name, range, definition });
  let heredocs = 0;
  for (const i of model.instructions) {
    if (!i) continue;
    const node = i.node;
    if (i.kind === 'from') {
      if (i.name && node.args[2]) stage(node.args[2].value, node.args[2].range, true);
      if (stageNames.has(i.image.value.toLowerCase())) stage(i.image.value, i.image.range, false);
    }
    if (i.kind === 'copy' && i.from?.value && i.from.valueRange && stageNames.has(i.from.value.toLowerCase())) stage(i.from.value, i.from.valueRange, false);
    if (i.kind === 'run') {
      for (const m of i.mounts) {
        const from = mountFromRange(m.flag.value ?? '', m.flag.valueRange);
        if (from && stageNames.has(from.name.toLowerCase())) stage(from.name, from.range, false);
      }
    }
    if (i.kind === 'arg') for (const d of i.args) out.push({ key: `var:${d.name.value}`, kind: 'variable', name: d.name.value, range: d.name.range, definition: true });
    if (i.kind === 'env') for (const p of i.pairs) out.push({ key: `var:${p.key.value}`, kind: 'variable', name: p.key.value, range: p.key.range, definition: true });
    variableUses(node, lines, out);
    for (const h of [...node.heredocs, ...(node.trigger?.heredocs ?? [])]) {
      const key = `heredoc:${heredocs++}`;
      out.push({ key, kind: 'heredoc', name: h.name, range: markerName(h, lines), definition: true });
      const t = h.terminatorRange;
      if (t.end.character > t.start.character || t.end.line > t.start.line) out.push({ key, kind: 'heredoc', name: h.name, range: t, definition: false });
    }
  }
  return out;
}

export function symbolAt(index: readonly Occurrence[], p: Position): Occurrence | undefined {
  return index.find((o) => contains(o.range, p));
}

export function occurrencesOf(index: readonly Occurrence[], key: string): Occurrence[] {
  return index.filter((o) => o.key === key);
}

/** What a new name must look like for a symbol kind; undefined when it is fine. */
export function invalidName(kind: SymbolKind, name: string): string | undefined {
  if (kind === 'stage' && !/^[a-z][a-z0-9._-]*$/i.test(name)) return 'A stage name starts with a letter and has only letters, digits, -, _ and .';
  if (kind === 'variable' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'A variable name has only letters, digits and _, and does not start with a digit';
  if (kind === 'heredoc' && !/^[A-Za-z0-9_]+$/.test(name)) return 'A heredoc delimiter is a word of letters, digits and _';
  return undefined;
}
