/**
 * The store's layers/ dir is marked a top of directory hierarchies (ext4's `T` flag), so
 * each extracted layer starts in a block group of its own (see makeLayersDir).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { currentIdMap } from '../../../src/runtime/idmap';
import { layersDir } from '../../../src/runtime/layer/layer';
import { stageLayer } from '../../../src/runtime/layer/layer-store';
import { Lease } from '../../../src/runtime/store/lease';
import { RecordingPrivilegedFs, packTar, tempDir } from './helpers';

/** lsattr's flags for a dir, or undefined where the file system has none (not ext2/3/4). */
function attributes(dir: string): string | undefined {
  try {
    return execFileSync('lsattr', ['-d', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(' ')[0];
  } catch {
    return undefined;
  }
}

describe('layers dir', () => {
  it('is a top directory for the ext4 allocator once a layer is staged in it', async (t) => {
    const root = path.join(await tempDir(), 'store');
    const lease = await Lease.create(root);
    try {
      const ctx = { root, idMap: currentIdMap(), privileged: async () => new RecordingPrivilegedFs() };
      await stageLayer((async function* () {
        yield await packTar([{ name: 'a', body: 'x' }]);
      })(), ctx, { lease, what: 'test' });
      const flags = attributes(layersDir(root));
      if (flags === undefined) return t.skip('the file system has no lsattr flags');
      assert.match(flags, /T/);
    } finally {
      await lease.release();
    }
  });
});
