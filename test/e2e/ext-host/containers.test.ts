/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { berth, eventually, exists, runTicker, skipConfirmations, status } from './support';

describe('Container commands', function () {
  this.timeout(60_000);

  before(async () => {
    await vscode.extensions.getExtension('berth.berth')!.activate();
    await skipConfirmations();
  });

  it('stop, start, restart, pause, unpause and kill a container by name', async () => {
    const name = runTicker('lifecycle');
    await vscode.commands.executeCommand('berth.containers.stop', name);
    assert.equal(status(name), 'exited');
    await vscode.commands.executeCommand('berth.containers.start', name);
    assert.equal(status(name), 'running');
    await vscode.commands.executeCommand('berth.containers.restart', name);
    assert.equal(status(name), 'running');
    await vscode.commands.executeCommand('berth.containers.pause', name);
    assert.equal(status(name), 'paused');
    await vscode.commands.executeCommand('berth.containers.unpause', name);
    assert.equal(status(name), 'running');
    await vscode.commands.executeCommand('berth.containers.kill', name);
    await eventually(() => status(name) === 'exited', 'the killed container to exit');
  });

  it('removes several selected containers at once, running ones too', async () => {
    const names = [runTicker('multi-a'), runTicker('multi-b')];
    const nodes = names.map((name) => ({ kind: 'container', container: { id: berth('inspect', '--format', '{{.Id}}', name), name, status: 'running' } }));
    await vscode.commands.executeCommand('berth.containers.remove', nodes[0], nodes);
    for (const name of names) assert.equal(exists(name), false, `${name} still exists`);
  });

  it('prunes stopped containers and keeps running ones', async () => {
    const stopped = runTicker('prune-stopped');
    const running = runTicker('prune-running');
    berth('stop', '-t', '0', stopped);
    await vscode.commands.executeCommand('berth.containers.prune');
    assert.equal(exists(stopped), false);
    assert.equal(exists(running), true);
    berth('rm', '-f', running);
  });

  it('refreshes the views on demand', async () => {
    await vscode.commands.executeCommand('berth.containers.refresh');
    await vscode.commands.executeCommand('berth.images.refresh');
  });
});
