/**
 * The build cache: `<root>/builds/cache/<key>.json`, one record per step result, written
 * atomically, so it survives restarts and several builds may share it.
 *
 * A key is the sha256 of the parent state's key and what the step does (the expanded
 * instruction, the build args a RUN sees, the content digest of what COPY copies). A
 * record is only a hit if the blobs and extracted layers it names are still in the store:
 * GC does not know about the cache, so `rmi` or `image prune` may take a record's layers,
 * and the step then simply runs again.
 *
 * Content digests of context files are themselves cached by path, size, mtime, ctime and
 * inode (`files.json`), so a cached rebuild reads no file it has read before.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { chainIds, hasLayer } from '../layer/layer';
import type { LocalContentStore } from '../store/content-store';
import { readJsonOr, writeJsonAtomic } from '../store/atomic';
import type { BuildState } from './build';

export function cacheKey(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

interface FileDigest {
  stat: string;
  digest: string;
}

export class BuildCache {
  private fileDigests: Map<string, FileDigest> | undefined;
  private fileDigestsChanged = false;

  constructor(
    readonly dir: string,
    private readonly content: LocalContentStore,
    private readonly root: string,
  ) {}

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  /** The state a step with this key made before, if everything it needs is still stored. */
  async get(key: string): Promise<BuildState | undefined> {
    const state = await readJsonOr<BuildState | undefined>(this.file(key), undefined).catch(() => undefined);
    if (!state) return undefined;
    for (const layer of state.layers) if (!(await this.content.has(layer.digest))) return undefined;
    for (const chainId of chainIds(state.config.rootfs.diff_ids)) if (!(await hasLayer(this.root, chainId))) return undefined;
    return state;
  }

  async put(state: BuildState): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(this.file(state.key), state, { durable: false });
  }

  /**
   * sha256 of a regular file's content, remembered by its stat: an unchanged file is not
   * read again. A file whose mtime is "now" is not remembered, since a write in the same
   * clock tick would not change it.
   */
  async fileDigest(file: string, stat: fs.Stats): Promise<string> {
    const digests = await this.loadFileDigests();
    const signature = `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}`;
    const known = digests.get(file);
    if (known?.stat === signature) return known.digest;
    const hash = createHash('sha256');
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    const digest = hash.digest('hex');
    if (Date.now() - stat.mtimeMs > 1000) {
      digests.set(file, { stat: signature, digest });
      this.fileDigestsChanged = true;
    }
    return digest;
  }

  private async loadFileDigests(): Promise<Map<string, FileDigest>> {
    this.fileDigests ??= new Map(Object.entries(await readJsonOr<Record<string, FileDigest>>(path.join(this.dir, 'files.json'), {}).catch(() => ({}))));
    return this.fileDigests;
  }

  /** Writes the remembered file digests (once per build). */
  async flush(): Promise<void> {
    if (!this.fileDigestsChanged || !this.fileDigests) return;
    await fsp.mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(path.join(this.dir, 'files.json'), Object.fromEntries(this.fileDigests), { durable: false });
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
