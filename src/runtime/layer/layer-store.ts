/**
 * Creating and removing extracted layers under `<root>/layers/` (model in ./layer.ts).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { errnoCode, invalidArgument } from '../errors';
import type { IdMap } from '../idmap';
import { fsyncDir, writeJsonAtomic } from '../store/atomic';
import type { Digest } from '../store/digest';
import type { Lease } from '../store/lease';
import { type ApplyResult, applyLayer } from './apply';
import { type LayerMeta, type PrivilegedFs, hasLayer, layerDir, layersDir } from './layer';

export interface ExtractOptions {
  root: string;
  chainId: Digest;
  parent?: Digest;
  /** The diff id the image config promises; the extraction fails unless it matches. */
  expectedDiffId?: Digest;
  lease: Lease;
  idMap: IdMap;
  privileged?: PrivilegedFs;
  what: string;
  signal?: AbortSignal;
}

export const TEMP_LAYER_PREFIX = '.tmp-';

/** Removes a tree, through the helper when it may hold files of subordinate ids. */
export async function removeTree(dir: string, idMap: IdMap, privileged: PrivilegedFs | undefined): Promise<void> {
  if (privileged && idMap.uidMappings.length > 1) {
    await privileged.rmtree({ path: dir, uidMappings: idMap.uidMappings, gidMappings: idMap.gidMappings });
    return;
  }
  try {
    await fs.rm(dir, { recursive: true, force: true });
  } catch (err) {
    // A read-only directory from the layer: make it writable and retry once.
    if (errnoCode(err) !== 'EACCES' || !privileged) throw err;
    await privileged.rmtree({ path: dir, uidMappings: idMap.uidMappings, gidMappings: idMap.gidMappings });
  }
}

/**
 * Extracts `source` as layer `chainId` unless it is already there (then the source is
 * not read). The chain id is added to the lease first, so GC keeps it until the image
 * that needs it is referenced. Returns the apply result, or undefined if it existed.
 */
export async function extractLayer(source: () => AsyncIterable<Uint8Array>, o: ExtractOptions): Promise<ApplyResult | undefined> {
  await o.lease.add({ chainIds: [o.chainId] });
  if (await hasLayer(o.root, o.chainId)) return undefined;
  await fs.mkdir(layersDir(o.root), { recursive: true });
  const temp = path.join(layersDir(o.root), `${TEMP_LAYER_PREFIX}${o.lease.tempPrefix}${randomBytes(6).toString('hex')}`);
  const target = path.join(temp, 'fs');
  await fs.mkdir(target, { recursive: true, mode: 0o755 });
  let done = false;
  try {
    const result = await applyLayer(source(), { target, workDir: temp, idMap: o.idMap, privileged: o.privileged, what: o.what, signal: o.signal });
    if (o.expectedDiffId && result.diffId !== o.expectedDiffId) {
      throw invalidArgument(`${o.what}: its uncompressed content hashes to ${result.diffId}, but the image config lists ${o.expectedDiffId}; the layer or the config is corrupt.`);
    }
    await result.index.write(temp);
    const meta: LayerMeta = { chainId: o.chainId, diffId: result.diffId, ...(o.parent && { parent: o.parent }), size: result.size };
    await writeJsonAtomic(path.join(temp, 'layer.json'), meta);
    try {
      await fs.rename(temp, layerDir(o.root, o.chainId));
      done = true;
      await fsyncDir(layersDir(o.root));
    } catch (err) {
      // Another process finished the same layer first: keep theirs.
      if (!['ENOTEMPTY', 'EEXIST'].includes(errnoCode(err) ?? '')) throw err;
    }
    return result;
  } finally {
    if (!done) await removeTree(temp, o.idMap, o.privileged).catch(() => undefined);
  }
}

/** Deletes an extracted layer (GC and image removal call this under the store lock). */
export async function removeLayer(root: string, chainId: Digest, idMap: IdMap, privileged?: PrivilegedFs): Promise<void> {
  const dir = layerDir(root, chainId);
  // Rename first, so the layer disappears atomically even if removing its tree fails.
  const doomed = path.join(layersDir(root), `${TEMP_LAYER_PREFIX}rm-${randomBytes(6).toString('hex')}`);
  try {
    await fs.rename(dir, doomed);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  await removeTree(doomed, idMap, privileged);
}
