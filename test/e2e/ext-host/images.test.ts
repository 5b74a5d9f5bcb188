/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { berth, busyboxRootfsTar, ensureBusybox, eventually, skipConfirmations } from './support';

function imageNames(): string[] {
  return berth('images', '--format', '{{.Repository}}:{{.Tag}}').split('\n');
}

describe('Image commands', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'berth-images-'));

  before(async () => {
    await vscode.extensions.getExtension('berth.berth')!.activate();
    await skipConfirmations();
    ensureBusybox();
  });

  it('tags an image', async () => {
    await vscode.commands.executeCommand('berth.images.tag', 'busybox:latest', 'tagged:one');
    assert.ok(imageNames().includes('tagged:one'));
  });

  it('inspects an image and shows its history as documents', async () => {
    await vscode.commands.executeCommand('berth.images.inspect', 'busybox:latest');
    assert.deepEqual(JSON.parse(vscode.window.activeTextEditor!.document.getText()).RepoTags.includes('busybox:latest'), true);
    await vscode.commands.executeCommand('berth.images.history', 'busybox:latest');
    assert.match(vscode.window.activeTextEditor!.document.getText(), /^History of busybox:latest/);
  });

  it('saves an image to a file and loads it back', async () => {
    const file = vscode.Uri.file(path.join(dir, 'tagged.tar'));
    await vscode.commands.executeCommand('berth.images.tag', 'busybox:latest', 'tagged:one');
    await vscode.commands.executeCommand('berth.images.save', 'tagged:one', file);
    berth('rmi', 'tagged:one');
    const loaded = await vscode.commands.executeCommand<string[]>('berth.images.load', file);
    assert.deepEqual(loaded, ['tagged:one']);
    assert.ok(imageNames().includes('tagged:one'));
  });

  it('imports a root filesystem tarball as an image', async () => {
    await vscode.commands.executeCommand('berth.images.import', vscode.Uri.file(busyboxRootfsTar()), 'imported:one');
    assert.ok(imageNames().includes('imported:one'));
  });

  it('runs an image detached', async () => {
    const id = await vscode.commands.executeCommand<string>('berth.images.run', 'busybox:latest', ['sleep', '30']);
    assert.match(id, /^[0-9a-f]{64}$/);
    berth('rm', '-f', id);
  });

  it('runs an image interactively in a terminal after asking', async () => {
    const running = vscode.commands.executeCommand('berth.images.runInteractive', 'busybox:latest');
    // Three questions: command, environment, network — each accepted with its default.
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    await running;
    await eventually(() => vscode.window.terminals.some((t) => t.name === 'Run: busybox:latest'), 'the run terminal');
    for (const t of vscode.window.terminals) t.dispose();
  });

  it('removes several selected images', async () => {
    const node = (tag: string) => ({ kind: 'image', tag, image: { id: '', repoTags: [tag], size: 0 } });
    const nodes = [node('tagged:one'), node('imported:one')];
    await vscode.commands.executeCommand('berth.images.remove', nodes[0], nodes);
    assert.ok(!imageNames().includes('tagged:one'));
    assert.ok(!imageNames().includes('imported:one'));
  });

  it('prunes dangling images after asking which', async () => {
    const pruning = vscode.commands.executeCommand('berth.images.prune');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await pruning;
    assert.ok(imageNames().includes('busybox:latest'));
  });

  it('toggles dangling images in the view', async () => {
    const settings = () => vscode.workspace.getConfiguration('berth.images');
    const before = settings().get<boolean>('showDangling');
    await vscode.commands.executeCommand('berth.images.toggleDangling');
    assert.equal(settings().get<boolean>('showDangling'), !before);
    await vscode.commands.executeCommand('berth.images.toggleDangling');
  });

  it('shows runtime info', async () => {
    await vscode.commands.executeCommand('berth.runtime.info');
    assert.ok('storeRoot' in JSON.parse(vscode.window.activeTextEditor!.document.getText()));
  });
});
