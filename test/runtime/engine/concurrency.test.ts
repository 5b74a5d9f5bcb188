/**
 * One store, many processes: the CLI and the API loading, running and removing at the
 * same time lose nothing and leave nothing behind.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { IMAGE, openTestStore, TestStore } from '../support';

describe('concurrency', () => {
  let store: TestStore;
  let archive: string;
  before(async () => {
    store = await openTestStore();
    archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-archive-')), 'busybox.tar');
    await store.engine.saveImages([IMAGE], archive, { format: 'docker-archive' });
  });
  after(async () => store.dispose());

  test('CLI processes and the API load, tag, run and remove on one store at once', async () => {
    const workers = 4;
    const rounds = 3;
    const cliWorker = async (w: number) => {
      for (let r = 0; r < rounds; r++) {
        const load = await store.cli(['load', '-i', archive]);
        assert.equal(load.code, 0, load.stderr);
        const tag = await store.cli(['tag', IMAGE, `w${w}:r${r}`]);
        assert.equal(tag.code, 0, tag.stderr);
        const run = await store.cli(['run', '--rm', '--name', `w${w}-r${r}`, `w${w}:r${r}`, 'sh', '-c', `echo worker ${w} round ${r}`]);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, `worker ${w} round ${r}\n`);
      }
    };
    const apiWorker = async () => {
      for (let r = 0; r < rounds; r++) {
        const loaded = await store.engine.loadImages(archive);
        assert.ok(loaded.length > 0);
        const c = await store.engine.createContainer({ image: IMAGE, cmd: ['true'], name: `api-${r}` });
        await store.engine.startContainer(c.config.id);
        assert.equal(await store.engine.waitContainer(c.config.id), 0);
        await store.engine.removeContainer(c.config.id);
      }
    };
    await Promise.all([...Array.from({ length: workers }, (_, w) => cliWorker(w)), apiWorker()]);

    const tags = (await store.engine.listImages()).flatMap((i) => i.repoTags);
    for (let w = 0; w < workers; w++) for (let r = 0; r < rounds; r++) assert.ok(tags.includes(`w${w}:r${r}`), `tag w${w}:r${r} kept`);
    // One image underneath all the tags: loads of the same archive de-duplicate.
    assert.equal(new Set((await store.engine.listImages()).map((i) => i.id)).size, 1);
    assert.deepEqual(await store.engine.listContainers({ all: true }), []);
    // Nothing is left half-done: no temp ingests, leases or half-extracted layers.
    assert.deepEqual(fs.readdirSync(path.join(store.root, 'tmp')), []);
    assert.deepEqual(fs.readdirSync(path.join(store.root, 'layers')).filter((n) => n.startsWith('.')), []);
  });

  test('removing an image while another process runs a container from it is refused, not half-done', async () => {
    const run = await store.cli(['run', '-d', '--name', 'holder', IMAGE, 'sleep', '60']);
    assert.equal(run.code, 0, run.stderr);
    // Leave the image one name, so that removing the name would delete the image.
    const [image] = await store.engine.listImages();
    const others = image.repoTags.filter((t) => t !== IMAGE);
    if (others.length > 0) assert.equal((await store.cli(['rmi', ...others])).code, 0);
    const rmi = await store.cli(['rmi', IMAGE]);
    assert.equal(rmi.code, 1, rmi.stderr);
    assert.match(rmi.stderr, /holder/);
    assert.deepEqual((await store.engine.listImages()).map((i) => i.repoTags), [[IMAGE]], 'the image and its name are still there');
    const exec = await store.cli(['exec', 'holder', 'ls', '/bin/sh']);
    assert.equal(exec.code, 0, exec.stderr);
    await store.cli(['rm', '-f', 'holder']);
  });
});
