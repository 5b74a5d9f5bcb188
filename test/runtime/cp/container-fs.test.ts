/** The FileSystemProvider-shaped calls of ContainerFs on a running and a stopped container. */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { type ContainerFs, openContainerFs } from '../../../src/runtime/container/container-fs';
import { isBerthError } from '../../../src/runtime/errors';
import { IMAGE, openTestStore, type TestStore } from '../support';

describe('ContainerFs', () => {
  let store: TestStore;
  const open = (ref: string): Promise<ContainerFs> =>
    openContainerFs(ref, { states: store.engine.containers.states, images: store.engine.parts.images, workDir: store.engine.paths.tmp });

  before(async () => {
    store = await openTestStore();
    await store.engine.runContainer({ image: IMAGE, name: 'live', cmd: ['sleep', '600'], detach: true });
    await store.engine.createContainer({ image: IMAGE, name: 'parked', cmd: ['true'] });
  });
  after(async () => store?.dispose());

  for (const ref of ['live', 'parked']) {
    it(`stats, lists, writes, renames and deletes in a ${ref === 'live' ? 'running' : 'stopped'} container`, async () => {
      const fs = await open(ref);
      assert.equal((await fs.stat('/bin/sh')).type, 'file');
      assert.ok((await fs.readDirectory('/')).some(([name, kind]) => name === 'etc' && kind === 'directory'));
      await fs.createDirectory('/work');
      await assert.rejects(fs.createDirectory('/work'), (err) => isBerthError(err, 'already-exists'));
      await fs.writeFile('/work/a', Buffer.from('one'), { create: true, overwrite: false });
      await assert.rejects(fs.writeFile('/work/a', Buffer.from('two'), { create: true, overwrite: false }), (err) => isBerthError(err, 'already-exists'));
      await fs.rename('/work/a', '/work/b', { overwrite: false });
      assert.equal((await fs.readFile('/work/b')).toString(), 'one');
      await assert.rejects(fs.stat('/work/a'), (err) => isBerthError(err, 'not-found'));
      await assert.rejects(fs.delete('/work', { recursive: false }), (err) => isBerthError(err, 'failed-precondition'));
      await assert.rejects(fs.delete('/', { recursive: true }), (err) => isBerthError(err, 'invalid-argument'));
      // Files of the image's layers: renamed (copied up) and deleted (whiteouts when stopped).
      const imageOwner = (await fs.stat('/etc')).uid;
      await fs.rename('/etc/group', '/etc/group.old', { overwrite: false });
      await fs.delete('/usr', { recursive: true });
      const names = (await fs.readDirectory('/')).map(([name]) => name);
      assert.ok(names.includes('work') && !names.includes('usr'), names.join(','));
      assert.deepEqual((await fs.readDirectory('/etc')).map(([n]) => n).filter((n) => n.startsWith('group')), ['group.old']);
      assert.equal((await fs.stat('/etc')).uid, imageOwner, 'a copied-up directory keeps its owner');
    });
  }

  it('keeps what was written into a stopped container across a start', async () => {
    await store.engine.startContainer('parked');
    assert.equal(await store.engine.waitContainer('parked'), 0);
    const fs = await open('parked');
    assert.equal((await fs.readFile('/work/b')).toString(), 'one');
    await assert.rejects(fs.stat('/usr'), (err) => isBerthError(err, 'not-found'));
  });
});
