/**
 * Messages between the layers panel (src/extension/layers/layers-panel.ts) and its
 * webview (webview/main.ts). Both sides import this file; neither trusts the other's
 * messages: each one is checked by the receiving side's parser below before use (a
 * webview can be scripted by whatever it renders, and a stale webview can outlive an
 * extension update).
 *
 * A request carries `id`; the reply to it carries the same `id`, so the webview can drop
 * the answer to a selection the user has already moved away from.
 */
import type { FileTree, ImageLayersReport, TreeMode } from '../../runtime/layers/layers';

export type ToHost =
  | { type: 'ready' }
  /** `layer`'s tree; with `base`, the filesystem at `layer` compared with the one at `base`. */
  | { type: 'tree'; id: number; layer: number; mode: TreeMode; base?: number }
  | { type: 'open'; layer: number; path: string }
  /** Open the Dockerfile line of report row `row`; the host takes the file from its own report. */
  | { type: 'openSource'; row: number };

export type ToWebview =
  | { type: 'report'; report: ImageLayersReport; title: string }
  /** A comparison of two images: no layers to pick from, one tree. */
  | { type: 'comparison'; title: string; tree: FileTree }
  | { type: 'tree'; id: number; tree: FileTree }
  | { type: 'error'; id?: number; message: string };

const MAX_PATH = 4096;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isIndex = (x: unknown, below: number): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < below;

/** A message from the webview, or undefined if it is not one the host accepts for an image of `layers` layers and `rows` report rows. */
export function parseToHost(message: unknown, layers: number, rows: number): ToHost | undefined {
  if (!isObject(message)) return undefined;
  switch (message.type) {
    case 'ready':
      return { type: 'ready' };
    case 'tree': {
      const { id, layer, mode, base } = message;
      if (!Number.isSafeInteger(id) || !isIndex(layer, layers) || (mode !== 'layer' && mode !== 'aggregated')) return undefined;
      if (base !== undefined && !isIndex(base, layers)) return undefined;
      return { type: 'tree', id: id as number, layer, mode, ...(base !== undefined && { base }) };
    }
    case 'open': {
      const { layer, path } = message;
      if (!isIndex(layer, layers) || typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH) return undefined;
      return { type: 'open', layer, path };
    }
    case 'openSource':
      return isIndex(message.row, rows) ? { type: 'openSource', row: message.row } : undefined;
    default:
      return undefined;
  }
}

function isTree(x: unknown): x is FileTree {
  if (!isObject(x)) return false;
  const n = Array.isArray(x.paths) ? x.paths.length : -1;
  const columns = [x.depths, x.ends, x.sizes, x.modes, x.uids, x.gids];
  return n >= 0 && columns.every((c) => Array.isArray(c) && c.length === n) && typeof x.types === 'string' && x.types.length === n && typeof x.changes === 'string' && x.changes.length === n && isObject(x.links) && isObject(x.counts);
}

function isReport(x: unknown): x is ImageLayersReport {
  return isObject(x) && typeof x.id === 'string' && Array.isArray(x.names) && Array.isArray(x.rows) && x.rows.every(isObject) && isObject(x.summary) && Array.isArray(x.summary.wasted);
}

/** A message from the host, or undefined if its shape is not one this webview knows. */
export function parseToWebview(message: unknown): ToWebview | undefined {
  if (!isObject(message)) return undefined;
  const { type } = message;
  if (type === 'report' && isReport(message.report) && typeof message.title === 'string') return message as ToWebview;
  if (type === 'comparison' && isTree(message.tree) && typeof message.title === 'string') return message as ToWebview;
  if (type === 'tree' && Number.isSafeInteger(message.id) && isTree(message.tree)) return message as ToWebview;
  if (type === 'error' && typeof message.message === 'string') return message as ToWebview;
  return undefined;
}
