/**
 * One parse per document version, shared by every feature (hover, completion, symbols…),
 * plus the conversions between the parser's ranges and VS Code's — the same 0-based,
 * UTF-16 positions, so no arithmetic — and the lint port this editor can offer.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildModel, type DockerfileModel, type Range } from '../../runtime/build/dockerfile/dockerfile';
import type { LintPort, TextEdit } from '../../runtime/build/lint/lint';
import { directoryContext, storeImages } from '../../runtime/build/lint/node-port';
import { getEngine } from '../engine-access';

export interface Analysis {
  readonly model: DockerfileModel;
  readonly lines: readonly string[];
}

const cache = new WeakMap<vscode.TextDocument, { version: number; analysis: Analysis }>();

export function analyze(document: vscode.TextDocument): Analysis {
  const hit = cache.get(document);
  if (hit?.version === document.version) return hit.analysis;
  const text = document.getText();
  const analysis = { model: buildModel(text), lines: text.split(/\r?\n/) };
  cache.set(document, { version: document.version, analysis });
  return analysis;
}

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function toEdit(e: TextEdit): vscode.TextEdit {
  return new vscode.TextEdit(toRange(e.range), e.newText);
}

export function settings(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('berth.dockerfile');
}

/** The store's images, unless runtime checks are off; opening the engine happens here, on first need. */
export async function imagesPort(): Promise<LintPort['images']> {
  if (!settings().get<boolean>('runtimeChecks', true)) return undefined;
  const engine = await getEngine();
  return storeImages(engine);
}

/** The store and, for a file on disk, its folder as the build context. */
export async function lintPort(document: vscode.TextDocument): Promise<LintPort> {
  if (!settings().get<boolean>('runtimeChecks', true)) return {};
  const images = await imagesPort().catch(() => undefined);
  if (document.uri.scheme !== 'file') return { images };
  const file = document.uri.fsPath;
  return { images, context: directoryContext(path.dirname(file), file) };
}
