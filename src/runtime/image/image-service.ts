/**
 * ImageService: every image operation of the runtime behind one object, shaped like the
 * CLI's ImageApi (../cli/engine-port.ts) so the Engine can forward to it one-to-one, and
 * the ImagePort the container manager resolves images with.
 *
 * Each operation emits its runtime event (image.load, tag, untag, delete, import, save,
 * commit) through the `emit` it was given. Removal and prune only change refs.json and
 * then collect garbage, so a process killed half way leaves at most garbage, never a
 * name pointing at missing content.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageHistoryEntry, ImageSummary } from '../cli/engine-port';
import type { RunnableImage, ImagePort } from '../container/ports';
import { conflict, invalidArgument } from '../errors';
import type { RuntimeEvent } from '../events';
import type { IdMap } from '../idmap';
import { chainIds } from '../layer/layer';
import type { PrivilegedFs } from '../layer/layer';
import type { LayerContext } from '../layer/layer-store';
import { packDirectory, upperOpaqueDirs } from '../layer/pack';
import type { StorePaths } from '../paths';
import { tempNameFor } from '../store/atomic';
import { LocalContentStore } from '../store/content-store';
import type { Digest } from '../store/digest';
import { RefStore, type RefsFile, namesByManifest, namesOf } from '../store/refs';
import { OverlaySnapshotter } from '../snapshot/overlay';
import { type LoadedImage, loadArchive } from './archive-load';
import { type ArchiveFormat, type SaveItem, writeArchive } from './archive-save';
import { ImageCatalog } from './catalog';
import { type ImageConfigChanges, createImage } from './create';
import { type GcResult, collectGarbage } from './gc';
import type { Image } from './image';
import { ensureLayersIntact } from './layer-repair';
import { familiarName, isReference, normalizeName } from './reference';
import { history, inspectView, summary } from './views';

export interface ImageServiceOptions {
  /** Receives every image event (the Engine appends them to the store's event log). */
  emit?: (event: Omit<RuntimeEvent, 'time' | 'pid'>) => unknown;
  /**
   * Names of the containers created from each image, by image id. One call answers for
   * every image: a listing asks once, not once per image (that read every container's
   * files per image — minutes for 500 images and 500 containers).
   */
  containersByImage?: () => Promise<Map<string, string[]>>;
}

type Source = string | NodeJS.ReadableStream;

export class ImageService implements ImagePort {
  readonly content: LocalContentStore;
  readonly refs: RefStore;
  readonly catalog: ImageCatalog;
  readonly layers: LayerContext;
  /** The overlay snapshotter over this store's layers (the container manager's RootfsPort). */
  readonly snapshots: OverlaySnapshotter;
  /** Extracted layers' sizes by chain id, for listings (see layerSizes). */
  private readonly layerSizes = new Map<Digest, number>();

  constructor(
    readonly paths: StorePaths,
    idMap: IdMap,
    privileged: () => Promise<PrivilegedFs>,
    private readonly options: ImageServiceOptions = {},
  ) {
    this.content = new LocalContentStore(paths.root);
    this.refs = new RefStore(paths.root);
    this.catalog = new ImageCatalog(this.content, this.refs);
    this.layers = { root: paths.root, idMap, privileged };
    this.snapshots = new OverlaySnapshotter(paths, this.layers);
  }

  // ---- reading ------------------------------------------------------------------

  /** The image `ref` names (name, full or short id, digest); `not-found` otherwise. */
  async resolve(ref: string): Promise<Image> {
    return (await this.catalog.resolve(ref)).image;
  }

  async resolveForRun(ref: string): Promise<RunnableImage> {
    const { image, refs } = await this.catalog.resolve(ref);
    await ensureLayersIntact(image, this);
    const c = image.config.config ?? {};
    const named = isReference(ref) && refs.names[normalizeName(ref)] === image.manifestDigest;
    return {
      id: image.id,
      reference: named ? normalizeName(ref) : image.id,
      config: {
        ...(c.Env && { Env: c.Env }),
        ...(c.Cmd && { Cmd: c.Cmd }),
        ...(c.Entrypoint && { Entrypoint: c.Entrypoint }),
        ...(c.WorkingDir && { WorkingDir: c.WorkingDir }),
        ...(c.User && { User: c.User }),
        ...(c.StopSignal && { StopSignal: c.StopSignal }),
        ...(c.Labels && { Labels: c.Labels }),
        ...(c.Volumes && { Volumes: c.Volumes }),
        ...(c.ExposedPorts && { ExposedPorts: c.ExposedPorts }),
      },
      chainIds: chainIds(image.config.rootfs.diff_ids),
    };
  }

  /** One row per image id (manifests sharing a config are merged), newest first. */
  async listImages(_options: { all?: boolean } = {}): Promise<ImageSummary[]> {
    const [{ refs, images }, users] = await Promise.all([this.catalog.all(), this.containersByImage()]);
    const names = namesByManifest(refs);
    const rows = new Map<string, ImageSummary>();
    for (const image of images) {
      const row = await summary(this.paths.root, names.get(image.manifestDigest) ?? [], image, users.get(image.id)?.length ?? 0, this.layerSizes);
      const seen = rows.get(image.id);
      if (seen) seen.repoTags = [...new Set([...seen.repoTags, ...row.repoTags])].sort();
      else rows.set(image.id, row);
    }
    return [...rows.values()].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  }

  async inspectImage(ref: string): Promise<Record<string, unknown>> {
    const { image, refs } = await this.catalog.resolve(ref);
    return inspectView(this.paths.root, refs, image);
  }

  async imageHistory(ref: string): Promise<ImageHistoryEntry[]> {
    return history(this.paths.root, await this.resolve(ref));
  }

  // ---- names ----------------------------------------------------------------------

  async tagImage(source: string, target: string): Promise<void> {
    const { manifestDigest, image } = await this.catalog.resolve(source);
    const name = normalizeName(target);
    await this.refs.update((refs) => {
      if (!refs.images[manifestDigest]) throw conflict(`Image ${source} was removed while it was being tagged; load it again.`);
      refs.names[name] = manifestDigest;
    });
    await this.emit('image.tag', image.id, familiarName(name));
  }

  /**
   * Docker's `rmi`: a name of an image with other names is only untagged; an id, or an
   * image's last name, removes the image. An image used by a container is refused
   * (`conflict`) unless `force`, which untags it and keeps it for the container.
   */
  async removeImages(refs: string[], options: { force?: boolean } = {}): Promise<{ untagged: string[]; deleted: string[] }> {
    const untagged: string[] = [];
    const deleted: string[] = [];
    for (const ref of refs) {
      const { image } = await this.catalog.resolve(ref);
      const users = (await this.containersByImage()).get(image.id) ?? [];
      const result = await this.refs.update(async (file) => {
        const manifests = await this.manifestsOf(file, image.id);
        const names = manifests.flatMap((m) => namesOf(file, m));
        const byName = isReference(ref) && names.includes(normalizeName(ref)) && !/^[a-f0-9]{12,64}$/.test(ref);
        if (byName && names.length > 1) {
          delete file.names[normalizeName(ref)];
          return { untagged: [normalizeName(ref)], deleted: false };
        }
        if (!byName && names.length > 1 && !options.force) {
          throw conflict(`Image ${ref} has several names (${names.map(familiarName).join(', ')}); remove them one by one, or use --force to remove all.`);
        }
        if (users.length > 0 && !options.force) {
          throw conflict(`Image ${ref} is used by container${users.length > 1 ? 's' : ''} ${users.join(', ')}. Remove ${users.length > 1 ? 'them' : 'it'} first, or use --force to untag the image.`);
        }
        for (const name of names) delete file.names[name];
        if (users.length > 0) return { untagged: names, deleted: false };
        for (const m of manifests) delete file.images[m];
        return { untagged: names, deleted: true };
      });
      for (const name of result.untagged) await this.emit('image.untag', image.id, familiarName(name));
      untagged.push(...result.untagged.map(familiarName));
      if (result.deleted) {
        deleted.push(image.id);
        await this.emit('image.delete', image.id);
      }
    }
    if (deleted.length > 0) await this.gc();
    return { untagged, deleted };
  }

  /** Removes dangling images (no name), or with `all` every image no container uses. */
  async pruneImages(options: { all?: boolean } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    const [{ images, refs }, users] = await Promise.all([this.catalog.all(), this.containersByImage()]);
    const doomed: Image[] = [];
    for (const image of images) {
      if (!options.all && namesOf(refs, image.manifestDigest).length > 0) continue;
      if (users.get(image.id)?.length) continue;
      doomed.push(image);
    }
    const gone = new Set(doomed.map((i) => i.manifestDigest));
    await this.refs.update((file) => {
      for (const m of gone) {
        for (const name of namesOf(file, m)) delete file.names[name];
        delete file.images[m];
      }
    });
    const deleted = [...new Set(doomed.map((i) => i.id))];
    for (const id of deleted) await this.emit('image.delete', id);
    const { reclaimed } = await this.gc();
    return { deleted, reclaimed };
  }

  /** Deletes blobs and layers no image or live operation needs (see ./gc.ts). */
  gc(): Promise<GcResult> {
    return collectGarbage(this.catalog, this.layers);
  }

  // ---- archives -----------------------------------------------------------------

  /** Loads a docker-save or OCI archive (a file or a stream); returns the names loaded (ids for untagged images). */
  async loadImages(source: Source, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const what = typeof source === 'string' ? source : 'the image archive';
    const loaded = await loadArchive(this.open(source), what, this.deps(), options.signal);
    const out: string[] = [];
    for (const image of loaded) {
      for (const name of image.names) await this.emit('image.load', image.id, familiarName(name));
      if (image.names.length === 0) await this.emit('image.load', image.id);
      out.push(...(image.names.length > 0 ? image.names.map(familiarName) : [image.id]));
    }
    return out;
  }

  /** Writes images to a file (atomically) or a stream. A name saves that name; an id saves the image unnamed. */
  async saveImages(refs: string[], file: string | NodeJS.WritableStream, options: { format?: ArchiveFormat; signal?: AbortSignal } = {}): Promise<void> {
    if (refs.length === 0) throw invalidArgument('Name at least one image to save.');
    const items: SaveItem[] = [];
    for (const ref of refs) {
      const { image, refs: file } = await this.catalog.resolve(ref);
      const name = isReference(ref) ? normalizeName(ref) : undefined;
      items.push({ image, names: name && file.names[name] === image.manifestDigest ? [name] : [] });
    }
    const archive = Readable.from(writeArchive(items, options.format ?? 'docker-archive', this.content));
    if (typeof file === 'string') {
      const temp = tempNameFor(file);
      try {
        await pipeline(archive, createWriteStream(temp, { flags: 'wx' }), { signal: options.signal });
        await fs.rename(temp, file);
      } finally {
        await fs.rm(temp, { force: true });
      }
    } else {
      await pipeline(archive, file, { signal: options.signal });
    }
    for (const { image, names } of items) await this.emit('image.save', image.id, names[0] && familiarName(names[0]));
  }

  /** `docker import`: a rootfs tar (plain or compressed; file or stream) or a directory becomes a one-layer image. */
  async importImage(source: Source, reference?: string, options: { changes?: ImageConfigChanges; message?: string; signal?: AbortSignal } = {}): Promise<string> {
    const names = reference ? [normalizeName(reference)] : [];
    const isDir = typeof source === 'string' && statSync(source, { throwIfNoEntry: false })?.isDirectory();
    const layer = isDir ? packDirectory(source as string, { layers: this.layers, mode: 'rootfs', signal: options.signal }) : this.open(source);
    const what = typeof source === 'string' ? source : 'the imported tar';
    const made = await createImage({ layer, changes: options.changes, comment: options.message, createdBy: 'import', names, what, signal: options.signal }, this.deps());
    await this.emit('image.import', made.id, names[0] && familiarName(names[0]));
    return made.id;
  }

  /**
   * `docker commit`: a container's overlay upper dir (whiteouts and opaque dirs included)
   * as a new layer on its image. The caller pauses the container if it wants a consistent copy.
   */
  async commit(options: { upperDir: string; image: string; reference?: string; changes?: ImageConfigChanges; comment?: string; author?: string; createdBy?: string; signal?: AbortSignal }): Promise<string> {
    const parent = await this.resolve(options.image);
    const names = options.reference ? [normalizeName(options.reference)] : [];
    const opaque = await upperOpaqueDirs(options.upperDir, this.layers);
    const layer = packDirectory(options.upperDir, { layers: this.layers, mode: 'upper', opaque, signal: options.signal });
    const made: LoadedImage = await createImage(
      { parent, layer, changes: options.changes, comment: options.comment, author: options.author, createdBy: options.createdBy ?? 'commit', names, what: `the changes in ${options.upperDir}`, signal: options.signal },
      this.deps(),
    );
    await this.emit('image.commit', made.id, names[0] && familiarName(names[0]));
    return made.id;
  }

  // ---- helpers ------------------------------------------------------------------

  private deps() {
    return { content: this.content, refs: this.refs, layers: this.layers };
  }

  private open(source: Source): AsyncIterable<Buffer> {
    return (typeof source === 'string' ? createReadStream(source, { highWaterMark: 1 << 20 }) : source) as AsyncIterable<Buffer>;
  }

  private async containersByImage(): Promise<Map<string, string[]>> {
    return this.options.containersByImage ? this.options.containersByImage() : new Map();
  }

  private async manifestsOf(file: RefsFile, imageId: Digest): Promise<Digest[]> {
    const out: Digest[] = [];
    for (const m of Object.keys(file.images) as Digest[]) {
      const image = await this.catalog.read(m).catch(() => undefined);
      if (image?.id === imageId) out.push(m);
    }
    return out;
  }

  private async emit(type: RuntimeEvent['type'], id: string, name?: string): Promise<void> {
    await this.options.emit?.({ type, id, ...(name && { name }) });
  }
}
