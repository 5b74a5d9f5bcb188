/**
 * The narrow roles the container manager needs from the rest of the runtime. The engine
 * wires the real parts in (the helper client, the image store, the snapshotter); unit
 * tests can stand in their own.
 */
import { Readable, Writable } from 'node:stream';
import type { ExecRequest, ExecResult, RunRequest, RunResult } from './helper-protocol';
import { IdMapping, OciMount } from './oci-spec';
import { ImageProcessConfig } from './spec-builder';

export interface AttachStreams {
  stdin?: Readable | NodeJS.ReadableStream | null;
  stdout: Writable | NodeJS.WritableStream;
  stderr: Writable | NodeJS.WritableStream;
  /** Initial terminal size for -t. */
  tty?: { rows: number; cols: number };
  /** Registers a callback the caller invokes when its terminal is resized. */
  onResize?: (resize: (rows: number, cols: number) => void) => void;
  signal?: AbortSignal;
}

/** A live connection to a container's (or exec session's) monitor. */
export interface Attachment {
  resize(rows: number, cols: number): void;
  signal(signo: number): void;
  /** Lets a process started with waitAttach on this (the request's) connection begin. */
  start(): void;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number>;
  close(): void;
}

/** With streams, the process starts attached to them, on the request's own connection. */
export type Started<T> = T & { attachment?: Attachment };

export interface HelperPort {
  run(req: Omit<RunRequest, 'op' | 'attach'>, streams?: AttachStreams): Promise<Started<RunResult>>;
  exec(req: Omit<ExecRequest, 'op' | 'attach'>, streams?: AttachStreams): Promise<Started<ExecResult>>;
  /** `exitFile`: the monitor's exit.json, read when it has gone already (default: beside the socket). */
  attach(socketPath: string, streams: AttachStreams, exitFile?: string): Promise<Attachment>;
  signal(socketPath: string, signo: number): Promise<void>;
  rmtree(req: { path: string; uidMappings?: IdMapping[]; gidMappings?: IdMapping[] }): Promise<void>;
  /** Makes the freezer cgroup of a running container started without one (see FreezerRequest). */
  freezer(req: { state: string; pid: number; cgroupsPath: string }): Promise<void>;
}

export interface RunnableImage {
  /** Config digest, sha256:… */
  id: string;
  /** The normalized reference it was found by (or the id). */
  reference: string;
  config: ImageProcessConfig & { Labels?: Record<string, string>; Volumes?: Record<string, unknown>; ExposedPorts?: Record<string, unknown> };
  /** Layer chain ids, bottom first. */
  chainIds: string[];
}

export interface ImagePort {
  resolveForRun(ref: string): Promise<RunnableImage>;
}

export interface PreparedRootfs {
  snapshotter: string;
  /** The directory the container's / is (or is mounted on). */
  rootfsPath: string;
  /** The overlay mount that fills rootfsPath; absent when rootfsPath is a real tree. */
  mount?: OciMount;
}

export interface PrepareOptions {
  /**
   * No syncs of the writable layer to disk, ever (overlayfs `volatile`, where the kernel
   * has it): for containers removed when they exit (`run --rm`, as podman does), whose
   * unmount would otherwise sync the whole host filesystem. Only when the writable layer
   * was not in use when the host last went down: its content is not crash-safe.
   */
  volatile?: boolean;
  /** Where the container's / is mounted (default: a dir beside the writable layer). */
  mountPoint?: string;
  /**
   * Files the runtime mounts over (`/etc/hosts`, …; absolute) that the image has not: made
   * empty in a layer laid over the image's, as Docker's init layer (one per image, kept in
   * `dir`, a dir of this boot). Otherwise overlay copies their directory up and makes them
   * in the writable layer — disk writes at every start and removal, and stubs in a commit.
   */
  stubs?: { paths: string[]; dir: string };
}

export interface RootfsPort {
  /** Makes the writable layer for a container on top of the image's layers. Idempotent. */
  prepare(containerId: string, chainIds: string[], options?: PrepareOptions): Promise<PreparedRootfs>;
  /**
   * Removes what the kernel left in the writable layer's scratch space (overlayfs's
   * work/work: mode 000, so that even its owner cannot remove it without opening it up
   * first). Only while the container does not run. `dir`: where the container's dir is now,
   * if it was moved (set aside for removal).
   */
  clearScratch(containerId: string, dir?: string): void;
  /** The container's writable layer in overlayfs form (what commit and diff read). */
  upperDir(containerId: string): string;
  /** Reads a small file from the container's filesystem as it is now (running or not). */
  readFile(containerId: string, chainIds: string[], filePath: string): Promise<string | undefined>;
}
