/**
 * The helper's cgroup v2 code on a fake unified tree (this machine is v1 hybrid, so it
 * never runs for real here): limits land in memory.max, pids.max, cpu.max and cpu.weight,
 * controllers are enabled for children, and a user without delegation gets warnings.
 * The C test itself is native/test/cgroup_v2_test.c; this runs it as root and as a user.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from '../support';

test('cgroup v2 limits and delegation, on a fake tree', () => {
  const binary = path.join(REPO, 'native', 'build', 'test', 'cgroup_v2_test');
  // A checkout builds it; the unprivileged run gets a copy of native/build with it inside.
  if (fs.existsSync(path.join(REPO, 'native', 'test'))) execFileSync('make', ['-s', '-C', path.join(REPO, 'native'), 'build/test/cgroup_v2_test']);
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cgv2-')), 'cgroup');
  const run = spawnSync(binary, [dir], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /all checks passed/);
});
