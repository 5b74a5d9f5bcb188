/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { berth, eventually, runTicker, skipConfirmations } from './support';

function terminalNamed(name: string): vscode.Terminal | undefined {
  return vscode.window.terminals.find((t) => t.name === name);
}

describe('Container tools: logs, shell, stats, inspect, copy, files', function () {
  this.timeout(60_000);
  let name: string;
  let id: string;

  before(async () => {
    await vscode.extensions.getExtension('berth.berth')!.activate();
    await skipConfirmations();
    name = runTicker('tools');
    id = berth('inspect', '--format', '{{.Id}}', name);
  });

  after(() => {
    for (const t of vscode.window.terminals) t.dispose();
    berth('rm', '-f', name);
  });

  it('opens the log as a terminal', async () => {
    await vscode.commands.executeCommand('berth.containers.logs', name);
    await eventually(() => terminalNamed(`Logs: ${name}`) !== undefined, 'the logs terminal');
  });

  it('opens a shell whose commands run in the container', async () => {
    await vscode.commands.executeCommand('berth.containers.shell', name);
    await eventually(() => terminalNamed(`Shell: ${name}`) !== undefined, 'the shell terminal');
    terminalNamed(`Shell: ${name}`)!.sendText('echo "from the shell" > /tmp/shell.txt');
    await eventually(() => {
      try {
        return berth('exec', name, 'cat', '/tmp/shell.txt') === 'from the shell';
      } catch {
        return false;
      }
    }, 'the shell to write the file');
  });

  it('shows stats in a terminal', async () => {
    await vscode.commands.executeCommand('berth.containers.stats', name);
    await eventually(() => terminalNamed(`Stats: ${name}`) !== undefined, 'the stats terminal');
  });

  it('inspects the container as a read-only JSON document', async () => {
    await vscode.commands.executeCommand('berth.containers.inspect', name);
    const doc = vscode.window.activeTextEditor!.document;
    assert.equal(doc.uri.scheme, 'berth');
    assert.equal(doc.languageId, 'json');
    assert.equal(JSON.parse(doc.getText()).Id, id);
  });

  it('copies the id', async () => {
    await vscode.commands.executeCommand('berth.containers.copyId', name);
    assert.equal(await vscode.env.clipboard.readText(), id);
  });

  it('copies a berth run command that makes the same container', async () => {
    const line = await vscode.commands.executeCommand<string>('berth.containers.copyRunCommand', name);
    assert.equal(await vscode.env.clipboard.readText(), line);
    assert.match(line, new RegExp(`^berth run -d --name ${name} busybox sh -c 'trap`));
    berth('run', '-d', '--name', 'copied', 'busybox', 'true');
    berth('rm', '-f', 'copied');
  });

  it('reveals the Files node', async () => {
    await vscode.commands.executeCommand('berth.containers.browseFiles', name);
  });

  it('reads, writes, creates, renames and deletes files in a running container', async () => {
    const root = vscode.Uri.from({ scheme: 'berth-container', authority: id, path: '/' });
    const fileNode = (p: string, directory: boolean) => ({ kind: 'file', containerId: id, uri: vscode.Uri.joinPath(root, p), directory });
    assert.match(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'etc/passwd'))), /^root:/);
    await vscode.commands.executeCommand('berth.files.newFolder', fileNode('/tmp', true), 'work');
    await vscode.commands.executeCommand('berth.files.newFile', fileNode('/tmp/work', true), 'a.txt');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'tmp/work/a.txt'), new TextEncoder().encode('edited\n'));
    assert.equal(berth('exec', name, 'cat', '/tmp/work/a.txt'), 'edited');
    await vscode.commands.executeCommand('berth.files.rename', fileNode('/tmp/work/a.txt', false), 'b.txt');
    assert.equal(berth('exec', name, 'cat', '/tmp/work/b.txt'), 'edited');
    const download = vscode.Uri.file(`${process.env.TMPDIR ?? '/tmp'}/berth-download-${Date.now()}.txt`);
    await vscode.commands.executeCommand('berth.files.download', fileNode('/tmp/work/b.txt', false), download);
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(download)), 'edited\n');
    await vscode.commands.executeCommand('berth.files.upload', fileNode('/tmp/work', true), [download]);
    assert.equal(berth('exec', name, 'cat', `/tmp/work/${download.path.split('/').pop()}`), 'edited');
    await vscode.commands.executeCommand('berth.files.delete', fileNode('/tmp/work', true));
    assert.equal(berth('exec', name, 'sh', '-c', 'test -e /tmp/work && echo present || echo gone'), 'gone');
  });

  it('writes into a stopped container', async () => {
    berth('stop', '-t', '1', name);
    const uri = vscode.Uri.from({ scheme: 'berth-container', authority: id, path: '/tmp/stopped.txt' });
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('while stopped\n'));
    berth('start', name);
    assert.equal(berth('exec', name, 'cat', '/tmp/stopped.txt'), 'while stopped');
  });
});
