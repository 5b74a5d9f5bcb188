/**
 * Every Berth command is registered here, so every one of them reports failures the same
 * way (a message with a way to the details, cancellation ignored) and none can throw
 * into the extension host.
 */
import * as vscode from 'vscode';
import { reportError } from '../output';

export function registerCommand(id: string, title: string, run: (...args: any[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await run(...args);
    } catch (err) {
      reportError(title, err);
      return undefined;
    }
  });
}

/**
 * A cancellable progress notification around `work`, which gets the AbortSignal the
 * runtime takes: this is the one place a CancellationToken becomes a signal.
 */
export function withProgress<T>(title: string, work: (signal: AbortSignal, report: (message: string, increment?: number) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort(new vscode.CancellationError()));
    return work(controller.signal, (message, increment) => progress.report({ message, increment })).finally(() => subscription.dispose());
  });
}

/** Workspace files may only be built or run in a trusted workspace (Restricted Mode). */
export function requireTrust(action: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new Error(`${action} uses files of this workspace, which is not trusted. Trust it (Manage Workspace Trust) and try again.`);
  }
}
