/**
 * What the registry suites share: Debian's `docker-registry` (distribution 2.8) started
 * on 127.0.0.1 with a config written here — anonymous, htpasswd or token auth — and a
 * check that a failed transfer left nothing behind in the store.
 */
import * as assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from '../../src/runtime/engine';
import { RegistryService } from '../../src/runtime/registry/service';
import type { RegistryOptions } from '../../src/runtime/registry/registry';

export interface RunningRegistry {
  /** `127.0.0.1:PORT`, the registry part of references. */
  host: string;
  dir: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; certFile: string };

/** Starts docker-registry with filesystem storage in a temp dir; resolves once /v2/ answers. */
export async function startRegistry(auth: RegistryAuth = { kind: 'none' }): Promise<RunningRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const lines = ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`];
  if (auth.kind === 'htpasswd') {
    const file = path.join(dir, 'htpasswd');
    for (const [user, password] of Object.entries(auth.users)) {
      execFileSync('htpasswd', ['-B', '-b', ...(fs.existsSync(file) ? [] : ['-c']), file, user, password], { stdio: 'ignore' });
    }
    lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${file}`);
  } else if (auth.kind === 'token') {
    lines.push('auth:', '  token:', `    realm: ${auth.realm}`, `    service: ${auth.service}`, `    issuer: ${auth.issuer}`, `    rootcertbundle: ${auth.certFile}`);
  }
  fs.writeFileSync(path.join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  // docker-registry takes REGISTRY_* variables as config overrides (REGISTRY_AUTH_FILE, set
  // for podman, would become `auth.file`), so it gets none.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const up = await fetch(`http://${host}/v2/`).then(() => true, () => false);
    if (up) break;
    if (i > 100) throw new Error(`docker-registry did not start: ${stderr}`);
    await sleep(50);
  }
  return {
    host,
    dir,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Docker config dir of its own, so no test reads or writes the user's credentials. */
export function privateDockerConfig(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-docker-config-'));
  // podman and skopeo insist on the file existing when DOCKER_CONFIG is set, and without
  // XDG_RUNTIME_DIR (rootless here) look for /run/containers/<uid>/auth.json unless told.
  fs.writeFileSync(path.join(dir, 'config.json'), '{}\n');
  process.env.DOCKER_CONFIG = dir;
  process.env.REGISTRY_AUTH_FILE = path.join(dir, 'config.json');
  return dir;
}

/** A RegistryService over an engine's store, with fast retries for tests. */
export function registryService(engine: Engine, options: RegistryOptions = {}): RegistryService {
  return new RegistryService(engine.parts.images, { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 }, ...options });
}

/** Nothing of a failed transfer may remain: no temp blobs, no staged layers, no name, not the bad blob. */
export async function assertNothingLeft(engine: Engine, name: string, badBlob?: string): Promise<void> {
  const root = engine.paths.root;
  assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')).filter((f) => !f.startsWith('.')), [], 'temp ingests left in tmp/');
  assert.deepEqual(fs.readdirSync(path.join(root, 'layers')).filter((f) => f.startsWith('.tmp-')), [], 'staged layers left in layers/');
  const refs = await engine.parts.images.refs.read();
  assert.equal(Object.keys(refs.names).some((n) => n.includes(name)), false, `a name for ${name} was written`);
  if (badBlob) assert.equal(await engine.parts.images.content.has(badBlob as `sha256:${string}`), false, `blob ${badBlob} was stored`);
}
