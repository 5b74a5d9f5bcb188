/**
 * The shapes people and programs see: `images` rows, `image inspect` (Docker's
 * ImageInspect, so scripts written for `docker inspect` keep working) and `history`.
 * Sizes are of the extracted layers (uncompressed), as Docker reports them.
 */
import type { ImageHistoryEntry, ImageSummary } from '../cli/engine-port';
import { chainIds, layerFsDir, readLayerMeta } from '../layer/layer';
import type { Digest } from '../store/digest';
import { type RefsFile, namesOf } from '../store/refs';
import type { Image } from './image';
import { familiarName } from './reference';

/**
 * Uncompressed size of each layer (the extracted layer's, else the blob's). `known`
 * keeps extracted layers' sizes by chain id across calls: a chain id names fixed
 * content, so its size never changes.
 */
export async function layerSizes(root: string, image: Image, known?: Map<Digest, number>): Promise<number[]> {
  const chains = chainIds(image.config.rootfs.diff_ids);
  return Promise.all(
    chains.map(async (c, i) => {
      const size = known?.get(c) ?? (await readLayerMeta(root, c))?.size;
      if (size !== undefined) known?.set(c, size);
      return size ?? image.manifest.layers[i]?.size ?? 0;
    }),
  );
}

export function imageNames(refs: RefsFile, image: Image): { repoTags: string[]; repoDigests: string[] } {
  return splitNames(namesOf(refs, image.manifestDigest));
}

function splitNames(normalized: string[]): { repoTags: string[]; repoDigests: string[] } {
  const names = normalized.map(familiarName);
  return { repoTags: names.filter((n) => !n.includes('@')), repoDigests: names.filter((n) => n.includes('@')) };
}

/** An `images` row; `names` are the normalized names of the image's manifest (namesByManifest). */
export async function summary(root: string, names: string[], image: Image, containers: number, knownSizes?: Map<Digest, number>): Promise<ImageSummary> {
  const { repoTags, repoDigests } = splitNames(names);
  const labels = image.config.config?.Labels;
  return {
    id: image.id,
    repoTags,
    ...(repoDigests.length > 0 && { repoDigests }),
    ...(image.config.created && { created: image.config.created }),
    size: (await layerSizes(root, image, knownSizes)).reduce((a, b) => a + b, 0),
    ...(labels && { labels }),
    containers,
  };
}

export async function inspectView(root: string, refs: RefsFile, image: Image): Promise<Record<string, unknown>> {
  const { repoTags, repoDigests } = imageNames(refs, image);
  const { config } = image;
  const chains = chainIds(config.rootfs.diff_ids) as Digest[];
  const lower = chains.map((c) => layerFsDir(root, c)).reverse();
  return {
    Id: image.id,
    RepoTags: repoTags,
    RepoDigests: repoDigests,
    Parent: '',
    Comment: config.history?.at(-1)?.comment ?? '',
    Created: config.created ?? '',
    Author: config.author ?? '',
    Config: config.config ?? {},
    Architecture: config.architecture,
    ...(config.variant && { Variant: config.variant }),
    Os: config.os,
    Size: (await layerSizes(root, image)).reduce((a, b) => a + b, 0),
    GraphDriver: { Name: 'overlay', Data: { LowerDir: lower.join(':') } },
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: refs.images[image.manifestDigest]?.added ?? '' },
    Descriptor: { mediaType: image.manifest.mediaType, digest: image.manifestDigest },
  };
}

/** Newest first; each non-empty history entry takes the next layer's size. */
export async function history(root: string, image: Image): Promise<ImageHistoryEntry[]> {
  const sizes = await layerSizes(root, image);
  const entries = image.config.history ?? sizes.map(() => ({}) as { created?: string; created_by?: string; comment?: string; empty_layer?: boolean });
  let layer = 0;
  const out: ImageHistoryEntry[] = entries.map((h) => ({
    ...(h.created && { created: h.created }),
    ...(h.created_by && { createdBy: h.created_by }),
    ...(h.comment && { comment: h.comment }),
    ...(h.empty_layer && { emptyLayer: true }),
    size: h.empty_layer ? 0 : (sizes[layer++] ?? 0),
  }));
  out.reverse();
  if (out.length > 0) out[0].id = image.id;
  return out;
}
