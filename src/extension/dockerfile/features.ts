/** Every provider, created together on first need (index.ts loads this module lazily). */
import { DockerfileCodeActions } from './code-actions';
import { DockerfileCompletion } from './completion';
import { DockerfileDiagnostics } from './diagnostics';
import { explainRule } from './explain';
import { DockerfileFormatting } from './formatting';
import { DockerfileHover } from './hover';
import { DockerfileNavigation } from './navigation';
import { DockerfileOutline } from './outline';
import { DockerfileSemanticTokens } from './semantic-tokens';
import type * as vscode from 'vscode';

export function createFeatures(legend: vscode.SemanticTokensLegend, onImagesChanged: vscode.Event<void>) {
  const diagnostics = new DockerfileDiagnostics(onImagesChanged);
  return {
    diagnostics,
    codeActions: new DockerfileCodeActions(diagnostics),
    completion: new DockerfileCompletion(),
    formatting: new DockerfileFormatting(),
    hover: new DockerfileHover(),
    navigation: new DockerfileNavigation(),
    outline: new DockerfileOutline(),
    tokens: new DockerfileSemanticTokens(legend),
    explainRule,
  };
}

export type Features = ReturnType<typeof createFeatures>;
