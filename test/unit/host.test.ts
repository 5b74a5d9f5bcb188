import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { cgroupMode, detectCgroupSupport } from '../../src/runtime/host';

/** A fake /sys/fs/cgroup: `files` maps relative paths to contents ('' for a directory). */
function fakeCgroupFs(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cgroup-'));
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(root, rel);
    if (content === '') fs.mkdirSync(full, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
    }
  }
  return root;
}

describe('cgroup detection', () => {
  test('tells v1, hybrid, v2 and none apart', () => {
    assert.equal(cgroupMode(fakeCgroupFs({ memory: '', pids: '' })), 'v1');
    assert.equal(cgroupMode(fakeCgroupFs({ memory: '', 'unified/cgroup.controllers': 'x' })), 'hybrid');
    assert.equal(cgroupMode(fakeCgroupFs({ 'cgroup.controllers': 'cpu memory pids' })), 'v2');
    assert.equal(cgroupMode(fakeCgroupFs({})), 'none');
  });

  test('v1: root gets the mounted controllers, a user gets none and an actionable note', () => {
    const root = fakeCgroupFs({ memory: '', pids: '', 'cpu,cpuacct': '', freezer: '' });
    assert.deepEqual(detectCgroupSupport(root, true).limits, ['memory', 'pids', 'cpu', 'freezer']);
    const user = detectCgroupSupport(root, false);
    assert.deepEqual(user.limits, []);
    assert.match(user.note, /only root can create cgroups/);
    assert.match(user.note, /cgroup v2/);
  });

  test('v2 as root: limits are the controllers enabled for children', () => {
    const root = fakeCgroupFs({ 'cgroup.controllers': 'cpu memory pids io', 'cgroup.subtree_control': 'cpu memory' });
    const support = detectCgroupSupport(root, true, () => '/');
    assert.deepEqual(support.limits, ['memory', 'cpu', 'freezer']);
    assert.match(support.note, /pids not delegated/);
  });

  test('v2 rootless: limits come from the delegated parent of the user\'s own cgroup', () => {
    const own = '/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope';
    const root = fakeCgroupFs({
      'cgroup.controllers': 'cpu memory pids',
      'user.slice/user-1000.slice/user@1000.service/app.slice/cgroup.subtree_control': 'cpu memory pids',
    });
    const support = detectCgroupSupport(root, false, () => own);
    // The fake tree belongs to whoever runs the test, as a delegated subtree would.
    assert.deepEqual(support.limits, ['memory', 'pids', 'cpu', 'freezer']);
    assert.equal(support.note, '');
  });

  test('v2 rootless without an own cgroup: nothing applies, and the note says why', () => {
    const root = fakeCgroupFs({ 'cgroup.controllers': 'cpu memory pids' });
    const support = detectCgroupSupport(root, false, () => undefined);
    assert.deepEqual(support.limits, []);
    assert.match(support.note, /not delegated/);
  });
});
