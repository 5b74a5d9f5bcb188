/**
 * The one Engine of this extension host, opened on first need. Every feature (views,
 * commands, the Dockerfile language features, registries) asks here, so the runtime is
 * loaded lazily — activation stays cheap — and the store comes from one setting.
 */
import * as vscode from 'vscode';
import type { Engine } from '../runtime/engine';

let opening: Promise<Engine> | undefined;

/** `berth.store.root` when set, else the runtime's default (BERTH_ROOT, then per user). */
function storeRoot(): string | undefined {
  const configured = vscode.workspace.getConfiguration('berth').get<string>('store.root')?.trim();
  return configured ? configured : undefined;
}

export function getEngine(): Promise<Engine> {
  opening ??= import('../runtime/engine')
    .then(({ Engine }) => Engine.open({ root: storeRoot() }))
    .catch((err: unknown) => {
      opening = undefined;
      throw err;
    });
  return opening;
}

/** Drops the open Engine (after `berth.store.root` changed); the next getEngine() reopens. */
export function resetEngine(): void {
  opening = undefined;
}
