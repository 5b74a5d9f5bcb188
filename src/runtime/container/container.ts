/**
 * Containers: the model.
 *
 * A container is an image plus a writable layer plus the settings it was created with.
 * Its life: created → running ⇄ paused → exited (→ running again on start/restart) →
 * removed. What must outlive a host restart lives in the store, `<root>/containers/<id>/`:
 *
 *   container.json   ContainerConfig — what the user asked for; written once at create
 *   state.json       RuntimeState — written by the runtime at each start/stop/pause
 *   upper/ work/     the writable layer (overlay) — or rootfs/ with the copy snapshotter
 *   ctr.log          CRI-format log written by the monitor (timestamp stream P|F text)
 *   exit.json        written atomically by the monitor after the process exits
 *   cgroup.json      the monitor's record of the container's cgroup, while it has one
 *
 * The files of one run, rewritten at each start, in the runtime dir (a tmpfs, normally),
 * `<runtime>/containers/<id>/`: config.json (the OCI bundle handed to the helper),
 * rootfs/ (where the overlay is mounted), hostname, hosts and resolv.conf (bound into the
 * container), attach.sock and exec/ (the monitors'); beside them `.stubs/`, one layer per
 * image with the mount points of those three files it lacks. A removal renames the store
 * dir aside first (`.rm-<id>-<pid>`), so no listing ever sees half a container.
 *
 * The true status is derived, never trusted from one file: a state that says "running"
 * whose monitor is gone (host restart, kill -9 of everything) reads as exited.
 */

export type ContainerStatus = 'created' | 'running' | 'paused' | 'exited' | 'removing' | 'dead';

export interface BindMount {
  type: 'bind' | 'tmpfs';
  /** Host path (bind) — absent for tmpfs. */
  source?: string;
  /** Path inside the container. */
  target: string;
  readOnly: boolean;
  /** Extra mount options, e.g. tmpfs `size=64m`, `mode=1777`. */
  options?: string[];
}

export interface Ulimit {
  /** Lower-case name without RLIMIT_: `nofile`, `nproc`, `core`… */
  name: string;
  soft: number;
  hard: number;
}

export interface Resources {
  /** Bytes. */
  memory?: number;
  /** Fractional CPUs, as `--cpus 1.5`. */
  cpus?: number;
  pidsLimit?: number;
}

/** What `create`/`run` takes. Everything but `image` is optional, with Docker's defaults. */
export interface CreateOptions {
  image: string;
  /** Replaces the image's Cmd. */
  cmd?: string[];
  /** Replaces the image's Entrypoint (`--entrypoint ''` → []). */
  entrypoint?: string[];
  name?: string;
  hostname?: string;
  /** `KEY=value` entries, applied over the image's Env. */
  env?: string[];
  workingDir?: string;
  /** `uid`, `name`, `uid:gid`, `name:group`. */
  user?: string;
  tty?: boolean;
  openStdin?: boolean;
  labels?: Record<string, string>;
  mounts?: BindMount[];
  resources?: Resources;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  readOnly?: boolean;
  network?: 'none' | 'host';
  init?: boolean;
  /** `--security-opt no-new-privileges`: setuid binaries gain nothing. Docker's default is off. */
  noNewPrivileges?: boolean;
  /** `--ulimit nofile=1024:2048`; each is clamped to the host's hard limit by the helper. */
  ulimits?: Ulimit[];
  autoRemove?: boolean;
  stopSignal?: string;
  /** Seconds `stop` waits before SIGKILL. Default 10. */
  stopTimeout?: number;
}

/** Persisted at create; never changed afterwards (except the name on rename). */
export interface ContainerConfig extends Required<Pick<CreateOptions, 'cmd' | 'entrypoint' | 'env' | 'labels' | 'mounts' | 'capAdd' | 'capDrop'>> {
  id: string;
  name: string;
  /** The reference as the user gave it. */
  image: string;
  /** Config digest of the image (sha256:…). */
  imageId: string;
  created: string;
  hostname: string;
  workingDir: string;
  user: string;
  tty: boolean;
  openStdin: boolean;
  resources: Resources;
  privileged: boolean;
  readOnly: boolean;
  network: 'none' | 'host';
  init: boolean;
  noNewPrivileges: boolean;
  ulimits: Ulimit[];
  autoRemove: boolean;
  stopSignal: string;
  stopTimeout: number;
  /** Which snapshotter made the writable layer: 'overlay' or 'copy'. */
  snapshotter: string;
}

export interface RuntimeState {
  status: ContainerStatus;
  pid?: number;
  monitorPid?: number;
  /** /proc start time of the monitor: tells a live monitor from a recycled pid. */
  monitorStart?: string;
  bootId?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  restartCount: number;
  warnings?: string[];
  /** Set when the runtime had to guess the end (monitor vanished without exit.json). */
  error?: string;
}

export interface Container {
  config: ContainerConfig;
  state: RuntimeState;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string;
  created: string;
  status: ContainerStatus;
  /** Human status as `docker ps` shows it: "Up 3 minutes", "Exited (0) 2 hours ago". */
  statusText: string;
  exitCode?: number;
  labels: Record<string, string>;
  pid?: number;
}

export interface ListFilters {
  /** `status=running`, `name=web`, `label=a=b`, `ancestor=busybox`, `id=…`, `exited=0`. */
  filters?: string[];
  all?: boolean;
}

export interface LogOptions {
  follow?: boolean;
  /** Lines from the end; undefined = all. */
  tail?: number;
  /** Only entries at or after this time. */
  since?: Date;
  until?: Date;
  signal?: AbortSignal;
}

export interface LogEntry {
  time: string;
  stream: 'stdout' | 'stderr';
  /** The text with its newline when the line was complete. */
  text: string;
}

export interface ExecOptions {
  cmd: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  tty?: boolean;
  openStdin?: boolean;
  privileged?: boolean;
}

export interface ContainerStats {
  id: string;
  name: string;
  /** CPU percent of one core over the sample window. */
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit?: number;
  pids: number;
  /** Where the numbers came from: 'cgroup' or 'proc' (rootless without a cgroup). */
  source: 'cgroup' | 'proc';
}

export interface ProcessRow {
  pid: number;
  ppid: number;
  user: string;
  time: string;
  command: string;
}

export interface FileChange {
  kind: 'A' | 'C' | 'D';
  path: string;
}
