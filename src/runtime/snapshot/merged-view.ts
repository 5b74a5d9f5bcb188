/**
 * What a stopped container sees: its overlay upper dir over the image's layers, merged
 * the way overlayfs would, without mounting anything. The upper dir is read directly (a
 * 0/0 character device is a whiteout); the layers through their merged index
 * (./lower-view.ts).
 *
 * Lookups go one component at a time from a directory already known to be one, so a
 * symlink the container planted in its upper dir is never followed by the host; path
 * resolution with symlinks is ../container/path-resolver.ts's job.
 *
 * A directory the container deleted and made again is opaque: the layers' files below it
 * are hidden. Overlay marks it with an xattr Node cannot read; the caller passes the set
 * the helper read (../layer/pack.ts `upperOpaqueDirs`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Walk } from '../container/path-resolver';
import { isWhiteoutDevice } from '../layer/pack';
import type { LowerEntry } from './lower-view';

/** `name` in the directory `dir` ('' for the root). */
export function childPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Directory -> the names in it, from a map keyed by relative paths. */
export function childrenOf(paths: Map<string, unknown>): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const key of paths.keys()) {
    if (key === '') continue;
    const slash = key.lastIndexOf('/');
    const parent = slash < 0 ? '' : key.slice(0, slash);
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(key.slice(slash + 1));
  }
  return children;
}

export interface MergedEntry {
  /** The file on the host: in the upper dir, or in the topmost layer that has it. */
  hostPath: string;
  /** Where it is: the container's own layer or the image's. */
  layer: 'upper' | 'lower';
  stat: fs.Stats;
}

export class MergedView {
  private children?: Map<string, string[]>;

  /** `opaque`: the upper dir's opaque directories, relative ('' for the root). */
  constructor(
    readonly upper: string,
    private readonly lower: Map<string, LowerEntry>,
    private readonly opaque: ReadonlySet<string>,
  ) {}

  /** For resolveInRoot: handles are paths relative to the root. */
  readonly walk: Walk<string> = {
    root: '',
    step: async (dir, name) => {
      const entry = this.lookup(childPath(dir, name));
      if (!entry) return undefined;
      if (entry.stat.isDirectory()) return { type: 'directory' };
      if (entry.stat.isSymbolicLink()) return { type: 'symlink', target: fs.readlinkSync(entry.hostPath) };
      return { type: 'other' };
    },
    enter: async (dir, name) => childPath(dir, name),
    release: () => undefined,
  };

  /** `rel` ('' for the root, no leading slash): what the container sees there, lstat-like. */
  lookup(rel: string): MergedEntry | undefined {
    const upper = this.upperState(rel);
    if (upper === 'hidden') return undefined;
    if (upper !== undefined) return { hostPath: path.join(this.upper, rel), layer: 'upper', stat: upper };
    const entry = this.lower.get(rel);
    if (rel !== '' && !entry) return undefined;
    const hostPath = entry?.hostPath ?? this.upper;
    const stat = fs.lstatSync(hostPath, { throwIfNoEntry: false });
    return stat && { hostPath, layer: 'lower', stat };
  }

  /** Names in the directory `rel`, sorted. */
  list(rel: string): string[] {
    const state = this.upperState(rel);
    const names = new Set(state !== undefined && this.underOpaque(rel) ? [] : (this.lowerChildren().get(rel) ?? []));
    const dir = rel === '' ? this.upper : path.join(this.upper, rel);
    if (state !== undefined) {
      for (const name of fs.readdirSync(dir)) {
        const stat = fs.lstatSync(path.join(dir, name));
        if (isWhiteoutDevice(stat)) names.delete(name);
        else names.add(name);
      }
    }
    return [...names].sort();
  }

  /**
   * The upper dir's word on `rel`: its stat when it has it, 'hidden' when a whiteout, a
   * non-directory or an opaque directory on the way hides the layers, undefined when the
   * layers decide.
   */
  private upperState(rel: string): fs.Stats | 'hidden' | undefined {
    let at = this.upper;
    let opaqueAbove = false;
    const parts = rel === '' ? [] : rel.split('/');
    for (let i = 0; i <= parts.length; i++) {
      if (i > 0) at = path.join(at, parts[i - 1]);
      const stat = fs.lstatSync(at, { throwIfNoEntry: false });
      if (!stat) return opaqueAbove ? 'hidden' : undefined;
      if (isWhiteoutDevice(stat)) return 'hidden';
      if (i === parts.length) return stat;
      if (!stat.isDirectory()) return 'hidden';
      opaqueAbove ||= this.opaque.has(parts.slice(0, i).join('/'));
    }
    return undefined;
  }

  /** Whether `rel` or a directory above it is opaque (asked of a directory the upper dir has). */
  private underOpaque(rel: string): boolean {
    if (this.opaque.size === 0) return false;
    for (let at = rel; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/')))) {
      if (this.opaque.has(at)) return true;
      if (at === '') return false;
    }
  }

  private lowerChildren(): Map<string, string[]> {
    if (!this.children) this.children = childrenOf(this.lower);
    return this.children;
  }
}
