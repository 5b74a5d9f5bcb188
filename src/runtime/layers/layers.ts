/**
 * The layers model (what dive shows): what each layer of an image adds, modifies and
 * removes, how much space the stack wastes, and the file tree at any layer.
 *
 * Vocabulary:
 *   layer row    one history entry of the image config; empty layers (ENV, CMD…) are rows
 *                without a layer index
 *   change       a path's fate in one layer: added, modified, removed — or unchanged
 *   timeline     every change of one path, bottom layer first (./replay.ts); the tree at
 *                layer i is each path's last change at or below i
 *   file tree    a preorder list of entries with depth and subtree end, in columns, so a
 *                view can virtualise and collapse without building objects (./tree.ts)
 *   efficiency   dive's score: for every path, the smallest size it ever had over the sum
 *                of the sizes it was written with, summed over paths; wasted bytes are
 *                the total bytes of paths written (or removed) in more than one layer
 *
 * Everything here is computed from the layers' file indexes (../layer/layer-index.ts),
 * never from the trees, and knows nothing about how it is shown.
 */
import type { IndexEntry, IndexEntryType } from '../layer/layer-index';

/** A path's state in the merged view (a whiteout or opaque marker is never a state). */
export type FileState = Omit<IndexEntry, 'path' | 'type'> & { type: Exclude<IndexEntryType, 'w' | 'o'> };

export type ChangeKind = 'added' | 'modified' | 'removed' | 'unchanged';

/** One letter per ChangeKind in FileTree.changes. */
export const CHANGE_LETTER: Record<ChangeKind, string> = { added: 'a', modified: 'm', removed: 'r', unchanged: 'u' };

export interface LayerRow {
  /** Position among the image's layers (bottom 0); absent for an empty-layer history entry. */
  layer?: number;
  createdBy: string;
  created?: string;
  comment?: string;
  /** The Dockerfile line of the instruction, for an image built by Berth from a file. */
  source?: { file: string; line: number };
  /** Bytes of the files the layer writes (dive's layer size). */
  size: number;
  /** Bytes of the uncompressed layer tar. */
  tarSize: number;
  diffId?: string;
  chainId?: string;
  /** Entries in the layer's tar (whiteouts included). */
  entries: number;
  added: number;
  modified: number;
  removed: number;
}

export interface WastedPath {
  path: string;
  /** Layers that wrote or removed it. */
  count: number;
  /** Bytes written to the path over all layers (dive counts all of them as wasted). */
  bytes: number;
}

export interface LayersSummary {
  /** Sum of the layers' file bytes. */
  totalSize: number;
  /** Every layer but the base's (dive's "user" size). */
  userSize: number;
  wastedBytes: number;
  /** wastedBytes / userSize (0 when there is no user layer). */
  userWastedPercent: number;
  /** 0..1; 1 when nothing is ever written twice or removed. */
  efficiency: number;
  /** Biggest first. */
  wasted: WastedPath[];
}

export interface ImageLayersReport {
  id: string;
  names: string[];
  /** History order (oldest first), empty layers included. */
  rows: LayerRow[];
  summary: LayersSummary;
}

/**
 * A file tree in preorder, in columns: entry i's subtree is i+1 .. ends[i]-1, so a
 * collapsed directory is skipped in one step. Directory sizes are the sums of the files
 * below them that are present (removed entries carry the size they had).
 */
export interface FileTree {
  paths: string[];
  depths: number[];
  ends: number[];
  /** One IndexEntryType letter per entry. */
  types: string;
  /** One CHANGE_LETTER per entry. */
  changes: string;
  sizes: number[];
  modes: number[];
  uids: number[];
  gids: number[];
  /** Sparse: entry number -> symlink or hard-link target. */
  links: Record<number, string>;
  counts: { added: number; modified: number; removed: number; unchanged: number };
}

/** Which tree of a layer: its own changes, or the whole filesystem up to it. */
export type TreeMode = 'layer' | 'aggregated';
