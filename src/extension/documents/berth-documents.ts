/**
 * Read-only documents of the runtime's views, on the `berth:` scheme:
 *   berth:/container/<id>.json   inspect of a container
 *   berth:/image/<ref>.json      inspect of an image
 *   berth:/history/<ref>.txt     the image's history, newest layer first
 * Read-only because they are views: editing an inspect would suggest it changes anything.
 * An open document is re-read when the runtime reports a change to its subject.
 */
import * as vscode from 'vscode';
import { getEngine } from '../engine-access';
import { bytes, relativeTime, shortId } from '../views/format';
import type { RuntimeModel } from '../views/runtime-model';

export const DOCUMENT_SCHEME = 'berth';

type Subject = 'container' | 'image' | 'history';

export function documentUri(subject: Subject, ref: string, label: string): vscode.Uri {
  const extension = subject === 'history' ? 'txt' : 'json';
  // The label names the editor tab; the ref (query) is what the runtime is asked.
  return vscode.Uri.from({ scheme: DOCUMENT_SCHEME, path: `/${subject}/${label.replace(/[/:]/g, '_')}.${extension}`, query: ref });
}

export class BerthDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(model: RuntimeModel) {
    this.subscription = model.onDidReceiveEvent((event) => {
      for (const doc of vscode.workspace.textDocuments) {
        if (doc.uri.scheme === DOCUMENT_SCHEME && (event.id.startsWith(doc.uri.query) || event.name === doc.uri.query)) this.changed.fire(doc.uri);
      }
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const engine = await getEngine();
    const subject = uri.path.split('/')[1] as Subject;
    const ref = uri.query;
    try {
      switch (subject) {
        case 'container':
          return JSON.stringify(await engine.inspectContainer(ref), null, 2);
        case 'image':
          return JSON.stringify(await engine.inspectImage(ref), null, 2);
        case 'history': {
          const rows = await engine.imageHistory(ref);
          const lines = rows.map((r) => [r.id ? shortId(r.id) : '<missing>', relativeTime(r.created).padEnd(16), bytes(r.size).padStart(9), r.createdBy ?? ''].join('  '));
          return [`History of ${ref}, newest first`, '', ...lines, ''].join('\n');
        }
      }
    } catch (err) {
      return `${subject} ${ref}: ${err instanceof Error ? err.message : String(err)}\n`;
    }
    return `Unknown Berth document ${uri.toString()}\n`;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export async function showBerthDocument(uri: vscode.Uri): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
  if (uri.path.endsWith('.json')) await vscode.languages.setTextDocumentLanguage(doc, 'json');
}
