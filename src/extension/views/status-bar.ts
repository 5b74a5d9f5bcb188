/** The running-containers count in the status bar; a click focuses the Containers view. */
import * as vscode from 'vscode';
import type { RuntimeModel } from './runtime-model';

export function createStatusBar(model: RuntimeModel): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('berth.running', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Berth: running containers';
  item.command = 'berth.containers.focus';
  const update = () => {
    const containers = model.containers ?? [];
    const running = containers.filter((c) => c.status === 'running').length;
    item.text = `$(vm-running) ${running}`;
    item.tooltip = `Berth: ${running} running, ${containers.length} in all — click to show the Containers view`;
    item.show();
  };
  const subscription = model.onDidChange((kind) => kind === 'containers' && update());
  return vscode.Disposable.from(item, subscription);
}
