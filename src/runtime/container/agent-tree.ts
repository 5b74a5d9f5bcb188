/**
 * A container's tree through the helper's tree agent (../layer/tree-agent.ts): root of a
 * user namespace holding the container's ids, so it reads and writes every file the way
 * the container's root user would — `docker cp` semantics for a rootless Berth, whose own
 * process is only the container's root as far as the files it owns go.
 *
 * Its root is the running container's /proc/<pid>/root, or the stopped container's
 * overlay, mounted by the agent alone: either way the kernel's overlay does the copy-ups,
 * whiteouts and opaque directories, and nothing is left for `finish`. Handles are paths
 * from the root; the agent resolves each without following a symlink, so one swapped in
 * between two calls is refused (ELOOP), never followed.
 */
import { errnoCode } from '../errors';
import type { IdMap } from '../idmap';
import type { TreeAgent } from '../layer/tree-agent';
import { childPath } from '../snapshot/merged-view';
import { type ContainerTree, type NewEntry, type TreeEntry, stepOf } from './container-tree';
import type { Step } from './path-resolver';

/** The agent's form: times in milliseconds. */
function agentAttrs<A extends Omit<NewEntry, 'mode'>>({ mtime, ...rest }: A): Omit<A, 'mtime'> & { mtimeMs?: number } {
  return { ...rest, ...(mtime !== undefined && { mtimeMs: mtime * 1000 }) };
}

export class AgentTree implements ContainerTree<string> {
  readonly root = '';

  constructor(
    private readonly agent: TreeAgent,
    readonly idMap: IdMap,
  ) {}

  pathOf(dir: string): string {
    return dir;
  }

  async step(dir: string, name: string): Promise<Step> {
    const entry = await this.lookup(dir, name);
    return entry && stepOf(entry.stat, () => this.readlink(dir, name));
  }

  async enter(dir: string, name: string): Promise<string> {
    return childPath(dir, name);
  }

  release(): void {
    // Paths hold nothing.
  }

  async lookup(dir: string, name: string): Promise<TreeEntry | undefined> {
    try {
      return { stat: await this.agent.lstat(childPath(dir, name)) };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  async lookupRoot(): Promise<TreeEntry> {
    return { stat: await this.agent.lstat('') };
  }

  async list(dir: string): Promise<string[]> {
    return (await this.agent.list(dir)).map((e) => e.name);
  }

  read(dir: string, name: string, size: number): AsyncIterable<Buffer> {
    return this.agent.read(childPath(dir, name), size);
  }

  readlink(dir: string, name: string): Promise<string> {
    return this.agent.readlink(childPath(dir, name));
  }

  /** One round trip: the agent replaces, writes and chowns — to 0:0 too, when asked (a setgid directory gives its group to what is made in it). */
  createFile(dir: string, name: string, body: AsyncIterable<Uint8Array> | Uint8Array, attrs: NewEntry): Promise<void> {
    return this.agent.write(childPath(dir, name), body, agentAttrs(attrs));
  }

  mkdir(dir: string, name: string, mode: number): Promise<void> {
    return this.agent.mkdir(childPath(dir, name), mode);
  }

  symlink(dir: string, name: string, target: string, attrs: Omit<NewEntry, 'mode'>): Promise<void> {
    return this.agent.symlink(childPath(dir, name), target, agentAttrs(attrs));
  }

  link(fromDir: string, fromName: string, dir: string, name: string): Promise<void> {
    return this.agent.link(childPath(fromDir, fromName), childPath(dir, name));
  }

  setDirectory(dir: string, name: string, mode: number, mtime: number): Promise<void> {
    return this.agent.attributes(childPath(dir, name), mode, mtime * 1000);
  }

  async clear(dir: string, name: string): Promise<boolean> {
    await this.agent.remove(childPath(dir, name));
    return false;
  }

  madeDirectory(): void {
    // The kernel's overlay marks it opaque itself.
  }

  move(fromDir: string, fromName: string, toDir: string, toName: string): Promise<void> {
    return this.agent.rename(childPath(fromDir, fromName), childPath(toDir, toName));
  }

  chown(dir: string, name: string, uid: number, gid: number, mode: number): Promise<void> {
    return this.agent.chown(childPath(dir, name), uid, gid, mode);
  }

  async finish(): Promise<void> {
    // Nothing waits: the kernel's overlay did it all.
  }

  close(): void {
    this.agent.close();
  }
}
