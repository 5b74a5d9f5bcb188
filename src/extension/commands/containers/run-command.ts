/**
 * The `berth run` line that would make a container like this one: what the user set at
 * create, without what the image supplies anyway (its Env, Cmd, Entrypoint, WorkingDir,
 * User), so the line reads like one a person would write.
 */
import type { ContainerConfig } from '../../../runtime/container/container';
import { DEFAULT_PATH_ENV } from '../../../runtime/container/defaults';

interface ImageDefaults {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
}

export function runCommandLine(config: ContainerConfig, image: ImageDefaults): string {
  const args: string[] = ['berth', 'run', '-d', '--name', config.name];
  if (config.tty) args.push('-t');
  if (config.openStdin) args.push('-i');
  if (config.autoRemove) args.push('--rm');
  if (config.hostname && !config.id.startsWith(config.hostname)) args.push('--hostname', config.hostname);
  if (config.user && config.user !== (image.User ?? '')) args.push('--user', config.user);
  if (config.workingDir && config.workingDir !== (image.WorkingDir || '/')) args.push('--workdir', config.workingDir);
  // The runtime adds a PATH when the image has none: not something the user asked for.
  const imageEnv = new Set([...(image.Env ?? []), DEFAULT_PATH_ENV]);
  for (const e of config.env) if (!imageEnv.has(e)) args.push('-e', e);
  for (const [key, value] of Object.entries(config.labels)) args.push('--label', `${key}=${value}`);
  for (const m of config.mounts) {
    if (m.type === 'bind') args.push('-v', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
    else args.push('--tmpfs', m.options?.length ? `${m.target}:${m.options.join(',')}` : m.target);
  }
  // `none` is the runtime's default network.
  if (config.network !== 'none') args.push('--network', config.network);
  if (config.privileged) args.push('--privileged');
  if (config.readOnly) args.push('--read-only');
  if (config.init) args.push('--init');
  for (const cap of config.capAdd) args.push('--cap-add', cap);
  for (const cap of config.capDrop) args.push('--cap-drop', cap);
  if (config.resources.memory) args.push('--memory', String(config.resources.memory));
  if (config.resources.cpus) args.push('--cpus', String(config.resources.cpus));
  const sameEntrypoint = same(config.entrypoint, image.Entrypoint ?? []);
  if (!sameEntrypoint) args.push('--entrypoint', config.entrypoint.join(' '));
  args.push(config.image);
  if (!sameEntrypoint || !same(config.cmd, image.Cmd ?? [])) args.push(...config.cmd);
  return args.map(quote).join(' ');
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** POSIX shell quoting: bare when safe, else single quotes. */
function quote(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
