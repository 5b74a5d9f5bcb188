/**
 * One-shot container verbs (stop, kill, restart, pause, unpause, rm, wait, prune) and
 * `ps`. Multi-container verbs act on each reference in turn and print it back, as docker
 * does; one failure does not stop the others, and makes the exit status 1.
 */
import { ContainerSummary } from '../../container/container';
import { isBerthError } from '../../errors';
import { FlagSpec, ParsedArgs, bool, list, num, str } from '../args';
import { Command, eachRef, imageApi, line } from '../command';
import { CliEngine } from '../engine-port';
import { FORMAT_FLAG, Row, renderList } from '../output';
import { ellipsis, shortId } from '../table';
import { humanSize, parseTimestamp, timeAgo } from '../units';
import { confirmed } from './prompt';

const timeFlag: FlagSpec = { name: 'time', short: 't', aliases: ['timeout'], kind: 'int', description: 'Seconds to wait before killing the container' };

/** A verb applied to each container named, printing each reference (or `print`'s text) as it succeeds. */
function eachContainer(
  summary: string,
  flags: FlagSpec[],
  act: (engine: CliEngine, ref: string, args: ParsedArgs) => Promise<unknown>,
  print?: (ref: string, result: unknown) => string,
): Command {
  return {
    usage: `${flags.length > 0 ? '[OPTIONS] ' : ''}CONTAINER [CONTAINER...]`,
    summary,
    flags,
    minArgs: 1,
    async run(ctx, args) {
      const engine = await ctx.engine();
      return eachRef(ctx, args.positionals, (ref) => act(engine, ref, args), print);
    },
  };
}

export const stop = eachContainer('Stop one or more running containers', [timeFlag], (engine, ref, args) => engine.stopContainer(ref, { timeout: num(args, 'time') }));

export const restart = eachContainer('Restart one or more containers', [timeFlag], (engine, ref, args) => engine.restartContainer(ref, { timeout: num(args, 'time') }));

export const kill = eachContainer(
  'Kill one or more running containers',
  [{ name: 'signal', short: 's', kind: 'string', description: 'Signal to send to the container (default KILL)' }],
  (engine, ref, args) => engine.killContainer(ref, normaliseSignal(str(args, 'signal') ?? 'KILL')),
);

/** `-s HUP`, `-s sighup`, `-s 9` → `SIGHUP` / `9`, the spellings docker accepts. */
export function normaliseSignal(signal: string): string {
  if (/^\d+$/.test(signal)) return signal;
  const upper = signal.toUpperCase();
  return upper.startsWith('SIG') ? upper : `SIG${upper}`;
}

export const pause = eachContainer('Pause all processes within one or more containers', [], (engine, ref) => engine.pauseContainer(ref));

export const unpause = eachContainer('Unpause all processes within one or more containers', [], (engine, ref) => engine.unpauseContainer(ref));

export const rm = eachContainer(
  'Remove one or more containers',
  [
    { name: 'force', short: 'f', kind: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'volumes', short: 'v', kind: 'bool', description: 'Remove anonymous volumes (berth has none; accepted for compatibility)' },
  ],
  (engine, ref, args) => engine.removeContainer(ref, { force: bool(args, 'force') }),
);

export const wait = eachContainer(
  'Block until one or more containers stop, then print their exit codes',
  [],
  (engine, ref) => engine.waitContainer(ref),
  (_ref, code) => String(code),
);

export const containerPrune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  flags: [
    { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
    { name: 'filter', kind: 'list', description: "Provide filter values (e.g. 'until=<timestamp>', 'label=<key>=<value>')" },
  ],
  maxArgs: 0,
  async run(ctx, args) {
    const filters = list(args, 'filter');
    const until = filters.filter((f) => f.startsWith('until=')).map((f) => parseTimestamp(f.slice('until='.length), ctx.now()).getTime());
    if (!(await confirmed(ctx, args, 'WARNING! This will remove all stopped containers.'))) return 0;
    const engine = await ctx.engine();
    const containers = await engine.listContainers({ all: true, filters: filters.filter((f) => !f.startsWith('until=')) });
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const c of containers) {
      if (c.status === 'running' || c.status === 'paused' || until.some((u) => Date.parse(c.created) >= u)) continue;
      const size = engine.containerSize ? (await engine.containerSize(c.id)).rw : 0;
      if (await removeUnlessGone(() => engine.removeContainer(c.id, { force: false }))) {
        deleted.push(c.id);
        reclaimed += size;
      }
    }
    if (deleted.length > 0) line(ctx.stdout, `Deleted Containers:\n${deleted.join('\n')}\n`);
    line(ctx.stdout, `Total reclaimed space: ${humanSize(reclaimed)}`);
    return 0;
  },
};

/** Prunes race with other processes on the store: what they removed first is not an error. */
export async function removeUnlessGone(remove: () => Promise<unknown>): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (err) {
    if (isBerthError(err, 'not-found')) return false;
    throw err;
  }
}

export const PS_COLUMNS = [
  { header: 'CONTAINER ID', field: 'ID' },
  { header: 'IMAGE', field: 'Image' },
  { header: 'COMMAND', field: 'Command' },
  { header: 'CREATED', field: 'RunningFor' },
  { header: 'STATUS', field: 'Status' },
  { header: 'PORTS', field: 'Ports' },
  { header: 'NAMES', field: 'Names' },
];

const PS_HEADERS = { CreatedAt: 'CREATED AT', State: 'STATE', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS', Size: 'SIZE', Pid: 'PID', ExitCode: 'EXIT CODE' };

export const ps: Command = {
  usage: '[OPTIONS]',
  summary: 'List containers',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Show all containers (default shows just running)' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display container IDs' },
    { name: 'filter', short: 'f', kind: 'list', description: 'Filter output based on conditions provided (status=, name=, label=, ancestor=, id=, exited=)' },
    FORMAT_FLAG,
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'last', short: 'n', kind: 'int', description: 'Show n last created containers (includes all states)' },
    { name: 'latest', short: 'l', kind: 'bool', description: 'Show the latest created container (includes all states)' },
    { name: 'size', short: 's', kind: 'bool', description: 'Display total file sizes' },
  ],
  maxArgs: 0,
  async run(ctx, args) {
    const engine = await ctx.engine();
    const last = bool(args, 'latest') ? 1 : num(args, 'last');
    const all = bool(args, 'all') || (last !== undefined && last > 0);
    let containers = await engine.listContainers({ all, filters: list(args, 'filter') });
    if (last !== undefined && last > 0) containers = containers.slice(0, last);
    const noTrunc = bool(args, 'no-trunc');
    const withSize = bool(args, 'size');
    const rows: Row[] = [];
    for (const c of containers) {
      const row = psRow(c, noTrunc, ctx.now());
      if (withSize) {
        const size = await imageApi(engine, 'containerSize')(c.id);
        row.Size = `${humanSize(size.rw)} (virtual ${humanSize(size.rootFs)})`;
      }
      rows.push(row);
    }
    const columns = withSize ? [...PS_COLUMNS, { header: 'SIZE', field: 'Size' }] : PS_COLUMNS;
    ctx.stdout.write(renderList(rows, { format: str(args, 'format'), quiet: bool(args, 'quiet'), columns, headers: PS_HEADERS }));
  },
};

/** A `ps` row in docker's field names (the ones `--format` templates use). */
export function psRow(c: ContainerSummary, noTrunc: boolean, now: Date): Row {
  return {
    ID: noTrunc ? c.id : shortId(c.id),
    Image: c.image,
    Command: JSON.stringify(noTrunc ? c.command : ellipsis(c.command, 20)),
    CreatedAt: goTime(c.created),
    RunningFor: timeAgo(c.created, now),
    Status: c.statusText,
    State: c.status,
    Names: c.name,
    Labels: Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Ports: '',
    Mounts: '',
    Networks: '',
    Size: '',
    ...(c.exitCode !== undefined ? { ExitCode: c.exitCode } : {}),
    ...(c.pid !== undefined ? { Pid: c.pid } : {}),
  };
}

/** Go's time.Time.String() in UTC, as docker's CreatedAt fields read: "2026-11-23 16:00:00 +0000 UTC". */
export function goTime(time: string | undefined): string {
  if (!time) return '';
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return time;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

