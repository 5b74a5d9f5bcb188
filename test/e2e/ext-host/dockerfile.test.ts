/// <reference types="mocha" />
// The Dockerfile language in the real extension host: hover, live diagnostics (codes and
// ranges), completion, an applied quick fix, rename, outline and formatting.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { eventually } from './support';

const TEXT = ['ARG VERSION=3.20', 'FROM alpine:${VERSION} AS Builder', 'ENV APP=/app', 'RUN echo $APP', 'FROM builder', 'COPY --from=builder /app /app', 'CMD run-it now', ''].join('\n');

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
}

describe('Dockerfile language', () => {
  let dir: string;
  let document: vscode.TextDocument;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'berth-dockerfile-'));
    const file = path.join(dir, 'Dockerfile.dev');
    writeFileSync(file, TEXT);
    document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives Dockerfile.* the dockerfile language', () => {
    assert.equal(document.languageId, 'dockerfile');
  });

  it('documents an instruction and shows a variable value on hover', async () => {
    const keyword = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(2, 1));
    assert.match(hoverText(keyword), /\*\*ENV\*\*/);
    const variable = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(1, 16));
    assert.match(hoverText(variable), /\$VERSION\*\* = `"3\.20"`/);
  });

  it('reports diagnostics live, with BuildKit codes and exact ranges', async () => {
    const code = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);
    const berthDiagnostics = () => vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'berth');
    await eventually(() => berthDiagnostics().some((d) => code(d) === 'StageNameCasing'), 'the StageNameCasing diagnostic', 15_000);
    const diagnostics = berthDiagnostics();
    const casing = diagnostics.find((d) => code(d) === 'StageNameCasing')!;
    assert.deepEqual([casing.range.start.line, casing.range.start.character, casing.range.end.character], [1, 26, 33]);
    assert.equal(casing.severity, vscode.DiagnosticSeverity.Warning);
    const json = diagnostics.find((d) => code(d) === 'JSONArgsRecommended')!;
    assert.deepEqual([json.range.start.line, json.range.start.character], [6, 4]);
  });

  it('completes instructions, flags and stage names', async () => {
    const start = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, new vscode.Position(7, 0));
    const labels = start.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('HEALTHCHECK') && labels.includes('COPY'), labels.join(' '));
    const stages = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, new vscode.Position(5, 12));
    assert.ok(stages.items.some((i) => i.label === 'builder'));
  });

  it('applies a quick fix', async () => {
    const range = new vscode.Range(1, 26, 1, 33);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, range);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Ignore StageNameCasing for this instruction') && titles.includes('Explain StageNameCasing'), titles.join(', '));
    const fix = actions.find((a) => a.title === 'Lowercase the stage name');
    assert.ok(fix?.edit, titles.join(', '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(document.lineAt(1).text, 'FROM alpine:${VERSION} AS builder');
  });

  it('renames a variable everywhere and outlines the stages', async () => {
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', document.uri, new vscode.Position(2, 5), 'ROOT');
    assert.deepEqual(edit.get(document.uri).map((e) => e.range.start.line), [2, 3]);
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', document.uri);
    assert.deepEqual(symbols.map((s) => s.name), ['ARG', 'builder', 'stage 1']);
  });

  it('formats continuation lines', async () => {
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(3, 13), ' \\\n  && true  ');
    await vscode.workspace.applyEdit(edit);
    const edits = await vscode.commands.executeCommand<vscode.TextEdit[]>('vscode.executeFormatDocumentProvider', document.uri, { insertSpaces: true, tabSize: 4 });
    // VS Code trims the provider's edits to minimal ones: compare the result, not the edits.
    const apply = new vscode.WorkspaceEdit();
    apply.set(document.uri, edits);
    await vscode.workspace.applyEdit(apply);
    assert.equal(document.lineAt(4).text, '    && true');
  });
});
