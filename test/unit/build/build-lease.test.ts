import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { BuildLease } from '../../../src/runtime/build/build-lease';
import { isBerthError } from '../../../src/runtime/errors';
import { currentIdMap } from '../../../src/runtime/idmap';
import { layerDir } from '../../../src/runtime/layer/layer';
import { LocalContentStore } from '../../../src/runtime/store/content-store';
import type { Digest } from '../../../src/runtime/store/digest';
import { liveLeases } from '../../../src/runtime/store/lease';

/** A store with one blob and one extracted layer (its layer.json is what marks it present). */
async function setUp(): Promise<{ root: string; blob: Digest; chainId: Digest; lease: BuildLease }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-lease-'));
  const content = new LocalContentStore(root);
  const { digest: blob } = await content.writeBlob(Buffer.from('layer'));
  const chainId = `sha256:${'c'.repeat(64)}` as Digest;
  fs.mkdirSync(layerDir(root, chainId), { recursive: true });
  fs.writeFileSync(path.join(layerDir(root, chainId), 'layer.json'), '{}');
  const privileged = () => Promise.reject(new Error('not needed'));
  return { root, blob, chainId, lease: new BuildLease(content, { root, idMap: currentIdMap(), privileged }) };
}

describe('BuildLease', () => {
  it('takes no lease for what a build only held', async () => {
    const { root, blob, chainId, lease } = await setUp();
    lease.hold({ digests: [blob], chainIds: [chainId] });
    await lease.release();
    assert.deepEqual(await liveLeases(root), []);
  });

  it('leases everything held in one write on protect, and drops it on release', async () => {
    const { root, blob, chainId, lease } = await setUp();
    lease.hold({ digests: [blob] });
    lease.hold({ chainIds: [chainId] });
    const taken = await lease.protect();
    assert.equal(lease.current, taken);
    const [record] = await liveLeases(root);
    assert.deepEqual([record.digests, record.chainIds], [[blob], [chainId]]);
    await lease.release();
    assert.deepEqual(await liveLeases(root), []);
  });

  it('fails with unavailable when something held was removed before it was leased', async () => {
    const { root, chainId, lease } = await setUp();
    lease.hold({ chainIds: [chainId] });
    fs.rmSync(layerDir(root, chainId), { recursive: true });
    await assert.rejects(lease.protect(), (err) => isBerthError(err, 'unavailable') && /image prune/.test((err as Error).message));
    await lease.release();
  });
});
