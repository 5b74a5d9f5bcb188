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
 * Rootless, Berth's process is the container's root only for the files it owns; the
 * container's other users (subordinate ids) may keep theirs from it. Reads go the plain
 * way and turn to the helper's tree agent where refused (./fallback-tree.ts); writes go
 * through the agent (./agent-tree.ts), which is the container's root for every file — as
 * `docker cp` writes, owners from the tar included.
 *
 * Errors: `not-found` (a path or a directory on the way is missing), `already-exists`,
 * `invalid-argument` (a bad tar, a directory where a file is needed),
 * `failed-precondition` (a non-empty directory without `recursive`, renaming an image
 * directory of a stopped container), `permission-denied` (a file the container's root
 * may not touch either: rootless, one owned by an id outside the user's mapped ranges).
 */
import { Readable } from 'node:stream';
import { BerthError, errnoCode, isBerthError, isPermissionDenied } from '../errors';
import { type IdMap, isIdentity, toContainer } from '../idmap';
import type { PrivilegedFs } from '../layer/layer';
import type { LayerContext } from '../layer/layer-store';
import type { FileStats, TreeRoot } from '../layer/tree-agent';
import type { MergedView } from '../snapshot/merged-view';
import { AgentTree } from './agent-tree';
import type { Container } from './container';
import { extractInto, packEntry } from './container-archive';
import { type ContainerTree, ProcRootTree, type ReadTree, SnapshotTree, type TreeEntry } from './container-tree';
import { FallbackTree } from './fallback-tree';
import { setFrozen } from './freezer';
import { type Resolved, resolveInRoot } from './path-resolver';
import type { PreparedRootfs } from './ports';
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
  /** The stopped container's overlay, for the tree agent to mount (rootless writes). */
  rootfs(containerId: string, chainIds: string[]): Promise<PreparedRootfs>;
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
    snapshots: { mergedView(containerId: string, chainIds: string[]): Promise<MergedView>; prepare(containerId: string, chainIds: string[]): Promise<PreparedRootfs> };
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
    rootfs: (id, ids) => sources.images.snapshots.prepare(id, ids),
    freeze: (c, frozen) => setFrozen(sources.states.dirOf(c.config.id), c.state.pid!, frozen),
    idMap: sources.images.layers.idMap,
    helper: sources.images.layers.privileged,
    workDir: sources.workDir,
  });
}

const OVERFLOW_ID = 65534;

function kindOf(stat: FileStats): FileKind {
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
        const chunks: Buffer[] = [];
        for await (const chunk of tree.read(found.at.parent, found.at.name!, found.entry.stat.size)) chunks.push(chunk);
        return Buffer.concat(chunks);
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
        const owner = entry && { uid: this.containerId(tree, 'uid', entry.stat.uid), gid: this.containerId(tree, 'gid', entry.stat.gid) };
        await tree.createFile(at.parent, at.name, content, { mode, ...owner });
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
        await tree.mkdir(at.parent, at.name, 0o755);
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
    const tree = await this.readTree(await this.deps.load());
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

  private async readTree(container: Container): Promise<ReadTree<unknown>> {
    const plain = await this.plainTree(container);
    return isIdentity(this.deps.idMap) ? plain : (new FallbackTree(plain, () => this.agentTree(container, false)) as ReadTree<unknown>);
  }

  private async writeTree(container: Container): Promise<ContainerTree<unknown>> {
    return isIdentity(this.deps.idMap) ? this.plainTree(container) : this.agentTree(container, true);
  }

  /** Node's own way in: /proc/<pid>/root while the container runs, its snapshot when not. */
  private async plainTree(container: Container): Promise<ContainerTree<unknown>> {
    const { state, config } = container;
    const { idMap, helper, workDir } = this.deps;
    if (isLive(container)) return new ProcRootTree(state.pid!, idMap) as ContainerTree<unknown>;
    return new SnapshotTree(await this.deps.mergedView(config.id, this.deps.chainIds), idMap, helper, workDir) as ContainerTree<unknown>;
  }

  /** The helper's tree agent on the running container's root, or on the stopped one's overlay. */
  private async agentTree(container: Container, writing: boolean): Promise<AgentTree> {
    const { state, config } = container;
    let root: TreeRoot = { pid: state.pid! };
    if (!isLive(container)) {
      const rootfs = await this.deps.rootfs(config.id, this.deps.chainIds);
      const options = rootfs.mount?.options ?? [];
      root = rootfs.mount ? { overlay: { target: rootfs.rootfsPath, options: writing ? options : readOnlyOverlay(options) } } : { path: rootfs.rootfsPath };
    }
    const { uidMappings, gidMappings } = this.deps.idMap;
    return new AgentTree(await (await this.deps.helper()).openTree({ ...root, uidMappings, gidMappings }), this.deps.idMap);
  }

  private async read<T>(p: string, action: string, fn: (tree: ReadTree<unknown>) => Promise<T>): Promise<T> {
    const tree = await this.readTree(await this.deps.load());
    try {
      return await fn(tree);
    } catch (err) {
      throw this.explain(err, action, p);
    } finally {
      tree.close();
    }
  }

  /** A running container is frozen meanwhile, so nothing in it can swap a path under the write. */
  private async write<T>(p: string, action: string, fn: (tree: ContainerTree<unknown>) => Promise<T>): Promise<T> {
    const container = await this.deps.load();
    const frozen = isLive(container) && container.state.status === 'running';
    let tree: ContainerTree<unknown> | undefined;
    try {
      tree = await this.writeTree(container);
      if (frozen) await this.deps.freeze(container, true);
      const result = await fn(tree);
      await tree.finish();
      return result;
    } catch (err) {
      throw this.explain(err, action, p);
    } finally {
      tree?.close();
      if (frozen) await this.deps.freeze(container, false);
    }
  }

  private async lookupAt<D>(tree: ReadTree<D>, p: string, followLast: boolean): Promise<{ at: Resolved<D>; entry: TreeEntry | undefined }> {
    const at = await resolveInRoot(tree, p, { followLast });
    if (at.name === undefined) return { at, entry: await tree.lookupRoot() };
    return { at, entry: await tree.lookup(at.parent, at.name) };
  }

  /** A path that is not the root, for the calls that replace or remove it. */
  private async named<D>(tree: ReadTree<D>, p: string, followLast: boolean): Promise<{ at: Resolved<D> & { name: string }; entry: TreeEntry | undefined }> {
    const found = await this.lookupAt(tree, p, followLast);
    if (found.at.name === undefined) {
      release(tree, found.at);
      throw new BerthError('invalid-argument', "The container's root directory cannot be replaced, moved or deleted.");
    }
    return found as { at: Resolved<D> & { name: string }; entry: TreeEntry | undefined };
  }

  private async existing<D>(tree: ReadTree<D>, p: string, followLast: boolean): Promise<{ at: Resolved<D>; entry: TreeEntry }> {
    const { at, entry } = await this.lookupAt(tree, p, followLast);
    if (!entry) {
      release(tree, at);
      throw new BerthError('not-found', `'${at.path}' does not exist in the container.`);
    }
    return { at, entry };
  }

  /** The directory at `p`, entered (symlinks followed); release it unless it is the root. */
  private async directory<D>(tree: ReadTree<D>, p: string): Promise<D> {
    const found = await this.existing(tree, p, true);
    try {
      if (found.at.name === undefined) return tree.root;
      if (!found.entry.stat.isDirectory()) throw new BerthError('not-found', `'${found.at.path}' in the container is not a directory.`);
      return await tree.enter(found.at.parent, found.at.name);
    } finally {
      release(tree, found.at);
    }
  }

  private containerId(tree: ReadTree<unknown>, kind: 'uid' | 'gid', hostId: number): number {
    return toContainer(kind === 'uid' ? tree.idMap.uidMappings : tree.idMap.gidMappings, hostId) ?? OVERFLOW_ID;
  }

  private toStat(tree: ReadTree<unknown>, stat: FileStats, symlink: boolean): FileStat {
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
    if (isPermissionDenied(err)) {
      const why = isIdentity(this.deps.idMap)
        ? ''
        : " Rootless Berth is the container's root user over the ids mapped to you (/etc/subuid and /etc/subgid); a file whose owner is outside them is out of its reach. Change its owner inside the container.";
      return new BerthError('permission-denied', `Cannot ${action} '${p}' in the container: permission denied${where}.${why}`, { cause: err });
    }
    if (code === 'ENOENT') return new BerthError('not-found', `Cannot ${action} '${p}' in the container: it does not exist${where}.`, { cause: err });
    if (code === 'ELOOP' || code === 'ENOTDIR') return new BerthError('conflict', `Cannot ${action} '${p}' in the container: a path component changed while it was used${where}; retry.`, { cause: err });
    if (code === 'EXDEV') return new BerthError('failed-precondition', `Cannot ${action} '${p}' in the container: overlayfs cannot rename a directory of the image's layers; copy it instead.`, { cause: err });
    return err;
  }
}

/**
 * A stopped container's overlay for reading only: its upper dir as the top lower layer (its
 * whiteouts and opaque marks mean the same there) and no work dir, so a reader holds
 * nothing a start of the container would mount too.
 */
function readOnlyOverlay(options: string[]): string[] {
  const value = (key: string) => options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
  return [`lowerdir=${value('upperdir')}:${value('lowerdir')}`, ...options.filter((o) => !/^(lowerdir|upperdir|workdir)=/.test(o))];
}

/** A running container's process is there to be reached. */
function isLive({ state }: Container): boolean {
  return (state.status === 'running' || state.status === 'paused') && state.pid !== undefined;
}

function release<D>(tree: ReadTree<D>, at: Resolved<D>): void {
  if (at.parent !== tree.root) tree.release(at.parent);
}
