/**
 * fixup and rmtree: the filesystem work Node cannot do for layers and removed
 * containers — as root with host ids, rootless inside a user namespace with the
 * subordinate ids.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HelperError } from '../../../src/runtime/container/helper-client';
import { toHost } from '../../../src/runtime/idmap';
import { idMap, isRoot, useHelper } from './fixtures';

function xattr(file: string, name: string): string | undefined {
  const script = 'import os,sys\ntry: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())\nexcept OSError: print("")';
  return execFileSync('python3', ['-c', script, file, name], { encoding: 'utf8' }).trim() || undefined;
}

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', '0']);
    return true;
  } catch {
    return false;
  }
})();

describe('berth-helper fixup and rmtree', () => {
  const h = useHelper();
  let n = 0;


  function tree(): { root: string; list: (records: string[]) => string } {
    const dir = path.join(h.base, `tree-${++n}`);
    const root = path.join(dir, 'fs');
    fs.mkdirSync(path.join(root, 'd', 'sub'), { recursive: true });
    fs.mkdirSync(path.join(root, 'opaque dir'));
    fs.writeFileSync(path.join(root, 'd', 'f'), 'x');
    fs.writeFileSync(path.join(root, 'd', 'sub', 'g'), 'y');
    fs.symlinkSync('/etc', path.join(root, 'link'));
    return {
      root,
      list: (records) => {
        const file = path.join(dir, `list-${records.length}-${Date.now()}`);
        fs.writeFileSync(file, records.join('\n') + '\n');
        return file;
      },
    };
  }

  const request = (root: string, list: string) => ({ root, list, userxattr: !isRoot, ...idMap });

  it('applies chown (mode kept), whiteout, opaque and xattr records', async () => {
    const t = tree();
    await h.client.fixup(request(t.root, t.list(['chown 1000 1001 4755 d/f', 'chown 5 5 777 link', 'whiteout d/gone', 'opaque opaque dir', 'xattr user.berth 6869 d/f'])));
    const f = fs.statSync(path.join(t.root, 'd', 'f'));
    assert.equal(f.uid, isRoot ? 1000 : toHost(idMap.uidMappings, 1000));
    assert.equal(f.gid, isRoot ? 1001 : toHost(idMap.gidMappings, 1001));
    assert.equal(f.mode & 0o7777, 0o4755, 'the set-uid bit chown cleared is back');
    assert.equal(fs.lstatSync(path.join(t.root, 'link')).uid, isRoot ? 5 : toHost(idMap.uidMappings, 5), 'the link itself is chowned');
    assert.equal(fs.statSync('/etc').uid, 0, 'not what it points to');
    const gone = fs.lstatSync(path.join(t.root, 'd', 'gone'));
    assert.ok(gone.isCharacterDevice() && gone.rdev === 0, 'a 0/0 character device');
    if (hasPython) {
      assert.equal(xattr(path.join(t.root, 'opaque dir'), isRoot ? 'trusted.overlay.opaque' : 'user.overlay.opaque'), 'y');
      assert.equal(xattr(path.join(t.root, 'd', 'f'), 'user.berth'), 'hi');
    }
  });

  it('refuses paths that climb out of the root or pass through a symlink', async () => {
    const t = tree();
    for (const record of ['chown 0 0 600 link/passwd', 'chown 0 0 600 ../x', 'whiteout /etc/x', 'nonsense d/f']) {
      await assert.rejects(h.client.fixup(request(t.root, t.list([record]))), (err: unknown) => err instanceof HelperError && err.message.includes(record.split(' ').pop()!));
    }
    assert.notEqual(fs.statSync('/etc/passwd').mode & 0o777, 0o600);
  });

  it('removes a tree of subordinate-id files and read-only directories', async () => {
    const t = tree();
    await h.client.fixup(request(t.root, t.list(['chown 1000 1000 555 d/sub', 'chown 1000 1000 444 d/sub/g', 'chown 1000 1000 555 d'])));
    if (!isRoot) assert.throws(() => fs.rmSync(t.root, { recursive: true }), /EACCES|EPERM/, 'Node alone cannot remove it');
    await h.client.rmtree({ path: t.root, ...idMap });
    assert.equal(fs.existsSync(t.root), false);
    await h.client.rmtree({ path: t.root, ...idMap }); // idempotent
  });

  it('refuses to remove /', async () => {
    await assert.rejects(h.client.rmtree({ path: '/' }), /refuses/);
    await assert.rejects(h.client.rmtree({ path: '/tmp/../' }), /refuses/);
  });
});
