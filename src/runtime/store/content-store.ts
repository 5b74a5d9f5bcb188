/**
 * The local content store: blobs under `<root>/blobs/sha256/<hex>` (see ./store.ts for
 * the model and the role contracts this class implements).
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream as fsReadStream, openSync, rmSync, writeSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { BerthError, errnoCode, invalidArgument, notFound } from '../errors';
import { storePaths } from '../paths';
import { fsyncDir, syncFd } from './atomic';
import { type Digest, digestHex } from './digest';
import type { Lease } from './lease';
import type { BlobInfo, ContentStore, IngestOptions } from './store';

export const DEFAULT_MAX_JSON_BLOB = 4 * 1024 * 1024;

export function corrupted(digest: Digest, file: string, actual: string): BerthError {
  return new BerthError(
    'internal',
    `Blob ${digest} in ${file} is corrupted (its content hashes to sha256:${actual}). Remove the image that uses it and load or pull it again.`,
  );
}

/** Passes data through and fails at the end unless it hashes to `digest`. */
class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');

  constructor(
    private readonly digest: Digest,
    private readonly file: string,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    done(actual === digestHex(this.digest) ? null : corrupted(this.digest, this.file, actual));
  }
}

export class LocalContentStore implements ContentStore {
  readonly blobDir: string;
  readonly tmpDir: string;
  private dirsReady: Promise<void> | undefined;

  constructor(readonly root: string) {
    const paths = storePaths(root);
    this.blobDir = paths.blobs;
    this.tmpDir = paths.tmp;
  }

  blobPath(digest: Digest): string {
    return path.join(this.blobDir, digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await fs.access(this.blobPath(digest));
      return true;
    } catch {
      return false;
    }
  }

  async info(digest: Digest): Promise<BlobInfo> {
    try {
      const stat = await fs.stat(this.blobPath(digest));
      return { digest, size: stat.size };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw this.missing(digest, err);
      throw err;
    }
  }

  createReadStream(digest: Digest): Readable {
    const file = this.blobPath(digest);
    const source = fsReadStream(file, { highWaterMark: 1 << 20 });
    const verify = new VerifyingStream(digest, file);
    source.on('error', (err) => verify.destroy(errnoCode(err) === 'ENOENT' ? this.missing(digest, err) : err));
    return source.pipe(verify);
  }

  async readBlob(digest: Digest, { maxSize = DEFAULT_MAX_JSON_BLOB }: { maxSize?: number } = {}): Promise<Buffer> {
    const file = this.blobPath(digest);
    const { size } = await this.info(digest);
    if (size > maxSize) {
      throw invalidArgument(`Blob ${digest} is ${size} bytes, more than the ${maxSize} allowed for a manifest or config; the image is malformed.`);
    }
    const data = await fs.readFile(file);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== digestHex(digest)) throw corrupted(digest, file, actual);
    return data;
  }

  async ingest(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: IngestOptions = {}): Promise<BlobInfo> {
    const writer = await this.openWriter(options);
    try {
      for await (const chunk of source) {
        options.signal?.throwIfAborted();
        writer.write(chunk);
      }
      return await writer.commit();
    } finally {
      writer.abort();
    }
  }

  /**
   * A push-style ingest, for a caller that feeds one stream to several consumers (a load
   * hashes and stores a layer while it extracts it): same guarantees as `ingest`.
   */
  async openWriter(options: IngestOptions = {}): Promise<BlobWriter> {
    await this.ensureDirs();
    const prefix = options.lease?.tempPrefix ?? `nolease-${process.pid}-`;
    const temp = path.join(this.tmpDir, `${prefix}${randomBytes(6).toString('hex')}`);
    return new BlobWriter(temp, options, (digest) => this.commit(temp, digest, options.lease));
  }

  async writeBlob(data: Uint8Array, options: IngestOptions = {}): Promise<BlobInfo> {
    return this.ingest([data], options);
  }

  async delete(digest: Digest): Promise<void> {
    await fs.rm(this.blobPath(digest), { force: true });
  }

  async list(): Promise<BlobInfo[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.blobDir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: BlobInfo[] = [];
    for (const name of names) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const stat = await fs.stat(path.join(this.blobDir, name)).catch(() => undefined);
      if (stat?.isFile()) out.push({ digest: `sha256:${name}`, size: stat.size });
    }
    return out;
  }

  /** Makes the store's directories (idempotent, once per instance). */
  ensureDirs(): Promise<void> {
    this.dirsReady ??= (async () => {
      await fs.mkdir(this.blobDir, { recursive: true });
      await fs.mkdir(this.tmpDir, { recursive: true });
    })();
    return this.dirsReady;
  }

  private async commit(temp: string, digest: Digest, lease: Lease | undefined): Promise<void> {
    // Lease first, then rename: a concurrent GC either ran before the lease covered the
    // blob (and we check presence after it) or sees the lease (see ./lease.ts).
    await lease?.add({ digests: [digest] });
    const target = this.blobPath(digest);
    if (await this.has(digest)) return;
    await fs.rename(temp, target);
    await fsyncDir(this.blobDir);
  }

  private missing(digest: Digest, cause: unknown): BerthError {
    return notFound(`Blob ${digest} is not in the store at ${this.root}.`, cause);
  }
}

/**
 * One blob being written: `write` appends synchronously (hashing as it goes), `commit`
 * verifies and moves it into place, `abort` (idempotent, a no-op after commit) drops it.
 */
export class BlobWriter {
  private readonly hash = createHash('sha256');
  private readonly fd: number;
  private size = 0;
  private closed = false;

  constructor(
    private readonly temp: string,
    private readonly options: IngestOptions,
    private readonly place: (digest: Digest) => Promise<void>,
  ) {
    this.fd = openSync(temp, 'wx', 0o644);
  }

  get bytes(): number {
    return this.size;
  }

  /** The digest of what was written so far, without ending the write. */
  digestSoFar(): Digest {
    return `sha256:${this.hash.copy().digest('hex')}`;
  }

  write(chunk: Uint8Array): void {
    const expected = this.options.expected;
    if (expected?.size !== undefined && this.size + chunk.length > expected.size) {
      throw invalidArgument(`Content for ${expected.digest} is larger than its declared ${expected.size} bytes.`);
    }
    this.hash.update(chunk);
    this.size += chunk.length;
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off);
  }

  async commit(): Promise<BlobInfo> {
    await syncFd(this.fd);
    this.close();
    const digest: Digest = `sha256:${this.hash.digest('hex')}`;
    checkExpected(digest, this.size, this.options.expected);
    await this.place(digest);
    rmSync(this.temp, { force: true });
    return { digest, size: this.size };
  }

  abort(): void {
    this.close();
    rmSync(this.temp, { force: true });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function checkExpected(digest: Digest, size: number, expected: IngestOptions['expected']): void {
  if (!expected) return;
  if (expected.size !== undefined && size !== expected.size) {
    throw invalidArgument(`Content for ${expected.digest} is ${size} bytes but was declared as ${expected.size}; the source is truncated or altered.`);
  }
  if (digest !== expected.digest) {
    throw invalidArgument(`Content declared as ${expected.digest} hashes to ${digest}; the source is corrupted or altered.`);
  }
}
