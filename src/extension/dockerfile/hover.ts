/** Hover: documentation, variable values, and what the local store knows of a FROM image (hover-content.ts). */
import * as vscode from 'vscode';
import { analyze, imagesPort, toRange } from './analysis';
import { hoverAt, SHOW_LAYERS_COMMAND } from './hover-content';

export class DockerfileHover implements vscode.HoverProvider {
  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const { model, lines } = analyze(document);
    const store = await imagesPort().catch(() => undefined);
    const content = await hoverAt(model, lines, position, store && ((ref) => store.image(ref)));
    if (!content) return undefined;
    const markdown = new vscode.MarkdownString(content.markdown);
    // Only the layers panel may be run from a hover link.
    markdown.isTrusted = { enabledCommands: [SHOW_LAYERS_COMMAND] };
    return new vscode.Hover(markdown, toRange(content.range));
  }
}
