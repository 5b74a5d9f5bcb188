/**
 * A cross-process lock on a store, so the CLI and the extension host can share one.
 *
 * Node has no flock(). A lock file with a pid inside needs stale-lock breaking, and two
 * breakers can race each other into both holding it. Instead the lock is a Linux
 * abstract unix socket named after the store path: bind() succeeds for exactly one
 * process, and the kernel releases it the moment that process dies — so a `load` killed
 * with SIGKILL never leaves a lock behind, and there is nothing stale to judge.
 *
 * Abstract names live per network namespace; every Berth process on a store runs in the
 * host's. Holders keep critical sections short (a refs update, a GC sweep); long work such
 * as extraction happens outside. Not re-entrant: a holder must not take it again.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import { BerthError, errnoCode } from '../errors';

export interface LockOptions {
  /** Give up after this long (ms). Default 60 s: a store lock is never held that long. */
  timeout?: number;
  signal?: AbortSignal;
}

function socketName(lockPath: string): string {
  const digest = createHash('sha256').update(path.resolve(lockPath)).digest('hex').slice(0, 32);
  return `\0berth-lock-${digest}`;
}

/**
 * Binds the abstract unix socket `name`: the server, or undefined when another process
 * holds it (EADDRINUSE). The kernel releases it when the holder dies. Shared with leases.
 */
export function bindAbstract(name: string): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err) => (errnoCode(err) === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen({ path: name }, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** Unbinds what bindAbstract bound: the name is free for the next process at once. */
export function unbind(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function withLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const server = await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await unbind(server);
  }
}

async function acquire(lockPath: string, { timeout = 60_000, signal }: LockOptions): Promise<net.Server> {
  const name = socketName(lockPath);
  const deadline = Date.now() + timeout;
  let wait = 1;
  for (;;) {
    signal?.throwIfAborted();
    const server = await bindAbstract(name);
    if (server) return server;
    if (Date.now() > deadline) {
      throw new BerthError(
        'unavailable',
        `The store at ${path.dirname(lockPath)} is busy: another Berth process has held its lock for ${Math.round(timeout / 1000)} s. Wait for it to finish (see \`ps ax | grep berth\`), then retry.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 25);
  }
}
