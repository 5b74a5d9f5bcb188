/**
 * The two ways Berth reaches a container's files, behind one `ContainerTree` role that
 * ./container-fs.ts and ./container-archive.ts are written against:
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
 *
 * Ownership: tar and callers speak container ids. As root they are host ids and are set
 * directly; rootless, Node can only create files owned by the user (= container root),
 * so other owners become `chown` records the helper applies in a user namespace holding
 * the subordinate ids — ../layer/layer.ts's fixup list, rooted at the container's root.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { BerthError, errnoCode } from '../errors';
import { type IdMap, isIdentity, toContainer, toHost } from '../idmap';
import type { PrivilegedFs } from '../layer/layer';
import { removeTree } from '../layer/layer-store';
import { isWhiteoutDevice } from '../layer/pack';
import { childPath, type MergedView } from '../snapshot/merged-view';
import type { Step, Walk } from './path-resolver';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

export interface TreeEntry {
  stat: fs.Stats;
  /** A host path to read it by, valid while the directory handle is held. */
  hostPath: string;
}

export interface ContainerTree<D> extends Walk<D> {
  readonly idMap: IdMap;
  /** A directory handle's path from the container's root ('' for the root). */
  pathOf(dir: D): string;
  /** lstat semantics; undefined when absent. */
  lookup(dir: D, name: string): Promise<TreeEntry | undefined>;
  lookupRoot(): Promise<TreeEntry>;
  list(dir: D): Promise<string[]>;
  /**
   * A host directory in which names of `dir` can be created, renamed and linked without
   * any symlink being followed on the way (stopped: copies the directories up first).
   */
  writable(dir: D): Promise<string>;
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
  /** Applies what had to wait for the helper (owners, whiteouts, opaque directories). */
  finish(): Promise<void>;
  close(): void;
}

function kind(stat: fs.Stats, target: () => string): Step {
  if (stat.isDirectory()) return { type: 'directory' };
  if (stat.isSymbolicLink()) return { type: 'symlink', target: target() };
  return { type: 'other' };
}

/** Records and applies the fixups both trees need. */
class Fixups {
  readonly records: string[] = [];

  constructor(
    private readonly root: string,
    private readonly idMap: IdMap,
    private readonly helper: () => Promise<PrivilegedFs>,
    private readonly workDir: string,
  ) {}

  async chown(hostPath: string, rel: string, uid: number, gid: number, mode: number, isLink: boolean): Promise<void> {
    if (isIdentity(this.idMap)) {
      if (uid === 0 && gid === 0) return;
      await fsp.lchown(hostPath, uid, gid);
      // chown cleared the set-id bits.
      if (!isLink) await fsp.chmod(hostPath, mode);
      return;
    }
    // Rootless: container root is the user, who owns what Node creates.
    if (uid === 0 && gid === 0) return;
    if (toHost(this.idMap.uidMappings, uid) === undefined || toHost(this.idMap.gidMappings, gid) === undefined) return;
    this.records.push(`chown ${uid} ${gid} ${(isLink ? 0o777 : mode).toString(8)} ${rel}`);
  }

  async apply(): Promise<void> {
    if (this.records.length === 0) return;
    const list = path.join(this.workDir, `fixups-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(list, this.records.join('\n') + '\n');
    try {
      const { uidMappings, gidMappings } = this.idMap;
      await (await this.helper()).fixup({ root: this.root, list, userxattr: !isIdentity(this.idMap), ...(uidMappings.length > 0 && { uidMappings, gidMappings }) });
    } finally {
      fs.rmSync(list, { force: true });
      this.records.length = 0;
    }
  }
}

interface DirFd {
  fd: number;
  path: string;
}

/** A running container, through /proc/<pid>/root. */
export class ProcRootTree implements ContainerTree<DirFd> {
  readonly root: DirFd;
  private readonly fixups: Fixups;

  constructor(pid: number, readonly idMap: IdMap, helper: () => Promise<PrivilegedFs>, workDir: string) {
    const rootPath = `/proc/${pid}/root`;
    this.root = { fd: fs.openSync(rootPath, O_RDONLY | O_DIRECTORY), path: '' };
    this.fixups = new Fixups(rootPath, idMap, helper, workDir);
  }

  private at(dir: DirFd, name: string): string {
    return `/proc/self/fd/${dir.fd}/${name}`;
  }

  pathOf(dir: DirFd): string {
    return dir.path;
  }

  async step(dir: DirFd, name: string): Promise<Step> {
    const entry = await this.lookup(dir, name);
    return entry && kind(entry.stat, () => fs.readlinkSync(entry.hostPath));
  }

  async enter(dir: DirFd, name: string): Promise<DirFd> {
    const fd = fs.openSync(this.at(dir, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    return { fd, path: childPath(dir.path, name) };
  }

  release(dir: DirFd): void {
    fs.closeSync(dir.fd);
  }

  async lookup(dir: DirFd, name: string): Promise<TreeEntry | undefined> {
    const hostPath = this.at(dir, name);
    const stat = await fsp.lstat(hostPath).catch((err: unknown) => {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    });
    return stat && { stat, hostPath };
  }

  async lookupRoot(): Promise<TreeEntry> {
    const hostPath = `/proc/self/fd/${this.root.fd}`;
    return { stat: await fsp.stat(hostPath), hostPath };
  }

  async list(dir: DirFd): Promise<string[]> {
    return (await fsp.readdir(`/proc/self/fd/${dir.fd}`)).sort();
  }

  async writable(dir: DirFd): Promise<string> {
    return `/proc/self/fd/${dir.fd}`;
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
    if (entry) await this.fixups.chown(entry.hostPath, childPath(dir.path, name), uid, gid, mode, entry.stat.isSymbolicLink());
  }

  finish(): Promise<void> {
    return this.fixups.apply();
  }

  close(): void {
    fs.closeSync(this.root.fd);
  }
}

/** A stopped container: the merged view to read, its upper dir to write. */
export class SnapshotTree implements ContainerTree<string> {
  readonly root = '';
  private readonly fixups: Fixups;
  private readonly whiteouts: string[] = [];
  private readonly opaque: string[] = [];

  constructor(
    private readonly view: MergedView,
    readonly idMap: IdMap,
    private readonly helper: () => Promise<PrivilegedFs>,
    workDir: string,
  ) {
    this.fixups = new Fixups(view.upper, idMap, helper, workDir);
  }

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
    return entry && { stat: entry.stat, hostPath: entry.hostPath };
  }

  async lookupRoot(): Promise<TreeEntry> {
    return { stat: fs.statSync(this.view.upper), hostPath: this.view.upper };
  }

  async list(dir: string): Promise<string[]> {
    return this.view.list(dir);
  }

  /** Copies up each directory of `dir` missing from the upper dir, with its mode, owner and times. */
  async writable(dir: string): Promise<string> {
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
      await this.chown(parent, name, merged.uid, merged.gid, merged.mode & 0o7777, true);
      fs.utimesSync(upperPath, merged.atime, merged.mtime);
    }
    return dir === '' ? this.view.upper : path.join(this.view.upper, dir);
  }

  async clear(dir: string, name: string, deleting: boolean): Promise<boolean> {
    const rel = childPath(dir, name);
    const upperPath = path.join(await this.writable(dir), name);
    const upper = fs.lstatSync(upperPath, { throwIfNoEntry: false });
    if (upper) await removeTree(upperPath, { idMap: this.idMap, privileged: this.helper });
    // With the upper entry gone, what is left to see comes from the layers.
    if (deleting && this.view.lookup(rel) !== undefined) this.whiteouts.push(rel);
    return upper !== undefined && isWhiteoutDevice(upper);
  }

  madeDirectory(dir: string, name: string): void {
    this.opaque.push(childPath(dir, name));
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

  async chown(dir: string, name: string, uid: number, gid: number, mode: number, hostIds = false): Promise<void> {
    const hostPath = path.join(this.view.upper, dir, name);
    const isLink = fs.lstatSync(hostPath).isSymbolicLink();
    if (!hostIds) return this.fixups.chown(hostPath, childPath(dir, name), uid, gid, mode, isLink);
    // A copied-up directory takes its owner from the layer, which holds host ids.
    const { uidMappings, gidMappings } = this.idMap;
    return this.fixups.chown(hostPath, childPath(dir, name), toContainer(uidMappings, uid) ?? 0, toContainer(gidMappings, gid) ?? 0, mode, isLink);
  }

  async finish(): Promise<void> {
    this.fixups.records.push(...this.whiteouts.map((p) => `whiteout ${p}`), ...this.opaque.map((p) => `opaque ${p}`));
    this.whiteouts.length = this.opaque.length = 0;
    await this.fixups.apply();
  }

  close(): void {
    // Nothing is held open.
  }
}
