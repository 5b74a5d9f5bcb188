/**
 * Reading a directory tree for `commit`, build steps, `diff` and `import`: with Node's own
 * calls where they work — the fast path, and all of it as root — and rootless, through
 * the helper's tree agent (./tree-agent.ts) where Node is refused: a directory or file of
 * another container user that its mode keeps from others (EACCES). The agent starts on
 * the first refusal and serves the rest of the walk; everything below a directory it
 * listed is read through it too (`viaAgent`), since Node cannot even reach it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { invalidArgument, isPermissionDenied } from '../errors';
import { isIdentity } from '../idmap';
import type { LayerContext } from './layer-store';
import { type FileStats, type TreeAgent, type TreeDirEntry, byName } from './tree-agent';

export interface Listing {
  entries: TreeDirEntry[];
  /** Read through the agent: so must everything below be. */
  viaAgent: boolean;
}

const CHUNK = 1 << 20;

/** Exactly `size` bytes from an open file, which it closes; a file that shrank is an error. */
export async function* fdBody(fd: number, size: number, what: string): AsyncGenerator<Buffer> {
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      const n = fs.readSync(fd, buf, 0, buf.length, size - left);
      if (n === 0) throw invalidArgument(`${what} shrank while it was being archived; stop what is writing to it and retry.`);
      left -= n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export class TreeReader {
  private agent?: Promise<TreeAgent>;

  constructor(
    readonly root: string,
    private readonly ctx: Pick<LayerContext, 'idMap' | 'privileged'>,
  ) {}

  /** Rootless Node was refused what the container's root may do: the agent's turn. */
  refused(err: unknown): boolean {
    return isPermissionDenied(err) && !isIdentity(this.ctx.idMap);
  }

  private through(): Promise<TreeAgent> {
    const { uidMappings, gidMappings } = this.ctx.idMap;
    this.agent ??= this.ctx.privileged().then((helper) => helper.openTree({ path: this.root, uidMappings, gidMappings }));
    return this.agent;
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  /** The directory `rel` ('' for the root), sorted by name, each with its lstat. */
  async list(rel: string, viaAgent = false): Promise<Listing> {
    if (!viaAgent) {
      try {
        const dir = this.abs(rel);
        const entries = fs.readdirSync(dir).map((name) => ({ name, stat: fs.lstatSync(path.join(dir, name)) as FileStats }));
        return { entries: entries.sort(byName), viaAgent: false };
      } catch (err) {
        if (!this.refused(err)) throw err;
      }
    }
    return { entries: await (await this.through()).list(rel), viaAgent: true };
  }

  async readlink(rel: string, viaAgent: boolean): Promise<string> {
    if (!viaAgent) {
      try {
        return fs.readlinkSync(this.abs(rel));
      } catch (err) {
        if (!this.refused(err)) throw err;
      }
    }
    return (await this.through()).readlink(rel);
  }

  /** Exactly `size` bytes of the regular file `rel`. */
  async *body(rel: string, size: number, viaAgent: boolean): AsyncGenerator<Buffer> {
    let fd: number | undefined;
    if (!viaAgent) {
      try {
        fd = fs.openSync(this.abs(rel), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      } catch (err) {
        if (!this.refused(err)) throw err;
      }
    }
    if (fd !== undefined) yield* fdBody(fd, size, this.abs(rel));
    else yield* (await this.through()).read(rel, size);
  }

  /** Opaque directories below the root, through the agent (the helper's own walk was refused). */
  async opaque(userxattr: boolean): Promise<string[]> {
    return (await this.through()).opaque('', userxattr);
  }

  close(): void {
    void this.agent?.then((agent) => agent.close()).catch(() => undefined);
  }
}
