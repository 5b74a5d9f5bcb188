/**
 * The store's layers/ dir is marked a top of directory hierarchies (ext4's `T` flag) once
 * layers are removed from it, so the layers extracted after that start in block groups of
 * their own, away from the removed layers' freed inodes (see markLayersDir).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { currentIdMap } from '../../../src/runtime/idmap';
import { ImageService } from '../../../src/runtime/image/image-service';
import { storePaths } from '../../../src/runtime/paths';
import { dockerSaveArchive } from '../../fixtures/archives';
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
  it('is left unmarked by a load, and becomes a top directory for the ext4 allocator once an image is removed', async (t) => {
    const root = await tempDir();
    const helper = new RecordingPrivilegedFs();
    const svc = new ImageService(storePaths(root), currentIdMap(), async () => helper, { emit: () => undefined, containersByImage: async () => new Map() });
    const archive = path.join(root, 'image.tar');
    await fs.writeFile(archive, dockerSaveArchive({ layers: [await packTar([{ name: 'bin/tool', body: 'x' }])], tags: ['marked:1'] }));
    await svc.loadImages(archive);
    const layers = storePaths(root).layers;
    const before = attributes(layers);
    if (before === undefined) return t.skip('the file system has no lsattr flags');
    assert.doesNotMatch(before, /T/, 'a load spawns no chattr');

    await svc.removeImages(['marked:1']);
    // The mark is not awaited by the removal: give chattr a moment.
    for (let i = 0; i < 100 && !/T/.test(attributes(layers) ?? ''); i++) await sleep(20);
    assert.match(attributes(layers) ?? '', /T/);
  });
});
