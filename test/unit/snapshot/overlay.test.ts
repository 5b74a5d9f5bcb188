import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isBerthError } from '../../../src/runtime/errors';
import { currentIdMap } from '../../../src/runtime/idmap';
import { chainIds, layerFsDir } from '../../../src/runtime/layer/layer';
import { extractLayer } from '../../../src/runtime/layer/layer-store';
import { storePaths } from '../../../src/runtime/paths';
import { OverlaySnapshotter } from '../../../src/runtime/snapshot/overlay';
import { sha256Digest } from '../../../src/runtime/store/digest';
import { Lease } from '../../../src/runtime/store/lease';
import { type Entry, RecordingPrivilegedFs, chunksOf, packTar, tempDir } from '../layer/helpers';

const isRoot = process.getuid?.() === 0;

/** Extracts tars as a stack of layers; returns their chain ids (bottom first). */
async function stack(root: string, layers: Entry[][]): Promise<string[]> {
  const tars = await Promise.all(layers.map((l) => packTar(l)));
  const chains = chainIds(tars.map((t) => sha256Digest(t)));
  const lease = await Lease.create(root);
  const ctx = { root, idMap: currentIdMap(), privileged: async () => new RecordingPrivilegedFs() };
  for (const [i, tar] of tars.entries()) {
    await extractLayer(() => chunksOf(tar), ctx, { chainId: chains[i], ...(i > 0 && { parent: chains[i - 1] }), lease, what: `layer ${i}` });
  }
  await lease.release();
  return chains;
}

async function setup(helper = new RecordingPrivilegedFs()) {
  const root = path.join(await tempDir('berth-snap-'), 'root');
  await fs.mkdir(root, { recursive: true });
  const chains = await stack(root, [
    [
      { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
      { name: 'etc/motd', body: 'old motd' },
      { name: 'etc/alias', type: 'symlink', linkname: '../etc/passwd' },
      { name: 'var/cache/a', body: 'a' },
      { name: 'var/cache/b', body: 'b' },
    ],
    [
      { name: 'etc/.wh.motd', body: '' },
      { name: 'var/cache/.wh..wh..opq', body: '' },
      { name: 'var/cache/c', body: 'c' },
    ],
  ]);
  const snapshots = new OverlaySnapshotter(storePaths(root), { root, idMap: currentIdMap(), privileged: async () => helper });
  return { root, chains, snapshots, id: 'a'.repeat(64) };
}

describe('OverlaySnapshotter', () => {
  it('prepares an overlay mount of the layers, top first, over an upper dir of its own', async () => {
    const { root, chains, snapshots, id } = await setup();
    const prepared = await snapshots.prepare(id, chains);
    const dir = path.join(root, 'containers', id);
    assert.equal(prepared.rootfsPath, path.join(dir, 'rootfs'));
    assert.deepEqual(prepared.mount, {
      destination: '/',
      type: 'overlay',
      source: 'overlay',
      options: [
        `lowerdir=${layerFsDir(root, chains[1] as never)}:${layerFsDir(root, chains[0] as never)}`,
        `upperdir=${dir}/upper`,
        `workdir=${dir}/work`,
        isRoot ? 'redirect_dir=off' : 'userxattr',
      ],
    });
    assert.deepEqual(await snapshots.prepare(id, chains), prepared, 'idempotent');
  });

  it('refuses to prepare over a missing layer, saying how to fix it', async () => {
    const { snapshots, id } = await setup();
    await assert.rejects(snapshots.prepare(id, [sha256Digest('nope')]), (err) => isBerthError(err, 'failed-precondition') && /Load or pull the image again/.test(err.message));
  });

  it('asks for a volatile mount when told to, clearing the mark an earlier one left', async () => {
    const { root, chains, snapshots, id } = await setup();
    const work = path.join(root, 'containers', id, 'work');
    // What a volatile mount leaves behind: overlayfs's directories, mode 000.
    const mark = path.join(work, 'work', 'incompat', 'volatile');
    await fs.mkdir(mark, { recursive: true });
    for (const dir of [mark, path.dirname(mark), path.dirname(path.dirname(mark))]) await fs.chmod(dir, 0);
    const prepared = await snapshots.prepare(id, chains, { volatile: true });
    assert.equal(prepared.mount?.options?.at(-1), 'volatile');
    await assert.rejects(fs.access(path.join(work, 'work')), { code: 'ENOENT' });
    assert.ok(!(await snapshots.prepare(id, chains)).mount?.options?.includes('volatile'), 'only when asked');
  });

  it("clears the kernel's mode-000 scratch dir, so that its owner can remove the container", async () => {
    const { root, snapshots, id } = await setup();
    snapshots.clearScratch(id); // never mounted: nothing to do
    const scratch = path.join(root, 'containers', id, 'work', 'work');
    await fs.mkdir(path.join(scratch, 'incompat', 'volatile'), { recursive: true });
    await fs.writeFile(path.join(scratch, '#1'), ''); // a shared whiteout stands in its place
    for (const dir of [path.join(scratch, 'incompat', 'volatile'), path.join(scratch, 'incompat'), scratch]) await fs.chmod(dir, 0);
    snapshots.clearScratch(id);
    await assert.rejects(fs.access(scratch), { code: 'ENOENT' });
  });

  it('reads files through the upper dir and the layers, honouring whiteouts, opaque dirs and symlinks', async () => {
    const { root, chains, snapshots, id } = await setup();
    await snapshots.prepare(id, chains);
    assert.equal(await snapshots.readFile(id, chains, '/etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    assert.equal(await snapshots.readFile(id, chains, '/etc/alias'), 'root:x:0:0::/root:/bin/sh\n');
    assert.equal(await snapshots.readFile(id, chains, '/etc/motd'), undefined, 'whited out by layer 2');
    assert.equal(await snapshots.readFile(id, chains, '/var/cache/a'), undefined, 'hidden by the opaque dir');
    assert.equal(await snapshots.readFile(id, chains, '/var/cache/c'), 'c');
    await fs.mkdir(path.join(root, 'containers', id, 'upper', 'etc'));
    await fs.writeFile(path.join(root, 'containers', id, 'upper', 'etc', 'passwd'), 'changed\n');
    assert.equal(await snapshots.readFile(id, chains, '/etc/passwd'), 'changed\n');
  });

  it('lists what a container added, changed and deleted', async (t) => {
    const { root, chains, snapshots, id } = await setup();
    await snapshots.prepare(id, chains);
    const upper = path.join(root, 'containers', id, 'upper');
    await fs.mkdir(path.join(upper, 'etc'));
    await fs.writeFile(path.join(upper, 'etc', 'passwd'), 'changed\n');
    await fs.writeFile(path.join(upper, 'new'), 'n');
    if (isRoot) execFileSync('mknod', [path.join(upper, 'etc', 'alias'), 'c', '0', '0']);
    const changes = await snapshots.diff(id, chains);
    assert.deepEqual(changes, [
      { kind: 'C', path: '/etc' },
      ...(isRoot ? [{ kind: 'D', path: '/etc/alias' }] : []),
      { kind: 'C', path: '/etc/passwd' },
      { kind: 'A', path: '/new' },
    ]);
    if (isRoot) assert.equal(await snapshots.readFile(id, chains, '/etc/alias'), undefined);
    else t.diagnostic('whiteout device not checked: mknod needs root');
    await snapshots.remove(id);
    await assert.rejects(fs.access(path.join(root, 'containers', id)), { code: 'ENOENT' });
  });

  it('shows a directory deleted and made again (opaque) without the layers\' files below it', async () => {
    const helper = new RecordingPrivilegedFs();
    const { root, chains, snapshots, id } = await setup(helper);
    await snapshots.prepare(id, chains);
    const upper = path.join(root, 'containers', id, 'upper');
    await fs.mkdir(path.join(upper, 'etc/sub'), { recursive: true });
    await fs.writeFile(path.join(upper, 'etc', 'passwd'), 'new\n');
    await fs.writeFile(path.join(upper, 'etc', 'added'), 'a');
    helper.opaque = ['etc'];
    assert.deepEqual(await snapshots.diff(id, chains), [
      { kind: 'C', path: '/etc' },
      { kind: 'A', path: '/etc/added' },
      { kind: 'D', path: '/etc/alias' },
      { kind: 'C', path: '/etc/passwd' },
      { kind: 'A', path: '/etc/sub' },
    ]);
    const view = await snapshots.mergedView(id, chains);
    assert.deepEqual(view.list('etc'), ['added', 'passwd', 'sub']);
    assert.equal(view.lookup('etc/alias'), undefined);
    assert.equal(view.lookup('etc/passwd')?.layer, 'upper');
    assert.deepEqual(view.list(''), ['etc', 'var']);
    assert.equal(view.lookup('var/cache/c')?.layer, 'lower', 'outside the opaque dir the layers still show');
  });
});
