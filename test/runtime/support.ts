/**
 * What the runtime suites share: a private store per test file, the busybox image made
 * from Debian's busybox-static, the real `berth` CLI, and clean-up that also works for
 * rootless stores (files owned by subordinate ids need the helper to remove).
 */
import { execFileSync, spawn, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HelperClient } from '../../src/runtime/container/helper-client';
import { Engine } from '../../src/runtime/engine';
import { currentIdMap } from '../../src/runtime/idmap';
import { removeTree } from '../../src/runtime/layer/layer-store';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');
export const IMAGE = 'busybox:test';

let rootfsTar: string | undefined;

/** A tar of a busybox rootfs, made once per process. */
export function busyboxTar(): string {
  if (rootfsTar) return rootfsTar;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-busybox-'));
  execFileSync('bash', [path.join(REPO, 'test', 'fixtures', 'make-busybox-rootfs.sh'), path.join(dir, 'rootfs')], { stdio: 'ignore' });
  rootfsTar = path.join(dir, 'rootfs.tar');
  // Owned by root, as real images are (a user's own files would be owned by uid 1000+).
  execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '-C', path.join(dir, 'rootfs'), '-cf', rootfsTar, '.']);
  return rootfsTar;
}

export interface TestStore {
  root: string;
  runtimeDir: string;
  env: NodeJS.ProcessEnv;
  engine: Engine;
  /** Runs the real CLI on this store; resolves with its output and exit code. */
  cli(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  dispose(): Promise<void>;
}

/** A fresh store with busybox:test imported. */
export async function openTestStore(): Promise<TestStore> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-'));
  const root = path.join(base, 'store');
  const runtimeDir = path.join(base, 'run');
  const env = { ...process.env, BERTH_ROOT: root, BERTH_RUNTIME_DIR: runtimeDir };
  const engine = await Engine.open({ root, runtimeDir });
  await engine.importImage(busyboxTar(), IMAGE);
  return {
    root,
    runtimeDir,
    env,
    engine,
    cli: (args, options = {}) => runCli(args, env, options),
    async dispose() {
      for (const c of await engine.listContainers({ all: true })) await engine.removeContainer(c.id, { force: true }).catch(() => undefined);
      await engine.removeImages([IMAGE], { force: true }).catch(() => undefined);
      await engine.pruneImages({ all: true }).catch(() => undefined);
      // What a removal still in flight in another process (a `run --rm` exiting) leaves —
      // an overlay work dir of mode 000, files of subordinate ids — goes as the runtime's own GC removes it.
      await removeTree(base, { idMap: currentIdMap(), privileged: () => HelperClient.connect({ runtimeDir }) });
    },
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, options: { input?: string; timeoutMs?: number } & SpawnOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? os.constants.signals[signal] : 0), stdout, stderr });
    });
    child.stdin!.end(options.input ?? '');
  });
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
