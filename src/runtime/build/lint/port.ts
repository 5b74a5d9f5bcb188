/**
 * What the linter may ask outside the Dockerfile: the local image store and the build
 * context. Both roles are optional — without them the runtime-aware rules stay silent —
 * and narrow, so the CLI, the editor and the tests each give what they have
 * (node-port.ts has the implementations over the Engine and a context directory).
 */

/** What the store knows of one image. */
export interface LocalImage {
  /** sha256:… config digest. */
  readonly id: string;
  /** `os/arch[/variant]`. */
  readonly platform: string;
  /** The config's Env, `KEY=value`. */
  readonly env: readonly string[];
  readonly size: number;
  readonly created: string | undefined;
  readonly layers: number;
  /** Every name the image has locally (`alpine:3.20`, `alpine:latest`). */
  readonly tags: readonly string[];
}

export interface ImageStorePort {
  /** The image a reference names, or undefined when it is not in the store. */
  image(reference: string): Promise<LocalImage | undefined>;
  /** The tags the store holds for a repository (`alpine` → `['3.20', 'latest']`). */
  tags(repository: string): Promise<readonly string[]>;
}

export interface BuildContextPort {
  /**
   * Whether a COPY/ADD source (relative to the context root, with BuildKit's wildcards)
   * matches at least one file or directory, .dockerignore not applied.
   */
  exists(source: string): Promise<boolean>;
  /** Whether .dockerignore leaves the path (or every match of the pattern) out of the context. */
  ignored(source: string): Promise<boolean>;
}

export interface LintPort {
  readonly images?: ImageStorePort;
  readonly context?: BuildContextPort;
}
