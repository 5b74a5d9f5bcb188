/**
 * Layers: tar streams of filesystem changes, and their extracted trees.
 *
 * Vocabulary: a layer's *diff id* is the sha256 of its uncompressed tar; its *chain id*
 * names it in the context of every layer below it (see ../image/image.ts). An extracted
 * layer lives at
 *
 *   <root>/layers/<chainid>/fs/          the tree, in overlayfs form: a deleted path is a
 *                                        0/0 character device (whiteout), a directory that
 *                                        hides everything below it carries the opaque xattr
 *   <root>/layers/<chainid>/index.json   one record per tar entry (./layer-index.ts), for
 *                                        the layers view and for readers that cannot see
 *                                        xattrs (Node cannot)
 *   <root>/layers/<chainid>/layer.json   { chainId, diffId, parent, size }
 *
 * Each layer is extracted alone into an empty `<root>/layers/.tmp-<lease>-<rand>/` and
 * renamed to its chain id only when complete, so a half-extracted layer is never seen and
 * a crash leaves only a temp dir that GC removes with the dead lease.
 *
 * What Node cannot do — chown to subordinate ids (rootless), create whiteout devices, set
 * xattrs, remove trees owned by subordinate ids — is collected as a list of fixup records
 * and handed to the native helper through the narrow `PrivilegedFs` role, which unit
 * tests stub and the engine fills with the helper client. The role also reads back the
 * one xattr Berth needs: overlay's opaque mark in a container's upper dir; and, rootless,
 * reaches the files of the container's other users that their modes keep from Node.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { IdMapping } from '../idmap';
import { storePaths } from '../paths';
import { readJsonOr } from '../store/atomic';
import type { Digest } from '../store/digest';
import type { TreeAgent, TreeRequest } from './tree-agent';

export interface FixupRequest {
  /** The tree the records' relative paths are in. */
  root: string;
  /**
   * A file of newline-separated records, paths relative to `root`, last field to end of line:
   *   chown <uid> <gid> <mode-octal> <relpath>    container ids; mode re-applied after chown
   *   whiteout <relpath>                          a 0/0 character device
   *   opaque <relpath>                            overlay opaque xattr on a directory
   *   xattr <name> <hex-value> <relpath>
   */
  list: string;
  /** Rootless: opaque is `user.overlay.opaque` (overlay's `userxattr`), else `trusted.`. */
  userxattr: boolean;
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
}

/** What Berth needs done with privileges Node lacks (the helper client provides it). */
export interface PrivilegedFs {
  fixup(request: FixupRequest): Promise<void>;
  /** Removes a tree even when it holds files owned by subordinate ids. Absent is fine. */
  rmtree(request: { path: string; uidMappings?: IdMapping[]; gidMappings?: IdMapping[] }): Promise<void>;
  /**
   * The directories of an overlay upper dir marked opaque (deleted and made again in the
   * container), relative to `root`, '.' for the root itself, in no particular order. An
   * absent `root` has none. `userxattr`: rootless overlay's `user.overlay.opaque`.
   */
  opaqueDirs(request: { root: string; userxattr: boolean }): Promise<string[]>;
  /**
   * An agent serving one tree as root of a user namespace with the request's maps: what
   * rootless Node cannot read or write itself (./tree-agent.ts). The caller closes it.
   */
  openTree(request: TreeRequest): Promise<TreeAgent>;
}

export interface LayerMeta {
  chainId: Digest;
  diffId: Digest;
  parent?: Digest;
  /** Bytes of the uncompressed tar. */
  size: number;
  /** The host boot the layer was extracted in (./layer-check.ts). */
  boot?: string;
  /** Set once a later boot found every file whole (./layer-check.ts). */
  intact?: boolean;
}

/** Chain ids of a stack of diff ids, bottom first (OCI image-spec "ChainID"). */
export function chainIds(diffIds: Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent ? `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}` : diffId);
  }
  return out;
}

export function layersDir(root: string): string {
  return storePaths(root).layers;
}

export function layerDir(root: string, chainId: Digest): string {
  return path.join(layersDir(root), chainId.slice('sha256:'.length));
}

export function layerFsDir(root: string, chainId: Digest): string {
  return path.join(layerDir(root, chainId), 'fs');
}

/** A layer's record, written last: the layer is complete when it exists. */
export function layerMetaPath(root: string, chainId: Digest): string {
  return path.join(layerDir(root, chainId), 'layer.json');
}

export async function hasLayer(root: string, chainId: Digest): Promise<boolean> {
  try {
    await fs.access(layerMetaPath(root, chainId));
    return true;
  } catch {
    return false;
  }
}

export async function readLayerMeta(root: string, chainId: Digest): Promise<LayerMeta | undefined> {
  return readJsonOr<LayerMeta | undefined>(layerMetaPath(root, chainId), undefined);
}

/** Chain ids of every complete extracted layer. */
export async function listLayers(root: string): Promise<Digest[]> {
  const names = await fs.readdir(layersDir(root)).catch(() => [] as string[]);
  return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}` as Digest);
}
