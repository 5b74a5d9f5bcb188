/**
 * The part of the Engine the CLI calls — the narrow role, so unit tests can stand in a
 * fake and so a change of the facade's signatures shows up here as a type error.
 */
import type { Engine } from '../engine';
import type { TransferProgress } from '../events';

export type ContainerApi = Pick<
  Engine,
  | 'createContainer'
  | 'runContainer'
  | 'startContainer'
  | 'attachContainer'
  | 'stopContainer'
  | 'killContainer'
  | 'restartContainer'
  | 'pauseContainer'
  | 'unpauseContainer'
  | 'removeContainer'
  | 'listContainers'
  | 'inspectContainer'
  | 'logs'
  | 'exec'
  | 'waitContainer'
  | 'top'
  | 'stats'
  | 'diffContainer'
  | 'streamEvents'
  | 'info'
  | 'version'
>;

/** One row of `images`: docker's ImageSummary in the runtime's spelling. */
export interface ImageSummary {
  /** sha256:… config digest. */
  id: string;
  /** `busybox:latest`…; empty for a dangling image. */
  repoTags: string[];
  repoDigests?: string[];
  created?: string;
  size: number;
  labels?: Record<string, string>;
  /** Containers using it, when known. */
  containers?: number;
}

export interface ImageHistoryEntry {
  /** Image id for the top entry, absent (docker's <missing>) for the rest. */
  id?: string;
  created?: string;
  createdBy?: string;
  size: number;
  comment?: string;
  emptyLayer?: boolean;
}

/**
 * The image store and the file-level container operations, as the CLI calls them. The
 * Engine grows these methods; until it has one, the verb that needs it says so
 * (command.ts `imageApi`). Errors are BerthErrors: `not-found` for an unknown image or
 * container, `conflict` for an image in use, `invalid-argument` for a bad archive.
 */
export interface ImageApi {
  /** Newest first; `all` includes untagged intermediate images. */
  listImages(options?: { all?: boolean }): Promise<ImageSummary[]>;
  /** docker's ImageInspect shape (Id, RepoTags, RepoDigests, Created, Config, RootFS, Size…). */
  inspectImage(ref: string): Promise<Record<string, unknown>>;
  /** Newest first, as `docker history`. */
  imageHistory(ref: string): Promise<ImageHistoryEntry[]>;
  /** A docker-save or OCI archive (file path or stream). Returns each loaded reference, or the image id of an untagged one. */
  loadImages(source: string | NodeJS.ReadableStream): Promise<string[]>;
  saveImages(refs: string[], file: string | NodeJS.WritableStream, options: { format: 'docker-archive' | 'oci-archive' }): Promise<void>;
  /** A tarball (file or stream, plain or compressed) or a directory becomes a one-layer image; returns its id. */
  importImage(source: string | NodeJS.ReadableStream, reference?: string, options?: { changes?: string[]; message?: string }): Promise<string>;
  tagImage(source: string, target: string): Promise<void>;
  /** Per reference: untags it, and deletes the image once no tag is left (refuses one a container uses unless `force`). */
  removeImages(refs: string[], options: { force?: boolean }): Promise<{ untagged: string[]; deleted: string[] }>;
  /** Dangling images; every image no container uses with `all`. */
  pruneImages(options: { all?: boolean }): Promise<{ deleted: string[]; reclaimed: number }>;
  /** The container's writable layer as a new image on top of its image; returns the image id. */
  commitContainer(ref: string, options: { reference?: string; changes?: string[]; message?: string; author?: string; pause?: boolean }): Promise<string>;
  /**
   * A tar stream of `path` in the container (running or not), whose single top entry is
   * the path's base name (`/etc` → `etc/…`, `/etc/hosts` → `hosts`), like docker's
   * GET /containers/{id}/archive. It is read lazily: the CLI reads the first header to
   * learn what the path is, then may destroy the stream. `not-found` when it is absent.
   */
  copyFromContainer(ref: string, path: string): Promise<NodeJS.ReadableStream>;
  /**
   * Extracts `tar` into the directory `destDir` of the container (docker's PUT
   * /containers/{id}/archive); `not-found` when destDir does not exist. Entries must not
   * leave destDir.
   */
  copyToContainer(ref: string, destDir: string, tar: NodeJS.ReadableStream): Promise<void>;
  /** Bytes in the writable layer, and those plus the image's (docker's SizeRw, SizeRootFs). */
  containerSize(ref: string): Promise<{ rw: number; rootFs: number }>;
  /** Pulls from a registry with per-blob progress; returns the familiar name, image id and manifest digest. */
  pullImage(reference: string, options: { platform?: string; insecure?: boolean; onProgress?: (p: TransferProgress) => void }): Promise<{ name: string; id: string; digest: string }>;
  /** Pushes to the registry the name says; returns the manifest digest. */
  pushImage(source: string, options: { insecure?: boolean; onProgress?: (p: TransferProgress) => void }): Promise<string>;
  /** `unauthorized` when the registry refuses the credentials; returns the registry's name. */
  login(server: string, credentials: { username: string; password: string }, options: { insecure?: boolean }): Promise<string>;
  /** False when there were no credentials to remove. */
  logout(server: string): Promise<boolean>;
}

export type CliEngine = ContainerApi & Partial<ImageApi>;
