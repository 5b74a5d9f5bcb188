/**
 * The local end of an attached container: raw mode for `-it` on a real terminal (restored
 * on every way out, including a crash), the terminal size and its changes (SIGWINCH
 * arrives as stdout's 'resize'), docker's detach keys (Ctrl-P Ctrl-Q), and the signal
 * proxy of a non-tty foreground run (`--sig-proxy`): SIGINT/SIGTERM typed here reach the
 * container's process instead of killing the CLI and leaving the container behind.
 */
import { Transform, TransformCallback } from 'node:stream';
import type { AttachStreams } from '../container/ports';
import { BerthError } from '../errors';
import { Context } from './command';

export interface Session {
  streams: AttachStreams;
  /** True once the user pressed the detach keys: the container keeps running. */
  readonly detached: boolean;
  close(): void;
}

const CTRL_P = 0x10;
const CTRL_Q = 0x11;

export function openSession(ctx: Context, options: { stdin: boolean; tty: boolean }): Session {
  const abort = new AbortController();
  let detached = false;
  const cleanups: (() => void)[] = [];
  const streams: AttachStreams = { stdin: null, stdout: ctx.stdout, stderr: options.tty ? ctx.stdout : ctx.stderr, signal: abort.signal };

  const rawTerminal = options.tty && options.stdin && ctx.stdin.isTTY === true && typeof ctx.stdin.setRawMode === 'function';
  if (rawTerminal) {
    ctx.stdin.setRawMode!(true);
    const restore = () => ctx.stdin.setRawMode!(false);
    process.once('exit', restore);
    cleanups.push(() => {
      restore();
      process.removeListener('exit', restore);
    });
  }
  if (options.stdin) {
    if (rawTerminal) {
      const keys = detachKeys(() => {
        detached = true;
        abort.abort();
      });
      ctx.stdin.pipe(keys);
      streams.stdin = keys;
      cleanups.push(() => ctx.stdin.unpipe(keys));
    } else {
      streams.stdin = ctx.stdin;
    }
    cleanups.push(() => ctx.stdin.pause());
  }
  if (options.tty) {
    const out = ctx.stdout.isTTY ? ctx.stdout : undefined;
    if (out?.rows && out.columns) streams.tty = { rows: out.rows, cols: out.columns };
    else streams.tty = { rows: 24, cols: 80 };
    streams.onResize = (resize) => {
      if (!out) return;
      const onResize = () => out.rows && out.columns && resize(out.rows, out.columns);
      out.on('resize', onResize);
      cleanups.push(() => out.removeListener('resize', onResize));
    };
  }
  return {
    streams,
    get detached() {
      return detached;
    },
    close() {
      for (const fn of cleanups.splice(0).reverse()) fn();
    },
  };
}

/** Passes stdin through until Ctrl-P Ctrl-Q, which calls `onDetach` and ends the stream. */
export function detachKeys(onDetach: () => void): Transform {
  let pendingCtrlP = false;
  return new Transform({
    transform(chunk: Buffer, _encoding: string, done: TransformCallback) {
      const out: number[] = [];
      for (const byte of chunk) {
        if (pendingCtrlP) {
          pendingCtrlP = false;
          if (byte === CTRL_Q) {
            if (out.length) this.push(Buffer.from(out));
            onDetach();
            this.push(null);
            return done();
          }
          out.push(CTRL_P);
        }
        if (byte === CTRL_P) pendingCtrlP = true;
        else out.push(byte);
      }
      done(null, out.length ? Buffer.from(out) : undefined);
    },
  });
}

const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Forwards the usual termination signals to `send` until the returned function is called. */
export function proxySignals(send: (signal: NodeJS.Signals) => void): () => void {
  const handlers = PROXIED.map((signal) => {
    const handler = () => send(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };
}

/** docker refuses `-it` when stdin is a pipe; so does berth, with the way out. */
export function requireTerminal(ctx: Context, tty: boolean, stdin: boolean): void {
  if (tty && stdin && ctx.stdin.isTTY !== true) {
    throw new BerthError('invalid-argument', 'The input device is not a TTY. Drop -t to pipe input into the container, or run berth from a terminal.');
  }
}
