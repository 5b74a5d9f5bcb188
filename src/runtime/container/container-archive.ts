/**
 * Tar streams out of and into a container's tree (./container-tree.ts), for `berth cp`
 * and docker's GET/PUT /containers/{id}/archive.
 *
 * Out: the entry and everything below it, owners as container ids, hard links kept,
 * sockets left out — ../layer/pack.ts's headers and file bodies.
 *
 * In: the tar is untrusted, and the rules are a layer's (../layer/apply.ts): names go
 * through its `entryPath` (no absolute paths, no `..`), nothing is ever written through a
 * symlink — one the tar made or one the container already has — and a hard link may only
 * name a file this tar wrote. What is in the way is replaced (a directory over a
 * directory is kept and merged, as docker does). Devices and fifos are skipped: making
 * them needs privileges a copy should not ask for. Directory modes and times are set
 * last, deepest first, so a read-only directory cannot block its own contents.
 */
import { invalidArgument } from '../errors';
import { entryPath } from '../layer/apply';
import { entryHeader } from '../layer/pack';
import { END_OF_ARCHIVE, encodeHeader, padding, readTar, type TarHeader } from '../layer/tar';
import type { ContainerTree, ReadTree } from './container-tree';

/**
 * The tar of `name` in `dir`, its top entry called `topName`; with `name` undefined (the
 * directory `dir` itself), only what is in it, at the top level. The walk is lazy: a
 * reader that stops early stops it.
 */
export async function* packEntry<D>(tree: ReadTree<D>, dir: D, name: string | undefined, topName: string): AsyncGenerator<Buffer> {
  const links = new Map<string, string>();
  async function* children(parent: D, prefix: string): AsyncGenerator<Buffer> {
    for (const child of await tree.list(parent)) yield* entry(parent, child, prefix === '' ? child : `${prefix}/${child}`);
  }
  async function* entry(parent: D, child: string, tarName: string): AsyncGenerator<Buffer> {
    const found = await tree.lookup(parent, child);
    if (!found) return; // gone since it was listed
    const target = found.stat.isSymbolicLink() ? await tree.readlink(parent, child) : '';
    const header = entryHeader(found.stat, tarName, tree.idMap, links, () => target);
    if (!header) return;
    yield encodeHeader(header);
    if (header.type === 'file') {
      yield* tree.read(parent, child, found.stat.size);
      yield padding(found.stat.size);
    }
    if (header.type !== 'directory') return;
    const sub = await tree.enter(parent, child);
    try {
      yield* children(sub, tarName);
    } finally {
      tree.release(sub);
    }
  }
  if (name === undefined) yield* children(dir, '');
  else yield* entry(dir, name, topName);
  yield END_OF_ARCHIVE;
}

type Written = 'd' | 'f' | 'l';

/** Extracts `source` into the directory `dest` (a handle the caller keeps). */
export async function extractInto<D>(tree: ContainerTree<D>, dest: D, source: AsyncIterable<Uint8Array>, what: string): Promise<void> {
  const x = new Extraction(tree, dest, what);
  try {
    for await (const e of readTar(source)) await x.entry(e.header, e.body());
    await x.finishDirs();
  } finally {
    x.release();
  }
}

class Extraction<D> {
  private readonly dirs = new Map<string, D>();
  private readonly written = new Map<string, Written>();
  private readonly dirAttrs = new Map<string, TarHeader>();

  constructor(
    private readonly tree: ContainerTree<D>,
    dest: D,
    private readonly what: string,
  ) {
    this.dirs.set('', dest);
  }

  private refuse(entry: string, why: string): Error {
    return invalidArgument(`${this.what}: entry '${entry.slice(0, 300)}' ${why}; the copy stopped there.`);
  }

  async entry(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const rel = entryPath(h.name, this.what);
    if (rel === '') {
      if (h.type !== 'directory') throw this.refuse(h.name, 'would replace the destination directory');
      return;
    }
    const slash = rel.lastIndexOf('/');
    const name = rel.slice(slash + 1);
    const parent = await this.dirOf(slash < 0 ? '' : rel.slice(0, slash), h.name);
    if (h.type === 'directory') {
      if (!(await this.tree.lookup(parent, name))?.stat.isDirectory()) await this.mkdir(parent, name);
      await this.dirOf(rel, h.name);
      this.dirAttrs.set(rel, h);
      return;
    }
    switch (h.type) {
      case 'file':
        await this.tree.createFile(parent, name, body, { mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime });
        break;
      case 'symlink':
        await this.tree.symlink(parent, name, h.linkname, { uid: h.uid, gid: h.gid, mtime: h.mtime });
        break;
      case 'link':
        await this.hardlink(rel, h, parent, name);
        break;
      default:
        return;
    }
    this.written.set(rel, h.type === 'symlink' ? 'l' : 'f');
  }

  /** The directory `rel` (from the destination) as a handle, made when missing. */
  private async dirOf(rel: string, entry: string): Promise<D> {
    const known = this.dirs.get(rel);
    if (known !== undefined) return known;
    const slash = rel.lastIndexOf('/');
    const name = rel.slice(slash + 1);
    const parent = await this.dirOf(slash < 0 ? '' : rel.slice(0, slash), entry);
    const kind = this.written.get(rel);
    if (kind === 'l') throw this.refuse(entry, `lies under '${rel}', a symbolic link this archive made; Berth never writes through a link`);
    if (kind === 'f') throw this.refuse(entry, `lies under '${rel}', which is not a directory`);
    const step = await this.tree.step(parent, name);
    if (step?.type === 'symlink') throw this.refuse(entry, `lies under '${rel}', a symbolic link in the container; Berth never writes through a link — copy to the link's target instead`);
    if (step?.type === 'other') throw this.refuse(entry, `lies under '${rel}', which is not a directory in the container`);
    if (step === undefined) await this.mkdir(parent, name);
    const dir = await this.tree.enter(parent, name);
    this.dirs.set(rel, dir);
    return dir;
  }

  private async mkdir(parent: D, name: string): Promise<void> {
    const hidden = await this.tree.clear(parent, name, false);
    await this.tree.mkdir(parent, name, 0o755);
    if (hidden) this.tree.madeDirectory(parent, name);
  }

  private async hardlink(rel: string, h: TarHeader, parent: D, name: string): Promise<void> {
    const linked = entryPath(h.linkname, this.what, 'hard-link target');
    if (linked === rel) return;
    const kind = this.written.get(linked);
    if (kind !== 'f' && kind !== 'l') throw this.refuse(h.name, `is a hard link to '${h.linkname}', which ${kind === undefined ? 'this archive did not write before it' : 'is not a file'}`);
    const slash = linked.lastIndexOf('/');
    await this.tree.link(this.dirs.get(slash < 0 ? '' : linked.slice(0, slash))!, linked.slice(slash + 1), parent, name);
  }

  async finishDirs(): Promise<void> {
    for (const rel of [...this.dirAttrs.keys()].sort((a, b) => b.length - a.length)) {
      const h = this.dirAttrs.get(rel)!;
      const slash = rel.lastIndexOf('/');
      const parent = this.dirs.get(slash < 0 ? '' : rel.slice(0, slash))!;
      const name = rel.slice(slash + 1);
      await this.tree.setDirectory(parent, name, h.mode, h.mtime);
      await this.tree.chown(parent, name, h.uid, h.gid, h.mode);
    }
    await this.tree.finish();
  }

  release(): void {
    for (const [rel, dir] of this.dirs) if (rel !== '') this.tree.release(dir);
  }
}
