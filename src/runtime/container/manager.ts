/**
 * Container lifecycle: create, start, stop, kill, restart, pause, remove, wait, exec.
 *
 * The manager is stateless between calls: every decision reads the container's records
 * (state-store.ts), so a CLI process and the extension host can drive the same container,
 * and a restarted process finds running containers again. Mutations of one container are
 * serialised by a per-container lock; creation takes the store lock to keep names unique.
 */
import { randomBytes } from 'node:crypto';
import { FSWatcher, mkdirSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthError, conflict, errnoCode, failedPrecondition, invalidArgument } from '../errors';
import { EventLog } from '../event-log';
import { currentBootId } from '../host';
import { ContainerEventType } from '../events';
import { StorePaths } from '../paths';
import { writeJsonAtomicSync } from '../store/atomic';
import { withLock } from '../store/lock';
import { removeTreeSync } from '../tree-removal';
import { Container, ContainerConfig, CreateOptions, ExecOptions, RuntimeState } from './container';
import { DEFAULT_STOP_TIMEOUT } from './defaults';
import { generateName, VALID_NAME } from './names';
import { IdMapping } from './oci-spec';
import { AttachStreams, HelperPort, ImagePort, PrepareOptions, RootfsPort, RunnableImage } from './ports';
import { signalNumber } from './signals';
import { buildSpec, effectiveProcess, hasLimits, mergeEnv, ResolvedUser } from './spec-builder';
import { ContainerDir, ContainerStateStore, processStartTime } from './state-store';
import { resolveUser } from './user';

export interface ManagerDeps {
  paths: StorePaths;
  helper: () => Promise<HelperPort>;
  images: ImagePort;
  rootfs: RootfsPort;
  idMappings: { uidMappings: IdMapping[]; gidMappings: IdMapping[] };
  events: EventLog;
  /** A container's cgroup, where the helper can make one at all (for limits and pause). */
  cgroupsPath?: (id: string) => string | undefined;
  /**
   * Where the containers' per-run files go, `<runtimeDir>/<id>/` (ContainerDir): a dir of
   * this boot, a tmpfs normally. Default: each container's dir in the store.
   */
  runtimeDir?: string;
}

/** The files every container gets bound over (spec-builder.ts). */
const ETC_FILES = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];

/** Images the manager keeps by id (see imageById). */
const IMAGE_CACHE = 16;

export class ContainerManager {
  readonly states: ContainerStateStore;
  private readonly runnable = new Map<string, RunnableImage>();

  constructor(private readonly deps: ManagerDeps) {
    this.states = new ContainerStateStore(deps.paths.containers, deps.runtimeDir);
  }

  private emit(type: ContainerEventType, c: ContainerConfig, extra: { exitCode?: number; signal?: string } = {}) {
    return this.deps.events.append({ type, id: c.id, name: c.name, ...extra });
  }

  /**
   * An image found by its id (its config digest) is the same image for good: the same
   * config and layers. Finding one by id means reading every manifest in the store, so
   * the last few stay here (the layers are checked on every start anyway).
   */
  private async imageById(id: string): Promise<RunnableImage> {
    return this.runnable.get(id) ?? this.remember(await this.deps.images.resolveForRun(id));
  }

  private remember(image: RunnableImage): RunnableImage {
    this.runnable.delete(image.id);
    this.runnable.set(image.id, image);
    if (this.runnable.size > IMAGE_CACHE) this.runnable.delete(this.runnable.keys().next().value!);
    return image;
  }

  /** The store-wide lock of container names (name-index.ts). */
  private get lockFile(): string {
    return path.join(this.deps.paths.root, 'containers.lock');
  }

  private lockOf(id: string): string {
    return path.join(this.deps.paths.containers, id, '.lock');
  }

  async create(options: CreateOptions): Promise<Container> {
    const image = await this.deps.images.resolveForRun(options.image);
    this.remember(image);
    if (options.name !== undefined && !VALID_NAME.test(options.name)) {
      throw invalidArgument(`Invalid container name "${options.name}": use letters, digits, "_", "." and "-", starting with a letter or digit.`);
    }
    const id = randomBytes(32).toString('hex');
    const proc = effectiveProcess(options, image.config);
    const config: ContainerConfig = {
      id,
      name: '',
      image: options.image,
      imageId: image.id,
      created: new Date().toISOString(),
      hostname: options.hostname ?? id.slice(0, 12),
      ...proc,
      tty: options.tty ?? false,
      openStdin: options.openStdin ?? false,
      labels: { ...(image.config.Labels ?? {}), ...(options.labels ?? {}) },
      mounts: options.mounts ?? [],
      resources: options.resources ?? {},
      capAdd: options.capAdd ?? [],
      capDrop: options.capDrop ?? [],
      privileged: options.privileged ?? false,
      readOnly: options.readOnly ?? false,
      network: options.network ?? 'none',
      init: options.init ?? false,
      noNewPrivileges: options.noNewPrivileges ?? false,
      ulimits: options.ulimits ?? [],
      autoRemove: options.autoRemove ?? false,
      stopSignal: options.stopSignal ?? image.config.StopSignal ?? 'SIGTERM',
      stopTimeout: options.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
      snapshotter: '',
    };
    signalNumber(config.stopSignal); // validates early: a bad --stop-signal fails at create
    for (const m of config.mounts) {
      // Only a path known to be missing is refused: one this process may not look into
      // (rootless, a stage's private file in the store) is the helper's to mount.
      if (m.type === 'bind' && (await fs.stat(m.source ?? '').then(() => false, (err) => ['ENOENT', 'ENOTDIR'].includes(errnoCode(err) ?? '')))) {
        throw invalidArgument(`Bind mount source "${m.source}" does not exist on the host. Create it first, or fix the path in -v/--mount.`);
      }
    }
    const dir = this.states.dirOf(id);
    mkdirSync(this.deps.paths.containers, { recursive: true });
    // Reserve the name and create the record under the store lock: two concurrent
    // `run --name web` must not both succeed (name-index.ts).
    const names = this.states.names;
    await withLock(this.lockFile, async () => {
      await names.ensure(() => this.states.nameRecords());
      if (options.name !== undefined && !names.claim(options.name, id)) {
        throw conflict(`The container name "${options.name}" is already in use. Remove that container (\`berth rm ${options.name}\`) or choose another name.`);
      }
      config.name = options.name ?? generateName((name) => names.claim(name, id));
      try {
        await fs.mkdir(dir.dir, { recursive: false });
        const { mountPoint } = this.inRunDir(dir);
        config.snapshotter = (await this.deps.rootfs.prepare(id, image.chainIds, { mountPoint })).snapshotter;
        // No state.json yet: without one a container reads as created (state-store.ts).
        // Last: a directory without container.json is not a container (load() skips
        // it), so a crash before here leaves no record. A --rm container's need not
        // survive a power loss (it is gone after one run anyway): no fsync for it.
        await this.states.writeConfig(config, { durable: !config.autoRemove });
      } catch (err) {
        await this.removeFiles(id).catch(() => undefined);
        names.release(config.name, id);
        throw err;
      }
    });
    await this.emit('container.create', config);
    return { config, state: { status: 'created', restartCount: 0 } };
  }

  /** `user` (name or id, with an optional group) through the container's /etc/passwd and /etc/group. */
  private async resolveUserIn(id: string, chainIds: string[], user: string): Promise<ResolvedUser> {
    const readFile = (p: string) => this.deps.rootfs.readFile(id, chainIds, p);
    const [passwd, group] = await Promise.all([readFile('/etc/passwd'), readFile('/etc/group')]);
    return resolveUser(user, passwd, group);
  }

  /** With a run dir, the rootfs's mount point goes there, and the stubs of the /etc files beside. */
  private inRunDir(dir: ContainerDir): PrepareOptions {
    if (dir.run === dir.dir) return {};
    return { mountPoint: path.join(dir.run, 'rootfs'), stubs: { paths: ETC_FILES, dir: path.join(path.dirname(dir.run), '.stubs') } };
  }

  /**
   * Writes the bundle (config.json + /etc files) for a start, in the container's run dir:
   * a few small files on a tmpfs, written synchronously (round trips to libuv's thread
   * pool would cost more than the writes).
   */
  private async writeBundle(container: Container, terminalSize?: { rows: number; cols: number }): Promise<void> {
    const { config } = container;
    const dir = this.states.dirOf(config.id);
    const image = await this.imageById(config.imageId);
    if (config.autoRemove && container.state.bootId !== undefined && container.state.bootId !== currentBootId()) {
      throw failedPrecondition(
        `Container ${config.name} was started with --rm, so its writable layer was never synced to disk, and the host went down while it ran: its files may be damaged. Remove it (\`berth rm ${config.name}\`) and run a new one.`,
      );
    }
    mkdirSync(dir.bundle, { recursive: true, mode: 0o700 });
    const rootfs = await this.deps.rootfs.prepare(config.id, image.chainIds, { volatile: config.autoRemove, ...this.inRunDir(dir) });
    const user = await this.resolveUserIn(config.id, image.chainIds, config.user);
    const etcFiles = {
      hostname: path.join(dir.bundle, 'hostname'),
      hosts: path.join(dir.bundle, 'hosts'),
      resolvConf: path.join(dir.bundle, 'resolv.conf'),
    };
    const hostname = config.network === 'host' ? os.hostname() : config.hostname;
    const spec = buildSpec({
      config,
      user,
      ...this.deps.idMappings,
      rootfsPath: rootfs.rootfsPath,
      rootfsMount: rootfs.mount,
      etcFiles,
      // Joining a cgroup costs every start an RCU grace period (~10 ms on cgroup v1): only
      // limits need one from the start; a pause makes one when it needs it (freeze below).
      cgroupsPath: hasLimits(config.resources) ? this.deps.cgroupsPath?.(config.id) : undefined,
      terminalSize,
    });
    let hostResolv = '';
    try {
      hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      // No resolver configured on the host: none in the container either.
    }
    writeFileSync(etcFiles.hostname, hostname + '\n');
    writeFileSync(etcFiles.hosts, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${config.network === 'host' ? '' : `127.0.1.1\t${hostname}\n`}`);
    writeFileSync(etcFiles.resolvConf, config.network === 'host' ? hostResolv : hostResolv.replace(/^nameserver\s+127\.\S+\s*$/gm, ''));
    // Rewritten at every start: atomic (a helper may read it), never synced (one boot's).
    writeJsonAtomicSync(path.join(dir.bundle, 'config.json'), spec);
  }

  /**
   * Starts a created or exited container. With `attach`, the process does not begin
   * until the streams are connected, so no early output is lost; the returned promise
   * then resolves with the exit code. Without, it resolves once the process runs.
   */
  async start(ref: string, attach?: AttachStreams): Promise<number | undefined> {
    const container = await this.states.resolve(ref);
    const { config } = container;
    const dir = this.states.dirOf(config.id);
    const attachment = await withLock(this.lockOf(config.id), async () => {
      const current = (await this.states.load(config.id))!;
      if (current.state.status === 'running' || current.state.status === 'paused') {
        if (!attach) return undefined;
        return 'already-running' as const;
      }
      await this.writeBundle(current, attach?.tty);
      // What an earlier run left (two unlinks: cheaper done than sent to the thread pool).
      rmSync(dir.exitFile, { force: true });
      rmSync(dir.attachSocket, { force: true });
      const helper = await this.deps.helper();
      // Attached, the monitor's answer comes on the connection that then carries the
      // streams, and the process waits for the start frame: the record and the start event
      // come first, so no listing or event reader sees it die before it started.
      const started = await helper.run(
        {
          id: config.id,
          bundle: dir.bundle,
          state: dir.dir,
          runtime: dir.run,
          tty: config.tty,
          stdin: config.openStdin,
          waitAttach: attach !== undefined,
          events: this.deps.events.file,
        },
        attach,
      );
      const state: RuntimeState = {
        status: 'running',
        pid: started.pid,
        monitorPid: started.monitorPid,
        monitorStart: processStartTime(started.monitorPid),
        bootId: currentBootId(),
        startedAt: new Date().toISOString(),
        restartCount: current.state.startedAt ? current.state.restartCount + 1 : 0,
        warnings: started.warnings?.length ? started.warnings : undefined,
      };
      try {
        await this.states.writeState(config.id, state);
        await this.emit('container.start', config);
      } catch (err) {
        started.attachment?.signal(9);
        started.attachment?.close();
        throw err;
      }
      started.attachment?.start();
      return started.attachment;
    });
    if (attachment === undefined) return undefined;
    if (attachment === 'already-running') return this.attach(config.id, attach!);
    return attachment.exited;
  }

  async attach(ref: string, streams: AttachStreams): Promise<number> {
    const container = await this.states.resolve(ref);
    if (container.state.status !== 'running' && container.state.status !== 'paused') {
      throw new BerthError('failed-precondition', `Container ${container.config.name} is not running (${container.state.status}). Start it with \`berth start -a ${container.config.name}\`.`);
    }
    const helper = await this.deps.helper();
    const dir = this.states.dirOf(container.config.id);
    const attachment = await helper.attach(dir.liveSocket(), streams, dir.exitFile);
    return attachment.exited;
  }

  /** Sends a signal to the container's init, through its monitor (no pid-reuse races). */
  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const container = await this.states.resolve(ref);
    if (container.state.status !== 'running' && container.state.status !== 'paused') {
      throw new BerthError('failed-precondition', `Container ${container.config.name} is not running, so it cannot be sent ${signal}.`);
    }
    const helper = await this.deps.helper();
    await helper.signal(this.states.dirOf(container.config.id).liveSocket(), signalNumber(signal));
    // A frozen process only acts on a signal once thawed (cgroup v1 freezer, SIGSTOP).
    if (container.state.status === 'paused' && signalNumber(signal) === 9) await this.unpause(ref).catch(() => undefined);
    await this.emit('container.kill', container.config, { signal });
  }

  /** Resolves with the exit code once the container is no longer running. */
  async wait(ref: string, signal?: AbortSignal): Promise<number> {
    const { config } = await this.states.resolve(ref);
    const dir = this.states.dirOf(config.id);
    for (;;) {
      signal?.throwIfAborted();
      const now = await this.states.load(config.id);
      if (!now) throw new BerthError('not-found', `Container ${config.name} was removed while waiting for it.`);
      if (now.state.status !== 'running' && now.state.status !== 'paused') return now.state.exitCode ?? 0;
      // exit.json appears in the container dir; the timeout re-checks the monitor's
      // liveness in case it died without writing one.
      await waitForChange(dir.dir, 1000, signal);
    }
  }

  async stop(ref: string, timeout?: number): Promise<void> {
    const container = await this.states.resolve(ref);
    const { config, state } = container;
    if (state.status !== 'running' && state.status !== 'paused') return;
    const helper = await this.deps.helper();
    const socket = this.states.dirOf(config.id).liveSocket();
    const grace = (timeout ?? config.stopTimeout) * 1000;
    if (state.status === 'paused') await this.unpause(ref);
    await helper.signal(socket, signalNumber(config.stopSignal)).catch(() => undefined);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), grace);
    try {
      await this.wait(config.id, abort.signal);
    } catch {
      await helper.signal(socket, 9).catch(() => undefined);
      await this.wait(config.id);
    } finally {
      clearTimeout(timer);
    }
    await this.emit('container.stop', config);
  }

  async restart(ref: string, timeout?: number): Promise<void> {
    await this.stop(ref, timeout);
    await this.start(ref);
  }

  async pause(ref: string): Promise<void> {
    await this.freeze(ref, true);
  }

  async unpause(ref: string): Promise<void> {
    await this.freeze(ref, false);
  }

  private async freeze(ref: string, frozen: boolean): Promise<void> {
    const container = await this.states.resolve(ref);
    const { config, state } = container;
    const expected = frozen ? 'running' : 'paused';
    if (state.status !== expected) {
      throw new BerthError('failed-precondition', `Container ${config.name} is ${state.status}, not ${expected}.`);
    }
    const { readCgroup, setFrozen } = await import('./freezer');
    const dir = this.states.dirOf(config.id);
    const cgroupsPath = this.deps.cgroupsPath?.(config.id);
    if (frozen && cgroupsPath && !(await readCgroup(dir))) {
      const helper = await this.deps.helper();
      await helper.freezer({ state: dir.dir, pid: state.pid!, cgroupsPath });
    }
    await setFrozen(dir, state.pid!, frozen);
    await this.states.writeState(config.id, { ...state, status: frozen ? 'paused' : 'running' });
    await this.emit(frozen ? 'container.pause' : 'container.unpause', config);
  }

  async remove(ref: string, options: { force?: boolean } = {}): Promise<ContainerConfig> {
    const container = await this.states.resolve(ref);
    const { config, state } = container;
    if (state.status === 'running' || state.status === 'paused') {
      if (!options.force) {
        throw conflict(`Container ${config.name} is running. Stop it first (\`berth stop ${config.name}\`) or remove it with -f.`);
      }
      const helper = await this.deps.helper();
      await helper.signal(this.states.dirOf(config.id).liveSocket(), 9).catch(() => undefined);
      if (state.status === 'paused') await this.unpause(config.id).catch(() => undefined);
      await this.wait(config.id);
    }
    await this.removeFiles(config.id);
    await Promise.all([withLock(this.lockFile, async () => this.states.names.release(config.name, config.id)), this.emit('container.destroy', config)]);
    return config;
  }

  /**
   * One rename sets the container's store dir aside, which takes it out of every listing
   * and lookup whole; then its run dir and the set-aside tree are deleted. A remover
   * killed in between leaves the tree to the next listing (collectAutoRemoved).
   */
  private async removeFiles(id: string): Promise<void> {
    const tree = this.states.setAside(id);
    this.removeRunDir(id);
    if (tree) await this.deleteTree(id, tree);
  }

  private removeRunDir(id: string): void {
    const { dir, run } = this.states.dirOf(id);
    if (run !== dir) removeTreeSync(run);
  }

  /** Deletes a container's store dir (`tree`: where it is now). */
  private async deleteTree(id: string, tree: string): Promise<void> {
    try {
      // Rootless, work/work (a volatile mount's mark, the shared whiteout) would otherwise
      // send every removal to the helper.
      this.deps.rootfs.clearScratch(id, tree);
      // The writable layer may hold any number of files: through libuv's thread pool,
      // unless empty. The rest is a few small files and dirs, for which as many round
      // trips to the pool cost 2-3x the removal itself, so they go synchronously.
      const upper = path.join(tree, path.relative(this.states.dirOf(id).dir, this.deps.rootfs.upperDir(id)));
      if (!isEmptyDir(upper)) await fs.rm(upper, { recursive: true, force: true });
      removeTreeSync(tree);
    } catch {
      // Files owned by subordinate ids (written inside a rootless container) need the
      // helper, which removes them from inside the container's user namespace.
      const helper = await this.deps.helper();
      await helper.rmtree({ path: tree, ...this.deps.idMappings });
    }
  }

  /**
   * Removes exited containers that were started with --rm and whose starter is gone, and
   * finishes removals whose remover died (as the listing `all` was read: `loadAll`);
   * returns the rest of `all` (a listing read once by the caller, not read again here).
   */
  async collectAutoRemoved(all: Container[]): Promise<Container[]> {
    for (const { id, dir } of this.states.abandoned.splice(0)) {
      this.removeRunDir(id);
      await this.deleteTree(id, dir).catch(() => undefined);
    }
    const kept: Container[] = [];
    for (const c of all) {
      if (c.config.autoRemove && c.state.status === 'exited' && c.state.startedAt) {
        const removed = await this.remove(c.config.id).then(() => true, () => false);
        // A failed removal may still have taken it (its starter removed it meanwhile).
        if (removed || !(await this.states.load(c.config.id))) continue;
      }
      kept.push(c);
    }
    return kept;
  }

  async exec(ref: string, options: ExecOptions, streams: AttachStreams): Promise<number> {
    const container = await this.states.resolve(ref);
    const { config, state } = container;
    if (state.status !== 'running') {
      throw new BerthError('failed-precondition', `Container ${config.name} is ${state.status}; exec needs a running container. Start it with \`berth start ${config.name}\`.`);
    }
    const image = await this.imageById(config.imageId);
    const user = await this.resolveUserIn(config.id, image.chainIds, options.user ?? config.user);
    const spec = buildSpec({
      config: { ...config, cmd: options.cmd, entrypoint: [], env: mergeEnv(config.env, options.env), workingDir: options.workingDir || config.workingDir, tty: options.tty ?? false, privileged: options.privileged || config.privileged },
      user,
      ...this.deps.idMappings,
      rootfsPath: '/',
      etcFiles: { hostname: '', hosts: '', resolvConf: '' },
      terminalSize: streams.tty,
    });
    const execId = randomBytes(16).toString('hex');
    const dir = this.states.dirOf(config.id);
    // (A container started before run dirs existed has none.)
    mkdirSync(dir.run, { recursive: true, mode: 0o700 });
    const helper = await this.deps.helper();
    try {
      const { attachment } = await helper.exec(
        { id: config.id, state: dir.dir, runtime: dir.run, execId, pid: state.pid!, process: spec.process, tty: options.tty ?? false, stdin: options.openStdin ?? false, waitAttach: true },
        streams,
      );
      // The event first, as for a start: the session begins once it is recorded.
      await this.emit('container.exec', config).finally(() => attachment!.start());
      return await attachment!.exited;
    } finally {
      rmSync(path.join(dir.execDir, execId), { recursive: true, force: true });
    }
  }
}

/** True for an empty or absent directory. */
function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return true;
    throw err;
  }
}

/** Resolves on the next change in `dir`, after `timeout` ms, or on abort. */
export function waitForChange(dir: string, timeout: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeout);
    try {
      watcher = watch(dir, { persistent: false }, done);
    } catch {
      // The dir vanished: the caller re-reads and finds out why.
    }
    signal?.addEventListener('abort', done);
  });
}
