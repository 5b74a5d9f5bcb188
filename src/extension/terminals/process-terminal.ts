/**
 * A process in a container — an `exec -it` shell, or a container run interactively — as
 * a VS Code terminal. The process gets a real pty from the runtime, so colours, line
 * editing and Ctrl-C (the pty turns ^C into SIGINT) work as in any terminal; VS Code's
 * size is passed on at open and on every resize.
 */
import { PassThrough, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import * as vscode from 'vscode';
import type { AttachStreams } from '../../runtime/container/ports';
import { reportError } from '../output';

/** Starts the process on these streams; resolves with its exit code. */
export type StartProcess = (streams: AttachStreams) => Promise<number | undefined>;

export function openProcessTerminal(name: string, icon: string, start: StartProcess): vscode.Terminal {
  const terminal = vscode.window.createTerminal({ name, pty: new ProcessPty(name, start), iconPath: new vscode.ThemeIcon(icon) });
  terminal.show();
  return terminal;
}

class ProcessPty implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.written.event;
  private readonly closed = new vscode.EventEmitter<number | void>();
  readonly onDidClose = this.closed.event;
  private readonly stdin = new PassThrough();
  private readonly aborter = new AbortController();
  private resize: ((rows: number, cols: number) => void) | undefined;

  constructor(private readonly name: string, private readonly start: StartProcess) {}

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    const decoder = new StringDecoder('utf8');
    const stdout = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.written.fire(decoder.write(chunk));
        done();
      },
    });
    this.start({
      stdin: this.stdin,
      stdout,
      stderr: stdout,
      tty: dimensions ? { rows: dimensions.rows, cols: dimensions.columns } : undefined,
      onResize: (resize) => (this.resize = resize),
      signal: this.aborter.signal,
    }).then(
      (code) => {
        this.written.fire(`\r\n\x1b[2m[${this.name}: exited${code === undefined ? '' : ` with code ${code}`}]\x1b[0m\r\n`);
        this.closed.fire(code ?? 0);
      },
      (err: unknown) => {
        this.written.fire(`\r\n\x1b[31m${err instanceof Error ? err.message : String(err)}\x1b[0m\r\n`);
        reportError(this.name, err);
      },
    );
  }

  handleInput(data: string): void {
    this.stdin.write(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.resize?.(dimensions.rows, dimensions.columns);
  }

  close(): void {
    this.stdin.end();
    this.aborter.abort();
  }
}
