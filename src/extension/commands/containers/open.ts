/** Commands that open something about one container: logs, shell, stats, inspect, files, and the copy actions. */
import * as vscode from 'vscode';
import { getEngine } from '../../engine-access';
import { documentUri, showBerthDocument } from '../../documents/berth-documents';
import { openLogsTerminal } from '../../terminals/logs-terminal';
import { openProcessTerminal } from '../../terminals/process-terminal';
import { openStatsTerminal } from '../../terminals/stats-terminal';
import type { CommandContext } from '../context';
import { registerCommand } from '../register';
import { hasStatus, targetContainer } from '../targets';
import { runCommandLine } from './run-command';

/** bash where the image has it, else sh: busybox and distroless-ish images have no bash. */
const AUTO_SHELL = ['/bin/sh', '-c', 'if [ -x /bin/bash ]; then exec /bin/bash; else exec /bin/sh; fi'];

export function registerOpenCommands(ctx: CommandContext): vscode.Disposable[] {
  const pick = (arg: unknown, placeHolder: string, accept?: Parameters<typeof hasStatus>) =>
    targetContainer(ctx.model, arg, { placeHolder, accept: accept ? hasStatus(...accept) : undefined });
  return [
    registerCommand('berth.containers.logs', 'Show logs', async (arg?: unknown) => {
      openLogsTerminal(ctx.model, await pick(arg, 'Container whose log to show'));
    }),
    registerCommand('berth.containers.shell', 'Open shell', async (arg?: unknown) => {
      const c = await pick(arg, 'Container to open a shell in', ['running']);
      const configured = vscode.workspace.getConfiguration('berth.shell').get<string>('default', '').trim();
      const cmd = configured ? [configured] : AUTO_SHELL;
      const engine = await getEngine();
      openProcessTerminal(`Shell: ${c.name}`, 'terminal', (streams) =>
        engine.exec(c.id, { cmd, tty: true, openStdin: true, env: ['TERM=xterm-256color'] }, streams),
      );
    }),
    registerCommand('berth.containers.stats', 'Show stats', async (arg?: unknown) => {
      openStatsTerminal(await pick(arg, 'Container whose resource use to show', ['running', 'paused']));
    }),
    registerCommand('berth.containers.inspect', 'Inspect container', async (arg?: unknown) => {
      const c = await pick(arg, 'Container to inspect');
      await showBerthDocument(documentUri('container', c.id, c.name));
    }),
    registerCommand('berth.containers.copyId', 'Copy container id', async (arg?: unknown) => {
      const c = await pick(arg, 'Container whose id to copy');
      await vscode.env.clipboard.writeText(c.id);
      vscode.window.setStatusBarMessage(`Copied the id of ${c.name}`, 3000);
    }),
    registerCommand('berth.containers.copyRunCommand', 'Copy run command', async (arg?: unknown) => {
      const c = await pick(arg, 'Container whose berth run command to copy');
      const engine = await getEngine();
      const { config } = await engine.containers.states.resolve(c.id);
      const image = (await engine.inspectImage(config.imageId).catch(() => ({}))) as { Config?: Record<string, never> };
      const line = runCommandLine(config, image.Config ?? {});
      await vscode.env.clipboard.writeText(line);
      vscode.window.setStatusBarMessage(`Copied: ${line}`, 5000);
      return line;
    }),
    registerCommand('berth.containers.browseFiles', 'Browse files', async (arg?: unknown) => {
      const c = await pick(arg, 'Container whose files to browse');
      const node = ctx.containersView.find(c.id);
      if (!node) throw new Error(`${c.name} is not in the Containers view.`);
      await vscode.commands.executeCommand('berth.containers.focus');
      const [files] = await ctx.containersView.getChildren(node);
      await ctx.containersTree.reveal(files, { expand: true, focus: true, select: true });
    }),
  ];
}
