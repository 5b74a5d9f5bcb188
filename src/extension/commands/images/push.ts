/**
 * Push… (an image's context menu, the palette). A tag that names a registry
 * (`ghcr.io/owner/app:1`, `localhost:5000/app`, `user/app` on Docker Hub) is pushed where it
 * says. Otherwise — `busybox:latest` is Docker Hub's official library, where no one may
 * push — a pick offers the image's registry tags and, for each registry the user is
 * logged in to, the same name there, or any other name; the image is tagged with the
 * choice, then pushed. The transfer shows its bytes in a cancellable notification; a
 * registry that wants a login gets a Log In button and the push is tried again.
 */
import * as vscode from 'vscode';
import type { ImageSummary } from '../../../runtime/cli/engine-port';
import { parseReference } from '../../../runtime/image/reference';
import { getEngine } from '../../engine-access';
import { isInsecureRegistry } from '../../registry-settings';
import type { CommandContext } from '../context';
import { withLogIn } from '../registries/login';
import { registerCommand } from '../register';
import { targetImage } from '../targets';
import { transferWithProgress } from '../transfer';

export function registerPushCommand(ctx: CommandContext): vscode.Disposable {
  return registerCommand('berth.images.push', 'Push image', async (arg?: unknown, target?: unknown) => {
    const { ref, image } = await targetImage(ctx.model, arg, { placeHolder: 'Image to push' });
    const destination = typeof target === 'string' ? target : namesRegistry(ref) ? ref : await chooseDestination(ref, image);
    const engine = await getEngine();
    if (destination !== ref) await engine.tagImage(ref, destination);
    const registry = parseReference(destination).domain;
    const digest = await withLogIn(ctx, registry, `Push ${destination}`, () =>
      transferWithProgress(`Pushing ${destination}`, (signal, onProgress) => engine.pushImage(destination, { signal, onProgress, insecure: isInsecureRegistry(registry) })),
    );
    ctx.registriesView.refresh();
    void vscode.window.showInformationMessage(`Pushed ${destination} (${digest.slice(0, 19)}…)`);
    return digest;
  });
}

/**
 * Whether a reference says which registry to push to: anything but Docker Hub's official
 * library (`busybox`, `docker.io/library/alpine`) and image ids.
 */
function namesRegistry(reference: string): boolean {
  if (reference.startsWith('sha256:')) return false;
  try {
    const ref = parseReference(reference);
    return !(ref.domain === 'docker.io' && ref.path.startsWith('library/')) && ref.digest === undefined;
  } catch {
    return false;
  }
}

interface Destination extends vscode.QuickPickItem {
  reference?: string;
}

async function chooseDestination(ref: string, image: ImageSummary): Promise<string> {
  const registries = await (await getEngine()).listRegistries();
  const name = sameNameIn(ref);
  const tagged = image.repoTags.filter(namesRegistry);
  const suggested = name ? registries.map((registry) => `${registry}/${name}`).filter((s) => namesRegistry(s) && !tagged.includes(s)) : [];
  const items: Destination[] = [
    ...suggested.map((reference) => ({ label: reference, description: `tag ${ref} as this and push`, reference })),
    ...tagged.map((reference) => ({ label: reference, description: 'push this tag', reference })),
  ];
  const other = suggested[0] ?? tagged[0] ?? `localhost:5000/${name ?? 'image:latest'}`;
  if (items.length === 0) return askDestination(ref, other);
  const picked = await vscode.window.showQuickPick<Destination>([...items, { label: '$(edit) Another name…', description: 'registry/repository:tag' }], {
    title: `Push ${ref}`,
    placeHolder: `${ref} names no registry: push which name?`,
  });
  if (!picked) throw new vscode.CancellationError();
  return picked.reference ?? askDestination(ref, other);
}

/** `busybox:latest` → `busybox:latest`, `user/app:1` → `user/app:1`: the repository and tag to put behind another registry. */
function sameNameIn(reference: string): string | undefined {
  if (reference.startsWith('sha256:')) return undefined;
  const ref = parseReference(reference);
  return `${ref.path.replace(/^library\//, '')}:${ref.tag ?? 'latest'}`;
}

async function askDestination(ref: string, value: string): Promise<string> {
  const answer = await vscode.window.showInputBox({
    title: `Push ${ref}`,
    prompt: 'Push as registry/repository:tag (the image is tagged with it first)',
    value,
    ignoreFocusOut: true,
    validateInput: (input) => {
      const text = input.trim();
      try {
        if (parseReference(text).digest) return 'A tag, not a digest: the registry names what it stores by its digest itself.';
      } catch (err) {
        return (err as Error).message;
      }
      return namesRegistry(text) ? undefined : `${text} is in Docker Hub's official library, where no one may push: put a registry in front (registry.example.com/${text}) or your Docker Hub user (user/${text}).`;
    },
  });
  if (!answer) throw new vscode.CancellationError();
  return answer.trim();
}
