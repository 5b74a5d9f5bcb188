/**
 * Log In and Log Out. Logging in asks for the registry, the user and the password (a
 * password box), and the runtime checks them with the registry before anything is stored
 * in the Docker config file — a wrong password is said at once, not at the next push.
 *
 * `withLogIn` is how pull and push offer a login when the registry wants one, then try again.
 */
import * as vscode from 'vscode';
import { getEngine } from '../../engine-access';
import { isInsecureRegistry } from '../../registry-settings';
import type { RegistryNode } from '../../views/registry-nodes';
import type { CommandContext } from '../context';
import { registerCommand, withProgress } from '../register';

/** What Log In may be given: the registry to prefill (a message node's action), or everything (a test, another extension). */
export interface LogInRequest {
  registry?: string;
  username?: string;
  password?: string;
}

export function registerLoginCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    registerCommand('berth.registries.logIn', 'Log in', (request?: unknown) => logIn(ctx, toRequest(request))),
    registerCommand('berth.registries.logOut', 'Log out', async (arg?: unknown) => {
      const registry = isRegistryNode(arg) ? arg.registry : typeof arg === 'string' ? arg : await pickRegistry();
      const removed = await (await getEngine()).logout(registry);
      ctx.registriesView.refresh();
      vscode.window.setStatusBarMessage(removed ? `Logged out of ${registry}` : `Not logged in to ${registry}`, 5000);
    }),
  ];
}

/** Asks for what the request lacks, checks the login with the registry, stores it; returns the registry's name. */
export async function logIn(ctx: Pick<CommandContext, 'registriesView'>, request: LogInRequest = {}): Promise<string> {
  const server = request.registry ?? (await ask({
    title: 'Log In to a Registry',
    prompt: 'Registry (host[:port])',
    placeHolder: 'docker.io, ghcr.io, registry.example.com:5000',
    validateInput: validRegistry,
  }));
  const username = request.username ?? (await ask({ title: `Log In to ${server}`, prompt: 'User name' }));
  const password = request.password ?? (await ask({ title: `Log In to ${server} as ${username}`, prompt: 'Password or access token', password: true }));
  const registry = await withProgress(`Logging in to ${server}`, async (signal) => (await getEngine()).login(server, { username, password }, { signal, insecure: isInsecureRegistry(hostOf(server)) }));
  ctx.registriesView.refresh();
  vscode.window.setStatusBarMessage(`Logged in to ${registry} as ${username}`, 5000);
  return registry;
}

/**
 * Runs a registry operation; when the registry answers that it wants a login (or refused
 * the one stored), says so with a Log In button, and after a login runs it once more.
 */
export async function withLogIn<T>(ctx: Pick<CommandContext, 'registriesView'>, registry: string, action: string, run: () => PromiseLike<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code !== 'unauthorized') throw err;
    const choice = await vscode.window.showErrorMessage(`${action}: ${(err as Error).message}`, 'Log In…');
    // Dismissed: the message was the report, so the command ends quietly.
    if (!choice) throw new vscode.CancellationError();
    await logIn(ctx, { registry });
    return run();
  }
}

function toRequest(arg: unknown): LogInRequest {
  if (typeof arg === 'string') return { registry: arg };
  if (typeof arg !== 'object' || arg === null) return {};
  const { registry, username, password } = arg as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return { registry: text(registry), username: text(username), password: text(password) };
}

function isRegistryNode(arg: unknown): arg is RegistryNode {
  return typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'registry';
}

async function pickRegistry(): Promise<string> {
  const registries = await (await getEngine()).listRegistries();
  if (registries.length === 0) throw new Error('You are not logged in to any registry.');
  const picked = await vscode.window.showQuickPick(registries, { placeHolder: 'Registry to log out of' });
  if (!picked) throw new vscode.CancellationError();
  return picked;
}

async function ask(options: vscode.InputBoxOptions): Promise<string> {
  const answer = await vscode.window.showInputBox({ ignoreFocusOut: true, ...options, validateInput: options.validateInput ?? ((v) => (v.trim() ? undefined : 'Required')) });
  if (answer === undefined) throw new vscode.CancellationError();
  return options.password ? answer : answer.trim();
}

/** `https://host:5000/v2/` -> `host:5000`. */
function hostOf(server: string): string {
  return server.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** A host[:port] (a URL such as `https://host/v1/` is accepted too, as docker login does). */
function validRegistry(value: string): string | undefined {
  const host = hostOf(value);
  return /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/.test(host) ? undefined : 'A registry host name, with :port where it is not the default (docker.io, localhost:5000)';
}
