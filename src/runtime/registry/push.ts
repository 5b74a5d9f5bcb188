/**
 * Push: every blob the registry does not have yet (HEAD first), layers and config
 * several at once, then the manifest under the tag — last, because a registry refuses a
 * manifest whose blobs it has not got.
 *
 * A blob another repository of the same registry already holds (the image was pulled
 * from, or pushed to, a sibling name) is mounted across repositories instead of sent.
 * Uploads are monolithic (one PUT with the body) unless a chunk size is set; then they go
 * as PATCHes of that size with Content-Range, for registries or proxies that cap a
 * request's size. Blobs are read from the store, and the registry checks each digest
 * when the upload closes.
 */
import { createReadStream } from 'node:fs';
import { BerthError } from '../errors';
import type { TransferProgress } from '../events';
import type { Descriptor, Image } from '../image/image';
import { MediaType } from '../image/media-types';
import { type Reference, formatReference } from '../image/reference';
import type { LocalContentStore } from '../store/content-store';
import type { Digest } from '../store/digest';
import { repositoryScope } from './auth';
import type { RegistryClient } from './client';
import type { TransferOptions } from './registry';
import type { Body } from './transport';

export interface PushOptions extends TransferOptions {
  /** Repositories of the same registry that may hold the blobs already (mount sources). */
  mountFrom?: string[];
  chunkSize?: number;
  concurrency?: number;
}

export async function pushImage(image: Image, target: Reference, client: RegistryClient, content: LocalContentStore, options: PushOptions = {}): Promise<Digest> {
  const repo = target.path;
  const mountFrom = (options.mountFrom ?? []).filter((r) => r !== repo).slice(0, 1);
  const scopes = [repositoryScope(repo, 'pull,push'), ...mountFrom.map((r) => repositoryScope(r, 'pull'))];
  const transfer = new BlobPusher(client, content, repo, scopes, mountFrom[0], options);
  const layers = image.manifest.layers;
  for (const d of layers) transfer.report(d, 'layer', 'waiting', 0);
  await transfer.all([...layers.map((d) => ({ d, kind: 'layer' as const })), { d: image.manifest.config, kind: 'config' as const }]);
  const manifestBytes = await content.readBlob(image.manifestDigest);
  const reference = target.tag ?? target.digest ?? 'latest';
  // The mediaType field is optional in OCI manifests (podman omits it); the config's type tells which kind it is.
  const mediaType = image.manifest.mediaType ?? (image.manifest.config.mediaType === MediaType.ociConfig ? MediaType.ociManifest : MediaType.dockerManifest);
  const stored = await client.putManifest(repo, reference, manifestBytes, mediaType, scopes);
  if (stored && stored !== image.manifestDigest) {
    throw new BerthError('unavailable', `${client.registry} stored the manifest of ${formatReference(target)} as ${stored}, not ${image.manifestDigest}; it rewrote the manifest.`);
  }
  return image.manifestDigest;
}

class BlobPusher {
  constructor(
    private readonly client: RegistryClient,
    private readonly content: LocalContentStore,
    private readonly repo: string,
    private readonly scopes: string[],
    private readonly mountFrom: string | undefined,
    private readonly options: PushOptions,
  ) {}

  report(d: Descriptor, kind: TransferProgress['kind'], status: TransferProgress['status'], current: number): void {
    this.options.onProgress?.({ operation: 'push', digest: d.digest, kind, status, current, total: d.size });
  }

  /** Pushes `blobs` `concurrency` at a time; the first failure stops the rest from starting. */
  async all(blobs: Array<{ d: Descriptor; kind: TransferProgress['kind'] }>): Promise<void> {
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < blobs.length) {
        const { d, kind } = blobs[next++];
        try {
          await this.one(d, kind);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 3, blobs.length) }, worker));
    if (failure !== undefined) throw failure;
  }

  private async one(d: Descriptor, kind: TransferProgress['kind']): Promise<void> {
    if (await this.client.hasBlob(this.repo, d.digest, this.scopes)) return this.report(d, kind, 'exists', d.size);
    const started = await this.client.startUpload(this.repo, d.digest, this.scopes, this.mountFrom);
    if (started.mounted) return this.report(d, kind, 'mounted', d.size);
    const chunk = this.options.chunkSize;
    if (chunk === undefined || d.size <= chunk) {
      await this.client.finishUpload(started.location, this.repo, d.digest, this.scopes, { data: this.body(d, kind, 0, d.size), length: d.size });
    } else {
      let location = started.location;
      for (let start = 0; start < d.size; start += chunk) {
        const length = Math.min(chunk, d.size - start);
        location = await this.client.patchChunk(location, this.repo, this.scopes, this.body(d, kind, start, length), start, length);
      }
      await this.client.finishUpload(location, this.repo, d.digest, this.scopes);
    }
    this.report(d, kind, 'complete', d.size);
  }

  /** Bytes [start, start+length) of a stored blob, re-readable for a retry, counted for progress. */
  private body(d: Descriptor, kind: TransferProgress['kind'], start: number, length: number): Body {
    if (length === 0) return Buffer.alloc(0);
    const file = this.content.blobPath(d.digest);
    return () => this.counted(createReadStream(file, { start, end: start + length - 1, highWaterMark: 1 << 20 }), d, kind, start);
  }

  private async *counted(source: AsyncIterable<Buffer>, d: Descriptor, kind: TransferProgress['kind'], start: number): AsyncGenerator<Buffer> {
    let sent = start;
    let reported = 0;
    for await (const chunk of source) {
      this.options.signal?.throwIfAborted();
      sent += chunk.length;
      if (Date.now() - reported >= 100) {
        reported = Date.now();
        this.report(d, kind, 'uploading', sent);
      }
      yield chunk;
    }
  }
}
