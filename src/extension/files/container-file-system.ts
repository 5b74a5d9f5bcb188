/**
 * A container's filesystem as a VS Code FileSystemProvider: open, edit and save back,
 * create, delete and rename, in running and stopped containers alike. The runtime's
 * ContainerFs does the work (paths resolved inside the container, a running container
 * frozen while written); this maps its errors to the FileSystemErrors VS Code expects.
 *
 * No watching: a container's processes change files without telling anyone, and polling
 * is what Berth avoids. Changes made through this provider are announced, so open
 * editors and the Files tree follow those.
 */
import * as vscode from 'vscode';
import type { ContainerFs, FileKind } from '../../runtime/container/container-fs';
import { getEngine } from '../engine-access';

export class ContainerFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const s = await this.call(uri, (fs) => fs.stat(uri.path));
    return {
      type: fileType(s.type) | (s.symlink ? vscode.FileType.SymbolicLink : 0),
      size: s.size,
      mtime: s.mtime,
      ctime: s.ctime,
      permissions: (s.mode & 0o222) === 0 ? vscode.FilePermission.Readonly : undefined,
    };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const entries = await this.call(uri, (fs) => fs.readDirectory(uri.path));
    return entries.map(([name, kind]) => [name, fileType(kind)]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.call(uri, (fs) => fs.readFile(uri.path));
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Promise<void> {
    const existed = await this.exists(uri);
    await this.call(uri, (fs) => fs.writeFile(uri.path, content, options));
    this.changed.fire([{ type: existed ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri }, ...(existed ? [] : [parentChanged(uri)])]);
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    await this.call(uri, (fs) => fs.createDirectory(uri.path));
    this.changed.fire([{ type: vscode.FileChangeType.Created, uri }, parentChanged(uri)]);
  }

  async delete(uri: vscode.Uri, options: { recursive: boolean }): Promise<void> {
    await this.call(uri, (fs) => fs.delete(uri.path, options));
    this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri }, parentChanged(uri)]);
  }

  async rename(from: vscode.Uri, to: vscode.Uri, options: { overwrite: boolean }): Promise<void> {
    if (from.authority !== to.authority) throw vscode.FileSystemError.NoPermissions('Files move between containers by copy, not rename.');
    await this.call(from, (fs) => fs.rename(from.path, to.path, options));
    this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri: from }, { type: vscode.FileChangeType.Created, uri: to }, parentChanged(from), parentChanged(to)]);
  }

  private async exists(uri: vscode.Uri): Promise<boolean> {
    return this.stat(uri).then(() => true, () => false);
  }

  private async call<T>(uri: vscode.Uri, fn: (fs: ContainerFs) => Promise<T>): Promise<T> {
    try {
      const engine = await getEngine();
      const { openContainerFs } = await import('../../runtime/container/container-fs');
      const fs = await openContainerFs(uri.authority, { states: engine.containers.states, images: engine.parts.images, workDir: engine.paths.tmp });
      return await fn(fs);
    } catch (err) {
      throw toFileSystemError(err, uri);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function fileType(kind: FileKind): vscode.FileType {
  switch (kind) {
    case 'file':
      return vscode.FileType.File;
    case 'directory':
      return vscode.FileType.Directory;
    default:
      return vscode.FileType.Unknown;
  }
}

function parentChanged(uri: vscode.Uri): vscode.FileChangeEvent {
  return { type: vscode.FileChangeType.Changed, uri: vscode.Uri.joinPath(uri, '..') };
}

/** VS Code decides what to offer (create? overwrite?) from the FileSystemError's kind. */
function toFileSystemError(err: unknown, uri: vscode.Uri): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'not-found':
      return vscode.FileSystemError.FileNotFound(message);
    case 'already-exists':
      return vscode.FileSystemError.FileExists(message);
    case 'permission-denied':
      return vscode.FileSystemError.NoPermissions(message);
    case 'invalid-argument':
      return /is a directory/.test(message) ? vscode.FileSystemError.FileIsADirectory(message) : vscode.FileSystemError.FileNotADirectory(message);
    default:
      return err instanceof vscode.FileSystemError ? err : vscode.FileSystemError.Unavailable(`${uri.path}: ${message}`);
  }
}
