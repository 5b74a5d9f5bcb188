/**
 * A build's lease (../store/lease.ts), taken only once the build writes to the store.
 *
 * What a build reads from the store — base images, cache hits, `--from` images — must stay
 * there until the build is done with it. Leasing each read would cost a locked file write
 * per cached step. Instead reads are *held*: found present when read, and leased in one
 * write before the build first builds on them (a step that misses, a new image). Then they
 * are checked again: GC takes nothing leased, so what is present after the write stays.
 * A rebuild that hits every step and names an image that already exists writes nothing,
 * and never takes a lease.
 */
import { BerthError } from '../errors';
import { removeLeaseTemps } from '../image/archive-load';
import { hasLayer } from '../layer/layer';
import type { LayerContext } from '../layer/layer-store';
import type { LocalContentStore } from '../store/content-store';
import type { Digest } from '../store/digest';
import { Lease } from '../store/lease';

export class BuildLease {
  private lease?: Promise<Lease>;
  private taken?: Lease;
  private flushing: Promise<unknown> = Promise.resolve();
  private digests = new Set<Digest>();
  private chainIds = new Set<string>();

  constructor(
    private readonly content: LocalContentStore,
    private readonly layers: LayerContext,
  ) {}

  /** Content the build uses, found present: leased by the next `protect`. */
  hold(items: { digests?: Digest[]; chainIds?: string[] }): void {
    for (const d of items.digests ?? []) this.digests.add(d);
    for (const c of items.chainIds ?? []) this.chainIds.add(c);
  }

  /**
   * The lease, holding everything held so far. Fails with `unavailable` if GC removed some
   * of it before it was leased (an `image prune` racing the build): running again rebuilds
   * what is gone.
   */
  async protect(): Promise<Lease> {
    this.lease ??= Lease.create(this.content.root);
    const lease = await this.lease;
    this.taken = lease;
    // One flush at a time: a caller returns only once what it held, even if an earlier
    // caller took it into its flush, is leased and checked.
    const flushed = this.flushing.then(() => this.flush(lease));
    this.flushing = flushed.catch(() => undefined);
    await flushed;
    return lease;
  }

  private async flush(lease: Lease): Promise<void> {
    const digests = [...this.digests];
    const chainIds = [...this.chainIds];
    this.digests = new Set();
    this.chainIds = new Set();
    if (digests.length + chainIds.length === 0) return;
    await lease.add({ digests, chainIds });
    for (const d of digests) if (!(await this.content.has(d))) throw gone(d);
    for (const c of chainIds) if (!(await hasLayer(this.layers.root, c as Digest))) throw gone(c);
  }

  /** The lease `protect` took, for what only runs after it (RUN's containers). */
  get current(): Lease {
    if (!this.taken) throw new BerthError('internal', 'The build used its lease before taking it.');
    return this.taken;
  }

  /** Removes the lease's temp files and drops it, if one was taken. */
  async release(): Promise<void> {
    if (!this.lease) return;
    const lease = await this.lease;
    await removeLeaseTemps(this.layers, lease).catch(() => undefined);
    await lease.release();
  }
}

function gone(what: string): BerthError {
  return new BerthError('unavailable', `${what}, which this build's cache or base image uses, was removed from the store during the build (an image prune?). Run the build again.`);
}
