/**
 * Registry credentials in the Docker config file (`$DOCKER_CONFIG/config.json`, default
 * `~/.docker/config.json`), so `docker login`, `podman login --authfile` and Berth share
 * them:
 *
 *   auths        { "<registry>": { "auth": base64("user:password") } }
 *   credHelpers  { "<registry>": "<name>" }  -> `docker-credential-<name>` for that registry
 *   credsStore   "<name>"                    -> the helper for every other registry
 *
 * Keys are matched by host (`https://host/v1/`, `http://host` and `host` are one
 * registry); Docker Hub's key is `https://index.docker.io/v1/`. The file is rewritten
 * atomically with mode 0600 and unknown fields are kept. A helper speaks the docker
 * protocol: `get`/`erase` read the server URL on stdin, `store` a JSON
 * {ServerURL, Username, Secret}.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthError, errnoCode, invalidArgument } from '../errors';
import { writeFileAtomic } from '../store/atomic';
import type { Credentials } from './auth';
import { DOCKER_HUB, DOCKER_HUB_CONFIG_KEY } from './registry';

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [other: string]: unknown;
}

/** `docker.io`, `https://index.docker.io/v1/`, `https://host:5000/v2/` -> the registry's name. */
export function registryName(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (host === '') throw invalidArgument(`'${server}' does not name a registry.`);
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

function configKey(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_CONFIG_KEY : registry;
}

export class CredentialStore {
  readonly file: string;

  constructor(
    configDir: string | undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.file = path.join(configDir ?? env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
  }

  /** The credentials for `registry`, or undefined (anonymous). */
  async get(registry: string): Promise<Credentials | undefined> {
    const config = await this.read();
    const helper = this.helperFor(config, registry);
    if (helper) {
      const out = await this.runHelper(helper, 'get', configKey(registry)).catch((err: unknown) => {
        if (err instanceof HelperNotFound) return undefined;
        throw err;
      });
      if (!out) return undefined;
      const doc = JSON.parse(out) as { Username?: string; Secret?: string };
      return doc.Username && doc.Secret ? { username: doc.Username, password: doc.Secret } : undefined;
    }
    const entry = Object.entries(config.auths ?? {}).find(([key]) => registryName(key) === registry)?.[1];
    if (!entry) return undefined;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw invalidArgument(`${this.file}: the auth entry for ${registry} is not base64 of 'user:password'. Run \`berth login ${registry}\` again.`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    return entry.username && entry.password ? { username: entry.username, password: entry.password } : undefined;
  }

  async store(registry: string, credentials: Credentials): Promise<void> {
    const config = await this.read();
    const helper = this.helperFor(config, registry);
    if (helper) {
      await this.runHelper(helper, 'store', JSON.stringify({ ServerURL: configKey(registry), Username: credentials.username, Secret: credentials.password }));
      return;
    }
    config.auths = Object.fromEntries(Object.entries(config.auths ?? {}).filter(([key]) => registryName(key) !== registry));
    config.auths[configKey(registry)] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
    await this.write(config);
  }

  /** Forgets the credentials; false when there were none. */
  async erase(registry: string): Promise<boolean> {
    const config = await this.read();
    const helper = this.helperFor(config, registry);
    if (helper) {
      try {
        await this.runHelper(helper, 'erase', configKey(registry));
        return true;
      } catch (err) {
        if (err instanceof HelperNotFound) return false;
        throw err;
      }
    }
    const keys = Object.keys(config.auths ?? {}).filter((key) => registryName(key) === registry);
    if (keys.length === 0) return false;
    for (const key of keys) delete config.auths![key];
    await this.write(config);
    return true;
  }

  /** Registries with credentials in the file (helpers' own lists are not enumerated). */
  async registries(): Promise<string[]> {
    const config = await this.read();
    return [...new Set([...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})].map(registryName))].sort();
  }

  private helperFor(config: ConfigFile, registry: string): string | undefined {
    const specific = Object.entries(config.credHelpers ?? {}).find(([key]) => registryName(key) === registry)?.[1];
    return specific || config.credsStore || undefined;
  }

  private async read(): Promise<ConfigFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return {};
      throw err;
    }
    try {
      const doc = JSON.parse(text) as unknown;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
      return doc as ConfigFile;
    } catch (err) {
      throw invalidArgument(`${this.file} is not a valid Docker config file (${(err as Error).message}). Fix or move it aside.`, err);
    }
  }

  private async write(config: ConfigFile): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  }

  private runHelper(name: string, verb: 'get' | 'store' | 'erase', input: string): Promise<string> {
    const program = `docker-credential-${name}`;
    return new Promise((resolve, reject) => {
      const child = spawn(program, [verb], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', (err) => reject(new BerthError('failed-precondition', `${this.file} names the credential helper '${name}', but ${program} could not be run (${err.message}). Install it or remove it from the file.`, { cause: err })));
      child.on('close', (code) => {
        if (code === 0) return resolve(stdout);
        // The docker helpers' wording for "nothing stored for this server".
        if (/credentials not found/i.test(stdout + stderr)) return reject(new HelperNotFound());
        reject(new BerthError('unavailable', `${program} ${verb} failed (exit ${code}): ${(stdout + stderr).trim().slice(0, 300)}`));
      });
      // A helper may exit without reading its input (`erase` of nothing, say): the EPIPE
      // that follows is not a failure, its exit status says how it went.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    });
  }
}

class HelperNotFound extends Error {}
