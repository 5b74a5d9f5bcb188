/**
 * Turns a container's settings plus its image's config into an OCI runtime-spec
 * config.json, following Docker's rules: the container's entrypoint/cmd replace the
 * image's (a new entrypoint also drops the image's cmd), env entries override by key,
 * the working dir and user fall back to the image's, and the security profile is
 * Docker's default unless `--privileged`.
 */
import { BerthError } from '../errors';
import { ContainerConfig, Resources } from './container';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, DEFAULT_PATH_ENV, MASKED_PATHS, READONLY_PATHS, normalizeCapability } from './defaults';
import { IdMapping, OciMount, OciSpec } from './oci-spec';

/** The fields of an OCI image config that shape the process. */
export interface ImageProcessConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  StopSignal?: string;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** The account's home from /etc/passwd, for $HOME. */
  home?: string;
}

export interface SpecInput {
  config: ContainerConfig;
  user: ResolvedUser;
  /** Empty for root (host ids); the rootless mapping otherwise. */
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** The rootfs: a directory, and the overlay mount that fills it (absent for copy snapshots). */
  rootfsPath: string;
  rootfsMount?: OciMount;
  /** Host files bind-mounted as /etc/hostname, /etc/hosts, /etc/resolv.conf. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  /** The container's cgroup: only with limits (the helper warns when it cannot make one). */
  cgroupsPath?: string;
  terminalSize?: { rows: number; cols: number };
}

/**
 * The process settings a container keeps from create on, as Docker stores them: the
 * entrypoint/cmd after Docker's rules (a new entrypoint also drops the image's cmd; an
 * explicit cmd always wins), env merged by key over the image's, and the working dir and
 * user falling back to the image's.
 */
export function effectiveProcess(
  options: { entrypoint?: string[]; cmd?: string[]; env?: string[]; workingDir?: string; user?: string },
  image: ImageProcessConfig,
): { entrypoint: string[]; cmd: string[]; env: string[]; workingDir: string; user: string } {
  const entrypoint = options.entrypoint ?? image.Entrypoint ?? [];
  const cmd = options.cmd && options.cmd.length > 0 ? options.cmd : options.entrypoint ? [] : image.Cmd ?? [];
  const baseEnv = image.Env?.some((e) => e.startsWith('PATH=')) ? [] : [DEFAULT_PATH_ENV];
  return {
    entrypoint,
    cmd,
    env: mergeEnv(baseEnv, image.Env, options.env),
    workingDir: options.workingDir || image.WorkingDir || '/',
    user: options.user ?? image.User ?? '',
  };
}

/** Merges env lists by key, later lists winning; keeps first-seen order like Docker. */
export function mergeEnv(...lists: (string[] | undefined)[]): string[] {
  const merged = new Map<string, string>();
  for (const list of lists) {
    for (const entry of list ?? []) {
      const eq = entry.indexOf('=');
      const key = eq < 0 ? entry : entry.slice(0, eq);
      merged.delete(key);
      merged.set(key, entry);
    }
  }
  return [...merged.values()];
}

function capabilitySet(config: ContainerConfig): string[] {
  if (config.privileged) return [...ALL_CAPABILITIES];
  const drop = config.capDrop.map(normalizeCapability);
  const add = config.capAdd.map(normalizeCapability);
  for (const cap of [...drop, ...add]) {
    if (cap !== 'ALL' && !ALL_CAPABILITIES.includes(cap)) {
      throw new BerthError('invalid-argument', `Unknown capability "${cap}". Use a name such as NET_ADMIN or CAP_SYS_PTRACE (see capabilities(7)).`);
    }
  }
  let caps = drop.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c));
  caps = add.includes('ALL') ? [...ALL_CAPABILITIES] : [...new Set([...caps, ...add])];
  return caps;
}

function ttyGroupMapped(gidMappings: IdMapping[]): boolean {
  // devpts' gid=5 option fails in a user namespace that has no gid 5.
  return gidMappings.length === 0 || gidMappings.some((m) => m.containerID <= 5 && 5 < m.containerID + m.size);
}

function systemMounts(input: SpecInput): OciMount[] {
  const { config } = input;
  const sysOptions = ['nosuid', 'noexec', 'nodev', config.privileged ? 'rw' : 'ro'];
  const ptsOptions = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
  if (ttyGroupMapped(input.gidMappings)) ptsOptions.push('gid=5');
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ptsOptions },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOptions },
  ];
  const etc = input.etcFiles;
  for (const [destination, source] of [['/etc/hostname', etc.hostname], ['/etc/hosts', etc.hosts], ['/etc/resolv.conf', etc.resolvConf]]) {
    mounts.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate', config.readOnly ? 'ro' : 'rw'] });
  }
  return mounts;
}

function userMounts(config: ContainerConfig): OciMount[] {
  return config.mounts.map((m) => {
    if (m.type === 'tmpfs') {
      return { destination: m.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...(m.options ?? ['mode=1777']), m.readOnly ? 'ro' : 'rw'] };
    }
    return { destination: m.target, type: 'bind', source: m.source ?? '', options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw', ...(m.options ?? [])] };
  });
}

export function hasLimits(r: Resources): boolean {
  return r.memory !== undefined || r.cpus !== undefined || r.pidsLimit !== undefined;
}

function resources(config: ContainerConfig): OciSpec['linux']['resources'] | undefined {
  const r = config.resources;
  if (!hasLimits(r)) return undefined;
  const out: NonNullable<OciSpec['linux']['resources']> = {};
  // Docker: swap defaults to the memory limit (no extra swap on top).
  if (r.memory !== undefined) out.memory = { limit: r.memory, swap: r.memory };
  if (r.cpus !== undefined) out.cpu = { quota: Math.round(r.cpus * 100_000), period: 100_000 };
  if (r.pidsLimit !== undefined) out.pids = { limit: r.pidsLimit };
  return out;
}

export function buildSpec(input: SpecInput): OciSpec {
  const { config, user } = input;
  const args = [...config.entrypoint, ...config.cmd];
  if (args.length === 0) {
    throw new BerthError('invalid-argument', `No command to run: image "${config.image}" sets neither Entrypoint nor Cmd. Give a command after the image name, e.g. \`berth run ${config.image} sh\`.`);
  }
  // HOSTNAME, TERM and HOME are set by the runtime unless the container's env has them.
  const runtimeEnv = [`HOSTNAME=${config.hostname}`, ...(config.tty ? ['TERM=xterm'] : []), `HOME=${user.home ?? '/root'}`];
  const env = mergeEnv(runtimeEnv, config.env);
  const caps = capabilitySet(config);
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (config.network === 'none') namespaces.push({ type: 'network' });
  if (input.uidMappings.length > 0) namespaces.push({ type: 'user' });

  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: config.tty,
      ...(config.tty && input.terminalSize ? { consoleSize: { height: input.terminalSize.rows, width: input.terminalSize.cols } } : {}),
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args,
      env,
      cwd: config.workingDir,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: config.ulimits.map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, soft: u.soft, hard: u.hard })),
      noNewPrivileges: config.noNewPrivileges,
    },
    root: { path: input.rootfsPath, readonly: config.readOnly },
    hostname: config.network === 'host' ? undefined : config.hostname,
    mounts: [...(input.rootfsMount ? [input.rootfsMount] : []), ...systemMounts(input), ...userMounts(config)],
    annotations: { 'berth.container.id': config.id, 'berth.container.name': config.name, ...(config.init ? { 'berth.init': 'true' } : {}) },
    linux: {
      namespaces,
      ...(input.uidMappings.length > 0 ? { uidMappings: input.uidMappings, gidMappings: input.gidMappings } : {}),
      resources: resources(config),
      cgroupsPath: input.cgroupsPath,
      maskedPaths: config.privileged ? [] : MASKED_PATHS,
      readonlyPaths: config.privileged ? [] : READONLY_PATHS,
    },
  };
  if (config.network === 'host') delete spec.hostname;
  return spec;
}
