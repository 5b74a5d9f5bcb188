/** What command modules are given: the shared model and views, and the extension context. */
import type * as vscode from 'vscode';
import type { ContainersView } from '../views/containers-view';
import type { ImagesView } from '../views/images-view';
import type { RegistriesView } from '../views/registries-view';
import type { RuntimeModel } from '../views/runtime-model';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  model: RuntimeModel;
  containersView: ContainersView;
  containersTree: vscode.TreeView<unknown>;
  imagesView: ImagesView;
  imagesTree: vscode.TreeView<unknown>;
  registriesView: RegistriesView;
}
