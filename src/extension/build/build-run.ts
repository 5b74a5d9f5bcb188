/**
 * One build, as both the Build Image command and the `berth-build` task run it: the
 * builder's progress goes to a terminal (a Pseudoterminal, so no CLI is spawned), a
 * failure becomes a diagnostic on the Dockerfile line it names, and success clears them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BuildEvent, BuildResult } from '../../runtime/build/build';
import { getEngine } from '../engine-access';

export interface BuildRequest {
  dockerfile: vscode.Uri;
  context: vscode.Uri;
  tag?: string;
  target?: string;
  buildArgs?: Record<string, string>;
}

const diagnostics = vscode.languages.createDiagnosticCollection('berth-build');

export function disposeBuildDiagnostics(): void {
  diagnostics.dispose();
}

export async function runBuild(request: BuildRequest, write: (text: string) => void, signal: AbortSignal): Promise<BuildResult> {
  const engine = await getEngine();
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(request.dockerfile));
  const dockerfileName = path.basename(request.dockerfile.fsPath);
  diagnostics.delete(request.dockerfile);
  write(`\x1b[1mBuilding ${request.tag ?? 'an untagged image'} from ${vscode.workspace.asRelativePath(request.dockerfile)}\x1b[0m\r\n`);
  let failedLine: number | undefined;
  try {
    const result = await engine.buildImage({
      context: request.context.fsPath,
      dockerfile: text,
      dockerfileName,
      ...(request.dockerfile.scheme === 'file' && { dockerfilePath: request.dockerfile.fsPath }),
      tags: request.tag ? [request.tag] : undefined,
      target: request.target,
      buildArgs: request.buildArgs,
      signal,
      onEvent: (event) => {
        if (event.type === 'step.failed') failedLine = event.vertex.line;
        write(render(event));
      },
    });
    write(`\x1b[32mBuilt ${request.tag ?? result.id}\x1b[0m\r\n`);
    return result;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    write(`\x1b[31m${message}\x1b[0m\r\n`);
    // The builder names the place as `<file>:<line>:<column>:` in its message.
    const place = /:(\d+):(\d+): /.exec(message);
    const line = place ? Number(place[1]) : failedLine;
    if (line !== undefined && !signal.aborted) {
      const at = new vscode.Range(line - 1, place ? Number(place[2]) - 1 : 0, line - 1, Number.MAX_SAFE_INTEGER);
      const diagnostic = new vscode.Diagnostic(at, message.replace(/^.*?:\d+:\d+: (error: )?/, ''), vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'berth build';
      diagnostics.set(request.dockerfile, [diagnostic]);
    }
    throw err;
  }
}

function render(event: BuildEvent): string {
  switch (event.type) {
    case 'step.start':
      return `\x1b[1m#${event.vertex.id} ${event.vertex.name}\x1b[0m\r\n`;
    case 'step.cached':
      return `\x1b[1m#${event.vertex.id} ${event.vertex.name}\x1b[0m \x1b[36mCACHED\x1b[0m\r\n`;
    case 'step.log':
      return event.text.replace(/\r?\n/g, '\r\n');
    case 'step.done':
      return `\x1b[2m#${event.vertex.id} done in ${(event.elapsed / 1000).toFixed(1)} s\x1b[0m\r\n`;
    case 'step.failed':
      return `\x1b[31m#${event.vertex.id} ERROR: ${event.error}\x1b[0m\r\n`;
    case 'build.done':
      return '';
  }
}

/**
 * The build as a terminal. As a task's it closes with 0 or 1 like a process would (the
 * task system keeps the log); the command's stays open so the log can be read.
 */
export function buildPty(request: BuildRequest, options: { asTask: boolean; signal?: AbortSignal; onResult?: (result: BuildResult | undefined, err?: unknown) => void }): vscode.Pseudoterminal {
  const { signal, onResult = () => undefined } = options;
  const written = new vscode.EventEmitter<string>();
  const closed = new vscode.EventEmitter<number>();
  const aborter = new AbortController();
  signal?.addEventListener('abort', () => aborter.abort(signal.reason));
  return {
    onDidWrite: written.event,
    onDidClose: closed.event,
    open: () => {
      runBuild(request, (text) => written.fire(text), aborter.signal).then(
        (result) => {
          onResult(result);
          if (options.asTask) closed.fire(0);
        },
        (err: unknown) => {
          onResult(undefined, err);
          written.fire('\x1b[2m[build failed — see Problems]\x1b[0m\r\n');
          if (options.asTask) closed.fire(1);
        },
      );
    },
    close: () => aborter.abort(),
  };
}
