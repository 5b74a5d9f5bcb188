/**
 * The Dockerfile language in the editor. VS Code's built-in `docker` extension already
 * contributes the language id `dockerfile` (Dockerfile, Dockerfile.*, *.dockerfile,
 * Containerfile, Containerfile.*) and its TextMate grammar; Berth re-declares the same
 * id and patterns (so they hold where the built-in is disabled) and adds everything the
 * parser knows: diagnostics, hover, completion, quick fixes, outline, folding,
 * navigation, rename, semantic tokens and formatting.
 *
 * Registration is cheap: the providers, the parser and the linter are loaded on the first
 * request, or when a Dockerfile is open (diagnostics).
 */
import * as vscode from 'vscode';
import type { Features } from './features';
import { COMPLETION_TRIGGERS, EXPLAIN_COMMAND, tokenTypes } from './constants';

/** `onImagesChanged` fires when the image store changed: diagnostics that consult it run again. */
export function registerDockerfileLanguage(context: vscode.ExtensionContext, onImagesChanged: vscode.Event<void>): void {
  const legend = new vscode.SemanticTokensLegend([...tokenTypes], ['declaration']);
  let loading: Promise<Features> | undefined;
  const features = () =>
    (loading ??= import('./features').then(({ createFeatures }) => {
      const created = createFeatures(legend, onImagesChanged);
      context.subscriptions.push(created.diagnostics);
      return created;
    }));
  const selector: vscode.DocumentSelector = { language: 'dockerfile' };
  const isDockerfile = (d: vscode.TextDocument) => d.languageId === 'dockerfile';
  if (vscode.workspace.textDocuments.some(isDockerfile)) void features();
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((d) => isDockerfile(d) && void features()),
    vscode.commands.registerCommand(EXPLAIN_COMMAND, async (code?: string) => (await features()).explainRule(code)),
    vscode.languages.registerHoverProvider(selector, { provideHover: async (d, p) => (await features()).hover.provideHover(d, p) }),
    vscode.languages.registerCompletionItemProvider(selector, { provideCompletionItems: async (d, p) => (await features()).completion.provideCompletionItems(d, p) }, ...COMPLETION_TRIGGERS),
    vscode.languages.registerCodeActionsProvider(selector, { provideCodeActions: async (d, r, c) => (await features()).codeActions.provideCodeActions(d, r, c) }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.languages.registerDefinitionProvider(selector, { provideDefinition: async (d, p) => (await features()).navigation.provideDefinition(d, p) }),
    vscode.languages.registerDocumentHighlightProvider(selector, { provideDocumentHighlights: async (d, p) => (await features()).navigation.provideDocumentHighlights(d, p) }),
    vscode.languages.registerRenameProvider(selector, {
      prepareRename: async (d, p) => (await features()).navigation.prepareRename(d, p),
      provideRenameEdits: async (d, p, name) => (await features()).navigation.provideRenameEdits(d, p, name),
    }),
    vscode.languages.registerDocumentSymbolProvider(selector, { provideDocumentSymbols: async (d) => (await features()).outline.provideDocumentSymbols(d) }),
    vscode.languages.registerFoldingRangeProvider(selector, { provideFoldingRanges: async (d) => (await features()).outline.provideFoldingRanges(d) }),
    vscode.languages.registerDocumentSemanticTokensProvider(selector, { provideDocumentSemanticTokens: async (d) => (await features()).tokens.provideDocumentSemanticTokens(d) }, legend),
    vscode.languages.registerDocumentFormattingEditProvider(selector, { provideDocumentFormattingEdits: async (d, o) => (await features()).formatting.provideDocumentFormattingEdits(d, o) }),
  );
}
