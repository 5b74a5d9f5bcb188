import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { currentIdMap } from '../../../src/runtime/idmap';
import { ImageService } from '../../../src/runtime/image/image-service';
import { chainIds, hasLayer } from '../../../src/runtime/layer/layer';
import { storePaths } from '../../../src/runtime/paths';
import { sha256Digest } from '../../../src/runtime/store/digest';
import { busyboxRootfs, dockerSaveArchive, layerTar } from '../../fixtures/archives';
import { RecordingPrivilegedFs, packTar } from '../layer/helpers';

const SERVICE = path.join(__dirname, '../../../src/runtime/image/image-service.js');
const PATHS = path.join(__dirname, '../../../src/runtime/paths.js');
const IDMAP = path.join(__dirname, '../../../src/runtime/idmap.js');

/** Loads `file` into `root` in a child process; resolves with its exit (or the kill). */
function loadInChild(root: string, file: string, killAfterMs?: number): Promise<{ code: number | null; ms: number }> {
  const script = `
    const { ImageService } = require(${JSON.stringify(SERVICE)});
    const { storePaths } = require(${JSON.stringify(PATHS)});
    const { currentIdMap } = require(${JSON.stringify(IDMAP)});
    const svc = new ImageService(storePaths(${JSON.stringify(root)}), currentIdMap(), async () => ({ fixup: async () => {}, rmtree: async () => {}, opaqueDirs: async () => [] }));
    svc.loadImages(${JSON.stringify(file)}).then(() => process.exit(0), (e) => { console.error(e); process.exit(3); });`;
  const start = Date.now();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - start })));
}

/** Every named image is complete; no temp, staged layer, lease or unverified blob is left. */
async function assertConsistent(root: string, svc: ImageService): Promise<void> {
  await svc.gc();
  const refs = await svc.refs.read();
  for (const digest of Object.keys(refs.images)) {
    const image = await svc.catalog.read(digest as never);
    for (const chain of chainIds(image.config.rootfs.diff_ids)) assert.ok(await hasLayer(root, chain), `layer ${chain} of a named image is missing`);
    for (const layer of image.manifest.layers) assert.ok(await svc.content.has(layer.digest));
  }
  for (const dir of ['tmp', 'leases']) assert.deepEqual(await fs.readdir(path.join(root, dir)).catch(() => []), [], `${dir}/ is not empty`);
  assert.deepEqual((await fs.readdir(path.join(root, 'layers')).catch(() => [])).filter((n) => n.startsWith('.')), [], 'staged layers left');
  for (const hex of await fs.readdir(path.join(root, 'blobs', 'sha256')).catch(() => [])) {
    assert.equal(sha256Digest(await fs.readFile(path.join(root, 'blobs', 'sha256', hex))), `sha256:${hex}`, 'an unverified blob');
  }
}

describe('load under SIGKILL', () => {
  it('leaves a consistent store at whatever point it is killed, and the next load works', async () => {
    const noise = await Promise.all([1, 2, 3].map((i) => packTar([{ name: `data/${i}`, body: randomBytes(6 << 20) }])));
    const archive = dockerSaveArchive({ layers: [await layerTar(busyboxRootfs()), ...noise], tags: ['crash:1'] }, { gzip: true });
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'berth-crash-')), 'image.tar');
    await fs.writeFile(file, archive);
    const probe = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-crash-'));
    const full = await loadInChild(probe, file);
    assert.equal(full.code, 0);
    for (let round = 0; round < 8; round++) {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-crash-'));
      const at = Math.floor(((round + 0.5) / 8) * full.ms * (0.7 + Math.random() * 0.6));
      await loadInChild(root, file, at);
      const svc = new ImageService(storePaths(root), currentIdMap(), async () => new RecordingPrivilegedFs());
      await assertConsistent(root, svc);
      assert.deepEqual(await svc.loadImages(file), ['crash:1'], `reload after a kill at ${at} ms`);
      await assertConsistent(root, svc);
    }
  });
});
