/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { berth, ensureBusybox, eventually } from './support';

describe('Build', function () {
  this.timeout(90_000);
  const folder = () => vscode.workspace.workspaceFolders![0].uri;

  before(async () => {
    await vscode.extensions.getExtension('berth.berth')!.activate();
    ensureBusybox();
  });

  it('builds the workspace Dockerfile into a tagged image', async () => {
    const result = await vscode.commands.executeCommand<{ id: string; names: string[] }>('berth.images.build', vscode.Uri.joinPath(folder(), 'Dockerfile'), 'built:one');
    assert.ok(result?.id.startsWith('sha256:'), 'no image id');
    assert.ok(berth('images', '--format', '{{.Repository}}:{{.Tag}}').split('\n').includes('built:one'));
  });

  it('turns a failing step into a diagnostic on its Dockerfile line', async () => {
    const bad = vscode.Uri.joinPath(folder(), 'bad', 'Dockerfile');
    await vscode.workspace.fs.writeFile(bad, new TextEncoder().encode('FROM busybox\nRUN echo before\nRUN exit 3\n'));
    await vscode.commands.executeCommand('berth.images.build', bad, 'bad:one');
    await eventually(() => vscode.languages.getDiagnostics(bad).length > 0, 'a build diagnostic');
    const [diagnostic] = vscode.languages.getDiagnostics(bad);
    assert.equal(diagnostic.range.start.line, 2);
    assert.equal(diagnostic.source, 'berth build');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), 'bad'), { recursive: true });
  });

  it('offers a berth-build task for each Dockerfile', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'berth-build' });
    assert.ok(tasks.some((t) => t.definition.dockerfile === 'Dockerfile'), `tasks: ${tasks.map((t) => t.name).join(', ')}`);
  });
});
