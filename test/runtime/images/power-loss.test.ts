/**
 * A host that went down within the kernel's writeback delay after a load can come back
 * with the layer's files empty while the image is listed (containerd's and Docker's
 * `exec format error` after a power cut, which no re-pull repairs). What such a crash
 * leaves is made by hand here — the busybox binary truncated to nothing and the layer's
 * record from a boot gone by — and the next `berth run` must work: the layer is checked
 * at its first use in the new boot and extracted again from its blob; so must a build on
 * it. A whole layer is checked once and left as it is.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { currentBootId } from '../../../src/runtime/host';
import { chainIds, layerFsDir, layerMetaPath } from '../../../src/runtime/layer/layer';
import type { Digest } from '../../../src/runtime/store/digest';
import { IMAGE, type TestStore, openTestStore } from '../support';

describe('a layer the host went down under', () => {
  let store: TestStore;
  let chainId: Digest;
  let busybox: string;
  let metaFile: string;

  before(async () => {
    store = await openTestStore();
    const image = await store.engine.parts.images.resolve(IMAGE);
    [chainId] = chainIds(image.config.rootfs.diff_ids);
    busybox = path.join(layerFsDir(store.root, chainId), 'bin/busybox');
    metaFile = layerMetaPath(store.root, chainId);
  });

  after(() => store.dispose());

  const meta = () => JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { boot?: string; intact?: boolean };
  /** The layer's record as a boot gone by wrote it. */
  const fromEarlierBoot = () => {
    const { intact: _, ...rest } = meta();
    fs.writeFileSync(metaFile, JSON.stringify({ ...rest, boot: 'an-earlier-boot' }));
  };

  it('records the boot it was extracted in', () => {
    assert.equal(meta().boot, currentBootId());
  });

  it('is checked once in a later boot and, being whole, left as it is', async () => {
    fromEarlierBoot();
    const inode = fs.statSync(busybox).ino;
    const run = await store.cli(['run', '--rm', IMAGE, 'echo', 'ok']);
    assert.equal(run.stdout, 'ok\n', run.stderr);
    assert.equal(meta().intact, true);
    assert.equal(fs.statSync(busybox).ino, inode, 'not extracted again');
  });

  it('is extracted again from its blob when a file came back empty, and the container runs', async () => {
    const size = fs.statSync(busybox).size;
    fs.truncateSync(busybox, 0);
    fromEarlierBoot();
    const run = await store.cli(['run', '--rm', IMAGE, 'echo', 'ok']);
    assert.equal(run.stdout, 'ok\n', run.stderr);
    assert.equal(fs.statSync(busybox).size, size);
    assert.equal(meta().boot, currentBootId(), 'extracted in this boot');
  });

  it('is extracted again before a build runs on it', async () => {
    const size = fs.statSync(busybox).size;
    fs.truncateSync(busybox, 0);
    fromEarlierBoot();
    const context = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-power-loss-'));
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${IMAGE}\nRUN echo built > /built\n`);
    try {
      const build = await store.cli(['build', '-q', '-t', 'power-loss:1', context]);
      assert.equal(build.code, 0, build.stderr);
      assert.equal(fs.statSync(busybox).size, size);
    } finally {
      fs.rmSync(context, { recursive: true, force: true });
    }
  });
});
