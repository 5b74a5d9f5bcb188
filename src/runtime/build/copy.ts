/**
 * COPY and ADD without a container: the layer tar is written straight from the sources.
 *
 * Three phases, so a cache hit costs neither the base image's tree nor any copying:
 * `readSources` resolves sources (globs, `.dockerignore` already applied by the tree,
 * `--exclude`) and digests them — paths, types, modes, owners, link targets and content
 * (file digests are cached by stat) — which, with the base and the instruction, is the
 * cache key; `planCopy` decides every destination path against the base image; `copyLayer`
 * writes the planned entries as a tar.
 *
 * Destination rules (BuildKit's): a relative destination is under WORKDIR; it is a
 * directory when it ends in `/`, when several sources match, or when the base image
 * already has a directory there; a source directory's *contents* are copied. Paths are
 * resolved through the base image's symlinks (Debian's /bin -> usr/bin), so the layer
 * never replaces a symlinked directory with a real one. Parent directories that exist
 * keep their attributes, and so does a destination directory; new parents are 0755 root,
 * a new destination takes the source directory's attributes. What comes from the context
 * is owned by 0:0, what comes from a stage or an image (`--from`) keeps its owner
 * (Docker's and BuildKit's rule), unless `--chown` (a user without a group means the same
 * number for both, as Docker does).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AddInstruction, CopyInstruction, InlineFile } from './dockerfile/dockerfile';
import { invalidArgument } from '../errors';
import { decompress, sniffCompression } from '../layer/decompress';
import { fileBody } from '../layer/pack';
import { END_OF_ARCHIVE, encodeHeader, padding, readTar } from '../layer/tar';
import { entryPath } from '../layer/apply';
import type { FileStats } from '../layer/tree-agent';
import { parseGroup, parsePasswd } from '../container/user';
import { PathMatcher, hasGlob, matchGlob } from './dockerignore';
import type { SourceEntry, SourceTree } from './source-tree';
import { cacheKey } from './cache';

interface LayerEntry {
  rel: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  /** A file's content: exactly `size` bytes (or `data`). */
  body?: () => AsyncIterable<Buffer>;
  data?: Buffer;
  linkname?: string;
}

/** A local archive ADD extracts under `dest`. */
interface ArchiveSource {
  hostPath: string;
  dest: string;
  owner?: { uid: number; gid: number };
}

/** What COPY/ADD reads, before any destination is decided. */
export interface CopySources {
  /** The content digest of the sources: equal digests on an equal base make equal layers. */
  digest: string;
  matches: Match[];
  /** Where the matches are. */
  tree: SourceTree;
  /** What the sources were, for the history's `COPY <kind>:<digest>` like Docker's: one file (or URL), one directory, or several. */
  kind: 'file' | 'dir' | 'multi';
}

export interface CopyPlan {
  entries: LayerEntry[];
  archives: ArchiveSource[];
}

export interface SourceInputs {
  instruction: CopyInstruction | AddInstruction;
  /** Where sources are read: the context, or the `--from` stage or image. */
  sources: SourceTree;
  /** sha256 of a regular file's content (remembered by stat); `body` reads it, when not `file` itself. */
  fileDigest: (file: string, stat: FileStats, body?: () => AsyncIterable<Uint8Array>) => Promise<string>;
  /** Downloads an ADD URL into a temp file. */
  download: (url: string) => Promise<{ file: string; lastModified?: number }>;
}

export interface CopyInputs {
  instruction: CopyInstruction | AddInstruction;
  /** The image being built on (for destinations, parents and `--chown` names). */
  base: SourceTree;
  workdir: string;
  now: number;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export async function readSources(o: SourceInputs): Promise<CopySources> {
  const i = o.instruction;
  const matches = await matchSources(o, new PathMatcher(i.exclude.map((f) => f.value ?? '')));
  // Fields end in NUL, which no path, link target or URL holds, and every record has six:
  // the text parses one way only (and costs less than JSON of a thousand small arrays).
  const records: string[] = [];
  const record = (name: string, kind: string, mode: number | '', owner: string, link: string, digest: string) => records.push(`${name}\0${kind}\0${mode}\0${owner}\0${link}\0${digest}\0`);
  for (const f of i.contents) record(f.name, 'inline', '', '', '', cacheKey(f.data));
  const tree = o.sources;
  for (const m of matches) {
    if (m.download) {
      record(m.download.url, 'url', '', '', '', m.download.digest);
      continue;
    }
    for (const e of [m.entry!, ...(m.below ?? [])]) {
      const s = e.stat;
      const kind = s.isFile() ? 'f' : s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : 'other';
      const { uid, gid } = tree.owner(e);
      record(e.rel, kind, s.mode & 0o7777, `${uid}:${gid}`, kind === 'l' ? await tree.readlink(e) : '', kind === 'f' ? await o.fileDigest(e.hostPath, s, () => tree.read(e)) : '');
    }
  }
  const kind = matches.length + i.contents.length > 1 ? 'multi' : matches[0]?.entry?.stat.isDirectory() ? 'dir' : 'file';
  return { digest: createHash('sha256').update(records.join('')).digest('hex'), matches, tree, kind };
}

export async function planCopy(o: CopyInputs, sources: CopySources): Promise<CopyPlan> {
  const i = o.instruction;
  const owner = i.chown?.value ? await resolveChown(i.chown.value, o.base) : undefined;
  const chmod = i.chmod?.value ? parseChmod(i.chmod.value) : undefined;
  const destText = i.destination.value;
  const destAbs = path.posix.join(destText.startsWith('/') ? '/' : o.workdir || '/', destText);
  const dest = i.link ? destAbs.slice(1) : await o.base.realPath(destAbs);
  const matches = sources.matches;
  const destIsDir = /(^|\/)\.$|\/$/.test(destText) || matches.length + i.contents.length > 1 || matches.some((m) => m.glob) || (await o.base.get(dest))?.stat.isDirectory() === true;
  const entries = new Map<string, LayerEntry>();
  const archives: ArchiveSource[] = [];
  const put = (e: LayerEntry) => entries.set(e.rel, { ...e, ...(owner && { uid: owner.uid, gid: owner.gid }), ...(chmod !== undefined && e.type !== 'symlink' && { mode: chmod }) });
  const target = (name: string) => (destIsDir ? joinRel(dest, name) : dest);
  const from = (e: SourceEntry, rel: string) => fromSource(sources.tree, e, rel);

  for (const file of i.contents) put(inlineEntry(file, target(file.name), o.now));
  for (const m of matches) {
    if (m.download) {
      const name = path.posix.basename(new URL(m.download.url).pathname) || 'index.html';
      const { file, stat } = m.download;
      put({ rel: target(name), type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: m.download.lastModified ?? o.now, size: stat.size, body: () => fileBody(file, stat.size) });
      continue;
    }
    const e = m.entry!;
    const at = i.kind === 'copy' && i.parents ? joinRel(dest, e.rel) : undefined;
    if (e.stat.isDirectory()) {
      const into = at ?? dest;
      // A directory the copy makes takes the source's attributes; one already there keeps
      // its own (BuildKit's copy), unless --link, whose layer knows nothing of the base.
      const made = into !== '' && !entries.has(into) && (i.link || !(await o.base.get(into))?.stat.isDirectory());
      if (made) put(await from(e, into));
      for (const below of m.below!) put(await from(below, joinRel(into, below.rel.slice(e.rel === '' ? 0 : e.rel.length + 1))));
    } else if (i.kind === 'add' && i.unpack !== false && (await isArchive(e.hostPath))) {
      archives.push({ hostPath: e.hostPath, dest: at ?? dest, ...(owner && { owner }) });
    } else {
      put(await from(e, at ?? target(path.posix.basename(e.rel))));
    }
  }
  // An archive's destination is a directory the layer must hold too: `<dest>/-` makes it a parent.
  const needParents = [...entries.keys(), ...archives.map((a) => joinRel(a.dest, '-'))];
  await addParents(entries, needParents, o.base, owner, o.now, i.link);
  const sorted = [...entries.values()].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { entries: sorted, archives };
}

interface Match {
  entry?: SourceEntry;
  /** A directory's entries, `--exclude` applied. */
  below?: SourceEntry[];
  /** An ADD URL, downloaded; `digest`: its content's sha256. */
  download?: { url: string; file: string; stat: fs.Stats; digest: string; lastModified?: number };
  glob: boolean;
}

async function matchSources(o: SourceInputs, excludes: PathMatcher): Promise<Match[]> {
  const out: Match[] = [];
  const add = async (entry: SourceEntry, glob: boolean) => {
    const inside = (e: SourceEntry) => e.rel.slice(entry.rel === '' ? 0 : entry.rel.length + 1);
    const below = entry.stat.isDirectory() ? (await o.sources.below(entry.rel)).filter((e) => excludes.empty || !(excludes.excludes(inside(e)) || excludes.excludes(e.rel))) : undefined;
    out.push({ entry, below, glob });
  };
  for (const word of o.instruction.sources) {
    const src = word.value;
    if (isUrl(src)) {
      if (o.instruction.kind !== 'add') throw invalidArgument(`COPY cannot take a URL (${src}); use ADD, or download it in a RUN.`);
      const got = await o.download(src);
      const stat = fs.statSync(got.file);
      // Hashed once, for --checksum and the cache key both (a fresh download's digest is not remembered).
      const digest = await o.fileDigest(got.file, stat);
      if (o.instruction.checksum?.value) verifyChecksum(digest, o.instruction.checksum.value);
      out.push({ download: { url: src, file: got.file, stat, digest, lastModified: got.lastModified }, glob: false });
      continue;
    }
    if (/^git@|\.git(#|$)/.test(src)) throw invalidArgument(`ADD of a git repository (${src}) is not supported by Berth; clone it in the context, or in a RUN.`);
    const clean = path.posix.normalize(`/${src}`).slice(1).replace(/\/$/, '');
    if (hasGlob(clean)) {
      const found = o.sources.paths().filter((p) => matchGlob(clean, p) && !excludes.excludes(p));
      if (found.length === 0) throw invalidArgument(`no source files were specified: '${src}' matches nothing in the build context (or everything it matches is excluded).`);
      for (const p of found) await add((await o.sources.resolve(p))!, true);
      continue;
    }
    const entry = await o.sources.resolve(clean);
    if (!entry) throw invalidArgument(`'${src}' was not found in the build context, or it is excluded by .dockerignore.`);
    await add(entry, false);
  }
  return out;
}

function joinRel(dir: string, name: string): string {
  return dir === '' ? name : name === '' ? dir : `${dir}/${name}`;
}

/** A source entry as a layer entry at `rel`: its owner, mode and time, its body read through the tree. */
export async function fromSource(tree: SourceTree, e: SourceEntry, rel: string): Promise<LayerEntry> {
  const base = { rel, mode: e.stat.mode & 0o7777, ...tree.owner(e), mtime: Math.floor(e.stat.mtimeMs / 1000), size: 0 };
  if (e.stat.isDirectory()) return { ...base, type: 'directory' };
  if (e.stat.isSymbolicLink()) return { ...base, type: 'symlink', linkname: await tree.readlink(e) };
  if (!e.stat.isFile()) throw invalidArgument(`'${e.rel}' is not a file, directory or symlink; COPY cannot copy it.`);
  return { ...base, type: 'file', size: e.stat.size, body: () => tree.read(e) };
}

function inlineEntry(file: InlineFile, rel: string, now: number): LayerEntry {
  const data = Buffer.from(file.data);
  return { rel, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: Math.floor(now / 1000), size: data.length, data };
}

/** Every parent directory of every entry, as the base image has it or as a new 0755 one. */
async function addParents(entries: Map<string, LayerEntry>, rels: string[], base: SourceTree, owner: { uid: number; gid: number } | undefined, now: number, link: boolean): Promise<void> {
  for (const rel of rels) {
    const parts = rel.split('/');
    for (let n = parts.length - 1; n > 0; n--) {
      const dir = parts.slice(0, n).join('/');
      if (entries.has(dir)) continue;
      const existing = link ? undefined : await base.get(dir);
      if (existing?.stat.isDirectory()) {
        const s = existing.stat;
        entries.set(dir, { rel: dir, type: 'directory', mode: s.mode & 0o7777, ...base.owner(existing), mtime: Math.floor(s.mtimeMs / 1000), size: 0 });
      } else {
        entries.set(dir, { rel: dir, type: 'directory', mode: 0o755, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, mtime: Math.floor(now / 1000), size: 0 });
      }
    }
  }
}

async function resolveChown(spec: string, base: SourceTree): Promise<{ uid: number; gid: number }> {
  const [user, group] = spec.split(':', 2);
  const read = async (p: string) => {
    const e = await base.resolve(p);
    return e?.stat.isFile() ? base.readText(e) : '';
  };
  let uid: number;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const entry = parsePasswd(await read('/etc/passwd')).find((p) => p.name === user);
    if (!entry) throw invalidArgument(`--chown=${spec}: user '${user}' is not in the image's /etc/passwd; use a numeric uid.`);
    uid = entry.uid;
  }
  if (group === undefined || group === '') return { uid, gid: uid };
  if (/^\d+$/.test(group)) return { uid, gid: Number(group) };
  const g = parseGroup(await read('/etc/group')).find((x) => x.name === group);
  if (!g) throw invalidArgument(`--chown=${spec}: group '${group}' is not in the image's /etc/group; use a numeric gid.`);
  return { uid, gid: g.gid };
}

function parseChmod(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text)) throw invalidArgument(`--chmod=${text}: give an octal mode such as 755 or 0640.`);
  return parseInt(text, 8);
}

function verifyChecksum(actual: string, expected: string): void {
  const m = /^sha256:([a-f0-9]{64})$/.exec(expected);
  if (!m) throw invalidArgument(`--checksum=${expected}: write it as sha256:<64 hex digits>.`);
  if (actual !== m[1]) throw invalidArgument(`ADD --checksum: the download hashes to sha256:${actual}, not ${expected}.`);
}

/** A tar (plain, gzip or zstd) by its content, as ADD decides, never by its name. */
async function isArchive(file: string): Promise<boolean> {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const kind = sniffCompression(head.subarray(0, n));
    if (kind === 'none') return n >= 512 && head.toString('latin1', 257, 262) === 'ustar';
    if (kind === 'xz' || kind === 'bzip2') return false;
    for await (const chunk of decompress(createReadStream(file, { start: 0, end: 65535 }) as AsyncIterable<Uint8Array>, file)) {
      return Buffer.from(chunk).toString('latin1', 257, 262) === 'ustar';
    }
    return false;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** The planned layer as a tar stream. */
export async function* copyLayer(plan: CopyPlan, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for (const e of plan.entries) {
    signal?.throwIfAborted();
    const name = e.type === 'directory' ? `${e.rel}/` : e.rel;
    yield encodeHeader({ name, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, size: e.type === 'file' ? e.size : 0, linkname: e.linkname });
    if (e.type !== 'file') continue;
    if (e.data) yield e.data;
    else yield* e.body!();
    yield padding(e.size);
  }
  for (const a of plan.archives) yield* extracted(a, signal);
  yield END_OF_ARCHIVE;
}

/** An archive's entries moved under `dest` (ADD's auto-extraction). */
async function* extracted(a: ArchiveSource, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const what = `ADD ${path.basename(a.hostPath)}`;
  const under = (name: string) => joinRel(a.dest, entryPath(name, what));
  for await (const entry of readTar(decompress(createReadStream(a.hostPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>, what))) {
    signal?.throwIfAborted();
    const h = entry.header;
    const rel = under(h.name);
    if (rel === '') continue;
    const owner = a.owner ?? { uid: h.uid, gid: h.gid };
    yield encodeHeader({ ...h, ...owner, name: h.type === 'directory' ? `${rel}/` : rel, linkname: h.type === 'link' ? under(h.linkname) : h.linkname });
    if (h.type !== 'file') continue;
    for await (const chunk of entry.body()) yield Buffer.from(chunk);
    yield padding(h.size);
  }
}
