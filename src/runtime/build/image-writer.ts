/**
 * The store side of a build: step layers are stored (blob) and extracted (layer tree) in
 * one pass under the build's lease, and the target's last state becomes an image only at
 * the end. Until then nothing names what the build made, so GC may take it all once the
 * build's process is gone.
 */
import { dockerManifest, layerMediaType } from '../image/archive-load';
import { storeAndStage } from '../image/archive-read';
import type { ImageConfig } from '../image/image';
import { chainIds } from '../layer/layer';
import { type LayerContext, commitLayer } from '../layer/layer-store';
import type { LocalContentStore } from '../store/content-store';
import { sha256Digest } from '../store/digest';
import type { Lease } from '../store/lease';
import type { RefStore } from '../store/refs';
import type { BuildState } from './build';

export interface WriterDeps {
  content: LocalContentStore;
  refs: RefStore;
  layers: LayerContext;
  /** The build's lease, taken when first asked for (./build-lease.ts). */
  lease: () => Promise<Lease>;
}

/** `parent` plus one layer read from `tar`, with `history` as its entry. */
export async function addLayer(parent: BuildState, tar: AsyncIterable<Buffer>, history: { created_by: string; comment?: string }, key: string, deps: WriterDeps, signal?: AbortSignal): Promise<BuildState> {
  const lease = await deps.lease();
  const blob = await storeAndStage(undefined, tar[Symbol.asyncIterator](), '', { content: deps.content, layers: deps.layers, lease, what: history.created_by, signal });
  if (!blob.staged) throw blob.stageError;
  const diffIds = [...parent.config.rootfs.diff_ids, blob.staged.result.diffId];
  const chains = chainIds(diffIds);
  await commitLayer(blob.staged, deps.layers, chains[chains.length - 1], chains[chains.length - 2], lease);
  const created = new Date().toISOString();
  return {
    key,
    config: { ...parent.config, created, rootfs: { type: 'layers', diff_ids: diffIds }, history: [...(parent.config.history ?? []), { created, ...history }] },
    layers: [...parent.layers, { mediaType: layerMediaType(blob.compression), digest: blob.digest, size: blob.size }],
  };
}

/** `parent` with a changed config and an `empty_layer` history entry. */
export function withConfig(parent: BuildState, config: ImageConfig['config'], createdBy: string, key: string): BuildState {
  const created = new Date().toISOString();
  return {
    key,
    config: { ...parent.config, created, config, history: [...(parent.config.history ?? []), { created, created_by: createdBy, empty_layer: true }] },
    layers: parent.layers,
  };
}

/**
 * Writes the state's config and manifest and names it; returns the image id. A rebuild
 * that changed nothing names the image it made last time: then nothing is written at all
 * (no blob, no fsync, no refs.json rewrite under the store lock).
 */
export async function writeImage(state: BuildState, names: string[], deps: WriterDeps): Promise<string> {
  const config = Buffer.from(JSON.stringify(state.config));
  const configDigest = sha256Digest(config);
  const manifest = Buffer.from(JSON.stringify(dockerManifest({ digest: configDigest, size: config.length }, state.layers)));
  const manifestDigest = sha256Digest(manifest);
  const refs = await deps.refs.read();
  const named = refs.images[manifestDigest] !== undefined && names.every((n) => refs.names[n] === manifestDigest);
  if (named && (await deps.content.has(manifestDigest)) && (await deps.content.has(configDigest))) return configDigest;
  // Leased before the presence checks, so GC cannot take a blob found present (../store/lease.ts).
  const lease = await deps.lease();
  await lease.add({ digests: [configDigest, manifestDigest] });
  for (const [data, digest] of [[config, configDigest], [manifest, manifestDigest]] as const) {
    if (!(await deps.content.has(digest))) await deps.content.writeBlob(data, { lease });
  }
  await deps.refs.setImage(manifestDigest, names);
  return configDigest;
}
