/**
 * What a hover says, as Markdown: an instruction's, flag's or directive's documentation,
 * a variable's value at that point of the build, a stage's base, and for a FROM image
 * what the local store knows. No vscode here; hover.ts hands the result to the editor.
 */

import type { DockerfileModel, Node, Position, Range, Scope } from '../../runtime/build/dockerfile/dockerfile';
import type { LocalImage } from '../../runtime/build/lint/lint';
import { humanSize } from '../../runtime/cli/units';
import { directives, instructionByName, instructionMarkdown } from './reference';
import { contains, symbolAt, symbolIndex } from './symbols';

export interface HoverContent {
  readonly markdown: string;
  readonly range: Range;
}

/** undefined: no store to ask; else what the store has for the reference (undefined: absent). */
export type ImageLookup = ((reference: string) => Promise<LocalImage | undefined>) | undefined;

function nodeAt(model: DockerfileModel, p: Position): Node | undefined {
  const node = model.syntax.nodes.find((n) => contains(n.range, p));
  return node?.trigger && contains(node.trigger.range, p) && !contains(node.keywordRange, p) ? node.trigger : node;
}

/** The variables in scope just before `node`, and after it (for the names an ARG or ENV defines). */
function scopesAround(model: DockerfileModel, node: Node): { before: Scope; after: Scope } | undefined {
  for (const stage of model.stages) {
    if (stage.from.node === node) return { before: model.globalScope, after: model.globalScope };
    const at = stage.steps.findIndex((s) => s.instruction.node === node);
    if (at >= 0) return { before: stage.steps[at].scope, after: stage.steps[at + 1]?.scope ?? stage.scope };
  }
  if (model.globalArgs.some((a) => a.node === node)) return { before: model.globalScope, after: model.globalScope };
  return undefined;
}

/** The layers panel (src/extension/layers), opened on an image reference. */
export const SHOW_LAYERS_COMMAND = 'berth.images.layers';

function imageMarkdown(reference: string, image: LocalImage | undefined): string {
  if (!image) return `**${reference}**\n\nNot in the local store: a build pulls it first.`;
  const rows = [
    ['Present', 'yes, in the local store'],
    ['Id', `\`${image.id.replace(/^sha256:/, '').slice(0, 12)}\``],
    ['Size', humanSize(image.size)],
    ['Created', image.created ?? 'unknown'],
    ['Layers', String(image.layers)],
    ['Platform', image.platform || 'unknown'],
    ...(image.tags.length > 0 ? [['Tags', image.tags.join(', ')]] : []),
  ];
  const showLayers = `command:${SHOW_LAYERS_COMMAND}?${encodeURIComponent(JSON.stringify([reference]))}`;
  return `**${reference}**\n\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n\n[Show layers](${showLayers})`;
}

export async function hoverAt(model: DockerfileModel, lines: readonly string[], p: Position, images: ImageLookup): Promise<HoverContent | undefined> {
  const directive = model.syntax.directives.find((d) => contains(d.range, p));
  if (directive) {
    const doc = directives.find((d) => d.name === directive.name);
    return doc && { markdown: `**# ${doc.name}=** (parser directive)\n\n${doc.doc}`, range: directive.range };
  }
  const node = nodeAt(model, p);
  if (!node) return undefined;
  const doc = instructionByName.get(node.keyword.toUpperCase());
  if (contains(node.keywordRange, p)) return doc && { markdown: instructionMarkdown(doc), range: node.keywordRange };

  const flag = node.flags.find((f) => contains(f.nameRange, p));
  if (flag) {
    const flagDoc = doc?.flags.find((f) => f.name === flag.name);
    return { markdown: flagDoc ? `**--${flag.name}** (${node.keyword.toUpperCase()})\n\n${flagDoc.doc}` : `**--${flag.name}**: not a flag of ${node.keyword.toUpperCase()}`, range: flag.nameRange };
  }

  const symbol = symbolAt(symbolIndex(model, lines), p);
  if (symbol?.kind === 'variable') {
    const scopes = scopesAround(model, node);
    const value = (symbol.definition ? scopes?.after : scopes?.before)?.get(symbol.name);
    const text = value === undefined ? 'not set at this point (expands to an empty string)' : `\`${JSON.stringify(value)}\``;
    return { markdown: `**$${symbol.name}** = ${text}`, range: symbol.range };
  }
  if (symbol?.kind === 'stage') {
    const stage = model.stages.find((s) => s.name === symbol.name.toLowerCase());
    return stage && { markdown: `**Stage ${stage.name}** (stage ${stage.index})\n\nBuilt from \`${stage.base}\`, line ${stage.from.node.range.start.line + 1}.`, range: symbol.range };
  }

  const stage = model.stages.find((s) => s.from.node === node);
  if (stage && contains(stage.from.image.range, p) && stage.baseStage === undefined && images) {
    if (stage.base.toLowerCase() === 'scratch') return { markdown: '**scratch**: the empty image, no files at all.', range: stage.from.image.range };
    return { markdown: imageMarkdown(stage.base, await images(stage.base).catch(() => undefined)), range: stage.from.image.range };
  }
  return undefined;
}
