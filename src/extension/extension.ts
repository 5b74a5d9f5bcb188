import * as vscode from 'vscode';
import { getEngine } from './engine-access';

// Activation stays cheap: the runtime is required only when a command first needs it.
export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('berth.runtime.info', async () => {
      const info = await (await getEngine()).info();
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(info, null, 2) });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
  );
}

export function deactivate(): void {}
