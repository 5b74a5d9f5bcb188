/**
 * Creating and removing extracted layers under `<root>/layers/` (model in ./layer.ts).
 *
 * Extraction is two steps so that a load can extract a layer while it is still reading
 * the archive, before it knows the layer's chain id: `stageLayer` extracts into a temp
 * dir owned by a lease, `commitLayer` names it. `extractLayer` does both for a caller
 * that knows the chain id up front.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { errnoCode, invalidArgument } from '../errors';
import { currentBootId } from '../host';
import type { IdMap } from '../idmap';
import { fsyncDir, writeJsonAtomic } from '../store/atomic';
import type { Digest } from '../store/digest';
import type { Lease } from '../store/lease';
import { type ApplyResult, applyLayer } from './apply';
import { type LayerMeta, type PrivilegedFs, hasLayer, layerDir, layersDir } from './layer';

/** What every layer operation needs: the store root, the id mapping, the helper (lazily). */
export interface LayerContext {
  root: string;
  idMap: IdMap;
  /** Started only when a layer needs it (whiteouts, xattrs, rootless owners, removal of such trees). */
  privileged: () => Promise<PrivilegedFs>;
}

export interface StageOptions {
  lease: Lease;
  /** Names the layer in errors ("layer 2 of busybox.tar"). */
  what: string;
  signal?: AbortSignal;
  /** The raw source's digest, known to the caller once the source is read (see ApplyOptions). */
  sourceDigest?: () => Digest;
}

/** A layer extracted into a temp dir of its lease, not yet named. */
export interface StagedLayer {
  dir: string;
  result: ApplyResult;
}

export const TEMP_LAYER_PREFIX = '.tmp-';
export const REMOVAL_PREFIX = `${TEMP_LAYER_PREFIX}rm-`;

/**
 * Removes a tree. Our own files go with plain rm (after making read-only directories
 * writable); a tree holding files of subordinate ids (rootless) needs the helper.
 */
export async function removeTree(dir: string, ctx: Pick<LayerContext, 'idMap' | 'privileged'>): Promise<void> {
  try {
    await fs.rm(dir, { recursive: true, force: true });
    return;
  } catch (err) {
    if (!['EACCES', 'EPERM', 'ENOTEMPTY'].includes(errnoCode(err) ?? '')) throw err;
  }
  if (await makeWritable(dir)) {
    try {
      await fs.rm(dir, { recursive: true, force: true });
      return;
    } catch {
      // owned by someone else: the helper's turn
    }
  }
  const helper = await ctx.privileged();
  await helper.rmtree({ path: dir, uidMappings: ctx.idMap.uidMappings, gidMappings: ctx.idMap.gidMappings });
}

/** chmod u+rwx on every directory below `dir`; false if one is not ours. */
async function makeWritable(dir: string): Promise<boolean> {
  try {
    await fs.chmod(dir, 0o700);
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !(await makeWritable(path.join(dir, entry.name)))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Stores whose layers/ this process has marked (or is marking): once per process is enough. */
const marked = new Set<string>();

/**
 * Marks `<root>/layers/` a top of directory hierarchies for ext4's Orlov allocator
 * (chattr +T, EXT4_TOPDIR_FL): each layer dir made in it is then spread to a block group
 * with free inodes and few directories, as home directories are, instead of sharing the
 * group of its parent (and of the layers removed before it). That matters on ext4
 * without a journal, where every new inode is found by scanning past the free inodes of
 * its group that were deleted in the last minute or five (ialloc.c `recently_deleted`):
 * in a group that just lost a removed image's thousands of files, each create then costs
 * ~1 ms instead of ~30 µs.
 *
 * So the mark is made when layers are removed, which is what leaves such inodes behind,
 * not when the store is made: spawning chattr (a fork of this whole process) cost a
 * fresh store's first load several ms, and until the first removal there is nothing to
 * steer around. Best effort and not awaited: other file systems have no such flag, and
 * without chattr nothing changes.
 */
export function markLayersDir(root: string): void {
  if (marked.has(root)) return;
  marked.add(root);
  execFile('chattr', ['+T', layersDir(root)], { timeout: 5000 }, () => undefined);
}

/** Extracts `source` into a new temp dir under layers/ owned by the lease. */
export async function stageLayer(source: AsyncIterable<Uint8Array>, ctx: LayerContext, o: StageOptions): Promise<StagedLayer> {
  const dir = path.join(layersDir(ctx.root), `${TEMP_LAYER_PREFIX}${o.lease.tempPrefix}${randomBytes(6).toString('hex')}`);
  await fs.mkdir(path.join(dir, 'fs'), { recursive: true, mode: 0o755 });
  try {
    const result = await applyLayer(source, { target: path.join(dir, 'fs'), workDir: dir, idMap: ctx.idMap, privileged: ctx.privileged, what: o.what, signal: o.signal, sourceDigest: o.sourceDigest });
    await result.index.write(dir);
    return { dir, result };
  } catch (err) {
    await removeTree(dir, ctx).catch(() => undefined);
    throw err;
  }
}

/**
 * Names a staged layer `chainId`. The chain id joins the lease before the rename, so GC
 * keeps it until an image that needs it is referenced. If the layer already exists
 * (another load finished it first), the staged copy is dropped.
 */
export async function commitLayer(staged: StagedLayer, ctx: LayerContext, chainId: Digest, parent: Digest | undefined, lease: Lease): Promise<void> {
  await lease.add({ chainIds: [chainId] });
  const boot = currentBootId();
  const meta: LayerMeta = { chainId, diffId: staged.result.diffId, ...(parent && { parent }), size: staged.result.size, ...(boot && { boot }) };
  let moved = false;
  try {
    if (await hasLayer(ctx.root, chainId)) return;
    await writeJsonAtomic(path.join(staged.dir, 'layer.json'), meta, { durable: false });
    try {
      await fs.rename(staged.dir, layerDir(ctx.root, chainId));
      moved = true;
      await fsyncDir(layersDir(ctx.root));
    } catch (err) {
      // Another process finished the same layer first: keep theirs.
      if (!['ENOTEMPTY', 'EEXIST'].includes(errnoCode(err) ?? '')) throw err;
    }
  } finally {
    if (!moved) await removeTree(staged.dir, ctx).catch(() => undefined);
  }
}

/**
 * Extracts `source` as layer `chainId` unless it is already there (then the source is
 * not read). Fails with `invalid-argument` unless the content hashes to `expectedDiffId`.
 * Returns the apply result, or undefined if the layer existed.
 */
export async function extractLayer(
  source: () => AsyncIterable<Uint8Array>,
  ctx: LayerContext,
  o: StageOptions & { chainId: Digest; parent?: Digest; expectedDiffId?: Digest },
): Promise<ApplyResult | undefined> {
  await o.lease.add({ chainIds: [o.chainId] });
  if (await hasLayer(ctx.root, o.chainId)) return undefined;
  const staged = await stageLayer(source(), ctx, o);
  if (o.expectedDiffId && staged.result.diffId !== o.expectedDiffId) {
    await removeTree(staged.dir, ctx).catch(() => undefined);
    throw diffIdMismatch(o.what, staged.result.diffId, o.expectedDiffId);
  }
  await commitLayer(staged, ctx, o.chainId, o.parent, o.lease);
  return staged.result;
}

export function diffIdMismatch(what: string, actual: Digest, expected: Digest): Error {
  return invalidArgument(`${what}: its uncompressed content hashes to ${actual}, but the image config lists ${expected}; the layer or the config is corrupt.`);
}

/**
 * Renames a layer out of `layers/<chainid>` so it disappears atomically even if removing
 * its tree fails or is interrupted; the name carries the pid, so GC can tell an
 * abandoned removal from one in progress. Returns the new path, or undefined if absent.
 */
export async function setAside(root: string, chainId: Digest): Promise<string | undefined> {
  const doomed = path.join(layersDir(root), `${REMOVAL_PREFIX}${randomBytes(6).toString('hex')}-${process.pid}`);
  try {
    await fs.rename(layerDir(root, chainId), doomed);
    return doomed;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}
