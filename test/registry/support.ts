/**
 * What the registry suites share: Debian's `docker-registry` on 127.0.0.1
 * (../fixtures/registry.ts), a Docker config dir of their own, and a check that a failed
 * transfer left nothing behind in the store.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Engine } from '../../src/runtime/engine';
import { RegistryService } from '../../src/runtime/registry/service';
import type { RegistryOptions } from '../../src/runtime/registry/registry';

export { type RunningRegistry, startRegistry } from '../fixtures/registry';

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
