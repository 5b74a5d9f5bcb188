/**
 * The `berth` command line: global flags, the verb (or `container …`/`image …` form),
 * its flags, and docker's exit statuses — 125 when berth itself fails (bad flags, an
 * unknown verb, a runtime error in `run`), 1 for a failed verb, the container's status
 * for a foreground run. Streams and the engine come in through `CliIo`, so the whole
 * command line runs in unit tests against a fake engine.
 */
import * as path from 'node:path';
import { VERSION } from '../engine';
import { defaultStoreRoot } from '../paths';
import { FlagSpec, ParsedArgs, UsageError, parseArgs, str } from './args';
import { Command, Context, TerminalInput, TerminalOutput, line, printError } from './command';
import { COMMANDS, GROUPS, Group } from './commands';
import { CliEngine } from './engine-port';
import { commandHelp, topLevelHelp } from './help';

export interface CliIo {
  stdin: TerminalInput;
  stdout: TerminalOutput;
  stderr: TerminalOutput;
  env: NodeJS.ProcessEnv;
  openEngine(root: string): Promise<CliEngine>;
  now?: () => Date;
}

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'root', kind: 'string', description: 'Store location (default $BERTH_ROOT, else ~/.local/share/berth, /var/lib/berth for root)' },
  { name: 'version', short: 'v', kind: 'bool', description: 'Print version information and quit' },
];

export const USAGE_STATUS = 125;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let globals: ParsedArgs;
  const ctx = context(io, []);
  try {
    globals = parseArgs(argv, GLOBAL_FLAGS, { interspersed: false });
  } catch (err) {
    printError(ctx, err);
    line(io.stderr, "See 'berth --help'.");
    return USAGE_STATUS;
  }
  if (globals.flags.version === true) {
    line(io.stdout, `berth version ${VERSION}`);
    return 0;
  }
  const [verb, ...rest] = globals.positionals;
  if (verb === undefined || globals.help || verb === 'help') {
    io.stdout.write(topLevelHelp());
    return 0;
  }
  const found = findCommand(verb, rest);
  if (!found) {
    const where = GROUPS[verb] ? `berth ${verb}` : 'berth';
    printError(ctx, new UsageError(`'${[verb, ...rest.slice(0, GROUPS[verb] ? 1 : 0)].join(' ')}' is not a ${where} command.`));
    line(io.stderr, `See '${where} --help'.`);
    return USAGE_STATUS;
  }
  if ('group' in found) {
    io.stdout.write(commandHelp(found.path, found.group));
    return 0;
  }
  const root = str(globals, 'root');
  return runCommand(context(io, root === undefined ? [] : ['--root', path.resolve(root)]), found.path, found.command, found.argv);
}

type Found = { path: string; command: Command; argv: string[] } | { path: string; group: Group };

function findCommand(verb: string, rest: string[]): Found | undefined {
  const group = GROUPS[verb];
  if (!group) return COMMANDS[verb] ? { path: verb, command: COMMANDS[verb], argv: rest } : undefined;
  const [sub, ...argv] = rest;
  if (sub === undefined || sub === '--help' || sub === '-h') return { path: verb, group };
  const command = group.commands[sub];
  return command ? { path: `${verb} ${sub}`, command, argv } : undefined;
}

async function runCommand(ctx: Context, verbPath: string, command: Command, argv: string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, command.flags, { interspersed: command.interspersed ?? true });
    if (!args.help) checkArgCount(verbPath, command, args.positionals.length);
  } catch (err) {
    printError(ctx, err);
    line(ctx.stderr, `See 'berth ${verbPath} --help'.`);
    return USAGE_STATUS;
  }
  if (args.help) {
    ctx.stdout.write(commandHelp(verbPath, command));
    return 0;
  }
  try {
    return (await command.run(ctx, args)) ?? 0;
  } catch (err) {
    printError(ctx, err);
    if (err instanceof UsageError) {
      line(ctx.stderr, `See 'berth ${verbPath} --help'.`);
      return USAGE_STATUS;
    }
    return exitStatusOf(err) ?? command.errorStatus ?? 1;
  }
}

function checkArgCount(verbPath: string, command: Command, count: number): void {
  const { minArgs = 0, maxArgs = Infinity } = command;
  const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  if (minArgs === maxArgs && count !== minArgs) throw new UsageError(`"berth ${verbPath}" requires exactly ${plural(minArgs)}.`);
  if (count < minArgs) throw new UsageError(`"berth ${verbPath}" requires at least ${plural(minArgs)}.`);
  if (count > maxArgs) throw new UsageError(maxArgs === 0 ? `"berth ${verbPath}" accepts no arguments.` : `"berth ${verbPath}" accepts at most ${plural(maxArgs)}.`);
}

/**
 * Failures that carry their own status: a command that could not be executed in the
 * container is 126 (found but not executable) or 127 (not found), as in a shell and in
 * docker. The helper reports it as the error's `exitCode`; older replies only in words.
 */
export function exitStatusOf(err: unknown): number | undefined {
  const exitCode = (err as { exitCode?: unknown } | null)?.exitCode;
  if (exitCode === 126 || exitCode === 127) return exitCode;
  const message = err instanceof Error ? err.message : '';
  if (!/exec "[^"]*"/.test(message)) return undefined;
  return /executable file not found|no such file or directory/i.test(message) ? 127 : 126;
}

function context(io: CliIo, globalArgv: string[]): Context {
  const root = globalArgv[1] ?? defaultStoreRoot(io.env);
  let engine: Promise<CliEngine> | undefined;
  return {
    engine: () => (engine ??= io.openEngine(root)),
    // Getters, so that only the verbs that use them make them (see main.ts).
    get stdin() {
      return io.stdin;
    },
    get stdout() {
      return io.stdout;
    },
    stderr: io.stderr,
    env: io.env,
    globalArgv,
    now: io.now ?? (() => new Date()),
  };
}
