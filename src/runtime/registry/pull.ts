/**
 * Pull: reference -> manifest (an index resolved to the wanted platform) -> the config
 * and the layers at once, several layers at a time, each streamed from the registry into
 * the content store and into a staged layer tree in one pass (../image/archive-read.ts
 * storeAndStage) — so a layer is never read twice, and its digest and size are checked
 * as it arrives.
 *
 * A download that breaks off is resumed from where it stopped (Range) when the registry
 * allows, or read again from the start with what was already received skipped; either
 * way the consumer sees one stream. Everything is written under one lease, and refs.json
 * names the image last (../image/archive-load.ts commitCandidate), so a failure or a kill
 * at any point leaves no partial blob and no half-written image — only garbage for GC.
 */
import type { Compression } from '../layer/decompress';
import { BerthError } from '../errors';
import { type ArchiveMember, storeAndStage } from '../image/archive-read';
import { type Candidate, type LoadDeps, type LoadedImage, allSettledOrThrow, commitCandidate, removeLeaseTemps } from '../image/archive-load';
import type { Descriptor, Manifest } from '../image/image';
import { INDEX_TYPES, MANIFEST_TYPES } from '../image/media-types';
import { type Platform, formatPlatform, hostPlatform, platformMatches } from '../image/platform';
import { type Reference, formatReference } from '../image/reference';
import { checkImage, parseImageConfig, parseManifestOrIndex } from '../image/validate';
import { type Digest, isDigest, sha256Digest } from '../store/digest';
import { Lease } from '../store/lease';
import { addImage } from '../store/refs';
import type { TransferProgress } from '../events';
import type { RegistryClient } from './client';
import { DEFAULT_RETRY, type TransferOptions } from './registry';
import { backoff, isTransient, readBody } from './transport';

export interface PullOptions extends TransferOptions {
  platform?: Platform;
  concurrency?: number;
}

/** The name the image gets (`localhost:5000/app:1.0`, or `repo@sha256:…`) and what was stored. */
export type PulledImage = LoadedImage & { name: string };

export async function pullImage(ref: Reference, client: RegistryClient, deps: LoadDeps, options: PullOptions = {}): Promise<PulledImage> {
  const name = formatReference(ref);
  const { bytes, manifest, digest } = await resolveManifest(client, ref, options.platform ?? hostPlatform());
  const lease = await Lease.create(deps.content.root);
  // The config comes while the layers do (one round trip less before the first layer
  // byte); a bad one stops them, and both have settled before the clean-up below.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    const configured = fetchSmallBlob(client, ref.path, manifest.config, 'config').then((configBytes) => {
      const config = parseImageConfig(configBytes, `config ${manifest.config.digest} of ${name}`);
      checkImage(manifest, config, `manifest ${digest} of ${name}`);
      return { configBytes, config };
    });
    configured.catch((err: unknown) => stop.abort(err));
    const [{ configBytes, config }, members] = await allSettledOrThrow([configured, fetchLayers(client, ref.path, manifest.layers, deps, lease, { ...options, signal })] as const);
    const candidate: Candidate = {
      names: [name],
      manifestBytes: bytes,
      configBytes,
      config,
      layers: manifest.layers.map((descriptor, i) => ({ member: members[i], descriptor, where: `layer ${descriptor.digest} of ${name}` })),
    };
    const image = await commitCandidate(candidate, name, deps, lease);
    await deps.refs.update((refs) => addImage(refs, image.manifestDigest, image.names));
    return { ...image, name };
  } finally {
    await removeLeaseTemps(deps.layers, lease);
    await lease.release();
  }
}

/** The manifest bytes (verified against every digest we were given) and the parsed manifest. */
async function resolveManifest(client: RegistryClient, ref: Reference, platform: Platform): Promise<{ bytes: Buffer; manifest: Manifest; digest: Digest }> {
  let wanted: { reference: string; digest?: Digest; size?: number } = { reference: ref.digest ?? ref.tag ?? 'latest', ...(ref.digest && { digest: ref.digest }) };
  for (let depth = 0; depth < 3; depth++) {
    const answer = await client.getManifest(ref.path, wanted.reference);
    const where = `manifest ${ref.path}:${wanted.reference} from ${client.registry}`;
    if (answer.contentType && !MANIFEST_TYPES.has(answer.contentType) && !INDEX_TYPES.has(answer.contentType) && answer.contentType !== 'application/json') {
      throw new BerthError('unavailable', `${where} came with media type '${answer.contentType}', which is not an image manifest or index; the registry or a proxy answered something else.`);
    }
    const actual = sha256Digest(answer.bytes);
    const claimed = wanted.digest ?? (isDigest(answer.digest) ? answer.digest : undefined);
    if (claimed && claimed !== actual) throw new BerthError('unavailable', `${where} hashes to ${actual}, not ${claimed}; it was corrupted or altered on the way.`);
    if (wanted.size !== undefined && wanted.size !== answer.bytes.length) throw new BerthError('unavailable', `${where} is ${answer.bytes.length} bytes, not the ${wanted.size} its index declares.`);
    const parsed = parseManifestOrIndex(answer.bytes, where);
    if (parsed.kind === 'manifest') return { bytes: answer.bytes, manifest: parsed.manifest, digest: actual };
    const pick = parsed.index.manifests.find((m) => m.platform && platformMatches(m.platform, platform));
    if (!pick) {
      const offered = parsed.index.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : [])).join(', ');
      throw new BerthError('not-found', `${formatReference(ref)} has no image for ${formatPlatform(platform)} (it offers ${offered || 'no platforms'}).`);
    }
    wanted = { reference: pick.digest, digest: pick.digest, size: pick.size };
  }
  throw new BerthError('unavailable', `${formatReference(ref)}: indexes nest more than 3 deep; the registry answers in a loop.`);
}

/** A config: small, read whole, checked against its descriptor. */
async function fetchSmallBlob(client: RegistryClient, repo: string, d: Descriptor, what: string): Promise<Buffer> {
  const data = await readBody(await client.getBlob(repo, d.digest, 0), Math.max(d.size, 1));
  const actual = sha256Digest(data);
  if (actual !== d.digest || data.length !== d.size) {
    throw new BerthError('unavailable', `The ${what} ${d.digest} of ${repo} from ${client.registry} is ${data.length} bytes hashing to ${actual}; it was corrupted or truncated on the way.`);
  }
  return data;
}

/**
 * Downloads the layers `concurrency` at a time. The first failure cancels the others,
 * and this returns only once all have stopped, so clean-up never races a writer.
 */
async function fetchLayers(client: RegistryClient, repo: string, layers: Descriptor[], deps: LoadDeps, lease: Lease, options: PullOptions): Promise<ArchiveMember[]> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const report = (d: Descriptor, status: TransferProgress['status'], current: number) =>
    options.onProgress?.({ operation: 'pull', digest: d.digest, kind: 'layer', status, current, total: d.size });
  for (const d of layers) report(d, 'waiting', 0);
  const members: ArchiveMember[] = new Array(layers.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < layers.length) {
      const i = next++;
      try {
        members[i] = await fetchLayer(client, repo, layers[i], deps, lease, signal, (status, current) => report(layers[i], status, current));
      } catch (err) {
        failure ??= err;
        stop.abort(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 3, layers.length) }, worker));
  if (failure !== undefined) {
    options.signal?.throwIfAborted();
    throw failure;
  }
  return members;
}

async function fetchLayer(
  client: RegistryClient,
  repo: string,
  d: Descriptor,
  deps: LoadDeps,
  lease: Lease,
  signal: AbortSignal,
  report: (status: TransferProgress['status'], current: number) => void,
): Promise<ArchiveMember> {
  // Lease first, then look: a blob seen present is then safe from a concurrent GC.
  await lease.add({ digests: [d.digest] });
  if (await deps.content.has(d.digest)) {
    report('exists', d.size);
    return { kind: 'blob', digest: d.digest, size: d.size, compression: compressionOf(d.mediaType) };
  }
  const body = download(client, repo, d, signal, report)[Symbol.asyncIterator]();
  const member = await storeAndStage(undefined, body, '', { content: deps.content, layers: deps.layers, lease, what: `layer ${d.digest} of ${client.registry}/${repo}`, signal }, { digest: d.digest, size: d.size });
  report('complete', d.size);
  return member;
}

function compressionOf(mediaType: string): Compression {
  return mediaType.endsWith('gzip') ? 'gzip' : mediaType.endsWith('zstd') ? 'zstd' : 'none';
}

/** The registry closed a blob early without a network error (no Content-Length, or a proxy). */
class ShortBody extends Error {}

/**
 * The blob's bytes, once, in order, across broken connections (see the header). Progress
 * is reported at most every 100 ms and at the end.
 */
async function* download(
  client: RegistryClient,
  repo: string,
  d: Descriptor,
  signal: AbortSignal,
  report: (status: TransferProgress['status'], current: number) => void,
): AsyncGenerator<Buffer> {
  const policy = client.options.retry ?? DEFAULT_RETRY;
  let offset = 0;
  let reported = 0;
  for (let attempt = 1; ; attempt++) {
    // The pull's signal, not just the client's: a failure elsewhere stops this download too.
    const response = await client.getBlob(repo, d.digest, offset, { onRetry: () => report('retrying', offset), signal });
    let skip = offset;
    if (response.status === 206) {
      const start = /^bytes (\d+)-/.exec(String(response.headers['content-range'] ?? ''));
      if (!start || Number(start[1]) > offset) {
        response.body.destroy();
        throw new BerthError('unavailable', `${client.registry} resumed blob ${d.digest} at the wrong place (${String(response.headers['content-range'])}, wanted byte ${offset}).`);
      }
      skip = offset - Number(start[1]);
    }
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        let data = chunk;
        if (skip > 0) {
          const dropped = Math.min(skip, data.length);
          skip -= dropped;
          data = data.subarray(dropped);
          if (data.length === 0) continue;
        }
        offset += data.length;
        if (Date.now() - reported >= 100) {
          reported = Date.now();
          report('downloading', offset);
        }
        yield data;
      }
      if (offset >= d.size) return;
      throw new ShortBody(`the registry ended the blob after ${offset} of ${d.size} bytes`);
    } catch (err) {
      signal.throwIfAborted();
      if (!(err instanceof ShortBody || isTransient(err))) throw err;
      if (attempt >= policy.attempts) {
        throw new BerthError('unavailable', `Blob ${d.digest} of ${client.registry}/${repo} broke off ${attempt} times (last at byte ${offset} of ${d.size}: ${(err as Error).message}); try again later.`, { cause: err });
      }
      report('retrying', offset);
      await backoff(policy, attempt, signal);
    }
  }
}
