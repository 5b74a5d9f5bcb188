/**
 * opaque: the helper reads overlay's opaque marks (trusted.overlay.opaque as root,
 * user.overlay.opaque rootless) that Node cannot see, for packing an upper dir.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HelperError } from '../../../src/runtime/container/helper-client';
import { idMap, isRoot, useHelper } from './fixtures';

describe('berth-helper opaque', () => {
  const h = useHelper();

  it('lists the directories the fixup op marked opaque, and nothing else', async () => {
    const root = path.join(h.base, 'opaque', 'fs');
    fs.mkdirSync(path.join(root, 'a', 'deep', 'er'), { recursive: true });
    fs.mkdirSync(path.join(root, 'with space'));
    fs.mkdirSync(path.join(root, 'plain'));
    fs.writeFileSync(path.join(root, 'a', 'file'), 'x');
    fs.symlinkSync('a', path.join(root, 'link'));
    const list = path.join(h.base, 'opaque', 'list');
    fs.writeFileSync(list, ['opaque a/deep/er', 'opaque with space', 'opaque .'].join('\n') + '\n');
    const userxattr = !isRoot;
    await h.client.fixup({ root, list, userxattr, ...idMap });
    assert.deepEqual((await h.client.opaqueDirs({ root, userxattr })).sort(), ['.', 'a/deep/er', 'with space']);
    // The other namespace's mark is not overlay's for this mount.
    if (isRoot) assert.deepEqual(await h.client.opaqueDirs({ root, userxattr: true }), []);
  });

  it('answers an absent dir with none, and refuses a relative path', async () => {
    assert.deepEqual(await h.client.opaqueDirs({ root: path.join(h.base, 'nothing-here'), userxattr: !isRoot }), []);
    await assert.rejects(h.client.opaqueDirs({ root: 'relative', userxattr: false }), (err: unknown) => err instanceof HelperError && /absolute/.test(err.message));
  });
});
