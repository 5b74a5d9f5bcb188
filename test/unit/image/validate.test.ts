import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../../src/runtime/errors';
import { hostPlatform, platformMatches } from '../../../src/runtime/image/platform';
import { checkImage, parseImageConfig, parseManifest, parseManifestOrIndex } from '../../../src/runtime/image/validate';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

function manifest(over: Record<string, unknown> = {}) {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D1, size: 10 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D2, size: 20 }],
    ...over,
  };
}

function config(over: Record<string, unknown> = {}) {
  return { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D2] }, config: { Cmd: ['sh'], Env: ['A=1'] }, ...over };
}

function refuses(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (err) => isBerthError(err, 'invalid-argument') && pattern.test(err.message));
}

describe('manifest and config validation', () => {
  it('accepts a well-formed OCI manifest and config', () => {
    const m = parseManifest(JSON.stringify(manifest()), 'm.json');
    const c = parseImageConfig(JSON.stringify(config()), 'c.json');
    checkImage(m, c, 'c.json');
    assert.deepEqual(c.config?.Cmd, ['sh']);
  });

  it('tells an index from a manifest, with or without mediaType', () => {
    const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D1, size: 1, platform: { os: 'linux', architecture: 'amd64' } }] };
    const parsed = parseManifestOrIndex(JSON.stringify(index), 'index.json');
    assert.equal(parsed.kind, 'index');
  });

  it('names the file and field of each problem', () => {
    refuses(() => parseManifest('{', 'm.json'), /^m\.json is not valid JSON/);
    refuses(() => parseManifest(JSON.stringify(manifest({ schemaVersion: 1 })), 'm.json'), /m\.json: schemaVersion must be 2/);
    refuses(() => parseManifest(JSON.stringify(manifest({ mediaType: 'text/plain' })), 'm.json'), /m\.json: mediaType 'text\/plain'/);
    refuses(() => parseManifest(JSON.stringify(manifest({ config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:xyz', size: 1 } })), 'm.json'), /m\.json: config\.digest/);
    refuses(() => parseManifest(JSON.stringify(manifest({ layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: D2, size: -1 }] })), 'm.json'), /layers\[0\]\.size/);
    refuses(() => parseManifest(JSON.stringify(manifest({ layers: [{ mediaType: 'application/x-evil', digest: D2, size: 1 }] })), 'm.json'), /layers\[0\]\.mediaType/);
    refuses(() => parseImageConfig(JSON.stringify(config({ os: undefined })), 'c.json'), /c\.json: os is missing/);
    refuses(() => parseImageConfig(JSON.stringify(config({ rootfs: { type: 'layers', diff_ids: ['nope'] } })), 'c.json'), /rootfs\.diff_ids\[0\]/);
    refuses(() => parseImageConfig(JSON.stringify(config({ config: { Cmd: 'sh' } })), 'c.json'), /config\.Cmd must be an array of strings/);
    refuses(() => parseImageConfig(JSON.stringify(config({ config: { ExposedPorts: { http: {} } } })), 'c.json'), /ExposedPorts/);
  });

  it('refuses a config whose diff_ids do not match the layer count', () => {
    const m = parseManifest(JSON.stringify(manifest()), 'm.json');
    const c = parseImageConfig(JSON.stringify(config({ rootfs: { type: 'layers', diff_ids: [] } })), 'c.json');
    refuses(() => checkImage(m, c, 'c.json'), /c\.json: rootfs\.diff_ids has 0 entries but the manifest lists 1 layers/);
  });
});

describe('platform matching', () => {
  it('matches the host and treats arm64 with no variant as v8', () => {
    assert.ok(platformMatches(hostPlatform(), hostPlatform()));
    assert.ok(platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }));
    assert.ok(!platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
    assert.ok(!platformMatches({ os: 'windows', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }));
  });
});
