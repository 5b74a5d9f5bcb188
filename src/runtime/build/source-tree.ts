/**
 * Where COPY and ADD read from, as one shape: a map of relative paths to host files.
 *
 * - the build context: the directory walked once, `.dockerignore` applied (an excluded
 *   file is simply not there, as with Docker); everything in it is root's in the image;
 * - an image or a finished stage (`--from`): the merged view of its extracted layers,
 *   read through ./layer-files.ts (rootless, what an earlier stage keeps private goes
 *   through the helper's tree agent); its files keep their owners, as with Docker.
 *
 * Paths are resolved inside the tree (symlinks followed from the tree's own root, `..`
 * clamped there, as ../container/path-resolver.ts does for containers), so a context
 * symlink to `/etc/passwd` never reads the host's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveInRoot, type Walk } from '../container/path-resolver';
import { fileBody } from '../layer/pack';
import type { FileStats } from '../layer/tree-agent';
import { lowerView } from '../snapshot/lower-view';
import { PathMatcher } from './dockerignore';
import type { LayerFiles, Owner } from './layer-files';

export interface SourceEntry {
  /** Relative to the tree's root, no leading `/`; '' is the root. */
  rel: string;
  hostPath: string;
  /** As lstat shows it on the host. */
  stat: FileStats;
}

/** How a tree reaches its files (./layer-files.ts for layers). */
interface FileAccess {
  lstat(hostPath: string): Promise<FileStats | undefined>;
  readlink(hostPath: string): Promise<string>;
  read(hostPath: string, size: number): AsyncIterable<Buffer>;
  owner(stat: FileStats): Owner;
}

/** The context: Node's own calls, and every file root's, as Docker has it. */
const CONTEXT: FileAccess = {
  lstat: async (hostPath) => fs.lstatSync(hostPath, { throwIfNoEntry: false }),
  readlink: async (hostPath) => fs.readlinkSync(hostPath),
  read: (hostPath, size) => fileBody(hostPath, size),
  owner: () => ({ uid: 0, gid: 0 }),
};

export class SourceTree {
  private sorted?: string[];

  private constructor(
    private readonly files: Map<string, string>,
    private readonly rootPath: string,
    private readonly access: FileAccess,
  ) {}

  /** The context directory without what `ignore` excludes. */
  static fromDirectory(dir: string, ignore: PathMatcher): SourceTree {
    const files = new Map<string, string>();
    // Names from readdir hold no `/` and are never `.` or `..`: joined by hand, since
    // path.join's normalising was most of a walk over a thousand files.
    const root = path.resolve(dir);
    const host = (rel: string) => (root === '/' ? `/${rel}` : `${root}/${rel}`);
    const walk = (rel: string, excludedAbove: boolean) => {
      const abs = rel === '' ? root : host(rel);
      for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        const excluded = !ignore.empty && ignore.excludes(child);
        if (!excluded) {
          // A directory kept only for an exception below it still needs its entry.
          for (let p = rel; p !== '' && !files.has(p); p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') files.set(p, host(p));
          files.set(child, host(child));
        }
        if (entry.isDirectory() && (!excluded || ignore.mayIncludeBelow(child))) walk(child, excludedAbove || excluded);
      }
    };
    walk('', false);
    return new SourceTree(files, root, CONTEXT);
  }

  /** The merged filesystem of a stack of extracted layers. */
  static async fromLayers(layers: LayerFiles, chainIds: string[]): Promise<SourceTree> {
    const view = await lowerView(layers.root, chainIds);
    const files = new Map<string, string>();
    for (const [rel, entry] of view) files.set(rel, entry.hostPath);
    const root = chainIds.length > 0 ? (view.get('')?.hostPath ?? '') : '';
    return new SourceTree(files, root, layers);
  }

  async get(rel: string): Promise<SourceEntry | undefined> {
    if (rel === '') return this.rootPath ? { rel, hostPath: this.rootPath, stat: fs.statSync(this.rootPath) } : undefined;
    const hostPath = this.files.get(rel);
    const stat = hostPath === undefined ? undefined : await this.access.lstat(hostPath);
    return hostPath !== undefined && stat ? { rel, hostPath, stat } : undefined;
  }

  /** A symlink's target. */
  readlink(e: SourceEntry): Promise<string> {
    return this.access.readlink(e.hostPath);
  }

  /** A regular file's content: exactly the `stat.size` bytes the entry has. */
  read(e: SourceEntry): AsyncIterable<Buffer> {
    return this.access.read(e.hostPath, e.stat.size);
  }

  /** Who owns `e` in the image: the container's ids for layers, root for the context. */
  owner(e: SourceEntry): Owner {
    return this.access.owner(e.stat);
  }

  /** Every path, sorted (parents before children). */
  paths(): string[] {
    this.sorted ??= [...this.files.keys()].filter((k) => k !== '').sort();
    return this.sorted;
  }

  /** Everything below directory `rel`, sorted, the directory itself excluded. */
  async below(rel: string): Promise<SourceEntry[]> {
    const prefix = rel === '' ? '' : `${rel}/`;
    const out: SourceEntry[] = [];
    for (const p of this.paths()) {
      if (!p.startsWith(prefix) || p === rel) continue;
      const e = await this.get(p);
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * `p` (absolute, or relative to the root) resolved in the tree, without a leading `/`.
   * A path that cannot be resolved (a missing directory on the way) comes back cleaned.
   * `followLast`: a symlink at the end is followed too (COPY's sources are).
   */
  async realPath(p: string, followLast = true): Promise<string> {
    const walk: Walk<string> = {
      root: '',
      step: async (dir, name) => {
        const entry = await this.get(dir === '' ? name : `${dir}/${name}`);
        if (!entry) return undefined;
        if (entry.stat.isDirectory()) return { type: 'directory' };
        if (entry.stat.isSymbolicLink()) return { type: 'symlink', target: await this.readlink(entry) };
        return { type: 'other' };
      },
      enter: async (dir, name) => (dir === '' ? name : `${dir}/${name}`),
      release: () => undefined,
    };
    const found = await resolveInRoot(walk, `/${p}`, { followLast }).catch(() => undefined);
    return (found?.path ?? path.posix.normalize(`/${p}`)).slice(1).replace(/\/$/, '');
  }

  async resolve(p: string): Promise<SourceEntry | undefined> {
    return this.get(await this.realPath(p));
  }

  /** A small regular file's text (/etc/passwd, for `--chown` names). */
  async readText(e: SourceEntry): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.read(e)) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
}
