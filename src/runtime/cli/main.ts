// Entry point of the `berth` command (bundled to dist/cli.js).
import { Engine } from '../engine';
import { runCli } from './cli';

async function main(): Promise<void> {
  const status = await runCli(process.argv.slice(2), {
    // Made on first use: Node builds process.stdin and stdout as streams of their kind (a
    // socket for a pipe, with net and readline behind it) at ~6 and ~3 ms, and most verbs
    // never read stdin, some (`load -q`, `rm`…) never print.
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
    stderr: process.stderr,
    env: process.env,
    openEngine: (root) => Engine.open({ root }),
  });
  // Exit now rather than when the event loop drains: a file watcher or a helper
  // connection the engine opened must not keep a finished command waiting. Writes to
  // pipes, files and terminals are synchronous on Linux, so nothing printed is lost.
  process.exit(status);
}

void main();
