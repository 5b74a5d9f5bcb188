/**
 * The files of the store's extracted layers as a build reads them — COPY --from a stage
 * or an image, RUN's base, bind mounts from a stage — with Node's own calls where they
 * work: the fast path, and all of it as root.
 *
 * Rootless, Node is only the container's root user: a 0700 directory or a 0600 file of
 * another container user (a subordinate id), apt's 0700 `partial/` of `_apt`, a mode-000
 * file — whatever an earlier stage keeps private — is refused (EACCES). Those are read
 * through the helper's tree agent (../layer/tree-reader.ts), root of a user namespace with
 * the store's id maps, which sees them as the container's root would. One agent, started
 * on the first refusal, serves the whole `<root>/layers/` directory for the build.
 *
 * Stats are as lstat shows them on the host (owners are host ids: `owner` gives the
 * container's). Extracted layers never change, so a directory listed through the agent
 * is listed once.
 */
import * as fs from 'node:fs';
import { errnoCode } from '../errors';
import { toContainer } from '../idmap';
import { layersDir } from '../layer/layer';
import type { LayerContext } from '../layer/layer-store';
import type { FileStats } from '../layer/tree-agent';
import { TreeReader } from '../layer/tree-reader';

export interface Owner {
  uid: number;
  gid: number;
}

export class LayerFiles {
  readonly root: string;
  private readonly dir: string;
  private readonly reader: TreeReader;
  /** Directories (relative to `dir`) listed through the agent: name -> stat; undefined when absent. */
  private readonly listed = new Map<string, Promise<Map<string, FileStats> | undefined>>();

  constructor(private readonly ctx: LayerContext) {
    this.root = ctx.root;
    this.dir = layersDir(ctx.root);
    this.reader = new TreeReader(this.dir, ctx);
  }

  /** lstat semantics; undefined when absent. */
  async lstat(hostPath: string): Promise<FileStats | undefined> {
    try {
      return fs.lstatSync(hostPath, { throwIfNoEntry: false });
    } catch (err) {
      if (!this.reader.refused(err)) throw err;
    }
    // Refused: a directory on the way may not be searched. Its parent's listing has every
    // sibling's stat too, and a private directory is usually copied whole.
    const rel = this.rel(hostPath);
    const slash = rel.lastIndexOf('/');
    return (await this.listing(rel.slice(0, slash)))?.get(rel.slice(slash + 1));
  }

  readlink(hostPath: string): Promise<string> {
    return this.reader.readlink(this.rel(hostPath), false);
  }

  /** Exactly `size` bytes (what `lstat` said) of the regular file at `hostPath`. */
  read(hostPath: string, size: number): AsyncIterable<Buffer> {
    return this.reader.body(this.rel(hostPath), size, false);
  }

  /** A file's owner as the container sees it. */
  owner(stat: FileStats): Owner {
    const { uidMappings, gidMappings } = this.ctx.idMap;
    return { uid: toContainer(uidMappings, stat.uid) ?? 0, gid: toContainer(gidMappings, stat.gid) ?? 0 };
  }

  /** Ends the agent, if one was started. */
  close(): void {
    this.reader.close();
  }

  private rel(hostPath: string): string {
    if (!hostPath.startsWith(`${this.dir}/`)) throw new Error(`${hostPath} is not in the store's layers (${this.dir})`);
    return hostPath.slice(this.dir.length + 1);
  }

  private listing(dir: string): Promise<Map<string, FileStats> | undefined> {
    let found = this.listed.get(dir);
    if (!found) {
      found = this.reader.list(dir, true).then(
        (l) => new Map(l.entries.map((e) => [e.name, e.stat])),
        (err: unknown) => {
          if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
          this.listed.delete(dir);
          throw err;
        },
      );
      this.listed.set(dir, found);
    }
    return found;
  }
}
