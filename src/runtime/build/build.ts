/**
 * The builder: a Dockerfile and a context directory in, an image out.
 *
 * Model. A build reads the Dockerfile with the one parser (./dockerfile), refuses it
 * before anything runs if it has an error, picks the stages the target needs and builds
 * them, independent ones concurrently. A stage is a chain of *steps*; each step turns a
 * `BuildState` (an image config plus its layer descriptors, not yet an image in the
 * store) into the next one:
 *
 *   FROM            the base image's state, a previous stage's, or scratch
 *   RUN             a container on the state's layers (./run-step.ts); its upper dir
 *                   becomes a layer
 *   COPY / ADD      a layer tar written straight from the sources (./copy.ts), no container
 *   everything else the config changes, and an `empty_layer` history entry (./config-step.ts)
 *
 * Every step's result is a cache record (./cache.ts) keyed by the parent's key, the
 * instruction as expanded and, for COPY/ADD, the content of what it copies — so a rebuild
 * with nothing changed runs no container and copies nothing, and produces the same image
 * id. Only the target stage's last state becomes an image (config and manifest blobs, and
 * the names in refs.json), and only at the very end: a failed or interrupted build leaves
 * no image. Layers it made meanwhile are held by a lease, and collected by GC if the build
 * dies.
 *
 * Progress is a stream of `BuildEvent`s (one "vertex" per step, as BuildKit's plain
 * progress shows them); the CLI prints them, the extension can show them.
 */
import type { ImageConfig, Descriptor } from '../image/image';

export interface BuildOptions {
  /** The context directory. */
  context: string;
  /** The Dockerfile's text. */
  dockerfile: string;
  /** Names the Dockerfile in errors (`Dockerfile`, `build/Dockerfile.dev`, `-`). */
  dockerfileName?: string;
  /**
   * The Dockerfile's absolute path, when it is a file: the image then records each history
   * entry's instruction lines (../image/dockerfile-lines.ts).
   */
  dockerfilePath?: string;
  /** Stage name (or index) to stop at; default the last stage. */
  target?: string;
  buildArgs?: Record<string, string>;
  /** Names for the image (`web`, `web:1.0`). */
  tags?: string[];
  /** Labels added to the image config. */
  labels?: Record<string, string>;
  noCache?: boolean;
  /** `os/arch[/variant]`; only the host's platform can be built. */
  platform?: string;
  /** `--secret id=NAME,src=FILE` / `id=NAME,env=VAR`: the secrets RUN --mount=type=secret sees. */
  secrets?: Record<string, { file?: string; env?: string }>;
  /** Receives progress events. */
  onEvent?: (event: BuildEvent) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  /** The image id (config digest). */
  id: string;
  names: string[];
}

/** One step of the build as progress sees it. */
export interface Vertex {
  /** 1-based, in the order steps started. */
  id: number;
  /** `[build 2/5] RUN make`, `[internal] load .dockerignore`. */
  name: string;
  /** 1-based line of the instruction in the Dockerfile. */
  line?: number;
}

export type BuildEvent =
  | { type: 'step.start'; vertex: Vertex }
  | { type: 'step.cached'; vertex: Vertex }
  | { type: 'step.log'; vertex: Vertex; stream: 'stdout' | 'stderr'; text: string; elapsed: number }
  | { type: 'step.done'; vertex: Vertex; elapsed: number }
  | { type: 'step.failed'; vertex: Vertex; error: string; elapsed: number }
  | { type: 'build.done'; id: string; names: string[] };

/** What a step works on: an image that is not (yet) in the store. */
export interface BuildState {
  config: ImageConfig;
  /** The manifest's layer descriptors, bottom first (one per config diff id). */
  layers: Descriptor[];
  /** The cache key of the step that made this state. */
  key: string;
}
