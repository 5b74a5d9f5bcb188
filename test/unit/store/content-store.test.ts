import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { isBerthError } from '../../../src/runtime/errors';
import { LocalContentStore } from '../../../src/runtime/store/content-store';
import { sha256Digest } from '../../../src/runtime/store/digest';
import { Lease, isLeaseAlive, liveLeases } from '../../../src/runtime/store/lease';

async function tempRoot(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'berth-cs-'));
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('LocalContentStore', () => {
  it('ingests a stream into blobs/sha256/<hex> and reads it back verified', async () => {
    const store = new LocalContentStore(await tempRoot());
    const data = Buffer.from('hello berth');
    const info = await store.ingest(Readable.from([data.subarray(0, 5), data.subarray(5)]));
    assert.equal(info.digest, sha256Digest(data));
    assert.equal(info.size, data.length);
    assert.ok(await store.has(info.digest));
    assert.deepEqual(await drain(store.createReadStream(info.digest)), data);
    assert.deepEqual(await store.readBlob(info.digest), data);
    assert.deepEqual(await store.list(), [info]);
    assert.deepEqual(await fs.readdir(store.tmpDir), []);
  });

  it('refuses a corrupted blob on read, streamed or whole', async () => {
    const store = new LocalContentStore(await tempRoot());
    const { digest } = await store.writeBlob(Buffer.from('{"a":1}'));
    await fs.writeFile(store.blobPath(digest), '{"a":2}');
    await assert.rejects(store.readBlob(digest), (err) => isBerthError(err, 'internal') && /corrupted/.test(err.message));
    await assert.rejects(drain(store.createReadStream(digest)), (err) => isBerthError(err, 'internal') && /corrupted/.test(err.message));
  });

  it('refuses content that does not match the expected digest or size, leaving nothing behind', async () => {
    const store = new LocalContentStore(await tempRoot());
    const expected = { digest: sha256Digest('right'), size: 5 };
    await assert.rejects(store.writeBlob(Buffer.from('wrong'), { expected }), (err) => isBerthError(err, 'invalid-argument'));
    await assert.rejects(store.writeBlob(Buffer.from('right!'), { expected }), /larger than its declared/);
    await assert.rejects(store.writeBlob(Buffer.from('righ'), { expected }), /truncated/);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await fs.readdir(store.tmpDir), []);
    assert.equal((await store.writeBlob(Buffer.from('right'), { expected })).digest, expected.digest);
  });

  it('makes a blob visible only once complete: a failing source leaves no blob', async () => {
    const store = new LocalContentStore(await tempRoot());
    async function* failing() {
      yield Buffer.from('part');
      throw new Error('source broke');
    }
    await assert.rejects(store.ingest(failing()), /source broke/);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await fs.readdir(store.tmpDir), []);
  });

  it('reports a missing blob as not-found', async () => {
    const store = new LocalContentStore(await tempRoot());
    const digest = sha256Digest('absent');
    assert.equal(await store.has(digest), false);
    await assert.rejects(store.info(digest), (err) => isBerthError(err, 'not-found'));
    await assert.rejects(drain(store.createReadStream(digest)), (err) => isBerthError(err, 'not-found'));
  });

  it('is idempotent: ingesting present content keeps one blob', async () => {
    const store = new LocalContentStore(await tempRoot());
    await store.writeBlob(Buffer.from('same'));
    await store.writeBlob(Buffer.from('same'));
    assert.equal((await store.list()).length, 1);
  });
});

describe('Lease', () => {
  it('records protected digests and disappears on release', async () => {
    const root = await tempRoot();
    const store = new LocalContentStore(root);
    const lease = await Lease.create(root);
    const { digest } = await store.writeBlob(Buffer.from('x'), { lease });
    const live = await liveLeases(root);
    assert.deepEqual(live.map((l) => l.digests), [[digest]]);
    assert.equal(await isLeaseAlive(root, lease.id), true);
    await lease.release();
    assert.deepEqual(await liveLeases(root), []);
    assert.equal(await isLeaseAlive(root, lease.id), false);
  });

  it('is recognised as dead when its process is killed with SIGKILL', async () => {
    const root = await tempRoot();
    const leaseModule = path.resolve(__dirname, '../../../src/runtime/store/lease.js');
    const child = spawn(process.execPath, [
      '-e',
      `require(${JSON.stringify(leaseModule)}).Lease.create(${JSON.stringify(root)}).then((l) => { console.log(l.id); setInterval(() => {}, 1000); });`,
    ]);
    const id = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    assert.equal(await isLeaseAlive(root, id), true);
    assert.equal((await liveLeases(root)).length, 1);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(await isLeaseAlive(root, id), false);
    assert.deepEqual(await liveLeases(root), []);
    assert.deepEqual(await fs.readdir(path.join(root, 'leases')), []);
  });
});
