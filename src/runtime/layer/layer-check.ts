/**
 * Whether an extracted layer survived the host going down.
 *
 * A layer's files are written without an fsync each (that would cost more than the
 * extraction); the kernel writes them back within ~30 s. A power cut inside that window
 * can bring files back empty while the layer is named and its image listed — the failure
 * containerd and Docker users meet as `exec format error` from a zero-byte binary, which
 * then survives every re-pull because the layer "exists". So a layer records the boot it
 * was extracted in (LayerMeta.boot); its first use in a later boot compares the size of
 * every regular file with the layer's index (one lstat each) and records a pass durably,
 * so that it is done once. A layer whose files fell short is reported for the caller to
 * extract again from its blob, which is fsynced before any image names it.
 *
 * Only what can be told for sure counts as damage: a file that is there with another
 * size. A path this process may not look into (rootless, a private directory) or that a
 * later entry of the same layer replaced is passed over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../store/atomic';
import type { Digest } from '../store/digest';
import { type LayerMeta, layerDir, layerFsDir, layerMetaPath, readLayerMeta } from './layer';
import { LayerIndex } from './layer-index';

export interface LayerDamage {
  /** A file of the layer, relative to its root. */
  path: string;
  expected: number;
  actual: number;
}

/** Undefined when the layer is whole (or was extracted in this boot); else its first short file. */
export async function checkLayer(root: string, chainId: Digest, bootId: string): Promise<LayerDamage | undefined> {
  const meta = await readLayerMeta(root, chainId);
  // No meta: not a committed layer (callers find that out themselves). No boot id to
  // compare with (no /proc): nothing to go on.
  if (!meta || meta.intact || bootId === '' || meta.boot === bootId) return undefined;
  const damage = await firstShortFile(root, chainId);
  if (!damage) await writeJsonAtomic(layerMetaPath(root, chainId), { ...meta, intact: true } satisfies LayerMeta);
  return damage;
}

async function firstShortFile(root: string, chainId: Digest): Promise<LayerDamage | undefined> {
  const index = await LayerIndex.read(layerDir(root, chainId));
  // The last entry of a path is what the layer holds there.
  const sizes = new Map<string, number>();
  for (let i = 0; i < index.length; i++) {
    if (index.typeAt(i) === 'f') sizes.set(index.pathAt(i), index.sizeAt(i));
    else sizes.delete(index.pathAt(i));
  }
  const fsDir = layerFsDir(root, chainId);
  for (const [rel, expected] of sizes) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(path.join(fsDir, rel), { throwIfNoEntry: false });
    } catch {
      continue; // EACCES and the like: not ours to look at
    }
    if (stat?.isFile() && stat.size !== expected) return { path: rel, expected, actual: stat.size };
  }
  return undefined;
}
