/**
 * The client of the helper's `tree` op (native/src/tree.h): one directory tree served by
 * a process that is root of a user namespace holding the container's ids.
 *
 * Rootless, Node is only the container's root user, and the files of the container's
 * other users (subordinate ids) that their modes keep from others — a 0700 home, apt's
 * `partial/` directories, a 0640 root:shadow file — are out of its reach: EACCES. The
 * agent reads and writes them as the container's root would, the way `podman unshare`
 * does. Its root is an upper dir (commit, build, diff), a running container's
 * /proc/<pid>/root, or a stopped container's overlay, which it mounts in a mount namespace
 * of its own so the kernel merges the layers and does copy-ups and whiteouts itself.
 *
 * Paths are relative to the root ('' for the root itself) and resolved by the agent
 * without following any symlink, the last component included. Stats come back as Node's
 * lstat would show them on the host — ids translated back through the maps — so they mix
 * with Node's own; `chown` takes container ids. Failures are errors with Node's `code`
 * (`EACCES`, `ENOENT`…), or BerthErrors for the helper's own codes.
 *
 * One request at a time: calls queue. A `read` holds the queue until its data is
 * consumed; a reader that stops early closes the agent.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { BerthError, type ErrorCode } from '../errors';
import { type IdMapping, toHost } from '../idmap';

/** The part of fs.Stats Berth reads; Node's own lstat results are FileStats too. */
export interface FileStats {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  dev: number;
  ino: number;
  rdev: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

export type TreeRoot =
  /** A directory of the host: an upper dir. */
  | { path: string }
  /** A running container's root, through /proc/<pid>/root. */
  | { pid: number }
  /** A stopped container: its overlay (the options of its OCI mount), mounted on `target`. */
  | { overlay: { target: string; options: string[] } };

/** Without maps (root), the agent runs as root of the host. */
export type TreeRequest = TreeRoot & { uidMappings?: IdMapping[]; gidMappings?: IdMapping[] };

export interface TreeDirEntry {
  name: string;
  stat: FileStats;
}

/** By name, as JavaScript compares strings: the order Berth's own walks use. */
export function byName(a: TreeDirEntry, b: TreeDirEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const enum Frame {
  json = 1,
  data = 2,
  end = 3,
}

const DATA_MAX = 1 << 20;
const S_IFMT = 0o170000;

type RawStat = Omit<FileStats, `is${string}`>;

class AgentStats implements FileStats {
  mode!: number;
  uid!: number;
  gid!: number;
  size!: number;
  nlink!: number;
  dev!: number;
  ino!: number;
  rdev!: number;
  atimeMs!: number;
  mtimeMs!: number;
  ctimeMs!: number;

  constructor(raw: RawStat) {
    Object.assign(this, raw);
  }

  private is(type: number): boolean {
    return (this.mode & S_IFMT) === type;
  }
  isFile = () => this.is(0o100000);
  isDirectory = () => this.is(0o040000);
  isSymbolicLink = () => this.is(0o120000);
  isCharacterDevice = () => this.is(0o020000);
  isBlockDevice = () => this.is(0o060000);
  isFIFO = () => this.is(0o010000);
  isSocket = () => this.is(0o140000);
}

type Answer = Record<string, unknown> & { ok: boolean; error?: { code: string; message: string } };

/** An agent's failure as Node would report it: errno names as `code`, the rest as BerthErrors. */
function agentError(error: { code: string; message: string }, path: string): Error {
  if (/^E[A-Z0-9]+$/.test(error.code)) return Object.assign(new Error(`${error.message} (${error.code})`), { code: error.code, path });
  const known: ErrorCode[] = ['invalid-argument', 'permission-denied', 'failed-precondition', 'conflict', 'already-exists'];
  return new BerthError(known.includes(error.code as ErrorCode) ? (error.code as ErrorCode) : 'internal', error.message);
}

/** Reads frames off the socket as they are needed (the socket's backpressure stays intact). */
class FrameReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(socket: Socket) {
    this.chunks = socket[Symbol.asyncIterator]();
  }

  private async more(): Promise<void> {
    const next = await this.chunks.next();
    if (next.done) throw Object.assign(new Error('the helper ended the tree connection'), { code: 'ECONNRESET' });
    this.buffered.push(next.value);
    this.length += next.value.length;
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.length = all.length - n;
    return all.subarray(0, n);
  }

  private async fill(n: number): Promise<Buffer> {
    while (this.length < n) await this.more();
    return this.take(n);
  }

  /** The first line of the connection: the op's JSON answer, before any frame. */
  async line(): Promise<string> {
    for (;;) {
      const at = Buffer.concat(this.buffered).indexOf(0x0a);
      if (at >= 0) return this.take(at + 1).toString('utf8', 0, at);
      await this.more();
    }
  }

  async next(): Promise<{ type: number; payload: Buffer }> {
    const head = await this.fill(5);
    return { type: head[0], payload: await this.fill(head.readUInt32BE(1)) };
  }
}

export class TreeAgent {
  private readonly reader: FrameReader;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  /** `socket`: the helper connection, past the op's answer. The maps are the request's. */
  constructor(
    private readonly socket: Socket,
    private readonly maps: { uidMappings?: IdMapping[]; gidMappings?: IdMapping[] },
  ) {
    this.reader = new FrameReader(socket);
    socket.on('error', () => undefined); // the reader sees the end and says so
  }

  /** Sends the op's request line; resolves with the helper's answer to it. */
  async handshake(requestLine: string): Promise<Record<string, unknown>> {
    await new Promise<void>((resolve, reject) => this.socket.write(requestLine, (err) => (err ? reject(err) : resolve())));
    return JSON.parse(await this.reader.line()) as Record<string, unknown>;
  }

  async lstat(path: string): Promise<FileStats> {
    return this.stats((await this.call({ op: 'lstat', path })).stat as RawStat);
  }

  /** Sorted `byName`. */
  async list(path: string): Promise<TreeDirEntry[]> {
    const entries = (await this.call({ op: 'list', path })).entries as (RawStat & { name: string })[];
    return entries.map(({ name, ...raw }) => ({ name, stat: this.stats(raw) })).sort(byName);
  }

  async readlink(path: string): Promise<string> {
    return (await this.call({ op: 'readlink', path })).target as string;
  }

  /** Exactly `size` bytes of the regular file `path`: one that shrank since it was looked at is an error. */
  async *read(path: string, size: number): AsyncGenerator<Buffer> {
    const release = await this.turn();
    let answered = false;
    try {
      await this.flush([frame(Frame.json, Buffer.from(JSON.stringify({ op: 'read', path, length: size })))]);
      let got = 0;
      for (;;) {
        const frame = await this.reader.next();
        if (frame.type === Frame.data) {
          got += frame.payload.length;
          yield frame.payload;
          continue;
        }
        const answer = this.answer(frame);
        answered = true;
        if (!answer.ok) throw agentError(answer.error!, path);
        if (got !== size) throw new BerthError('invalid-argument', `${path} shrank while it was being read; stop what is writing to it and retry.`);
        return;
      }
    } finally {
      // A reader that stopped early leaves the rest of the file on the wire.
      if (!answered) this.close();
      release();
    }
  }

  /** A file of `body` replacing what is at `path` (a whole tree, even), then its owner (container ids, when given), mode and times. */
  async write(path: string, body: AsyncIterable<Uint8Array> | Uint8Array, attrs: { mode: number; uid?: number; gid?: number; mtimeMs?: number }): Promise<void> {
    await this.call({ op: 'write', path, ...attrs }, body);
  }

  async mkdir(path: string, mode: number): Promise<void> {
    await this.call({ op: 'mkdir', path, mode });
  }

  /** A symlink replacing what is at `path`, then its owner (container ids, when given) and times. */
  async symlink(path: string, target: string, attrs: { uid?: number; gid?: number; mtimeMs?: number }): Promise<void> {
    await this.call({ op: 'symlink', path, target, ...attrs });
  }

  /** A hard link at `path` to `from`, replacing what is at `path`. */
  async link(from: string, path: string): Promise<void> {
    await this.call({ op: 'link', from, path });
  }

  async rename(from: string, path: string): Promise<void> {
    await this.call({ op: 'rename', path, from });
  }

  /** Recursive; nothing there is fine. */
  async remove(path: string): Promise<void> {
    await this.call({ op: 'remove', path });
  }

  /** Container ids; `mode` is applied again after the chown (which clears set-id bits), except on a link. */
  async chown(path: string, uid: number, gid: number, mode: number): Promise<void> {
    await this.call({ op: 'chown', path, uid, gid, mode });
  }

  /** Sets the mode (not on a link) and, when given, both times. */
  async attributes(path: string, mode: number, mtimeMs?: number): Promise<void> {
    await this.call({ op: 'attributes', path, mode, ...(mtimeMs !== undefined && { mtimeMs }) });
  }

  /** The overlay-opaque directories below `path`, relative to it ('.' for itself). */
  async opaque(path: string, userxattr: boolean): Promise<string[]> {
    return (await this.call({ op: 'opaque', path, userxattr })).dirs as string[];
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private stats(raw: RawStat): FileStats {
    const { uidMappings = [], gidMappings = [] } = this.maps;
    // An id outside the maps shows as the kernel's overflow id; it maps back like any other.
    return new AgentStats({ ...raw, uid: toHost(uidMappings, raw.uid) ?? raw.uid, gid: toHost(gidMappings, raw.gid) ?? raw.gid });
  }

  /** Waits for the requests before this one; resolves with the function that lets the next go. */
  private async turn(): Promise<() => void> {
    if (this.closed) throw Object.assign(new Error('the tree agent is closed'), { code: 'ECONNRESET' });
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.tail;
    this.tail = before.then(() => mine);
    await before;
    return release;
  }

  private async call(request: Record<string, unknown> & { path: string }, body?: AsyncIterable<Uint8Array> | Uint8Array): Promise<Answer> {
    const release = await this.turn();
    try {
      let failed: unknown;
      let answer: Answer;
      try {
        // One write for the request and as much data as a frame holds: a small file costs one round trip.
        const out = [frame(Frame.json, Buffer.from(JSON.stringify(request)))];
        if (body !== undefined) {
          try {
            for await (const piece of body instanceof Uint8Array ? [body] : body) {
              for (let at = 0; at < piece.length; at += DATA_MAX) {
                out.push(frame(Frame.data, piece.subarray(at, at + DATA_MAX)));
                if (out.length > 2) await this.flush(out);
              }
            }
          } catch (err) {
            failed = err; // the agent still needs the end frame to stay in step
          }
          out.push(frame(Frame.end, Buffer.alloc(0)));
        }
        await this.flush(out);
        answer = this.answer(await this.reader.next());
      } catch (err) {
        this.close(); // out of step with the agent: nothing more can be asked
        throw err;
      }
      if (!answer.ok) throw agentError(answer.error!, request.path);
      if (failed !== undefined) throw failed;
      return answer;
    } finally {
      release();
    }
  }

  private answer(frame: { type: number; payload: Buffer }): Answer {
    if (frame.type !== Frame.json) throw new BerthError('internal', `The helper's tree agent sent a frame of type ${frame.type} where an answer belongs.`);
    return JSON.parse(frame.payload.toString('utf8')) as Answer;
  }

  /** Writes and empties `frames`; waits only when the socket's buffer is full. */
  private async flush(frames: Buffer[]): Promise<void> {
    const ok = this.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
    frames.length = 0;
    if (!ok) await once(this.socket, 'drain');
  }
}

function frame(type: Frame, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}
