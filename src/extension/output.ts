/**
 * The extension's one output channel, and how a failure reaches the user: a short
 * message with a way to the details (the channel holds the cause chain and the stack).
 * Cancellation is not a failure and stays silent.
 */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function output(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Berth', { log: true });
  return channel;
}

export function disposeOutput(): void {
  channel?.dispose();
  channel = undefined;
}

export function isCancellation(err: unknown): boolean {
  if (err instanceof vscode.CancellationError) return true;
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'AbortError' || e?.code === 'canceled' || e?.code === 'ABORT_ERR';
}

/** The message and every cause below it, one per line, for the output channel. */
function describe(err: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      lines.push(`${depth ? 'caused by: ' : ''}${e.stack ?? e.message}${typeof code === 'string' ? ` [${code}]` : ''}`);
      e = e.cause;
    } else {
      lines.push(`${depth ? 'caused by: ' : ''}${String(e)}`);
      break;
    }
  }
  return lines.join('\n');
}

/** Logs the failure of `action` and shows it; "Show Details" opens the channel. */
export function reportError(action: string, err: unknown): void {
  if (isCancellation(err)) return;
  const message = err instanceof Error ? err.message : String(err);
  output().error(`${action} failed: ${describe(err)}`);
  void vscode.window.showErrorMessage(`${action}: ${message}`, 'Show Details').then((choice) => {
    if (choice) output().show(true);
  });
}
