/**
 * Pull Image… (palette, Images view): a reference typed by the user and checked with the
 * runtime's own naming rules as it is typed; also what a tag's Pull in the Registries view
 * and the Dockerfile quick fix for a base image missing from the store call. The transfer
 * shows in a cancellable notification with the bytes moved; Cancel aborts it and the
 * runtime keeps nothing of it. A registry that wants a login gets a Log In button and the
 * pull is tried again. The Images view shows the image once the store has it.
 */
import * as vscode from 'vscode';
import { parseReference } from '../../../runtime/image/reference';
import { getEngine } from '../../engine-access';
import { isInsecureRegistry } from '../../registry-settings';
import type { CommandContext } from '../context';
import { withLogIn } from '../registries/login';
import { registerCommand } from '../register';
import { transferWithProgress } from '../transfer';
import { revealImage } from './reveal';

export interface PullRequest {
  /** `os/arch[/variant]` to pick from a multi-platform image (a FROM line's --platform). */
  platform?: string;
}

export function registerPullCommand(ctx: CommandContext): vscode.Disposable {
  return registerCommand('berth.images.pull', 'Pull image', async (reference?: unknown, request?: PullRequest) => {
    const wanted = typeof reference === 'string' ? reference : await askReference();
    return pullImage(ctx, wanted, request);
  });
}

/** Pulls with a progress notification, offering a login when the registry wants one. Returns what the runtime stored. */
export async function pullImage(ctx: Pick<CommandContext, 'model' | 'imagesView' | 'imagesTree' | 'registriesView'>, reference: string, request: PullRequest = {}): Promise<{ name: string; id: string; digest: string }> {
  const registry = parseReference(reference).domain;
  const pulled = await withLogIn(ctx, registry, `Pull ${reference}`, () =>
    transferWithProgress(`Pulling ${reference}`, async (signal, onProgress) => (await getEngine()).pullImage(reference, { signal, onProgress, insecure: isInsecureRegistry(registry), ...(request.platform && { platform: request.platform }) })),
  );
  await revealImage(ctx, pulled.name);
  vscode.window.setStatusBarMessage(`Pulled ${pulled.name}`, 5000);
  return pulled;
}

async function askReference(): Promise<string> {
  const answer = await vscode.window.showInputBox({
    title: 'Pull Image',
    prompt: 'Image reference: name[:tag] or name@sha256:digest (Docker Hub when no registry is named)',
    placeHolder: 'busybox, alpine:3.20, ghcr.io/owner/app:1.0, localhost:5000/app@sha256:…',
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (value.trim() === '') return undefined;
      try {
        parseReference(value.trim());
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  if (!answer?.trim()) throw new vscode.CancellationError();
  return answer.trim();
}
