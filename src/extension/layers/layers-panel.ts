/**
 * The layers panel's host side: one webview panel per image (or per pair of images
 * compared), fed from one ImageLayers the panel keeps, so moving between layers costs a
 * tree walk. The webview (webview/main.ts, bundled to dist/webview.js) runs under a CSP
 * that allows only that script (by nonce), the extension's own styles, and nothing
 * remote.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ImageLayers } from '../../runtime/layers/image-layers';
import type { LayerRow } from '../../runtime/layers/layers';
import { output, reportError } from '../output';
import { type ToWebview, parseToHost } from './protocol';

export const LAYER_SCHEME = 'berth-layer';

/** A file of a layer as a read-only document: berth-layer:/<path>?<image id>#<layer>. */
export function layerFileUri(imageId: string, layer: number, file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LAYER_SCHEME, path: `/${file}`, query: imageId, fragment: String(layer) });
}

/** Opens the Dockerfile a history entry came from, its instruction's line selected. */
async function openSource(source: LayerRow['source']): Promise<void> {
  if (!source) return;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(source.file));
  const line = Math.min(source.line, doc.lineCount) - 1;
  const selection = new vscode.Range(line, 0, line, doc.lineAt(line).text.length);
  await vscode.window.showTextDocument(doc, { selection, preview: true, viewColumn: vscode.ViewColumn.Beside });
}

export class LayersPanel implements vscode.Disposable {
  private static readonly open = new Map<string, LayersPanel>();
  private readonly panel: vscode.WebviewPanel;
  private readonly subscriptions: vscode.Disposable[] = [];

  /** Shows `layers` (an image) in its panel, reusing the one already open for it. */
  static show(extensionUri: vscode.Uri, key: string, title: string, content: { layers: ImageLayers } | { comparison: ToWebview & { type: 'comparison' } }): void {
    const existing = LayersPanel.open.get(key);
    if (existing) return existing.panel.reveal();
    LayersPanel.open.set(key, new LayersPanel(extensionUri, key, title, content));
  }

  private constructor(
    extensionUri: vscode.Uri,
    private readonly key: string,
    title: string,
    private readonly content: { layers: ImageLayers } | { comparison: ToWebview & { type: 'comparison' } },
  ) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel('berth.layers', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [dist],
    });
    this.panel.webview.html = this.html(dist);
    this.subscriptions.push(
      this.panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  private html(dist: vscode.Uri): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
    const css = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css'));
    // Lit (under @vscode-elements) styles its components with constructed style sheets,
    // which CSP does not govern; everything else is our one stylesheet and one script.
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src ${webview.cspSource}; font-src ${webview.cspSource}; img-src ${webview.cspSource}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>Layers</title>
</head>
<body>
<main id="app" aria-busy="true"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  private post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private async receive(raw: unknown): Promise<void> {
    const layers = 'layers' in this.content ? this.content.layers : undefined;
    const message = parseToHost(raw, layers?.layerCount ?? 0, layers?.report.rows.length ?? 0);
    if (!message) {
      output().warn(`layers panel: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (message.type === 'ready') {
      if (!layers) return this.post((this.content as { comparison: ToWebview }).comparison);
      return this.post({ type: 'report', report: layers.report, title: this.panel.title });
    }
    if (!layers) return;
    try {
      if (message.type === 'tree') {
        const tree = message.base === undefined ? layers.tree(message.layer, message.mode) : layers.compare(layers, message.base, message.layer);
        return this.post({ type: 'tree', id: message.id, tree });
      }
      if (message.type === 'openSource') return await openSource(layers.report.rows[message.row].source);
      const file = await layers.readFile(message.layer, message.path);
      if (file.text === undefined) {
        void vscode.window.showInformationMessage(`/${file.path} is binary or too big to show: ${file.size.toLocaleString()} bytes.`);
        return;
      }
      const doc = await vscode.workspace.openTextDocument(layerFileUri(layers.report.id, message.layer, message.path));
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    } catch (err) {
      if (message.type === 'tree') this.post({ type: 'error', id: message.id, message: err instanceof Error ? err.message : String(err) });
      else reportError(message.type === 'open' ? 'Open layer file' : 'Open Dockerfile line', err);
    }
  }

  dispose(): void {
    LayersPanel.open.delete(this.key);
    this.panel.dispose();
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}
