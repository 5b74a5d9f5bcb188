/**
 * What the Registries view lists, against Debian's docker-registry: the catalog in pages
 * (distribution's Link headers), tags, the limit, an unknown repository; with htpasswd the
 * catalog needs a login, and gets one from the Docker config file. Also: a pull cancelled
 * half-way (the progress notification's Cancel) leaves nothing in the store.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MediaType } from '../../src/runtime/image/media-types';
import { RegistryClient } from '../../src/runtime/registry/client';
import { IMAGE, type TestStore, openTestStore } from '../runtime/support';
import { type RunningRegistry, assertNothingLeft, privateDockerConfig, startRegistry } from './support';

const dockerConfig = privateDockerConfig();
const REPOSITORIES = ['apps/api', 'apps/web', 'base', 'tools/lint', 'tools/test'];
const TAGS = ['1.0', '1.1', '2.0', 'latest'];

/** Pushes IMAGE once, then only its manifest under every other repository and tag (the blobs are mounted). */
async function populate(store: TestStore, host: string): Promise<void> {
  const first = `${host}/${REPOSITORIES[0]}:${TAGS[0]}`;
  await store.engine.tagImage(IMAGE, first);
  await store.engine.pushImage(first);
  const image = await store.engine.parts.images.resolve(first);
  const manifest = await store.engine.parts.images.content.readBlob(image.manifestDigest);
  for (const repository of REPOSITORIES.slice(1)) await store.engine.pushImage(first, { target: `${host}/${repository}:${TAGS[0]}` });
  const client = new RegistryClient(host);
  for (const tag of TAGS.slice(1)) await client.putManifest(REPOSITORIES[0], tag, manifest, image.manifest.mediaType ?? MediaType.dockerManifest, [`repository:${REPOSITORIES[0]}:pull,push`]);
}

describe('registry listings (docker-registry, anonymous)', () => {
  let registry: RunningRegistry;
  let store: TestStore;

  before(async () => {
    registry = await startRegistry();
    store = await openTestStore();
    await populate(store, registry.host);
  });

  after(async () => {
    await store?.dispose();
    await registry?.stop();
  });

  it('lists the catalog in pages of the size asked for, sorted as the registry keeps it', async () => {
    assert.deepEqual(await store.engine.registryCatalog(registry.host, { pageSize: 2 }), REPOSITORIES);
    assert.deepEqual(await store.engine.registryCatalog(registry.host), REPOSITORIES);
  });

  it('stops at the limit', async () => {
    assert.deepEqual(await store.engine.registryCatalog(registry.host, { pageSize: 2, limit: 3 }), REPOSITORIES.slice(0, 3));
  });

  it('lists the tags of a repository, with any page size', async () => {
    assert.deepEqual((await store.engine.registryTags(`${registry.host}/${REPOSITORIES[0]}`)).sort(), TAGS);
    assert.deepEqual((await store.engine.registryTags(`${registry.host}/${REPOSITORIES[0]}`, { pageSize: 2 })).sort(), TAGS);
    assert.deepEqual(await store.engine.registryTags(`${registry.host}/tools/lint`), [TAGS[0]]);
  });

  it('says not-found for the tags of a repository the registry does not have', async () => {
    await assert.rejects(store.engine.registryTags(`${registry.host}/nothing/here`), { code: 'not-found', message: /the tags of nothing\/here was not found in 127\.0\.0\.1:\d+ \(NAME_UNKNOWN/ });
  });

  it('cancels a pull half-way and leaves nothing behind', async () => {
    const reference = `${registry.host}/${REPOSITORIES[0]}:${TAGS[1]}`;
    const target = await openTestStore();
    try {
      // Nothing in common with the registry, so the layer has to travel.
      await target.engine.removeImages([IMAGE]);
      await target.engine.pruneImages({ all: true });
      const controller = new AbortController();
      const pulling = target.engine.pullImage(reference, { signal: controller.signal, onProgress: (p) => p.status === 'downloading' && controller.abort() });
      await assert.rejects(pulling, (err: Error & { code?: string }) => err.name === 'AbortError' || err.code === 'canceled' || err.code === 'ABORT_ERR');
      await assertNothingLeft(target.engine, reference);
      assert.deepEqual(await target.engine.listImages(), []);
    } finally {
      await target.dispose();
    }
  });
});

describe('registry listings (docker-registry, htpasswd)', () => {
  let registry: RunningRegistry;
  let store: TestStore;

  before(async () => {
    registry = await startRegistry({ kind: 'htpasswd', users: { berth: 'secret' } });
    store = await openTestStore();
    await store.engine.login(registry.host, { username: 'berth', password: 'secret' });
    await populate(store, registry.host);
  });

  after(async () => {
    fs.writeFileSync(path.join(dockerConfig, 'config.json'), '{}\n');
    await store?.dispose();
    await registry?.stop();
  });

  it('lists the catalog and tags with the stored login', async () => {
    assert.deepEqual(await store.engine.listRegistries(), [registry.host]);
    assert.deepEqual(await store.engine.registryCatalog(registry.host, { pageSize: 2 }), REPOSITORIES);
    assert.deepEqual((await store.engine.registryTags(`${registry.host}/${REPOSITORIES[0]}`)).sort(), TAGS);
  });

  it('refuses to list without a login, saying how to log in', async () => {
    await store.engine.logout(registry.host);
    try {
      await assert.rejects(store.engine.registryCatalog(registry.host), { code: 'unauthorized', message: /requires authentication for the repository catalog.*berth login 127\.0\.0\.1:\d+/ });
      await assert.rejects(store.engine.registryTags(`${registry.host}/base`), { code: 'unauthorized' });
    } finally {
      await store.engine.login(registry.host, { username: 'berth', password: 'secret' });
    }
  });
});
