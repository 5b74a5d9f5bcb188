/**
 * The facade the extension and the CLI call. It composes the store, images, snapshots,
 * containers and the helper, and it is the one place that turns their results into
 * events. Everything a user can do in the sidebar goes through here, so the CLI and the
 * extension can never drift apart.
 *
 * An Engine is cheap to open (no helper is started until a container needs one) and may
 * be used concurrently with other Engines — in this or another process — on one store.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { BerthError } from './errors';
import { EventLog } from './event-log';
import { RuntimeEvent, TransferProgress } from './events';
import type { ListingOptions } from './registry/client';
import type { RegistryService } from './registry/service';
import { detectCgroupSupport } from './host';
import { defaultRuntimeDir, defaultStoreRoot, isRoot, StorePaths, storePaths } from './paths';
import { Container, ContainerStats, ContainerSummary, CreateOptions, ExecOptions, FileChange, ListFilters, LogEntry, LogOptions, ProcessRow } from './container/container';
import { readLog } from './container/log-reader';
import { ContainerManager } from './container/manager';
import { stats as sampleStats, top as listProcesses } from './container/metrics';
import { AttachStreams, HelperPort, RootfsPort } from './container/ports';
import type { ImageHistoryEntry, ImageSummary } from './cli/engine-port';
import { parseChanges } from './build/dockerfile/change';
import type { ImageService } from './image/image-service';
import { toImageConfigChanges } from './image/config-changes';
import { inspectView, parseFilters, summarize } from './container/views';
import { parsePasswd } from './container/user';
import { IdMapping } from './container/oci-spec';
import { toContainer } from './idmap';
import type { BuildOptions, BuildResult } from './build/build';
import { familiarName } from './image/reference';
import type { ImageLayers } from './layers/image-layers';

export interface EngineOptions {
  root?: string;
  runtimeDir?: string;
}

export interface EngineParts {
  paths: StorePaths;
  runtimeDir: string;
  helper: () => Promise<HelperPort>;
  events: EventLog;
  images: ImageService;
  rootfs: RootfsPort & { diff(containerId: string, chainIds: string[]): Promise<FileChange[]> };
  idMappings: { uidMappings: IdMapping[]; gidMappings: IdMapping[] };
}

export class Engine {
  readonly events: EventLog;
  readonly containers: ContainerManager;

  protected constructor(readonly parts: EngineParts) {
    this.events = parts.events;
    const cgroups = detectCgroupSupport();
    this.containers = new ContainerManager({
      paths: parts.paths,
      helper: parts.helper,
      images: parts.images,
      rootfs: parts.rootfs,
      idMappings: parts.idMappings,
      events: this.events,
      cgroupsPath: (id) => (cgroups.limits.length > 0 ? `berth/${id}` : undefined),
      runtimeDir: path.join(parts.runtimeDir, 'containers'),
    });
  }

  get paths(): StorePaths {
    return this.parts.paths;
  }

  static async open(options: EngineOptions = {}): Promise<Engine> {
    const { wireParts } = await import('./wiring');
    const paths = storePaths(options.root ?? defaultStoreRoot());
    const runtimeDir = options.runtimeDir ?? defaultRuntimeDir();
    for (const dir of [paths.root, paths.tmp, paths.containers, paths.layers]) await fs.mkdir(dir, { recursive: true });
    return new Engine(await wireParts(paths, runtimeDir));
  }

  // ---- events -------------------------------------------------------------------

  /** Subscribes to events from every process on this store. Returns an unsubscribe. */
  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    return this.events.watch(listener);
  }

  /** Past events (`since`), then live ones until `signal` aborts (or `until` passes). */
  async *streamEvents(options: { since?: Date; until?: Date; signal?: AbortSignal } = {}): AsyncGenerator<RuntimeEvent> {
    const queue: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    const stop = this.events.watch((e) => {
      queue.push(e);
      wake?.();
    });
    try {
      if (options.since) yield* await this.events.history(options.since, options.until);
      if (options.until && options.until.getTime() <= Date.now()) return;
      for (;;) {
        while (queue.length > 0) {
          const e = queue.shift()!;
          if (options.until && Date.parse(e.time) > options.until.getTime()) return;
          yield e;
        }
        if (options.signal?.aborted) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
          if (options.until) setTimeout(resolve, Math.max(0, options.until.getTime() - Date.now())).unref();
        });
        if (options.until && Date.now() >= options.until.getTime() && queue.length === 0) return;
      }
    } finally {
      stop();
    }
  }

  // ---- containers ---------------------------------------------------------------

  async createContainer(options: CreateOptions): Promise<Container> {
    return this.containers.create(options);
  }

  /**
   * create + start. Foreground (not detached): attaches `streams`, waits, returns the exit
   * code, and removes the container afterwards when `autoRemove` is set.
   */
  async runContainer(options: CreateOptions & { detach?: boolean }, streams?: AttachStreams): Promise<{ id: string; exitCode?: number }> {
    const container = await this.containers.create(options);
    const id = container.config.id;
    if (options.detach || !streams) {
      try {
        await this.containers.start(id);
      } catch (err) {
        if (options.autoRemove) await this.containers.remove(id, { force: true }).catch(() => undefined);
        throw err;
      }
      return { id };
    }
    try {
      const exitCode = await this.containers.start(id, streams);
      return { id, exitCode };
    } finally {
      if (options.autoRemove) await this.containers.remove(id, { force: true }).catch(() => undefined);
    }
  }

  async startContainer(ref: string, options: { attach?: AttachStreams } = {}): Promise<number | undefined> {
    return this.containers.start(ref, options.attach);
  }

  async attachContainer(ref: string, streams: AttachStreams): Promise<number> {
    return this.containers.attach(ref, streams);
  }

  async stopContainer(ref: string, options: { timeout?: number } = {}): Promise<void> {
    await this.containers.stop(ref, options.timeout);
  }

  async killContainer(ref: string, signal = 'SIGKILL'): Promise<void> {
    await this.containers.kill(ref, signal);
  }

  async restartContainer(ref: string, options: { timeout?: number } = {}): Promise<void> {
    await this.containers.restart(ref, options.timeout);
  }

  async pauseContainer(ref: string): Promise<void> {
    await this.containers.pause(ref);
  }

  async unpauseContainer(ref: string): Promise<void> {
    await this.containers.unpause(ref);
  }

  async removeContainer(ref: string, options: { force?: boolean } = {}): Promise<string> {
    return (await this.containers.remove(ref, options)).id;
  }

  async pruneContainers(): Promise<{ deleted: string[] }> {
    const deleted: string[] = [];
    for (const c of await this.containers.states.loadAll()) {
      if (c.state.status === 'exited' || c.state.status === 'created' || c.state.status === 'dead') {
        await this.containers.remove(c.config.id);
        deleted.push(c.config.id);
      }
    }
    return { deleted };
  }

  async listContainers(options: ListFilters = {}): Promise<ContainerSummary[]> {
    const all = await this.containers.collectAutoRemoved(await this.containers.states.loadAll());
    const predicates = parseFilters(options.filters ?? [], (c, ref) => c.config.image === ref || c.config.imageId.startsWith(ref) || c.config.imageId === `sha256:${ref}`);
    return all
      .filter((c) => options.all || c.state.status === 'running' || c.state.status === 'paused')
      .filter((c) => predicates.every((p) => p(c)))
      .sort((a, b) => b.config.created.localeCompare(a.config.created))
      .map(summarize);
  }

  async inspectContainer(ref: string): Promise<Record<string, unknown>> {
    return inspectView(await this.containers.states.resolve(ref));
  }

  logs(ref: string, options: LogOptions = {}): AsyncIterable<LogEntry> {
    const self = this;
    return (async function* () {
      const { config } = await self.containers.states.resolve(ref);
      const dir = self.containers.states.dirOf(config.id);
      const isDone = async () => {
        const now = await self.containers.states.load(config.id);
        return !now || (now.state.status !== 'running' && now.state.status !== 'paused');
      };
      yield* readLog(dir.log, options, isDone);
    })();
  }

  async exec(ref: string, options: ExecOptions, streams: AttachStreams): Promise<number> {
    return this.containers.exec(ref, options, streams);
  }

  async waitContainer(ref: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    return this.containers.wait(ref, options.signal);
  }

  private async running(ref: string): Promise<Container> {
    const c = await this.containers.states.resolve(ref);
    if (c.state.status !== 'running' && c.state.status !== 'paused') {
      throw new BerthError('failed-precondition', `Container ${c.config.name} is not running. Start it with \`berth start ${c.config.name}\`.`);
    }
    return c;
  }

  async top(ref: string): Promise<ProcessRow[]> {
    const c = await this.running(ref);
    const image = await this.parts.images.resolveForRun(c.config.imageId);
    const passwd = parsePasswd((await this.parts.rootfs.readFile(c.config.id, image.chainIds, '/etc/passwd')) ?? '');
    return listProcesses(c.state.pid!, (hostUid) => {
      const uid = toContainer(this.parts.idMappings.uidMappings, hostUid) ?? hostUid;
      return passwd.find((p) => p.uid === uid)?.name ?? String(uid);
    });
  }

  async stats(ref: string): Promise<ContainerStats> {
    const c = await this.running(ref);
    return sampleStats(this.containers.states.dirOf(c.config.id), c.state.pid!, c.config.id, c.config.name);
  }

  /** Bytes of the writable layer (`rw`) and of everything the container sees (`rootFs`), for `ps -s`. */
  async containerSize(ref: string): Promise<{ rw: number; rootFs: number }> {
    const c = await this.containers.states.resolve(ref);
    const { diskUsage } = await import('./disk-usage');
    const rw = await diskUsage(this.parts.images.snapshots.upperDir(c.config.id));
    const image = (await this.listImages()).find((i) => i.id === c.config.imageId);
    return { rw, rootFs: rw + (image?.size ?? 0) };
  }

  async diffContainer(ref: string): Promise<FileChange[]> {
    const c = await this.containers.states.resolve(ref);
    const image = await this.parts.images.resolveForRun(c.config.imageId);
    return this.parts.rootfs.diff(c.config.id, image.chainIds);
  }

  /**
   * `docker cp` out (GET /containers/{id}/archive), running or stopped: a tar of
   * `srcPath`, its top entry named after the path's base name (`/.` at the end: the
   * directory's contents). Symlinks resolve inside the container. No event is emitted.
   */
  async copyFromContainer(ref: string, srcPath: string): Promise<NodeJS.ReadableStream> {
    const { openContainerFs } = await import('./container/container-fs');
    return (await openContainerFs(ref, { states: this.containers.states, images: this.parts.images, workDir: this.paths.tmp })).archive(srcPath);
  }

  /**
   * `docker cp` in (PUT /containers/{id}/archive): extracts the untrusted `tar` into the
   * existing directory `destDir`; a running container is frozen meanwhile. No event is emitted.
   */
  async copyToContainer(ref: string, destDir: string, tar: NodeJS.ReadableStream): Promise<void> {
    const { openContainerFs } = await import('./container/container-fs');
    await (await openContainerFs(ref, { states: this.containers.states, images: this.parts.images, workDir: this.paths.tmp })).extract(destDir, tar as AsyncIterable<Uint8Array>);
  }

  // ---- images -------------------------------------------------------------------

  async listImages(options: { all?: boolean } = {}): Promise<ImageSummary[]> {
    return this.parts.images.listImages(options);
  }

  async inspectImage(ref: string): Promise<Record<string, unknown>> {
    return this.parts.images.inspectImage(ref);
  }

  async imageHistory(ref: string): Promise<ImageHistoryEntry[]> {
    return this.parts.images.imageHistory(ref);
  }

  /**
   * The layers of an image as the layers view and `berth layers` show them (./layers/layers.ts):
   * history rows, dive's efficiency, per-layer trees, comparisons. Computed from the
   * layers' stored indexes; `not-found` for an unknown image.
   */
  async imageLayers(ref: string): Promise<ImageLayers> {
    const [{ ImageLayers: Layers }, { imageNames }] = await Promise.all([import('./layers/image-layers'), import('./image/views')]);
    const { image, refs } = await this.parts.images.catalog.resolve(ref);
    return Layers.open(this.paths.root, image, imageNames(refs, image).repoTags);
  }

  /** Loads a docker-save or OCI archive (a path or a stream); returns the names (or ids) loaded. */
  async loadImages(source: string | NodeJS.ReadableStream, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return this.parts.images.loadImages(source, options);
  }

  async saveImages(refs: string[], file: string | NodeJS.WritableStream, options: { format?: 'docker-archive' | 'oci-archive'; signal?: AbortSignal } = {}): Promise<void> {
    await this.parts.images.saveImages(refs, file, options);
  }

  /** `docker import`: a rootfs tar (path or stream) or a directory becomes a one-layer image. */
  async importImage(source: string | NodeJS.ReadableStream, reference?: string, options: { changes?: string[]; message?: string; signal?: AbortSignal } = {}): Promise<string> {
    const changes = toImageConfigChanges(parseChanges(options.changes ?? []));
    return this.parts.images.importImage(source, reference, { changes, message: options.message, signal: options.signal });
  }

  async tagImage(source: string, target: string): Promise<void> {
    await this.parts.images.tagImage(source, target);
  }

  async removeImages(refs: string[], options: { force?: boolean } = {}): Promise<{ untagged: string[]; deleted: string[] }> {
    return this.parts.images.removeImages(refs, options);
  }

  async pruneImages(options: { all?: boolean } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.parts.images.pruneImages(options);
  }

  /**
   * `docker commit`: the container's writable layer on top of its image becomes a new
   * image. A running container is paused meanwhile (as docker does by default) so the
   * layer is a consistent snapshot.
   */
  async commitContainer(ref: string, options: { reference?: string; changes?: string[]; message?: string; author?: string; pause?: boolean } = {}): Promise<string> {
    const c = await this.containers.states.resolve(ref);
    const image = await this.parts.images.resolve(c.config.imageId);
    const changes = toImageConfigChanges(parseChanges(options.changes ?? [], { env: image.config.config?.Env ?? [] }));
    const pause = (options.pause ?? true) && c.state.status === 'running';
    if (pause) await this.containers.pause(c.config.id);
    try {
      return await this.parts.images.commit({
        upperDir: this.parts.images.snapshots.upperDir(c.config.id),
        image: c.config.imageId,
        reference: options.reference,
        changes,
        comment: options.message,
        author: options.author,
        createdBy: [...c.config.entrypoint, ...c.config.cmd].join(' '),
      });
    } finally {
      if (pause) await this.containers.unpause(c.config.id);
    }
  }

  // ---- registries -----------------------------------------------------------------

  private registryService: Promise<RegistryService> | undefined;

  /** The registry client over this engine's store (loaded on first use: most sessions never pull). */
  private registries(): Promise<RegistryService> {
    this.registryService ??= import('./registry/service').then(({ RegistryService: Service }) => new Service(this.parts.images, {}, (event) => this.events.append(event)));
    return this.registryService;
  }

  /**
   * Pulls an image (Docker Hub naming: `busybox` is `docker.io/library/busybox:latest`),
   * the host platform's from an index unless `platform` (`linux/arm64`) says otherwise.
   * Returns the name it is stored under, its id and manifest digest.
   */
  async pullImage(reference: string, options: { platform?: string; insecure?: boolean; onProgress?: (p: TransferProgress) => void; signal?: AbortSignal } = {}): Promise<{ name: string; id: string; digest: string }> {
    const { parsePlatform } = await import('./image/platform');
    return (await this.registries()).pull(reference, { ...options, platform: options.platform ? parsePlatform(options.platform) : undefined });
  }

  /** Pushes the image `source` names to its own name, or to `target`; returns the manifest digest. */
  async pushImage(source: string, options: { target?: string; insecure?: boolean; onProgress?: (p: TransferProgress) => void; signal?: AbortSignal } = {}): Promise<string> {
    return (await this.registries()).push(source, options.target, options);
  }

  /** Checks the credentials with the registry, then stores them in the Docker config file; returns the registry's name. */
  async login(server: string, credentials: { username: string; password: string }, options: { insecure?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    return (await this.registries()).login(server, credentials, options);
  }

  /** Forgets the stored credentials; false when there were none. */
  async logout(server: string): Promise<boolean> {
    return (await this.registries()).logout(server);
  }

  /** Registries the user is logged in to (from the Docker config file). */
  async listRegistries(): Promise<string[]> {
    return (await this.registries()).registries();
  }

  /** The Docker config file the logins are kept in: `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  async registryCredentialsFile(): Promise<string> {
    return (await this.registries()).credentialsFile();
  }

  /**
   * Repositories of a registry (`/v2/_catalog`), at most `limit`; `not-found`,
   * `unauthorized` or `permission-denied` where it does not list them.
   */
  async registryCatalog(server: string, options: ListingOptions & { insecure?: boolean; signal?: AbortSignal } = {}): Promise<string[]> {
    return (await this.registries()).catalog(server, options);
  }

  /** Tags of a repository in its registry (`localhost:5000/app`), at most `limit`. */
  async registryTags(repository: string, options: ListingOptions & { insecure?: boolean; signal?: AbortSignal } = {}): Promise<string[]> {
    return (await this.registries()).tags(repository, options);
  }

  // ---- builds -------------------------------------------------------------------

  /**
   * `docker build`: builds `options.dockerfile` in `options.context` (see ./build/build.ts).
   * A Dockerfile error is an `invalid-argument` naming file:line:column, raised before any
   * step runs; a failed step names its line too. Nothing is named unless the build succeeds.
   */
  async buildImage(options: BuildOptions): Promise<BuildResult> {
    const { build } = await import('./build/builder');
    const result = await build({ paths: this.paths, images: this.parts.images, helper: this.parts.helper, idMappings: this.parts.idMappings }, options);
    await this.events.append({ type: 'image.build', id: result.id, ...(result.names[0] && { name: familiarName(result.names[0]) }) });
    return result;
  }

  /** `builder prune`: forgets every build cache record and cache mount. */
  async pruneBuildCache(): Promise<{ records: number }> {
    const { pruneBuildCache } = await import('./build/builder');
    return pruneBuildCache({ paths: this.paths, images: this.parts.images, helper: this.parts.helper, idMappings: this.parts.idMappings });
  }

  // ---- system -------------------------------------------------------------------

  async info(): Promise<Record<string, unknown>> {
    const containers = await this.containers.states.loadAll();
    const count = (s: string) => containers.filter((c) => c.state.status === s).length;
    const cgroups = detectCgroupSupport();
    const { diskUsage } = await import('./disk-usage');
    return {
      version: VERSION,
      storeRoot: this.paths.root,
      storeSize: await diskUsage(this.paths.root),
      runtimeDir: this.parts.runtimeDir,
      rootless: !isRoot(),
      idMappings: this.parts.idMappings,
      cgroups,
      // Layers are stacked with overlayfs (in a user namespace when rootless).
      snapshotter: 'overlay',
      containers: { total: containers.length, running: count('running'), paused: count('paused'), stopped: count('exited') + count('created') },
      kernel: (await fs.readFile('/proc/sys/kernel/osrelease', 'utf8').catch(() => '')).trim(),
    };
  }

  version(): { version: string; node: string; os: string; arch: string } {
    return { version: VERSION, node: process.version, os: process.platform, arch: process.arch };
  }
}

export const VERSION = '0.1.0';

