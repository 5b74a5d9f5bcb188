/**
 * Quick fixes from the lint rules' own edits (casing, exec form, empty continuation line,
 * pin a tag…), "Pull <image>" for a base image the store lacks (BaseImageNotLocal), and
 * for every Berth diagnostic "ignore this rule here" (a `# berth-ignore:` comment above
 * the instruction) and "explain".
 */
import * as vscode from 'vscode';
import type { LintDiagnostic } from '../../runtime/build/lint/lint';
import { analyze, toEdit, toRange } from './analysis';
import { codeOf, SOURCE, type DockerfileDiagnostics } from './diagnostics';
import { EXPLAIN_COMMAND, PULL_COMMAND } from './constants';

const BASE_IMAGE_NOT_LOCAL = 'BaseImageNotLocal';

export class DockerfileCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: DockerfileDiagnostics) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const findings = this.diagnostics.findingsFor(document.uri);
    for (const diagnostic of context.diagnostics) {
      const code = codeOf(diagnostic);
      if (diagnostic.source !== SOURCE || !code) continue;
      const finding = findings.find((f) => f.code === code && toRange(f.range).isEqual(diagnostic.range));
      finding?.fixes.forEach((fix, n) => {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.set(document.uri, fix.edits.map(toEdit));
        action.diagnostics = [diagnostic];
        action.isPreferred = n === 0;
        actions.push(action);
      });
      const pull = code === BASE_IMAGE_NOT_LOCAL ? this.pull(document, diagnostic) : undefined;
      if (pull) actions.push(pull);
      const ignore = this.ignore(document, diagnostic, code, finding);
      if (ignore) actions.push(ignore);
      const explain = new vscode.CodeAction(`Explain ${code}`, vscode.CodeActionKind.QuickFix);
      explain.command = { command: EXPLAIN_COMMAND, title: `Explain ${code}`, arguments: [code] };
      explain.diagnostics = [diagnostic];
      actions.push(explain);
    }
    return actions;
  }

  /**
   * Pulls the FROM line's image, as the stage names it once global ARGs are expanded, for
   * its --platform when that is literal. Once the store has it the diagnostic goes away
   * (diagnostics follow the store).
   */
  private pull(document: vscode.TextDocument, diagnostic: vscode.Diagnostic): vscode.CodeAction | undefined {
    const stage = analyze(document).model.stages.find((s) => toRange(s.from.image.range).isEqual(diagnostic.range));
    if (!stage || stage.base.includes('$')) return undefined;
    const platform = stage.platform && !stage.platform.includes('$') ? { platform: stage.platform } : {};
    const action = new vscode.CodeAction(`Pull ${stage.base}`, vscode.CodeActionKind.QuickFix);
    action.command = { command: PULL_COMMAND, title: `Pull ${stage.base}`, arguments: [stage.base, platform] };
    action.diagnostics = [diagnostic];
    action.isPreferred = true;
    return action;
  }

  /** Adds the code to a `# berth-ignore:` comment directly above the instruction, or inserts one. */
  private ignore(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, code: string, finding: LintDiagnostic | undefined): vscode.CodeAction | undefined {
    const { model } = analyze(document);
    const line = (finding?.range ?? { start: { line: diagnostic.range.start.line } }).start.line;
    const node = model.syntax.nodes.find((n) => n.range.start.line <= line && line <= n.range.end.line);
    if (!node) return undefined;
    const start = node.range.start.line;
    const action = new vscode.CodeAction(`Ignore ${code} for this instruction`, vscode.CodeActionKind.QuickFix);
    action.edit = new vscode.WorkspaceEdit();
    const above = start > 0 ? document.lineAt(start - 1).text : '';
    if (/^\s*#\s*berth-ignore\s*:/i.test(above)) {
      action.edit.insert(document.uri, new vscode.Position(start - 1, above.trimEnd().length), `, ${code}`);
    } else {
      const indent = /^\s*/.exec(document.lineAt(start).text)![0];
      action.edit.insert(document.uri, new vscode.Position(start, 0), `${indent}# berth-ignore: ${code}\n`);
    }
    action.diagnostics = [diagnostic];
    return action;
  }
}
