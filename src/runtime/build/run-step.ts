/**
 * RUN: a container on the step's layers, run through the ordinary container manager and
 * helper, whose upper dir becomes the step's layer.
 *
 * Build containers are not the user's containers: they live in `<root>/builds/containers`
 * with their own event log, so `ps -a` and the events view never show them. Each records
 * the build's lease id; a build whose process died (kill -9) is recognised by its dead
 * lease, and the next build sweeps its containers away (`sweepOrphans`). Removal falls
 * back to `removeTree` when the container manager cannot do it (a removal cut short left
 * no container.json): rootless, a container's `work/work` is a mode-000 directory that
 * keeps overlay's shared whiteout, which a plain recursive rm cannot read (EACCES).
 *
 * Mount points the runtime had to create for a RUN (/etc/hosts, a cache mount's target…)
 * are not part of what the command did: if the base had no such path and the stub is still
 * empty afterwards, it is removed from the upper dir before packing, as BuildKit does.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import type { BindMount } from '../container/container';
import { ContainerManager } from '../container/manager';
import type { HelperPort, RunnableImage } from '../container/ports';
import type { IdMapping } from '../container/oci-spec';
import { EventLog } from '../event-log';
import { chainIds } from '../layer/layer';
import { upperOpaqueDirs } from '../layer/pack';
import { type LayerContext, removeTree } from '../layer/layer-store';
import type { StorePaths } from '../paths';
import { OverlaySnapshotter } from '../snapshot/overlay';
import { isLeaseAlive } from '../store/lease';
import type { BuildState } from './build';
import type { SourceTree } from './source-tree';

const LEASE_FILE = 'build-lease';
const CONTAINER_ID = /^[0-9a-f]{64}$/;
/** How long a build container may lack its lease file before a sweep takes it as abandoned. */
const UNLEASED_GRACE_MS = 10 * 60_000;
/** Paths the runtime mounts over in every container. */
const RUNTIME_TARGETS = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'proc', 'sys', 'dev'];

export interface RunSpec {
  state: BuildState;
  args: string[];
  env: string[];
  workdir: string;
  user: string;
  network: 'none' | 'host';
  mounts: BindMount[];
  /** The base's tree, to tell mount stubs from files the command made. */
  base: SourceTree;
  onOutput: (stream: 'stdout' | 'stderr', line: string) => void;
  signal?: AbortSignal;
}

export interface RunOutcome {
  exitCode: number;
  /** The container's upper dir, cleaned of mount stubs; valid until `remove`. */
  upperDir: string;
  /** Its opaque directories (../layer/pack.ts `upperOpaqueDirs`), for packing. */
  opaque: ReadonlySet<string>;
  remove(): Promise<void>;
}

/** Where build containers live. */
function buildContainersDir(root: string): string {
  return path.join(root, 'builds', 'containers');
}

/** Whether any build container is there to sweep: one readdir, usually finding none. */
export async function hasBuildContainers(root: string): Promise<boolean> {
  const names = await fsp.readdir(buildContainersDir(root)).catch(() => [] as string[]);
  return names.some((n) => CONTAINER_ID.test(n));
}

export class StepRunner {
  private readonly manager: ContainerManager;
  private readonly snapshots: OverlaySnapshotter;
  private readonly images = new Map<string, RunnableImage>();
  private readonly containersDir: string;

  constructor(
    paths: StorePaths,
    helper: () => Promise<HelperPort>,
    private readonly layers: LayerContext,
    idMappings: { uidMappings: IdMapping[]; gidMappings: IdMapping[] },
    private readonly leaseId: string,
  ) {
    this.containersDir = buildContainersDir(paths.root);
    const buildPaths = { ...paths, containers: this.containersDir };
    this.snapshots = new OverlaySnapshotter(buildPaths, layers);
    this.manager = new ContainerManager({
      paths: buildPaths,
      helper,
      images: { resolveForRun: async (ref) => this.images.get(ref) ?? Promise.reject(new Error(`no build state ${ref}`)) },
      rootfs: this.snapshots,
      idMappings,
      events: new EventLog(path.join(paths.root, 'builds', 'events.jsonl')),
    });
  }

  /**
   * Removes the containers of builds whose process is gone. One without a lease file is
   * left alone for a while: another build may be between creating it and writing its lease.
   */
  async sweepOrphans(): Promise<void> {
    for (const name of await fsp.readdir(this.containersDir).catch(() => [] as string[])) {
      if (!CONTAINER_ID.test(name)) continue; // the manager's own files (its name index)
      const dir = path.join(this.containersDir, name);
      const lease = await fsp.readFile(path.join(dir, LEASE_FILE), 'utf8').catch(() => undefined);
      if (lease !== undefined && (await isLeaseAlive(path.dirname(path.dirname(this.containersDir)), lease.trim()))) continue;
      if (lease === undefined && Date.now() - ((await fsp.stat(dir).catch(() => undefined))?.mtimeMs ?? 0) < UNLEASED_GRACE_MS) continue;
      await this.removeContainer(name);
    }
  }

  /** Through the manager (it stops a running one); what that leaves, as a tree. */
  private async removeContainer(id: string): Promise<void> {
    await this.manager.remove(id, { force: true }).catch(() => undefined);
    await removeTree(path.join(this.containersDir, id), this.layers);
  }

  async run(spec: RunSpec): Promise<RunOutcome> {
    const ref = `build-${spec.state.key}`;
    this.images.set(ref, { id: ref, reference: ref, config: {}, chainIds: chainIds(spec.state.config.rootfs.diff_ids) });
    await fsp.mkdir(this.containersDir, { recursive: true });
    const container = await this.manager.create({
      image: ref,
      entrypoint: [],
      cmd: spec.args,
      env: spec.env,
      workingDir: spec.workdir || '/',
      user: spec.user,
      network: spec.network,
      mounts: spec.mounts,
    });
    const id = container.config.id;
    const remove = async () => {
      // A failure leaves the container to the next build's sweep.
      await this.removeContainer(id).catch(() => undefined);
      this.images.delete(ref);
    };
    try {
      await fsp.writeFile(path.join(this.containersDir, id, LEASE_FILE), this.leaseId);
      const stdout = lineWriter((l) => spec.onOutput('stdout', l));
      const stderr = lineWriter((l) => spec.onOutput('stderr', l));
      let exited = false;
      // A cancel may come while the container is still starting, when a kill has nothing
      // to reach yet: keep killing until the process is gone.
      const onAbort = async () => {
        while (!exited) {
          await this.manager.kill(id, 'SIGKILL').catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      spec.signal?.throwIfAborted();
      spec.signal?.addEventListener('abort', () => void onAbort(), { once: true });
      let exitCode: number;
      try {
        exitCode = (await this.manager.start(id, { stdout, stderr })) ?? 0;
      } finally {
        exited = true;
        stdout.end();
        stderr.end();
      }
      spec.signal?.throwIfAborted();
      const upperDir = this.snapshots.upperDir(id);
      const opaque = await upperOpaqueDirs(upperDir, this.layers);
      await removeStubs(upperDir, [...RUNTIME_TARGETS, ...spec.mounts.map((m) => m.target.replace(/^\/+/, ''))], spec.base, opaque);
      return { exitCode, upperDir, opaque, remove };
    } catch (err) {
      await remove();
      throw err;
    }
  }
}

/** A Writable calling `emit` once per line (a last partial line on end). */
function lineWriter(emit: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) emit(l);
      done();
    },
    final(done) {
      if (pending !== '') emit(pending);
      pending = '';
      done();
    },
  });
}

/**
 * Deletes empty files and directories at `targets` (and their new parents) that the base did
 * not have; then the base's directories that only held those stubs (overlay copied them up
 * to make the stubs) when they are left empty with the base's mode and owner, so a RUN that
 * did not touch /etc does not put /etc in its layer (BuildKit and buildah leave it out too).
 * Below an opaque directory (deleted and made again by the command) the base has nothing;
 * the opaque directory itself stays even when empty: it hides the base's old contents.
 */
async function removeStubs(upperDir: string, targets: string[], base: SourceTree, opaque: ReadonlySet<string>): Promise<void> {
  const before = async (rel: string) => (belowOpaque(rel, opaque) ? undefined : base.get(rel));
  for (const target of targets) {
    let removed = false;
    let rel = target;
    for (; rel !== '' && rel !== '.'; rel = path.posix.dirname(rel)) {
      if (await before(rel)) break;
      const abs = path.join(upperDir, rel);
      const stat = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (!stat) continue;
      try {
        if (stat.isDirectory()) fs.rmdirSync(abs);
        else if (stat.isFile() && stat.size === 0) fs.unlinkSync(abs);
        else break;
        removed = true;
      } catch {
        break; // not empty: the command put something there
      }
    }
    if (!removed) continue;
    for (; rel !== '' && rel !== '.'; rel = path.posix.dirname(rel)) {
      const was = (await before(rel))?.stat;
      const abs = path.join(upperDir, rel);
      const stat = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (!was?.isDirectory() || !stat?.isDirectory() || opaque.has(rel)) break;
      if (stat.mode !== was.mode || stat.uid !== was.uid || stat.gid !== was.gid) break;
      try {
        fs.rmdirSync(abs);
      } catch {
        break; // the command changed something inside
      }
    }
  }
}

/** Whether an opaque directory above `rel` hides whatever the base has there. */
function belowOpaque(rel: string, opaque: ReadonlySet<string>): boolean {
  for (let at = rel; at !== '' && opaque.size > 0; ) {
    const slash = at.lastIndexOf('/');
    at = slash < 0 ? '' : at.slice(0, slash);
    if (opaque.has(at)) return true;
  }
  return false;
}
