/**
 * A container's filesystem, running or stopped, as paths inside the container: what
 * `berth cp` uses (archive / extract, docker's GET and PUT /containers/{id}/archive) and
 * the operations a VS Code FileSystemProvider needs (stat, readDirectory, readFile,
 * writeFile, createDirectory, delete, rename).
 *
 * Every path is resolved inside the container (./path-resolver.ts): symlinks mean what
 * they mean in the container, `..` stops at its root, and nothing is ever followed on the
 * host. Each call looks at the container's state anew: a running container is reached
 * through /proc/<pid>/root and paused (frozen, without events) while it is written; a
 * stopped one through its upper dir and image layers (./container-tree.ts).
 *
 * Errors: `not-found` (a path or a directory on the way is missing), `already-exists`,
 * `invalid-argument` (a bad tar, a directory where a file is needed),
 * `failed-precondition` (a non-empty directory without `recursive`, renaming an image
 * directory of a stopped container), `permission-denied` (rootless: a file of another
 * container user that the user running Berth may not read or write — the message says so).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { BerthError, errnoCode, isBerthError } from '../errors';
import { type IdMap, isIdentity, toContainer } from '../idmap';
import type { PrivilegedFs } from '../layer/layer';
import type { LayerContext } from '../layer/layer-store';
import type { MergedView } from '../snapshot/merged-view';
import type { Container } from './container';
import { extractInto, packEntry } from './container-archive';
import { type ContainerTree, ProcRootTree, SnapshotTree, type TreeEntry } from './container-tree';
import { setFrozen } from './freezer';
import { type Resolved, resolveInRoot } from './path-resolver';
import type { ContainerStateStore } from './state-store';

export type FileKind = 'file' | 'directory' | 'symlink' | 'other';

export interface FileStat {
  /** What the path is, after following a symlink (`stat`), or the link itself (`lstat`). */
  type: FileKind;
  /** The path itself is a symlink (set by `stat` when it followed one). */
  symlink: boolean;
  size: number;
  /** Permission bits, with set-id and sticky bits. */
  mode: number;
  /** Container ids (65534 when the owner is outside the container's mapping). */
  uid: number;
  gid: number;
  /** Milliseconds since the epoch. */
  mtime: number;
  ctime: number;
}

export interface ContainerFsDeps {
  /** The container as it is now (re-read on every call: it may start or stop meanwhile). */
  load(): Promise<Container>;
  chainIds: string[];
  mergedView(containerId: string, chainIds: string[]): Promise<MergedView>;
  /** Freezes or thaws the running container's processes (no events, no state change). */
  freeze(container: Container, frozen: boolean): Promise<void>;
  idMap: IdMap;
  helper: () => Promise<PrivilegedFs>;
  /** A directory of the store for the helper's fixup lists. */
  workDir: string;
}

/** Where `openContainerFs` finds a container and its image (the Engine's parts). */
export interface ContainerFsSources {
  states: ContainerStateStore;
  images: {
    resolveForRun(ref: string): Promise<{ chainIds: string[] }>;
    snapshots: { mergedView(containerId: string, chainIds: string[]): Promise<MergedView> };
    layers: Pick<LayerContext, 'idMap' | 'privileged'>;
  };
  /** A directory of the store for the helper's fixup lists. */
  workDir: string;
}

/** The filesystem of the container `ref` (name, id or id prefix); `not-found` when there is none. */
export async function openContainerFs(ref: string, sources: ContainerFsSources): Promise<ContainerFs> {
  const { config } = await sources.states.resolve(ref);
  const { chainIds } = await sources.images.resolveForRun(config.imageId);
  return new ContainerFs({
    load: async () => {
      const now = await sources.states.load(config.id);
      if (!now) throw new BerthError('not-found', `Container ${config.name} was removed.`);
      return now;
    },
    chainIds,
    mergedView: (id, ids) => sources.images.snapshots.mergedView(id, ids),
    freeze: (c, frozen) => setFrozen(sources.states.dirOf(c.config.id), c.state.pid!, frozen),
    idMap: sources.images.layers.idMap,
    helper: sources.images.layers.privileged,
    workDir: sources.workDir,
  });
}

const OVERFLOW_ID = 65534;

function kindOf(stat: fs.Stats): FileKind {
  return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'other';
}

export class ContainerFs {
  constructor(private readonly deps: ContainerFsDeps) {}

  /** `followLast`: a symlink at `p` is followed (VS Code's stat), else described (lstat). */
  async stat(p: string, options: { followLast?: boolean } = { followLast: true }): Promise<FileStat> {
    return this.read(p, 'stat', async (tree) => {
      const link = options.followLast ? await this.lookupAt(tree, p, false) : undefined;
      const found = await this.existing(tree, p, options.followLast ?? true);
      try {
        return this.toStat(tree, found.entry.stat, link?.entry?.stat.isSymbolicLink() ?? false);
      } finally {
        release(tree, found.at);
        if (link) release(tree, link.at);
      }
    });
  }

  async readDirectory(p: string): Promise<[string, FileKind][]> {
    return this.read(p, 'list', async (tree) => {
      const dir = await this.directory(tree, p);
      try {
        const out: [string, FileKind][] = [];
        for (const name of await tree.list(dir)) {
          const entry = await tree.lookup(dir, name);
          if (entry) out.push([name, kindOf(entry.stat)]);
        }
        return out;
      } finally {
        if (dir !== tree.root) tree.release(dir);
      }
    });
  }

  async readFile(p: string): Promise<Buffer> {
    return this.read(p, 'read', async (tree) => {
      const found = await this.existing(tree, p, true);
      try {
        if (!found.entry.stat.isFile()) throw new BerthError('invalid-argument', `'${found.at.path}' in the container is not a regular file.`);
        return fs.readFileSync(found.entry.hostPath);
      } finally {
        release(tree, found.at);
      }
    });
  }

  async writeFile(p: string, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Promise<void> {
    await this.write(p, 'write', async (tree) => {
      const { at, entry } = await this.named(tree, p, true);
      try {
        if (entry?.stat.isDirectory()) throw new BerthError('invalid-argument', `'${at.path}' in the container is a directory.`);
        if (entry && !options.overwrite) throw new BerthError('already-exists', `'${at.path}' already exists in the container.`);
        if (!entry && !options.create) throw new BerthError('not-found', `'${at.path}' does not exist in the container.`);
        const mode = entry ? entry.stat.mode & 0o7777 : 0o644;
        const dir = await tree.writable(at.parent);
        await tree.clear(at.parent, at.name, false);
        const target = path.join(dir, at.name);
        const fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
        try {
          fs.writeFileSync(fd, content);
          fs.fchmodSync(fd, mode);
        } finally {
          fs.closeSync(fd);
        }
        if (entry) await tree.chown(at.parent, at.name, this.containerId(tree, 'uid', entry.stat.uid), this.containerId(tree, 'gid', entry.stat.gid), mode);
      } finally {
        release(tree, at);
      }
    });
  }

  async createDirectory(p: string): Promise<void> {
    await this.write(p, 'create', async (tree) => {
      const { at, entry } = await this.named(tree, p, false);
      try {
        if (entry) throw new BerthError('already-exists', `'${at.path}' already exists in the container.`);
        const hidden = await tree.clear(at.parent, at.name, false);
        fs.mkdirSync(path.join(await tree.writable(at.parent), at.name), 0o755);
        if (hidden) tree.madeDirectory(at.parent, at.name);
      } finally {
        release(tree, at);
      }
    });
  }

  async delete(p: string, options: { recursive: boolean }): Promise<void> {
    await this.write(p, 'delete', async (tree) => {
      const found = await this.named(tree, p, false);
      try {
        if (!found.entry) throw new BerthError('not-found', `'${found.at.path}' does not exist in the container.`);
        if (found.entry.stat.isDirectory() && !options.recursive) {
          const dir = await tree.enter(found.at.parent, found.at.name);
          const empty = (await tree.list(dir)).length === 0;
          tree.release(dir);
          if (!empty) throw new BerthError('failed-precondition', `The directory '${found.at.path}' in the container is not empty; delete it recursively.`);
        }
        await tree.clear(found.at.parent, found.at.name, true);
      } finally {
        release(tree, found.at);
      }
    });
  }

  async rename(from: string, to: string, options: { overwrite: boolean }): Promise<void> {
    await this.write(from, 'rename', async (tree) => {
      const source = await this.named(tree, from, false);
      const dest = await this.named(tree, to, false).catch((err: unknown) => {
        release(tree, source.at);
        throw err;
      });
      try {
        if (!source.entry) throw new BerthError('not-found', `'${source.at.path}' does not exist in the container.`);
        if (dest.entry && !options.overwrite) throw new BerthError('already-exists', `'${dest.at.path}' already exists in the container.`);
        if (dest.entry) await tree.clear(dest.at.parent, dest.at.name, false);
        await tree.move(source.at.parent, source.at.name, dest.at.parent, dest.at.name);
      } finally {
        release(tree, source.at);
        release(tree, dest.at);
      }
    });
  }

  /**
   * docker's GET /containers/{id}/archive: a tar of `p`, its top entry named after the
   * path's base name; a path ending in `/.` gives the directory's contents at the top
   * level. A symlink at `p` is archived as the link. `not-found` before any byte when
   * the path is absent.
   */
  async archive(p: string): Promise<Readable> {
    const contents = /\/\.$/.test(p) || p === '.';
    const { tree } = await this.open(false);
    try {
      const at = contents ? await resolveInRoot(tree, p, { followLast: true }) : await resolveInRoot(tree, p, { followLast: false });
      if (contents && at.name !== undefined && !(await tree.lookup(at.parent, at.name))?.stat.isDirectory()) {
        release(tree, at);
        throw new BerthError('not-found', `'${at.path}' is not a directory in the container, so '${p}' names nothing.`);
      }
      const dir = contents && at.name !== undefined ? await tree.enter(at.parent, at.name) : at.parent;
      if (contents && at.name !== undefined) release(tree, at);
      const name = contents ? undefined : at.name;
      if (name !== undefined && !(await tree.lookup(dir, name))) throw new BerthError('not-found', `'${at.path}' does not exist in the container.`);
      const stream = Readable.from(this.explainStream(packEntry(tree, dir, name, name ?? '.'), p, 'read'), { objectMode: false });
      stream.once('close', () => {
        if (dir !== tree.root) tree.release(dir);
        tree.close();
      });
      return stream;
    } catch (err) {
      tree.close();
      throw this.explain(err, 'read', p);
    }
  }

  /** docker's PUT /containers/{id}/archive: extracts `tar` into the directory `destDir`. */
  async extract(destDir: string, tar: AsyncIterable<Uint8Array>): Promise<void> {
    await this.write(destDir, 'write', async (tree) => {
      const dir = await this.directory(tree, destDir);
      try {
        await extractInto(tree, dir, tar, `The archive copied to '${destDir}'`);
      } finally {
        if (dir !== tree.root) tree.release(dir);
      }
    });
  }

  // ---- plumbing -------------------------------------------------------------------

  private async open(writing: boolean): Promise<{ tree: ContainerTree<unknown>; container: Container; frozen: boolean }> {
    const container = await this.deps.load();
    const { state, config } = container;
    const live = (state.status === 'running' || state.status === 'paused') && state.pid !== undefined;
    const { idMap, helper, workDir } = this.deps;
    if (!live) {
      const view = await this.deps.mergedView(config.id, this.deps.chainIds);
      return { tree: new SnapshotTree(view, idMap, helper, workDir) as ContainerTree<unknown>, container, frozen: false };
    }
    const tree = new ProcRootTree(state.pid!, idMap, helper, workDir) as ContainerTree<unknown>;
    // Writes happen with the container frozen, so nothing in it can swap a path meanwhile.
    const frozen = writing && state.status === 'running';
    if (frozen) await this.deps.freeze(container, true);
    return { tree, container, frozen };
  }

  private async run<T>(p: string, action: string, writing: boolean, fn: (tree: ContainerTree<unknown>) => Promise<T>): Promise<T> {
    const { tree, container, frozen } = await this.open(writing);
    try {
      const result = await fn(tree);
      await tree.finish();
      return result;
    } catch (err) {
      throw this.explain(err, action, p);
    } finally {
      tree.close();
      if (frozen) await this.deps.freeze(container, false);
    }
  }

  private read<T>(p: string, action: string, fn: (tree: ContainerTree<unknown>) => Promise<T>): Promise<T> {
    return this.run(p, action, false, fn);
  }

  private write<T>(p: string, action: string, fn: (tree: ContainerTree<unknown>) => Promise<T>): Promise<T> {
    return this.run(p, action, true, fn);
  }

  private async lookupAt<D>(tree: ContainerTree<D>, p: string, followLast: boolean): Promise<{ at: Resolved<D>; entry: TreeEntry | undefined }> {
    const at = await resolveInRoot(tree, p, { followLast });
    if (at.name === undefined) return { at, entry: await tree.lookupRoot() };
    return { at, entry: await tree.lookup(at.parent, at.name) };
  }

  /** A path that is not the root, for the calls that replace or remove it. */
  private async named<D>(tree: ContainerTree<D>, p: string, followLast: boolean): Promise<{ at: Resolved<D> & { name: string }; entry: TreeEntry | undefined }> {
    const found = await this.lookupAt(tree, p, followLast);
    if (found.at.name === undefined) {
      release(tree, found.at);
      throw new BerthError('invalid-argument', "The container's root directory cannot be replaced, moved or deleted.");
    }
    return found as { at: Resolved<D> & { name: string }; entry: TreeEntry | undefined };
  }

  private async existing<D>(tree: ContainerTree<D>, p: string, followLast: boolean): Promise<{ at: Resolved<D>; entry: TreeEntry }> {
    const { at, entry } = await this.lookupAt(tree, p, followLast);
    if (!entry) {
      release(tree, at);
      throw new BerthError('not-found', `'${at.path}' does not exist in the container.`);
    }
    return { at, entry };
  }

  /** The directory at `p`, entered (symlinks followed); release it unless it is the root. */
  private async directory<D>(tree: ContainerTree<D>, p: string): Promise<D> {
    const found = await this.existing(tree, p, true);
    try {
      if (found.at.name === undefined) return tree.root;
      if (!found.entry.stat.isDirectory()) throw new BerthError('not-found', `'${found.at.path}' in the container is not a directory.`);
      return await tree.enter(found.at.parent, found.at.name);
    } finally {
      release(tree, found.at);
    }
  }

  private containerId(tree: ContainerTree<unknown>, kind: 'uid' | 'gid', hostId: number): number {
    return toContainer(kind === 'uid' ? tree.idMap.uidMappings : tree.idMap.gidMappings, hostId) ?? OVERFLOW_ID;
  }

  private toStat(tree: ContainerTree<unknown>, stat: fs.Stats, symlink: boolean): FileStat {
    return {
      type: kindOf(stat),
      symlink,
      size: stat.size,
      mode: stat.mode & 0o7777,
      uid: this.containerId(tree, 'uid', stat.uid),
      gid: this.containerId(tree, 'gid', stat.gid),
      mtime: stat.mtimeMs,
      ctime: stat.ctimeMs,
    };
  }

  private async *explainStream(source: AsyncGenerator<Buffer>, p: string, action: string): AsyncGenerator<Buffer> {
    try {
      yield* source;
    } catch (err) {
      throw this.explain(err, action, p);
    }
  }

  /** A person's sentence for a system error, saying why rootless Berth may not touch a file. */
  private explain(err: unknown, action: string, p: string): unknown {
    if (isBerthError(err)) return err;
    const code = errnoCode(err);
    const where = (err as { path?: string }).path ? ` (${(err as { path: string }).path.replace(/^\/proc\/self\/fd\/\d+\//, '')})` : '';
    if (code === 'EACCES' || code === 'EPERM') {
      const why = isIdentity(this.deps.idMap)
        ? ''
        : " Rootless Berth acts as the container's root user, which is you: files and directories owned by the container's other users (your subordinate ids) can be read only when world-readable and written only when world-writable. Change their mode inside the container, or copy as those users with `berth exec`.";
      return new BerthError('permission-denied', `Cannot ${action} '${p}' in the container: permission denied${where}.${why}`, { cause: err });
    }
    if (code === 'ENOENT') return new BerthError('not-found', `Cannot ${action} '${p}' in the container: it does not exist${where}.`, { cause: err });
    if (code === 'ELOOP' || code === 'ENOTDIR') return new BerthError('conflict', `Cannot ${action} '${p}' in the container: a path component changed while it was used${where}; retry.`, { cause: err });
    if (code === 'EXDEV') return new BerthError('failed-precondition', `Cannot ${action} '${p}' in the container: overlayfs cannot rename a directory of the image's layers; copy it instead.`, { cause: err });
    return err;
  }
}

function release<D>(tree: ContainerTree<D>, at: Resolved<D>): void {
  if (at.parent !== tree.root) tree.release(at.parent);
}
