import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isBerthError } from '../../../src/runtime/errors';
import type { RuntimeEvent } from '../../../src/runtime/events';
import { currentIdMap } from '../../../src/runtime/idmap';
import { ImageService } from '../../../src/runtime/image/image-service';
import { storePaths } from '../../../src/runtime/paths';
import { sha256Digest } from '../../../src/runtime/store/digest';
import { busyboxRootfs, dockerSaveArchive, layerTar, ociArchive, tarOf } from '../../fixtures/archives';
import { RecordingPrivilegedFs, packTar } from '../layer/helpers';

async function service(options: { using?: Record<string, string[]> } = {}) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-img-'));
  const events: Array<Omit<RuntimeEvent, 'time' | 'pid'>> = [];
  const helper = new RecordingPrivilegedFs();
  const svc = new ImageService(storePaths(root), currentIdMap(), async () => helper, {
    emit: (e) => events.push(e),
    containersByImage: async () => new Map(Object.entries(options.using ?? {})),
  });
  return { svc, root, events, helper };
}

async function writeTemp(data: Buffer, name = 'image.tar'): Promise<string> {
  const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'berth-arc-')), name);
  await fs.writeFile(file, data);
  return file;
}

/** No temp files, staged layers or leases left; every blob named by its hash. */
async function assertClean(root: string): Promise<void> {
  assert.deepEqual(await fs.readdir(path.join(root, 'tmp')).catch(() => []), []);
  assert.deepEqual((await fs.readdir(path.join(root, 'layers')).catch(() => [])).filter((n) => n.startsWith('.')), []);
  assert.deepEqual(await fs.readdir(path.join(root, 'leases')).catch(() => []), []);
  for (const hex of await fs.readdir(path.join(root, 'blobs', 'sha256')).catch(() => [])) {
    assert.equal(sha256Digest(await fs.readFile(path.join(root, 'blobs', 'sha256', hex))), `sha256:${hex}`);
  }
}

describe('ImageService', () => {
  it('loads a docker-save archive of busybox, lists, inspects and resolves it for run', async () => {
    const { svc, root, events } = await service();
    const layer = await layerTar(busyboxRootfs());
    const file = await writeTemp(dockerSaveArchive({ layers: [layer], tags: ['busybox:latest'] }));
    assert.deepEqual(await svc.loadImages(file), ['busybox:latest']);
    const [row] = await svc.listImages();
    assert.deepEqual(row.repoTags, ['busybox:latest']);
    assert.ok(row.size > 1_000_000);
    assert.deepEqual(events.map((e) => `${e.type} ${e.name}`), ['image.load busybox:latest']);
    const inspect = await svc.inspectImage('busybox');
    assert.equal(inspect.Id, row.id);
    assert.deepEqual((inspect.RootFS as { Layers: string[] }).Layers, [sha256Digest(layer)]);
    const run = await svc.resolveForRun(row.id.slice(7, 19));
    assert.deepEqual(run.config.Cmd, ['/bin/sh']);
    assert.deepEqual(run.chainIds, [sha256Digest(layer)]);
    assert.equal((await svc.resolveForRun('busybox')).reference, 'docker.io/library/busybox:latest');
    await assertClean(root);
  });

  it('loads symlinked duplicate layers, gzip layers and a gzip-compressed archive', async () => {
    const { svc } = await service();
    const a = await packTar([{ name: 'a', body: 'a' }]);
    const b = await packTar([{ name: 'b', body: 'b' }]);
    const archive = dockerSaveArchive({ layers: [a, b, a], tags: ['three:1'] }, { gzip: true });
    assert.deepEqual(await svc.loadImages(Readable.from([gzipSync(archive)])), ['three:1']);
    const history = await svc.imageHistory('three:1');
    assert.deepEqual(history.map((h) => h.createdBy), ['layer 2', 'layer 1', 'layer 0']);
    assert.equal(history[0].size, a.length);
  });

  it('loads an OCI archive (gzip and plain) and picks up its names', async () => {
    const { svc } = await service();
    const layer = await packTar([{ name: 'etc/os-release', body: 'ID=test\n' }]);
    assert.deepEqual(await svc.loadImages(await writeTemp(ociArchive({ layers: [layer], tags: ['localhost/oci:1'] }))), ['localhost/oci:1']);
    assert.deepEqual(await svc.loadImages(await writeTemp(ociArchive({ layers: [layer], tags: ['localhost/oci:plain'] }, { plain: true }))), ['localhost/oci:plain']);
    const rows = await svc.listImages();
    assert.equal(rows.length, 1, 'same config: one image id');
    assert.deepEqual(rows[0].repoTags, ['localhost/oci:1', 'localhost/oci:plain']);
  });

  it('saves docker-archive and oci-archive that it loads back to the same image id', async () => {
    const { svc } = await service();
    const layer = await packTar([{ name: 'x', body: 'x' }]);
    await svc.loadImages(await writeTemp(ociArchive({ layers: [layer], tags: ['localhost/rt:1'] })));
    const id = (await svc.resolve('localhost/rt:1')).id;
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-save-'));
    for (const format of ['docker-archive', 'oci-archive'] as const) {
      const out = path.join(dir, `${format}.tar`);
      await svc.saveImages(['localhost/rt:1'], out, { format });
      const other = (await service()).svc;
      assert.deepEqual(await other.loadImages(out), ['localhost/rt:1']);
      assert.equal((await other.resolve('localhost/rt:1')).id, id);
    }
  });

  it('fails a save from a damaged layer blob (plain or gzip) instead of writing a damaged archive', async () => {
    for (const plain of [true, false]) {
      const { svc } = await service();
      await svc.loadImages(await writeTemp(ociArchive({ layers: [await packTar([{ name: 'x', body: 'x' }])], tags: ['localhost/rt:1'] }, { plain })));
      const blob = svc.content.blobPath((await svc.resolve('localhost/rt:1')).manifest.layers[0].digest);
      const data = await fs.readFile(blob);
      data[0] ^= 1;
      await fs.writeFile(blob, data);
      const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'berth-save-')), 'image.tar');
      for (const format of ['docker-archive', 'oci-archive'] as const) {
        await assert.rejects(svc.saveImages(['localhost/rt:1'], out, { format }), (err) => isBerthError(err, 'internal') && /corrupted/.test(err.message));
        await assert.rejects(fs.access(out));
      }
    }
  });

  it('refuses damaged archives with a clear error and leaves the store clean', async () => {
    const layer = await packTar([{ name: 'x', body: 'x' }]);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['a diff id that does not match', tamperConfig(layer), /hashes to sha256:.*image config lists/],
      ['a missing layer', tarOf([{ name: 'manifest.json', data: Buffer.from('[{"Config":"c.json","Layers":["nope/layer.tar"]}]') }, { name: 'c.json', data: Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] } })) }]), /'nope\/layer.tar', which is not in the archive/],
      ['an OCI blob whose content does not match its name', tarOf([{ name: 'oci-layout', data: Buffer.from('{}') }, { name: `blobs/sha256/${'0'.repeat(64)}`, data: layer }, { name: 'index.json', data: Buffer.from('{"schemaVersion":2,"manifests":[]}') }]), /does not match its name/],
      ['neither format', tarOf([{ name: 'hello', data: Buffer.from('hi') }]), /neither a docker-save archive/],
      ['a layer with a path escape', dockerSaveArchive({ layers: [tarOf([{ name: '../../escape', data: Buffer.from('x') }])] }), /'\.\.'/],
    ];
    for (const [name, archive, message] of cases) {
      const { svc, root } = await service();
      await assert.rejects(svc.loadImages(await writeTemp(archive)), (err) => {
        assert.ok(isBerthError(err, 'invalid-argument'), `${name}: ${String(err)}`);
        assert.match(err.message, message, name);
        return true;
      });
      assert.deepEqual(await svc.listImages(), [], name);
      await svc.gc();
      assert.deepEqual(await fs.readdir(path.join(root, 'blobs', 'sha256')).catch(() => []), [], name);
      assert.deepEqual(await fs.readdir(path.join(root, 'layers')).catch(() => []), [], name);
      await assertClean(root);
    }
  });

  it('tags, untags and removes like docker rmi, then collects the garbage', async () => {
    const { svc, root, events } = await service();
    await svc.loadImages(await writeTemp(dockerSaveArchive({ layers: [await packTar([{ name: 'f', body: 'f' }])], tags: ['one:1'] })));
    await svc.tagImage('one:1', 'two:2');
    const id = (await svc.resolve('one:1')).id;
    assert.deepEqual(await svc.removeImages(['one:1']), { untagged: ['one:1'], deleted: [] });
    await assert.rejects(svc.resolve('one:1'), (err) => isBerthError(err, 'not-found') && /No such image: one:1/.test(err.message));
    assert.deepEqual(await svc.removeImages([id.slice(7, 19)]), { untagged: ['two:2'], deleted: [id] });
    assert.deepEqual(await fs.readdir(path.join(root, 'blobs', 'sha256')), []);
    assert.deepEqual(await fs.readdir(path.join(root, 'layers')), []);
    assert.deepEqual(events.map((e) => e.type), ['image.load', 'image.tag', 'image.untag', 'image.untag', 'image.delete']);
  });

  it('refuses to remove an image a container uses unless forced, and then only untags it', async () => {
    const layer = await packTar([{ name: 'f', body: 'f' }]);
    const archive = await writeTemp(dockerSaveArchive({ layers: [layer], tags: ['used:1'] }));
    const probe = await service();
    await probe.svc.loadImages(archive);
    const id = (await probe.svc.resolve('used:1')).id;
    const { svc } = await service({ using: { [id]: ['web'] } });
    await svc.loadImages(archive);
    await assert.rejects(svc.removeImages(['used:1']), (err) => isBerthError(err, 'conflict') && /used by container web/.test(err.message));
    assert.deepEqual(await svc.removeImages(['used:1'], { force: true }), { untagged: ['used:1'], deleted: [] });
    assert.equal((await svc.resolve(id)).id, id);
    assert.deepEqual(await svc.pruneImages({ all: true }), { deleted: [], reclaimed: 0 });
  });

  it('prunes dangling images, and with all every unused one', async () => {
    const { svc } = await service();
    const mk = async (body: string, tags: string[]) => svc.loadImages(await writeTemp(dockerSaveArchive({ layers: [await packTar([{ name: 'f', body }])], tags })));
    await mk('a', ['a:1']);
    await mk('b', []);
    const pruned = await svc.pruneImages({});
    assert.equal(pruned.deleted.length, 1);
    assert.ok(pruned.reclaimed > 0);
    assert.deepEqual((await svc.listImages()).map((r) => r.repoTags), [['a:1']]);
    assert.equal((await svc.pruneImages({ all: true })).deleted.length, 1);
    assert.deepEqual(await svc.listImages(), []);
  });

  it('imports a rootfs directory or tar with config changes, and commits an upper dir on top', async () => {
    const { svc, events } = await service();
    const id = await svc.importImage(busyboxRootfs(), 'localhost/imported:1', { changes: { cmd: ['/bin/sh', '-c', 'echo hi'], env: ['A=1'], exposedPorts: ['80'], labels: { x: 'y' } }, message: 'from a dir' });
    const image = await svc.resolve('localhost/imported:1');
    assert.equal(image.id, id);
    assert.deepEqual(image.config.config?.Cmd, ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(image.config.config?.ExposedPorts, { '80/tcp': {} });
    assert.equal(image.config.history?.[0].comment, 'from a dir');
    const fromTar = await svc.importImage(Readable.from([gzipSync(await layerTar(busyboxRootfs()))]));
    assert.deepEqual((await svc.resolve(fromTar)).config.rootfs.diff_ids, image.config.rootfs.diff_ids);
    const upper = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-upper-'));
    await fs.mkdir(path.join(upper, 'etc'));
    await fs.writeFile(path.join(upper, 'etc', 'motd'), 'hello\n');
    const committed = await svc.commit({ upperDir: upper, image: id, reference: 'localhost/committed:1', changes: { workingDir: '/etc' }, author: 'me' });
    const c = await svc.resolve(committed);
    assert.equal(c.config.rootfs.diff_ids.length, 2);
    assert.equal(c.config.config?.WorkingDir, '/etc');
    assert.deepEqual(c.config.config?.Env, ['A=1']);
    const run = await svc.resolveForRun('localhost/committed:1');
    const cid = 'c'.repeat(64);
    await svc.snapshots.prepare(cid, run.chainIds);
    assert.equal(await svc.snapshots.readFile(cid, run.chainIds, '/etc/motd'), 'hello\n');
    assert.match((await svc.snapshots.readFile(cid, run.chainIds, '/etc/passwd')) ?? '', /^root:x:0:0/);
    assert.deepEqual(events.map((e) => e.type), ['image.import', 'image.import', 'image.commit']);
  });
});

/** A docker-save archive whose config lists a wrong diff id for its layer. */
function tamperConfig(layer: Buffer): Buffer {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest('other')] } }));
  return tarOf([
    { name: 'l/layer.tar', data: layer },
    { name: 'c.json', data: config },
    { name: 'manifest.json', data: Buffer.from('[{"Config":"c.json","RepoTags":["bad:1"],"Layers":["l/layer.tar"]}]') },
  ]);
}
