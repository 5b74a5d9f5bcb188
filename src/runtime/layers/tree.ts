/**
 * File trees from a replay's timelines (./replay.ts): one layer's own changes, the whole
 * filesystem up to a layer, or the difference between two such filesystems. Output is
 * the columnar preorder FileTree of ./layers.ts.
 */
import type { Change } from './replay';
import { CHANGE_LETTER, type ChangeKind, type FileState, type FileTree } from './layers';

export interface TreeEntry {
  state: FileState;
  change: ChangeKind;
}

/** The last change of `timeline` at or below `layer`. */
function changeAt(timeline: Change[], layer: number): Change | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) if (timeline[i].layer <= layer) return timeline[i];
  return undefined;
}

/** The merged filesystem at `layer`: path -> state. */
export function filesystemAt(timelines: Map<string, Change[]>, layer: number): Map<string, FileState> {
  const out = new Map<string, FileState>();
  for (const [p, timeline] of timelines) {
    const c = changeAt(timeline, layer);
    if (c && c.kind !== 'removed') out.set(p, c.state);
  }
  return out;
}

/** `layer`'s changes; with `aggregated`, on top of everything it leaves unchanged. */
export function layerEntries(timelines: Map<string, Change[]>, layer: number, aggregated: boolean): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  for (const [p, timeline] of timelines) {
    const c = changeAt(timeline, layer);
    if (!c) continue;
    if (c.layer === layer) out.set(p, { state: c.state, change: c.kind });
    else if (c.kind !== 'removed' && aggregated) out.set(p, { state: c.state, change: 'unchanged' });
  }
  if (!aggregated) addParents(out, filesystemAt(timelines, layer), timelines, layer);
  return out;
}

/** Directories above a layer's changes, so its tree has a path to each of them. */
function addParents(entries: Map<string, TreeEntry>, fs: Map<string, FileState>, timelines: Map<string, Change[]>, layer: number): void {
  for (const p of [...entries.keys()]) {
    for (let parent = parentOf(p); parent !== '' && !entries.has(parent); parent = parentOf(parent)) {
      // A parent removed in this layer is in `entries` already; one present is in `fs`.
      const state = fs.get(parent) ?? changeAt(timelines.get(parent) ?? [], layer)?.state;
      if (state) entries.set(parent, { state, change: 'unchanged' });
    }
  }
}

function same(a: FileState, b: FileState): boolean {
  const contentMatters = a.type !== 'd';
  return a.type === b.type && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.link === b.link && (!contentMatters || (a.size === b.size && a.mtime === b.mtime));
}

/** `to` relative to `from`. Without content hashes, a file is modified when its size, time, mode or owner differ. */
export function compareFilesystems(from: Map<string, FileState>, to: Map<string, FileState>): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  for (const [p, state] of to) {
    const before = from.get(p);
    out.set(p, { state, change: !before ? 'added' : same(before, state) ? 'unchanged' : 'modified' });
  }
  for (const [p, state] of from) if (!to.has(p)) out.set(p, { state, change: 'removed' });
  return out;
}

function parentOf(p: string): string {
  const slash = p.lastIndexOf('/');
  return slash < 0 ? '' : p.slice(0, slash);
}

/** Lays `entries` out in preorder, siblings by name, directories' sizes summed. */
export function buildTree(entries: Map<string, TreeEntry>): FileTree {
  const children = new Map<string, string[]>();
  for (const p of entries.keys()) {
    const parent = parentOf(p);
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(p);
  }
  const tree: FileTree = { paths: [], depths: [], ends: [], types: '', changes: '', sizes: [], modes: [], uids: [], gids: [], links: {}, counts: { added: 0, modified: 0, removed: 0, unchanged: 0 } };
  const types: string[] = [];
  const changes: string[] = [];
  // Returns the bytes below `dir` that are present, and all of them (removed ones too).
  const visit = (dir: string, depth: number): [number, number] => {
    const list = children.get(dir);
    if (!list) return [0, 0];
    list.sort(byName);
    let present = 0;
    let all = 0;
    for (const p of list) {
      const { state, change } = entries.get(p)!;
      const at = tree.paths.length;
      tree.paths.push(p);
      tree.depths.push(depth);
      tree.ends.push(0);
      types.push(state.type);
      changes.push(CHANGE_LETTER[change]);
      tree.sizes.push(state.size);
      tree.modes.push(state.mode);
      tree.uids.push(state.uid);
      tree.gids.push(state.gid);
      if (state.link !== undefined) tree.links[at] = state.link;
      tree.counts[change]++;
      const [below, belowAll] = visit(p, depth + 1);
      const removed = change === 'removed';
      if (state.type === 'd') tree.sizes[at] = removed ? belowAll : below;
      tree.ends[at] = tree.paths.length;
      present += removed ? 0 : state.type === 'd' ? below : state.size;
      all += state.type === 'd' ? belowAll : state.size;
    }
    return [present, all];
  };
  visit('', 0);
  tree.types = types.join('');
  tree.changes = changes.join('');
  return tree;
}

function byName(a: string, b: string): number {
  const x = a.slice(a.lastIndexOf('/') + 1);
  const y = b.slice(b.lastIndexOf('/') + 1);
  return x < y ? -1 : x > y ? 1 : 0;
}
