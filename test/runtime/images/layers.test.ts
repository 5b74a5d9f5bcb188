/**
 * Layers through the real helper: whiteouts become 0/0 character devices, opaque dirs are
 * marked, non-root owners are applied (rootless: mapped into the user's subordinate
 * range), and GC removes such trees again.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HelperClient } from '../../../src/runtime/container/helper-client';
import { currentIdMap, toHost } from '../../../src/runtime/idmap';
import { ImageService } from '../../../src/runtime/image/image-service';
import { layerFsDir } from '../../../src/runtime/layer/layer';
import { storePaths } from '../../../src/runtime/paths';
import { dockerSaveArchive } from '../../fixtures/archives';
import { packTar } from '../../unit/layer/helpers';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-layers-'));
const idMap = currentIdMap();
const rootless = idMap.uidMappings.length > 0;

describe('layers with the helper', () => {
  let helper: HelperClient;
  let service: ImageService;

  before(async () => {
    helper = await HelperClient.connect({ runtimeDir: path.join(base, 'run') });
    service = new ImageService(storePaths(path.join(base, 'store')), idMap, async () => helper);
  });

  after(async () => {
    await helper.rmtree({ path: base, ...idMap });
    await helper.shutdown();
  });

  it('applies whiteouts, opaque dirs and owners, reads through them, and collects them', async (t) => {
    const bottom = await packTar([
      { name: 'etc/motd', body: 'bye' },
      { name: 'var/cache/old', body: 'old' },
      { name: 'home/user', type: 'directory', uid: 1000, gid: 1000, mode: 0o750 },
    ]);
    const top = await packTar([
      { name: 'etc/.wh.motd', body: '' },
      { name: 'var/cache/.wh..wh..opq', body: '' },
      { name: 'var/cache/new', body: 'new' },
      { name: 'home/user/file', body: 'u', uid: 1000, gid: 1000 },
    ]);
    const file = path.join(base, 'layers.tar');
    fs.writeFileSync(file, dockerSaveArchive({ layers: [bottom, top], tags: ['layers:1'] }));
    const hasRange = !rootless || idMap.uidMappings.some((m) => m.containerID <= 1000 && m.containerID + m.size > 1000);
    if (!hasRange) return t.skip('no subordinate id range for this user');
    await service.loadImages(file);
    const { chainIds } = await service.resolveForRun('layers:1');
    const topDir = layerFsDir(service.paths.root, chainIds[1] as never);
    const whiteout = fs.lstatSync(path.join(topDir, 'etc/motd'));
    assert.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0, 'whiteout is a 0/0 char device');
    const owned = fs.lstatSync(path.join(topDir, 'home/user/file'));
    assert.equal(owned.uid, toHost(idMap.uidMappings, 1000));
    assert.equal(owned.gid, toHost(idMap.gidMappings, 1000));
    const id = 'e'.repeat(64);
    await service.snapshots.prepare(id, chainIds);
    assert.equal(await service.snapshots.readFile(id, chainIds, '/etc/motd'), undefined);
    assert.equal(await service.snapshots.readFile(id, chainIds, '/var/cache/old'), undefined);
    assert.equal(await service.snapshots.readFile(id, chainIds, '/var/cache/new'), 'new');
    await service.snapshots.remove(id);
    await service.removeImages(['layers:1']);
    assert.deepEqual(fs.readdirSync(path.join(service.paths.root, 'layers')), []);
  });
});
