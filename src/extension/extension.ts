import * as vscode from 'vscode';
import { disposeBuildDiagnostics } from './build/build-run';
import { registerBuild } from './build/build-commands';
import { BerthDocuments, DOCUMENT_SCHEME } from './documents/berth-documents';
import { registerDockerfileLanguage } from './dockerfile';
import { getEngine } from './engine-access';
import { registerLayers } from './layers/register';
import { registerCommands } from './commands/commands';
import { registerCommand } from './commands/register';
import { ContainerFileSystem } from './files/container-file-system';
import { CONTAINER_SCHEME } from './files/container-uri';
import { disposeOutput, output } from './output';
import { ContainersView } from './views/containers-view';
import { ImagesView } from './views/images-view';
import { RegistriesView } from './views/registries-view';
import { RuntimeModel } from './views/runtime-model';
import { createStatusBar } from './views/status-bar';

/** What `activate` returns (the extension's `exports`): the Registries view's tree data, for the extension-host tests to read what it shows. */
export interface BerthExports {
  registriesView: vscode.TreeDataProvider<unknown>;
}

// Activation stays cheap: nothing here touches the runtime; the model opens the engine
// once the views ask for their children (or a command needs it), after activate returns.
export function activate(context: vscode.ExtensionContext): BerthExports {
  const began = performance.now();
  const model = new RuntimeModel();
  const containersView = new ContainersView(model);
  const imagesView = new ImagesView(model);
  const containersTree = vscode.window.createTreeView('berth.containers', { treeDataProvider: containersView, canSelectMany: true, showCollapseAll: true });
  const imagesTree = vscode.window.createTreeView('berth.images', { treeDataProvider: imagesView, canSelectMany: true });
  const registriesView = new RegistriesView(model);
  const registriesTree = vscode.window.createTreeView('berth.registries', { treeDataProvider: registriesView, showCollapseAll: true });
  const commandContext = { extension: context, model, containersView, containersTree, imagesView, imagesTree, registriesView };
  const containerFs = new ContainerFileSystem();
  const documents = new BerthDocuments(model);
  context.subscriptions.push(
    model,
    containersView,
    imagesView,
    containersTree,
    imagesTree,
    registriesView,
    registriesTree,
    containerFs,
    documents,
    vscode.workspace.registerTextDocumentContentProvider(DOCUMENT_SCHEME, documents),
    vscode.workspace.registerFileSystemProvider(CONTAINER_SCHEME, containerFs, { isCaseSensitive: true }),
    createStatusBar(model),
    ...registerCommands(commandContext),
    ...registerBuild(commandContext),
    ...registerLayers(commandContext),
    registerCommand('berth.runtime.info', 'Show runtime info', async () => {
      const info = await (await getEngine()).info();
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(info, null, 2) });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
  );
  registerDockerfileLanguage(context, (listener, thisArgs, disposables) => model.onDidChange((kind) => kind === 'images' && listener.call(thisArgs), undefined, disposables));
  // The status bar counts running containers from the first moment, not only once a view is open.
  setTimeout(() => void model.start(), 0);
  output().info(`activated in ${(performance.now() - began).toFixed(1)} ms`);
  return { registriesView };
}

export function deactivate(): void {
  disposeBuildDiagnostics();
  disposeOutput();
}
