import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { currentIdMap } from '../../../src/runtime/idmap';
import { chainIds, layerFsDir } from '../../../src/runtime/layer/layer';
import { extractLayer } from '../../../src/runtime/layer/layer-store';
import { packDirectory, upperOpaqueDirs } from '../../../src/runtime/layer/pack';
import { readTar } from '../../../src/runtime/layer/tar';
import { lowerView } from '../../../src/runtime/snapshot/lower-view';
import { sha256Digest } from '../../../src/runtime/store/digest';
import { Lease } from '../../../src/runtime/store/lease';
import { RecordingPrivilegedFs, chunksOf, packTar, tempDir } from './helpers';

async function collect(layer: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of layer) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function entries(dir: string, mode: 'rootfs' | 'upper', opaque: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const layers = { idMap: currentIdMap(), privileged: async () => new RecordingPrivilegedFs() };
  const options = mode === 'upper' ? { layers, mode, opaque: new Set(opaque) } : { layers, mode };
  for await (const e of readTar(packDirectory(dir, options))) {
    const h = e.header;
    let body = '';
    for await (const chunk of e.body()) body += chunk.toString();
    out.push(`${h.type} ${h.name} ${h.uid}:${h.gid}${h.linkname ? ` -> ${h.linkname}` : ''}${body ? ` '${body}'` : ''}`);
  }
  return out;
}

describe('packDirectory', () => {
  it('writes a tree sorted, parents first, as root-owned entries with hard links kept', async () => {
    const dir = await tempDir('berth-pack-');
    await fs.mkdir(path.join(dir, 'b/c'), { recursive: true });
    await fs.writeFile(path.join(dir, 'b/c/f'), 'data');
    await fs.link(path.join(dir, 'b/c/f'), path.join(dir, 'a-link'));
    await fs.symlink('b/c/f', path.join(dir, 's'));
    assert.deepEqual(await entries(dir, 'rootfs'), ["file a-link 0:0 'data'", 'directory b/ 0:0', 'directory b/c/ 0:0', 'link b/c/f 0:0 -> a-link', 'symlink s 0:0 -> b/c/f']);
  });

  it('turns an upper dir\'s 0/0 character devices into whiteout entries', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('mknod needs root');
    const dir = await tempDir('berth-pack-');
    await fs.mkdir(path.join(dir, 'etc'));
    execFileSync('mknod', [path.join(dir, 'etc/motd'), 'c', '0', '0']);
    assert.deepEqual(await entries(dir, 'upper'), ['directory etc/ 0:0', 'file etc/.wh.motd 0:0']);
    assert.deepEqual(await entries(dir, 'rootfs'), ['directory etc/ 0:0', 'char etc/motd 0:0']);
  });

  it('marks an opaque directory with .wh..wh..opq right after its own entry, before its contents', async () => {
    const dir = await tempDir('berth-pack-');
    await fs.mkdir(path.join(dir, 'etc/foo/sub'), { recursive: true });
    await fs.writeFile(path.join(dir, 'etc/foo/.a'), 'new');
    await fs.writeFile(path.join(dir, 'etc/foo/sub/x'), 'x');
    assert.deepEqual(await entries(dir, 'upper', ['etc/foo', '']), [
      'file .wh..wh..opq 0:0',
      'directory etc/ 0:0',
      'directory etc/foo/ 0:0',
      'file etc/foo/.wh..wh..opq 0:0',
      "file etc/foo/.a 0:0 'new'",
      'directory etc/foo/sub/ 0:0',
      "file etc/foo/sub/x 0:0 'x'",
    ]);
    assert.deepEqual(await entries(dir, 'upper'), ['directory etc/ 0:0', 'directory etc/foo/ 0:0', "file etc/foo/.a 0:0 'new'", 'directory etc/foo/sub/ 0:0', "file etc/foo/sub/x 0:0 'x'"]);
  });

  it('asks the helper for the opaque directories of an upper dir, the root as the empty path', async () => {
    const helper = new RecordingPrivilegedFs();
    helper.opaque = ['.', 'etc/foo'];
    assert.deepEqual([...(await upperOpaqueDirs('/upper', { idMap: currentIdMap(), privileged: async () => helper }))].sort(), ['', 'etc/foo']);
  });

  it('packs a deleted-and-remade directory so that, stacked on its base, it hides the old files', async () => {
    const root = path.join(await tempDir('berth-pack-'), 'root');
    await fs.mkdir(root, { recursive: true });
    const base = await packTar([
      { name: 'etc/foo/old', body: 'old' },
      { name: 'etc/foo/keep/deep', body: 'deep' },
      { name: 'etc/other', body: 'other' },
    ]);
    const upper = await tempDir('berth-upper-');
    await fs.mkdir(path.join(upper, 'etc/foo'), { recursive: true });
    await fs.writeFile(path.join(upper, 'etc/foo/new'), 'new');
    const layer = await collect(packDirectory(upper, { layers: { idMap: currentIdMap(), privileged: async () => new RecordingPrivilegedFs() }, mode: 'upper', opaque: new Set(['etc/foo']) }));
    const tars = [base, layer];
    const chains = chainIds(tars.map((t) => sha256Digest(t)));
    const helper = new RecordingPrivilegedFs();
    const lease = await Lease.create(root);
    for (const [i, tar] of tars.entries()) {
      await extractLayer(() => chunksOf(tar), { root, idMap: currentIdMap(), privileged: async () => helper }, { chainId: chains[i], ...(i > 0 && { parent: chains[i - 1] }), lease, what: `layer ${i}` });
    }
    await lease.release();
    // The extracted layer's directory gets overlay's opaque xattr from the helper.
    assert.deepEqual(helper.records, ['opaque etc/foo']);
    assert.ok((await fs.stat(path.join(layerFsDir(root, chains[1]), 'etc/foo'))).isDirectory());
    const view = await lowerView(root, chains);
    assert.deepEqual([...view.keys()].filter((p) => p.startsWith('etc/')).sort(), ['etc/foo', 'etc/foo/new', 'etc/other']);
  });
});
