/**
 * Loading image archives: docker-save (Docker < 25: `manifest.json` + `<id>/layer.tar`;
 * Docker >= 25 and podman: `manifest.json` naming `blobs/sha256/…` or `<digest>.tar`) and
 * OCI archives (`oci-layout` + `index.json`), with plain, gzip or zstd layers.
 *
 * The archive is untrusted: every document is validated (./validate.ts), every blob is
 * hashed and compared with every name it is given (its file name, a manifest's
 * descriptor, the config's diff ids), and every layer goes through the safe extractor.
 *
 * Crash safety: everything written — blobs, staged and committed layers — is covered by
 * one lease until refs.json names the images, which is the last step. A process killed
 * at any point leaves only what GC removes once it sees the lease is dead.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { invalidArgument } from '../errors';
import { type Compression, sniffCompression } from '../layer/decompress';
import { chainIds as chainIdsOf, layersDir } from '../layer/layer';
import { type LayerContext, TEMP_LAYER_PREFIX, commitLayer, diffIdMismatch, extractLayer, removeTree } from '../layer/layer-store';
import type { LocalContentStore } from '../store/content-store';
import { type Digest, sha256Digest } from '../store/digest';
import { Lease } from '../store/lease';
import { type RefStore, addImage } from '../store/refs';
import { type ArchiveContents, type ArchiveMember, memberName, readArchive } from './archive-read';
import type { Descriptor, ImageConfig, Manifest } from './image';
import { MediaType } from './media-types';
import { hostPlatform, platformMatches } from './platform';
import { normalizeName } from './reference';
import { checkImage, parseImageConfig, parseJson, parseManifestOrIndex } from './validate';

export interface LoadDeps {
  content: LocalContentStore;
  refs: RefStore;
  layers: LayerContext;
}

export interface LoadedImage {
  id: Digest;
  manifestDigest: Digest;
  /** Normalized names it was given; empty for an untagged image. */
  names: string[];
}

/** An image as an archive or a registry describes it, before anything is committed. */
export interface Candidate {
  names: string[];
  /** The manifest bytes as found (OCI), or undefined when Berth writes one (docker-save). */
  manifestBytes?: Buffer;
  configBytes: Buffer;
  config: ImageConfig;
  layers: Array<{ member: ArchiveMember; descriptor?: Descriptor; where: string }>;
}

export async function loadArchive(source: AsyncIterable<Uint8Array>, what: string, deps: LoadDeps, signal?: AbortSignal): Promise<LoadedImage[]> {
  const lease = await Lease.create(deps.content.root);
  try {
    const contents = await readArchive(source, { content: deps.content, layers: deps.layers, lease, what, signal });
    const candidates = contents.members.has('manifest.json') ? dockerCandidates(contents, what) : ociCandidates(contents, what);
    if (candidates.length === 0) throw invalidArgument(`${what} holds no images (its manifest lists none).`);
    const loaded: LoadedImage[] = [];
    for (const candidate of candidates) loaded.push(await commitCandidate(candidate, what, deps, lease));
    await deps.refs.update((refs) => {
      for (const image of loaded) addImage(refs, image.manifestDigest, image.names);
    });
    return loaded;
  } finally {
    await removeLeaseTemps(deps.layers, lease);
    await lease.release();
  }
}

/** Staged layers the load did not use (or left by a failure). */
export async function removeLeaseTemps(ctx: LayerContext, lease: Lease): Promise<void> {
  const prefix = `${TEMP_LAYER_PREFIX}${lease.tempPrefix}`;
  const names = await fs.readdir(layersDir(ctx.root)).catch(() => [] as string[]);
  for (const name of names) if (name.startsWith(prefix)) await removeTree(path.join(layersDir(ctx.root), name), ctx).catch(() => undefined);
}

function member(contents: ArchiveContents, name: string, what: string, field: string): ArchiveMember {
  let key = memberName(name);
  for (let hops = 0; contents.links.has(key) && hops < 16; hops++) key = contents.links.get(key)!;
  const found = contents.members.get(key);
  if (!found) throw invalidArgument(`${what}: ${field} names '${name}', which is not in the archive.`);
  return found;
}

function jsonMember(contents: ArchiveContents, name: string, what: string, field: string): Buffer {
  const found = member(contents, name, what, field);
  if (found.kind !== 'data') throw invalidArgument(`${what}: ${field} '${name}' is not a JSON document.`);
  return found.data;
}

/** The data of a member named by digest, verified. */
function blobJson(contents: ArchiveContents, d: Descriptor, what: string, field: string): Buffer {
  const data = jsonMember(contents, `blobs/sha256/${d.digest.slice(7)}`, what, field);
  if (sha256Digest(data) !== d.digest || data.length !== d.size) {
    throw invalidArgument(`${what}: blob ${d.digest} (${field}) does not match its digest or size; the archive is corrupt.`);
  }
  return data;
}

function dockerCandidates(contents: ArchiveContents, what: string): Candidate[] {
  let doc: unknown;
  try {
    doc = JSON.parse(jsonMember(contents, 'manifest.json', what, 'the archive').toString('utf8'));
  } catch (err) {
    throw invalidArgument(`${what}: manifest.json is not valid JSON (${(err as Error).message}).`, err);
  }
  if (!Array.isArray(doc)) throw invalidArgument(`${what}: manifest.json must be a JSON array of images.`);
  return doc.map((raw, i) => {
    const where = `${what}: manifest.json[${i}]`;
    const entry = parseJson(JSON.stringify(raw ?? null), where);
    if (typeof entry.Config !== 'string') throw invalidArgument(`${where}: Config must be a file name.`);
    if (!Array.isArray(entry.Layers) || entry.Layers.some((l) => typeof l !== 'string')) throw invalidArgument(`${where}: Layers must be an array of file names.`);
    const tags = entry.RepoTags ?? [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw invalidArgument(`${where}: RepoTags must be an array of names.`);
    const configBytes = jsonMember(contents, entry.Config, where, 'Config');
    const named = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/.exec(entry.Config);
    if (named && sha256Digest(configBytes) !== `sha256:${named[1]}`) throw invalidArgument(`${where}: config '${entry.Config}' does not hash to the digest in its name; the archive is corrupt.`);
    const config = parseImageConfig(configBytes, `${where}: ${entry.Config}`);
    return {
      names: (tags as string[]).map((t) => normalizeName(t)),
      configBytes,
      config,
      layers: (entry.Layers as string[]).map((l, n) => ({ member: member(contents, l, where, `Layers[${n}]`), where: `${where}: layer '${l}'` })),
    };
  });
}

function ociCandidates(contents: ArchiveContents, what: string): Candidate[] {
  if (!contents.members.has('index.json')) {
    throw invalidArgument(`${what} is neither a docker-save archive (no manifest.json) nor an OCI archive (no index.json).`);
  }
  const index = parseManifestOrIndex(jsonMember(contents, 'index.json', what, 'the archive'), `${what}: index.json`);
  if (index.kind !== 'index') throw invalidArgument(`${what}: index.json is not an OCI index.`);
  const out: Candidate[] = [];
  for (const [i, top] of index.index.manifests.entries()) {
    const names = refNames(top);
    let descriptor = top;
    let bytes = blobJson(contents, descriptor, what, `index.json manifests[${i}]`);
    let parsed = parseManifestOrIndex(bytes, `${what}: manifest ${descriptor.digest}`);
    for (let depth = 0; parsed.kind === 'index'; depth++) {
      const host = hostPlatform();
      const pick = parsed.index.manifests.find((m) => m.platform && platformMatches(m.platform, host));
      if (!pick || depth > 2) throw invalidArgument(`${what}: image index ${descriptor.digest} has no manifest for ${host.os}/${host.architecture}.`);
      descriptor = pick;
      bytes = blobJson(contents, descriptor, what, `manifest for ${host.os}/${host.architecture}`);
      parsed = parseManifestOrIndex(bytes, `${what}: manifest ${descriptor.digest}`);
    }
    const manifest = parsed.manifest;
    const configBytes = blobJson(contents, manifest.config, what, 'config');
    const config = parseImageConfig(configBytes, `${what}: config ${manifest.config.digest}`);
    checkImage(manifest, config, `${what}: manifest ${descriptor.digest}`);
    out.push({
      names,
      manifestBytes: bytes,
      configBytes,
      config,
      layers: manifest.layers.map((d, n) => ({
        member: member(contents, `blobs/sha256/${d.digest.slice(7)}`, what, `layer ${n}`),
        descriptor: d,
        where: `${what}: layer ${d.digest}`,
      })),
    });
  }
  return out;
}

/** Names an OCI index entry carries: containerd's full name, or a ref.name that is one. */
function refNames(d: Descriptor): string[] {
  const full = d.annotations?.['io.containerd.image.name'];
  const ref = d.annotations?.['org.opencontainers.image.ref.name'];
  const name = full ?? (ref && /[/:]/.test(ref) ? ref : undefined);
  return name ? [normalizeName(name)] : [];
}

/**
 * Stores an image from its blobs — the one path shared by load and pull: checks every
 * layer against its descriptor and the config's diff ids before anything is named, then
 * names each staged tree (or extracts it from the stored blob) and writes the config and
 * the manifest, all under `lease`. The caller points refs.json at the result last.
 */
export async function commitCandidate(c: Candidate, what: string, deps: LoadDeps, lease: Lease): Promise<LoadedImage> {
  const diffIds = c.config.rootfs.diff_ids;
  if (diffIds.length !== c.layers.length) {
    throw invalidArgument(`${what}: the config lists ${diffIds.length} layers (rootfs.diff_ids) but the manifest ${c.layers.length}.`);
  }
  const chains = chainIdsOf(diffIds);
  const blobs = c.layers.map((layer, i) => {
    const blob = describeBlob(layer.member);
    if (layer.descriptor && (layer.descriptor.digest !== blob.digest || layer.descriptor.size !== blob.size)) {
      throw invalidArgument(`${layer.where} does not match its descriptor's digest or size; the archive is corrupt.`);
    }
    const staged = layer.member.kind === 'blob' ? layer.member.staged : undefined;
    if (staged && staged.result.diffId !== diffIds[i]) throw diffIdMismatch(layer.where, staged.result.diffId, diffIds[i]);
    if (layer.member.kind === 'blob' && !staged && layer.member.stageError) throw layer.member.stageError;
    return blob;
  });
  const descriptors = c.layers.map((layer, i) => layer.descriptor ?? { mediaType: layerMediaType(blobs[i].compression), digest: blobs[i].digest, size: blobs[i].size });
  const config = { digest: sha256Digest(c.configBytes), size: c.configBytes.length };
  const manifestBytes = c.manifestBytes ?? Buffer.from(JSON.stringify(dockerManifest(config, descriptors)));
  // One lease update for all this image will name: each blob and layer taking the store
  // lock and rewriting the lease file on its own made up much of a small load's commit.
  await lease.add({ digests: [config.digest, sha256Digest(manifestBytes), ...blobs.map((b) => b.digest)], chainIds: chains });
  const commitLayers = async () => {
    for (const [i, layer] of c.layers.entries()) {
      const member = layer.member;
      if (member.kind === 'data') await deps.content.writeBlob(member.data, { lease });
      const parent = chains[i - 1];
      const staged = member.kind === 'blob' ? member.staged : undefined;
      if (staged) {
        // Used once: a second image with the same layer finds it committed.
        (member as { staged?: unknown }).staged = undefined;
        await commitLayer(staged, deps.layers, chains[i], parent, lease);
      } else {
        // The store's stream fails unless it hashes to the blob's digest, so extraction need not hash a plain tar again.
        const digest = blobs[i].digest;
        await extractLayer(() => deps.content.createReadStream(digest), deps.layers, { chainId: chains[i], ...(parent && { parent }), expectedDiffId: diffIds[i], lease, what: layer.where, sourceDigest: () => digest });
      }
    }
  };
  // Independent until refs.json names them (all under the lease), so their fsyncs overlap.
  const [, , manifest] = await allSettledOrThrow([commitLayers(), deps.content.writeBlob(c.configBytes, { lease }), deps.content.writeBlob(manifestBytes, { lease })] as const);
  return { id: config.digest, manifestDigest: manifest.digest, names: c.names };
}

/** Promise.all that, on a failure, still waits for the others (the caller cleans up after them). */
export async function allSettledOrThrow<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** A layer member as a blob: stored already, or (kept in memory) still to be written. */
function describeBlob(m: ArchiveMember): { digest: Digest; size: number; compression: Compression } {
  if (m.kind === 'blob') return m;
  const sniffed = sniffCompression(m.data);
  return { digest: sha256Digest(m.data), size: m.data.length, compression: sniffed === 'gzip' || sniffed === 'zstd' ? sniffed : 'none' };
}

export function layerMediaType(compression: Compression): string {
  return compression === 'gzip' ? MediaType.dockerLayerGzip : compression === 'zstd' ? MediaType.ociLayerZstd : MediaType.dockerLayer;
}

/** A Docker schema 2 manifest, or an OCI one when a layer is zstd (Docker has no type for it). */
export function dockerManifest(config: { digest: Digest; size: number }, layers: Descriptor[]): Manifest {
  const oci = layers.some((l) => l.mediaType.startsWith('application/vnd.oci.'));
  return {
    schemaVersion: 2,
    mediaType: oci ? MediaType.ociManifest : MediaType.dockerManifest,
    config: { mediaType: oci ? MediaType.ociConfig : MediaType.dockerConfig, digest: config.digest, size: config.size },
    layers,
  };
}
