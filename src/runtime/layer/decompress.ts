/**
 * Decompression chosen by magic bytes, never by media type alone: archives in the wild
 * label gzip layers as plain tar and the reverse (podman's docker-archive writes plain
 * tars named `.tar`, some tools gzip them anyway).
 *
 * zlib and fzstd are imported when a stream turns out to need them: most local images
 * are plain tars, and every `berth` command would otherwise load both at start-up.
 */
import { Readable, pipeline } from 'node:stream';
import { invalidArgument } from '../errors';

export type Compression = 'none' | 'gzip' | 'zstd';

export function sniffCompression(head: Uint8Array): Compression | 'xz' | 'bzip2' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) return 'xz';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

/** Collects at least `n` bytes (or all there is) from the front of a source. */
async function peek(iterator: AsyncIterator<Uint8Array>, n: number): Promise<{ head: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    parts.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
    have += next.value.byteLength;
  }
  // Usually the first chunk is enough: passed on as it is, not copied (it may be 1 MiB).
  return { head: parts.length === 1 ? parts[0] : Buffer.concat(parts), done };
}

async function* rest(head: Buffer, iterator: AsyncIterator<Uint8Array>, done: boolean): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  if (done) return;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield next.value;
  }
}

async function* gunzip(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Buffer> {
  const { createGunzip } = await import('node:zlib');
  const inflater = createGunzip({ chunkSize: 256 * 1024 });
  const failure = new Promise<never>((_, reject) => {
    pipeline(Readable.from(source, { objectMode: false }), inflater, (err) => err && reject(invalidArgument(`${what}: gzip data is corrupt (${err.message}).`, err)));
  });
  failure.catch(() => undefined);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (err) {
    await failure;
    throw err;
  }
}

/**
 * Compressed bytes fzstd decodes before the event loop gets a turn. fzstd is synchronous
 * JavaScript (Node 20's zlib has no zstd) and makes ~10 MB of output from each MB of
 * input, so a whole 1 MiB read held the thread for 200+ ms: the extension host froze
 * while saving a zstd image.
 */
const ZSTD_SLICE = 64 * 1024;

async function* unzstd(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Buffer> {
  const { Decompress: ZstdDecompress } = await import('fzstd');
  let out: Buffer[] = [];
  const decoder = new ZstdDecompress((chunk) => {
    out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      decoder.push(chunk, final);
    } catch (err) {
      throw invalidArgument(`${what}: zstd data is corrupt (${(err as Error).message}).`, err);
    }
  };
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += ZSTD_SLICE) {
      push(chunk.subarray(at, at + ZSTD_SLICE), false);
      if (out.length) {
        const ready = out;
        out = [];
        yield* ready;
      }
      // A macrotask turn, not a microtask: timers, I/O and the host's messages run too.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  push(new Uint8Array(0), true);
  yield* out;
}

/**
 * The uncompressed bytes of a possibly compressed stream; `what` names the source in
 * errors. `onDetect` reports what was found.
 */
export async function* decompress(source: AsyncIterable<Uint8Array>, what: string, onDetect?: (c: Compression) => void): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const { head, done } = await peek(iterator, 6);
  const kind = sniffCompression(head);
  if (kind === 'xz' || kind === 'bzip2') throw invalidArgument(`${what} is ${kind}-compressed; Berth reads plain, gzip and zstd tars only. Recompress it with gzip or zstd.`);
  onDetect?.(kind);
  const raw = rest(head, iterator, done);
  if (kind === 'gzip') yield* gunzip(raw, what);
  else if (kind === 'zstd') yield* unzstd(raw, what);
  else yield* raw;
}
