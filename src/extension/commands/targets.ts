/**
 * What a command acts on. From a view, VS Code passes the clicked node and the selection
 * (several rows for multi-select); from a keybinding or a test, an id or reference
 * string; from the palette, nothing — then a quick pick asks, offering only the items the
 * command can act on.
 */
import * as vscode from 'vscode';
import type { ContainerStatus, ContainerSummary } from '../../runtime/container/container';
import type { ImageSummary } from '../../runtime/cli/engine-port';
import { shortId } from '../views/format';
import { imageRef, type ContainerNode, type ImageNode } from '../views/nodes';
import type { RuntimeModel } from '../views/runtime-model';

export interface PickOptions<S> {
  /** Only items in these states are offered (and accepted). */
  accept?: (item: S) => boolean;
  many?: boolean;
  placeHolder: string;
}

export async function targetContainers(model: RuntimeModel, arg: unknown, selection: unknown, options: PickOptions<ContainerSummary>): Promise<ContainerSummary[]> {
  await model.start();
  const all = model.containers ?? [];
  const accept = options.accept ?? (() => true);
  const fromView = selected<ContainerNode>(arg, selection, 'container').map((n) => n.container);
  if (fromView.length > 0) return fromView.filter(accept);
  if (typeof arg === 'string') {
    const matches = (c: ContainerSummary) => c.id === arg || c.name === arg || c.id.startsWith(arg);
    // Made a moment ago (by the CLI, say): its event may not have reached the model yet.
    if (!all.some(matches)) await model.refresh();
    const hit = (model.containers ?? []).find(matches);
    if (!hit) throw new Error(`There is no container ${arg}.`);
    return [hit];
  }
  const offered = all.filter(accept);
  if (offered.length === 0) throw new Error('There is no container this action applies to.');
  const items = offered.map((c) => ({ label: c.name, description: `${c.image} · ${c.statusText}`, detail: shortId(c.id), container: c }));
  return pick(items, options).then((picked) => picked.map((p) => p.container));
}

export async function targetContainer(model: RuntimeModel, arg: unknown, options: PickOptions<ContainerSummary>): Promise<ContainerSummary> {
  return (await targetContainers(model, arg, undefined, { ...options, many: false }))[0];
}

export interface ImageTarget {
  /** Tag or id, what the runtime is asked with. */
  ref: string;
  image: ImageSummary;
}

export async function targetImages(model: RuntimeModel, arg: unknown, selection: unknown, options: PickOptions<ImageSummary>): Promise<ImageTarget[]> {
  await model.start();
  const fromView = selected<ImageNode>(arg, selection, 'image').map((n) => ({ ref: imageRef(n), image: n.image }));
  if (fromView.length > 0) return fromView;
  if (typeof arg === 'string') {
    const matches = (i: ImageSummary) => i.id === arg || i.repoTags.includes(arg) || i.repoTags.includes(`${arg}:latest`);
    if (!(model.images ?? []).some(matches)) await model.refresh();
    const image = (model.images ?? []).find(matches);
    if (!image) throw new Error(`There is no image ${arg}.`);
    return [{ ref: arg, image }];
  }
  const items = (model.images ?? []).flatMap((image) =>
    (image.repoTags.length ? image.repoTags : [image.id]).map((ref) => ({ label: ref.startsWith('sha256:') ? `<none> ${shortId(ref)}` : ref, description: shortId(image.id), target: { ref, image } })),
  );
  if (items.length === 0) throw new Error('There is no image yet: load, import or build one first.');
  return pick(items, options).then((picked) => picked.map((p) => p.target));
}

export async function targetImage(model: RuntimeModel, arg: unknown, options: PickOptions<ImageSummary>): Promise<ImageTarget> {
  return (await targetImages(model, arg, undefined, { ...options, many: false }))[0];
}

export function hasStatus(...statuses: ContainerStatus[]): (c: ContainerSummary) => boolean {
  return (c) => statuses.includes(c.status);
}

function selected<N extends { kind: string }>(arg: unknown, selection: unknown, kind: N['kind']): N[] {
  const isNode = (x: unknown): x is N => typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === kind;
  if (Array.isArray(selection) && selection.some(isNode)) return selection.filter(isNode);
  return isNode(arg) ? [arg] : [];
}

async function pick<T extends vscode.QuickPickItem>(items: T[], options: { many?: boolean; placeHolder: string }): Promise<T[]> {
  if (options.many) {
    const picked = await vscode.window.showQuickPick(items, { placeHolder: options.placeHolder, canPickMany: true, matchOnDescription: true });
    if (!picked || picked.length === 0) throw new vscode.CancellationError();
    return picked;
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: options.placeHolder, matchOnDescription: true, matchOnDetail: true });
  if (!picked) throw new vscode.CancellationError();
  return [picked];
}
