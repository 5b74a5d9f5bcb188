/**
 * What a verb is: its flags, its usage line, and a handler that gets parsed arguments and
 * a Context (the engine, opened lazily, and the process's streams — replaceable in tests).
 * A handler returns the exit status; errors it throws are printed as `berth: Error: …`
 * by cli.ts and end the command with 125 for usage mistakes and `errorStatus` (default 1)
 * for everything else, as docker's CLI does.
 */
import { BerthError } from '../errors';
import { FlagSpec, ParsedArgs } from './args';
import { CliEngine, ImageApi } from './engine-port';

export interface TerminalInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface TerminalOutput extends NodeJS.WritableStream {
  isTTY?: boolean;
  rows?: number;
  columns?: number;
}

export interface Context {
  engine(): Promise<CliEngine>;
  stdin: TerminalInput;
  stdout: TerminalOutput;
  stderr: TerminalOutput;
  env: NodeJS.ProcessEnv;
  /** The global flags as given (`--root`), so a verb can start another `berth` with the same store. */
  globalArgv: string[];
  /** Clock for relative times; tests pin it. */
  now(): Date;
}

export interface Command {
  /** `[OPTIONS] IMAGE [COMMAND] [ARG...]` */
  usage: string;
  summary: string;
  flags: FlagSpec[];
  /** False for verbs that run a command: flags end at the first positional. */
  interspersed?: boolean;
  minArgs?: number;
  maxArgs?: number;
  /** Exit status for runtime failures: 125 for run (docker's), default 1. */
  errorStatus?: number;
  run(ctx: Context, args: ParsedArgs): Promise<number | void>;
}

/** An image-store method, or a clear error when this build's engine does not have it yet. */
export function imageApi<K extends keyof ImageApi>(engine: CliEngine, method: K): ImageApi[K] {
  const fn = engine[method];
  if (typeof fn !== 'function') {
    throw new BerthError('unavailable', `This berth cannot do that yet: its runtime has no ${method}(). Update berth.`);
  }
  return (fn as (...args: unknown[]) => unknown).bind(engine) as ImageApi[K];
}

export function line(out: NodeJS.WritableStream, text = ''): void {
  out.write(`${text}\n`);
}

/** `berth: Error: <message>`, and the stack when BERTH_DEBUG=1 (for bugs, not for users). */
export function printError(ctx: Context, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  ctx.stderr.write(`berth: Error: ${message}\n`);
  if (ctx.env.BERTH_DEBUG === '1' && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
}

/**
 * Applies `fn` to each reference and prints what it returns (the reference itself by
 * default), as docker's multi-object verbs do; a failure is reported and the others
 * still run. Returns 1 if any failed.
 */
export async function eachRef(ctx: Context, refs: string[], fn: (ref: string) => Promise<unknown>, print: (ref: string, result: unknown) => string | undefined = (ref) => ref): Promise<number> {
  let status = 0;
  for (const ref of refs) {
    try {
      const text = print(ref, await fn(ref));
      if (text !== undefined) line(ctx.stdout, text);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      printError(ctx, err);
      status = 1;
    }
  }
  return status;
}

/**
 * Runs `work` with the event loop held open. The engine's file watches and timers do not
 * hold it (right inside the extension host), so a command that follows a log or an event
 * stream would otherwise end as soon as it had to wait.
 */
export async function keepingAlive<T>(work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 60_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
