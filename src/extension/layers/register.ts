/**
 * Show Layers (`berth.images.layers`: the Images view, the palette, a build's completion
 * message, a FROM line's hover — with an image reference as the argument), Compare Image
 * Layers (`berth.images.compareLayers`), and the read-only documents of layer files.
 */
import * as vscode from 'vscode';
import type { ImageLayers } from '../../runtime/layers/image-layers';
import type { CommandContext } from '../commands/context';
import { registerCommand, withProgress } from '../commands/register';
import { targetImage } from '../commands/targets';
import { getEngine } from '../engine-access';
import { LAYER_SCHEME, LayersPanel } from './layers-panel';

/** Replays kept for opening files; an image id never changes content, so entries never go stale. */
const recent = new Map<string, Promise<ImageLayers>>();
const RECENT_MAX = 4;

function imageLayers(ref: string): Promise<ImageLayers> {
  let layers = recent.get(ref);
  if (!layers) {
    layers = getEngine().then((engine) => engine.imageLayers(ref));
    layers.catch(() => recent.delete(ref));
    recent.set(ref, layers);
    if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
  }
  return layers;
}

export function registerLayers(ctx: CommandContext): vscode.Disposable[] {
  const extensionUri = ctx.extension.extensionUri;
  return [
    registerCommand('berth.images.layers', 'Show layers', async (arg?: unknown) => {
      const { ref, image } = await targetImage(ctx.model, arg, { placeHolder: 'Image whose layers to show' });
      const layers = await withProgress(`Reading the layers of ${ref}`, () => imageLayers(image.id));
      LayersPanel.show(extensionUri, image.id, `Layers: ${ref.startsWith('sha256:') ? ref.slice(7, 19) : ref}`, { layers });
    }),
    registerCommand('berth.images.compareLayers', 'Compare image layers', async (first?: unknown, second?: unknown) => {
      const a = await targetImage(ctx.model, first, { placeHolder: 'Image to compare from' });
      const b = await targetImage(ctx.model, second, { placeHolder: `Image to compare ${a.ref} with` });
      const [from, to] = await withProgress(`Comparing ${a.ref} with ${b.ref}`, () => Promise.all([imageLayers(a.image.id), imageLayers(b.image.id)]));
      const title = `Layers: ${a.ref} ↔ ${b.ref}`;
      LayersPanel.show(extensionUri, `${a.image.id}..${b.image.id}`, title, { comparison: { type: 'comparison', title, tree: from.compare(to) } });
    }),
    vscode.workspace.registerTextDocumentContentProvider(LAYER_SCHEME, {
      async provideTextDocumentContent(uri) {
        const file = await (await imageLayers(uri.query)).readFile(Number(uri.fragment), uri.path.slice(1));
        return file.text ?? `(binary, ${file.size} bytes)`;
      },
    }),
  ];
}
