/** Every command of the views, registered in one place (ids `berth.<resource>.<verb>`). */
import * as vscode from 'vscode';
import type { CommandContext } from './context';
import { registerLifecycleCommands } from './containers/lifecycle';
import { registerOpenCommands } from './containers/open';
import { registerFileCommands } from './files';
import { registerImageCommands } from './images/manage';
import { registerPullCommand } from './images/pull';
import { registerPushCommand } from './images/push';
import { registerRunCommands } from './images/run';
import { registerRegistryViewCommands } from './registries/browse';
import { registerLoginCommands } from './registries/login';
import { registerCommand } from './register';

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    ...registerLifecycleCommands(ctx),
    ...registerOpenCommands(ctx),
    ...registerFileCommands(),
    ...registerImageCommands(ctx),
    ...registerRunCommands(ctx),
    registerPullCommand(ctx),
    registerPushCommand(ctx),
    ...registerLoginCommands(ctx),
    ...registerRegistryViewCommands(ctx),
    registerCommand('berth.containers.refresh', 'Refresh', () => ctx.model.refresh()),
    registerCommand('berth.images.refresh', 'Refresh', () => ctx.model.refresh()),
    registerCommand('berth.images.toggleDangling', 'Show or hide dangling images', async () => {
      const settings = vscode.workspace.getConfiguration('berth.images');
      await settings.update('showDangling', !settings.get<boolean>('showDangling', false), vscode.ConfigurationTarget.Global);
    }),
  ];
}
