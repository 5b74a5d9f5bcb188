/**
 * Build Image (editor and explorer context menus on a Dockerfile, the Images view, the
 * palette) and the `berth-build` task type. Building runs the workspace's files, so it
 * needs a trusted workspace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BuildResult } from '../../runtime/build/build';
import type { CommandContext } from '../commands/context';
import { revealImage } from '../commands/images/reveal';
import { registerCommand, requireTrust, withProgress } from '../commands/register';
import { buildPty, type BuildRequest } from './build-run';

const TASK_TYPE = 'berth-build';

interface BuildTaskDefinition extends vscode.TaskDefinition {
  dockerfile: string;
  context?: string;
  tag?: string;
  target?: string;
  buildArgs?: Record<string, string>;
}

export function registerBuild(ctx: CommandContext): vscode.Disposable[] {
  return [
    registerCommand('berth.images.build', 'Build image', async (arg?: unknown, tagArg?: unknown) => {
      requireTrust('Building an image');
      const dockerfile = arg instanceof vscode.Uri ? arg : await pickDockerfile();
      const tag = typeof tagArg === 'string' ? tagArg : await vscode.window.showInputBox({ title: 'Build image', prompt: 'name:tag for the image', value: `${defaultName(dockerfile)}:latest` });
      if (tag === undefined) throw new vscode.CancellationError();
      const request: BuildRequest = { dockerfile, context: vscode.Uri.file(path.dirname(dockerfile.fsPath)), tag: tag.trim() || undefined };
      const result = await withProgress(`Building ${request.tag ?? path.basename(dockerfile.fsPath)}`, (signal, report) =>
        new Promise<BuildResult>((resolve, reject) => {
          report('see the terminal for the log');
          const pty = buildPty(request, { asTask: false, signal, onResult: (built, err) => (built ? resolve(built) : reject(err)) });
          vscode.window.createTerminal({ name: `Build: ${request.tag ?? path.basename(dockerfile.fsPath)}`, pty, iconPath: new vscode.ThemeIcon('tools') }).show(true);
        }),
      );
      await revealImage(ctx, request.tag ?? result.id);
      void vscode.window.showInformationMessage(`Built ${result.names[0] ?? result.id}.`, 'Show Layers').then((choice) => choice && vscode.commands.executeCommand('berth.images.layers', result.id));
      return result;
    }),
    vscode.tasks.registerTaskProvider(TASK_TYPE, {
      provideTasks: async () => {
        if (!vscode.workspace.isTrusted) return [];
        const files = await vscode.workspace.findFiles('**/{Dockerfile,Containerfile,*.Dockerfile,Dockerfile.*}', '**/node_modules/**', 20);
        return files.map((file) => {
          const folder = vscode.workspace.getWorkspaceFolder(file);
          const definition: BuildTaskDefinition = { type: TASK_TYPE, dockerfile: vscode.workspace.asRelativePath(file, false), tag: `${defaultName(file)}:latest` };
          return buildTask(definition, folder ?? vscode.TaskScope.Workspace);
        });
      },
      resolveTask: (task) => buildTask(task.definition as BuildTaskDefinition, task.scope ?? vscode.TaskScope.Workspace),
    }),
  ];
}

function buildTask(definition: BuildTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope.Workspace | vscode.TaskScope.Global): vscode.Task {
  const execution = new vscode.CustomExecution(async () => {
    requireTrust('A berth-build task');
    const folder = typeof scope === 'object' ? scope.uri : vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) throw new Error('A berth-build task needs a workspace folder.');
    const dockerfile = vscode.Uri.joinPath(folder, definition.dockerfile);
    const context = definition.context ? vscode.Uri.joinPath(folder, definition.context) : vscode.Uri.file(path.dirname(dockerfile.fsPath));
    return buildPty({ dockerfile, context, tag: definition.tag, target: definition.target, buildArgs: definition.buildArgs }, { asTask: true });
  });
  const task = new vscode.Task(definition, scope, `build ${definition.tag ?? definition.dockerfile}`, 'berth', execution);
  task.group = vscode.TaskGroup.Build;
  return task;
}

async function pickDockerfile(): Promise<vscode.Uri> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && /(^|\.)(Dockerfile|Containerfile)(\..*)?$/i.test(path.basename(active.fsPath))) return active;
  const files = await vscode.workspace.findFiles('**/{Dockerfile,Containerfile,*.Dockerfile,Dockerfile.*}', '**/node_modules/**', 50);
  if (files.length === 1) return files[0];
  if (files.length === 0) throw new Error('There is no Dockerfile in this workspace.');
  const picked = await vscode.window.showQuickPick(files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), { placeHolder: 'Dockerfile to build' });
  if (!picked) throw new vscode.CancellationError();
  return picked.uri;
}

/** The image name a Dockerfile suggests: its folder's name, as a valid repository. */
function defaultName(dockerfile: vscode.Uri): string {
  return path.basename(path.dirname(dockerfile.fsPath)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'image';
}
