/**
 * A container's log as a terminal. It follows the log, and keeps following when the
 * container stops and starts again (the runtime's `container.start` event says when);
 * `t` toggles timestamps. Lines already shown are skipped by their timestamp when the log
 * is re-read after a restart (the monitor writes nanosecond RFC 3339 times, which order
 * as strings).
 */
import * as vscode from 'vscode';
import type { LogEntry } from '../../runtime/container/container';
import { getEngine } from '../engine-access';
import type { RuntimeModel } from '../views/runtime-model';

export function openLogsTerminal(model: RuntimeModel, container: { id: string; name: string }): vscode.Terminal {
  const terminal = vscode.window.createTerminal({ name: `Logs: ${container.name}`, pty: new LogsPty(model, container.id), iconPath: new vscode.ThemeIcon('output') });
  terminal.show();
  return terminal;
}

const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

class LogsPty implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.written.event;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;
  private readonly aborter = new AbortController();
  private timestamps = vscode.workspace.getConfiguration('berth.logs').get<boolean>('timestamps', false);
  private lastTime: string | undefined;
  /** Set by a start (or removal) event; the follow loop waits on it after the log ends. */
  private wake: ((event: 'start' | 'destroy') => void) | undefined;
  private pending: 'start' | 'destroy' | undefined;
  private readonly events: vscode.Disposable;

  constructor(model: RuntimeModel, private readonly id: string) {
    // Subscribed before the first read, so a start between the read's end and the wait is not missed.
    this.events = model.onDidReceiveEvent((event) => {
      if (event.id !== id) return;
      const kind = event.type === 'container.start' ? 'start' : event.type === 'container.destroy' ? 'destroy' : undefined;
      if (!kind) return;
      if (this.wake) this.wake(kind);
      else this.pending = kind;
    });
  }

  open(): void {
    this.written.fire(`${DIM}[following the log — t: timestamps on/off]${RESET}\r\n`);
    this.follow().catch((err: unknown) => {
      if (!this.aborter.signal.aborted) this.written.fire(`\r\n\x1b[31m${err instanceof Error ? err.message : String(err)}${RESET}\r\n`);
    });
  }

  private async follow(): Promise<void> {
    const engine = await getEngine();
    const tail = vscode.workspace.getConfiguration('berth.logs').get<number>('tail', 1000);
    for (;;) {
      this.pending = undefined;
      const since = this.lastTime ? new Date(this.lastTime.slice(0, 23) + 'Z') : undefined;
      const entries = engine.logs(this.id, { follow: true, tail: since || tail <= 0 ? undefined : tail, since, signal: this.aborter.signal });
      for await (const entry of entries) {
        if (this.lastTime && entry.time <= this.lastTime) continue;
        this.write(entry);
        this.lastTime = entry.time;
      }
      if (this.aborter.signal.aborted) return;
      const next = this.pending ?? (await new Promise<'start' | 'destroy'>((resolve) => (this.wake = resolve)));
      this.wake = undefined;
      if (next === 'destroy') {
        if (!this.aborter.signal.aborted) this.written.fire(`${DIM}[the container was removed]${RESET}\r\n`);
        return;
      }
    }
  }

  private write(entry: LogEntry): void {
    const text = entry.text.replace(/\r?\n/g, '\r\n');
    const time = this.timestamps ? `${DIM}${entry.time}${RESET} ` : '';
    this.written.fire(entry.stream === 'stderr' ? `${time}\x1b[33m${text}${RESET}` : `${time}${text}`);
  }

  handleInput(data: string): void {
    if (data === 't') {
      this.timestamps = !this.timestamps;
      this.written.fire(`${DIM}[timestamps ${this.timestamps ? 'on' : 'off'}]${RESET}\r\n`);
    }
  }

  close(): void {
    this.aborter.abort();
    this.events.dispose();
    this.wake?.('destroy');
  }
}
