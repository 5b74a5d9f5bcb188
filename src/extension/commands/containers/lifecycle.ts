/**
 * start, stop, restart, pause, unpause, kill and remove: each acts on the selected
 * containers (several at once from a multi-selection), or on those picked from the ones
 * in a state it applies to. The views follow from the runtime's events, not from here.
 */
import * as vscode from 'vscode';
import type { ContainerSummary } from '../../../runtime/container/container';
import type { Engine } from '../../../runtime/engine';
import { getEngine } from '../../engine-access';
import type { CommandContext } from '../context';
import { registerCommand, withProgress } from '../register';
import { hasStatus, targetContainers } from '../targets';

interface Verb {
  id: string;
  title: string;
  accept: (c: ContainerSummary) => boolean;
  run: (engine: Engine, c: ContainerSummary, signal: AbortSignal) => Promise<unknown>;
}

const verbs: Verb[] = [
  { id: 'start', title: 'Start', accept: hasStatus('created', 'exited'), run: (e, c) => e.startContainer(c.id) },
  { id: 'stop', title: 'Stop', accept: hasStatus('running', 'paused'), run: (e, c) => e.stopContainer(c.id) },
  { id: 'restart', title: 'Restart', accept: hasStatus('running', 'paused', 'exited', 'created'), run: (e, c) => e.restartContainer(c.id) },
  { id: 'pause', title: 'Pause', accept: hasStatus('running'), run: (e, c) => e.pauseContainer(c.id) },
  { id: 'unpause', title: 'Unpause', accept: hasStatus('paused'), run: (e, c) => e.unpauseContainer(c.id) },
  { id: 'kill', title: 'Kill', accept: hasStatus('running', 'paused'), run: (e, c) => e.killContainer(c.id) },
];

export function registerLifecycleCommands(ctx: CommandContext): vscode.Disposable[] {
  const commands = verbs.map((verb) =>
    registerCommand(`berth.containers.${verb.id}`, `${verb.title} container`, async (arg?: unknown, selection?: unknown) => {
      const targets = await targetContainers(ctx.model, arg, selection, { accept: verb.accept, many: true, placeHolder: `Containers to ${verb.title.toLowerCase()}` });
      await runEach(verb.title, targets, verb.run);
    }),
  );
  commands.push(
    registerCommand('berth.containers.remove', 'Remove container', async (arg?: unknown, selection?: unknown) => {
      const targets = await targetContainers(ctx.model, arg, selection, { many: true, placeHolder: 'Containers to remove' });
      const live = targets.filter(hasStatus('running', 'paused'));
      const names = targets.map((c) => c.name).join(', ');
      const question = live.length ? `Remove ${names}? ${live.length} running — they will be killed.` : `Remove ${names}?`;
      if (!(await confirm(question, 'Remove'))) return;
      await runEach('Remove', targets, (e, c) => e.removeContainer(c.id, { force: true }));
    }),
    registerCommand('berth.containers.prune', 'Prune containers', async () => {
      if (!(await confirm('Remove every stopped container?', 'Prune'))) return;
      const { deleted } = await withProgress('Pruning containers', async () => (await getEngine()).pruneContainers());
      void vscode.window.showInformationMessage(`Removed ${deleted.length} stopped container${deleted.length === 1 ? '' : 's'}.`);
    }),
  );
  return commands;
}

/** Runs the verb on each; one failure does not stop the rest, and all failures are reported together. */
async function runEach(title: string, targets: ContainerSummary[], run: Verb['run']): Promise<void> {
  if (targets.length === 0) return;
  const engine = await getEngine();
  const failures: string[] = [];
  const errors: unknown[] = [];
  await withProgress(`${title} ${targets.map((c) => c.name).join(', ')}`, async (signal) => {
    await Promise.all(
      targets.map((c) =>
        run(engine, c, signal).catch((err: unknown) => {
          failures.push(c.name);
          errors.push(err);
        }),
      ),
    );
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${title} failed for ${failures.join(', ')}: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
}

export async function confirm(question: string, action: string): Promise<boolean> {
  // A test (or a keyboard-driven user) can skip the dialog: it is the one thing that
  // would block an automated run.
  if (vscode.workspace.getConfiguration('berth').get<boolean>('confirmDestructiveActions', true) === false) return true;
  return (await vscode.window.showWarningMessage(question, { modal: true }, action)) === action;
}
