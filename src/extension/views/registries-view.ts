/**
 * The Registries view: the registries the Docker config file has a login for (the same
 * file `berth login`, `docker login` and `podman login --authfile` write), their
 * repositories and tags, read from the registry when a node is first expanded and kept
 * until Refresh. A tag already in the local store says so, and follows pulls and removals.
 * The config file is watched, so a login made in a terminal shows without a Refresh.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { getEngine } from '../engine-access';
import { isInsecureRegistry } from '../registry-settings';
import { LISTING_LIMIT, keyOf, listingFailure, loginsFailure, referenceOf, registryNodes, repositoryNodes, tagNodes, type RegistryTreeNode } from './registry-nodes';
import type { RuntimeModel } from './runtime-model';

export class RegistriesView implements vscode.TreeDataProvider<RegistryTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RegistryTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Listings by node key: expanding again, or a re-render for the store's sake, does not ask the registry again. */
  private readonly children = new Map<string, Promise<RegistryTreeNode[]>>();
  private configWatch: Promise<void> | undefined;

  constructor(private readonly model: RuntimeModel) {
    // Re-render only (the listings stay cached): which tags are local may have changed.
    this.subscriptions.push(model.onDidChange((kind) => kind === 'images' && this.changed.fire(undefined)));
  }

  /** Forgets every listing and reads the logins again. */
  refresh(): void {
    this.children.clear();
    this.changed.fire(undefined);
  }

  getChildren(node?: RegistryTreeNode): Promise<RegistryTreeNode[]> {
    if (node?.kind === 'registryTag' || node?.kind === 'registryMessage') return Promise.resolve([]);
    const key = node ? keyOf(node) : 'roots';
    let listing = this.children.get(key);
    if (!listing) {
      listing = this.list(node);
      this.children.set(key, listing);
      // Listings turn failures into message nodes; what still rejects (the store would not open) is asked again next time.
      listing.catch(() => this.children.delete(key));
    }
    return listing;
  }

  private async list(node: RegistryTreeNode | undefined): Promise<RegistryTreeNode[]> {
    const engine = await getEngine();
    if (!node) {
      this.configWatch ??= this.watchConfig();
      return engine.listRegistries().then(registryNodes, (err: unknown) => [loginsFailure(err)]);
    }
    if (node.kind === 'registry') {
      return engine.registryCatalog(node.registry, { limit: LISTING_LIMIT + 1, insecure: isInsecureRegistry(node.registry) }).then((names) => repositoryNodes(node, names), (err: unknown) => [listingFailure(node, err)]);
    }
    if (node.kind === 'repository') {
      return engine.registryTags(referenceOf(node), { limit: LISTING_LIMIT + 1, insecure: isInsecureRegistry(node.registry) }).then((tags) => tagNodes(node, tags), (err: unknown) => [listingFailure(node, err)]);
    }
    return [];
  }

  getTreeItem(node: RegistryTreeNode): vscode.TreeItem {
    const collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    const none = vscode.TreeItemCollapsibleState.None;
    let item: vscode.TreeItem;
    switch (node.kind) {
      case 'registry':
        item = new vscode.TreeItem(node.registry, collapsed);
        item.iconPath = new vscode.ThemeIcon('server');
        item.contextValue = 'registry';
        item.tooltip = `Logged in to ${node.registry}`;
        break;
      case 'repository':
        item = new vscode.TreeItem(node.repository, collapsed);
        item.iconPath = new vscode.ThemeIcon('repo');
        item.contextValue = 'registryRepository';
        item.tooltip = referenceOf(node);
        break;
      case 'registryTag': {
        const reference = referenceOf(node);
        const local = (this.model.images ?? []).some((image) => image.repoTags.includes(reference));
        item = new vscode.TreeItem(node.tag, none);
        item.iconPath = new vscode.ThemeIcon('tag');
        item.contextValue = 'registryTag';
        item.description = local ? 'pulled' : undefined;
        item.tooltip = local ? `${reference} — in the local store` : reference;
        break;
      }
      case 'registryMessage':
        item = new vscode.TreeItem(node.text, none);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = 'registryMessage';
        item.tooltip = node.tooltip;
        item.command = node.command;
        break;
    }
    item.id = keyOf(node);
    return item;
  }

  /** Refreshes when the Docker config file changes (a login or logout elsewhere). */
  private async watchConfig(): Promise<void> {
    const file = await (await getEngine()).registryCredentialsFile();
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    this.subscriptions.push(watcher, watcher.onDidChange(() => this.refresh()), watcher.onDidCreate(() => this.refresh()), watcher.onDidDelete(() => this.refresh()));
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
