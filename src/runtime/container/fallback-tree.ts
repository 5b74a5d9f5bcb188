/**
 * Reading a rootless container's files: with the plain tree (/proc/<pid>/root or the
 * stopped container's layers) wherever Node may read, the fast path; through the helper's
 * tree agent (./agent-tree.ts) where it is refused — a directory or file of another
 * container user that its mode keeps from others. The agent starts on the first refusal,
 * and a directory Node could not enter is read through it from then on, down to the
 * bottom: a stream (`cp` out) switches over mid-walk without starting again.
 *
 * Handles carry the directory's path from the container's root, which is what the agent
 * works with: both trees show the same container, so a path means the same to each.
 */
import { isPermissionDenied as refused } from '../errors';
import type { IdMap } from '../idmap';
import { childPath } from '../snapshot/merged-view';
import type { AgentTree } from './agent-tree';
import type { ReadTree, TreeEntry } from './container-tree';
import type { Step } from './path-resolver';

/** `plain` is absent once Node could not enter the directory. */
export interface Handle<D> {
  plain?: D;
  path: string;
}

export class FallbackTree<D> implements ReadTree<Handle<D>> {
  readonly root: Handle<D>;
  readonly idMap: IdMap;
  private agent?: Promise<AgentTree>;

  constructor(
    private readonly plain: ReadTree<D>,
    private readonly openAgent: () => Promise<AgentTree>,
  ) {
    this.root = { plain: plain.root, path: '' };
    this.idMap = plain.idMap;
  }

  private through(): Promise<AgentTree> {
    this.agent ??= this.openAgent();
    return this.agent;
  }

  /** `plain` first, the agent when Node is refused (or could not enter `dir`). */
  private async either<T>(dir: Handle<D>, plain: (d: D) => Promise<T>, agent: (a: AgentTree, p: string) => Promise<T>): Promise<T> {
    if (dir.plain !== undefined) {
      try {
        return await plain(dir.plain);
      } catch (err) {
        if (!refused(err)) throw err;
      }
    }
    return agent(await this.through(), dir.path);
  }

  pathOf(dir: Handle<D>): string {
    return dir.path;
  }

  step(dir: Handle<D>, name: string): Promise<Step> {
    return this.either(dir, (d) => this.plain.step(d, name), (a, p) => a.step(p, name));
  }

  async enter(dir: Handle<D>, name: string): Promise<Handle<D>> {
    const path = childPath(dir.path, name);
    if (dir.plain === undefined) return { path };
    try {
      return { plain: await this.plain.enter(dir.plain, name), path };
    } catch (err) {
      if (!refused(err)) throw err;
      return { path };
    }
  }

  release(dir: Handle<D>): void {
    if (dir.plain !== undefined) this.plain.release(dir.plain);
  }

  lookup(dir: Handle<D>, name: string): Promise<TreeEntry | undefined> {
    return this.either(dir, (d) => this.plain.lookup(d, name), (a, p) => a.lookup(p, name));
  }

  async lookupRoot(): Promise<TreeEntry> {
    return this.plain.lookupRoot().catch(async (err: unknown) => {
      if (!refused(err)) throw err;
      return (await this.through()).lookupRoot();
    });
  }

  list(dir: Handle<D>): Promise<string[]> {
    return this.either(dir, (d) => this.plain.list(d), (a, p) => a.list(p));
  }

  readlink(dir: Handle<D>, name: string): Promise<string> {
    return this.either(dir, (d) => this.plain.readlink(d, name), (a, p) => a.readlink(p, name));
  }

  /** A refusal comes when the file is opened, before its first byte: the agent takes it from there. */
  async *read(dir: Handle<D>, name: string, size: number): AsyncGenerator<Buffer> {
    if (dir.plain !== undefined) {
      let bytes: AsyncIterator<Buffer> | undefined;
      let first: IteratorResult<Buffer> | undefined;
      try {
        bytes = this.plain.read(dir.plain, name, size)[Symbol.asyncIterator]();
        first = await bytes.next();
      } catch (err) {
        if (!refused(err)) throw err;
      }
      if (bytes !== undefined && first !== undefined) {
        if (first.done) return;
        yield first.value;
        yield* { [Symbol.asyncIterator]: () => bytes };
        return;
      }
    }
    yield* (await this.through()).read(dir.path, name, size);
  }

  close(): void {
    this.plain.close();
    void this.agent?.then((agent) => agent.close()).catch(() => undefined);
  }
}
