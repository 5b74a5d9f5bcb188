/**
 * One pass over an image's layer indexes, bottom first, applying them the way overlayfs
 * stacks them (opaque directories, then whiteouts, then the layer's entries), which
 * records every path's timeline and dive's efficiency data at once.
 *
 * Efficiency follows dive (filetree/efficiency.go): each layer contributes a node for
 * every leaf it writes (a file, link, or a directory with nothing below it in that
 * layer) with the entry's size, and for every whiteout with size 0. One deliberate
 * difference: dive sizes a whiteout of a directory as the whole subtree and counts it
 * once, so deleting a directory never shows as waste; here every leaf the deletion (or
 * an opaque directory, which dive ignores) hides gets a size-0 node, exactly as if each
 * file had been deleted on its own.
 */
import type { LayerIndex } from '../layer/layer-index';
import type { ChangeKind, FileState, WastedPath } from './layers';

export interface Change {
  layer: number;
  kind: Exclude<ChangeKind, 'unchanged'>;
  /** The new state; for a removal, the state that was removed. */
  state: FileState;
}

interface PathEfficiency {
  count: number;
  min: number;
  total: number;
}

export interface LayerCounts {
  size: number;
  added: number;
  modified: number;
  removed: number;
}

export interface Replay {
  timelines: Map<string, Change[]>;
  layers: LayerCounts[];
  efficiency: number;
  wasted: WastedPath[];
  wastedBytes: number;
}

const IMPLICIT_DIR: Omit<FileState, 'mtime'> = { type: 'd', size: 0, mode: 0o755, uid: 0, gid: 0 };

function parentOf(p: string): string {
  const slash = p.lastIndexOf('/');
  return slash < 0 ? '' : p.slice(0, slash);
}

class Stack {
  readonly view = new Map<string, FileState>();
  readonly children = new Map<string, Set<string>>([['', new Set()]]);
  readonly timelines = new Map<string, Change[]>();
  readonly efficiency = new Map<string, PathEfficiency>();
  layer = 0;
  counts: LayerCounts = { size: 0, added: 0, modified: 0, removed: 0 };

  record(p: string, kind: Change['kind'], state: FileState): void {
    let timeline = this.timelines.get(p);
    if (!timeline) this.timelines.set(p, (timeline = []));
    const last = timeline[timeline.length - 1];
    // A path the same layer touches twice (a tar naming it twice, removed then re-added)
    // has one change in that layer: what it finally is, relative to the layer below.
    if (last?.layer === this.layer) {
      this.counts[last.kind]--;
      const before = timeline.length > 1 ? timeline[timeline.length - 2] : undefined;
      const existedBelow = last.kind === 'removed' || last.kind === 'modified' || (before !== undefined && before.kind !== 'removed');
      timeline.pop();
      if (kind === 'added' && existedBelow) kind = 'modified';
      if (kind === 'removed' && !existedBelow) return;
    }
    timeline.push({ layer: this.layer, kind, state });
    this.counts[kind]++;
  }

  written(p: string, size: number): void {
    const e = this.efficiency.get(p);
    if (!e) this.efficiency.set(p, { count: 1, min: size, total: size });
    else {
      e.count++;
      e.total += size;
      if (size < e.min) e.min = size;
    }
  }

  set(p: string, state: FileState): void {
    if (!this.view.has(p)) this.children.get(parentOf(p))!.add(p);
    this.view.set(p, state);
    if (state.type === 'd' && !this.children.has(p)) this.children.set(p, new Set());
  }

  /** Removes `p`'s subtree (not `p` itself unless `self`), recording each loss. */
  remove(p: string, self: boolean): void {
    const below = this.children.get(p);
    const leaf = below === undefined || below.size === 0;
    if (below) {
      for (const child of below) this.remove(child, true);
      below.clear();
    }
    if (!self) return;
    const state = this.view.get(p);
    if (!state) return;
    if (leaf) this.written(p, 0);
    this.record(p, 'removed', state);
    this.view.delete(p);
    this.children.delete(p);
    this.children.get(parentOf(p))?.delete(p);
  }

  /** Makes every parent of `p` a directory, as extraction does. */
  parents(p: string, mtime: number): void {
    const parent = parentOf(p);
    if (parent === '') return;
    const state = this.view.get(parent);
    if (state?.type === 'd') return;
    this.parents(parent, mtime);
    if (state) this.remove(parent, true);
    const dir: FileState = { ...IMPLICIT_DIR, mtime };
    this.set(parent, dir);
    this.record(parent, 'added', dir);
  }

  apply(index: LayerIndex): void {
    this.counts = { size: 0, added: 0, modified: 0, removed: 0 };
    const leaves = leavesOf(index);
    const { whiteouts, opaque } = index.deletions();
    for (const dir of opaque) if (this.view.get(dir)?.type === 'd' || dir === '') this.remove(dir, false);
    for (const gone of whiteouts) {
      if (this.view.has(gone)) this.remove(gone, true);
      else this.written(gone, 0);
    }
    for (let i = 0; i < index.length; i++) {
      const type = index.typeAt(i);
      const p = index.pathAt(i);
      if (type === 'w' || type === 'o' || p === '') continue;
      const e = index.entry(i);
      const state: FileState = { type: e.type as FileState['type'], size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, ...(e.link !== undefined && { link: e.link }) };
      this.counts.size += e.size;
      this.parents(p, e.mtime);
      const before = this.view.get(p);
      if (before && (before.type !== 'd' || state.type !== 'd')) this.remove(p, false);
      if (leaves.has(p)) this.written(p, e.size);
      this.set(p, state);
      if (!before) this.record(p, 'added', state);
      // A directory listed again only as the parent of new files is not a change of its own.
      else if (before.type !== 'd' || state.type !== 'd' || before.mode !== state.mode || before.uid !== state.uid || before.gid !== state.gid) this.record(p, 'modified', state);
    }
  }
}

/** Paths of `index` with nothing below them in the same layer (dive visits only leaves). */
function leavesOf(index: LayerIndex): Set<string> {
  const inner = new Set<string>();
  for (let i = 0; i < index.length; i++) {
    for (let p = parentOf(index.pathAt(i)); p !== '' && !inner.has(p); p = parentOf(p)) inner.add(p);
  }
  const leaves = new Set<string>();
  for (let i = 0; i < index.length; i++) {
    const p = index.pathAt(i);
    if (!inner.has(p)) leaves.add(p);
  }
  return leaves;
}

export function replay(indexes: LayerIndex[]): Replay {
  const stack = new Stack();
  const layers: LayerCounts[] = [];
  indexes.forEach((index, i) => {
    stack.layer = i;
    stack.apply(index);
    layers.push(stack.counts);
  });
  let minimum = 0;
  let discovered = 0;
  const wasted: WastedPath[] = [];
  for (const [p, e] of stack.efficiency) {
    minimum += e.min;
    discovered += e.total;
    if (e.count > 1 && e.total > 0) wasted.push({ path: p, count: e.count, bytes: e.total });
  }
  wasted.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  return {
    timelines: stack.timelines,
    layers,
    efficiency: discovered === 0 ? 1 : minimum / discovered,
    wasted,
    wastedBytes: wasted.reduce((sum, w) => sum + w.bytes, 0),
  };
}
