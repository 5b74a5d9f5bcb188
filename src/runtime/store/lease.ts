/**
 * Leases: a process's claim on blobs and layers it is still working with.
 *
 * A lease is `<root>/leases/<id>.json` listing digests and layer chain ids. Its owner
 * binds the abstract unix socket `berth-lease-<store>-<id>` for the lease's lifetime; the
 * kernel drops that binding when the process dies, however it dies. So liveness is one
 * bind() attempt (EADDRINUSE = alive), with no pid reuse to worry about — the same trick
 * as ./lock.ts.
 *
 * Temp files and temp layer dirs carry their lease id in their name (`tmp/<id>-…`,
 * `layers/.tmp-<id>-…`), so GC removes the leftovers of a dead process along with its
 * lease and never touches those of a live one.
 *
 * Extending a lease (`add`) takes the store lock, so it is ordered against GC sweeps:
 * whatever a sweep does not see in a lease, it saw before the lease covered it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import type * as net from 'node:net';
import * as path from 'node:path';
import { errnoCode } from '../errors';
import { readJsonOr, writeJsonAtomicSync } from './atomic';
import type { Digest } from './digest';
import { bindAbstract, unbind, withLock } from './lock';
import { leasesDir, storeLockPath } from './store';

export interface LeaseRecord {
  id: string;
  pid: number;
  created: string;
  digests: Digest[];
  chainIds: string[];
}

function socketName(root: string, id: string): string {
  const store = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 16);
  return `\0berth-lease-${store}-${id}`;
}

export class Lease {
  private readonly digests = new Set<Digest>();
  private readonly chainIds = new Set<string>();
  private released = false;

  private constructor(
    readonly root: string,
    readonly id: string,
    private readonly server: net.Server,
  ) {}

  /** Takes a new lease on the store at `root` (held until `release` or process death). */
  static async create(root: string): Promise<Lease> {
    mkdirSync(leasesDir(root), { recursive: true });
    for (;;) {
      const id = randomBytes(8).toString('hex');
      const server = await bindAbstract(socketName(root, id));
      if (!server) continue;
      const lease = new Lease(root, id, server);
      lease.write();
      return lease;
    }
  }

  get file(): string {
    return path.join(leasesDir(this.root), `${this.id}.json`);
  }

  /** Prefix for temp files and dirs owned by this lease. */
  get tempPrefix(): string {
    return `${this.id}-`;
  }

  has(digest: Digest): boolean {
    return this.digests.has(digest);
  }

  /** Extends the lease, durably and under the store lock (see the header). */
  async add(items: { digests?: Digest[]; chainIds?: string[] }): Promise<void> {
    const before = this.digests.size + this.chainIds.size;
    for (const d of items.digests ?? []) this.digests.add(d);
    for (const c of items.chainIds ?? []) this.chainIds.add(c);
    if (this.digests.size + this.chainIds.size === before) return;
    await withLock(storeLockPath(this.root), async () => this.write());
  }

  /**
   * Synchronous: a lease record is a few hundred bytes written on every load's and pull's
   * critical path, where libuv thread-pool round trips (open, write, close, rename) take
   * longer than the system calls.
   */
  private write(): void {
    const record: LeaseRecord = {
      id: this.id,
      pid: process.pid,
      created: new Date().toISOString(),
      digests: [...this.digests],
      chainIds: [...this.chainIds],
    };
    // A lease means nothing after a reboot (its owner is gone), so no fsync.
    writeJsonAtomicSync(this.file, record);
  }

  /** Drops the lease; what it protected is now collectable unless referenced. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await fs.rm(this.file, { force: true });
    await unbind(this.server);
  }
}

/** True while the process that took lease `id` is alive and has not released it. */
export async function isLeaseAlive(root: string, id: string): Promise<boolean> {
  const probe = await bindAbstract(socketName(root, id));
  if (!probe) return true;
  await unbind(probe);
  return false;
}

/**
 * Reads every lease; removes the files of dead ones. Call under the store lock (GC does),
 * so that the live set cannot grow behind the caller's back.
 */
export async function liveLeases(root: string): Promise<LeaseRecord[]> {
  let names: string[];
  try {
    names = await fs.readdir(leasesDir(root));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const live: LeaseRecord[] = [];
  for (const name of names) {
    const match = /^([0-9a-f]{16})\.json$/.exec(name);
    const file = path.join(leasesDir(root), name);
    if (!match) {
      // An atomic-write temp file of a lease (`.<id>.json.<pid>.<rand>.tmp`, ../store/atomic.ts):
      // left behind when its owner died mid-write, so it goes with the dead lease; anything
      // else unrecognised goes once it is old enough to be nobody's.
      const temp = /^\.([0-9a-f]{16})\.json\.\d+\.[0-9a-f]+\.tmp$/.exec(name);
      const stat = await fs.stat(file).catch(() => undefined);
      const dead = temp ? !(await isLeaseAlive(root, temp[1])) : stat !== undefined && Date.now() - stat.mtimeMs > 60_000;
      if (dead) await fs.rm(file, { force: true });
      continue;
    }
    if (!(await isLeaseAlive(root, match[1]))) {
      await fs.rm(file, { force: true });
      continue;
    }
    const record = await readJsonOr<LeaseRecord | undefined>(file, undefined).catch(() => undefined);
    if (record) live.push(record);
  }
  return live;
}
