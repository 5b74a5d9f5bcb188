/**
 * The merged view of a stack of extracted layers, computed from their file indexes
 * (../layer/layer-index.ts) rather than from the trees: the indexes record whiteouts and
 * opaque directories, which Node cannot see on disk (an xattr) and which the helper may
 * have turned into device nodes.
 */
import * as path from 'node:path';
import type { IndexEntryType } from '../layer/layer-index';
import { LayerIndex } from '../layer/layer-index';
import { layerDir, layerFsDir } from '../layer/layer';
import type { Digest } from '../store/digest';

export interface LowerEntry {
  type: IndexEntryType;
  /** The file on the host: in the fs dir of the topmost layer that has it. */
  hostPath: string;
}

function removeTree(map: Map<string, LowerEntry>, rel: string, keepSelf: boolean): void {
  if (!keepSelf) map.delete(rel);
  const prefix = rel === '' ? '' : `${rel}/`;
  for (const key of map.keys()) if (key.startsWith(prefix) && key !== rel) map.delete(key);
}

/** Path -> entry for every path visible through `chainIds` (bottom first). */
export async function lowerView(root: string, chainIds: string[]): Promise<Map<string, LowerEntry>> {
  const view = new Map<string, LowerEntry>();
  for (const chainId of chainIds) {
    const index = await LayerIndex.read(layerDir(root, chainId as Digest));
    const fsDir = layerFsDir(root, chainId as Digest);
    const { whiteouts, opaque } = index.deletions();
    for (const dir of opaque) removeTree(view, dir, true);
    for (const gone of whiteouts) removeTree(view, gone, false);
    for (const entry of index.entries()) {
      if (entry.type === 'w' || entry.type === 'o') continue;
      const parts = entry.path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join('/');
        if (view.get(parent)?.type !== 'd') view.set(parent, { type: 'd', hostPath: path.join(fsDir, parent) });
      }
      // A non-directory over a directory hides the whole subtree below.
      if (entry.type !== 'd' && view.get(entry.path)?.type === 'd') removeTree(view, entry.path, false);
      const type = entry.type === 'h' ? 'f' : entry.type;
      view.set(entry.path, { type, hostPath: path.join(fsDir, entry.path) });
    }
  }
  return view;
}
