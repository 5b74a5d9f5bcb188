/**
 * `--change` instructions (parsed by the Dockerfile parser, ../build/dockerfile/change.ts)
 * in the terms the image code applies them (./create.ts), for import and commit.
 */
import type { ConfigChange } from '../build/dockerfile/change';
import { invalidArgument } from '../errors';
import type { ImageConfigChanges } from './create';

/** The shell a shell-form CMD/ENTRYPOINT runs with when the config names none (docker's default). */
const DEFAULT_SHELL = ['/bin/sh', '-c'];

export function toImageConfigChanges(changes: readonly ConfigChange[]): ImageConfigChanges {
  const out: ImageConfigChanges = {};
  for (const change of changes) {
    switch (change.kind) {
      case 'cmd':
      case 'entrypoint': {
        const args = change.prependShell ? [...DEFAULT_SHELL, ...change.args] : [...change.args];
        if (change.kind === 'cmd') out.cmd = args;
        else out.entrypoint = args;
        break;
      }
      case 'env':
        out.env = [...(out.env ?? []), ...change.pairs.map(([k, v]) => `${k}=${v}`)];
        break;
      case 'label':
        out.labels = { ...out.labels, ...Object.fromEntries(change.pairs) };
        break;
      case 'expose':
        out.exposedPorts = [...(out.exposedPorts ?? []), ...change.ports];
        break;
      case 'volume':
        out.volumes = [...(out.volumes ?? []), ...change.paths];
        break;
      case 'workdir':
        // Relative to the WorkingDir set so far, as successive WORKDIRs in a Dockerfile.
        out.workingDir = change.path.startsWith('/') ? change.path : `${(out.workingDir ?? '/').replace(/\/$/, '')}/${change.path}`;
        break;
      case 'user':
        out.user = change.user;
        break;
      case 'stopsignal':
        out.stopSignal = change.signal;
        break;
      case 'onbuild':
        out.onBuild = [...(out.onBuild ?? []), change.expression];
        break;
      case 'healthcheck':
        throw invalidArgument('--change "HEALTHCHECK …" is not supported by import and commit yet; set it in a Dockerfile and build instead.');
    }
  }
  return out;
}
