/**
 * File actions on the Files tree of a container: new file or folder, upload, download,
 * rename and delete. All go through the container FileSystemProvider (vscode.workspace.fs
 * on berth-container: URIs), so the tree and open editors hear of each change.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FileNode } from '../views/nodes';
import { confirm } from './containers/lifecycle';
import { registerCommand } from './register';

function fileNode(arg: unknown): FileNode {
  const node = arg as FileNode | undefined;
  if (node?.kind !== 'file') throw new Error('Choose a file or folder in a container\'s Files tree first.');
  return node;
}

async function askName(title: string, value = ''): Promise<string> {
  const name = await vscode.window.showInputBox({ title, value, validateInput: (v) => (v.trim() && !v.includes('/') ? undefined : 'A name without /') });
  if (!name) throw new vscode.CancellationError();
  return name.trim();
}

export function registerFileCommands(): vscode.Disposable[] {
  return [
    registerCommand('berth.files.newFile', 'New file', async (arg?: unknown, name?: unknown) => {
      const dir = fileNode(arg);
      const uri = vscode.Uri.joinPath(dir.uri, typeof name === 'string' ? name : await askName('New file'));
      await vscode.workspace.fs.writeFile(uri, new Uint8Array());
      await vscode.window.showTextDocument(uri);
    }),
    registerCommand('berth.files.newFolder', 'New folder', async (arg?: unknown, name?: unknown) => {
      const dir = fileNode(arg);
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(dir.uri, typeof name === 'string' ? name : await askName('New folder')));
    }),
    registerCommand('berth.files.upload', 'Upload', async (arg?: unknown, files?: unknown) => {
      const dir = fileNode(arg);
      const sources = Array.isArray(files) ? (files as vscode.Uri[]) : await vscode.window.showOpenDialog({ title: `Upload into ${dir.uri.path}`, canSelectMany: true });
      if (!sources?.length) throw new vscode.CancellationError();
      for (const source of sources) {
        await vscode.workspace.fs.copy(source, vscode.Uri.joinPath(dir.uri, path.basename(source.path)), { overwrite: true });
      }
    }),
    registerCommand('berth.files.download', 'Download', async (arg?: unknown, target?: unknown) => {
      const node = fileNode(arg);
      const base = path.basename(node.uri.path) || 'root';
      const destination = target instanceof vscode.Uri ? target : await vscode.window.showSaveDialog({ title: `Download ${node.uri.path}`, defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '/tmp', base)) });
      if (!destination) throw new vscode.CancellationError();
      await vscode.workspace.fs.copy(node.uri, destination, { overwrite: true });
    }),
    registerCommand('berth.files.rename', 'Rename', async (arg?: unknown, name?: unknown) => {
      const node = fileNode(arg);
      const newName = typeof name === 'string' ? name : await askName(`Rename ${node.uri.path}`, path.basename(node.uri.path));
      await vscode.workspace.fs.rename(node.uri, vscode.Uri.joinPath(node.uri, '..', newName), { overwrite: false });
    }),
    registerCommand('berth.files.delete', 'Delete', async (arg?: unknown) => {
      const node = fileNode(arg);
      if (!(await confirm(`Delete ${node.uri.path} from the container?`, 'Delete'))) return;
      await vscode.workspace.fs.delete(node.uri, { recursive: true });
    }),
  ];
}
