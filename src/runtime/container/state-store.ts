/**
 * Container records on disk (`<root>/containers/<id>/`) and the derivation of a
 * container's true status from them. See container.ts for the files.
 *
 * Status is never taken from state.json alone: a "running" record is running only while
 * its monitor lives (same boot, same pid, same /proc start time). Otherwise the monitor's
 * exit.json tells how it ended; with no exit.json (host restart, monitor killed) the
 * container reads as exited with code 255 and an error saying why — shown, never lost.
 */
import * as fs from 'node:fs/promises';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { BerthError, errnoCode } from '../errors';
import { currentBootId } from '../host';
import { WriteOptions, writeJsonAtomic, writeJsonAtomicSync } from '../store/atomic';
import { Container, ContainerConfig, RuntimeState } from './container';
import { NameIndex } from './name-index';
import { VALID_NAME } from './names';

const ID = /^[0-9a-f]{64}$/;

/** Containers whose records loadAll reads between two yields to the event loop (~1 ms). */
const LOAD_BATCH = 64;

export interface ExitRecord {
  exitCode: number;
  signal?: string | null;
  finishedAt: string;
  oomKilled?: boolean;
}

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie is dead: it only waits for a parent to reap it (some inits never do).
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/**
 * One container's files: `dir` in the store (what must survive a host restart: the
 * record, the log, the exit status, the writable layer) and `run`, its files of one run,
 * rewritten at each start and worthless after a restart (the OCI bundle's config.json,
 * the files bound as /etc/hosts, /etc/hostname and /etc/resolv.conf, attach.sock, exec
 * sessions). `run` is below the runtime dir, a tmpfs on a usual host, where making and
 * removing them costs a fraction of what it does on the store's disk; without one it is
 * `dir` itself.
 */
export class ContainerDir {
  constructor(
    readonly dir: string,
    readonly run: string = dir,
  ) {}
  get configFile() { return path.join(this.dir, 'container.json'); }
  get stateFile() { return path.join(this.dir, 'state.json'); }
  get exitFile() { return path.join(this.dir, 'exit.json'); }
  get log() { return path.join(this.dir, 'ctr.log'); }
  get cgroupFile() { return path.join(this.dir, 'cgroup.json'); }
  /** The OCI bundle: config.json and the /etc files. */
  get bundle() { return this.run; }
  get attachSocket() { return path.join(this.run, 'attach.sock'); }
  get execDir() { return path.join(this.run, 'exec'); }

  /**
   * The attach socket of the monitor running the container now: attachSocket, or for one
   * started by a Berth from before run dirs (still running across an upgrade), the store
   * dir's.
   */
  liveSocket(): string {
    const legacy = path.join(this.dir, 'attach.sock');
    return this.run !== this.dir && !existsSync(this.attachSocket) && existsSync(legacy) ? legacy : this.attachSocket;
  }
}

/** A container dir set aside for removal by process <pid>: `.rm-<id>-<pid>`. */
const SET_ASIDE = /^\.rm-([0-9a-f]{64})-(\d+)$/;

/** exit.json (tens of bytes), read synchronously as the records are (readRecord). */
function readExit(dir: ContainerDir): ExitRecord | undefined {
  try {
    return JSON.parse(readFileSync(dir.exitFile, 'utf8')) as ExitRecord;
  } catch {
    return undefined;
  }
}

export class ContainerStateStore {
  private readonly bootId = currentBootId();
  readonly names: NameIndex;
  /** Removals set aside by processes now gone, as the last listing found them. */
  abandoned: { id: string; dir: string }[] = [];

  /** `runDir`: where the containers' per-run files go (ContainerDir); default: the store. */
  constructor(
    readonly containersDir: string,
    readonly runDir?: string,
  ) {
    this.names = new NameIndex(path.join(containersDir, '.names'), (id) => this.readConfig(id)?.name);
  }

  dirOf(id: string): ContainerDir {
    const dir = path.join(this.containersDir, id);
    return new ContainerDir(dir, this.runDir === undefined ? dir : path.join(this.runDir, id));
  }

  /**
   * Takes a container out of the store in one rename: every listing and lookup misses it
   * from then on, whole. Returns where it went, for its remover to delete; a remover that
   * dies first leaves it to `abandoned` (the next listing).
   */
  setAside(id: string): string | undefined {
    const aside = path.join(this.containersDir, `.rm-${id}-${process.pid}`);
    try {
      renameSync(path.join(this.containersDir, id), aside);
      return aside;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.containersDir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    this.abandoned = [];
    for (const name of names) {
      const aside = SET_ASIDE.exec(name);
      if (aside && processStartTime(Number(aside[2])) === undefined) this.abandoned.push({ id: aside[1], dir: path.join(this.containersDir, name) });
    }
    return names.filter((n) => ID.test(n));
  }

  async writeConfig(config: ContainerConfig, { durable = true }: WriteOptions = {}): Promise<void> {
    if (durable) await writeJsonAtomic(this.dirOf(config.id).configFile, config);
    else writeJsonAtomicSync(this.dirOf(config.id).configFile, config);
  }

  async writeState(id: string, state: RuntimeState): Promise<void> {
    // Not fsynced: the status is re-derived from the monitor and exit.json on every read,
    // so after a power loss a stale state.json is corrected, and a process crash cannot
    // tear it (rename is atomic either way).
    writeJsonAtomicSync(this.dirOf(id).stateFile, state);
  }

  /** Loads one container; undefined if it vanished (removed by another process). */
  async load(id: string): Promise<Container | undefined> {
    const record = this.readRecord(id);
    return record && { config: record.config, state: await this.derive(this.dirOf(id), record.state) };
  }

  async loadAll(): Promise<Container[]> {
    const ids = await this.ids();
    const out: Container[] = [];
    for (let i = 0; i < ids.length; i += LOAD_BATCH) {
      // The records are read synchronously (readRecord): yield between batches so a long
      // listing never holds the extension host's event loop for more than a moment.
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      const batch = await Promise.all(ids.slice(i, i + LOAD_BATCH).map((id) => this.load(id)));
      for (const c of batch) if (c) out.push(c);
    }
    return out;
  }

  /**
   * container.json and state.json, read synchronously: these are a few hundred bytes in
   * the local store, ~15 µs each this way against ~150 µs of main-thread work through
   * fs.promises (open, fstat, read, close: one promise and thread-pool trip each) — the
   * difference between 15 and 150 ms for a view listing 500 containers.
   */
  private readConfig(id: string): ContainerConfig | undefined {
    try {
      return JSON.parse(readFileSync(this.dirOf(id).configFile, 'utf8')) as ContainerConfig;
    } catch {
      return undefined;
    }
  }

  private readRecord(id: string): { config: ContainerConfig; state: RuntimeState } | undefined {
    const dir = this.dirOf(id);
    const config = this.readConfig(id);
    if (!config) return undefined;
    let state: RuntimeState;
    try {
      state = JSON.parse(readFileSync(dir.stateFile, 'utf8')) as RuntimeState;
    } catch (err) {
      state = errnoCode(err) === 'ENOENT' ? { status: 'created', restartCount: 0 } : { status: 'dead', restartCount: 0, error: 'state.json is unreadable' };
    }
    return { config, state };
  }

  monitorAlive(state: RuntimeState): boolean {
    if (!state.monitorPid || state.bootId !== this.bootId) return false;
    return processStartTime(state.monitorPid) === state.monitorStart;
  }

  private async derive(dir: ContainerDir, recorded: RuntimeState): Promise<RuntimeState> {
    if (recorded.status !== 'running' && recorded.status !== 'paused') return recorded;
    const exit = readExit(dir);
    if (exit) {
      return { ...recorded, status: 'exited', exitCode: exit.exitCode, finishedAt: exit.finishedAt, oomKilled: exit.oomKilled ?? false, pid: undefined };
    }
    if (this.monitorAlive(recorded)) return recorded;
    // The monitor writes exit.json before it exits; re-read once in case it just did.
    const late = readExit(dir);
    if (late) return { ...recorded, status: 'exited', exitCode: late.exitCode, finishedAt: late.finishedAt, pid: undefined };
    return {
      ...recorded,
      status: 'exited',
      exitCode: 255,
      pid: undefined,
      finishedAt: recorded.finishedAt ?? recorded.startedAt,
      error: recorded.bootId !== this.bootId ? 'the host restarted while the container was running' : 'the container monitor exited without recording an exit status',
    };
  }

  /** Every container's id and name, for building the name index. */
  async nameRecords(): Promise<{ id: string; name: string }[]> {
    const out: { id: string; name: string }[] = [];
    for (const id of await this.ids()) {
      const name = this.readConfig(id)?.name;
      if (name) out.push({ id, name });
    }
    return out;
  }

  private async findByName(name: string): Promise<Container | undefined> {
    if (!VALID_NAME.test(name)) return undefined;
    if (!this.names.exists()) return (await this.loadAll()).find((c) => c.config.name === name);
    const id = this.names.lookup(name);
    const found = id !== undefined && ID.test(id) ? await this.load(id) : undefined;
    return found?.config.name === name ? found : undefined;
  }

  /**
   * Finds a container by full id, unique id prefix, or name (with or without a leading
   * slash, as Docker prints them). Names win over prefixes, as in Docker. Reads the
   * records of the candidates only (the name index, the ids that match).
   */
  async resolve(ref: string): Promise<Container> {
    const wanted = ref.replace(/^\//, '');
    const byName = await this.findByName(wanted);
    if (byName) return byName;
    const exact = ID.test(wanted) ? await this.load(wanted) : undefined;
    if (exact) return exact;
    const candidates = wanted.length === 0 ? [] : (await this.ids()).filter((id) => id.startsWith(wanted));
    const byId = (await Promise.all(candidates.map((id) => this.load(id)))).filter((c): c is Container => c !== undefined);
    if (byId.length === 1) return byId[0];
    if (byId.length > 1) {
      throw new BerthError('invalid-argument', `"${ref}" matches ${byId.length} containers. Give more characters of the id, or the name.`);
    }
    throw new BerthError('not-found', `No such container: ${ref}. List containers with \`berth ps -a\`.`);
  }
}
