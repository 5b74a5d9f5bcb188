/**
 * The instructions that only change the image config: what each does to it, and the
 * history line it leaves. The history wording is buildah's and the classic Docker
 * builder's (`/bin/sh -c #(nop) ENV A=1`), which is what `history` shows people.
 */
import * as path from 'node:path';
import type { ContainerConfig, HealthConfig, ImageConfig } from '../image/image';
import type { CommandLine, Instruction } from './dockerfile/dockerfile';

/** What a stage carries from step to step besides the image config. */
export interface StageContext {
  shell: string[];
  /** ARGs declared in the stage so far, with their values (RUN sees them). */
  args: Map<string, string>;
  /** CMD was set in this stage: a later ENTRYPOINT keeps it. */
  cmdSet: boolean;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function nopCreatedBy(text: string): string {
  return `/bin/sh -c #(nop) ${text}`;
}

/** The argv a CMD/ENTRYPOINT/RUN command line stands for. */
export function commandArgs(command: CommandLine, shell: string[]): string[] {
  const args = command.args.map((w) => w.value);
  return command.prependShell ? [...shell, ...args] : args;
}

/**
 * The config after instruction `i` (expanded), and the history text; undefined for
 * instructions that are not config-only (RUN, COPY, ADD, FROM).
 */
export function applyConfigInstruction(
  i: Instruction,
  image: ImageConfig,
  stage: StageContext,
): { config: ContainerConfig; author?: string; createdBy: string } | undefined {
  const c: ContainerConfig = structuredClone(image.config ?? {});
  const original = i.node.original;
  switch (i.kind) {
    case 'env': {
      const env = new Map((c.Env ?? []).map((e) => [e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')), e]));
      for (const p of i.pairs) env.set(p.key.value, `${p.key.value}=${p.value.value}`);
      c.Env = [...env.values()];
      break;
    }
    case 'label':
      c.Labels = { ...c.Labels, ...Object.fromEntries(i.pairs.map((p) => [p.key.value, p.value.value])) };
      break;
    case 'arg':
      return { config: c, createdBy: nopCreatedBy(`ARG ${i.args.map((a) => a.name.value).join(' ')}`) };
    case 'workdir':
      c.WorkingDir = path.posix.resolve(c.WorkingDir || '/', i.path.value);
      break;
    case 'user':
      c.User = i.user.value;
      break;
    case 'expose':
      c.ExposedPorts = { ...c.ExposedPorts };
      for (const p of i.ports) c.ExposedPorts[p.value.includes('/') ? p.value.toLowerCase() : `${p.value}/tcp`] = {};
      break;
    case 'volume':
      c.Volumes = { ...c.Volumes, ...Object.fromEntries(i.paths.map((p) => [p.value, {}])) };
      break;
    case 'stopsignal':
      c.StopSignal = i.signal.value;
      break;
    case 'cmd':
      c.Cmd = commandArgs(i.command, stage.shell);
      stage.cmdSet = true;
      break;
    case 'entrypoint':
      c.Entrypoint = commandArgs(i.command, stage.shell);
      // Docker: a new ENTRYPOINT drops an inherited CMD, but not one this stage set.
      if (!stage.cmdSet) c.Cmd = null;
      break;
    case 'shell':
      stage.shell = i.shell.map((w) => w.value);
      c.Shell = stage.shell;
      break;
    case 'healthcheck':
      c.Healthcheck = healthConfig(i.test, i);
      break;
    case 'onbuild':
      c.OnBuild = [...(c.OnBuild ?? []), i.expression];
      break;
    case 'maintainer':
      return { config: c, author: i.maintainer.value, createdBy: nopCreatedBy(original) };
    default:
      return undefined;
  }
  return { config: c, createdBy: nopCreatedBy(original) };
}

function healthConfig(test: readonly string[], d: { interval: number; timeout: number; startPeriod: number; startInterval: number; retries: number }): HealthConfig {
  return {
    Test: [...test],
    ...(d.interval && { Interval: d.interval }),
    ...(d.timeout && { Timeout: d.timeout }),
    ...(d.startPeriod && { StartPeriod: d.startPeriod }),
    ...(d.startInterval && { StartInterval: d.startInterval }),
    ...(d.retries && { Retries: d.retries }),
  };
}
