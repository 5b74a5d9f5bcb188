/**
 * The layers panel UI. It holds only view state — the selected layer, the tree mode, the
 * filter, which directories are collapsed, the focused row — and renders what the host
 * computed (src/runtime/layers). The tree is virtualised: only the rows in view (plus a
 * few) exist in the DOM, so a 100k-entry tree costs what a screenful does.
 */
// esbuild emits the imported stylesheet as dist/webview.css, which the .vsix ships with the script.
import './layers.css';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { FileTree, ImageLayersReport, TreeMode } from '../src/runtime/layers/layers';
import { type ToHost, parseToWebview } from '../src/extension/layers/protocol';

declare function acquireVsCodeApi(): { postMessage(message: ToHost): void };
const vscode = acquireVsCodeApi();

const ROW_HEIGHT = 22;
const OVERSCAN = 10;
const CHANGE_NAMES: Record<string, string> = { a: 'added', m: 'modified', r: 'removed', u: 'unchanged' };
const CHANGE_MARKS: Record<string, string> = { a: 'A', m: 'M', r: 'D', u: '' };

interface State {
  report?: ImageLayersReport;
  layer: number;
  mode: TreeMode;
  /** Layer the selected one is compared with, if any. */
  base?: number;
  tree?: FileTree;
  filter: string;
  kinds: Set<string>;
  collapsed: Set<number>;
  visible: number[];
  focused: number;
  request: number;
}

const state: State = { layer: 0, mode: 'layer', filter: '', kinds: new Set(['a', 'm', 'r', 'u']), collapsed: new Set(), visible: [], focused: 0, request: 0 };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function custom(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}

const TYPE_LETTER: Record<string, string> = { d: 'd', l: 'l', c: 'c', b: 'b', p: 'p', f: '-', h: '-' };

function modeString(type: string, mode: number): string {
  const bits = 'rwxrwxrwx';
  let out = TYPE_LETTER[type] ?? '-';
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}

// ---- layout --------------------------------------------------------------------

const app = document.getElementById('app')!;
const summary = el('section', { className: 'summary', ariaLabel: 'Image summary' });
const layerList = el('ul', { className: 'layers', role: 'listbox', tabIndex: 0, ariaLabel: 'Layers' });
const wasted = custom('vscode-collapsible', { title: 'Wasted space', class: 'wasted' });
const modeSelect = custom('vscode-single-select', { 'aria-label': 'Tree contents' }, custom('vscode-option', { value: 'layer' }, 'Changes in this layer'), custom('vscode-option', { value: 'aggregated' }, 'Everything up to this layer'));
const baseSelect = custom('vscode-single-select', { 'aria-label': 'Compare with layer' });
const filterField = custom('vscode-textfield', { placeholder: 'Filter by name', 'aria-label': 'Filter files by name', class: 'filter' });
const kindBoxes = el('div', { className: 'kinds', role: 'group', ariaLabel: 'Show changes of kind' });
for (const k of ['a', 'm', 'r', 'u']) {
  const box = custom('vscode-checkbox', { label: CHANGE_NAMES[k], checked: '', 'data-kind': k });
  box.addEventListener('change', () => {
    if ((box as HTMLInputElement).checked) state.kinds.add(k);
    else state.kinds.delete(k);
    refreshRows();
  });
  kindBoxes.append(box);
}
const counts = el('div', { className: 'counts', ariaLive: 'polite' });
const spacer = el('div', { className: 'spacer' });
const treeView = el('div', { className: 'tree', role: 'tree', tabIndex: 0, ariaLabel: 'Files' }, spacer);
const header = el('div', { className: 'row header', ariaHidden: 'true' }, el('span', { className: 'mark' }), el('span', { className: 'name' }, 'Name'), el('span', { className: 'size' }, 'Size'), el('span', { className: 'mode' }, 'Mode'), el('span', { className: 'owner' }, 'UID:GID'));
const toolbar = el('div', { className: 'toolbar' }, modeSelect, baseSelect, filterField, kindBoxes);
const left = el('div', { className: 'left' }, el('h2', {}, 'Layers'), layerList, wasted);
const right = el('div', { className: 'right' }, toolbar, counts, header, treeView);
app.append(summary, el('div', { className: 'columns' }, left, right));

// ---- layers --------------------------------------------------------------------

function renderReport(report: ImageLayersReport, title: string): void {
  const s = report.summary;
  summary.replaceChildren(
    el('h1', {}, title),
    el('span', {}, `Total size ${size(s.totalSize)}`),
    el('span', {}, `Efficiency ${(s.efficiency * 100).toFixed(2)} %`),
    el('span', {}, `Wasted ${size(s.wastedBytes)}`),
    el('span', {}, `User wasted ${(s.userWastedPercent * 100).toFixed(2)} %`),
  );
  layerList.replaceChildren(
    ...report.rows.map((row, i) => {
      const empty = row.layer === undefined;
      const li = el('li', { id: `layer-${i}`, role: 'option', className: empty ? 'empty' : '', title: row.createdBy });
      li.dataset.layer = empty ? '' : String(row.layer);
      li.setAttribute('aria-disabled', String(empty));
      li.append(el('span', { className: 'index' }, empty ? '·' : String(row.layer)), el('span', { className: 'size' }, empty ? '' : size(row.size)), el('span', { className: 'by' }, row.createdBy || '(no history)'));
      if (row.source) {
        const where = `${row.source.file.slice(row.source.file.lastIndexOf('/') + 1)}:${row.source.line}`;
        const link = el('button', { type: 'button', className: 'source', title: `Open ${row.source.file} at line ${row.source.line}`, ariaLabel: `Open ${where}` }, where);
        link.dataset.row = String(i);
        li.append(link);
      }
      if (!empty) li.append(el('span', { className: 'digest' }, `${row.diffId?.slice(7, 19) ?? ''} +${row.added} ~${row.modified} -${row.removed}`));
      return li;
    }),
  );
  const list = el('ul', { ariaLabel: 'Files that waste space' }, ...s.wasted.slice(0, 200).map((w) => el('li', {}, el('span', { className: 'size' }, size(w.bytes)), ` ×${w.count} /${w.path}`)));
  wasted.replaceChildren(s.wasted.length ? list : el('p', {}, 'Nothing is written twice or removed.'));
  baseSelect.replaceChildren(custom('vscode-option', { value: '' }, 'No comparison'), ...layerNumbers(report).map((n) => custom('vscode-option', { value: String(n) }, `Compare with layer ${n}`)));
  const layers = layerNumbers(report);
  selectLayer(layers[layers.length - 1] ?? 0);
}

function layerNumbers(report: ImageLayersReport): number[] {
  return report.rows.flatMap((r) => (r.layer === undefined ? [] : [r.layer]));
}

function selectLayer(layer: number): void {
  state.layer = layer;
  for (const li of layerList.children) li.setAttribute('aria-selected', String((li as HTMLElement).dataset.layer === String(layer)));
  const active = layerList.querySelector('[aria-selected="true"]');
  if (active) {
    layerList.setAttribute('aria-activedescendant', active.id);
    active.scrollIntoView({ block: 'nearest' });
  }
  requestTree();
}

function requestTree(): void {
  state.request++;
  app.setAttribute('aria-busy', 'true');
  vscode.postMessage({ type: 'tree', id: state.request, layer: state.layer, mode: state.mode, ...(state.base !== undefined && { base: state.base }) });
}

layerList.addEventListener('click', (e) => {
  const source = (e.target as HTMLElement).closest<HTMLElement>('.source');
  if (source) return vscode.postMessage({ type: 'openSource', row: Number(source.dataset.row) });
  const li = (e.target as HTMLElement).closest('li');
  if (li?.dataset.layer) selectLayer(Number(li.dataset.layer));
});
layerList.addEventListener('keydown', (e) => {
  if (!state.report) return;
  const layers = layerNumbers(state.report);
  const at = layers.indexOf(state.layer);
  const next = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? layers.length - 1 : undefined;
  if (next === undefined) return;
  e.preventDefault();
  if (next >= 0 && next < layers.length) selectLayer(layers[next]);
});
modeSelect.addEventListener('change', () => {
  state.mode = (modeSelect as HTMLSelectElement).value as TreeMode;
  requestTree();
});
baseSelect.addEventListener('change', () => {
  const value = (baseSelect as HTMLSelectElement).value;
  state.base = value === '' ? undefined : Number(value);
  requestTree();
});
let filterTimer: ReturnType<typeof setTimeout> | undefined;
filterField.addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    state.filter = (filterField as HTMLInputElement).value.trim().toLowerCase();
    refreshRows();
  }, 120);
});

// ---- tree ----------------------------------------------------------------------

function showTree(tree: FileTree): void {
  state.tree = tree;
  state.focused = 0;
  // A whole filesystem opens one level deep; a layer's own changes open fully.
  state.collapsed = new Set();
  if (state.mode === 'aggregated' && state.base === undefined) for (let i = 0; i < tree.paths.length; i++) if (tree.types[i] === 'd' && tree.depths[i] > 0) state.collapsed.add(i);
  const c = tree.counts;
  counts.textContent = `${tree.paths.length.toLocaleString()} entries: ${c.added} added, ${c.modified} modified, ${c.removed} removed`;
  app.setAttribute('aria-busy', 'false');
  refreshRows();
}

/** Entries that pass the filter, or have one below them that does. */
function kept(tree: FileTree): Uint8Array | undefined {
  const all = state.kinds.size === 4;
  if (!state.filter && all) return undefined;
  const keep = new Uint8Array(tree.paths.length);
  const parents: number[] = [];
  const parentOf = new Int32Array(tree.paths.length);
  for (let i = 0; i < tree.paths.length; i++) {
    parents.length = tree.depths[i];
    parentOf[i] = parents.length ? parents[parents.length - 1] : -1;
    parents.push(i);
  }
  for (let i = tree.paths.length - 1; i >= 0; i--) {
    const p = tree.paths[i];
    const name = p.slice(p.lastIndexOf('/') + 1).toLowerCase();
    if (!keep[i] && state.kinds.has(tree.changes[i]) && (!state.filter || name.includes(state.filter))) keep[i] = 1;
    if (keep[i] && parentOf[i] >= 0) keep[parentOf[i]] = 1;
  }
  return keep;
}

function refreshRows(): void {
  const tree = state.tree;
  if (!tree) return;
  const keep = kept(tree);
  const visible: number[] = [];
  for (let i = 0; i < tree.paths.length; ) {
    if (keep && !keep[i]) {
      i = tree.ends[i];
      continue;
    }
    visible.push(i);
    // While filtering, every match is shown with its parents open.
    i = !keep && state.collapsed.has(i) ? tree.ends[i] : i + 1;
  }
  state.visible = visible;
  state.focused = Math.min(state.focused, Math.max(0, visible.length - 1));
  spacer.style.height = `${visible.length * ROW_HEIGHT}px`;
  renderRows();
}

function renderRows(): void {
  const tree = state.tree;
  if (!tree) return;
  const first = Math.max(0, Math.floor(treeView.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(state.visible.length, Math.ceil((treeView.scrollTop + treeView.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  const rows: HTMLElement[] = [];
  for (let v = first; v < last; v++) rows.push(row(tree, state.visible[v], v));
  spacer.replaceChildren(...rows);
  const focused = state.visible[state.focused];
  if (focused !== undefined) treeView.setAttribute('aria-activedescendant', `entry-${focused}`);
  else treeView.removeAttribute('aria-activedescendant');
}

function row(tree: FileTree, i: number, position: number): HTMLElement {
  const p = tree.paths[i];
  const isDir = tree.types[i] === 'd';
  const change = tree.changes[i];
  const name = el('span', { className: 'name' });
  name.style.paddingLeft = `${tree.depths[i] * 16}px`;
  const twisty = el('span', { className: 'twisty', ariaHidden: 'true' }, isDir ? (state.collapsed.has(i) && !state.filter ? '▸' : '▾') : '');
  const link = tree.links[i] !== undefined ? el('span', { className: 'link' }, ` → ${tree.links[i]}`) : '';
  name.append(twisty, el('span', { className: 'label' }, p.slice(p.lastIndexOf('/') + 1) + (isDir ? '/' : '')), link);
  const r = el(
    'div',
    { id: `entry-${i}`, role: 'treeitem', className: `row change-${CHANGE_NAMES[change]}${position === state.focused ? ' focused' : ''}` },
    el('span', { className: 'mark', title: CHANGE_NAMES[change] }, CHANGE_MARKS[change]),
    name,
    el('span', { className: 'size' }, size(tree.sizes[i])),
    el('span', { className: 'mode' }, modeString(tree.types[i], tree.modes[i])),
    el('span', { className: 'owner' }, `${tree.uids[i]}:${tree.gids[i]}`),
  );
  r.style.top = `${position * ROW_HEIGHT}px`;
  r.dataset.position = String(position);
  r.setAttribute('aria-level', String(tree.depths[i] + 1));
  r.setAttribute('aria-selected', String(position === state.focused));
  r.setAttribute('aria-label', `${p}, ${CHANGE_NAMES[change]}, ${size(tree.sizes[i])}${tree.links[i] !== undefined ? `, link to ${tree.links[i]}` : ''}`);
  if (isDir) r.setAttribute('aria-expanded', String(!state.collapsed.has(i) || Boolean(state.filter)));
  return r;
}

function toggle(i: number, open?: boolean): void {
  const isOpen = !state.collapsed.has(i);
  if (open === isOpen) return;
  if (isOpen) state.collapsed.add(i);
  else state.collapsed.delete(i);
  refreshRows();
}

function focusRow(position: number): void {
  state.focused = Math.max(0, Math.min(state.visible.length - 1, position));
  const top = state.focused * ROW_HEIGHT;
  if (top < treeView.scrollTop) treeView.scrollTop = top;
  else if (top + ROW_HEIGHT > treeView.scrollTop + treeView.clientHeight) treeView.scrollTop = top + ROW_HEIGHT - treeView.clientHeight;
  renderRows();
}

function activate(i: number): void {
  const tree = state.tree!;
  if (tree.types[i] === 'd') return toggle(i);
  if ((tree.types[i] === 'f' || tree.types[i] === 'h') && tree.changes[i] !== 'r' && state.base === undefined) {
    vscode.postMessage({ type: 'open', layer: state.layer, path: tree.paths[i] });
  }
}

treeView.addEventListener('scroll', () => requestAnimationFrame(renderRows));
treeView.addEventListener('click', (e) => {
  const r = (e.target as HTMLElement).closest<HTMLElement>('.row');
  if (!r || !state.tree) return;
  focusRow(Number(r.dataset.position));
  if ((e.target as HTMLElement).classList.contains('twisty') || e.detail === 2) activate(state.visible[state.focused]);
});
treeView.addEventListener('keydown', (e) => {
  const tree = state.tree;
  if (!tree || state.visible.length === 0) return;
  const i = state.visible[state.focused];
  const page = Math.max(1, Math.floor(treeView.clientHeight / ROW_HEIGHT) - 1);
  const moves: Record<string, () => void> = {
    ArrowDown: () => focusRow(state.focused + 1),
    ArrowUp: () => focusRow(state.focused - 1),
    PageDown: () => focusRow(state.focused + page),
    PageUp: () => focusRow(state.focused - page),
    Home: () => focusRow(0),
    End: () => focusRow(state.visible.length - 1),
    ArrowRight: () => (tree.types[i] === 'd' && state.collapsed.has(i) ? toggle(i, true) : focusRow(state.focused + 1)),
    ArrowLeft: () => {
      if (tree.types[i] === 'd' && !state.collapsed.has(i) && !state.filter) return toggle(i, false);
      for (let v = state.focused - 1; v >= 0; v--) if (tree.depths[state.visible[v]] < tree.depths[i]) return focusRow(v);
    },
    Enter: () => activate(i),
    ' ': () => activate(i),
  };
  const move = moves[e.key];
  if (!move) return;
  e.preventDefault();
  move();
});

// ---- messages ------------------------------------------------------------------

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseToWebview(event.data);
  if (!message) return;
  switch (message.type) {
    case 'report':
      state.report = message.report;
      renderReport(message.report, message.title);
      return;
    case 'comparison':
      summary.replaceChildren(el('h1', {}, message.title));
      left.hidden = true;
      modeSelect.hidden = true;
      baseSelect.hidden = true;
      state.base = 0;
      showTree(message.tree);
      return;
    case 'tree':
      if (message.id === state.request) showTree(message.tree);
      return;
    case 'error':
      if (message.id === undefined || message.id === state.request) {
        counts.textContent = message.message;
        app.setAttribute('aria-busy', 'false');
      }
  }
});
vscode.postMessage({ type: 'ready' });
