/**
 * Creating a layer's leaves — symbolic links and small files — on libuv's thread pool
 * while the extraction goes on parsing the tar.
 *
 * Creating an inode is kernel CPU time (tens of µs on ext4, more in a block group that
 * lost inodes recently), and a layer is mostly leaves: busybox is 400 links to one
 * binary, a Debian layer ten thousand small files. Done synchronously, that time adds to
 * the parsing, hashing and bookkeeping of the main thread; queued here it runs beside
 * them on the other cores. Each leaf is a short chain of calls (create, owner, times,
 * close) and leaves never depend on each other, so their order does not matter; what
 * does depend on a leaf (a hard link to it, an entry replacing it, the directory times
 * set at the end) waits for `drain()` first.
 *
 * Bounded: at most MAX_OPS leaves and MAX_BYTES of file bodies (views into the input
 * chunks) are in flight; `room()` waits below both before the next one is queued.
 */
import * as fs from 'node:fs';

const MAX_OPS = 64;
const MAX_BYTES = 8 << 20;

type Done = (err?: NodeJS.ErrnoException | null) => void;

/** What a leaf gets once created: an owner to set (undefined: leave it), its times, a mode to force. */
export interface LeafAttrs {
  owner?: { uid: number; gid: number };
  /** Set after the chown, which clears set-id bits (undefined: the create mode stands). */
  chmod?: number;
  mtime: number;
}

export class LeafWriter {
  private inFlight = 0;
  private bytes = 0;
  private error: NodeJS.ErrnoException | undefined;
  private waiters: Array<() => void> = [];

  get pending(): boolean {
    return this.inFlight > 0;
  }

  /** Waits until another leaf may be queued; throws the first failure so far. */
  async room(): Promise<void> {
    while (this.inFlight >= MAX_OPS || this.bytes >= MAX_BYTES) await this.next();
    this.check();
  }

  /** Waits for every queued leaf; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.check();
  }

  /** Waits for every queued leaf, whatever happened to them (before a failed extraction's cleanup). */
  async settle(): Promise<void> {
    while (this.inFlight > 0) await this.next();
  }

  symlink(target: string, file: string, attrs: LeafAttrs): void {
    this.start(0);
    fs.symlink(target, file, (err) => {
      if (err) return this.finish(0, err);
      const times: Done = (e) => (e ? this.finish(0, e) : fs.lutimes(file, attrs.mtime, attrs.mtime, (e2) => this.finish(0, e2)));
      if (attrs.owner) fs.lchown(file, attrs.owner.uid, attrs.owner.gid, times);
      else times();
    });
  }

  /** A new file (O_EXCL|O_NOFOLLOW: never through a link, never over something) with `body`. */
  file(file: string, flags: number, mode: number, body: Buffer[], attrs: LeafAttrs): void {
    const size = body.reduce((n, b) => n + b.length, 0);
    this.start(size);
    fs.open(file, flags, mode, (err, fd) => {
      if (err) return this.finish(size, err);
      const close: Done = (e) => fs.close(fd, (e2) => this.finish(size, e ?? e2));
      const times: Done = (e) => (e ? close(e) : fs.futimes(fd, attrs.mtime, attrs.mtime, close));
      const chmod: Done = (e) => (e || attrs.chmod === undefined ? times(e) : fs.fchmod(fd, attrs.chmod, times));
      const chown: Done = (e) => (e || !attrs.owner ? chmod(e) : fs.fchown(fd, attrs.owner.uid, attrs.owner.gid, chmod));
      writeAll(fd, body, chown);
    });
  }

  private start(bytes: number): void {
    this.inFlight++;
    this.bytes += bytes;
  }

  private finish(bytes: number, err?: NodeJS.ErrnoException | null): void {
    this.inFlight--;
    this.bytes -= bytes;
    if (err) this.error ??= err;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private check(): void {
    if (this.error) throw this.error;
  }
}

/** writev until every byte of `pieces` is written (a short write resumes where it stopped). */
function writeAll(fd: number, pieces: Buffer[], done: Done): void {
  if (pieces.length === 0) return done();
  fs.writev(fd, pieces, (err, written) => {
    if (err) return done(err);
    let rest = pieces;
    let left = written;
    while (rest.length > 0 && left >= rest[0].length) {
      left -= rest[0].length;
      rest = rest.slice(1);
    }
    if (rest.length > 0 && left > 0) rest = [rest[0].subarray(left), ...rest.slice(1)];
    writeAll(fd, rest, done);
  });
}
