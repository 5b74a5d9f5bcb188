/**
 * Applying a layer tar into an empty directory, safely.
 *
 * The tar is untrusted. Every entry is placed by walking its path one component at a
 * time through what *this extraction* created — the target starts empty, so the map of
 * created paths is the whole truth and the real filesystem is never consulted to
 * resolve a path. An entry is refused (`invalid-argument`, naming it) when its path is
 * absolute or has a `..` component, when a parent is anything but a directory this tar
 * made (a symlink, say: nothing is ever extracted through a link, absolute or relative),
 * or when a hard link names something outside, through a link, or not yet extracted.
 * Files are opened O_EXCL|O_NOFOLLOW as a second line of defence.
 *
 * Whiteouts (`.wh.<name>`) and opaque markers (`.wh..wh..opq`) become fixup records for
 * the helper (a 0/0 char device, an overlay opaque xattr); ownership is applied directly
 * as root (container ids are host ids) and recorded for the helper rootless. Directory
 * modes and times are applied last, deepest first, so a read-only directory in the tar
 * cannot stop its own contents from being written and times are not bumped afterwards.
 *
 * File system calls are synchronous on purpose: each is microseconds, and the event loop
 * still turns at every input chunk, so the host stays responsive while extraction runs
 * several times faster than with one thread-pool round trip per call. For the same reason
 * a file is created with its permission bits (no fchmod unless the umask or a set-id bit
 * needs one), and an uncompressed layer whose caller hashes the raw stream anyway
 * (`sourceDigest`) is not hashed a second time for its diff id.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthError, invalidArgument } from '../errors';
import { type IdMap, isIdentity, toHost } from '../idmap';
import type { Digest } from '../store/digest';
import { type Compression, decompress } from './decompress';
import type { PrivilegedFs } from './layer';
import { type IndexEntryType, LayerIndexBuilder } from './layer-index';
import { type TarEntry, type TarHeader, readTar } from './tar';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface ApplyOptions {
  /** An empty directory: the layer's tree. */
  target: string;
  /** A directory outside `target` for the fixup list. */
  workDir: string;
  idMap: IdMap;
  /** Asked for only when the layer has whiteouts, opaque dirs, xattrs, or (rootless) non-root owners. */
  privileged: () => Promise<PrivilegedFs>;
  /** Names the layer in errors ("layer sha256:… of busybox.tar"). */
  what: string;
  signal?: AbortSignal;
  /**
   * The digest of the raw `source`, which the caller verifies or computes itself (a blob
   * read from the store, one being written to it); called once the source is exhausted.
   * An uncompressed layer's diff id is that digest, so its ~1 GB/s hash is not done twice.
   */
  sourceDigest?: () => Digest;
}

export interface ApplyResult {
  diffId: Digest;
  /** Bytes of the uncompressed tar. */
  size: number;
  compression: Compression;
  index: LayerIndexBuilder;
  /** Entries not created (device nodes, fifos), as `path (kind)`. */
  skipped: string[];
  /** Rootless: entries whose owner is outside the id mapping, left owned by container root. */
  unmapped: string[];
}

type Kind = 'd' | 'f' | 'l' | 'w' | 'x';

const O_NOFOLLOW = fs.constants.O_NOFOLLOW;
const OPEN_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW;
const PERMISSION_BITS = 0o777;

let umaskBits: number | undefined;

/**
 * The process umask, from /proc: process.umask() reads it by setting it to 0 and back,
 * which for that instant widens the mode of files other threads create. If it cannot be
 * read, every bit is assumed masked, so every file gets its explicit fchmod.
 */
function processUmask(): number {
  if (umaskBits === undefined) {
    let line: RegExpExecArray | null = null;
    try {
      line = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    } catch {
      // no /proc: the safe answer below
    }
    umaskBits = line ? parseInt(line[1], 8) : PERMISSION_BITS;
  }
  return umaskBits;
}

function refuse(what: string, entry: string, why: string): BerthError {
  return invalidArgument(`${what}: entry '${entry.slice(0, 300)}' ${why}; the layer is refused and nothing of it was kept.`);
}

/** Splits a tar path into checked components ('' for the root). */
export function entryPath(name: string, what: string, field = 'path'): string {
  if (name.includes('\0')) throw refuse(what, name, `has a NUL byte in its ${field}`);
  if (name.startsWith('/')) throw refuse(what, name, `has an absolute ${field}`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refuse(what, name, `has '..' in its ${field}, which could leave the layer`);
  return parts.join('/');
}

/** The helper names the layer root '.' in fixup records. */
function recordPath(rel: string): string {
  return rel === '' ? '.' : rel;
}

class Extraction {
  readonly kinds = new Map<string, Kind>([['', 'd']]);
  readonly index = new LayerIndexBuilder();
  readonly records: string[] = [];
  readonly whiteouts = new Set<string>();
  readonly opaque = new Set<string>();
  readonly dirAttrs = new Map<string, TarHeader>();
  readonly skipped: string[] = [];
  readonly unmapped: string[] = [];
  private readonly rootless: boolean;
  private readonly asRoot: boolean;
  private readonly umask: number;

  constructor(private readonly o: ApplyOptions) {
    this.rootless = !isIdentity(o.idMap);
    this.asRoot = process.getuid?.() === 0;
    this.umask = processUmask();
  }

  /** `rel` is already normal (entryPath), so a join need not normalize it again. */
  abs(rel: string): string {
    return rel === '' ? this.o.target : `${this.o.target}/${rel}`;
  }

  /** Makes sure every parent of `rel` is a directory of ours, creating missing ones. */
  parents(rel: string, entry: string): void {
    const parts = rel.split('/');
    let prefix = '';
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = prefix ? `${prefix}/${parts[i]}` : parts[i];
      const kind = this.kinds.get(prefix);
      if (kind === 'd') continue;
      if (kind === undefined || kind === 'w') {
        if (kind === 'w') this.whiteouts.delete(prefix);
        fs.mkdirSync(this.abs(prefix), 0o755);
        this.kinds.set(prefix, 'd');
        continue;
      }
      throw refuse(this.o.what, entry, `lies under '${prefix}', which is ${kind === 'l' ? 'a symbolic link' : 'not a directory'}; Berth never extracts through a link`);
    }
  }

  /** Clears whatever this layer already has at `rel` (unless both are directories). */
  replace(rel: string, incoming: Kind): void {
    const kind = this.kinds.get(rel);
    if (kind === undefined) return;
    if (kind === 'd' && incoming === 'd') return;
    if (rel === '') throw refuse(this.o.what, '.', 'replaces the layer root with a non-directory');
    if (kind === 'w') this.whiteouts.delete(rel);
    else fs.rmSync(this.abs(rel), { recursive: true, force: true });
    this.kinds.delete(rel);
    if (kind === 'd') {
      const prefix = `${rel}/`;
      for (const key of [...this.kinds.keys()]) if (key.startsWith(prefix)) this.kinds.delete(key);
      for (const key of [...this.dirAttrs.keys()]) if (key.startsWith(prefix) || key === rel) this.dirAttrs.delete(key);
      for (const set of [this.whiteouts, this.opaque]) for (const key of [...set]) if (key.startsWith(prefix) || key === rel) set.delete(key);
    }
  }

  owner(rel: string, h: TarHeader, isLink: boolean, fd?: number): void {
    if (!this.rootless) {
      if (h.uid === 0 && h.gid === 0 && this.asRoot) return;
      if (fd !== undefined) fs.fchownSync(fd, h.uid, h.gid);
      else if (isLink) fs.lchownSync(this.abs(rel), h.uid, h.gid);
      else fs.chownSync(this.abs(rel), h.uid, h.gid);
      return;
    }
    if (h.uid === 0 && h.gid === 0) return;
    const { uidMappings, gidMappings } = this.o.idMap;
    if (toHost(uidMappings, h.uid) === undefined || toHost(gidMappings, h.gid) === undefined) {
      this.unmapped.push(`${rel} (${h.uid}:${h.gid})`);
      return;
    }
    this.records.push(`chown ${h.uid} ${h.gid} ${(isLink ? 0o777 : h.mode).toString(8)} ${recordPath(rel)}`);
  }

  xattrs(rel: string, h: TarHeader): void {
    for (const [name, value] of h.xattrs) {
      // Overlay's own xattrs would let a layer forge opaque dirs or redirects: dropped.
      if (/^(trusted|user)\.overlay\./.test(name) || /\s/.test(name)) continue;
      this.records.push(`xattr ${name} ${value.toString('hex')} ${recordPath(rel)}`);
    }
  }

  record(rel: string, type: IndexEntryType, h: TarHeader, link?: string): void {
    this.index.add({ path: rel, type, size: type === 'f' ? h.size : 0, mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime, ...(link !== undefined && { link }) });
  }

  async entry(e: TarEntry): Promise<void> {
    const h = e.header;
    const rel = entryPath(h.name, this.o.what);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) return this.whiteout(rel, base, h);
    if (rel !== '') this.parents(rel, h.name);
    switch (h.type) {
      case 'directory':
        this.replace(rel, 'd');
        if (!this.kinds.has(rel)) {
          fs.mkdirSync(this.abs(rel), 0o700);
          this.kinds.set(rel, 'd');
        }
        this.dirAttrs.set(rel, h);
        this.owner(rel, h, false);
        this.xattrs(rel, h);
        return this.record(rel, 'd', h);
      case 'file':
        return this.file(rel, e);
      case 'symlink':
        this.replace(rel, 'l');
        fs.symlinkSync(h.linkname, this.abs(rel));
        this.kinds.set(rel, 'l');
        this.owner(rel, h, true);
        fs.lutimesSync(this.abs(rel), h.mtime, h.mtime);
        return this.record(rel, 'l', h, h.linkname);
      case 'link':
        return this.hardlink(rel, h);
      default:
        this.replace(rel, 'x');
        this.skipped.push(`${rel} (${h.type})`);
        return this.record(rel, h.type === 'char' ? 'c' : h.type === 'block' ? 'b' : 'p', h);
    }
  }

  private async file(rel: string, e: TarEntry): Promise<void> {
    const h = e.header;
    this.replace(rel, 'f');
    // Its final permission bits at once (whoever may read it complete may read it half
    // written); set-id bits wait for the fchmod after the chown, which would clear them.
    const fd = fs.openSync(this.abs(rel), OPEN_NEW, h.mode & PERMISSION_BITS);
    try {
      for await (const piece of e.body()) {
        let off = 0;
        while (off < piece.length) off += fs.writeSync(fd, piece, off);
      }
      this.owner(rel, h, false, fd);
      if (h.mode & ~PERMISSION_BITS || h.mode & this.umask) fs.fchmodSync(fd, h.mode);
      fs.futimesSync(fd, h.mtime, h.mtime);
    } finally {
      fs.closeSync(fd);
    }
    this.kinds.set(rel, 'f');
    this.xattrs(rel, h);
    this.record(rel, 'f', h);
  }

  private hardlink(rel: string, h: TarHeader): void {
    const target = entryPath(h.linkname, this.o.what, 'hard-link target');
    const kind = this.kinds.get(target);
    if (kind !== 'f' && kind !== 'l') {
      throw refuse(this.o.what, h.name, `is a hard link to '${h.linkname}', which ${kind === undefined ? 'this layer has not extracted before it' : 'is not a regular file or link'}`);
    }
    if (target === rel) return this.record(rel, 'h', h, target);
    this.replace(rel, kind);
    fs.linkSync(this.abs(target), this.abs(rel));
    this.kinds.set(rel, kind);
    this.record(rel, 'h', h, target);
  }

  private whiteout(rel: string, base: string, h: TarHeader): void {
    const dir = rel.slice(0, Math.max(0, rel.length - base.length - 1));
    if (dir !== '') this.parents(`${dir}/x`, h.name);
    if (base === OPAQUE_MARKER) {
      if (this.kinds.get(dir) !== 'd') {
        this.replace(dir, 'd');
        fs.mkdirSync(this.abs(dir), 0o755);
        this.kinds.set(dir, 'd');
      }
      this.opaque.add(dir);
      return this.record(dir, 'o', h);
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return; // aufs metadata (.wh..wh.plnk…)
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') throw refuse(this.o.what, h.name, `is a whiteout of '${name}', which is not a file name`);
    const victim = dir ? `${dir}/${name}` : name;
    this.replace(victim, 'w');
    this.kinds.set(victim, 'w');
    this.whiteouts.add(victim);
    this.record(victim, 'w', h);
  }

  /** Directory modes and times, deepest first. */
  finishDirs(): void {
    const dirs = [...this.dirAttrs.keys()].sort((a, b) => b.length - a.length);
    for (const rel of dirs) {
      const h = this.dirAttrs.get(rel)!;
      const abs = this.abs(rel);
      fs.chmodSync(abs, h.mode);
      fs.utimesSync(abs, h.mtime, h.mtime);
    }
  }

  fixupRecords(): string[] {
    return [...[...this.whiteouts].map((p) => `whiteout ${p}`), ...[...this.opaque].map((p) => `opaque ${recordPath(p)}`), ...this.records];
  }
}

interface Counter {
  bytes: number;
  /** Set once the compression is known, unless the caller's digest is the diff id. */
  hash?: ReturnType<typeof createHash>;
}

async function* measuring(source: AsyncIterable<Uint8Array>, counter: Counter): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    counter.hash?.update(chunk);
    counter.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Extracts a (plain, gzip or zstd) layer tar into `options.target` and applies the
 * fixups through the helper. On error the target is left for the caller to remove (it
 * is a temp dir); nothing outside it is ever written.
 */
export async function applyLayer(source: AsyncIterable<Uint8Array>, options: ApplyOptions): Promise<ApplyResult> {
  const counter: Counter = { bytes: 0 };
  let compression: Compression = 'none';
  const plain = measuring(
    decompress(source, options.what, (c) => {
      compression = c;
      if (c !== 'none' || !options.sourceDigest) counter.hash = createHash('sha256');
    }),
    counter,
  );
  const x = new Extraction(options);
  for await (const entry of readTar(plain)) {
    options.signal?.throwIfAborted();
    await x.entry(entry);
  }
  x.finishDirs();
  const records = x.fixupRecords();
  if (records.length > 0) {
    let helper: PrivilegedFs;
    try {
      helper = await options.privileged();
    } catch (err) {
      throw new BerthError('failed-precondition', `${options.what} needs the Berth helper (for whiteouts, opaque directories, xattrs or file owners), and it could not be started: ${(err as Error).message}`, { cause: err });
    }
    const list = path.join(options.workDir, 'fixups');
    fs.writeFileSync(list, records.join('\n') + '\n');
    const { uidMappings, gidMappings } = options.idMap;
    await helper.fixup({
      root: options.target,
      list,
      userxattr: !isIdentity(options.idMap),
      ...(uidMappings.length > 0 && { uidMappings, gidMappings }),
    });
    fs.rmSync(list, { force: true });
  }
  const diffId: Digest = counter.hash ? `sha256:${counter.hash.digest('hex')}` : options.sourceDigest!();
  return { diffId, size: counter.bytes, compression, index: x.index, skipped: x.skipped, unmapped: x.unmapped };
}
