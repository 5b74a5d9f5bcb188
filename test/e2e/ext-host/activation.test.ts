/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'berth.berth';

describe('Berth extension', () => {
  it('is loaded in development mode', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not among ${vscode.extensions.all.length} extensions`);
  });

  it('activates', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('contributes the Containers, Images and Registries views to the Berth container', async () => {
    // Each view's focus command exists, and succeeds, only for a registered view.
    await vscode.commands.executeCommand('workbench.view.extension.berth');
    await vscode.commands.executeCommand('berth.containers.focus');
    await vscode.commands.executeCommand('berth.images.focus');
    await vscode.commands.executeCommand('berth.registries.focus');
  });

  // Registration only: running it would start the runtime engine, which has its own suites.
  it('registers the command berth.runtime.info', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('berth.runtime.info'), 'berth.runtime.info is not registered');
  });
});
