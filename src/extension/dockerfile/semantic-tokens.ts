/**
 * Semantic highlighting on top of the TextMate grammar: what only the parser knows —
 * keywords (ONBUILD triggers too), flags, parser directives, stage names, variables
 * (declarations marked) and heredoc delimiters.
 */
import * as vscode from 'vscode';
import type { Range } from '../../runtime/build/dockerfile/dockerfile';
import { analyze } from './analysis';
import { tokenTypes } from './constants';
import { symbolIndex } from './symbols';

type TokenType = (typeof tokenTypes)[number];

export class DockerfileSemanticTokens implements vscode.DocumentSemanticTokensProvider {
  constructor(private readonly legend: vscode.SemanticTokensLegend) {}

  provideDocumentSemanticTokens(document: vscode.TextDocument): vscode.SemanticTokens {
    const { model, lines } = analyze(document);
    const tokens: { range: Range; type: TokenType; declaration: boolean }[] = [];
    const add = (range: Range, type: TokenType, declaration = false) => {
      if (range.start.line === range.end.line && range.end.character > range.start.character) tokens.push({ range, type, declaration });
    };
    for (const d of model.syntax.directives) add(d.nameRange, 'macro');
    for (const node of model.syntax.nodes) {
      add(node.keywordRange, 'keyword');
      if (node.trigger) add(node.trigger.keywordRange, 'keyword');
      for (const f of [...node.flags, ...(node.trigger?.flags ?? [])]) add(f.nameRange, 'parameter');
    }
    const types: Record<string, TokenType> = { stage: 'class', variable: 'variable', heredoc: 'string' };
    for (const o of symbolIndex(model, lines)) add(o.range, types[o.kind], o.definition);
    tokens.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    const builder = new vscode.SemanticTokensBuilder(this.legend);
    let last: Range | undefined;
    for (const t of tokens) {
      // The builder needs strictly increasing, non-overlapping tokens.
      if (last && t.range.start.line === last.end.line && t.range.start.character < last.end.character) continue;
      builder.push(
        new vscode.Range(t.range.start.line, t.range.start.character, t.range.end.line, t.range.end.character),
        t.type,
        t.declaration ? ['declaration'] : [],
      );
      last = t.range;
    }
    return builder.build();
  }
}
