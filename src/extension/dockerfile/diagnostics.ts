/**
 * Live diagnostics: the lint engine on every change, debounced, with severities from
 * `berth.dockerfile.rules`, and again when the image store changes (a pulled base image is
 * no longer missing). The findings (with their fixes) are kept per document for the code
 * actions, which match them by code and range.
 */
import * as vscode from 'vscode';
import { lint, type LintDiagnostic, type LintSeverity } from '../../runtime/build/lint/lint';
import { lintPort, settings, toRange } from './analysis';

const DELAY_MS = 250;

const severity: Record<LintSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export const SOURCE = 'berth';

export class DockerfileDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('berth-dockerfile');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly findings = new Map<string, readonly LintDiagnostic[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(onImagesChanged: vscode.Event<void>) {
    this.subscriptions.push(
      onImagesChanged(() => vscode.workspace.textDocuments.forEach((d) => this.schedule(d, DELAY_MS))),
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DELAY_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('berth.dockerfile')) vscode.workspace.textDocuments.forEach((d) => this.schedule(d, 0));
      }),
    );
    vscode.workspace.textDocuments.forEach((d) => this.schedule(d, 0));
  }

  /** The lint findings behind the diagnostics of a document. */
  findingsFor(uri: vscode.Uri): readonly LintDiagnostic[] {
    return this.findings.get(uri.toString()) ?? [];
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (document.languageId !== 'dockerfile') return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => void this.run(document), delay),
    );
  }

  private async run(document: vscode.TextDocument): Promise<void> {
    const version = document.version;
    const rules = settings().get<Record<string, LintSeverity | 'off'>>('rules', {});
    const { diagnostics } = await lint(document.getText(), { port: await lintPort(document), severities: rules });
    // A newer edit has its own run coming; its result is the one to show.
    if (document.isClosed || document.version !== version) return;
    this.findings.set(document.uri.toString(), diagnostics);
    this.collection.set(document.uri, diagnostics.map(toDiagnostic));
  }

  private forget(uri: vscode.Uri): void {
    clearTimeout(this.timers.get(uri.toString()));
    this.timers.delete(uri.toString());
    this.findings.delete(uri.toString());
    this.collection.delete(uri);
  }

  dispose(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.subscriptions.forEach((s) => s.dispose());
    this.collection.dispose();
  }
}

function toDiagnostic(d: LintDiagnostic): vscode.Diagnostic {
  const out = new vscode.Diagnostic(toRange(d.range), d.message, severity[d.severity]);
  out.source = SOURCE;
  out.code = d.url ? { value: d.code, target: vscode.Uri.parse(d.url) } : d.code;
  return out;
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  return typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
}
