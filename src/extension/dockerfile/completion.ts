/** Completion: the items of completion-items.ts, with local image names from the store. */
import * as vscode from 'vscode';
import { getEngine } from '../engine-access';
import { analyze, settings, toRange } from './analysis';
import { completionsAt, type ItemKind } from './completion-items';

const kinds: Record<ItemKind, vscode.CompletionItemKind> = {
  keyword: vscode.CompletionItemKind.Keyword,
  flag: vscode.CompletionItemKind.Property,
  variable: vscode.CompletionItemKind.Variable,
  stage: vscode.CompletionItemKind.Module,
  image: vscode.CompletionItemKind.Reference,
  directive: vscode.CompletionItemKind.Keyword,
};

/** Every `name:tag` in the local store. */
async function localImages(): Promise<string[]> {
  if (!settings().get<boolean>('runtimeChecks', true)) return [];
  const images = await (await getEngine()).listImages();
  return [...new Set(images.flatMap((i) => i.repoTags))].sort();
}

export class DockerfileCompletion implements vscode.CompletionItemProvider {
  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
    const { model, lines } = analyze(document);
    const items = await completionsAt(model, lines, position, localImages);
    return items.map((i) => {
      const item = new vscode.CompletionItem(i.label, kinds[i.kind]);
      if (i.snippet) item.insertText = new vscode.SnippetString(i.snippet);
      item.detail = i.detail;
      if (i.documentation) item.documentation = new vscode.MarkdownString(i.documentation);
      item.range = toRange(i.range);
      return item;
    });
  }
}
