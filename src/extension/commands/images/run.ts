/**
 * Run an image: detached with the image's own command, or interactively in a terminal
 * after asking for the command, environment and network (prefilled from the image).
 * There is no port publishing: a container shares the host's network or has none, so
 * the network question is where ports are decided.
 */
import * as vscode from 'vscode';
import { getEngine } from '../../engine-access';
import { openProcessTerminal } from '../../terminals/process-terminal';
import { openLogsTerminal } from '../../terminals/logs-terminal';
import type { CommandContext } from '../context';
import { registerCommand } from '../register';
import { targetImage } from '../targets';

export function registerRunCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    registerCommand('berth.images.run', 'Run image', async (arg?: unknown, command?: unknown) => {
      const { ref } = await targetImage(ctx.model, arg, { placeHolder: 'Image to run' });
      const engine = await getEngine();
      let cmd = Array.isArray(command) ? command.map(String) : undefined;
      const config = await imageProcess(ref);
      // An image made by import has no command of its own: ask for one rather than fail.
      if (!cmd && !config.Cmd?.length && !config.Entrypoint?.length) cmd = splitWords(await ask(`Run ${ref}`, 'The image has no command: what should the container run?', 'sleep infinity'));
      const { id } = await engine.runContainer({ image: ref, cmd, detach: true });
      const name = (await engine.containers.states.resolve(id)).config.name;
      // Not awaited: the command is done when the container runs, not when the message is dismissed.
      void vscode.window.showInformationMessage(`Started ${name} from ${ref}.`, 'Show Logs').then((choice) => choice && openLogsTerminal(ctx.model, { id, name }));
      return id;
    }),
    registerCommand('berth.images.runInteractive', 'Run image interactively', async (arg?: unknown) => {
      const { ref } = await targetImage(ctx.model, arg, { placeHolder: 'Image to run interactively' });
      const engine = await getEngine();
      const config = await imageProcess(ref);
      const command = await ask('Command to run', 'Arguments as in a shell; empty: the image\'s own command', (config.Cmd ?? []).join(' ') || '/bin/sh');
      const env = await ask('Environment', 'KEY=value pairs, separated by spaces (on top of the image\'s)', '');
      const network = await vscode.window.showQuickPick(
        [
          { label: 'host', description: 'share the host\'s network: a server\'s ports are the host\'s ports' },
          { label: 'none', description: 'no network: loopback only' },
        ],
        { placeHolder: 'Network' },
      );
      if (!network) throw new vscode.CancellationError();
      const cmd = splitWords(command);
      return openProcessTerminal(`Run: ${ref}`, 'play', (streams) =>
        engine
          .runContainer({ image: ref, cmd: cmd.length ? cmd : undefined, env: splitWords(env), network: network.label as 'host' | 'none', tty: true, openStdin: true, autoRemove: true }, streams)
          .then((r) => r.exitCode),
      );
    }),
  ];
}

async function imageProcess(ref: string): Promise<{ Cmd?: string[]; Entrypoint?: string[] }> {
  return ((await (await getEngine()).inspectImage(ref)) as { Config?: { Cmd?: string[]; Entrypoint?: string[] } }).Config ?? {};
}

async function ask(title: string, prompt: string, value: string): Promise<string> {
  const answer = await vscode.window.showInputBox({ title, prompt, value });
  if (answer === undefined) throw new vscode.CancellationError();
  return answer;
}

/** Splits like a shell would, for quotes and backslashes only (no expansion). */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote) throw new Error(`Unterminated ${quote} in: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}
