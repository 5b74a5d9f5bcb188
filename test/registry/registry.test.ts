/**
 * Pull and push against Debian's docker-registry (distribution 2.8) on 127.0.0.1, no
 * auth: round trips keep ids and digests, pulled images run, existing blobs are skipped
 * both ways, blobs are mounted across repositories, chunked uploads, indexes resolve to
 * the host platform, listings, and the CLI verbs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TransferProgress } from '../../src/runtime/events';
import { MediaType } from '../../src/runtime/image/media-types';
import { hostPlatform } from '../../src/runtime/image/platform';
import { RegistryClient } from '../../src/runtime/registry/client';
import { IMAGE, type TestStore, openTestStore } from '../runtime/support';
import { type RunningRegistry, assertNothingLeft, privateDockerConfig, registryService, startRegistry } from './support';

privateDockerConfig();

describe('registry (docker-registry, anonymous)', () => {
  let registry: RunningRegistry;
  let source: TestStore;
  let target: TestStore;
  let twoLayers: string;

  before(async () => {
    registry = await startRegistry();
    [source, target] = await Promise.all([openTestStore(), openTestStore()]);
    const upper = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-upper-'));
    fs.mkdirSync(path.join(upper, 'app'));
    fs.writeFileSync(path.join(upper, 'app', 'hello.txt'), 'hello from layer two\n');
    twoLayers = `${registry.host}/two:1`;
    await source.engine.parts.images.commit({ upperDir: upper, image: IMAGE, reference: twoLayers, changes: { cmd: ['cat', '/app/hello.txt'] } });
  });

  after(async () => {
    await Promise.all([source?.dispose(), target?.dispose()]);
    await registry?.stop();
  });

  it('pushes an image and pulls it into another store with the same id and digest, and it runs', async () => {
    const pushed: TransferProgress[] = [];
    const digest = await source.engine.pushImage(twoLayers, { onProgress: (p) => pushed.push(p) });
    const image = await source.engine.parts.images.resolve(twoLayers);
    assert.equal(digest, image.manifestDigest);
    assert.deepEqual(new Set(pushed.filter((p) => p.status === 'complete').map((p) => p.digest)), new Set([...image.manifest.layers.map((l) => l.digest), image.manifest.config.digest]));

    const pulled: TransferProgress[] = [];
    const result = await target.engine.pullImage(twoLayers, { onProgress: (p) => pulled.push(p) });
    assert.deepEqual(result, { name: twoLayers, id: image.id, digest });
    // The target store has busybox:test too, so only the top layer travels.
    const final = Object.fromEntries(pulled.filter((p) => p.status !== 'waiting' && p.status !== 'downloading').map((p) => [p.digest, p.status]));
    assert.deepEqual(final, { [image.manifest.layers[0].digest]: 'exists', [image.manifest.layers[1].digest]: 'complete' });
    const run = await target.cli(['run', '--rm', twoLayers]);
    assert.equal(run.stdout, 'hello from layer two\n', run.stderr);
  });

  it('skips blobs the other side has: pull says "exists", push says "exists"', async () => {
    const again: TransferProgress[] = [];
    await target.engine.pullImage(twoLayers, { onProgress: (p) => again.push(p) });
    assert.deepEqual(again.filter((p) => p.status !== 'waiting').map((p) => p.status), ['exists', 'exists']);
    const pushed: TransferProgress[] = [];
    await source.engine.pushImage(twoLayers, { onProgress: (p) => pushed.push(p) });
    assert.deepEqual(pushed.filter((p) => p.status !== 'waiting').map((p) => p.status), ['exists', 'exists', 'exists']);
  });

  it('mounts blobs from a sibling repository instead of uploading them', async () => {
    const copy = `${registry.host}/copies/two:1`;
    await source.engine.tagImage(twoLayers, copy);
    const progress: TransferProgress[] = [];
    await source.engine.pushImage(copy, { onProgress: (p) => progress.push(p) });
    assert.deepEqual(progress.filter((p) => p.status !== 'waiting').map((p) => p.status), ['mounted', 'mounted', 'mounted']);
    assert.equal((await target.engine.pullImage(copy)).id, (await source.engine.parts.images.resolve(twoLayers)).id);
  });

  it('uploads in chunks when a chunk size is set', async () => {
    const chunked = `${registry.host}/chunked:1`;
    await source.engine.tagImage(IMAGE, chunked);
    const service = registryService(source.engine, { chunkSize: 256 * 1024 });
    const progress: TransferProgress[] = [];
    const digest = await service.push(chunked, chunked, { onProgress: (p) => progress.push(p) });
    assert.ok(progress.filter((p) => p.status === 'uploading').length >= 1);
    const pulled = await target.engine.pullImage(chunked);
    assert.equal(pulled.digest, digest);
    const run = await target.cli(['run', '--rm', chunked, 'cat', '/etc/passwd']);
    assert.match(run.stdout, /^root:x:0:0/);
  });

  it('resolves an index to the host platform, and names the platforms when none fits', async () => {
    const image = await source.engine.parts.images.resolve(twoLayers);
    const manifest = await source.engine.parts.images.content.readBlob(image.manifestDigest);
    const host = hostPlatform();
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        { mediaType: image.manifest.mediaType, digest: image.manifestDigest, size: manifest.length, platform: { os: 'linux', architecture: 's390x' } },
        { mediaType: image.manifest.mediaType, digest: image.manifestDigest, size: manifest.length, platform: { os: host.os, architecture: host.architecture } },
      ],
    }));
    const client = new RegistryClient(registry.host);
    await client.putManifest('two', 'multi', index, MediaType.ociIndex, ['repository:two:pull,push']);
    const pulled = await target.engine.pullImage(`${registry.host}/two:multi`);
    assert.equal(pulled.digest, image.manifestDigest);
    await assert.rejects(target.engine.pullImage(`${registry.host}/two:multi`, { platform: 'linux/riscv64' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'not-found');
      assert.match(err.message, /no image for linux\/riscv64 \(it offers linux\/s390x, linux\//);
      return true;
    });
  });

  it('lists repositories and tags', async () => {
    const repos = await source.engine.registryCatalog(registry.host);
    assert.ok(['two', 'copies/two', 'chunked'].every((r) => repos.includes(r)), repos.join(','));
    assert.deepEqual((await source.engine.registryTags(`${registry.host}/two`)).sort(), ['1', 'multi']);
  });

  it('fails with not-found for an unknown tag or repository and stores nothing', async () => {
    for (const ref of [`${registry.host}/two:nope`, `${registry.host}/nothing/here:1`]) {
      await assert.rejects(target.engine.pullImage(ref), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'not-found');
        assert.match(err.message, /was not found in 127\.0\.0\.1:\d+ \(MANIFEST_UNKNOWN|NAME_UNKNOWN/);
        return true;
      });
      await assertNothingLeft(target.engine, ref);
    }
  });

  it('speaks only verified TLS to a registry not named as loopback, unless it is marked insecure', async () => {
    // 0.0.0.0 reaches this host's listeners but is not a loopback name.
    const named = `0.0.0.0:${registry.host.split(':')[1]}/two:1`;
    await assert.rejects(target.engine.pullImage(named), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'unavailable');
      assert.match(err.message, /Cannot reach the registry 0\.0\.0\.0:\d+: .*mark it insecure \(BERTH_INSECURE_REGISTRIES or --insecure\)/);
      return true;
    });
    assert.equal((await target.engine.pullImage(named, { insecure: true })).name, named);
    const viaEnv = registryService(target.engine, { env: { BERTH_INSECURE_REGISTRIES: `example.org,0.0.0.0:${registry.host.split(':')[1]}` } });
    assert.equal((await viaEnv.pull(named)).name, named);
  });

  it('berth pull and push print per-layer lines, the digest and the name', async () => {
    const name = `${registry.host}/cli:1`;
    const tagged = await source.cli(['tag', IMAGE, name]);
    assert.equal(tagged.code, 0, tagged.stderr);
    const push = await source.cli(['push', name]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /^[0-9a-f]{12}: (Pushed|Mounted|Layer already exists)$/m);
    assert.match(push.stdout, new RegExp(`^${name}: digest: sha256:[0-9a-f]{64}$`, 'm'));
    const pull = await target.cli(['pull', name]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /^[0-9a-f]{12}: (Pull complete|Already exists)\nDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded /m);
    assert.equal(pull.stdout.trim().split('\n').pop(), name);
    const quiet = await target.cli(['pull', '-q', name]);
    assert.equal(quiet.stdout, `${name}\n`);
    const missing = await target.cli(['pull', `${registry.host}/cli:missing`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^berth: Error: manifest cli:missing was not found in 127\.0\.0\.1:\d+/);
  });
});
