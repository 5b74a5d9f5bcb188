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
import type { Lease } from '../store/lease';
import type { RefStore } from '../store/refs';
import type { BuildState } from './build';

export interface WriterDeps {
  content: LocalContentStore;
  refs: RefStore;
  layers: LayerContext;
  lease: Lease;
}

/** `parent` plus one layer read from `tar`, with `history` as its entry. */
export async function addLayer(parent: BuildState, tar: AsyncIterable<Buffer>, history: { created_by: string; comment?: string }, key: string, deps: WriterDeps, signal?: AbortSignal): Promise<BuildState> {
  const blob = await storeAndStage(undefined, tar[Symbol.asyncIterator](), '', { content: deps.content, layers: deps.layers, lease: deps.lease, what: history.created_by, signal });
  if (!blob.staged) throw blob.stageError;
  const diffIds = [...parent.config.rootfs.diff_ids, blob.staged.result.diffId];
  const chains = chainIds(diffIds);
  await commitLayer(blob.staged, deps.layers, chains[chains.length - 1], chains[chains.length - 2], deps.lease);
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

/** Writes the state's config and manifest and names it; returns the image id. */
export async function writeImage(state: BuildState, names: string[], deps: WriterDeps): Promise<string> {
  const config = await deps.content.writeBlob(Buffer.from(JSON.stringify(state.config)), { lease: deps.lease });
  const manifest = await deps.content.writeBlob(Buffer.from(JSON.stringify(dockerManifest(config, state.layers))), { lease: deps.lease });
  await deps.refs.setImage(manifest.digest, names);
  return config.digest;
}
