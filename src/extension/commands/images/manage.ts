/** Image commands: tag, remove, prune, inspect, history, save, load and import. */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { getEngine } from '../../engine-access';
import { documentUri, showBerthDocument } from '../../documents/berth-documents';
import { shortId } from '../../views/format';
import type { CommandContext } from '../context';
import { confirm } from '../containers/lifecycle';
import { registerCommand, withProgress } from '../register';
import { targetImage, targetImages } from '../targets';
import { revealImage } from './reveal';

export function registerImageCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    registerCommand('berth.images.tag', 'Tag image', async (arg?: unknown, target?: unknown) => {
      const { ref } = await targetImage(ctx.model, arg, { placeHolder: 'Image to tag' });
      const name =
        typeof target === 'string'
          ? target
          : await vscode.window.showInputBox({
              title: `Tag ${ref}`,
              prompt: 'New name[:tag]',
              value: ref.startsWith('sha256:') ? '' : ref,
              validateInput: (v) => (/^[a-z0-9][a-z0-9._\-/:]*$/.test(v.trim()) ? undefined : 'Lower-case letters, digits, . _ - / and : only'),
            });
      if (!name) throw new vscode.CancellationError();
      await (await getEngine()).tagImage(ref, name.trim());
      await revealImage(ctx, name.trim());
    }),
    registerCommand('berth.images.remove', 'Remove image', async (arg?: unknown, selection?: unknown) => {
      const targets = await targetImages(ctx.model, arg, selection, { many: true, placeHolder: 'Images to remove' });
      const refs = targets.map((t) => t.ref);
      if (!(await confirm(`Remove ${refs.map((r) => (r.startsWith('sha256:') ? shortId(r) : r)).join(', ')}?`, 'Remove'))) return;
      const result = await withProgress('Removing images', async () => (await getEngine()).removeImages(refs));
      vscode.window.setStatusBarMessage(`Untagged ${result.untagged.length}, deleted ${result.deleted.length}`, 5000);
    }),
    registerCommand('berth.images.prune', 'Prune images', async () => {
      const choice = await vscode.window.showQuickPick(
        [
          { label: 'Dangling images', description: 'images without a tag', all: false },
          { label: 'All unused images', description: 'every image no container uses', all: true },
        ],
        { placeHolder: 'Which images to remove' },
      );
      if (!choice) throw new vscode.CancellationError();
      const { deleted, reclaimed } = await withProgress('Pruning images', async () => (await getEngine()).pruneImages({ all: choice.all }));
      void vscode.window.showInformationMessage(`Removed ${deleted.length} image${deleted.length === 1 ? '' : 's'}, ${(reclaimed / 1e6).toFixed(1)} MB reclaimed.`);
    }),
    registerCommand('berth.images.inspect', 'Inspect image', async (arg?: unknown) => {
      const { ref } = await targetImage(ctx.model, arg, { placeHolder: 'Image to inspect' });
      await showBerthDocument(documentUri('image', ref, ref));
    }),
    registerCommand('berth.images.history', 'Image history', async (arg?: unknown) => {
      const { ref } = await targetImage(ctx.model, arg, { placeHolder: 'Image whose history to show' });
      await showBerthDocument(documentUri('history', ref, ref));
    }),
    registerCommand('berth.images.save', 'Save image', async (arg?: unknown, file?: unknown) => {
      const { ref } = await targetImage(ctx.model, arg, { placeHolder: 'Image to save to a file' });
      const defaultName = `${ref.replace(/^sha256:/, '').replace(/[/:]/g, '-')}.tar`;
      const uri = file instanceof vscode.Uri ? file : await vscode.window.showSaveDialog({ title: `Save ${ref}`, defaultUri: vscode.Uri.file(path.join(defaultFolder(), defaultName)), filters: { 'Image archives': ['tar'] } });
      if (!uri) throw new vscode.CancellationError();
      await withProgress(`Saving ${ref}`, async (signal) => (await getEngine()).saveImages([ref], uri.fsPath, { signal }));
      vscode.window.setStatusBarMessage(`Saved ${ref} to ${uri.fsPath}`, 5000);
    }),
    registerCommand('berth.images.load', 'Load image', async (file?: unknown) => {
      const uri = file instanceof vscode.Uri ? file : await openFile('Load an image archive (docker save or OCI)', { 'Image archives': ['tar', 'gz', 'tgz', 'zst'] });
      const loaded = await withProgress(`Loading ${path.basename(uri.fsPath)}`, async (signal) => (await getEngine()).loadImages(uri.fsPath, { signal }));
      if (loaded[0]) await revealImage(ctx, loaded[0]);
      vscode.window.setStatusBarMessage(`Loaded ${loaded.join(', ')}`, 5000);
      return loaded;
    }),
    registerCommand('berth.images.import', 'Import root filesystem', async (file?: unknown, reference?: unknown) => {
      const uri = file instanceof vscode.Uri ? file : await openFile('Import a root filesystem tarball as an image', { 'Tarballs': ['tar', 'gz', 'tgz', 'xz', 'zst'] });
      const name =
        typeof reference === 'string'
          ? reference
          : await vscode.window.showInputBox({ title: 'Import as', prompt: 'name:tag for the new image (empty: untagged)', value: `${path.basename(uri.fsPath).replace(/\.(tar|tgz|gz|xz|zst)+$/g, '')}:latest` });
      if (name === undefined) throw new vscode.CancellationError();
      const id = await withProgress(`Importing ${path.basename(uri.fsPath)}`, async (signal) => (await getEngine()).importImage(uri.fsPath, name.trim() || undefined, { signal }));
      await revealImage(ctx, name.trim() || id);
      return id;
    }),
  ];
}

async function openFile(title: string, filters: Record<string, string[]>): Promise<vscode.Uri> {
  const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { ...filters, 'All files': ['*'] }, defaultUri: vscode.Uri.file(defaultFolder()) });
  if (!picked?.[0]) throw new vscode.CancellationError();
  return picked[0];
}

function defaultFolder(): string {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
}
