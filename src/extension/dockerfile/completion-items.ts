/**
 * What to offer at a position: instructions (with snippets) at the start of a line,
 * parser directives at the top, an instruction's flags after `--`, the variables in scope
 * after `$`, stage names after `--from=` and in FROM, local image names in FROM. The
 * context is read from the model (which line belongs to which instruction), not guessed
 * from the text alone. No vscode here.
 */

import type { DockerfileModel, Node, Position, Range } from '../../runtime/build/dockerfile/dockerfile';
import { directives, instructionMarkdown, instructions, predefinedArgs } from './reference';
import { contains } from './symbols';

export type ItemKind = 'keyword' | 'flag' | 'variable' | 'stage' | 'image' | 'directive';

export interface Item {
  readonly label: string;
  readonly kind: ItemKind;
  /** Snippet syntax (`${1:x}`); plain label when absent. */
  readonly snippet?: string;
  readonly detail?: string;
  readonly documentation?: string;
  /** The text the item replaces. */
  readonly range: Range;
}

function nodeOn(model: DockerfileModel, line: number): Node | undefined {
  return model.syntax.nodes.find((n) => n.range.start.line <= line && line <= n.range.end.line);
}

/** The variable names visible before `node`: its stage's scope, ARGs declared without value, or the globals for FROM. */
function variablesBefore(model: DockerfileModel, node: Node | undefined): string[] {
  for (const stage of model.stages) {
    const at = stage.steps.findIndex((s) => s.instruction.node === node);
    if (at < 0) continue;
    const declared = stage.steps.slice(0, at).flatMap((s) => (s.instruction.kind === 'arg' ? s.instruction.args.map((a) => a.name.value) : []));
    return [...new Set([...stage.steps[at].scope.entries().map(([k]) => k), ...declared])];
  }
  return [...new Set([...model.globalArgs.flatMap((a) => a.args.map((d) => d.name.value)), ...predefinedArgs])];
}

export async function completionsAt(model: DockerfileModel, lines: readonly string[], p: Position, localImages: () => Promise<readonly string[]>): Promise<Item[]> {
  const text = (lines[p.line] ?? '').slice(0, p.character);
  const node = nodeOn(model, p.line);
  const firstInstruction = model.syntax.nodes[0]?.range.start.line ?? Infinity;
  const replace = (length: number): Range => ({ start: { line: p.line, character: p.character - length }, end: p });

  if (/^\s*#\s*\w*$/.test(text) && p.line < firstInstruction) {
    const word = /\w*$/.exec(text)![0];
    return directives.map((d) => ({ label: d.name, kind: 'directive', snippet: d.snippet, documentation: d.doc, range: replace(word.length) }));
  }
  const variable = /\$\{?([A-Za-z_0-9]*)$/.exec(text);
  if (variable) {
    return variablesBefore(model, node).map((name) => ({ label: name, kind: 'variable', range: replace(variable[1].length) }));
  }
  const continued = node !== undefined && node.range.start.line < p.line && !contains(node.keywordRange, p);
  if (/^\s*[A-Za-z]*$/.test(text) && !continued) {
    const word = /[A-Za-z]*$/.exec(text)![0];
    const lower = word !== '' && word === word.toLowerCase();
    return instructions.map((i) => ({
      label: lower ? i.name.toLowerCase() : i.name,
      kind: 'keyword',
      snippet: `${lower ? i.name.toLowerCase() : i.name} ${i.snippet}`,
      detail: i.syntax,
      documentation: instructionMarkdown(i),
      range: replace(word.length),
    }));
  }
  if (!node) return [];
  const keyword = node.keyword.toUpperCase();
  const earlierStages = model.stages.filter((s) => s.from.node.range.start.line < node.range.start.line && s.name).map((s) => s.name!);

  const fromFlag = /--from=([^\s]*)$/.exec(text);
  if (fromFlag) return earlierStages.map((name) => ({ label: name, kind: 'stage', range: replace(fromFlag[1].length) }));
  const flag = /(?:^|\s)--([a-z-]*)$/.exec(text);
  if (flag) {
    const doc = instructions.find((i) => i.name === keyword);
    return (doc?.flags ?? []).map((f) => ({
      label: `--${f.name}`,
      kind: 'flag',
      snippet: f.value ? `--${f.name}=${f.value}` : `--${f.name}`,
      documentation: f.doc,
      range: replace(flag[1].length + 2),
    }));
  }
  // FROM's image: the word after the keyword and flags.
  const fromImage = /^\s*from\s+(?:--\S+\s+)*([^\s]*)$/i.exec(text);
  if (keyword === 'FROM' && fromImage) {
    const range = replace(fromImage[1].length);
    const stages: Item[] = earlierStages.map((name) => ({ label: name, kind: 'stage', detail: 'stage', range }));
    const images: Item[] = (await localImages().catch(() => [])).map((ref) => ({ label: ref, kind: 'image', detail: 'local image', range }));
    return [...stages, ...images, { label: 'scratch', kind: 'image', detail: 'the empty image', range }];
  }
  return [];
}
