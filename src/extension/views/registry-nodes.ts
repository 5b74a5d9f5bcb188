/**
 * The Registries view's elements, built from the runtime's answers: the registries the
 * user is logged in to, each one's repositories (its catalog), each repository's tags.
 * Where a registry will not list — no catalog (Docker Hub), a refused login, the network —
 * a message node says so in the tree and, when there is one, offers the way forward; a
 * listing is never an error popup, since expanding a node is not asking for an action.
 *
 * Plain data and no `vscode` import: commands get these nodes as their argument, and the
 * unit tests build trees without a workbench.
 */
import { familiarName } from '../../runtime/image/reference';

export interface RegistryNode {
  kind: 'registry';
  /** As in references: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
}

export interface RepositoryNode {
  kind: 'repository';
  registry: string;
  /** The path inside the registry: `library/busybox`, `team/app`. */
  repository: string;
}

export interface RegistryTagNode {
  kind: 'registryTag';
  registry: string;
  repository: string;
  tag: string;
}

/** A line that explains an empty or missing listing; `command` is what a click does. */
export interface RegistryMessageNode {
  kind: 'registryMessage';
  /** Unique in the tree: the parent's key and what the message is about. */
  key: string;
  text: string;
  tooltip?: string;
  icon: 'info' | 'warning' | 'lock';
  command?: { command: string; title: string; arguments: unknown[] };
}

export type RegistryTreeNode = RegistryNode | RepositoryNode | RegistryTagNode | RegistryMessageNode;

/** More than this many repositories or tags under one node are cut, with a message saying so. */
export const LISTING_LIMIT = 500;

const DOCKER_HUB = 'docker.io';

export function registryNodes(registries: readonly string[]): RegistryNode[] {
  return [...registries].sort().map((registry) => ({ kind: 'registry', registry }));
}

/** The repositories under a registry; the runtime was asked for LISTING_LIMIT + 1 to know when to say "more". */
export function repositoryNodes(parent: RegistryNode, repositories: readonly string[]): RegistryTreeNode[] {
  if (repositories.length === 0) {
    return [message(parent, 'empty', 'No repositories yet', 'info', `${parent.registry} lists no repositories. Push an image to it (Push… on an image) and it shows here.`)];
  }
  const nodes = sortNames(repositories).slice(0, LISTING_LIMIT).map((repository): RepositoryNode => ({ kind: 'repository', registry: parent.registry, repository }));
  return [...nodes, ...cut(parent, repositories.length, 'repositories')];
}

export function tagNodes(parent: RepositoryNode, tags: readonly string[]): RegistryTreeNode[] {
  if (tags.length === 0) return [message(parent, 'empty', 'No tags', 'info', `${referenceOf(parent)} has no tags left (all were deleted).`)];
  const nodes = sortNames(tags).slice(0, LISTING_LIMIT).map((tag): RegistryTagNode => ({ kind: 'registryTag', registry: parent.registry, repository: parent.repository, tag }));
  return [...nodes, ...cut(parent, tags.length, 'tags')];
}

/** Stands for the registries when the Docker config file cannot be read (it says which file and how to fix it). */
export function loginsFailure(err: unknown): RegistryMessageNode {
  const detail = err instanceof Error ? err.message : String(err);
  return { kind: 'registryMessage', key: 'roots#failed', text: `Could not read the logins: ${firstSentence(detail)}`, tooltip: detail, icon: 'warning' };
}

/** The message node for a listing that failed; the error's code says which. */
export function listingFailure(parent: RegistryNode | RepositoryNode, err: unknown): RegistryMessageNode {
  const code = (err as { code?: unknown } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  const registry = parent.registry;
  const logIn = { command: 'berth.registries.logIn', title: 'Log In', arguments: [{ registry }] };
  const pull = { command: 'berth.images.pull', title: 'Pull Image…', arguments: [] };
  if (parent.kind === 'registry' && code === 'not-found') {
    const text = registry === DOCKER_HUB ? 'Docker Hub does not list repositories' : 'This registry does not list its repositories';
    return message(parent, 'unlisted', `${text} — pull by name`, 'info', `${detail}\n\nPull an image by its name with Berth: Pull Image….`, pull);
  }
  if (parent.kind === 'repository' && code === 'not-found') {
    return message(parent, 'gone', 'The registry no longer has this repository', 'info', `${detail}\n\nRefresh the view.`);
  }
  if (code === 'unauthorized') {
    return message(parent, 'unauthorized', 'The registry refused the stored login — log in again', 'lock', `${detail}\n\nClick to log in to ${registry} again.`, logIn);
  }
  if (code === 'permission-denied') {
    const what = parent.kind === 'registry' ? 'its repositories' : 'the tags of this repository';
    return message(parent, 'denied', `This account may not list ${what}`, 'lock', `${detail}\n\nPull by name with Berth: Pull Image…, or log in with an account that may list.`, pull);
  }
  return message(parent, 'failed', `Could not list: ${firstSentence(detail)}`, 'warning', `${detail}\n\nRefresh the view to try again.`);
}

/** What a node stands for as an image reference, in the short form people type: `busybox:1.36`, `localhost:5000/app:1.0`. */
export function referenceOf(node: RepositoryNode | RegistryTagNode): string {
  const name = familiarName(`${node.registry}/${node.repository}`);
  return node.kind === 'registryTag' ? `${name}:${node.tag}` : name;
}

/** The key a node's tree item id and cached children go by. */
export function keyOf(node: RegistryTreeNode): string {
  switch (node.kind) {
    case 'registry':
      return `registry:${node.registry}`;
    case 'repository':
      return `repository:${node.registry}/${node.repository}`;
    case 'registryTag':
      return `tag:${node.registry}/${node.repository}:${node.tag}`;
    case 'registryMessage':
      return node.key;
  }
}

function message(parent: RegistryNode | RepositoryNode, what: string, text: string, icon: RegistryMessageNode['icon'], tooltip: string, command?: RegistryMessageNode['command']): RegistryMessageNode {
  return { kind: 'registryMessage', key: `${keyOf(parent)}#${what}`, text, tooltip, icon, ...(command && { command }) };
}

function cut(parent: RegistryNode | RepositoryNode, count: number, what: string): RegistryMessageNode[] {
  if (count <= LISTING_LIMIT) return [];
  return [message(parent, 'more', `Showing the first ${LISTING_LIMIT} ${what}`, 'info', `${parent.kind === 'registry' ? parent.registry : referenceOf(parent)} has more ${what} than the view shows. Pull any of them by name with Berth: Pull Image….`)];
}

/** Natural order (`1.9` before `1.10`), as people read versions and numbered names. */
function sortNames(names: readonly string[]): string[] {
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end > 0 ? text.slice(0, end) : text;
}
