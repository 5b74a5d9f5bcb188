/**
 * The host side of `berth cp`: a tar stream from a host path, and a tar stream written
 * under a host directory. Extraction is as careful as a layer's: no entry may land
 * outside the destination — absolute names, `..`, hard links out and writes through a
 * symlink an earlier entry planted are refused — and an existing symlink at a target is
 * replaced, never followed.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { BerthError } from '../errors';

export interface PackOptions {
  /** Name of the top entry; undefined packs the directory's children only (`SRC/.`). */
  rootName: string | undefined;
  /** Keep host uids/gids (`cp -a`); otherwise entries belong to the container's root. */
  archive: boolean;
  /** Follow a symlink given as the source (`cp -L`). */
  followLink: boolean;
}

/** A tar stream of `source`; `bytes` counts file contents once the stream has ended. */
export function packPath(source: string, options: PackOptions): { stream: Readable; bytes: () => number } {
  const pack = tar.pack();
  let bytes = 0;
  const add = async (file: string, name: string, follow: boolean): Promise<void> => {
    const st = follow ? await fsp.stat(file) : await fsp.lstat(file);
    const header = { name, mode: st.mode & 0o7777, mtime: st.mtime, uid: options.archive ? st.uid : 0, gid: options.archive ? st.gid : 0 };
    if (st.isDirectory()) {
      if (name !== '') pack.entry({ ...header, name: `${name}/`, type: 'directory' });
      for (const child of (await fsp.readdir(file)).sort()) await add(path.join(file, child), name === '' ? child : `${name}/${child}`, false);
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...header, type: 'symlink', linkname: await fsp.readlink(file) });
    } else if (st.isFile()) {
      bytes += st.size;
      await packFile(pack, { ...header, type: 'file', size: st.size }, file);
    }
    // Sockets, fifos and devices are not copied, as with docker cp run by a user.
  };
  add(source, options.rootName ?? '', options.followLink).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err as Error),
  );
  // tar-stream's streams are streamx ones: they pipe and iterate like Node's.
  return { stream: pack as unknown as Readable, bytes: () => bytes };
}

function packFile(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0], file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    // The reader may stop early (a probe reads one header): the pack then closes under us.
    sink.on('error', reject);
    fs.createReadStream(file).on('error', reject).pipe(sink as unknown as NodeJS.WritableStream);
  });
}

/**
 * Where the tar's top entry goes: `into` a directory (keeping its name), or `as` the
 * destination itself (renamed; for a directory, its children go into the destination).
 * `decide` sees the top entry's type before anything is written.
 */
export type Placement = 'into' | 'as';

export async function extractTo(source: NodeJS.ReadableStream, dest: string, decide: (topIsDirectory: boolean) => Promise<Placement>, options: { archive: boolean }): Promise<number> {
  const extract = tar.extract();
  source.on('error', (err: Error) => extract.destroy(err));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  let placement: Placement | undefined;
  let base: string | undefined;
  let bytes = 0;
  const dirTimes: [string, Date][] = [];
  for await (const entry of extract) {
    const { header } = entry;
    const parts = entryParts(header.name);
    placement ??= await decide(header.type === 'directory');
    const rel = placement === 'into' ? parts : parts.slice(1);
    const target = path.join(dest, ...rel);
    if (rel.length > 0) {
      base ??= await fsp.realpath(dest);
      await checkInside(base, path.dirname(target), header.name);
    }
    if (header.type === 'link') {
      const linkParts = entryParts(header.linkname);
      const linked = path.join(dest, ...(placement === 'into' ? linkParts : linkParts.slice(1)));
      await checkInside(base ?? (await fsp.realpath(dest)), path.dirname(linked), header.name);
      header.linkname = linked;
    }
    bytes += await writeEntry(entry, target);
    if (options.archive && typeof process.getuid === 'function' && process.getuid() === 0) await fsp.lchown(target, header.uid, header.gid);
    if (header.type === 'directory') dirTimes.push([target, header.mtime]);
  }
  // Directory times last: writing their children changed them.
  for (const [dir, time] of dirTimes.reverse()) await fsp.utimes(dir, time, time).catch(() => undefined);
  return bytes;
}

/** Writes one entry at `target` (a hard link's linkname already resolved to a host path). */
async function writeEntry(entry: AsyncIterable<unknown> & { header: tar.Header; resume(): unknown }, target: string): Promise<number> {
  const { header } = entry;
  const existing = await fsp.lstat(target).catch(() => undefined);
  if (header.type === 'directory') {
    if (existing && !existing.isDirectory()) await fsp.rm(target, { force: true });
    if (!existing?.isDirectory()) await fsp.mkdir(target);
    await fsp.chmod(target, header.mode);
    entry.resume();
    return 0;
  }
  if (existing?.isDirectory()) throw new BerthError('invalid-argument', `cannot overwrite directory '${target}' with a non-directory`);
  if (existing) await fsp.rm(target, { force: true });
  switch (header.type) {
    case 'file':
    case 'contiguous-file': {
      const handle = await fsp.open(target, 'wx', header.mode);
      try {
        for await (const chunk of entry) await handle.write(chunk as Uint8Array);
        await handle.chmod(header.mode);
      } finally {
        await handle.close();
      }
      await fsp.utimes(target, header.mtime, header.mtime);
      return header.size;
    }
    case 'symlink':
      await fsp.symlink(header.linkname, target);
      break;
    case 'link':
      await fsp.link(header.linkname, target);
      break;
    default:
      // Devices and fifos need privileges a copy should not ask for; they are skipped.
      break;
  }
  entry.resume();
  return 0;
}

/** A tar name as path parts, refusing anything that could climb out (`/x`, `a/../..`). */
function entryParts(name: string): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (name.startsWith('/') || parts.includes('..') || parts.length === 0) {
    throw new BerthError('invalid-argument', `refusing to copy the archive entry '${name}': it would land outside the destination`);
  }
  return parts;
}

/** The real directory an entry is written in must be under the destination: an earlier entry may have been a symlink. */
async function checkInside(base: string, dir: string, name: string): Promise<void> {
  const real = await fsp.realpath(dir);
  if (real !== base && !real.startsWith(`${base}${path.sep}`)) {
    throw new BerthError('invalid-argument', `refusing to copy the archive entry '${name}': it would be written through a symlink to '${real}', outside the destination`);
  }
}
