/// <reference types="mocha" />
// Registries in the real extension host, against Debian's docker-registry with htpasswd
// auth on 127.0.0.1: Log In (the registry checks the password), Push (as named, and
// through the pick that tags for a logged-in registry), the Registries view's tree data,
// Pull from a tag node, the FROM quick fix, and Log Out. The server gives the extension
// host a DOCKER_CONFIG of its own (server.ts), so no real login is read or written.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type RunningRegistry, startRegistry } from '../../fixtures/registry';
import { berth, ensureBusybox, eventually, skipConfirmations } from './support';

interface Node {
  kind: string;
  registry?: string;
  repository?: string;
  tag?: string;
  text?: string;
}

function imageNames(): string[] {
  return berth('images', '--format', '{{.Repository}}:{{.Tag}}').split('\n');
}

function logins(): Record<string, unknown> {
  const file = path.join(process.env.DOCKER_CONFIG!, 'config.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')).auths ?? {};
  } catch {
    return {};
  }
}

/** Lets a quick pick open, then accepts its first item, as a user pressing Enter would. */
async function acceptFirstPick(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
}

describe('Registries', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let view: vscode.TreeDataProvider<Node>;
  const children = async (node?: Node) => ((await view.getChildren(node)) ?? []) as Node[];

  before(async () => {
    await vscode.extensions.getExtension('berth.berth')!.activate();
    view = vscode.extensions.getExtension('berth.berth')!.exports.registriesView;
    await skipConfirmations();
    ensureBusybox();
    registry = await startRegistry({ kind: 'htpasswd', users: { berth: 'secret' } });
  });

  after(async () => {
    await vscode.commands.executeCommand('berth.registries.logOut', registry.host);
    for (const name of imageNames().filter((n) => n.startsWith(registry.host))) berth('rmi', name);
    await registry.stop();
  });

  it('logs in only once the registry accepted the password', async () => {
    const refused = await vscode.commands.executeCommand('berth.registries.logIn', { registry: registry.host, username: 'berth', password: 'wrong' });
    assert.equal(refused, undefined);
    assert.deepEqual(logins(), {});
    const registryName = await vscode.commands.executeCommand('berth.registries.logIn', { registry: registry.host, username: 'berth', password: 'secret' });
    assert.equal(registryName, registry.host);
    assert.deepEqual(Object.keys(logins()), [registry.host]);
  });

  it('pushes an image under the name given, tagging it first', async () => {
    const target = `${registry.host}/ext/busybox:1`;
    const digest = await vscode.commands.executeCommand<string>('berth.images.push', 'busybox:latest', target);
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(imageNames().includes(target));
  });

  it('offers the same name in a logged-in registry for an image that names none', async () => {
    const pushing = vscode.commands.executeCommand<string>('berth.images.push', 'busybox:latest');
    await acceptFirstPick();
    assert.match(await pushing, /^sha256:/);
    assert.ok(imageNames().includes(`${registry.host}/busybox:latest`));
  });

  it('shows the registry, its repositories and their tags', async () => {
    await vscode.commands.executeCommand('berth.registries.refresh');
    const roots = await children();
    const root = roots.find((n) => n.registry === registry.host);
    assert.ok(root, JSON.stringify(roots));
    assert.equal((await view.getTreeItem(root)).contextValue, 'registry');
    const repositories = await children(root);
    assert.deepEqual(repositories.map((n) => n.repository), ['busybox', 'ext/busybox']);
    const tags = await children(repositories[1]);
    assert.deepEqual(tags.map((n) => n.tag), ['1']);
    const item = await view.getTreeItem(tags[0]);
    assert.equal(item.contextValue, 'registryTag');
    assert.equal(item.description, 'pulled');
  });

  it('pulls a tag from the view into the store', async () => {
    const reference = `${registry.host}/ext/busybox:1`;
    berth('rmi', reference);
    await vscode.commands.executeCommand('berth.registries.refresh');
    const root = (await children()).find((n) => n.registry === registry.host)!;
    const repository = (await children(root)).find((n) => n.repository === 'ext/busybox')!;
    const [tag] = await children(repository);
    await eventually(async () => (await view.getTreeItem(tag)).description === undefined, 'the tag to show it is not in the store');
    const pulled = await vscode.commands.executeCommand<{ name: string }>('berth.registries.pull', tag);
    assert.equal(pulled.name, reference);
    assert.ok(imageNames().includes(reference));
    await eventually(async () => (await view.getTreeItem(tag)).description === 'pulled', 'the tag to show it is pulled');
  });

  it('offers Pull as the quick fix for a FROM image the store lacks, and the diagnostic goes once it is pulled', async () => {
    const reference = `${registry.host}/ext/busybox:1`;
    berth('rmi', reference);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-registries-'));
    const file = path.join(dir, 'Dockerfile');
    writeFileSync(file, `FROM ${reference}\nRUN true\n`);
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    try {
      const notLocal = () => vscode.languages.getDiagnostics(document.uri).find((d) => (typeof d.code === 'object' ? d.code.value : d.code) === 'BaseImageNotLocal');
      await eventually(() => notLocal() !== undefined, 'the BaseImageNotLocal diagnostic', 15_000);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, notLocal()!.range);
      const pull = actions.find((a) => a.title === `Pull ${reference}`);
      assert.ok(pull?.command, actions.map((a) => a.title).join(', '));
      assert.equal(pull.isPreferred, true);
      await vscode.commands.executeCommand(pull.command.command, ...(pull.command.arguments ?? []));
      assert.ok(imageNames().includes(reference));
      await eventually(() => notLocal() === undefined, 'the diagnostic to go', 15_000);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs out from the view, and then a push asks for a login instead of failing', async () => {
    const root = (await children()).find((n) => n.registry === registry.host)!;
    await vscode.commands.executeCommand('berth.registries.logOut', root);
    assert.deepEqual(logins(), {});
    assert.equal((await children()).some((n) => n.registry === registry.host), false);
    const pushing = vscode.commands.executeCommand('berth.images.push', 'busybox:latest', `${registry.host}/ext/busybox:2`);
    // The error says the registry wants a login and offers Log In…; dismissing it ends the command quietly.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await vscode.commands.executeCommand('notifications.clearAll');
    assert.equal(await pushing, undefined);
    const answer = await fetch(`http://${registry.host}/v2/ext/busybox/tags/list`, { headers: { authorization: `Basic ${Buffer.from('berth:secret').toString('base64')}` } });
    assert.deepEqual(((await answer.json()) as { tags: string[] }).tags, ['1']);
  });
});

/** This machine's first non-loopback IPv4 address: a registry there is not spared TLS as a loopback one is. */
function outwardAddress(): string | undefined {
  return Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

describe('berth.registries.insecure', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  const setting = () => vscode.workspace.getConfiguration('berth');

  before(async function () {
    const address = outwardAddress();
    if (!address) this.skip();
    await vscode.extensions.getExtension('berth.berth')!.activate();
    ensureBusybox();
    registry = await startRegistry({ kind: 'none' }, { address });
  });

  after(async () => {
    await setting().update('registries.insecure', undefined, vscode.ConfigurationTarget.Global);
    for (const name of imageNames().filter((n) => registry && n.startsWith(registry.host))) berth('rmi', name);
    await registry?.stop();
  });

  it('reaches a plain-HTTP registry off this host only once the setting lists it', async () => {
    const target = `${registry.host}/plain/busybox:1`;
    const refused = await vscode.commands.executeCommand('berth.images.push', 'busybox:latest', target);
    assert.equal(refused, undefined, 'a push over plain HTTP to an unlisted registry must fail');
    await vscode.commands.executeCommand('notifications.clearAll');
    await setting().update('registries.insecure', [registry.host], vscode.ConfigurationTarget.Global);
    assert.match(await vscode.commands.executeCommand<string>('berth.images.push', 'busybox:latest', target), /^sha256:/);
    berth('rmi', target);
    const pulled = await vscode.commands.executeCommand<{ name: string }>('berth.images.pull', target);
    assert.equal(pulled.name, target);
  });
});
