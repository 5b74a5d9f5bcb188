/**
 * What listings and `inspect` show of a container: Docker's shapes and wording, so that
 * people (and scripts written for docker) read them without surprise.
 */
import { invalidArgument } from '../errors';
import { Container, ContainerSummary } from './container';

export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 1) return 'Less than a second';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute' : `${m} minutes`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? 'About an hour' : `${h} hours`;
  const d = Math.round(h / 24);
  if (d < 14) return `${d} days`;
  if (d < 60) return `${Math.round(d / 7)} weeks`;
  if (d < 730) return `${Math.round(d / 30)} months`;
  return `${Math.round(d / 365)} years`;
}

export function statusText(c: Container, now = Date.now()): string {
  const { state } = c;
  switch (state.status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(state.startedAt ?? c.config.created))}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(state.startedAt ?? c.config.created))} (Paused)`;
    case 'exited':
      return `Exited (${state.exitCode ?? 0}) ${humanDuration(now - Date.parse(state.finishedAt ?? c.config.created))} ago`;
    case 'created':
      return 'Created';
    default:
      return state.status[0].toUpperCase() + state.status.slice(1);
  }
}

export function commandLine(args: string[]): string {
  return args.map((a) => (/[\s"'\\$]/.test(a) || a === '' ? JSON.stringify(a) : a)).join(' ');
}

export function summarize(c: Container): ContainerSummary {
  return {
    id: c.config.id,
    name: c.config.name,
    image: c.config.image,
    imageId: c.config.imageId,
    command: commandLine([...c.config.entrypoint, ...c.config.cmd]),
    created: c.config.created,
    status: c.state.status,
    statusText: statusText(c),
    exitCode: c.state.status === 'exited' ? c.state.exitCode : undefined,
    labels: c.config.labels,
    pid: c.state.pid,
  };
}

type Predicate = (c: Container) => boolean;

/** `ps --filter` keys, as Docker spells them. Unknown keys are an error, not ignored. */
export function parseFilters(filters: string[], imageMatches: (c: Container, ref: string) => boolean): Predicate[] {
  return filters.map((f) => {
    const eq = f.indexOf('=');
    if (eq < 0) throw invalidArgument(`Bad filter "${f}": use KEY=VALUE, e.g. status=running.`);
    const key = f.slice(0, eq);
    const value = f.slice(eq + 1);
    switch (key) {
      case 'id':
        return (c) => c.config.id.startsWith(value);
      case 'name':
        return (c) => c.config.name.includes(value.replace(/^\//, ''));
      case 'status':
        return (c) => c.state.status === value;
      case 'exited':
        return (c) => c.state.status === 'exited' && String(c.state.exitCode) === value;
      case 'label': {
        const [k, v] = value.split('=', 2);
        return (c) => k in c.config.labels && (v === undefined || c.config.labels[k] === v);
      }
      case 'ancestor':
        return (c) => imageMatches(c, value);
      default:
        throw invalidArgument(`Unknown filter "${key}". Filters: id, name, status, exited, label, ancestor.`);
    }
  });
}

/** `inspect`'s JSON, in Docker's field names. */
export function inspectView(c: Container): Record<string, unknown> {
  const { config, state } = c;
  return {
    Id: config.id,
    Created: config.created,
    Path: [...config.entrypoint, ...config.cmd][0] ?? '',
    Args: [...config.entrypoint, ...config.cmd].slice(1),
    State: {
      Status: state.status,
      Running: state.status === 'running' || state.status === 'paused',
      Paused: state.status === 'paused',
      OOMKilled: state.oomKilled ?? false,
      Dead: state.status === 'dead',
      Pid: state.pid ?? 0,
      ExitCode: state.exitCode ?? 0,
      Error: state.error ?? '',
      StartedAt: state.startedAt ?? '0001-01-01T00:00:00Z',
      FinishedAt: state.finishedAt ?? '0001-01-01T00:00:00Z',
    },
    Image: config.imageId,
    Name: `/${config.name}`,
    RestartCount: state.restartCount,
    Driver: config.snapshotter,
    Warnings: state.warnings ?? [],
    HostConfig: {
      AutoRemove: config.autoRemove,
      Privileged: config.privileged,
      ReadonlyRootfs: config.readOnly,
      NetworkMode: config.network,
      CapAdd: config.capAdd,
      CapDrop: config.capDrop,
      Init: config.init,
      Memory: config.resources.memory ?? 0,
      NanoCpus: Math.round((config.resources.cpus ?? 0) * 1e9),
      PidsLimit: config.resources.pidsLimit ?? 0,
      SecurityOpt: config.noNewPrivileges ? ['no-new-privileges'] : [],
      Ulimits: config.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
      Tmpfs: Object.fromEntries(config.mounts.filter((m) => m.type === 'tmpfs').map((m) => [m.target, (m.options ?? []).join(',')])),
    },
    Mounts: config.mounts
      .filter((m) => m.type === 'bind')
      .map((m) => ({ Type: 'bind', Source: m.source, Destination: m.target, RW: !m.readOnly })),
    Config: {
      Hostname: config.hostname,
      User: config.user,
      Tty: config.tty,
      OpenStdin: config.openStdin,
      Env: config.env,
      Cmd: config.cmd,
      Entrypoint: config.entrypoint,
      Image: config.image,
      WorkingDir: config.workingDir,
      Labels: config.labels,
      StopSignal: config.stopSignal,
      StopTimeout: config.stopTimeout,
    },
  };
}
