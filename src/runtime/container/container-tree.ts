/**
 * The ways Berth reaches a container's files, behind one `ContainerTree` role (reading:
 * `ReadTree`) that ./container-fs.ts and ./container-archive.ts are written against:
 *
 *   running   `ProcRootTree`: the overlay is mounted only in the container's mount
 *             namespace, reached through /proc/<pid>/root. Each directory is held as an
 *             fd and every name is used as `/proc/self/fd/<fd>/<name>` — openat() from
 *             Node — with O_NOFOLLOW, so a symlink in the container is never followed
 *             by the host, even one swapped in mid-walk.
 *   stopped   `SnapshotTree`: reads the merged view of the upper dir over the layers
 *             (../snapshot/merged-view.ts); writes go into the upper dir, copying up the
 *             directories on the way, replacing whiteouts, and adding whiteouts (through
 *             the helper) for what the layers have and a delete removes.
 *   rootless  `AgentTree` (./agent-tree.ts): the helper's tree agent, root of the
 *             container's ids, for what the two above cannot do without root; and
 *             `FallbackTree` (./fallback-tree.ts), which reads with one of them and turns
 *             to the agent where Node is refused.
 *
 * Ownership: trees report owners as host ids, like lstat (`idMap` turns them into the
 * container's), and callers give container ids to `chown`.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { BerthError, errnoCode } from '../errors';
import { type IdMap, isIdentity, toContainer, toHost } from '../idmap';
import type { PrivilegedFs } from '../layer/layer';
import { removeTree } from '../layer/layer-store';
import { fileBody, isWhiteoutDevice } from '../layer/pack';
import type { FileStats } from '../layer/tree-agent';
import { childPath, type MergedView } from '../snapshot/merged-view';
import type { Step, Walk } from './path-resolver';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

export interface TreeEntry {
  stat: FileStats;
}

/** What reading a container's files takes: stat, list, readFile, cp out. */
export interface ReadTree<D> extends Walk<D> {
  readonly idMap: IdMap;
  /** A directory handle's path from the container's root ('' for the root). */
  pathOf(dir: D): string;
  /** lstat semantics; undefined when absent. */
  lookup(dir: D, name: string): Promise<TreeEntry | undefined>;
  lookupRoot(): Promise<TreeEntry>;
  /** Sorted. */
  list(dir: D): Promise<string[]>;
  /** Exactly `size` bytes (what `lookup` said) of the regular file `name`. */
  read(dir: D, name: string, size: number): AsyncIterable<Buffer>;
  readlink(dir: D, name: string): Promise<string>;
  close(): void;
}

/** A new entry's mode (none for a link), owner (container ids; root's when absent) and mtime (seconds). */
export interface NewEntry {
  mode: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

/**
 * ...and writing them: cp in and the file provider's writes. Nothing here follows a
 * symlink, and the stopped tree copies up the directories on the way first. A file or
 * link replaces what the container's own layer has at its name.
 */
export interface ContainerTree<D> extends ReadTree<D> {
  createFile(dir: D, name: string, body: AsyncIterable<Uint8Array> | Uint8Array, attrs: NewEntry): Promise<void>;
  symlink(dir: D, name: string, target: string, attrs: Omit<NewEntry, 'mode'>): Promise<void>;
  /** A hard link `name` in `dir` to `fromName` in `fromDir`. */
  link(fromDir: D, fromName: string, dir: D, name: string): Promise<void>;
  /** Where nothing is (`clear` first). */
  mkdir(dir: D, name: string, mode: number): Promise<void>;
  /** The mode and times of the directory `name`, set once its contents are written. */
  setDirectory(dir: D, name: string, mode: number, mtime: number): Promise<void>;
  /**
   * Makes room for a new entry: removes what the container's own layer has at `name`
   * (recursively). `deleting` also hides what the image's layers have (a whiteout).
   * True when a whiteout was removed: the layers have something there the container deleted.
   */
  clear(dir: D, name: string, deleting: boolean): Promise<boolean>;
  /** A directory was made where `clear` removed a whiteout: it must not show the layers' old contents. */
  madeDirectory(dir: D, name: string): void;
  /** Renames `fromName` to `toName`, where nothing is (`clear` it first). */
  move(fromDir: D, fromName: string, toDir: D, toName: string): Promise<void>;
  /** Sets the owner (container ids) of `name`, whose mode is already `mode` (chown clears set-id bits: re-applied). */
  chown(dir: D, name: string, uid: number, gid: number, mode: number): Promise<void>;
  /** Applies what had to wait for the helper (whiteouts, opaque directories). */
  finish(): Promise<void>;
}

/** What path resolution needs to know of an entry (./path-resolver.ts). */
export async function stepOf(stat: FileStats, target: () => string | Promise<string>): Promise<Step> {
  if (stat.isDirectory()) return { type: 'directory' };
  if (stat.isSymbolicLink()) return { type: 'symlink', target: await target() };
  return { type: 'other' };
}

async function writeNew(target: string, body: AsyncIterable<Uint8Array> | Uint8Array, mode: number, mtime?: number): Promise<void> {
  const fd = fs.openSync(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    for await (const piece of body instanceof Uint8Array ? [body] : body) {
      let off = 0;
      while (off < piece.length) off += fs.writeSync(fd, piece, off);
    }
    fs.fchmodSync(fd, mode);
    if (mtime !== undefined) fs.futimesSync(fd, mtime, mtime);
  } finally {
    fs.closeSync(fd);
  }
}

function symlinkAt(at: string, target: string, mtime?: number): void {
  fs.symlinkSync(target, at);
  if (mtime !== undefined) fs.lutimesSync(at, mtime, mtime);
}

/** Through an fd opened without following a link: the directory itself, whatever is swapped in. */
function setDirectoryAt(at: string, mode: number, mtime: number): void {
  const fd = fs.openSync(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    fs.fchmodSync(fd, mode);
    fs.futimesSync(fd, mtime, mtime);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Node's own chown, for the trees that write as root (rootless, Node may give files to no
 * one else: ./container-fs.ts writes through the agent). What Node creates is root's already.
 */
async function chownAt(hostPath: string, idMap: IdMap, uid: number, gid: number, mode: number, isLink: boolean): Promise<void> {
  if (uid === 0 && gid === 0) return;
  const hostUid = toHost(idMap.uidMappings, uid);
  const hostGid = toHost(idMap.gidMappings, gid);
  if (hostUid === undefined || hostGid === undefined) return;
  await fsp.lchown(hostPath, hostUid, hostGid);
  // chown cleared the set-id bits.
  if (!isLink) await fsp.chmod(hostPath, mode);
}

interface DirFd {
  fd: number;
  path: string;
}

/** A running container, through /proc/<pid>/root. */
export class ProcRootTree implements ContainerTree<DirFd> {
  readonly root: DirFd;

  constructor(
    pid: number,
    readonly idMap: IdMap,
  ) {
    this.root = { fd: fs.openSync(`/proc/${pid}/root`, O_RDONLY | O_DIRECTORY), path: '' };
  }

  private at(dir: DirFd, name: string): string {
    return `/proc/self/fd/${dir.fd}/${name}`;
  }

  pathOf(dir: DirFd): string {
    return dir.path;
  }

  async step(dir: DirFd, name: string): Promise<Step> {
    const entry = await this.lookup(dir, name);
    return entry && stepOf(entry.stat, () => fs.readlinkSync(this.at(dir, name)));
  }

  async enter(dir: DirFd, name: string): Promise<DirFd> {
    const fd = fs.openSync(this.at(dir, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    return { fd, path: childPath(dir.path, name) };
  }

  release(dir: DirFd): void {
    fs.closeSync(dir.fd);
  }

  async lookup(dir: DirFd, name: string): Promise<TreeEntry | undefined> {
    const stat = await fsp.lstat(this.at(dir, name)).catch((err: unknown) => {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    });
    return stat && { stat };
  }

  async lookupRoot(): Promise<TreeEntry> {
    return { stat: await fsp.stat(`/proc/self/fd/${this.root.fd}`) };
  }

  async list(dir: DirFd): Promise<string[]> {
    return (await fsp.readdir(`/proc/self/fd/${dir.fd}`)).sort();
  }

  read(dir: DirFd, name: string, size: number): AsyncIterable<Buffer> {
    return fileBody(this.at(dir, name), size);
  }

  async readlink(dir: DirFd, name: string): Promise<string> {
    return fs.readlinkSync(this.at(dir, name));
  }

  async createFile(dir: DirFd, name: string, body: AsyncIterable<Uint8Array> | Uint8Array, attrs: NewEntry): Promise<void> {
    await this.clear(dir, name);
    await writeNew(this.at(dir, name), body, attrs.mode, attrs.mtime);
    await this.chown(dir, name, attrs.uid ?? 0, attrs.gid ?? 0, attrs.mode);
  }

  async mkdir(dir: DirFd, name: string, mode: number): Promise<void> {
    fs.mkdirSync(this.at(dir, name), mode);
  }

  async symlink(dir: DirFd, name: string, target: string, attrs: Omit<NewEntry, 'mode'>): Promise<void> {
    await this.clear(dir, name);
    symlinkAt(this.at(dir, name), target, attrs.mtime);
    await this.chown(dir, name, attrs.uid ?? 0, attrs.gid ?? 0, 0o777);
  }

  async link(fromDir: DirFd, fromName: string, dir: DirFd, name: string): Promise<void> {
    await this.clear(dir, name);
    fs.linkSync(this.at(fromDir, fromName), this.at(dir, name));
  }

  async setDirectory(dir: DirFd, name: string, mode: number, mtime: number): Promise<void> {
    setDirectoryAt(this.at(dir, name), mode, mtime);
  }

  async clear(dir: DirFd, name: string): Promise<boolean> {
    await fsp.rm(this.at(dir, name), { recursive: true, force: true });
    return false;
  }

  madeDirectory(): void {
    // The mounted overlay keeps its own bookkeeping.
  }

  async move(fromDir: DirFd, fromName: string, toDir: DirFd, toName: string): Promise<void> {
    await fsp.rename(this.at(fromDir, fromName), this.at(toDir, toName));
  }

  async chown(dir: DirFd, name: string, uid: number, gid: number, mode: number): Promise<void> {
    const entry = await this.lookup(dir, name);
    if (entry) await chownAt(this.at(dir, name), this.idMap, uid, gid, mode, entry.stat.isSymbolicLink());
  }

  async finish(): Promise<void> {
    // Nothing waits: the kernel's overlay does whiteouts itself.
  }

  close(): void {
    fs.closeSync(this.root.fd);
  }
}

/** A stopped container: the merged view to read, its upper dir to write. */
export class SnapshotTree implements ContainerTree<string> {
  readonly root = '';
  /** Fixup records (../layer/layer.ts) for what Node cannot make: whiteouts, opaque marks. */
  private readonly records: string[] = [];

  constructor(
    private readonly view: MergedView,
    readonly idMap: IdMap,
    private readonly helper: () => Promise<PrivilegedFs>,
    private readonly workDir: string,
  ) {}

  pathOf(dir: string): string {
    return dir;
  }

  step(dir: string, name: string): Promise<Step> {
    return this.view.walk.step(dir, name);
  }

  async enter(dir: string, name: string): Promise<string> {
    return childPath(dir, name);
  }

  release(): void {
    // Paths hold nothing.
  }

  async lookup(dir: string, name: string): Promise<TreeEntry | undefined> {
    const entry = this.view.lookup(childPath(dir, name));
    return entry && { stat: entry.stat };
  }

  async lookupRoot(): Promise<TreeEntry> {
    return { stat: fs.statSync(this.view.upper) };
  }

  async list(dir: string): Promise<string[]> {
    return this.view.list(dir);
  }

  private hostPath(dir: string, name: string): string {
    const entry = this.view.lookup(childPath(dir, name));
    if (!entry) throw Object.assign(new Error(`'/${childPath(dir, name)}' is gone`), { code: 'ENOENT' });
    return entry.hostPath;
  }

  read(dir: string, name: string, size: number): AsyncIterable<Buffer> {
    return fileBody(this.hostPath(dir, name), size);
  }

  async readlink(dir: string, name: string): Promise<string> {
    return fs.readlinkSync(this.hostPath(dir, name));
  }

  /** Copies up each directory of `dir` missing from the upper dir, with its mode, owner and times. */
  private async writable(dir: string): Promise<string> {
    let rel = '';
    for (const name of dir === '' ? [] : dir.split('/')) {
      const parent = rel;
      rel = childPath(rel, name);
      const upperPath = path.join(this.view.upper, rel);
      const upper = fs.lstatSync(upperPath, { throwIfNoEntry: false });
      if (upper?.isDirectory()) continue;
      const merged = this.view.lookup(rel)!.stat;
      fs.mkdirSync(upperPath, { mode: 0o700 });
      fs.chmodSync(upperPath, merged.mode & 0o7777);
      // The layer holds host ids.
      const { uidMappings, gidMappings } = this.idMap;
      await this.chown(parent, name, toContainer(uidMappings, merged.uid) ?? 0, toContainer(gidMappings, merged.gid) ?? 0, merged.mode & 0o7777);
      fs.utimesSync(upperPath, merged.atime, merged.mtime);
    }
    return dir === '' ? this.view.upper : path.join(this.view.upper, dir);
  }

  async createFile(dir: string, name: string, body: AsyncIterable<Uint8Array> | Uint8Array, attrs: NewEntry): Promise<void> {
    await this.clear(dir, name, false);
    await writeNew(path.join(await this.writable(dir), name), body, attrs.mode, attrs.mtime);
    await this.chown(dir, name, attrs.uid ?? 0, attrs.gid ?? 0, attrs.mode);
  }

  async mkdir(dir: string, name: string, mode: number): Promise<void> {
    fs.mkdirSync(path.join(await this.writable(dir), name), mode);
  }

  async symlink(dir: string, name: string, target: string, attrs: Omit<NewEntry, 'mode'>): Promise<void> {
    await this.clear(dir, name, false);
    symlinkAt(path.join(await this.writable(dir), name), target, attrs.mtime);
    await this.chown(dir, name, attrs.uid ?? 0, attrs.gid ?? 0, 0o777);
  }

  async link(fromDir: string, fromName: string, dir: string, name: string): Promise<void> {
    await this.clear(dir, name, false);
    fs.linkSync(path.join(await this.writable(fromDir), fromName), path.join(await this.writable(dir), name));
  }

  async setDirectory(dir: string, name: string, mode: number, mtime: number): Promise<void> {
    setDirectoryAt(await this.writable(childPath(dir, name)), mode, mtime);
  }

  async clear(dir: string, name: string, deleting: boolean): Promise<boolean> {
    const rel = childPath(dir, name);
    const upperPath = path.join(await this.writable(dir), name);
    const upper = fs.lstatSync(upperPath, { throwIfNoEntry: false });
    if (upper) await removeTree(upperPath, { idMap: this.idMap, privileged: this.helper });
    // With the upper entry gone, what is left to see comes from the layers.
    if (deleting && this.view.lookup(rel) !== undefined) this.records.push(`whiteout ${rel}`);
    return upper !== undefined && isWhiteoutDevice(upper);
  }

  madeDirectory(dir: string, name: string): void {
    this.records.push(`opaque ${childPath(dir, name)}`);
  }

  /** Directories are refused: their contents may lie in the layers, and overlay would need a redirect. */
  async move(fromDir: string, fromName: string, toDir: string, toName: string): Promise<void> {
    const from = childPath(fromDir, fromName);
    const entry = this.view.lookup(from)!;
    if (entry.stat.isDirectory()) {
      throw new BerthError('failed-precondition', `Renaming the directory '/${from}' of a stopped container is not supported (its contents may lie in the image's layers). Start the container and rename it there.`);
    }
    const source = path.join(await this.writable(fromDir), fromName);
    // Only in the layers: copy it up first, then move the copy.
    if (entry.layer === 'lower') fs.cpSync(entry.hostPath, source, { preserveTimestamps: true, verbatimSymlinks: true });
    fs.renameSync(source, path.join(await this.writable(toDir), toName));
    // The layers' file must stay hidden under its old name.
    await this.clear(fromDir, fromName, true);
  }

  async chown(dir: string, name: string, uid: number, gid: number, mode: number): Promise<void> {
    const hostPath = path.join(this.view.upper, dir, name);
    await chownAt(hostPath, this.idMap, uid, gid, mode, fs.lstatSync(hostPath).isSymbolicLink());
  }

  /** Whiteouts and opaque marks wait for the end: one helper request for them all. */
  async finish(): Promise<void> {
    if (this.records.length === 0) return;
    const list = path.join(this.workDir, `fixups-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(list, this.records.join('\n') + '\n');
    try {
      const { uidMappings, gidMappings } = this.idMap;
      await (await this.helper()).fixup({ root: this.view.upper, list, userxattr: !isIdentity(this.idMap), ...(uidMappings.length > 0 && { uidMappings, gidMappings }) });
    } finally {
      fs.rmSync(list, { force: true });
      this.records.length = 0;
    }
  }

  close(): void {
    // Nothing is held open.
  }
}
