/**
 * The wire formats shared with the native helper (native/README.md has the full text).
 *
 * Requests: JSON lines over the helper's unix socket, protocol version 2. Each request
 * is one object `{op, ...}`; each answer one line, `{ok: true, ...}` or
 * `{ok: false, error: {code, message, exitCode?}}`. `code` is an errno name (ENOENT) or
 * one of the helper's own codes (invalid-argument, failed-precondition, ...).
 *
 * Attach: every container (and exec session) has `attach.sock`, a stream socket of
 * frames `[type: u8][length: u32 big-endian][payload]`. Numbers in payloads are ASCII
 * decimal: exit "137", resize "24 80", signal "15". A run or exec with `attach` carries
 * the same frames on its own connection, after the answer line.
 */
import { IdMapping, OciProcess } from './oci-spec';

export const PROTOCOL_VERSION = 2;

/** What run and exec share. The monitor answers them itself. */
interface MonitorRequest {
  id: string;
  /** The container's state dir: ctr.log, exit.json, cgroup.json. */
  state: string;
  /** Where attach.sock (and exec sessions) go; default `state`. Per boot: a tmpfs, normally. */
  runtime?: string;
  tty: boolean;
  stdin: boolean;
  /** The process is set up but waits for the first attach client before it execs. */
  waitAttach: boolean;
  /**
   * The request's connection becomes the first attach client once answered (frames
   * follow the answer line), and the process starts then — with waitAttach, at the
   * client's start frame. The client sends nothing on it before the answer.
   */
  attach?: boolean;
}

export interface RunRequest extends MonitorRequest {
  op: 'run';
  bundle: string;
  events?: string;
}

export interface ExecRequest extends MonitorRequest {
  op: 'exec';
  execId: string;
  pid: number;
  process: OciProcess;
}

/**
 * Gives a running container that has no cgroup (started without limits) a freezer cgroup
 * at `cgroupsPath`, with all its processes moved in, and records it in its cgroup.json.
 * Nothing to do when it has one.
 */
export interface FreezerRequest {
  op: 'freezer';
  state: string;
  /** The container's init, host pid. */
  pid: number;
  cgroupsPath: string;
}

export interface FixupRequestMessage {
  op: 'fixup';
  root: string;
  list: string;
  userxattr: boolean;
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
}

export interface RmtreeRequest {
  op: 'rmtree';
  path: string;
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
}

/** Answered with `dirs`: the opaque directories below `root`, relative, '.' for the root. */
export interface OpaqueRequest {
  op: 'opaque';
  root: string;
  userxattr: boolean;
}

export type HelperRequest = { op: 'ping' } | { op: 'shutdown' } | RunRequest | ExecRequest | FreezerRequest | FixupRequestMessage | RmtreeRequest | OpaqueRequest;

export interface PingResult {
  protocol: number;
  version: string;
  /** The daemon's pid. */
  pid: number;
}

export interface RunResult {
  pid: number;
  monitorPid: number;
  /** Limits or settings that could not be applied (rootless on cgroup v1, clamped rlimits). */
  warnings: string[];
}

export interface ExecResult {
  pid: number;
  monitorPid: number;
}

export interface HelperErrorBody {
  code: string;
  message: string;
  /** Set when the container's program could not be run: 127 not found, 126 not executable. */
  exitCode?: number;
}

export type HelperResponse = ({ ok: true } & Record<string, unknown>) | { ok: false; error: HelperErrorBody };

export const Frame = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  exit: 3,
  stdinClose: 4,
  resize: 5,
  signal: 6,
  start: 7,
} as const;

/** The largest payload the monitor accepts in one frame; longer input is split. */
export const MAX_FRAME_PAYLOAD = 32768;

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(5);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** Splits a byte stream back into frames; keeps an incomplete tail for the next chunk. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: { type: number; payload: Buffer }[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 5) {
      const length = this.pending.readUInt32BE(offset + 1);
      if (this.pending.length - offset - 5 < length) break;
      frames.push({ type: this.pending[offset], payload: this.pending.subarray(offset + 5, offset + 5 + length) });
      offset += 5 + length;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }
}
