/**
 * Container names → ids: one symlink per name in `<root>/containers/.names/`, pointing at
 * the id, so that creating a container and finding one by name read one entry instead
 * of every container's record (a store with 500 containers: 1 readlink against 1,000
 * file reads).
 *
 * container.json stays the truth. The index may hold stale entries (a remover killed
 * before it unlinked, a create that never finished), but never misses the name of a
 * live container: create makes the entry before container.json, remove unlinks it
 * after. Creators hold the store's containers.lock from the entry to container.json and
 * removers hold it to unlink, so under the lock an entry whose container has no record
 * by that name is stale and may be taken over. A store from before the index has it
 * built from the records, once, under the lock.
 *
 * An entry's target is the id in base64url (43 characters), not in hex (64): a target of
 * up to 59 bytes fits in an ext4 inode, a longer one takes a block of its own, which a
 * removal then frees — on a disk mounted with `discard` and no journal, a synchronous
 * discard of a third of a millisecond for every container. Hex targets of older stores
 * are read as well.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode } from '../errors';

const HEX_ID = /^[0-9a-f]{64}$/;

function targetOf(id: string): string {
  return HEX_ID.test(id) ? Buffer.from(id, 'hex').toString('base64url') : id;
}

function idOf(target: string): string {
  return /^[A-Za-z0-9_-]{43}$/.test(target) ? Buffer.from(target, 'base64url').toString('hex') : target;
}

export class NameIndex {
  private known = false;

  /** `nameOf(id)`: the name in that container's record, undefined without a record. */
  constructor(
    readonly dir: string,
    private readonly nameOf: (id: string) => string | undefined,
  ) {}

  /** Whether the store has an index yet (before that, names are found in the records). */
  exists(): boolean {
    this.known ||= fs.existsSync(this.dir);
    return this.known;
  }

  /** The id a name points at, stale or not; undefined when no entry. */
  lookup(name: string): string | undefined {
    try {
      return idOf(fs.readlinkSync(path.join(this.dir, name)));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Under the lock: points `name` at `id`, unless a live container has it (false). */
  claim(name: string, id: string): boolean {
    const entry = path.join(this.dir, name);
    for (;;) {
      try {
        fs.symlinkSync(targetOf(id), entry);
        return true;
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
      }
      const holder = this.lookup(name);
      if (holder !== undefined && this.nameOf(holder) === name) return false;
      fs.rmSync(entry, { force: true });
    }
  }

  /** Under the lock: drops `name`'s entry if it still points at `id`. */
  release(name: string, id: string): void {
    if (this.lookup(name) === id) fs.rmSync(path.join(this.dir, name), { force: true });
  }

  /** Under the lock: builds the index of a store that has none from its records. */
  async ensure(records: () => Promise<{ id: string; name: string }[]>): Promise<void> {
    if (this.exists()) return;
    const temp = `${this.dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.mkdirSync(temp, { recursive: true });
    for (const { id, name } of await records()) {
      try {
        fs.symlinkSync(targetOf(id), path.join(temp, name));
      } catch (err) {
        // One name in two records (a hand-edited store): the first keeps the entry.
        if (errnoCode(err) !== 'EEXIST') throw err;
      }
    }
    // Whole or not at all: a reader never sees half an index.
    fs.renameSync(temp, this.dir);
    this.known = true;
  }
}
