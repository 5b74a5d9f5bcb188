import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { currentIdMap } from '../../../src/runtime/idmap';
import { DOCKERFILE_LINES_LABEL } from '../../../src/runtime/image/dockerfile-lines';
import { ImageService } from '../../../src/runtime/image/image-service';
import { ImageLayers } from '../../../src/runtime/layers/image-layers';
import type { FileTree } from '../../../src/runtime/layers/layers';
import { storePaths } from '../../../src/runtime/paths';
import { dockerSaveArchive } from '../../fixtures/archives';
import { type Entry, RecordingPrivilegedFs, packTar } from '../layer/helpers';

const dir = (name: string): Entry => ({ name, type: 'directory' });
const file = (name: string, bytes: number, extra: Partial<Entry> = {}): Entry => ({ name, body: Buffer.alloc(bytes, 'x'), ...extra });
const whiteout = (name: string): Entry => ({ name, body: '' });

async function store() {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-layers-'));
  const images = new ImageService(storePaths(root), currentIdMap(), async () => new RecordingPrivilegedFs());
  return { root, images };
}

/** Loads an image made of `layers` (bottom first) and opens its layers model. */
async function imageOf(layers: Entry[][], tag = 'test:latest', s?: Awaited<ReturnType<typeof store>>) {
  const { root, images } = s ?? (await store());
  const tars = await Promise.all(layers.map(packTar));
  const archive = path.join(root, `${tag.replace(/\W/g, '-')}.tar`);
  await fs.writeFile(archive, dockerSaveArchive({ layers: tars, tags: [tag] }));
  await images.loadImages(archive);
  const image = await images.resolve(tag);
  return { root, images, image, layers: await ImageLayers.open(root, image, [tag]) };
}

/** path -> change letter, for the entries of a tree. */
function changes(tree: FileTree): Record<string, string> {
  return Object.fromEntries(tree.paths.map((p, i) => [p, tree.changes[i]]));
}

function sizeOf(tree: FileTree, p: string): number {
  return tree.sizes[tree.paths.indexOf(p)];
}

describe('ImageLayers', () => {
  it('marks a file overwritten in a later layer as modified, and counts both writes as wasted', async () => {
    const { layers } = await imageOf([[dir('etc/'), file('etc/conf', 100)], [dir('etc/'), file('etc/conf', 200)]]);
    const top = layers.tree(1, 'layer');
    assert.deepEqual(changes(top), { etc: 'u', 'etc/conf': 'm' });
    assert.equal(sizeOf(top, 'etc/conf'), 200);
    assert.deepEqual(layers.report.summary.wasted, [{ path: 'etc/conf', count: 2, bytes: 300 }]);
    assert.equal(layers.report.summary.wastedBytes, 300);
    assert.equal(layers.report.summary.efficiency, 100 / 300);
  });

  it('shows a file deleted later as removed with the size it had', async () => {
    const { layers } = await imageOf([[dir('tmp/'), file('tmp/big', 1000), file('keep', 10)], [whiteout('tmp/.wh.big')]]);
    const top = layers.tree(1, 'layer');
    assert.deepEqual(changes(top), { tmp: 'u', 'tmp/big': 'r' });
    assert.equal(sizeOf(top, 'tmp/big'), 1000);
    const all = layers.tree(1, 'aggregated');
    assert.deepEqual(changes(all), { keep: 'u', tmp: 'u', 'tmp/big': 'r' });
    assert.equal(sizeOf(all, 'tmp'), 0, 'a directory counts only what is still there');
    assert.equal(layers.report.rows[1].removed, 1);
    const s = layers.report.summary;
    assert.deepEqual(s.wasted, [{ path: 'tmp/big', count: 2, bytes: 1000 }]);
    assert.equal(s.efficiency, 10 / 1010);
    assert.equal(s.userSize, 0);
    assert.equal(s.userWastedPercent, 0);
  });

  it('removes every file below a deleted directory, each counted as wasted', async () => {
    const { layers } = await imageOf([[dir('cache/'), dir('cache/a/'), file('cache/a/one', 30), file('cache/two', 20)], [whiteout('.wh.cache'), file('new', 5)]]);
    const top = layers.tree(1, 'layer');
    assert.deepEqual(changes(top), { cache: 'r', 'cache/a': 'r', 'cache/a/one': 'r', 'cache/two': 'r', new: 'a' });
    assert.equal(sizeOf(top, 'cache'), 50, 'a removed directory shows what it held');
    const all = layers.tree(1, 'aggregated');
    assert.deepEqual(all.paths.filter((_, i) => all.changes[i] !== 'r'), ['new']);
    assert.equal(layers.report.summary.wastedBytes, 50);
    assert.equal(layers.report.summary.efficiency, 5 / 55);
    assert.equal(layers.report.summary.userWastedPercent, 50 / 5);
  });

  it('hides what lies below an opaque directory and keeps what the layer puts there', async () => {
    const { layers } = await imageOf([
      [dir('var/'), dir('var/lib/'), file('var/lib/old', 40), file('var/lib/same', 7)],
      [dir('var/'), dir('var/lib/'), whiteout('var/lib/.wh..wh..opq'), file('var/lib/same', 7), file('var/lib/fresh', 3)],
    ]);
    const top = layers.tree(1, 'layer');
    assert.deepEqual(changes(top), { var: 'u', 'var/lib': 'u', 'var/lib/fresh': 'a', 'var/lib/old': 'r', 'var/lib/same': 'm' });
    const fsAtTop = [...layers.filesystem(1).keys()].sort();
    assert.deepEqual(fsAtTop, ['var', 'var/lib', 'var/lib/fresh', 'var/lib/same']);
    assert.equal(layers.report.summary.wastedBytes, 40 + 14);
  });

  it('scores a stack that writes nothing twice as fully efficient', async () => {
    const { layers } = await imageOf([[dir('a/'), file('a/x', 10)], [dir('a/'), file('a/y', 10)], [dir('b/')]]);
    assert.equal(layers.report.summary.efficiency, 1);
    assert.equal(layers.report.summary.wastedBytes, 0);
    assert.deepEqual(changes(layers.tree(2, 'layer')), { b: 'a' });
    assert.deepEqual(changes(layers.tree(1, 'aggregated')), { a: 'u', 'a/x': 'u', 'a/y': 'a' });
  });

  it('lays the tree out in preorder with subtree ends and directory sizes', async () => {
    const { layers } = await imageOf([[dir('a/'), dir('a/b/'), file('a/b/c', 3), file('a/d', 4), file('a-z', 1), { name: 'ln', type: 'symlink', linkname: 'a/d' }]]);
    const t = layers.tree(0, 'layer');
    assert.deepEqual(t.paths, ['a', 'a/b', 'a/b/c', 'a/d', 'a-z', 'ln']);
    assert.deepEqual(t.depths, [0, 1, 2, 1, 0, 0]);
    assert.deepEqual(t.ends, [4, 3, 3, 4, 5, 6]);
    assert.equal(t.types, 'ddfffl');
    assert.deepEqual([t.sizes[0], t.sizes[1]], [7, 3]);
    assert.equal(t.links[5], 'a/d');
  });

  it('lists empty-layer history entries as rows without a layer', async () => {
    const { root, image } = await imageOf([[file('x', 1)], [file('y', 2)]]);
    const history = [image.config.history![0], { created_by: 'ENV A=1', empty_layer: true }, image.config.history![1]];
    const layers = await ImageLayers.open(root, { ...image, config: { ...image.config, history } }, []);
    assert.deepEqual(layers.report.rows.map((r) => [r.layer, r.createdBy, r.size]), [[0, 'layer 0', 1], [undefined, 'ENV A=1', 0], [1, 'layer 1', 2]]);
    assert.ok(layers.report.rows[0].tarSize > 0);
    assert.match(layers.report.rows[0].diffId!, /^sha256:/);
  });

  it("gives each row its Dockerfile line from the image's label, by history index, ignoring malformed entries", async () => {
    const { root, image } = await imageOf([[file('x', 1)], [file('y', 2)]]);
    const history = [image.config.history![0], { created_by: 'ENV A=1', empty_layer: true }, image.config.history![1]];
    const lines = {
      '1': { file: '/src/app/Dockerfile', startLine: 3, endLine: 3 },
      '2': { file: '/src/app/Dockerfile', startLine: 4, endLine: 6 },
      '0': { file: 'relative/Dockerfile', startLine: 1, endLine: 1 },
      '7': { file: '/src/app/Dockerfile', startLine: 9, endLine: 9 },
      x: { file: '/src/app/Dockerfile', startLine: 1, endLine: 1 },
    };
    const labels = { [DOCKERFILE_LINES_LABEL]: JSON.stringify(lines) };
    const layers = await ImageLayers.open(root, { ...image, config: { ...image.config, history, config: { ...image.config.config, Labels: labels } } }, []);
    assert.deepEqual(layers.report.rows.map((r) => [r.layer, r.source]), [[0, undefined], [undefined, { file: '/src/app/Dockerfile', line: 3 }], [1, { file: '/src/app/Dockerfile', line: 4 }]]);
    const broken = await ImageLayers.open(root, { ...image, config: { ...image.config, config: { ...image.config.config, Labels: { [DOCKERFILE_LINES_LABEL]: '{not json' } } } }, []);
    assert.ok(broken.report.rows.every((r) => r.source === undefined));
  });

  it('compares two images and two layers', async () => {
    const s = await store();
    const a = await imageOf([[file('same', 1), file('gone', 2), file('edit', 3)]], 'a:1', s);
    const b = await imageOf([[file('same', 1), file('edit', 4), file('new', 5)]], 'b:1', s);
    assert.deepEqual(changes(a.layers.compare(b.layers)), { edit: 'm', gone: 'r', new: 'a', same: 'u' });
    const two = await imageOf([[file('x', 1)], [file('y', 1)]], 'two:1', s);
    assert.deepEqual(changes(two.layers.compare(two.layers, 0, 1)), { x: 'u', y: 'a' });
  });

  it('reads a text file a layer wrote, only sizes a binary one, and refuses paths it did not write', async () => {
    const { layers } = await imageOf([[file('hello.txt', 0, { body: 'hi there\n' }), { name: 'bin', body: Buffer.from([0x7f, 0x45, 0, 1]) }], [file('other', 1)]]);
    assert.deepEqual(await layers.readFile(0, 'hello.txt'), { path: 'hello.txt', size: 9, text: 'hi there\n' });
    assert.deepEqual(await layers.readFile(0, 'bin'), { path: 'bin', size: 4 });
    await assert.rejects(layers.readFile(1, 'hello.txt'), { code: 'not-found' });
    await assert.rejects(layers.readFile(0, '../../../etc/passwd'), { code: 'not-found' });
    assert.throws(() => layers.tree(2, 'layer'), { code: 'invalid-argument' });
  });
});
