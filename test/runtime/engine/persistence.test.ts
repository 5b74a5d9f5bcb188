/**
 * Containers outlive whoever started them: the CLI process, the resident helper, and —
 * as far as a test can fake one — a host restart.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, IMAGE, openTestStore, TestStore } from '../support';

const TICKER = ['sh', '-c', 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done'];

function tickCount(logs: string): number {
  return (logs.match(/^tick \d+$/gm) ?? []).length;
}

/** Pids of the resident helper daemon serving this store's runtime dir (monitors call themselves berth-monitor). */
function helperDaemonPids(runtimeDir: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,comm=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm, ...args]) => comm === 'berth-helper' && args.join(' ').includes(`--socket ${runtimeDir}/`))
    .map(([pid]) => Number(pid));
}

describe('persistence', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
  });
  after(async () => store.dispose());

  test('a detached container keeps running and logging after the CLI exits and the helper is killed', async () => {
    const run = await store.cli(['run', '-d', '--name', 'ticker', IMAGE, ...TICKER]);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);

    const first = await eventually(async () => {
      const logs = await store.cli(['logs', 'ticker']);
      return tickCount(logs.stdout) >= 3 && logs.stdout;
    }, 10_000, 'ticks in the log');

    const daemons = helperDaemonPids(store.runtimeDir);
    assert.ok(daemons.length > 0, 'the CLI started a resident helper for this runtime dir');
    for (const pid of daemons) process.kill(pid, 'SIGKILL');
    await eventually(async () => helperDaemonPids(store.runtimeDir).length === 0, 5_000, 'the helper to die');

    // The monitor, not the helper, owns the container: it goes on, and so does its log.
    await eventually(async () => tickCount((await store.cli(['logs', 'ticker'])).stdout) > tickCount(first) + 5, 10_000, 'more ticks after the helper died');
    const ps = await store.cli(['ps', '--format', '{{.Names}} {{.Status}}']);
    assert.match(ps.stdout, /^ticker Up /m);

    // Commands that need the helper start a new one.
    const exec = await store.cli(['exec', 'ticker', 'echo', 'still here']);
    assert.equal(exec.stdout, 'still here\n', exec.stderr);

    const waited = store.cli(['wait', 'ticker']);
    const stop = await store.cli(['stop', '-t', '1', 'ticker']);
    assert.equal(stop.code, 0, stop.stderr);
    // sh as PID 1 ignores SIGTERM, so stop ends with SIGKILL: 128 + 9, as docker reports.
    assert.equal((await waited).stdout.trim(), '137');
    const inspect = JSON.parse((await store.cli(['inspect', 'ticker'])).stdout);
    assert.equal(inspect[0].State.Status, 'exited');
    assert.equal(inspect[0].State.ExitCode, 137);
    assert.ok(tickCount((await store.cli(['logs', 'ticker'])).stdout) > 10, 'logs outlive the container');
  });

  test('after everything of a container is killed (as by a host restart) it shows as exited, never lost', async () => {
    const run = await store.cli(['run', '-d', '--name', 'orphan', IMAGE, 'sleep', '600']);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    const dir = path.join(store.root, 'containers', id);
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
    // Kill the monitor and the container's init hard: no exit.json gets written.
    process.kill(state.monitorPid, 'SIGKILL');
    process.kill(state.pid, 'SIGKILL');
    await eventually(async () => {
      const ps = await store.cli(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
      return /^orphan Exited/m.test(ps.stdout);
    }, 10_000, 'the container to read as exited');
    const start = await store.cli(['start', 'orphan']);
    assert.equal(start.code, 0, start.stderr);
    const ps = await store.cli(['ps', '--format', '{{.Names}}']);
    assert.match(ps.stdout, /^orphan$/m);
    await store.cli(['rm', '-f', 'orphan']);
  });
});
