/**
 * The build cache: `<root>/builds/cache/<key>.json`, one record per step result, written
 * atomically, so it survives restarts and several builds may share it. One small file per
 * key rather than one index: concurrent builds never rewrite each other's records, and a
 * build reads only the records its own steps name.
 *
 * A key is the sha256 of the parent state's key and what the step does (the expanded
 * instruction, the build args a RUN sees; for COPY the content digest of its sources and
 * the base's top chain id, which stands for the filesystem it copies into). A
 * record is only a hit if the blobs and extracted layers it names are still in the store:
 * GC does not know about the cache, so `rmi` or `image prune` may take a record's layers,
 * and the step then simply runs again.
 *
 * Content digests of context files are themselves cached by stat (`files/<context>.json`,
 * one per context directory, as BuildKit's content cache does), so a cached rebuild reads
 * no file it has read before.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { errnoCode } from '../errors';
import { chainIds, layerMetaPath } from '../layer/layer';
import type { FileStats } from '../layer/tree-agent';
import type { LocalContentStore } from '../store/content-store';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic';
import type { Digest } from '../store/digest';
import type { BuildState } from './build';

export function cacheKey(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * A file digest is trusted while the file's stat is unchanged. Any write moves ctime
 * (which no `touch -r` can restore); dev and ino catch a file replaced by another. Times in
 * whole microseconds: numbers compare without building a string per file.
 */
type Remembered = [dev: number, ino: number, size: number, mtimeUs: number, ctimeUs: number, digest: string];

const us = (ms: number) => Math.round(ms * 1000);

function unchanged(r: Remembered, stat: FileStats): boolean {
  return r[0] === stat.dev && r[1] === stat.ino && r[2] === stat.size && r[3] === us(stat.mtimeMs) && r[4] === us(stat.ctimeMs);
}

/**
 * Timestamps move in clock ticks: a file written again within the tick it was hashed in
 * keeps its stat. So a file changed in the last second is hashed but not remembered (git's
 * "racily clean" entries).
 */
const SETTLED_MS = 1000;

export class BuildCache {
  private fileDigests: Record<string, Remembered> | undefined;
  private fileDigestsChanged = false;
  /** Blobs and layers this build has seen in the store already: each is checked once. */
  private readonly present = new Set<string>();

  /** `context`: the build context directory, whose file digests this cache remembers. */
  constructor(
    readonly dir: string,
    private readonly content: LocalContentStore,
    private readonly root: string,
    private readonly context = '',
  ) {}

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private get digestsFile(): string {
    return path.join(this.dir, 'files', `${cacheKey(this.context).slice(0, 32)}.json`);
  }

  /**
   * The state a step with this key made before, if everything it needs is still stored.
   * Read synchronously: a record is a few kB, and a cached rebuild is a chain of them.
   */
  async get(key: string): Promise<BuildState | undefined> {
    let state: BuildState;
    try {
      state = JSON.parse(fs.readFileSync(this.file(key), 'utf8')) as BuildState;
    } catch {
      return undefined;
    }
    const wanted = [...state.layers.map((l) => this.content.blobPath(l.digest)), ...chainIds(state.config.rootfs.diff_ids).map((c) => layerMetaPath(this.root, c as Digest))];
    for (const file of wanted) {
      if (this.present.has(file)) continue;
      if (!fs.existsSync(file)) return undefined;
      this.present.add(file);
    }
    return state;
  }

  async put(state: BuildState): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(this.file(state.key), state, { durable: false });
  }

  /**
   * sha256 of a regular file's content, remembered by its stat: an unchanged file is not
   * read again. `body` reads it, `file` itself by default (a stage's private file goes
   * through the tree agent).
   */
  async fileDigest(file: string, stat: FileStats, body = (): AsyncIterable<Uint8Array> => fs.createReadStream(file, { highWaterMark: 1 << 20 })): Promise<string> {
    const digests = this.loadFileDigests();
    const known = digests[file];
    if (Array.isArray(known) && unchanged(known, stat)) return known[5];
    const hash = createHash('sha256');
    for await (const chunk of body()) hash.update(chunk);
    const digest = hash.digest('hex');
    if (Date.now() - Math.max(stat.mtimeMs, stat.ctimeMs) > SETTLED_MS) {
      digests[file] = [stat.dev, stat.ino, stat.size, us(stat.mtimeMs), us(stat.ctimeMs), digest];
      this.fileDigestsChanged = true;
    }
    return digest;
  }

  private loadFileDigests(): Record<string, Remembered> {
    if (!this.fileDigests) {
      try {
        this.fileDigests = JSON.parse(fs.readFileSync(this.digestsFile, 'utf8')) as Record<string, Remembered>;
      } catch (err) {
        // Missing, or torn by a crash (written without fsync): digests are only a shortcut.
        if (errnoCode(err) !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
        this.fileDigests = {};
      }
    }
    return this.fileDigests;
  }

  /** Writes the remembered file digests (once per build). */
  async flush(): Promise<void> {
    if (!this.fileDigestsChanged || !this.fileDigests) return;
    await fsp.mkdir(path.dirname(this.digestsFile), { recursive: true });
    await writeFileAtomic(this.digestsFile, JSON.stringify(this.fileDigests), { durable: false });
    this.fileDigestsChanged = false;
  }

  /** Forgets every record; returns how many there were. */
  async prune(): Promise<{ records: number }> {
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    const records = names.filter((n) => /^[a-f0-9]{64}\.json$/.test(n)).length;
    await fsp.rm(this.dir, { recursive: true, force: true });
    this.fileDigests = undefined;
    return { records };
  }
}
