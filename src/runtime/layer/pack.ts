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
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { invalidArgument } from '../errors';
import { type IdMap, isIdentity, toContainer } from '../idmap';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './apply';
import type { LayerContext } from './layer-store';
import { END_OF_ARCHIVE, type TarWriteHeader, encodeHeader, padding } from './tar';

export type PackOptions = {
  idMap: IdMap;
  signal?: AbortSignal;
} & (
  | { mode: 'rootfs' }
  /** 0/0 character devices are whiteouts; `opaque` (from `upperOpaqueDirs`) are opaque directories. */
  | { mode: 'upper'; opaque: ReadonlySet<string> }
);

const CHUNK = 1 << 20;

export function isWhiteoutDevice(stat: fs.Stats): boolean {
  return stat.isCharacterDevice() && stat.rdev === 0;
}

export function deviceNumbers(rdev: number): { major: number; minor: number } {
  // Linux's new_encode_dev layout: 12 bits of major, 20 of minor, interleaved.
  return { major: ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff), minor: (rdev & 0xff) | ((rdev >> 12) & ~0xff) };
}

/**
 * The opaque directories of the overlay upper dir `upper` (paths relative to it, '' for
 * the root), read by the helper: the xattr is out of Node's reach. Rootless overlay keeps
 * it in `user.overlay.opaque` (the `userxattr` mount option, ../snapshot/overlay.ts).
 */
export async function upperOpaqueDirs(upper: string, ctx: Pick<LayerContext, 'idMap' | 'privileged'>): Promise<Set<string>> {
  const dirs = await (await ctx.privileged()).opaqueDirs({ root: upper, userxattr: !isIdentity(ctx.idMap) });
  return new Set(dirs.map((d) => (d === '.' ? '' : d)));
}

export async function* packDirectory(dir: string, o: PackOptions): AsyncGenerator<Buffer> {
  const links = new Map<string, string>();
  const opaque = o.mode === 'upper' ? o.opaque : new Set<string>();
  async function* walk(rel: string): AsyncGenerator<Buffer> {
    if (opaque.has(rel)) {
      const stat = fs.lstatSync(rel === '' ? dir : path.join(dir, rel));
      const marker = rel === '' ? OPAQUE_MARKER : `${rel}/${OPAQUE_MARKER}`;
      const { mtime, uid, gid } = entryHeader(stat, rel, o.idMap, links, () => '')!;
      yield encodeHeader({ name: marker, type: 'file', mode: 0, mtime, uid, gid });
    }
    const names = fs.readdirSync(rel === '' ? dir : path.join(dir, rel)).sort();
    for (const name of names) {
      o.signal?.throwIfAborted();
      const child = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(dir, child);
      const stat = fs.lstatSync(abs);
      if (o.mode === 'upper' && isWhiteoutDevice(stat)) {
        const whiteout = rel === '' ? `${WHITEOUT_PREFIX}${name}` : `${rel}/${WHITEOUT_PREFIX}${name}`;
        yield encodeHeader({ ...entryHeader(stat, whiteout, o.idMap, links, () => '')!, type: 'file', mode: 0 });
        continue;
      }
      const header = entryHeader(stat, child, o.idMap, links, () => fs.readlinkSync(abs));
      if (header === undefined) continue;
      yield encodeHeader(header);
      if (header.type === 'directory') yield* walk(child);
      if (header.type === 'file') {
        yield* fileBody(abs, stat.size);
        yield padding(stat.size);
      }
    }
  }
  yield* walk('');
  yield END_OF_ARCHIVE;
}

/**
 * The tar header for one file (owners as container ids, an unmapped one as 0), or
 * undefined for a socket, which is not archived (as with tar and Docker). A file seen
 * before under another name (`links`, by device and inode) becomes a hard link to it.
 */
export function entryHeader(stat: fs.Stats, name: string, idMap: IdMap, links: Map<string, string>, readlink: () => string): TarWriteHeader | undefined {
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

/** Exactly `size` bytes of a file; a file that changes size while read is an error. */
export async function* fileBody(file: string, size: number): AsyncGenerator<Buffer> {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      const n = fs.readSync(fd, buf, 0, buf.length, size - left);
      if (n === 0) throw invalidArgument(`${file} shrank while it was being archived; stop what is writing to it and retry.`);
      left -= n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}
