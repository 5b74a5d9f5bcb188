// Helpers of the extension-host suite: the berth CLI on the server's store (BERTH_ROOT is
// in the extension host's environment), a busybox image made once from Debian's
// busybox-static, and waiting for a condition without fixed sleeps.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

/** Runs `berth ARGS…` on the test store; returns its stdout, trimmed. */
export function berth(...args: string[]): string {
  return execFileSync(path.join(repoRoot, 'bin', 'berth'), args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    timeout: 60_000,
  }).trim();
}

let rootfsTar: string | undefined;

/** A tarball of a busybox root filesystem (from busybox-static), made once per run. */
export function busyboxRootfsTar(): string {
  if (!rootfsTar || !existsSync(rootfsTar)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-ext-host-'));
    execFileSync('bash', [path.join(repoRoot, 'test', 'fixtures', 'make-busybox-rootfs.sh'), path.join(dir, 'rootfs')]);
    rootfsTar = path.join(dir, 'busybox.tar');
    execFileSync('tar', ['-C', path.join(dir, 'rootfs'), '-cf', rootfsTar, '.']);
  }
  return rootfsTar;
}

/** Makes sure `busybox:latest` is in the store. */
export function ensureBusybox(): void {
  if (berth('images', '--format', '{{.Repository}}:{{.Tag}}').split('\n').includes('busybox:latest')) return;
  berth('import', busyboxRootfsTar(), 'busybox:latest');
}

/** Starts a detached busybox container that prints a line a second; returns its name. */
export function runTicker(name: string): string {
  ensureBusybox();
  berth('run', '-d', '--name', name, 'busybox', 'sh', '-c', 'trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done');
  return name;
}

export function status(name: string): string {
  return berth('inspect', '--format', '{{.State.Status}}', name);
}

export function exists(name: string): boolean {
  try {
    berth('inspect', name);
    return true;
  } catch {
    return false;
  }
}

export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Destructive commands ask first; the suite answers for the user through the setting. */
export async function skipConfirmations(): Promise<void> {
  await vscode.workspace.getConfiguration('berth').update('confirmDestructiveActions', false, vscode.ConfigurationTarget.Global);
}
