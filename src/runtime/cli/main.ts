// Entry point of the `berth` command (bundled to dist/cli.js).
import { Engine } from '../engine';
import { runCli } from './cli';

async function main(): Promise<void> {
  const status = await runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
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
