/**
 * The verbs that connect the terminal to a container's process: run, create, start,
 * attach, exec. Foreground runs create, then start with the streams attached, so the
 * signal proxy knows the container before its process begins and no output is lost.
 */
import { spawn } from 'node:child_process';
import { ExecOptions } from '../../container/container';
import { BerthError } from '../../errors';
import { FlagSpec, ParsedArgs, UsageError, bool, list, str } from '../args';
import { Command, Context, eachRef, line } from '../command';
import { CREATE_FLAGS, createOptionsFrom, envFlags } from '../create-options';
import { CliEngine } from '../engine-port';
import { openSession, proxySignals, requireTerminal } from '../terminal';

const SIG_PROXY: FlagSpec = { name: 'sig-proxy', kind: 'bool', description: 'Proxy received signals to the process (non-TTY only; default true)' };

export const run: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', description: 'Run container in background and print container ID' },
    { name: 'rm', kind: 'bool', description: 'Automatically remove the container when it exits' },
    SIG_PROXY,
    ...CREATE_FLAGS,
  ],
  interspersed: false,
  minArgs: 1,
  errorStatus: 125,
  async run(ctx, args) {
    const options = createOptionsFrom(args, ctx.env);
    if (bool(args, 'rm')) options.autoRemove = true;
    const engine = await ctx.engine();
    if (bool(args, 'detach')) {
      line(ctx.stdout, (await engine.runContainer({ ...options, detach: true })).id);
      return 0;
    }
    requireTerminal(ctx, options.tty ?? false, options.openStdin ?? false);
    const container = await engine.createContainer(options);
    const id = container.config.id;
    const sigProxy = args.flags['sig-proxy'] !== false && !options.tty;
    // Not engine.runContainer: after a detach (Ctrl-P Ctrl-Q) --rm must wait for the exit, not force it.
    try {
      return await attached(ctx, engine, id, { tty: options.tty ?? false, stdin: options.openStdin ?? false, sigProxy }, (streams) => engine.startContainer(id, { attach: streams }));
    } finally {
      if (options.autoRemove) await removeWhenExited(engine, id);
    }
  },
};

export const create: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  flags: [{ name: 'rm', kind: 'bool', description: 'Automatically remove the container when it exits' }, ...CREATE_FLAGS],
  interspersed: false,
  minArgs: 1,
  async run(ctx, args) {
    const options = createOptionsFrom(args, ctx.env);
    if (bool(args, 'rm')) options.autoRemove = true;
    const container = await (await ctx.engine()).createContainer(options);
    line(ctx.stdout, container.config.id);
  },
};

export const start: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  flags: [
    { name: 'attach', short: 'a', kind: 'bool', description: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'interactive', short: 'i', kind: 'bool', description: "Attach container's STDIN" },
  ],
  minArgs: 1,
  async run(ctx, args) {
    const engine = await ctx.engine();
    const attach = bool(args, 'attach') || bool(args, 'interactive');
    if (!attach) return eachRef(ctx, args.positionals, (ref) => engine.startContainer(ref));
    if (args.positionals.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
    const ref = args.positionals[0];
    const config = await containerConfig(engine, ref);
    const stdin = bool(args, 'interactive') && config.openStdin;
    requireTerminal(ctx, config.tty, stdin);
    return attached(ctx, engine, ref, { tty: config.tty, stdin, sigProxy: !config.tty }, (streams) => engine.startContainer(ref, { attach: streams }));
  },
};

export const attach: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: "Attach local standard input, output, and error streams to a running container",
  flags: [{ name: 'no-stdin', kind: 'bool', description: 'Do not attach STDIN' }, SIG_PROXY],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const engine = await ctx.engine();
    const ref = args.positionals[0];
    const config = await containerConfig(engine, ref);
    const stdin = config.openStdin && !bool(args, 'no-stdin');
    requireTerminal(ctx, config.tty, stdin);
    const sigProxy = args.flags['sig-proxy'] !== false && !config.tty;
    return attached(ctx, engine, ref, { tty: config.tty, stdin, sigProxy }, (streams) => engine.attachContainer(ref, streams));
  },
};

export const exec: Command = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', description: 'Detached mode: run command in the background' },
    ...CREATE_FLAGS.filter((f) => ['interactive', 'tty', 'env', 'env-file', 'workdir', 'user', 'privileged'].includes(f.name)),
  ],
  interspersed: false,
  minArgs: 2,
  async run(ctx, args) {
    const [ref, ...cmd] = args.positionals;
    const options: ExecOptions = { cmd, tty: bool(args, 'tty'), openStdin: bool(args, 'interactive') };
    const env = envFlags(args, ctx.env);
    if (env.length > 0) options.env = env;
    const workdir = str(args, 'workdir');
    if (workdir !== undefined) options.workingDir = workdir;
    const user = str(args, 'user');
    if (user !== undefined) options.user = user;
    if (bool(args, 'privileged')) options.privileged = true;
    if (bool(args, 'detach')) return execDetached(ctx, args);
    requireTerminal(ctx, options.tty ?? false, options.openStdin ?? false);
    const engine = await ctx.engine();
    return attached(ctx, engine, ref, { tty: options.tty ?? false, stdin: options.openStdin ?? false, sigProxy: false }, (streams) => engine.exec(ref, options, streams));
  },
};

/**
 * `exec -d`. The engine's exec waits for the process (its monitor holds it until someone
 * attaches), so the CLI hands the session to a detached copy of itself that stays
 * attached, with nowhere to write, until the command ends.
 */
async function execDetached(ctx: Context, args: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  await engine.inspectContainer(args.positionals[0]);
  const argv = process.argv.slice(1, 2);
  const rest = ctx.globalArgv.concat(['exec'], rebuildExecArgs(args));
  const child = spawn(process.execPath, [...argv, ...rest], { detached: true, stdio: 'ignore', env: ctx.env });
  child.unref();
  return 0;
}

function rebuildExecArgs(args: ParsedArgs): string[] {
  const out: string[] = [];
  for (const e of list(args, 'env')) out.push('-e', e);
  for (const f of list(args, 'env-file')) out.push('--env-file', f);
  const workdir = str(args, 'workdir');
  if (workdir !== undefined) out.push('-w', workdir);
  const user = str(args, 'user');
  if (user !== undefined) out.push('-u', user);
  if (bool(args, 'privileged')) out.push('--privileged');
  return [...out, ...args.positionals];
}

interface AttachPlan {
  tty: boolean;
  stdin: boolean;
  sigProxy: boolean;
}

/**
 * Runs `connect` with the terminal attached and returns the exit code (0 after a detach).
 * The id is what the signal proxy kills; an exec passes the container, and no proxy.
 */
async function attached(
  ctx: Context,
  engine: CliEngine,
  ref: string,
  plan: AttachPlan,
  connect: (streams: ReturnType<typeof openSession>['streams']) => Promise<number | void | undefined>,
): Promise<number> {
  const session = openSession(ctx, { stdin: plan.stdin, tty: plan.tty });
  const unproxy = plan.sigProxy ? proxySignals((signal) => void engine.killContainer(ref, signal).catch(() => undefined)) : () => undefined;
  try {
    const code = await connect(session.streams);
    return session.detached ? 0 : code ?? 0;
  } catch (err) {
    if (session.detached) return 0;
    throw err;
  } finally {
    unproxy();
    session.close();
  }
}

async function containerConfig(engine: CliEngine, ref: string): Promise<{ tty: boolean; openStdin: boolean }> {
  const view = (await engine.inspectContainer(ref)) as { Config?: { Tty?: boolean; OpenStdin?: boolean } };
  return { tty: view.Config?.Tty === true, openStdin: view.Config?.OpenStdin === true };
}

/** `run --rm` in the foreground: remove once the process is gone (it may outlive a detach). */
async function removeWhenExited(engine: CliEngine, id: string): Promise<void> {
  try {
    await engine.removeContainer(id, { force: false });
  } catch (err) {
    // Still running after a detach: the runtime's auto-remove collects it later.
    if (err instanceof BerthError && (err.code === 'conflict' || err.code === 'not-found')) return;
    throw err;
  }
}
