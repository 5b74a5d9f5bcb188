/**
 * Resolving a container path the way the container would, without ever leaving its root
 * (Go's securejoin / docker's FollowSymlinkInScope): every component is looked up by the
 * caller's `Walk` one directory at a time, a symlink is expanded here — an absolute target
 * from the container's root, a relative one from the link's directory — and `..` is
 * clamped at the root. The host never resolves a container path, so a link to
 * `/etc/shadow` means the container's /etc/shadow and `../../..` stops at its `/`.
 *
 * The walk is in handles, not paths: the running-container walk holds a directory fd per
 * component (opened O_NOFOLLOW), so a link swapped in after it was looked at is refused
 * by the kernel rather than followed.
 */
import { BerthError, notFound } from '../errors';

export const MAX_SYMLINK_HOPS = 40;

export type Step = { type: 'directory' } | { type: 'symlink'; target: string } | { type: 'other' } | undefined;

/** One directory at a time; `D` is the walker's handle for a directory. */
export interface Walk<D> {
  readonly root: D;
  /** What `name` in `dir` is (lstat semantics); undefined when absent. */
  step(dir: D, name: string): Promise<Step>;
  /** `name` in `dir`, known to be a directory; refuses (throws) a symlink swapped in since. */
  enter(dir: D, name: string): Promise<D>;
  /** Done with a handle `enter` returned (never called for `root`). */
  release(dir: D): void;
}

export interface Resolved<D> {
  /** The directory holding the result; the caller releases it unless it is `walk.root`. */
  parent: D;
  /** The result's name in `parent`; undefined when the path is the root itself. */
  name: string | undefined;
  /** The resolved path from the container's root, `/` for the root. */
  path: string;
}

export interface ResolveOptions {
  /** Expand a symlink in the last component too (`stat`), or keep it (`lstat`, cp's source). */
  followLast: boolean;
}

/** Resolves `containerPath` under `walk.root`. `not-found` when a directory on the way is missing or is not one. */
export async function resolveInRoot<D>(walk: Walk<D>, containerPath: string, options: ResolveOptions): Promise<Resolved<D>> {
  const dirs: D[] = [];
  const names: string[] = [];
  let pending = split(containerPath);
  let hops = 0;
  const top = () => (dirs.length > 0 ? dirs[dirs.length - 1] : walk.root);
  try {
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        if (dirs.length > 0) walk.release(dirs.pop()!);
        names.pop();
        continue;
      }
      const last = pending.length === 0;
      if (last && !options.followLast) return done(walk, dirs, names, part);
      const step = await walk.step(top(), part);
      if (step?.type === 'symlink') {
        if (++hops > MAX_SYMLINK_HOPS) throw new BerthError('invalid-argument', `Too many levels of symbolic links resolving '${containerPath}' in the container.`);
        if (step.target.startsWith('/')) {
          while (dirs.length > 0) walk.release(dirs.pop()!);
          names.length = 0;
        }
        pending = [...split(step.target), ...pending];
        continue;
      }
      if (last) return done(walk, dirs, names, part);
      if (step === undefined) throw notFound(`'${joinPath([...names, part])}' does not exist in the container (resolving '${containerPath}').`);
      if (step.type !== 'directory') throw notFound(`'${joinPath([...names, part])}' is not a directory in the container (resolving '${containerPath}').`);
      dirs.push(await walk.enter(top(), part));
      names.push(part);
    }
    // The path ended on a directory reached by `..`, `.` or a link: name it from its parent.
    if (names.length === 0) return { parent: walk.root, name: undefined, path: '/' };
    walk.release(dirs.pop()!);
    const name = names.pop()!;
    return done(walk, dirs, names, name);
  } catch (err) {
    for (const d of dirs) walk.release(d);
    throw err;
  }
}

/** `dirs` holds one handle per name in `names` (the way to `name`): keep the last, release the rest. */
function done<D>(walk: Walk<D>, dirs: D[], names: string[], name: string): Resolved<D> {
  const parent = dirs.pop() ?? walk.root;
  for (const d of dirs) walk.release(d);
  return { parent, name, path: joinPath([...names, name]) };
}

/** A path's components without empty ones and `.`. */
export function split(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

export function joinPath(names: string[]): string {
  return `/${names.join('/')}`;
}
