/** The Registries view's own actions: Refresh, Copy Reference, and Pull on a tag. */
import * as vscode from 'vscode';
import { referenceOf, type RegistryTagNode, type RepositoryNode } from '../../views/registry-nodes';
import type { CommandContext } from '../context';
import { pullImage } from '../images/pull';
import { registerCommand } from '../register';

export function registerRegistryViewCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    registerCommand('berth.registries.refresh', 'Refresh', () => ctx.registriesView.refresh()),
    registerCommand('berth.registries.copyReference', 'Copy reference', async (node?: unknown) => {
      const reference = referenceOf(listed(node, 'repository', 'registryTag'));
      await vscode.env.clipboard.writeText(reference);
      vscode.window.setStatusBarMessage(`Copied ${reference}`, 3000);
    }),
    registerCommand('berth.registries.pull', 'Pull image', (node?: unknown) => pullImage(ctx, referenceOf(listed(node, 'registryTag')))),
  ];
}

/** The view's node a menu passed; these commands exist only in the view's menus. */
function listed<K extends (RepositoryNode | RegistryTagNode)['kind']>(node: unknown, ...kinds: K[]): Extract<RepositoryNode | RegistryTagNode, { kind: K }> {
  const kind = (node as { kind?: unknown } | null)?.kind;
  if (!kinds.includes(kind as K)) throw new Error('This action works on a repository or tag in the Registries view.');
  return node as Extract<RepositoryNode | RegistryTagNode, { kind: K }>;
}
