/**
 * Writing image archives: docker-archive (what `docker save` and `podman save` write and
 * both load: `<diffid>.tar` uncompressed layers, `<id>.json` configs, `manifest.json`)
 * and oci-archive (an OCI image layout: `oci-layout`, `index.json`, `blobs/sha256/…`).
 * Streamed: nothing is staged on disk. Every blob is verified as it is read, and a layer
 * decompressed for a docker-archive is checked against its diff id, so a damaged store
 * fails the save instead of writing a damaged archive.
 */
import { createHash } from 'node:crypto';
import { BerthError } from '../errors';
import { decompress } from '../layer/decompress';
import { chainIds, readLayerMeta } from '../layer/layer';
import { END_OF_ARCHIVE, encodeHeader, padding } from '../layer/tar';
import type { LocalContentStore } from '../store/content-store';
import type { Digest } from '../store/digest';
import type { Descriptor, Image, Manifest } from './image';
import { MediaType } from './media-types';
import { familiarName } from './reference';

export type ArchiveFormat = 'docker-archive' | 'oci-archive';

export interface SaveItem {
  image: Image;
  /** Normalized names to record for it. */
  names: string[];
}

function* member(name: string, data: Buffer): Generator<Buffer> {
  yield encodeHeader({ name, type: 'file', mode: 0o644, size: data.length });
  yield data;
  yield padding(data.length);
}

export async function* writeArchive(items: SaveItem[], format: ArchiveFormat, content: LocalContentStore): AsyncGenerator<Buffer> {
  if (format === 'docker-archive') yield* dockerArchive(items, content);
  else yield* ociArchive(items, content);
  yield END_OF_ARCHIVE;
}

async function* dockerArchive(items: SaveItem[], content: LocalContentStore): AsyncGenerator<Buffer> {
  const written = new Set<string>();
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  for (const { image, names } of items) {
    const layers: string[] = [];
    const chains = chainIds(image.config.rootfs.diff_ids);
    for (const [i, descriptor] of image.manifest.layers.entries()) {
      const diffId = image.config.rootfs.diff_ids[i];
      const name = `${diffId.slice(7)}.tar`;
      layers.push(name);
      if (written.has(name)) continue;
      written.add(name);
      yield* uncompressedLayer(name, descriptor, diffId, chains[i], content);
    }
    const config = `${image.id.slice(7)}.json`;
    if (!written.has(config)) {
      written.add(config);
      yield* member(config, await content.readBlob(image.id));
    }
    manifest.push({ Config: config, RepoTags: names.filter((n) => !n.includes('@')).map(familiarName), Layers: layers });
  }
  yield* member('manifest.json', Buffer.from(JSON.stringify(manifest)));
}

async function* uncompressedLayer(name: string, d: Descriptor, diffId: Digest, chainId: Digest, content: LocalContentStore): AsyncGenerator<Buffer> {
  const root = content.root;
  const size = d.digest === diffId ? d.size : (await readLayerMeta(root, chainId))?.size;
  if (size === undefined) throw new BerthError('internal', `Layer ${diffId} has no extracted copy to give its size; remove the image and load or pull it again.`);
  yield encodeHeader({ name, type: 'file', mode: 0o644, size });
  // An uncompressed blob's digest is its diff id, and the content store's stream already
  // fails unless the bytes hash to it: hashing them again only doubled the main thread's work.
  const hash = d.digest === diffId ? undefined : createHash('sha256');
  let bytes = 0;
  for await (const chunk of decompress(content.createReadStream(d.digest), `layer ${d.digest}`)) {
    hash?.update(chunk);
    bytes += chunk.length;
    if (bytes > size) break;
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (bytes !== size || (hash && `sha256:${hash.digest('hex')}` !== diffId)) {
    throw new BerthError('internal', `Layer ${d.digest} does not decompress to its diff id ${diffId}; the store is damaged. Remove the image and load or pull it again.`);
  }
  yield padding(size);
}

/** The OCI form of a manifest: same config and layer blobs, OCI media types. */
export function ociManifest(m: Manifest): Manifest {
  const layerType: Record<string, string> = {
    [MediaType.dockerLayer]: MediaType.ociLayer,
    [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
    [MediaType.dockerForeignLayerGzip]: MediaType.ociLayerNondistributableGzip,
  };
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { ...m.config, mediaType: MediaType.ociConfig },
    layers: m.layers.map((l) => ({ ...l, mediaType: layerType[l.mediaType] ?? l.mediaType })),
    ...(m.annotations && { annotations: m.annotations }),
  };
}

async function* ociArchive(items: SaveItem[], content: LocalContentStore): AsyncGenerator<Buffer> {
  yield* member('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  const written = new Set<string>();
  const manifests: Descriptor[] = [];
  const blob = async function* (digest: Digest, size: number): AsyncGenerator<Buffer> {
    if (written.has(digest)) return;
    written.add(digest);
    yield encodeHeader({ name: `blobs/sha256/${digest.slice(7)}`, type: 'file', mode: 0o644, size });
    for await (const chunk of content.createReadStream(digest)) yield chunk as Buffer;
    yield padding(size);
  };
  for (const { image, names } of items) {
    for (const layer of image.manifest.layers) yield* blob(layer.digest, layer.size);
    yield* blob(image.id, image.manifest.config.size);
    const data = Buffer.from(JSON.stringify(ociManifest(image.manifest)));
    const digest: Digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (!written.has(digest)) {
      written.add(digest);
      yield* member(`blobs/sha256/${digest.slice(7)}`, data);
    }
    const tagged = names.filter((n) => !n.includes('@'));
    for (const name of tagged.length > 0 ? tagged : [undefined]) {
      // podman reads a full name from ref.name, containerd from its own annotation.
      const annotations = name ? { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name } : undefined;
      manifests.push({ mediaType: MediaType.ociManifest, digest, size: data.length, ...(annotations && { annotations }) });
    }
  }
  yield* member('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests })));
}
