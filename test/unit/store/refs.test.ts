import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isBerthError } from '../../../src/runtime/errors';
import { sha256Digest } from '../../../src/runtime/store/digest';
import { RefStore, namesOf } from '../../../src/runtime/store/refs';

describe('RefStore', () => {
  it('starts empty and records names and images atomically', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-refs-'));
    const refs = new RefStore(root);
    assert.deepEqual((await refs.read()).names, {});
    const a = sha256Digest('a');
    await refs.setImage(a, ['docker.io/library/busybox:latest']);
    assert.equal(await refs.get('docker.io/library/busybox:latest'), a);
    const onDisk = JSON.parse(await fs.readFile(path.join(root, 'refs.json'), 'utf8'));
    assert.equal(onDisk.names['docker.io/library/busybox:latest'], a);
    assert.deepEqual((await fs.readdir(root)).filter((n) => n.endsWith('.tmp')), []);
  });

  it('moves a name to a new image and keeps the old one as dangling', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-refs-'));
    const refs = new RefStore(root);
    const [a, b] = [sha256Digest('a'), sha256Digest('b')];
    await refs.setImage(a, ['docker.io/library/x:latest']);
    await refs.setImage(b, ['docker.io/library/x:latest']);
    const file = await refs.read();
    assert.deepEqual(namesOf(file, a), []);
    assert.deepEqual(namesOf(file, b), ['docker.io/library/x:latest']);
    assert.ok(file.images[a]);
  });

  it('loses no update when many writers race', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-refs-'));
    const refs = new RefStore(root);
    await Promise.all(Array.from({ length: 20 }, (_, i) => new RefStore(root).setImage(sha256Digest(String(i)), [`localhost/n${i}:latest`])));
    assert.equal(Object.keys((await refs.read()).names).length, 20);
  });

  it('refuses a refs file it does not understand, saying how to recover', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-refs-'));
    await fs.writeFile(path.join(root, 'refs.json'), '{"version":7}');
    await assert.rejects(new RefStore(root).read(), (err) => isBerthError(err, 'invalid-argument') && /Move it aside/.test(err.message));
  });
});
