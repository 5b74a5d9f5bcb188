/**
 * `berth stats` for one container as a terminal, redrawn every second until the
 * container stops or the terminal closes. The one periodic read in the extension: the
 * numbers change without events by nature.
 */
import * as vscode from 'vscode';
import { getEngine } from '../engine-access';
import { bytes } from '../views/format';

const INTERVAL_MS = 1000;

export function openStatsTerminal(container: { id: string; name: string }): vscode.Terminal {
  const written = new vscode.EventEmitter<string>();
  let timer: NodeJS.Timeout | undefined;
  const sample = async () => {
    try {
      const s = await (await getEngine()).stats(container.id);
      const memory = `${bytes(s.memoryUsage)}${s.memoryLimit ? ` / ${bytes(s.memoryLimit)}` : ''}`;
      written.fire(`\x1b[H\x1b[2J\x1b[1m${s.name}\x1b[0m  (${s.source}, every ${INTERVAL_MS / 1000} s)\r\n\r\nCPU     ${s.cpuPercent.toFixed(2)} %\r\nMEMORY  ${memory}\r\nPIDS    ${s.pids}\r\n`);
      timer = setTimeout(() => void sample(), INTERVAL_MS);
    } catch (err) {
      written.fire(`\r\n\x1b[2m[${err instanceof Error ? err.message : String(err)}]\x1b[0m\r\n`);
    }
  };
  const pty: vscode.Pseudoterminal = {
    onDidWrite: written.event,
    open: () => void sample(),
    close: () => {
      clearTimeout(timer);
      written.dispose();
    },
  };
  const terminal = vscode.window.createTerminal({ name: `Stats: ${container.name}`, pty, iconPath: new vscode.ThemeIcon('pulse') });
  terminal.show();
  return terminal;
}
