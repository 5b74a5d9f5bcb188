/** Go to definition, highlights and rename for stages, ARG/ENV variables and heredoc delimiters (symbols.ts). */
import * as vscode from 'vscode';
import { analyze, toRange } from './analysis';
import { invalidName, occurrencesOf, symbolAt, symbolIndex, type Occurrence } from './symbols';

function at(document: vscode.TextDocument, position: vscode.Position): { symbol: Occurrence; all: Occurrence[] } | undefined {
  const { model, lines } = analyze(document);
  const index = symbolIndex(model, lines);
  const symbol = symbolAt(index, position);
  return symbol && { symbol, all: occurrencesOf(index, symbol.key) };
}

export class DockerfileNavigation implements vscode.DefinitionProvider, vscode.DocumentHighlightProvider, vscode.RenameProvider {
  provideDefinition(document: vscode.TextDocument, position: vscode.Position): vscode.Location[] {
    const found = at(document, position);
    return (found?.all ?? []).filter((o) => o.definition).map((o) => new vscode.Location(document.uri, toRange(o.range)));
  }

  provideDocumentHighlights(document: vscode.TextDocument, position: vscode.Position): vscode.DocumentHighlight[] {
    const found = at(document, position);
    return (found?.all ?? []).map((o) => new vscode.DocumentHighlight(toRange(o.range), o.definition ? vscode.DocumentHighlightKind.Write : vscode.DocumentHighlightKind.Read));
  }

  prepareRename(document: vscode.TextDocument, position: vscode.Position): { range: vscode.Range; placeholder: string } {
    const found = at(document, position);
    if (!found) throw new Error('Only stage names, ARG/ENV variables and heredoc delimiters can be renamed.');
    return { range: toRange(found.symbol.range), placeholder: found.symbol.name };
  }

  provideRenameEdits(document: vscode.TextDocument, position: vscode.Position, newName: string): vscode.WorkspaceEdit {
    const found = at(document, position);
    if (!found) throw new Error('Only stage names, ARG/ENV variables and heredoc delimiters can be renamed.');
    const problem = invalidName(found.symbol.kind, newName);
    if (problem) throw new Error(problem);
    const edit = new vscode.WorkspaceEdit();
    for (const o of found.all) edit.replace(document.uri, toRange(o.range), newName);
    return edit;
  }
}
