/**
 * A directory deleted and made again in a container is opaque in its overlay upper dir
 * (an xattr only the helper can read): `diff` shows what went, `commit` writes the OCI
 * opaque marker so the image no longer shows the old files, the layers report counts them
 * as removed, and `cp` from the stopped container sees what the container saw. A renamed
 * directory is copied in full (no overlay redirect the upper dir alone would not explain).
 * Run as root and rootless (scripts/run-rootless.sh).
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readTar } from '../../../src/runtime/layer/tar';
import { IMAGE, openTestStore, type TestStore } from '../support';

async function run(store: TestStore, args: string[]): Promise<string> {
  const r = await store.cli(args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('opaque directories', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
    await run(store, ['run', '--name', 'old', IMAGE, 'sh', '-c', 'mkdir -p /srv/foo/sub && echo old > /srv/foo/old && echo deep > /srv/foo/sub/deep && echo keep > /srv/foo/kept']);
    await run(store, ['commit', 'old', 'opaque:base']);
    await run(store, ['run', '--name', 'remade', 'opaque:base', 'sh', '-c', 'rm -rf /srv/foo && mkdir -p /srv/foo/sub && echo new > /srv/foo/new && echo again > /srv/foo/kept']);
  });
  after(async () => store.dispose());

  it('diff: the directory changed, the new files added, the old ones deleted', async () => {
    const diff = (await run(store, ['diff', 'remade'])).trim().split('\n');
    assert.deepEqual(diff, ['C /srv', 'C /srv/foo', 'C /srv/foo/kept', 'A /srv/foo/new', 'D /srv/foo/old', 'C /srv/foo/sub', 'D /srv/foo/sub/deep']);
  });

  it('commit: an image run from it no longer has the old files', async () => {
    await run(store, ['commit', 'remade', 'opaque:remade']);
    assert.equal(await run(store, ['run', '--rm', 'opaque:remade', 'sh', '-c', 'cd /srv/foo && find . | sort && cat kept']), '.\n./kept\n./new\n./sub\nagain\n');
  });

  it('layers: the old files are removed in the committed layer', async () => {
    const layers = await store.engine.imageLayers('opaque:remade');
    const tree = layers.tree(layers.layerCount - 1, 'layer');
    const change = (p: string) => tree.changes[tree.paths.indexOf(p)];
    assert.deepEqual(['srv/foo/old', 'srv/foo/sub/deep', 'srv/foo/new', 'srv/foo/kept'].map(change), ['r', 'r', 'a', 'm']);
  });

  it('cp from the stopped container sees only what it made', async () => {
    const names: string[] = [];
    for await (const e of readTar((await store.engine.copyFromContainer('remade', '/srv/foo')) as AsyncIterable<Uint8Array>)) names.push(e.header.name);
    assert.deepEqual(names.sort(), ['foo/', 'foo/kept', 'foo/new', 'foo/sub/']);
  });

  it('commit: a directory of the image renamed in the container keeps its files (no overlay redirect)', async () => {
    await run(store, ['run', '--name', 'moved', 'opaque:base', 'mv', '/srv/foo', '/srv/bar']);
    await run(store, ['commit', 'moved', 'opaque:moved']);
    assert.equal(await run(store, ['run', '--rm', 'opaque:moved', 'sh', '-c', 'cd /srv && find . | sort']), '.\n./bar\n./bar/kept\n./bar/old\n./bar/sub\n./bar/sub/deep\n');
  });
});
