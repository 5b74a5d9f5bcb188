/** The outline (a symbol per stage, its instructions inside) and folding (stages, long instructions, heredocs, comment blocks). */
import * as vscode from 'vscode';
import type { Node } from '../../runtime/build/dockerfile/dockerfile';
import { analyze, toRange } from './analysis';

function instructionSymbol(node: Node): vscode.DocumentSymbol {
  const rest = node.rest.value.replace(/\s+/g, ' ');
  const kind = node.instruction === 'arg' || node.instruction === 'env' ? vscode.SymbolKind.Variable : vscode.SymbolKind.Field;
  return new vscode.DocumentSymbol(node.keyword.toUpperCase(), rest.length > 60 ? `${rest.slice(0, 57)}...` : rest, kind, toRange(node.range), toRange(node.keywordRange));
}

export class DockerfileOutline implements vscode.DocumentSymbolProvider, vscode.FoldingRangeProvider {
  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] {
    const { model } = analyze(document);
    const globals = model.globalArgs.map((a) => instructionSymbol(a.node));
    const stages = model.stages.map((stage) => {
      const last = stage.steps.at(-1)?.instruction.node ?? stage.from.node;
      const range = new vscode.Range(toRange(stage.from.node.range).start, toRange(last.range).end);
      const selection = toRange((stage.from.node.args[2] ?? stage.from.image).range);
      const symbol = new vscode.DocumentSymbol(stage.name ?? `stage ${stage.index}`, `FROM ${stage.from.image.value}`, vscode.SymbolKind.Module, range, selection);
      symbol.children = stage.steps.map((s) => instructionSymbol(s.instruction.node));
      return symbol;
    });
    return [...globals, ...stages];
  }

  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] {
    const { model } = analyze(document);
    const out: vscode.FoldingRange[] = [];
    model.stages.forEach((stage, n) => {
      const next = model.stages[n + 1]?.from.node.range.start.line;
      const last = stage.steps.at(-1)?.instruction.node.range.end.line ?? stage.from.node.range.end.line;
      const end = next === undefined ? last : Math.min(last, next - 1);
      if (end > stage.from.node.range.start.line) out.push(new vscode.FoldingRange(stage.from.node.range.start.line, end, vscode.FoldingRangeKind.Region));
    });
    for (const node of model.syntax.nodes) {
      if (node.range.end.line > node.range.start.line) out.push(new vscode.FoldingRange(node.range.start.line, node.range.end.line));
      for (const h of node.heredocs) if (h.terminatorRange.start.line > h.markerRange.start.line) out.push(new vscode.FoldingRange(h.markerRange.start.line, h.terminatorRange.start.line));
    }
    let blockStart = -1;
    const comments = model.syntax.comments.map((c) => c.range.start.line);
    comments.forEach((line, n) => {
      if (blockStart < 0) blockStart = line;
      if (comments[n + 1] !== line + 1) {
        if (line > blockStart) out.push(new vscode.FoldingRange(blockStart, line, vscode.FoldingRangeKind.Comment));
        blockStart = -1;
      }
    });
    return out;
  }
}
