/**
 * Garbage collection of the store (mark and sweep, under the store lock).
 *
 * Roots: every image in refs.json and every live lease. Marked: each root image's
 * manifest, config and layer blobs and its layers' chain ids, plus what the leases list.
 * Swept: unmarked blobs and extracted layers; temp files and staged layer dirs whose
 * lease is dead (a load killed half way); dirs of interrupted removals. Layer trees are
 * renamed aside under the lock and deleted after it is released, so a large tree does
 * not hold up other processes.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { chainIds, layersDir, listLayers } from '../layer/layer';
import { type LayerContext, REMOVAL_PREFIX, TEMP_LAYER_PREFIX, markLayersDir, removeTree, setAside } from '../layer/layer-store';
import { storePaths } from '../paths';
import { liveLeases } from '../store/lease';
import { withLock } from '../store/lock';
import { storeLockPath } from '../store/store';
import type { ImageCatalog } from './catalog';

export interface GcResult {
  blobs: number;
  layers: number;
  /** Bytes of blobs removed (layer trees are not measured). */
  reclaimed: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function collectGarbage(catalog: ImageCatalog, ctx: LayerContext): Promise<GcResult> {
  const root = ctx.root;
  const doomed: string[] = [];
  const result = await withLock(storeLockPath(root), async () => {
    const leases = await liveLeases(root);
    const live = new Set(leases.map((l) => l.id));
    const blobs = new Set<string>(leases.flatMap((l) => l.digests));
    const layers = new Set<string>(leases.flatMap((l) => l.chainIds));
    const { refs, images } = await catalog.all();
    for (const image of images) {
      blobs.add(image.manifestDigest);
      blobs.add(image.id);
      for (const layer of image.manifest.layers) blobs.add(layer.digest);
      for (const chainId of chainIds(image.config.rootfs.diff_ids)) layers.add(chainId);
    }
    // An image whose manifest cannot be read keeps at least its manifest blob.
    for (const digest of Object.keys(refs.images)) blobs.add(digest);
    const out: GcResult = { blobs: 0, layers: 0, reclaimed: 0 };
    for (const blob of await catalog.content.list()) {
      if (blobs.has(blob.digest)) continue;
      await catalog.content.delete(blob.digest);
      out.blobs++;
      out.reclaimed += blob.size;
    }
    for (const chainId of await listLayers(root)) {
      if (layers.has(chainId)) continue;
      const aside = await setAside(root, chainId);
      if (aside) doomed.push(aside);
      out.layers++;
    }
    for (const name of await fs.readdir(layersDir(root)).catch(() => [] as string[])) {
      if (!name.startsWith(TEMP_LAYER_PREFIX)) continue;
      const owner = /^\.tmp-([0-9a-f]{16})-/.exec(name)?.[1];
      const removal = name.startsWith(REMOVAL_PREFIX) ? /-(\d+)$/.exec(name)?.[1] : undefined;
      if ((owner && !live.has(owner)) || (removal && !processAlive(Number(removal)))) doomed.push(path.join(layersDir(root), name));
    }
    await sweepTemp(storePaths(root).tmp, live);
    return out;
  });
  if (doomed.length > 0) markLayersDir(root);
  for (const dir of doomed) await removeTree(dir, ctx).catch(() => undefined);
  return result;
}

/** tmp/<lease>-… of dead leases, and tmp/nolease-<pid>-… of dead processes. */
async function sweepTemp(tmp: string, live: Set<string>): Promise<void> {
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    const lease = /^([0-9a-f]{16})-/.exec(name)?.[1];
    const pid = /^nolease-(\d+)-/.exec(name)?.[1];
    if ((lease && !live.has(lease)) || (pid && !processAlive(Number(pid)))) await fs.rm(path.join(tmp, name), { force: true });
  }
}
