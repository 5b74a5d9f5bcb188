/**
 * The layers of one stored image, replayed once from their indexes and then queried:
 * the report (rows, efficiency), a layer's tree, comparisons, a file's content. A view
 * keeps one ImageLayers per image it shows, so selecting another layer costs a tree
 * walk, not another pass over the indexes.
 */
import * as fs from 'node:fs/promises';
import { constants } from 'node:fs';
import * as path from 'node:path';
import { invalidArgument, notFound } from '../errors';
import { readDockerfileLines } from '../image/dockerfile-lines';
import type { Image } from '../image/image';
import { chainIds, layerDir, layerFsDir, readLayerMeta } from '../layer/layer';
import { LayerIndex } from '../layer/layer-index';
import type { Digest } from '../store/digest';
import type { FileState, FileTree, ImageLayersReport, LayerRow, TreeMode } from './layers';
import { type Replay, replay } from './replay';
import { buildTree, compareFilesystems, filesystemAt, layerEntries } from './tree';

/** What a view shows for a file: its text, or only its size when it is binary or big. */
export interface LayerFile {
  path: string;
  size: number;
  text?: string;
}

/** Bigger files are shown by size only: an editor tab is no place for them. */
const MAX_TEXT_BYTES = 4 << 20;

export class ImageLayers {
  private constructor(
    private readonly root: string,
    private readonly chains: Digest[],
    private readonly replayed: Replay,
    readonly report: ImageLayersReport,
  ) {}

  static async open(root: string, image: Image, names: string[]): Promise<ImageLayers> {
    const chains = chainIds(image.config.rootfs.diff_ids);
    const [indexes, metas] = await Promise.all([Promise.all(chains.map((c) => LayerIndex.read(layerDir(root, c)))), Promise.all(chains.map((c) => readLayerMeta(root, c)))]);
    const replayed = replay(indexes);
    const rows = layerRows(image, (i) => {
      const counts = replayed.layers[i];
      return { layer: i, size: counts.size, tarSize: metas[i]?.size ?? 0, diffId: image.config.rootfs.diff_ids[i], chainId: chains[i], entries: indexes[i].length, added: counts.added, modified: counts.modified, removed: counts.removed };
    });
    const totalSize = replayed.layers.reduce((sum, l) => sum + l.size, 0);
    const userSize = totalSize - (replayed.layers[0]?.size ?? 0);
    const report: ImageLayersReport = {
      id: image.id,
      names,
      rows,
      summary: {
        totalSize,
        userSize,
        wastedBytes: replayed.wastedBytes,
        userWastedPercent: userSize === 0 ? 0 : replayed.wastedBytes / userSize,
        efficiency: replayed.efficiency,
        wasted: replayed.wasted,
      },
    };
    return new ImageLayers(root, chains, replayed, report);
  }

  get layerCount(): number {
    return this.chains.length;
  }

  /** `layer`'s own changes, or (`aggregated`) the filesystem up to it with its changes marked. */
  tree(layer: number, mode: TreeMode): FileTree {
    this.check(layer);
    return buildTree(layerEntries(this.replayed.timelines, layer, mode === 'aggregated'));
  }

  /** The filesystem at `layer`, read by `compare`. */
  filesystem(layer: number): Map<string, FileState> {
    this.check(layer);
    return filesystemAt(this.replayed.timelines, layer);
  }

  /** What changes from `this` at `layer` to `other` at `otherLayer` (both default to the top). */
  compare(other: ImageLayers, layer = this.layerCount - 1, otherLayer = other.layerCount - 1): FileTree {
    return buildTree(compareFilesystems(this.filesystem(layer), other.filesystem(otherLayer)));
  }

  /**
   * The content of `file` as `layer` wrote it. Only a regular file the layer's index
   * lists is read (so a path from a view cannot leave the layer), without following a
   * symlink at the last component; a hard link reads its target.
   */
  async readFile(layer: number, file: string): Promise<LayerFile> {
    this.check(layer);
    const timeline = this.replayed.timelines.get(file);
    const change = timeline?.find((c) => c.layer === layer && c.kind !== 'removed');
    if (!change || (change.state.type !== 'f' && change.state.type !== 'h')) throw notFound(`Layer ${layer} of ${this.report.names[0] ?? this.report.id} writes no regular file ${file}.`);
    const stored = change.state.type === 'h' ? change.state.link! : file;
    const handle = await fs.open(path.join(layerFsDir(this.root, this.chains[layer]), stored), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const { size } = await handle.stat();
      if (size > MAX_TEXT_BYTES) return { path: file, size };
      const data = await handle.readFile();
      return isText(data) ? { path: file, size, text: data.toString('utf8') } : { path: file, size };
    } finally {
      await handle.close();
    }
  }

  private check(layer: number): void {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.chains.length) {
      throw invalidArgument(`${this.report.names[0] ?? this.report.id} has layers 0 to ${this.chains.length - 1}; there is no layer ${layer}.`);
    }
  }
}

/** History rows, oldest first; each non-empty entry takes the next layer. */
function layerRows(image: Image, layerRow: (i: number) => Omit<LayerRow, 'createdBy'>): LayerRow[] {
  const layers = image.config.rootfs.diff_ids.length;
  const sources = readDockerfileLines(image.config.config?.Labels);
  const rows: LayerRow[] = [];
  let next = 0;
  for (const [i, h] of (image.config.history ?? []).entries()) {
    const base = h.empty_layer || next >= layers ? { size: 0, tarSize: 0, entries: 0, added: 0, modified: 0, removed: 0 } : layerRow(next++);
    const source = sources[i];
    rows.push({ ...base, createdBy: h.created_by ?? '', ...(h.created && { created: h.created }), ...(h.comment && { comment: h.comment }), ...(source && { source: { file: source.file, line: source.startLine } }) });
  }
  // An image without (enough) history still shows every layer.
  while (next < layers) rows.push({ ...layerRow(next++), createdBy: '' });
  return rows;
}

/** Text unless the first 8 KiB hold a NUL or are not UTF-8 (what git and editors assume). */
function isText(data: Buffer): boolean {
  const head = data.subarray(0, 8192);
  if (head.includes(0)) return false;
  try {
    // stream: a character cut at the 8 KiB mark is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}
