/**
 * The overlay snapshotter (model in ./snapshot.ts): lowerdir = the image's layer trees,
 * top first; upperdir/workdir under the container's dir. Rootless, overlay runs inside a
 * user namespace and keeps its whiteouts and opaque marks in `user.overlay.*` xattrs —
 * the `userxattr` option (kernel >= 5.11), which is also what the layers were extracted
 * with (../layer/apply.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileChange } from '../container/container';
import type { PrepareOptions, PreparedRootfs } from '../container/ports';
import { errnoCode, failedPrecondition } from '../errors';
import { isIdentity } from '../idmap';
import { hasLayer, layerFsDir } from '../layer/layer';
import { type LayerContext, removeTree } from '../layer/layer-store';
import { isWhiteoutDevice, upperOpaqueDirs } from '../layer/pack';
import type { FileStats } from '../layer/tree-agent';
import { TreeReader } from '../layer/tree-reader';
import { isRoot, type StorePaths } from '../paths';
import type { Digest } from '../store/digest';
import { resolveInRoot } from '../container/path-resolver';
import { removeTreeSync } from '../tree-removal';
import { type LowerEntry, lowerView } from './lower-view';
import { childPath, childrenOf, MergedView } from './merged-view';
import type { Snapshotter } from './snapshot';

const MAX_READ = 1 << 20;
const VIEW_CACHE = 8;

/** overlayfs's `volatile` option came with Linux 5.10. */
const VOLATILE_OVERLAY = (() => {
  const [major, minor] = os.release().split('.').map(Number);
  return major > 5 || (major === 5 && minor >= 10);
})();

/**
 * overlayfs's scratch dir, work/work, is mode 000 and keeps what the kernel left there:
 * the mark of a volatile mount (incompat/volatile: overlayfs refuses the work dir from
 * then on, its way of saying "the host may have gone down with this upper dir
 * unsynced") and, rootless, the shared whiteout. Its owner may open it up and remove
 * it; the next mount makes a fresh one.
 */
function clearScratch(work: string): void {
  const scratch = path.join(work, 'work');
  const openUp = (dir: string) => {
    fs.chmodSync(dir, 0o700);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) openUp(path.join(dir, entry.name));
  };
  // Root needs no opening up (and each chmod is a metadata write).
  if (!isRoot()) {
    try {
      openUp(scratch);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return; // never mounted
      throw err;
    }
  }
  removeTreeSync(scratch);
}

export class OverlaySnapshotter implements Snapshotter {
  private readonly views = new Map<string, Promise<Map<string, LowerEntry>>>();

  constructor(
    private readonly paths: StorePaths,
    private readonly layers: LayerContext,
  ) {}

  private dir(containerId: string): string {
    return path.join(this.paths.containers, containerId);
  }

  upperDir(containerId: string): string {
    return path.join(this.dir(containerId), 'upper');
  }

  async prepare(containerId: string, chainIds: string[], { volatile = false, mountPoint, stubs }: PrepareOptions = {}): Promise<PreparedRootfs> {
    const lower: string[] = [];
    for (const chainId of [...chainIds].reverse()) {
      if (!(await hasLayer(this.paths.root, chainId as Digest))) {
        throw failedPrecondition(`Layer ${chainId} of container ${containerId.slice(0, 12)}'s image is missing from ${this.paths.layers}. Load or pull the image again, then start the container.`);
      }
      lower.push(layerFsDir(this.paths.root, chainId as Digest));
    }
    const dir = this.dir(containerId);
    const [upper, work] = ['upper', 'work'].map((name) => path.join(dir, name));
    const rootfs = mountPoint ?? path.join(dir, 'rootfs');
    for (const d of [upper, work, rootfs]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    if (lower.length === 0) {
      // overlayfs needs a lower dir; an image with no layers gets an empty one.
      lower.push(path.join(dir, 'empty'));
      fs.mkdirSync(lower[0], { recursive: true, mode: 0o755 });
    }
    const stubLayer = stubs && (await this.stubLayer(chainIds, stubs));
    if (stubLayer) lower.unshift(stubLayer);
    const options = [`lowerdir=${lower.join(':')}`, `upperdir=${upper}`, `workdir=${work}`];
    // Commit, build and diff read the upper dir alone, so it must hold every change in
    // full: no redirects (a renamed directory whose files stay in the layers) and, with
    // them, no metacopy (a copy-up without data) — whatever the kernel's defaults are.
    // `userxattr` implies both.
    options.push(isIdentity(this.layers.idMap) ? 'redirect_dir=off' : 'userxattr');
    if (volatile && VOLATILE_OVERLAY) {
      // The caller knows the host did not go down under the last mount: the mark goes.
      clearScratch(work);
      options.push('volatile');
    }
    return { snapshotter: 'overlay', rootfsPath: rootfs, mount: { destination: '/', type: 'overlay', source: 'overlay', options } };
  }

  /**
   * The stub layer of PrepareOptions.stubs for an image, or undefined when it needs none.
   * It depends on the image alone — whatever the container's writable layer has at those
   * paths (a file, a whiteout, an opaque directory) hides what is below — so it is made
   * once per boot, in a dir of `stubs.dir` named after the image's layers, and shared by
   * its containers; made aside and renamed into place, it never changes under a mount.
   *
   * A stub's directory in the layer is what the containers see of that directory (overlay
   * shows the topmost layer's), so it takes the image's mode, owner and times; where it
   * cannot (rootless, another owner), or the directory is not one (or not one in /),
   * overlay makes that stub in the writable layer, as without a stub layer.
   */
  private async stubLayer(chainIds: string[], { paths, dir }: { paths: string[]; dir: string }): Promise<string | undefined> {
    const layer = path.join(dir, createHash('sha256').update(JSON.stringify([chainIds, paths])).digest('hex').slice(0, 32));
    if (fs.existsSync(layer)) return layer;
    if (fs.existsSync(`${layer}.none`)) return undefined;
    const view = await this.view(chainIds);
    const parents = new Map<string, fs.Stats>();
    for (const target of paths) {
      const rel = target.replace(/^\/+/, '');
      const parentRel = path.dirname(rel);
      const parent = view.get(parentRel);
      if (parentRel === '.' || parentRel.includes('/') || view.has(rel) || parent?.type !== 'd') continue;
      const stat = fs.lstatSync(parent.hostPath);
      if (!isRoot() && (stat.uid !== process.getuid?.() || stat.gid !== process.getgid?.())) continue;
      parents.set(parentRel, stat);
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (parents.size === 0) {
      fs.writeFileSync(`${layer}.none`, '');
      return undefined;
    }
    const temp = `${layer}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    for (const target of paths) {
      const rel = target.replace(/^\/+/, '');
      if (!parents.has(path.dirname(rel))) continue;
      fs.mkdirSync(path.join(temp, path.dirname(rel)), { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(temp, rel), '', { mode: 0o644 });
    }
    // Last: the stubs made above change the directories' times (and a 0555 one would
    // refuse them).
    for (const [rel, stat] of parents) {
      const stubParent = path.join(temp, rel);
      if (isRoot()) fs.chownSync(stubParent, stat.uid, stat.gid);
      fs.chmodSync(stubParent, stat.mode & 0o7777);
      fs.utimesSync(stubParent, stat.atime, stat.mtime);
    }
    try {
      fs.renameSync(temp, layer);
    } catch (err) {
      // Another start made it meanwhile: the same content.
      removeTreeSync(temp);
      if (!['EEXIST', 'ENOTEMPTY'].includes(errnoCode(err) ?? '')) throw err;
    }
    return layer;
  }

  clearScratch(containerId: string, dir = this.dir(containerId)): void {
    clearScratch(path.join(dir, 'work'));
  }

  /**
   * For the start path (/etc/passwd and /etc/group), which pays no helper round trip to
   * learn the opaque directories: a file the container deleted with its whole directory
   * and did not make again may still be read from the image.
   */
  async readFile(containerId: string, chainIds: string[], filePath: string): Promise<string | undefined> {
    const view = new MergedView(this.upperDir(containerId), await this.view(chainIds), new Set());
    const found = await resolveInRoot(view.walk, filePath, { followLast: true }).catch(() => undefined);
    const entry = found?.name === undefined ? undefined : view.lookup(childPath(found.parent, found.name));
    if (!entry?.stat.isFile() || entry.stat.size > MAX_READ) return undefined;
    return fs.readFileSync(entry.hostPath, 'utf8');
  }

  /**
   * Below an opaque directory (deleted and made again in the container) the layers' files
   * are gone: those the container did not make again are deleted (D), the rest changed (C),
   * like any path both the image and the container have.
   */
  async diff(containerId: string, chainIds: string[]): Promise<FileChange[]> {
    const view = await this.view(chainIds);
    const upper = this.upperDir(containerId);
    if (!fs.existsSync(upper)) return [];
    const opaque = await upperOpaqueDirs(upper, this.layers);
    const lowerChildren = opaque.size > 0 ? childrenOf(view) : new Map<string, string[]>();
    const changes: FileChange[] = [];
    // Rootless, the directories of the container's other users may need the tree agent.
    const reader = new TreeReader(upper, this.layers);
    const walk = async (rel: string, hidden: boolean, viaAgent: boolean) => {
      hidden ||= opaque.has(rel);
      const listing = await reader.list(rel, viaAgent);
      const names = new Map<string, FileStats | undefined>(listing.entries.map((e) => [e.name, e.stat]));
      if (hidden) for (const name of lowerChildren.get(rel) ?? []) if (!names.has(name)) names.set(name, undefined);
      for (const name of [...names.keys()].sort()) {
        const child = childPath(rel, name);
        const stat = names.get(name);
        if (!stat || isWhiteoutDevice(stat)) {
          if (view.has(child)) changes.push({ kind: 'D', path: `/${child}` });
          continue;
        }
        changes.push({ kind: view.has(child) ? 'C' : 'A', path: `/${child}` });
        if (stat.isDirectory()) await walk(child, hidden, listing.viaAgent);
      }
    };
    try {
      await walk('', false, false);
    } finally {
      reader.close();
    }
    return changes;
  }

  async remove(containerId: string): Promise<void> {
    await removeTree(this.dir(containerId), this.layers);
  }

  /** What the container sees, read from its upper dir and the layers (best while it is stopped). */
  async mergedView(containerId: string, chainIds: string[]): Promise<MergedView> {
    const upper = this.upperDir(containerId);
    const [view, opaque] = await Promise.all([this.view(chainIds), upperOpaqueDirs(upper, this.layers)]);
    return new MergedView(upper, view, opaque);
  }

  private view(chainIds: string[]): Promise<Map<string, LowerEntry>> {
    const key = chainIds.join(',');
    let view = this.views.get(key);
    if (!view) {
      view = lowerView(this.paths.root, chainIds);
      view.catch(() => this.views.delete(key));
      this.views.set(key, view);
      if (this.views.size > VIEW_CACHE) this.views.delete(this.views.keys().next().value!);
    }
    return view;
  }
}
