/**
 * Verbs that watch containers without changing them: logs, top, stats, diff, events.
 * The streaming ones (`logs -f`, `stats`, `events`) run until the container or the
 * `--until` time ends them, or the user presses Ctrl-C.
 */
import * as os from 'node:os';
import { ContainerStats, LogOptions } from '../../container/container';
import { RuntimeEvent } from '../../events';
import { UsageError, bool, list, str } from '../args';
import { Command, Context, keepingAlive, line } from '../command';
import { CliEngine } from '../engine-port';
import { FORMAT_FLAG, Row, renderList } from '../output';
import { formatTable, shortId } from '../table';
import { bytesSize, parseTimestamp, rfc3339Nano } from '../units';

export const logs: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  flags: [
    { name: 'follow', short: 'f', kind: 'bool', description: 'Follow log output' },
    { name: 'since', kind: 'string', description: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'until', kind: 'string', description: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'timestamps', short: 't', kind: 'bool', description: 'Show timestamps' },
    { name: 'tail', short: 'n', kind: 'string', description: 'Number of lines to show from the end of the logs (default "all")' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const options: LogOptions = { follow: bool(args, 'follow') };
    const since = str(args, 'since');
    if (since !== undefined) options.since = parseTimestamp(since, ctx.now());
    const until = str(args, 'until');
    if (until !== undefined) options.until = parseTimestamp(until, ctx.now());
    const tail = parseTail(str(args, 'tail'));
    if (tail !== undefined) options.tail = tail;
    const timestamps = bool(args, 'timestamps');
    const engine = await ctx.engine();
    await keepingAlive(async () => {
      for await (const entry of engine.logs(args.positionals[0], options)) {
        const out = entry.stream === 'stderr' ? ctx.stderr : ctx.stdout;
        out.write(timestamps ? `${rfc3339Nano(entry.time)} ${entry.text}` : entry.text);
      }
    });
  },
};

/** `--tail all` (or any negative number, as docker) is everything. */
export function parseTail(text: string | undefined): number | undefined {
  if (text === undefined || text === 'all') return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`invalid value for --tail: '${text}' (a number of lines, or all)`);
  const n = Number(text);
  return n < 0 ? undefined : n;
}

export const top: Command = {
  usage: 'CONTAINER',
  summary: 'Display the running processes of a container',
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const processes = await (await ctx.engine()).top(args.positionals[0]);
    ctx.stdout.write(formatTable([['UID', 'PID', 'PPID', 'TIME', 'CMD'], ...processes.map((p) => [p.user, String(p.pid), String(p.ppid), p.time, p.command])]));
  },
};

const STATS_COLUMNS = [
  { header: 'CONTAINER ID', field: 'ID' },
  { header: 'NAME', field: 'Name' },
  { header: 'CPU %', field: 'CPUPerc' },
  { header: 'MEM USAGE / LIMIT', field: 'MemUsage' },
  { header: 'MEM %', field: 'MemPerc' },
  { header: 'NET I/O', field: 'NetIO' },
  { header: 'BLOCK I/O', field: 'BlockIO' },
  { header: 'PIDS', field: 'PIDs' },
];

const STATS_HEADERS = { Container: 'CONTAINER' };

/** Seconds between screens of a streaming `stats`; the engine's sample takes part of it. */
const STATS_INTERVAL_MS = 1000;

export const stats: Command = {
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Show all containers (default shows just running)' },
    { name: 'no-stream', kind: 'bool', description: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', kind: 'bool', description: "Do not truncate output" },
    FORMAT_FLAG,
  ],
  async run(ctx, args) {
    const engine = await ctx.engine();
    const refs = args.positionals;
    const format = str(args, 'format');
    const clear = ctx.stdout.isTTY === true && !bool(args, 'no-stream') && (format === undefined || format.startsWith('table'));
    for (;;) {
      const targets = refs.length > 0 ? refs : (await engine.listContainers({ all: bool(args, 'all') })).map((c) => c.id);
      const rows = await Promise.all(targets.map((ref) => statsRow(engine, ref, bool(args, 'no-trunc'))));
      ctx.stdout.write((clear ? '\x1b[2J\x1b[H' : '') + renderList(rows, { format, columns: STATS_COLUMNS, headers: STATS_HEADERS }));
      if (bool(args, 'no-stream')) return;
      await new Promise((resolve) => setTimeout(resolve, STATS_INTERVAL_MS));
    }
  },
};

async function statsRow(engine: CliEngine, ref: string, noTrunc: boolean): Promise<Row> {
  let sample: ContainerStats | undefined;
  try {
    sample = await engine.stats(ref);
  } catch {
    // Not running (any more): docker keeps the row, with dashes. Unknown names are errors.
    const view = await engine.inspectContainer(ref);
    return { Container: ref, ID: noTrunc ? String(view.Id) : shortId(String(view.Id)), Name: String(view.Name ?? '').replace(/^\//, ''), CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--' };
  }
  const limit = sample.memoryLimit ?? os.totalmem();
  return {
    Container: ref,
    ID: noTrunc ? sample.id : shortId(sample.id),
    Name: sample.name,
    CPUPerc: `${sample.cpuPercent.toFixed(2)}%`,
    MemUsage: `${bytesSize(sample.memoryUsage)} / ${bytesSize(limit)}`,
    MemPerc: `${limit > 0 ? ((sample.memoryUsage / limit) * 100).toFixed(2) : '0.00'}%`,
    NetIO: '--',
    BlockIO: '--',
    PIDs: String(sample.pids),
  };
}

export const diff: Command = {
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    for (const change of await (await ctx.engine()).diffContainer(args.positionals[0])) line(ctx.stdout, `${change.kind} ${change.path}`);
  },
};

export const events: Command = {
  usage: '[OPTIONS]',
  summary: 'Get real time events from the server',
  flags: [
    { name: 'filter', short: 'f', kind: 'list', description: 'Filter output based on conditions provided (type=, event=, container=, image=)' },
    FORMAT_FLAG,
    { name: 'since', kind: 'string', description: 'Show all events created since timestamp' },
    { name: 'until', kind: 'string', description: 'Stream events until this timestamp' },
  ],
  maxArgs: 0,
  async run(ctx, args) {
    const matches = eventFilter(list(args, 'filter'));
    const since = str(args, 'since');
    const until = str(args, 'until');
    const format = str(args, 'format');
    const engine = await ctx.engine();
    const stream = engine.streamEvents({
      ...(since !== undefined ? { since: parseTimestamp(since, ctx.now()) } : {}),
      ...(until !== undefined ? { until: parseTimestamp(until, ctx.now()) } : {}),
    });
    await keepingAlive(async () => {
      for await (const event of stream) {
        if (matches(event)) printEvent(ctx, event, format);
      }
    });
  },
};

/** docker's event message: Type, Action, Actor{ID, Attributes}, time, timeNano (and the legacy status/id/from). */
export function eventMessage(event: RuntimeEvent): Row {
  const [type, action] = event.type.split('.') as [string, string];
  const attributes: Record<string, string> = {};
  if (event.name !== undefined) attributes.name = event.name;
  if (event.exitCode !== undefined) attributes.exitCode = String(event.exitCode);
  if (event.signal !== undefined) attributes.signal = event.signal;
  const nano = rfc3339Nano(event.time);
  const ms = Date.parse(event.time);
  return {
    status: action,
    id: event.id,
    Type: type,
    Action: action,
    Actor: { ID: event.id, Attributes: attributes },
    scope: 'local',
    time: Math.floor(ms / 1000),
    timeNano: `${Math.floor(ms / 1000)}${nano.slice(20, 29)}`,
  };
}

function printEvent(ctx: Context, event: RuntimeEvent, format: string | undefined): void {
  const message = eventMessage(event);
  if (format !== undefined) {
    ctx.stdout.write(renderList([message], { format, columns: [] }));
    return;
  }
  const attributes = Object.entries((message.Actor as { Attributes: Record<string, string> }).Attributes).map(([k, v]) => `${k}=${v}`);
  line(ctx.stdout, `${rfc3339Nano(event.time)} ${message.Type} ${message.Action} ${event.id}${attributes.length ? ` (${attributes.join(', ')})` : ''}`);
}

/** `--filter` for events: values of one key are alternatives, different keys must all match. */
export function eventFilter(filters: string[]): (event: RuntimeEvent) => boolean {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    if (eq < 0 || !['type', 'event', 'container', 'image'].includes(key)) {
      throw new UsageError(`invalid filter '${f}' (use type=container|image, event=ACTION, container=NAME|ID or image=NAME|ID)`);
    }
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(eq + 1)]);
  }
  return (event) => {
    const [type, action] = event.type.split('.');
    const actor = (value: string) => event.id === value || event.id.replace(/^sha256:/, '').startsWith(value.replace(/^sha256:/, '')) || event.name === value;
    return [...byKey].every(([key, values]) => {
      switch (key) {
        case 'type':
          return values.includes(type);
        case 'event':
          return values.includes(action);
        default:
          return type === key && values.some(actor);
      }
    });
  };
}
