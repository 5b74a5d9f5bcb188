/**
 * Before an image's layers become a container's root: each one the host may have gone
 * down under before its files reached the disk is checked (../layer/layer-check.ts), and
 * one found cut short is extracted again from its blob — fsynced when it was stored, so
 * it outlived what the extracted files did not. Without this, a power cut shortly after
 * a load or pull leaves zero-byte files that no reload would ever replace: the layer
 * "exists".
 */
import { failedPrecondition } from '../errors';
import { currentBootId } from '../host';
import { chainIds } from '../layer/layer';
import { checkLayer } from '../layer/layer-check';
import { type LayerContext, extractLayer, removeTree, setAside } from '../layer/layer-store';
import type { LocalContentStore } from '../store/content-store';
import { Lease } from '../store/lease';
import { withLock } from '../store/lock';
import { storeLockPath } from '../store/store';
import type { Image } from './image';

export async function ensureLayersIntact(image: Image, deps: { content: LocalContentStore; layers: LayerContext }): Promise<void> {
  const boot = currentBootId();
  const diffIds = image.config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  for (const [i, chainId] of chains.entries()) {
    const damage = await checkLayer(deps.layers.root, chainId, boot);
    if (!damage) continue;
    const what = `layer ${i + 1} of image ${image.id.slice(7, 19)}`;
    const blob = image.manifest.layers[i]?.digest;
    if (!blob || !(await deps.content.has(blob))) {
      throw failedPrecondition(`The host went down before ${what} reached the disk: /${damage.path} has ${damage.actual} of its ${damage.expected} bytes, and the layer's blob is not in the store to extract it again. Remove the image (berth rmi -f) and load or pull it again.`);
    }
    const lease = await Lease.create(deps.layers.root);
    try {
      // Under the store lock: GC, and another process repairing the same layer, wait.
      const doomed = await withLock(storeLockPath(deps.layers.root), () => setAside(deps.layers.root, chainId));
      if (doomed) await removeTree(doomed, deps.layers);
      const parent = chains[i - 1];
      await extractLayer(() => deps.content.createReadStream(blob), deps.layers, { chainId, ...(parent && { parent }), expectedDiffId: diffIds[i], lease, what, sourceDigest: () => blob });
    } finally {
      await lease.release();
    }
  }
}
