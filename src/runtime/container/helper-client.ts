/**
 * The client of the native helper (native/): starts the per-user daemon when none
 * answers, sends it requests, and talks to container monitors over their attach sockets.
 *
 * The daemon is started detached, so it outlives this process; two processes starting
 * one at the same moment are safe (the daemon takes a lock, the loser exits quietly, and
 * both clients reach the winner). Each request uses its own connection, so concurrent
 * calls never wait on each other. The daemon leaves after an idle minute; the next
 * request starts it again. A run or exec is answered by the monitor it starts, and with
 * streams its connection goes on as the attachment: no second connection before the
 * process may start.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { BerthError, ErrorCode, errnoCode } from '../errors';
import type { FixupRequest, PrivilegedFs } from '../layer/layer';
import { TreeAgent, type TreeRequest } from '../layer/tree-agent';
import { IdMapping } from './oci-spec';
import { processStartTime } from './state-store';
import { AttachStreams, Attachment, HelperPort, Started } from './ports';
import {
  ExecRequest,
  ExecResult,
  Frame,
  FrameDecoder,
  HelperErrorBody,
  HelperRequest,
  HelperResponse,
  MAX_FRAME_PAYLOAD,
  PingResult,
  PROTOCOL_VERSION,
  RunRequest,
  RunResult,
  encodeFrame,
} from './helper-protocol';

export interface HelperClientOptions {
  /** Where the socket, its lock and helper.log live ($XDG_RUNTIME_DIR/berth, /run/berth). */
  runtimeDir: string;
  /** The helper binary; default: $BERTH_HELPER, else native/build/berth-helper found above this file. */
  helperPath?: string;
  /** How long the daemon stays without clients (seconds); default 60. */
  idleTimeout?: number;
}

/** A failure the helper reported; `exitCode` is set when the container's program could not run. */
export class HelperError extends BerthError {
  constructor(
    readonly helperCode: string,
    message: string,
    readonly exitCode?: number,
  ) {
    super(errorCode(helperCode), message);
  }
}

function errorCode(helperCode: string): ErrorCode {
  switch (helperCode) {
    case 'ENOENT':
      return 'not-found';
    case 'EACCES':
    case 'EPERM':
    case 'permission-denied':
      return 'permission-denied';
    case 'EEXIST':
    case 'already-exists':
      return 'already-exists';
    case 'EBUSY':
    case 'conflict':
      return 'conflict';
    case 'invalid-argument':
    case 'failed-precondition':
      return helperCode;
    case 'unsupported-version':
      return 'failed-precondition';
    default:
      return 'internal';
  }
}

const HELPER_RELATIVE = path.join('native', 'build', 'berth-helper');

/** Finds the helper binary: walks up from `from` (out/… for tests, dist/ for bundles). */
export function findHelperBinary(from: string = __dirname, env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_HELPER) return env.BERTH_HELPER;
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, HELPER_RELATIVE);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new BerthError(
    'failed-precondition',
    `The Berth helper (${HELPER_RELATIVE}) was not found in any folder above ${from}. Build it with \`make -C native\` (needs gcc and libjansson-dev), or point BERTH_HELPER at the binary.`,
  );
}

/**
 * Connection errors that mean "no daemon is listening" (as opposed to a failed request).
 * A reset before any answer is a daemon that left (idle) with the connection still in its
 * backlog, so the request was never read: a handler that read it leaves nothing unread
 * behind, and closing then is an end of file (see `exchange`), never a reset.
 */
function isNotListening(err: unknown): boolean {
  return ['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(errnoCode(err) ?? '');
}

/**
 * Connects to a unix socket. sun_path holds 107 bytes and state dirs below a home can
 * be deeper, so a long path is reached through /proc/self/fd of its directory.
 */
function connectUnix(socketPath: string): Promise<net.Socket> {
  let dirFd: number | undefined;
  let target = socketPath;
  if (Buffer.byteLength(socketPath) > 100) {
    dirFd = fs.openSync(path.dirname(socketPath), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    target = `/proc/self/fd/${dirFd}/${path.basename(socketPath)}`;
  }
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ path: target });
    const done = () => {
      if (dirFd !== undefined) fs.closeSync(dirFd);
      dirFd = undefined;
    };
    socket.once('connect', () => {
      done();
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', (err) => {
      done();
      reject(err);
    });
  });
}

interface Answer {
  response: HelperResponse;
  /** Still open and paused, holding what came after the answer line in `rest`. */
  socket: net.Socket;
  rest: Buffer;
}

/**
 * Sends one request on a fresh connection and resolves with the answer line. Unversioned,
 * a daemon of any protocol version takes it (ping, shutdown).
 */
async function exchange(socketPath: string, request: HelperRequest, { versioned = true } = {}): Promise<Answer> {
  const socket = await connectUnix(socketPath);
  return new Promise<Answer>((resolve, reject) => {
    let buffer: Buffer = Buffer.alloc(0);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      const newline = buffer.indexOf(10);
      if (newline < 0) return;
      socket.pause();
      socket.removeListener('data', onData).removeListener('error', fail).removeListener('end', onEnd);
      // Until its next owner listens, an error must not go unhandled; the close tells that owner.
      socket.on('error', () => undefined);
      const line = buffer.subarray(0, newline).toString('utf8');
      try {
        resolve({ response: JSON.parse(line) as HelperResponse, socket, rest: buffer.subarray(newline + 1) });
      } catch (err) {
        fail(new BerthError('internal', `The Berth helper answered "${line.slice(0, 200)}", which is not JSON.`, { cause: err }));
      }
    };
    // Read and then closed: not retried (a run may have got as far as starting a monitor).
    const onEnd = () => fail(new BerthError('internal', `The Berth helper closed the connection without answering the ${request.op} request (${request.op === 'run' || request.op === 'exec' ? 'the container monitor exited during set-up; ' : ''}see helper.log beside ${socketPath}).`));
    socket.on('data', onData).on('error', fail).on('end', onEnd);
    socket.write(JSON.stringify(versioned ? { v: PROTOCOL_VERSION, ...request } : request) + '\n');
  });
}

/** The answer's fields, or its error thrown. */
function answered(response: HelperResponse): Record<string, unknown> {
  if (response.ok) return response;
  const error = response.error as HelperErrorBody;
  throw new HelperError(error.code, error.message, error.exitCode);
}

/** helper.log past this size is moved to helper.log.1 when a daemon starts. */
const LOG_ROTATE_BYTES = 1 << 20;

/**
 * Keeps the daemon's log (its stderr and every monitor's) from growing without end: one
 * older generation is kept. Monitors still running write on into the moved file, which is
 * where their earlier lines are. Racing starters at worst rotate a fresh, empty log.
 */
function rotateLog(logPath: string): void {
  try {
    if (fs.statSync(logPath).size > LOG_ROTATE_BYTES) fs.renameSync(logPath, `${logPath}.1`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class HelperClient implements HelperPort, PrivilegedFs {
  readonly socketPath: string;
  readonly logPath: string;

  private constructor(
    private readonly runtimeDir: string,
    readonly helperPath: string,
    private readonly idleTimeout: number,
  ) {
    this.socketPath = path.join(runtimeDir, 'helper.sock');
    this.logPath = path.join(runtimeDir, 'helper.log');
  }

  /**
   * A client for the daemon of `runtimeDir`. No round trip here: every request starts the
   * daemon when none answers, so a CLI command pays for one connection, not two.
   */
  static async connect(options: HelperClientOptions): Promise<HelperClient> {
    return new HelperClient(options.runtimeDir, options.helperPath ?? findHelperBinary(), options.idleTimeout ?? 60);
  }

  async ping(): Promise<PingResult> {
    return (await this.request({ op: 'ping' })) as unknown as PingResult;
  }

  /** Asks the daemon to leave; running containers are not affected. */
  async shutdown(): Promise<void> {
    await exchange(this.socketPath, { op: 'shutdown' }).then(
      (answer) => answer.socket.destroy(),
      (err) => {
        if (!isNotListening(err)) throw err;
      },
    );
  }

  async run(req: Omit<RunRequest, 'op' | 'attach'>, streams?: AttachStreams): Promise<Started<RunResult>> {
    return this.startMonitor<RunResult>({ op: 'run', ...req }, streams);
  }

  async exec(req: Omit<ExecRequest, 'op' | 'attach'>, streams?: AttachStreams): Promise<Started<ExecResult>> {
    return this.startMonitor<ExecResult>({ op: 'exec', ...req }, streams);
  }

  /**
   * With streams, the process starts once the monitor has answered, and the answer's
   * connection is the attachment (its exit.json: beside the socket for an exec, in the
   * state dir for a container).
   */
  private async startMonitor<T>(request: RunRequest | ExecRequest, streams?: AttachStreams): Promise<Started<T>> {
    if (!streams) return (await this.request(request)) as unknown as Started<T>;
    const answer = await this.send({ ...request, attach: true });
    let result: T;
    try {
      result = answered(answer.response) as unknown as T;
    } catch (err) {
      answer.socket.destroy();
      throw err;
    }
    const home = request.runtime ?? request.state;
    const sessionDir = request.op === 'exec' ? path.join(home, 'exec', request.execId) : undefined;
    const exitFile = path.join(sessionDir ?? request.state, 'exit.json');
    return { ...result, attachment: attachOver(answer.socket, answer.rest, streams, { socket: path.join(sessionDir ?? home, 'attach.sock'), exitFile }) };
  }

  async freezer(req: { state: string; pid: number; cgroupsPath: string }): Promise<void> {
    await this.request({ op: 'freezer', ...req });
  }

  async fixup(request: FixupRequest): Promise<void> {
    await this.request({ op: 'fixup', ...request });
  }

  async rmtree(req: { path: string; uidMappings?: IdMapping[]; gidMappings?: IdMapping[] }): Promise<void> {
    await this.request({ op: 'rmtree', ...req });
  }

  async opaqueDirs(req: { root: string; userxattr: boolean }): Promise<string[]> {
    return (await this.request({ op: 'opaque', ...req })).dirs as string[];
  }

  /** The connection becomes the tree agent's once the helper has answered. */
  async openTree(request: TreeRequest): Promise<TreeAgent> {
    const socket = await connectUnix(this.socketPath).catch(async (err: unknown) => {
      if (!isNotListening(err)) throw err;
      await this.startDaemon();
      return connectUnix(this.socketPath);
    });
    const agent = new TreeAgent(socket, request);
    const response = (await agent.handshake(JSON.stringify({ v: PROTOCOL_VERSION, op: 'tree', ...request }) + '\n').catch((err: unknown) => {
      agent.close();
      throw err;
    })) as HelperResponse;
    if (!response.ok) agent.close();
    answered(response);
    return agent;
  }

  /** `exitFile`: where the monitor records the exit, read when it has gone (default: beside the socket). */
  attach(socketPath: string, streams: AttachStreams, exitFile = path.join(path.dirname(socketPath), 'exit.json')): Promise<Attachment> {
    return attachTo({ socket: socketPath, exitFile }, streams);
  }

  async signal(socketPath: string, signo: number): Promise<void> {
    const socket = await connectMonitor(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.end(encodeFrame(Frame.signal, String(signo)), () => resolve());
    });
    socket.destroy();
  }

  private async request(request: HelperRequest): Promise<Record<string, unknown>> {
    const { response, socket } = await this.send(request);
    socket.destroy();
    return answered(response);
  }

  /** One request and its answer line; the connection is the caller's to close. */
  private async send(request: HelperRequest): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await exchange(this.socketPath, request);
    } catch (err) {
      if (!isNotListening(err)) throw err;
      // No daemon (first use, or it left after being idle): start one and retry once.
      // A request the daemon never accepted was never run, so the retry is safe.
      await this.startDaemon();
      return exchange(this.socketPath, request);
    }
    const { response } = answer;
    if (response.ok || response.error.code !== 'unsupported-version') return answer;
    // The daemon of an older helper, still running after an upgrade: it holds no state,
    // so a new one takes over (and if the binary itself is old, the retry says so).
    answer.socket.destroy();
    await this.replaceDaemon();
    return exchange(this.socketPath, request);
  }

  private async replaceDaemon(): Promise<void> {
    const pinged = await exchange(this.socketPath, { op: 'ping' }, { versioned: false });
    pinged.socket.destroy();
    const pid = pinged.response.ok ? Number(pinged.response.pid) : undefined;
    (await exchange(this.socketPath, { op: 'shutdown' }, { versioned: false })).socket.destroy();
    // Its lock goes with its process (a zombie holds none): a new daemon started before
    // that would stand down.
    for (let waited = 0; pid && waited < 2000 && processStartTime(pid) !== undefined; waited += 10) await sleep(10);
    await this.startDaemon();
  }

  private async startDaemon(): Promise<void> {
    fs.mkdirSync(this.runtimeDir, { recursive: true, mode: 0o700 });
    rotateLog(this.logPath);
    const log = fs.openSync(this.logPath, 'a', 0o600);
    let exit: { code: number | null; signal: string | null } | undefined;
    try {
      const child = spawn(this.helperPath, ['daemon', '--socket', this.socketPath, '--idle-timeout', String(this.idleTimeout)], {
        detached: true,
        stdio: ['ignore', log, log],
      });
      child.on('error', (err) => (exit = { code: -1, signal: String(err) }));
      child.on('exit', (code, signal) => (exit = { code, signal }));
      child.unref();
    } finally {
      fs.closeSync(log);
    }
    // The daemon is ready when it answers. A losing racer exits 0 while the winner
    // comes up, so only a failing exit ends the wait early.
    for (let waited = 0; waited < 5000; waited += 20) {
      if (exit && exit.code !== 0) break;
      try {
        const { response, socket } = await exchange(this.socketPath, { op: 'ping' });
        socket.destroy();
        if (response.ok) return;
      } catch (err) {
        if (!isNotListening(err)) throw err;
      }
      await sleep(20);
    }
    const tail = fs.readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-3).join('\n');
    throw new BerthError(
      'unavailable',
      `The Berth helper did not start (${this.helperPath}${exit ? `, exit ${exit.code ?? exit.signal}` : ', no answer within 5 s'}). ${tail ? `Its log says: ${tail}` : `See ${this.logPath}.`} Rebuild it with \`make -C native\` if it is out of date.`,
    );
  }
}

/** A monitor's attach socket, and the exit.json it writes when the process has ended. */
interface AttachTarget {
  socket: string;
  exitFile: string;
}

/** The exit code a monitor left in its exit.json, if any. */
function recordedExit(exitFile: string): number | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(exitFile, 'utf8')) as { exitCode?: unknown };
    return typeof record.exitCode === 'number' ? record.exitCode : undefined;
  } catch {
    return undefined;
  }
}

async function connectMonitor(socketPath: string): Promise<net.Socket> {
  try {
    return await connectUnix(socketPath);
  } catch (err) {
    if (!isNotListening(err)) throw err;
    throw new BerthError('failed-precondition', `No container monitor answers at ${socketPath}: the process has exited (or its monitor was killed).`, { cause: err });
  }
}

/** An attachment to a process that had already ended: only its exit code is left. */
function endedAttachment(code: number): Attachment {
  return { resize: () => undefined, signal: () => undefined, start: () => undefined, exited: Promise.resolve(code), close: () => undefined };
}

async function attachTo(target: AttachTarget, streams: AttachStreams): Promise<Attachment> {
  let socket: net.Socket;
  try {
    socket = await connectMonitor(target.socket);
  } catch (err) {
    const code = recordedExit(target.exitFile);
    if (code !== undefined) return endedAttachment(code);
    throw err;
  }
  return attachOver(socket, Buffer.alloc(0), streams, target);
}

/** Frames over a connection to a monitor; `rest`: what already arrived of them. */
function attachOver(socket: net.Socket, rest: Buffer, streams: AttachStreams, target: AttachTarget): Attachment {
  const socketPath = target.socket;
  const send = (type: number, payload?: Buffer | string) => {
    if (!socket.destroyed) socket.write(encodeFrame(type, payload));
  };
  const stdin = streams.stdin;
  const onStdin = (data: Buffer | string) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; at += MAX_FRAME_PAYLOAD) send(Frame.stdin, bytes.subarray(at, at + MAX_FRAME_PAYLOAD));
  };
  const onStdinEnd = () => send(Frame.stdinClose);
  let detached = false;
  const release = () => {
    stdin?.removeListener('data', onStdin);
    stdin?.removeListener('end', onStdinEnd);
    stdin?.pause();
    socket.destroy();
  };
  const close = () => {
    detached = true;
    release();
  };
  const exited = new Promise<number>((resolve, reject) => {
    const decoder = new FrameDecoder();
    let code: number | undefined;
    let draining = false;
    const onData = (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.type === Frame.exit) {
          // The last frame, after all output: done, without waiting for the close.
          code = Number(frame.payload.toString());
          release();
          resolve(code);
          return;
        }
        const out = frame.type === Frame.stdout ? streams.stdout : frame.type === Frame.stderr ? streams.stderr : undefined;
        if (out && !out.write(frame.payload)) {
          draining = true;
          socket.pause();
          out.once('drain', () => {
            draining = false;
            socket.resume();
          });
        }
      }
    };
    if (rest.length > 0) onData(rest);
    socket.on('data', onData);
    // A connection handed over from a request is paused; resume unless output is full.
    if (!draining) socket.resume();
    socket.on('error', () => undefined); // 'close' follows and decides
    socket.on('close', () => {
      release();
      code ??= recordedExit(target.exitFile);
      if (code !== undefined) resolve(code);
      else if (detached) reject(new BerthError('canceled', 'Detached from the container; it keeps running.'));
      else reject(new BerthError('unavailable', `The connection to the container monitor at ${socketPath} ended before the process exited (the monitor was killed, or detached).`));
    });
  });
  if (streams.tty) send(Frame.resize, `${streams.tty.rows} ${streams.tty.cols}`);
  streams.onResize?.((rows, cols) => send(Frame.resize, `${rows} ${cols}`));
  streams.signal?.addEventListener('abort', close, { once: true });
  stdin?.on('data', onStdin);
  stdin?.on('end', onStdinEnd);
  return {
    resize: (rows, cols) => send(Frame.resize, `${rows} ${cols}`),
    signal: (signo) => send(Frame.signal, String(signo)),
    start: () => send(Frame.start),
    exited,
    close,
  };
}
