/**
 * Pulls from a registry written here that misbehaves on purpose: it truncates blobs
 * (with and without Range support), corrupts them, sends too much, rate-limits, fails
 * with 5xx, 401 and 403, answers a manifest with the wrong media type, and redirects blobs
 * to a separate "blob storage" server. Transient faults are retried and resumed; the rest
 * fail with a clear error and leave nothing in the store.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Engine } from '../../src/runtime/engine';
import type { TransferProgress } from '../../src/runtime/events';
import type { Image } from '../../src/runtime/image/image';
import { IMAGE, type TestStore, openTestStore } from '../runtime/support';
import { assertNothingLeft, privateDockerConfig, registryService } from './support';

const dockerConfig = privateDockerConfig();
const BASIC = `Basic ${Buffer.from('berth:secret').toString('base64')}`;

type Fault =
  | 'none' | 'truncate-once' | 'truncate-once-no-range' | 'truncate-always' | 'corrupt' | 'oversize'
  | 'rate-limit-twice' | 'rate-limit-always' | 'unavailable' | 'forbidden' | 'unauthorized' | 'wrong-media-type' | 'redirect'
  | 'corrupt-config';

interface Served {
  manifest: Buffer;
  mediaType: string;
  blobs: Map<string, Buffer>;
  layer: string;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

describe('a faulty registry', () => {
  let source: TestStore;
  let engine: Engine;
  let base: string;
  let served: Served;
  let image: Image;
  let fault: Fault = 'none';
  let layerRequests: Array<{ range?: string }> = [];
  let storageSawAuthorization: boolean | undefined;
  let host: string;
  let storageHost: string;
  const servers: http.Server[] = [];

  const storage = http.createServer((req, res) => {
    storageSawAuthorization = req.headers.authorization !== undefined;
    const blob = served.blobs.get(decodeURIComponent(req.url!.slice(1)));
    res.writeHead(200, { 'content-length': blob!.length }).end(blob);
  });

  const registry = http.createServer((req, res) => {
    const url = req.url!;
    // In redirect mode the registry wants Basic credentials, so that there is something not to leak.
    if (fault === 'redirect' && req.headers.authorization !== BASIC) return res.writeHead(401, { 'www-authenticate': 'Basic realm="faulty"' }).end();
    if (url === '/v2/') return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (fault === 'unauthorized') return res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    if (fault === 'forbidden') return res.writeHead(403, { 'content-type': 'application/json' }).end('{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}');
    if (/\/manifests\//.test(url)) {
      if (fault === 'wrong-media-type') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      return res.writeHead(200, { 'content-type': served.mediaType, 'content-length': served.manifest.length }).end(served.manifest);
    }
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
    const blob = digest && served.blobs.get(digest);
    if (!blob) return res.writeHead(404).end();
    if (fault === 'corrupt-config' && digest !== served.layer) {
      const bad = Buffer.from(blob);
      bad[0] ^= 0xff;
      return res.writeHead(200, { 'content-length': bad.length }).end(bad);
    }
    if (digest !== served.layer) return res.writeHead(200, { 'content-length': blob.length }).end(blob);
    layerRequests.push({ range: req.headers.range });
    const n = layerRequests.length;
    const half = Math.floor(blob.length / 2);
    switch (fault) {
      case 'truncate-once':
      case 'truncate-once-no-range':
      case 'truncate-always': {
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        if (range && fault === 'truncate-once') {
          const start = Number(range[1]);
          return res.writeHead(206, { 'content-length': blob.length - start, 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}` }).end(blob.subarray(start));
        }
        if (n > 1 && fault !== 'truncate-always') return res.writeHead(200, { 'content-length': blob.length }).end(blob);
        res.writeHead(200, { 'content-length': blob.length });
        res.write(blob.subarray(0, half), () => res.socket?.destroy());
        return;
      }
      case 'corrupt': {
        const bad = Buffer.from(blob);
        bad[half] ^= 0xff;
        return res.writeHead(200, { 'content-length': bad.length }).end(bad);
      }
      case 'oversize':
        return res.writeHead(200).end(Buffer.concat([blob, Buffer.alloc(4096)]));
      case 'rate-limit-twice':
      case 'rate-limit-always':
        if (n <= 2 || fault === 'rate-limit-always') return res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
        return res.writeHead(200, { 'content-length': blob.length }).end(blob);
      case 'unavailable':
        return res.writeHead(503).end('<html>maintenance</html>');
      case 'redirect':
        return res.writeHead(307, { location: `http://${storageHost}/${encodeURIComponent(digest)}` }).end();
      case 'corrupt-config':
        // Half the layer, then nothing: only a pull that stops its downloads gets past this.
        res.writeHead(200, { 'content-length': blob.length });
        res.write(blob.subarray(0, half));
        return;
      default:
        return res.writeHead(200, { 'content-length': blob.length }).end(blob);
    }
  });

  before(async () => {
    source = await openTestStore();
    image = await source.engine.parts.images.resolve(IMAGE);
    const content = source.engine.parts.images.content;
    served = {
      manifest: await content.readBlob(image.manifestDigest),
      mediaType: image.manifest.mediaType!,
      layer: image.manifest.layers[0].digest,
      blobs: new Map([
        [image.manifest.config.digest, await content.readBlob(image.manifest.config.digest)],
        [image.manifest.layers[0].digest, fs.readFileSync(content.blobPath(image.manifest.layers[0].digest))],
      ]),
    };
    host = await listen(registry);
    storageHost = await listen(storage);
    servers.push(registry, storage);
  });

  beforeEach(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-faulty-'));
    engine = await Engine.open({ root: path.join(base, 'store'), runtimeDir: path.join(base, 'run') });
    layerRequests = [];
    storageSawAuthorization = undefined;
  });

  after(async () => {
    for (const s of servers) s.close();
    await source?.dispose();
  });

  const pull = (progress?: TransferProgress[]) => registryService(engine).pull(`${host}/faulty:1`, { ...(progress && { onProgress: (p) => progress.push(p) }) });

  it('resumes a truncated blob with a Range request', async () => {
    fault = 'truncate-once';
    const progress: TransferProgress[] = [];
    assert.equal((await pull(progress)).id, image.id);
    assert.equal(layerRequests.length, 2);
    assert.match(layerRequests[1].range ?? '', /^bytes=\d+-$/);
    assert.ok(progress.some((p) => p.status === 'retrying'));
  });

  it('reads a truncated blob again and skips what it had when the registry ignores Range', async () => {
    fault = 'truncate-once-no-range';
    assert.equal((await pull()).id, image.id);
    assert.equal(layerRequests.length, 2);
  });

  it('follows a redirect to blob storage without sending the credentials there', async () => {
    fault = 'redirect';
    fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [`http://${host}`]: { auth: Buffer.from('berth:secret').toString('base64') } } }));
    assert.equal((await pull()).id, image.id);
    assert.equal(layerRequests.length, 1);
    assert.equal(storageSawAuthorization, false);
  });

  it('retries a rate-limited blob after Retry-After', async () => {
    fault = 'rate-limit-twice';
    assert.equal((await pull()).id, image.id);
    assert.equal(layerRequests.length, 3);
  });

  const failures: Array<[Fault, string, RegExp]> = [
    ['truncate-always', 'unavailable', /broke off 3 times \(last at byte \d+ of \d+/],
    ['corrupt', 'invalid-argument', /hashes to sha256:[0-9a-f]{64}; the source is corrupted or altered/],
    ['oversize', 'invalid-argument', /is larger than its declared \d+ bytes/],
    ['rate-limit-always', 'unavailable', /is rate-limiting requests \(429\) for blob sha256:[0-9a-f]{64} of faulty \(TOOMANYREQUESTS: slow down\); try again later/],
    ['unavailable', 'unavailable', /answered 503 for blob/],
    ['forbidden', 'permission-denied', /denied access to manifest faulty:1 \(DENIED: requested access to the resource is denied\)/],
    ['unauthorized', 'unauthorized', /requires authentication for manifest faulty:1 .*Run `berth login 127\.0\.0\.1:\d+` first/],
    ['wrong-media-type', 'unavailable', /came with media type 'text\/html', which is not an image manifest or index/],
    ['corrupt-config', 'unavailable', /The config sha256:[0-9a-f]{64} of faulty .* it was corrupted or truncated on the way/],
  ];
  for (const [name, code, message] of failures) {
    it(`fails clearly and leaves nothing behind: ${name}`, async () => {
      fault = name;
      await assert.rejects(pull(), (err: Error & { code?: string }) => {
        assert.equal(err.code, code, err.message);
        assert.match(err.message, message);
        return true;
      });
      await assertNothingLeft(engine, 'faulty', served.layer);
    });
  }
});
