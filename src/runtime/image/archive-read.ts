/**
 * Reading an image archive (docker-save, old or new layout; OCI archive; plain or
 * compressed) in one pass, so a load never reads a layer twice.
 *
 * Members come in whatever order the writer chose, and the manifests that say what they
 * are often come last. So every member is classified by its first bytes: small JSON
 * documents are kept in memory; anything else is taken for a layer, and is at the same
 * time hashed and written to the content store (its blob digest) and extracted into a
 * staged layer dir (its diff id). What the manifests later make of each member is
 * ./archive-load.ts's job; a member that turns out not to be a layer just costs its
 * stored blob, which GC removes.
 */
import type { LocalContentStore, BlobWriter } from '../store/content-store';
import { invalidArgument } from '../errors';
import { type Compression, decompress } from '../layer/decompress';
import { type LayerContext, type StagedLayer, stageLayer } from '../layer/layer-store';
import { readTar } from '../layer/tar';
import type { Digest } from '../store/digest';
import type { Lease } from '../store/lease';

/** Bigger JSON documents are not manifests or configs (the store refuses them too). */
const MAX_JSON = 4 * 1024 * 1024;
/** Below this a member is kept in memory whatever it is (VERSION files, tiny layers). */
const SMALL = 64;

export type ArchiveMember =
  | { kind: 'data'; data: Buffer }
  | { kind: 'blob'; digest: Digest; size: number; compression: Compression; staged?: StagedLayer; stageError?: unknown };

export interface ArchiveContents {
  members: Map<string, ArchiveMember>;
  /** Symbolic and hard links between members (docker-save dedups layers this way). */
  links: Map<string, string>;
}

export interface ReadArchiveOptions {
  content: LocalContentStore;
  layers: LayerContext;
  lease: Lease;
  /** Names the archive in errors. */
  what: string;
  signal?: AbortSignal;
}

export function memberName(name: string): string {
  return name.split('/').filter((p) => p !== '' && p !== '.').join('/');
}

/** Pulls from one iterator and writes what it pulls, one pull at a time, in order. */
class WritingSource implements AsyncIterable<Buffer> {
  private chain: Promise<IteratorResult<Buffer>> = Promise.resolve({ done: false, value: Buffer.alloc(0) });

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly writer: BlobWriter,
  ) {}

  pull(): Promise<IteratorResult<Buffer>> {
    this.chain = this.chain.then(async () => {
      const next = await this.source.next();
      if (!next.done) this.writer.write(next.value);
      return next;
    });
    return this.chain;
  }

  /** No `return`: a consumer that stops early leaves the rest for `drain`. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return { next: () => this.pull() };
  }

  async drain(): Promise<void> {
    while (!(await this.pull()).done);
  }
}

async function* prepend(first: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  yield* rest;
}

export async function readArchive(source: AsyncIterable<Uint8Array>, o: ReadArchiveOptions): Promise<ArchiveContents> {
  const contents: ArchiveContents = { members: new Map(), links: new Map() };
  for await (const entry of readTar(decompress(source, o.what))) {
    o.signal?.throwIfAborted();
    const { header } = entry;
    const name = memberName(header.name);
    if (header.type === 'symlink' || header.type === 'link') {
      const target = header.type === 'symlink' ? memberName(`${name.split('/').slice(0, -1).join('/')}/${header.linkname}`) : memberName(header.linkname);
      contents.links.set(name, normalizeDots(target));
      continue;
    }
    if (header.type !== 'file') continue;
    const body = entry.body()[Symbol.asyncIterator]();
    const first = await body.next();
    if (first.done) {
      contents.members.set(name, { kind: 'data', data: Buffer.alloc(0) });
      continue;
    }
    const lead = first.value[0];
    if (header.size < SMALL || (header.size <= MAX_JSON && (lead === 0x7b || lead === 0x5b))) {
      const parts = [Buffer.from(first.value)];
      for (let next = await body.next(); !next.done; next = await body.next()) parts.push(Buffer.from(next.value));
      contents.members.set(name, { kind: 'data', data: Buffer.concat(parts) });
      continue;
    }
    contents.members.set(name, await storeAndStage(first.value, body, name, o));
  }
  return contents;
}

/** Resolves `a/../b` left by a relative symlink target. */
function normalizeDots(name: string): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/**
 * Stores a stream as a blob and extracts it as a layer at the same time, reading it once.
 * A stream that is not a layer still becomes a blob, with `stageError` saying why.
 */
export async function storeAndStage(
  first: Buffer | undefined,
  body: AsyncIterator<Buffer>,
  name: string,
  o: ReadArchiveOptions,
  /** What the content must be when the caller knows (a registry's descriptor). */
  expected?: { digest: Digest; size: number },
): Promise<ArchiveMember & { kind: 'blob' }> {
  const named = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
  const writer = await o.content.openWriter({ lease: o.lease, expected: expected ?? (named ? { digest: `sha256:${named[1]}` as Digest } : undefined) });
  try {
    if (first) writer.write(first);
    const rest = new WritingSource(body, writer);
    let compression: Compression = 'none';
    let staged: StagedLayer | undefined;
    let stageError: unknown;
    try {
      staged = await stageLayer(first ? prepend(first, rest) : rest, o.layers, {
        lease: o.lease,
        what: `${o.what}${name ? `: '${name}'` : ''}`,
        signal: o.signal,
        // The writer has hashed every byte the extraction read: for a plain tar, its diff id.
        sourceDigest: () => writer.digestSoFar(),
      });
      compression = staged.result.compression;
    } catch (err) {
      stageError = err;
    }
    await rest.drain();
    const info = await writer.commit().catch((err) => {
      throw invalidArgument(named ? `${o.what}: member '${name}' does not match its name: ${(err as Error).message}` : `${o.what}: ${(err as Error).message}`, err);
    });
    return { kind: 'blob', digest: info.digest, size: info.size, compression, ...(staged && { staged }), ...(stageError !== undefined && { stageError }) };
  } finally {
    writer.abort();
  }
}
