/**
 * Making a new image from one new layer: `import` (a rootfs tar or directory -> a
 * single-layer image, like `docker import`) and `commit` (a container's upper dir on top
 * of its image). The layer is stored and extracted in one pass, like a load, under one
 * lease until refs.json names the image.
 */
import { invalidArgument } from '../errors';
import { chainIds } from '../layer/layer';
import { type LayerContext, commitLayer } from '../layer/layer-store';
import type { LocalContentStore } from '../store/content-store';
import { Lease } from '../store/lease';
import type { RefStore } from '../store/refs';
import { type LoadedImage, dockerManifest, layerMediaType, removeLeaseTemps } from './archive-load';
import { storeAndStage } from './archive-read';
import type { ContainerConfig, Image, ImageConfig } from './image';
import { hostPlatform } from './platform';

/** Typed `--change` instructions (the CLI maps `CMD …`, `ENV …` strings into these). */
export interface ImageConfigChanges {
  cmd?: string[];
  entrypoint?: string[];
  /** `KEY=value`; replaces an existing KEY. */
  env?: string[];
  workingDir?: string;
  user?: string;
  /** `80`, `80/tcp`, `53/udp`. */
  exposedPorts?: string[];
  /** Merged over the parent's labels. */
  labels?: Record<string, string>;
  volumes?: string[];
  stopSignal?: string;
  onBuild?: string[];
}

export function applyChanges(base: ContainerConfig, changes: ImageConfigChanges = {}): ContainerConfig {
  const out: ContainerConfig = structuredClone(base);
  if (changes.cmd) out.Cmd = changes.cmd;
  if (changes.entrypoint) {
    out.Entrypoint = changes.entrypoint;
    // As in a Dockerfile, a new ENTRYPOINT drops the inherited CMD unless one is given.
    if (!changes.cmd) out.Cmd = null;
  }
  if (changes.env) {
    const env = new Map((out.Env ?? []).map((e) => [e.split('=')[0], e]));
    for (const e of changes.env) {
      if (!e.includes('=')) throw invalidArgument(`ENV change '${e}' must be KEY=value.`);
      env.set(e.split('=')[0], e);
    }
    out.Env = [...env.values()];
  }
  if (changes.workingDir !== undefined) out.WorkingDir = changes.workingDir;
  if (changes.user !== undefined) out.User = changes.user;
  if (changes.exposedPorts) {
    out.ExposedPorts = { ...out.ExposedPorts };
    for (const p of changes.exposedPorts) {
      const port = p.includes('/') ? p : `${p}/tcp`;
      if (!/^\d{1,5}(?:-\d{1,5})?\/(?:tcp|udp|sctp)$/.test(port)) throw invalidArgument(`EXPOSE change '${p}' must be port[/tcp|udp|sctp].`);
      out.ExposedPorts[port] = {};
    }
  }
  if (changes.labels) out.Labels = { ...out.Labels, ...changes.labels };
  if (changes.volumes) out.Volumes = { ...out.Volumes, ...Object.fromEntries(changes.volumes.map((v) => [v, {}])) };
  if (changes.stopSignal !== undefined) out.StopSignal = changes.stopSignal;
  if (changes.onBuild) out.OnBuild = changes.onBuild;
  return out;
}

export interface NewImage {
  /** The image the layer goes on (commit); none for import. */
  parent?: Image;
  /** The layer tar (plain or compressed). */
  layer: AsyncIterable<Buffer>;
  changes?: ImageConfigChanges;
  comment?: string;
  author?: string;
  /** The history line (`import`, `/bin/sh` …). */
  createdBy: string;
  names: string[];
  /** Names the source in errors. */
  what: string;
  signal?: AbortSignal;
}

export async function createImage(spec: NewImage, deps: { content: LocalContentStore; refs: RefStore; layers: LayerContext }): Promise<LoadedImage> {
  const lease = await Lease.create(deps.content.root);
  try {
    const blob = await storeAndStage(undefined, spec.layer[Symbol.asyncIterator](), '', { content: deps.content, layers: deps.layers, lease, what: spec.what, signal: spec.signal });
    if (!blob.staged) throw blob.stageError;
    const created = new Date().toISOString();
    const parent = spec.parent?.config;
    const platform = hostPlatform();
    const config: ImageConfig = {
      ...(parent ?? { architecture: platform.architecture, os: platform.os, ...(platform.variant && { variant: platform.variant }) }),
      created,
      ...(spec.author && { author: spec.author }),
      config: applyChanges(parent?.config ?? {}, spec.changes),
      rootfs: { type: 'layers', diff_ids: [...(parent?.rootfs.diff_ids ?? []), blob.staged.result.diffId] },
      history: [...(parent?.history ?? []), { created, created_by: spec.createdBy, ...(spec.comment && { comment: spec.comment }), ...(spec.author && { author: spec.author }) }],
    };
    const chains = chainIds(config.rootfs.diff_ids);
    await commitLayer(blob.staged, deps.layers, chains[chains.length - 1], chains[chains.length - 2], lease);
    const configBlob = await deps.content.writeBlob(Buffer.from(JSON.stringify(config)), { lease });
    const layers = [...(spec.parent?.manifest.layers ?? []), { mediaType: layerMediaType(blob.compression), digest: blob.digest, size: blob.size }];
    const manifest = await deps.content.writeBlob(Buffer.from(JSON.stringify(dockerManifest(configBlob, layers))), { lease });
    await deps.refs.setImage(manifest.digest, spec.names);
    return { id: configBlob.digest, manifestDigest: manifest.digest, names: spec.names };
  } finally {
    await removeLeaseTemps(deps.layers, lease);
    await lease.release();
  }
}
