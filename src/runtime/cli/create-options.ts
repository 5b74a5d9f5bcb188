/**
 * `run`/`create` flags → CreateOptions. Docker's value grammars live here (volume specs,
 * `--mount` key=value lists, env files, ulimits) so they can be tested without a runtime.
 * Anything berth cannot honour yet (named volumes, bridge networks) is refused with a
 * sentence that says what to use instead, never silently dropped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BindMount, CreateOptions, Ulimit } from '../container/container';
import { FlagSpec, ParsedArgs, UsageError, bool, list, num, str } from './args';
import { parseRamSize } from './units';

export const CREATE_FLAGS: FlagSpec[] = [
  { name: 'interactive', short: 'i', kind: 'bool', description: 'Keep STDIN open even if not attached' },
  { name: 'tty', short: 't', kind: 'bool', description: 'Allocate a pseudo-TTY' },
  { name: 'env', short: 'e', kind: 'list', description: 'Set environment variables (KEY=value, or KEY to copy it from here)' },
  { name: 'env-file', kind: 'list', description: 'Read in a file of environment variables' },
  { name: 'workdir', short: 'w', kind: 'string', description: 'Working directory inside the container' },
  { name: 'user', short: 'u', kind: 'string', description: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'name', kind: 'string', description: 'Assign a name to the container' },
  { name: 'hostname', short: 'h', kind: 'string', description: 'Container host name' },
  { name: 'entrypoint', kind: 'string', description: "Overwrite the default ENTRYPOINT of the image ('' clears it)" },
  { name: 'volume', short: 'v', kind: 'list', description: 'Bind mount a host path (SRC:DST[:ro])' },
  { name: 'mount', kind: 'list', valueName: 'mount', description: 'Attach a mount (type=bind,source=,target=[,readonly] or type=tmpfs,target=[,tmpfs-size=])' },
  { name: 'tmpfs', kind: 'list', description: 'Mount a tmpfs directory (PATH[:OPTIONS])' },
  { name: 'memory', short: 'm', kind: 'string', valueName: 'bytes', description: 'Memory limit (64m, 1g, bytes)' },
  { name: 'cpus', kind: 'number', description: 'Number of CPUs' },
  { name: 'pids-limit', kind: 'int', description: 'Tune container pids limit' },
  { name: 'cap-add', kind: 'list', description: 'Add Linux capabilities' },
  { name: 'cap-drop', kind: 'list', description: 'Drop Linux capabilities' },
  { name: 'privileged', kind: 'bool', description: 'Give extended privileges to this container' },
  { name: 'read-only', kind: 'bool', description: "Mount the container's root filesystem as read only" },
  { name: 'network', aliases: ['net'], kind: 'string', description: 'Network mode: none or host' },
  { name: 'init', kind: 'bool', description: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'label', short: 'l', kind: 'list', description: 'Set meta data on a container' },
  { name: 'label-file', kind: 'list', description: 'Read in a line delimited file of labels' },
  { name: 'security-opt', kind: 'list', description: 'Security options (no-new-privileges)' },
  { name: 'ulimit', kind: 'list', description: 'Ulimit options (nofile=1024[:2048])' },
  { name: 'stop-signal', kind: 'string', description: 'Signal to stop the container' },
  { name: 'stop-timeout', kind: 'int', description: 'Seconds to wait to stop the container before killing it' },
];

/** Builds CreateOptions from parsed `run`/`create` arguments (positionals: IMAGE [COMMAND [ARG...]]). */
export function createOptionsFrom(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CreateOptions {
  const [image, ...cmd] = args.positionals;
  if (!image) throw new UsageError('requires at least 1 argument: the image');
  const options: CreateOptions = { image };
  if (cmd.length > 0) options.cmd = cmd;
  const entrypoint = str(args, 'entrypoint');
  if (entrypoint !== undefined) options.entrypoint = entrypoint === '' ? [] : [entrypoint];
  const name = str(args, 'name');
  if (name !== undefined) options.name = name;
  const hostname = str(args, 'hostname');
  if (hostname !== undefined) options.hostname = hostname;

  const envList = envFlags(args, env);
  if (envList.length > 0) options.env = envList;
  const workdir = str(args, 'workdir');
  if (workdir !== undefined) {
    if (!workdir.startsWith('/')) throw new UsageError(`the working directory '${workdir}' is invalid, it needs to be an absolute path`);
    options.workingDir = workdir;
  }
  const user = str(args, 'user');
  if (user !== undefined) options.user = user;
  if (bool(args, 'tty')) options.tty = true;
  if (bool(args, 'interactive')) options.openStdin = true;

  const labels = parseLabels([...list(args, 'label-file').flatMap(readLabelFile), ...list(args, 'label')]);
  if (Object.keys(labels).length > 0) options.labels = labels;

  const mounts = [
    ...list(args, 'volume').map((v) => parseVolume(v, cwd)),
    ...list(args, 'mount').map((m) => parseMount(m, cwd)),
    ...list(args, 'tmpfs').map(parseTmpfs),
  ];
  if (mounts.length > 0) options.mounts = mounts;

  const memory = str(args, 'memory');
  const cpus = num(args, 'cpus');
  const pidsLimit = num(args, 'pids-limit');
  if (memory !== undefined || cpus !== undefined || pidsLimit !== undefined) {
    options.resources = {};
    if (memory !== undefined) options.resources.memory = parseRamSize(memory);
    if (cpus !== undefined) {
      if (cpus <= 0) throw new UsageError(`invalid argument "${cpus}" for "--cpus" flag: the number of CPUs must be more than 0`);
      options.resources.cpus = cpus;
    }
    if (pidsLimit !== undefined) options.resources.pidsLimit = pidsLimit;
  }

  // The runtime normalises capability names (NET_ADMIN, cap_net_admin, CAP_NET_ADMIN) and refuses unknown ones.
  if (list(args, 'cap-add').length > 0) options.capAdd = list(args, 'cap-add');
  if (list(args, 'cap-drop').length > 0) options.capDrop = list(args, 'cap-drop');
  if (bool(args, 'privileged')) options.privileged = true;
  if (bool(args, 'read-only')) options.readOnly = true;
  if (bool(args, 'init')) options.init = true;
  const network = str(args, 'network');
  if (network !== undefined) {
    if (network !== 'none' && network !== 'host') {
      throw new UsageError(`network '${network}' is not supported: berth runs containers with --network none (no network) or --network host (the host's)`);
    }
    options.network = network;
  }
  for (const opt of list(args, 'security-opt')) {
    if (/^no-new-privileges(?:[:=]true)?$/.test(opt)) options.noNewPrivileges = true;
    else if (/^no-new-privileges[:=]false$/.test(opt)) options.noNewPrivileges = false;
    else throw new UsageError(`security option '${opt}' is not supported (berth supports no-new-privileges)`);
  }
  const ulimits = list(args, 'ulimit').map(parseUlimit);
  if (ulimits.length > 0) options.ulimits = ulimits;
  const stopSignal = str(args, 'stop-signal');
  if (stopSignal !== undefined) options.stopSignal = stopSignal;
  const stopTimeout = num(args, 'stop-timeout');
  if (stopTimeout !== undefined) options.stopTimeout = stopTimeout;
  return options;
}

/** `KEY=value` as is; a bare `KEY` takes the value it has here, or is dropped when unset (docker). */
export function envEntry(entry: string, env: NodeJS.ProcessEnv): string[] {
  if (entry.includes('=')) {
    if (entry.startsWith('=')) throw new UsageError(`invalid environment variable: ${entry}`);
    return [entry];
  }
  if (entry.trim() === '') throw new UsageError('invalid environment variable: an empty name');
  const value = env[entry];
  return value === undefined ? [] : [`${entry}=${value}`];
}

/** docker's env-file: one KEY=value (or KEY) a line, `#` comments, no quoting. */
export function parseEnvFile(text: string, env: NodeJS.ProcessEnv, where = 'env file'): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const [key] = line.split('=', 1);
    if (/\s/.test(key)) throw new UsageError(`${where} line ${i + 1}: variable '${key}' contains whitespaces`);
    out.push(...envEntry(line, env));
  });
  return out;
}

/** `--env-file` entries, then `-e` ones (later wins), as run, create and exec read them. */
export function envFlags(args: ParsedArgs, env: NodeJS.ProcessEnv): string[] {
  return [...list(args, 'env-file').flatMap((file) => readEnvFile(file, env)), ...list(args, 'env').flatMap((e) => envEntry(e, env))];
}

function readEnvFile(file: string, env: NodeJS.ProcessEnv): string[] {
  return parseEnvFile(readText(file, 'env file'), env, file);
}

function readLabelFile(file: string): string[] {
  return readText(file, 'label file')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the ${what} '${file}': ${(err as Error).message}`);
  }
}

export function parseLabels(entries: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (key === '') throw new UsageError(`invalid label '${entry}': the key is empty`);
    labels[key] = eq < 0 ? '' : entry.slice(eq + 1);
  }
  return labels;
}

const VOLUME_MODES = new Set(['ro', 'rw', 'z', 'Z', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', 'nocopy', 'consistent', 'cached', 'delegated']);

/** `-v SRC:DST[:MODE,...]`. Only host-path binds: a relative source must start with `.`. */
export function parseVolume(spec: string, cwd: string): BindMount {
  const parts = spec.split(':');
  if (parts.length === 1) {
    throw new UsageError(`volume '${spec}': anonymous volumes are not supported yet; bind a host directory with -v /host/dir:${spec}`);
  }
  if (parts.length > 3) throw new UsageError(`invalid volume specification: '${spec}' (expected SRC:DST[:ro])`);
  const [source, target, modes = ''] = parts;
  if (!source.startsWith('/') && !source.startsWith('.')) {
    throw new UsageError(`volume '${spec}': named volumes are not supported yet; use a host path (absolute, or starting with ./)`);
  }
  checkTarget(target, spec);
  let readOnly = false;
  for (const mode of modes.split(',').filter(Boolean)) {
    if (!VOLUME_MODES.has(mode)) throw new UsageError(`invalid mode '${mode}' in volume '${spec}' (use ro or rw)`);
    if (mode === 'ro') readOnly = true;
    if (mode === 'rw') readOnly = false;
  }
  return { type: 'bind', source: path.resolve(cwd, source), target, readOnly };
}

/** `--mount type=bind,source=/a,target=/b,readonly` and `type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1777`. */
export function parseMount(spec: string, cwd: string): BindMount {
  const fields = new Map<string, string | undefined>();
  for (const field of splitCsv(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    fields.set(key, eq < 0 ? undefined : field.slice(eq + 1));
  }
  const type = fields.get('type') ?? 'volume';
  const target = fields.get('target') ?? fields.get('destination') ?? fields.get('dst');
  if (target === undefined) throw new UsageError(`invalid mount '${spec}': target is required`);
  checkTarget(target, spec);
  const readOnlyText = fields.has('readonly') ? fields.get('readonly') : fields.has('ro') ? fields.get('ro') : 'false';
  const readOnly = readOnlyText === undefined || /^(1|true)$/i.test(readOnlyText);
  if (readOnlyText !== undefined && !/^(0|1|true|false)$/i.test(readOnlyText)) {
    throw new UsageError(`invalid mount '${spec}': readonly takes true or false, not '${readOnlyText}'`);
  }
  const known = new Set(['type', 'target', 'destination', 'dst', 'source', 'src', 'readonly', 'ro']);
  if (type === 'bind') {
    const source = fields.get('source') ?? fields.get('src');
    if (!source) throw new UsageError(`invalid mount '${spec}': source is required for a bind mount`);
    for (const key of fields.keys()) {
      if (!known.has(key) && key !== 'bind-propagation') throw new UsageError(`invalid mount '${spec}': unexpected key '${key}' for a bind mount`);
    }
    return { type: 'bind', source: path.resolve(cwd, source), target, readOnly };
  }
  if (type === 'tmpfs') {
    const options: string[] = [];
    for (const [key, value] of fields) {
      if (key === 'tmpfs-size') options.push(`size=${parseRamSize(value ?? '')}`);
      else if (key === 'tmpfs-mode') {
        if (!value || !/^[0-7]{1,4}$/.test(value)) throw new UsageError(`invalid mount '${spec}': tmpfs-mode must be octal, like 1777`);
        options.push(`mode=${value}`);
      } else if (key === 'source' || key === 'src') throw new UsageError(`invalid mount '${spec}': a tmpfs mount has no source`);
      else if (!known.has(key)) throw new UsageError(`invalid mount '${spec}': unexpected key '${key}' for a tmpfs mount`);
    }
    return { type: 'tmpfs', target, readOnly, options };
  }
  if (type === 'volume') throw new UsageError(`mount '${spec}': volumes are not supported yet; use type=bind with a host path, or type=tmpfs`);
  throw new UsageError(`mount '${spec}': type '${type}' is not supported (use bind or tmpfs)`);
}

/** `--tmpfs /run[:rw,size=64m,mode=1777]`. */
export function parseTmpfs(spec: string): BindMount {
  const colon = spec.indexOf(':');
  const target = colon < 0 ? spec : spec.slice(0, colon);
  checkTarget(target, spec);
  const options = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean);
  const readOnly = options.includes('ro');
  return { type: 'tmpfs', target, readOnly, options: options.filter((o) => o !== 'ro' && o !== 'rw') };
}

/** `--ulimit nofile=1024[:2048]`; a soft limit alone is also the hard one. */
export function parseUlimit(spec: string): Ulimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (!m) throw new UsageError(`invalid ulimit '${spec}' (expected NAME=SOFT[:HARD], like nofile=1024:2048)`);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (soft !== -1 && hard !== -1 && soft > hard) throw new UsageError(`ulimit '${spec}': the soft limit ${soft} is above the hard limit ${hard}`);
  return { name: m[1], soft, hard };
}

function checkTarget(target: string, spec: string): void {
  if (!target.startsWith('/')) throw new UsageError(`invalid mount '${spec}': the path inside the container ('${target}') must be absolute`);
}

/** The comma-separated, optionally double-quoted fields of a --mount value (docker reads it as CSV). */
function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      fields.push(current);
      current = '';
    } else current += ch;
  }
  fields.push(current);
  return fields.filter((f) => f !== '');
}
