/**
 * The Containers view: containers grouped as `berth.containers.groupBy` says, each with a
 * state icon, a label and description from templates, a Markdown tooltip filled in when
 * hovered, and a Files node that browses its filesystem (files/container-file-system.ts).
 * `contextValue` carries the state (`container.running`…) so menus offer only the
 * actions valid for it.
 */
import * as vscode from 'vscode';
import type { ContainerSummary } from '../../runtime/container/container';
import { getEngine } from '../engine-access';
import { containerUri } from '../files/container-uri';
import { fillTemplate, relativeTime, shortId } from './format';
import type { ContainerNode, ContainerTreeNode, FileNode, GroupNode } from './nodes';
import type { RuntimeModel } from './runtime-model';

type GroupBy = 'none' | 'state' | 'image' | 'label';

const STATE_GROUPS: { key: string; label: string; statuses: string[] }[] = [
  { key: 'running', label: 'Running', statuses: ['running'] },
  { key: 'paused', label: 'Paused', statuses: ['paused'] },
  { key: 'stopped', label: 'Stopped', statuses: ['exited', 'created', 'dead', 'removing'] },
];

export class ContainersView implements vscode.TreeDataProvider<ContainerTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ContainerTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private roots: ContainerTreeNode[] = [];

  constructor(private readonly model: RuntimeModel) {
    this.subscriptions.push(
      model.onDidChange((kind) => kind === 'containers' && this.rebuild()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('berth.containers') && this.rebuild()),
    );
  }

  /** The node of a container (for reveal), by id. */
  find(id: string): ContainerNode | undefined {
    for (const node of this.roots) {
      if (node.kind === 'container' && node.container.id === id) return node;
      if (node.kind === 'group') for (const child of node.children as ContainerNode[]) if (child.container.id === id) return child;
    }
    return undefined;
  }

  private rebuild(): void {
    const containers = this.model.containers ?? [];
    const settings = vscode.workspace.getConfiguration('berth.containers');
    const nodes = containers.map((container): ContainerNode => ({ kind: 'container', container }));
    this.roots = group(nodes, settings.get<GroupBy>('groupBy', 'state'), settings.get<string>('groupByLabel', ''));
    this.changed.fire(undefined);
  }

  async getChildren(node?: ContainerTreeNode): Promise<ContainerTreeNode[]> {
    if (!node) {
      if (!this.model.containers) await this.model.start();
      if (this.roots.length === 0 && this.model.containers?.length) this.rebuild();
      return this.roots;
    }
    if (node.kind === 'group') return node.children as ContainerNode[];
    if (node.kind === 'container') return [{ kind: 'file', containerId: node.container.id, uri: containerUri(node.container.id, '/'), directory: true }];
    if (!node.directory) return [];
    const entries = await vscode.workspace.fs.readDirectory(node.uri);
    return entries
      .sort(([a, ta], [b, tb]) => (tb & vscode.FileType.Directory) - (ta & vscode.FileType.Directory) || a.localeCompare(b))
      .map(([name, type]): FileNode => ({
        kind: 'file',
        containerId: node.containerId,
        uri: vscode.Uri.joinPath(node.uri, name),
        directory: (type & vscode.FileType.Directory) !== 0,
      }));
  }

  getParent(node: ContainerTreeNode): ContainerTreeNode | undefined {
    if (node.kind === 'group') return undefined;
    if (node.kind === 'file') {
      if (node.uri.path === '/') return this.find(node.containerId);
      return { ...node, uri: vscode.Uri.joinPath(node.uri, '..'), directory: true };
    }
    return this.roots.find((root): root is GroupNode => root.kind === 'group' && (root.children as ContainerNode[]).some((c) => c.container.id === node.container.id));
  }

  getTreeItem(node: ContainerTreeNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.key}`;
      item.description = String(node.children.length);
      item.contextValue = 'containerGroup';
      return item;
    }
    if (node.kind === 'file') return fileItem(node);
    const c = node.container;
    const settings = vscode.workspace.getConfiguration('berth.containers');
    const item = new vscode.TreeItem(fillTemplate(settings.get('label', '{name}'), c), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `container:${c.id}`;
    item.description = fillTemplate(settings.get('description', '{image} · {status}'), c);
    item.iconPath = stateIcon(c);
    item.contextValue = `container.${c.status}`;
    return item;
  }

  /** The tooltip needs the container's full config (mounts): read only when hovered. */
  async resolveTreeItem(item: vscode.TreeItem, node: ContainerTreeNode): Promise<vscode.TreeItem> {
    if (node.kind === 'container') item.tooltip = await containerTooltip(node.container);
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

function group(nodes: ContainerNode[], by: GroupBy, labelKey: string): ContainerTreeNode[] {
  if (by === 'state') {
    return STATE_GROUPS.map(({ key, label, statuses }): GroupNode => ({
      kind: 'group',
      view: 'containers',
      key: `state:${key}`,
      label,
      children: nodes.filter((n) => statuses.includes(n.container.status)),
    })).filter((g) => g.children.length > 0);
  }
  if (by === 'none') return nodes;
  const keyOf = (c: ContainerSummary) => (by === 'image' ? c.image : (c.labels[labelKey] ?? `(no ${labelKey || 'label'})`));
  const groups = new Map<string, ContainerNode[]>();
  for (const n of nodes) {
    const key = keyOf(n.container);
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return [...groups.keys()].sort().map((key): GroupNode => ({ kind: 'group', view: 'containers', key: `${by}:${key}`, label: key, children: groups.get(key)! }));
}

export function stateIcon(c: ContainerSummary): vscode.ThemeIcon {
  switch (c.status) {
    case 'running':
      return new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('charts.green'));
    case 'paused':
      return new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('charts.yellow'));
    case 'exited':
      return c.exitCode ? new vscode.ThemeIcon('vm-outline', new vscode.ThemeColor('charts.red')) : new vscode.ThemeIcon('vm-outline');
    case 'dead':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('charts.red'));
    default:
      return new vscode.ThemeIcon('vm');
  }
}

function fileItem(node: FileNode): vscode.TreeItem {
  const isRoot = node.uri.path === '/';
  const state = node.directory ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
  const item = isRoot ? new vscode.TreeItem('Files', state) : new vscode.TreeItem(node.uri, state);
  item.id = `file:${node.containerId}:${node.uri.path}`;
  if (isRoot) item.iconPath = new vscode.ThemeIcon('files');
  item.contextValue = isRoot ? 'containerFiles' : node.directory ? 'containerFile.directory' : 'containerFile.file';
  if (!node.directory) item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri] };
  return item;
}

async function containerTooltip(c: ContainerSummary): Promise<vscode.MarkdownString> {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`$(vm) **${escape(c.name)}** \`${shortId(c.id)}\`\n\n`);
  md.appendMarkdown(`| | |\n|---|---|\n`);
  md.appendMarkdown(`| Image | ${escape(c.image)} |\n| Command | \`${c.command.replace(/[`|\n]/g, ' ')}\` |\n`);
  md.appendMarkdown(`| Created | ${relativeTime(c.created)} |\n| Status | ${escape(c.statusText)} |\n`);
  if (c.exitCode !== undefined) md.appendMarkdown(`| Exit code | ${c.exitCode} |\n`);
  try {
    const { config } = await (await getEngine()).containers.states.resolve(c.id);
    for (const m of config.mounts) {
      md.appendMarkdown(`| Mount | ${m.type} ${escape(m.source ?? '')} → ${escape(m.target)}${m.readOnly ? ' (read-only)' : ''} |\n`);
    }
  } catch {
    // Removed while hovered: the summary above is all there is.
  }
  for (const [key, value] of Object.entries(c.labels)) md.appendMarkdown(`| Label | ${escape(key)}=${escape(value)} |\n`);
  return md;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
