/**
 * The Images view: one row per tag, grouped by repository (`berth.images.groupBy`);
 * images without a tag (dangling: left behind by a re-tag or a build) only when
 * `berth.images.showDangling` is on — the view's toggle flips it.
 */
import * as vscode from 'vscode';
import type { ImageSummary } from '../../runtime/cli/engine-port';
import { bytes, relativeTime, shortId } from './format';
import type { GroupNode, ImageNode, ImageTreeNode } from './nodes';
import type { RuntimeModel } from './runtime-model';

export class ImagesView implements vscode.TreeDataProvider<ImageTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ImageTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private roots: ImageTreeNode[] = [];

  constructor(private readonly model: RuntimeModel) {
    this.subscriptions.push(
      model.onDidChange((kind) => kind === 'images' && this.rebuild()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('berth.images') && this.rebuild()),
    );
  }

  /** The row of a reference or image id (for reveal after a build or load). */
  find(ref: string): ImageNode | undefined {
    const wanted = ref.includes(':') || ref.startsWith('sha256:') ? ref : `${ref}:latest`;
    for (const node of this.roots) {
      const rows = node.kind === 'group' ? (node.children as ImageNode[]) : [node];
      const hit = rows.find((row) => row.tag === wanted || row.image.id === ref);
      if (hit) return hit;
    }
    return undefined;
  }

  private rebuild(): void {
    const settings = vscode.workspace.getConfiguration('berth.images');
    const showDangling = settings.get<boolean>('showDangling', false);
    const rows: ImageNode[] = [];
    for (const image of this.model.images ?? []) {
      if (image.repoTags.length === 0) {
        if (showDangling) rows.push({ kind: 'image', image });
      } else {
        for (const tag of image.repoTags) rows.push({ kind: 'image', image, tag });
      }
    }
    rows.sort((a, b) => (a.tag ?? '\uffff').localeCompare(b.tag ?? '\uffff'));
    this.roots = settings.get('groupBy', 'repository') === 'repository' ? byRepository(rows) : rows;
    this.changed.fire(undefined);
  }

  async getChildren(node?: ImageTreeNode): Promise<ImageTreeNode[]> {
    if (node) return node.kind === 'group' ? (node.children as ImageNode[]) : [];
    if (!this.model.images) await this.model.start();
    if (this.roots.length === 0 && this.model.images?.length) this.rebuild();
    return this.roots;
  }

  getParent(node: ImageTreeNode): ImageTreeNode | undefined {
    if (node.kind !== 'image') return undefined;
    return this.roots.find((root): root is GroupNode => root.kind === 'group' && (root.children as ImageNode[]).includes(node));
  }

  getTreeItem(node: ImageTreeNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `repository:${node.key}`;
      item.iconPath = new vscode.ThemeIcon('repo');
      item.contextValue = 'imageGroup';
      return item;
    }
    const grouped = this.roots.some((root) => root.kind === 'group');
    const label = node.tag ? (grouped ? splitTag(node.tag).tag : node.tag) : `<none> ${shortId(node.image.id)}`;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `image:${node.tag ?? node.image.id}`;
    item.description = `${shortId(node.image.id)} · ${relativeTime(node.image.created)} · ${bytes(node.image.size)}`;
    item.iconPath = new vscode.ThemeIcon(node.tag ? 'package' : 'circle-slash');
    item.contextValue = node.tag ? 'image.tagged' : 'image.dangling';
    item.tooltip = imageTooltip(node.image);
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** `registry:5000/team/app:1.0` → repository `registry:5000/team/app`, tag `1.0`. */
function splitTag(reference: string): { repository: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repository: reference, tag: 'latest' };
}

function byRepository(rows: ImageNode[]): ImageTreeNode[] {
  const groups = new Map<string, ImageNode[]>();
  const dangling: ImageNode[] = [];
  for (const row of rows) {
    if (!row.tag) {
      dangling.push(row);
      continue;
    }
    const { repository } = splitTag(row.tag);
    groups.set(repository, [...(groups.get(repository) ?? []), row]);
  }
  const nodes: ImageTreeNode[] = [...groups].map(([repository, children]): GroupNode => ({ kind: 'group', view: 'images', key: repository, label: repository, children }));
  return [...nodes, ...dangling];
}

function imageTooltip(image: ImageSummary): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${image.repoTags.join(', ') || '&lt;none&gt;'}**\n\n`);
  md.appendMarkdown(`| | |\n|---|---|\n| Id | \`${image.id}\` |\n| Created | ${relativeTime(image.created)} |\n| Size | ${bytes(image.size)} |\n`);
  if (image.containers !== undefined) md.appendMarkdown(`| Containers | ${image.containers} |\n`);
  for (const [key, value] of Object.entries(image.labels ?? {})) md.appendMarkdown(`| Label | \`${key}=${value}\` |\n`);
  return md;
}
