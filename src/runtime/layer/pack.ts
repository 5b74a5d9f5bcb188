/**
 * Writing a directory as a layer tar: a rootfs for `import`, or a container's overlay
 * upper dir for `commit`. Deterministic: names sorted, no leading './', directories
 * before their contents, hard links kept as links. Owners are written as container ids
 * (rootless: host ids mapped back through the id map; an unmapped owner becomes 0).
 *
 * In an upper dir, overlayfs records a deletion as a 0/0 character device: it becomes a
 * `.wh.<name>` entry. A directory deleted and made again in the container is opaque (it
 * hides all the lower layers have below it): it gets a `.wh..wh..opq` entry right after
 * its own. Overlay marks those with an xattr Node cannot read, so the caller asks the
 * helper for them first (`upperOpaqueDirs`); without that, the committed image would
 * show again the old files the container no longer saw.
 *
 * Rootless, files of the container's other users that their modes keep from others are
 * read through the helper's tree agent (./tree-reader.ts); the tar is the same either way.
 */
import * as fs from 'node:fs';
import { isBerthError } from '../errors';
import { type IdMap, isIdentity, toContainer } from '../idmap';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './apply';
import type { LayerContext } from './layer-store';
import { END_OF_ARCHIVE, type TarWriteHeader, encodeHeader, padding } from './tar';
import type { FileStats } from './tree-agent';
import { TreeReader, fdBody } from './tree-reader';

export type PackOptions = {
  /** The store's id map, and the helper for what rootless Node may not read. */
  layers: Pick<LayerContext, 'idMap' | 'privileged'>;
  signal?: AbortSignal;
} & (
  | { mode: 'rootfs' }
  /** 0/0 character devices are whiteouts; `opaque` (from `upperOpaqueDirs`) are opaque directories. */
  | { mode: 'upper'; opaque: ReadonlySet<string> }
);

export function isWhiteoutDevice(stat: FileStats): boolean {
  return stat.isCharacterDevice() && stat.rdev === 0;
}

export function deviceNumbers(rdev: number): { major: number; minor: number } {
  // Linux's new_encode_dev layout: 12 bits of major, 20 of minor, interleaved.
  return { major: ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff), minor: (rdev & 0xff) | ((rdev >> 12) & ~0xff) };
}

/**
 * The opaque directories of the overlay upper dir `upper` (paths relative to it, '' for
 * the root), read by the helper: the xattr is out of Node's reach. Rootless overlay keeps
 * it in `user.overlay.opaque` (the `userxattr` mount option, ../snapshot/overlay.ts), and
 * a directory the helper's own user may not read is walked again by the tree agent.
 */
export async function upperOpaqueDirs(upper: string, ctx: Pick<LayerContext, 'idMap' | 'privileged'>): Promise<Set<string>> {
  const userxattr = !isIdentity(ctx.idMap);
  const dirs = await (await ctx.privileged()).opaqueDirs({ root: upper, userxattr }).catch(async (err: unknown) => {
    if (!userxattr || !isBerthError(err, 'permission-denied')) throw err;
    const reader = new TreeReader(upper, ctx);
    try {
      return await reader.opaque(userxattr);
    } finally {
      reader.close();
    }
  });
  return new Set(dirs.map((d) => (d === '.' ? '' : d)));
}

export async function* packDirectory(dir: string, o: PackOptions): AsyncGenerator<Buffer> {
  const links = new Map<string, string>();
  const opaque = o.mode === 'upper' ? o.opaque : new Set<string>();
  const { idMap } = o.layers;
  const reader = new TreeReader(dir, o.layers);
  async function* walk(rel: string, self: FileStats, viaAgent: boolean): AsyncGenerator<Buffer> {
    if (opaque.has(rel)) {
      const marker = rel === '' ? OPAQUE_MARKER : `${rel}/${OPAQUE_MARKER}`;
      const { mtime, uid, gid } = entryHeader(self, rel, idMap, links, () => '')!;
      yield encodeHeader({ name: marker, type: 'file', mode: 0, mtime, uid, gid });
    }
    const listing = await reader.list(rel, viaAgent);
    for (const { name, stat } of listing.entries) {
      o.signal?.throwIfAborted();
      const child = rel === '' ? name : `${rel}/${name}`;
      if (o.mode === 'upper' && isWhiteoutDevice(stat)) {
        const whiteout = rel === '' ? `${WHITEOUT_PREFIX}${name}` : `${rel}/${WHITEOUT_PREFIX}${name}`;
        yield encodeHeader({ ...entryHeader(stat, whiteout, idMap, links, () => '')!, type: 'file', mode: 0 });
        continue;
      }
      const target = stat.isSymbolicLink() ? await reader.readlink(child, listing.viaAgent) : '';
      const header = entryHeader(stat, child, idMap, links, () => target);
      if (header === undefined) continue;
      yield encodeHeader(header);
      if (header.type === 'directory') yield* walk(child, stat, listing.viaAgent);
      if (header.type === 'file') {
        yield* reader.body(child, stat.size, listing.viaAgent);
        yield padding(stat.size);
      }
    }
  }
  try {
    yield* walk('', fs.lstatSync(dir), false);
    yield END_OF_ARCHIVE;
  } finally {
    reader.close();
  }
}

/**
 * The tar header for one file (owners as container ids, an unmapped one as 0), or
 * undefined for a socket, which is not archived (as with tar and Docker). A file seen
 * before under another name (`links`, by device and inode) becomes a hard link to it.
 */
export function entryHeader(stat: FileStats, name: string, idMap: IdMap, links: Map<string, string>, readlink: () => string): TarWriteHeader | undefined {
  const base: TarWriteHeader = {
    name,
    type: 'file',
    mode: stat.mode & 0o7777,
    mtime: Math.floor(stat.mtimeMs / 1000),
    uid: toContainer(idMap.uidMappings, stat.uid) ?? 0,
    gid: toContainer(idMap.gidMappings, stat.gid) ?? 0,
  };
  if (stat.isDirectory()) return { ...base, name: `${name}/`, type: 'directory' };
  if (stat.isSymbolicLink()) return { ...base, type: 'symlink', linkname: readlink() };
  if (stat.isFile()) {
    const key = `${stat.dev}:${stat.ino}`;
    const first = stat.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined) return { ...base, type: 'link', linkname: first };
    if (stat.nlink > 1) links.set(key, name);
    return { ...base, size: stat.size };
  }
  if (stat.isCharacterDevice() || stat.isBlockDevice()) {
    const { major, minor } = deviceNumbers(stat.rdev);
    return { ...base, type: stat.isCharacterDevice() ? 'char' : 'block', devmajor: major, devminor: minor };
  }
  if (stat.isFIFO()) return { ...base, type: 'fifo' };
  return undefined;
}

/** Exactly `size` bytes of a file, opened when the first is asked for; a file that changes size while read is an error. */
export async function* fileBody(file: string, size: number): AsyncGenerator<Buffer> {
  yield* fdBody(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW), size, file);
}
