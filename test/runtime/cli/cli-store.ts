/**
 * A store driven only through the real `berth` command (dist/cli.js): a temp BERTH_ROOT
 * and runtime dir, the busybox rootfs brought in with `berth import`, and clean-up that
 * also goes through the CLI (rootless stores hold files only the helper can remove).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CLI, busyboxTar, runCli } from '../support';

export const IMAGE = 'busybox:test';

const execFileAsync = promisify(execFile);

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliStore {
  root: string;
  env: NodeJS.ProcessEnv;
  /** `berth ARGS` with this store in BERTH_ROOT. */
  berth(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<Result>;
  /** A bash command line in which `berth` is the CLI on this store (for pipes and redirections). */
  sh(script: string, options?: { timeoutMs?: number }): Promise<Result>;
  dispose(): Promise<void>;
}

export async function openCliStore(): Promise<CliStore> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-'));
  const root = path.join(base, 'store');
  const env = { ...process.env, BERTH_ROOT: root, BERTH_RUNTIME_DIR: path.join(base, 'run') };
  const berth = (args: string[], options: { input?: string; timeoutMs?: number } = {}) => runCli(args, env, options);
  const sh = (script: string, options: { timeoutMs?: number } = {}) =>
    run('bash', ['-c', `berth() { node ${JSON.stringify(CLI)} "$@"; }\nset -o pipefail\n${script}`], { ...env, BERTH_TMP: base }, options.timeoutMs);
  const imported = await berth(['import', busyboxTar(), IMAGE]);
  if (imported.code !== 0) throw new Error(`berth import failed: ${imported.stderr}`);
  return {
    root,
    env: { ...env, BERTH_TMP: base },
    berth,
    sh,
    async dispose() {
      const ids = (await berth(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await berth(['rm', '-f', ...ids]);
      await berth(['image', 'prune', '-a', '-f']);
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Runs a program to completion; `code` is 128+signal when it was killed, as a shell reports. */
export async function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<Result> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { env, timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; signal?: NodeJS.Signals; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number' && !e.signal) throw err;
    const code = typeof e.code === 'number' ? e.code : 128 + os.constants.signals[e.signal!];
    return { code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The output's lines, without the terminal's carriage returns. */
export function lines(text: string): string[] {
  return text.replace(/\r/g, '').split('\n').filter(Boolean);
}
