/**
 * The images in a store: refs.json's names and images joined with their manifests and
 * configs, and the resolution of what a person types (a name, a short or full id, a
 * digest) to one image, with Docker's precedence: a full id, then a name, then an id
 * prefix.
 */
import { BerthError, notFound } from '../errors';
import type { LocalContentStore } from '../store/content-store';
import { type Digest, isDigest } from '../store/digest';
import { type RefStore, type RefsFile, namesOf } from '../store/refs';
import type { Image } from './image';
import { parseReference, formatReference, repository } from './reference';
import { checkImage, parseImageConfig, parseManifest } from './validate';

export class ImageCatalog {
  /**
   * Images already read and verified, by manifest digest. A digest names fixed content,
   * so an entry never goes stale; without it every listing re-read and re-hashed two
   * blobs per image (the views list on every change).
   */
  private readonly verified = new Map<Digest, Image>();

  constructor(
    readonly content: LocalContentStore,
    readonly refs: RefStore,
  ) {}

  /** The image stored under a manifest digest, verified and validated. */
  async read(manifestDigest: Digest): Promise<Image> {
    const known = this.verified.get(manifestDigest);
    if (known) return known;
    const where = `manifest ${manifestDigest}`;
    const manifest = parseManifest(await this.content.readBlob(manifestDigest), where);
    const config = parseImageConfig(await this.content.readBlob(manifest.config.digest), `config ${manifest.config.digest}`);
    checkImage(manifest, config, where);
    const image: Image = { id: manifest.config.digest, manifestDigest, manifest, config };
    this.verified.set(manifestDigest, image);
    return image;
  }

  /** Every image in refs.json that can be read (a damaged one is skipped, not fatal). */
  async all(refs?: RefsFile): Promise<{ refs: RefsFile; images: Image[] }> {
    const file = refs ?? (await this.refs.read());
    // Forget removed images, so a long-lived process (the extension) keeps only what is stored.
    for (const digest of this.verified.keys()) if (!file.images[digest]) this.verified.delete(digest);
    const images: Image[] = [];
    for (const digest of Object.keys(file.images) as Digest[]) {
      const image = await this.read(digest).catch(() => undefined);
      if (image) images.push(image);
    }
    return { refs: file, images };
  }

  /**
   * The manifest digest `ref` means: `sha256:<id>` or `<64 hex>` (image id or manifest
   * digest), a name (`busybox`, `busybox:1.36`, `repo@sha256:…`), or a unique id prefix.
   * `not-found` names the ref and how to list images; an ambiguous prefix is
   * `invalid-argument`.
   */
  async resolve(ref: string): Promise<{ manifestDigest: Digest; image: Image; refs: RefsFile }> {
    const file = await this.refs.read();
    const found = await this.find(ref, file);
    if (!found) throw notFound(`No such image: ${ref}. List images with \`berth images\`, or load or pull it first.`);
    return { manifestDigest: found, image: await this.read(found), refs: file };
  }

  private async find(ref: string, file: RefsFile): Promise<Digest | undefined> {
    const manifests = Object.keys(file.images) as Digest[];
    const full = /^[a-f0-9]{64}$/.test(ref) ? `sha256:${ref}` : ref;
    if (isDigest(full)) {
      if (file.images[full]) return full;
      for (const m of manifests) if ((await this.configOf(m)) === full) return m;
      return undefined;
    }
    let parsed;
    try {
      parsed = parseReference(ref);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      const byName = file.names[formatReference(parsed)];
      if (byName) return byName;
      if (parsed.digest) {
        // repo@sha256:… for an image that has that manifest and some name in the repo.
        const repo = repository(parsed);
        const m = parsed.digest;
        if (file.images[m] && namesOf(file, m).some((n) => n.startsWith(`${repo}:`) || n.startsWith(`${repo}@`))) return m;
      }
    }
    const prefix = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    if (!/^[a-f0-9]{1,63}$/.test(prefix)) return undefined;
    const matches = new Map<Digest, Digest>();
    for (const m of manifests) {
      const id = await this.configOf(m);
      if (id?.slice(7).startsWith(prefix)) matches.set(id, m);
    }
    if (matches.size > 1) throw new BerthError('invalid-argument', `'${ref}' matches ${matches.size} images. Give more characters of the id.`);
    return [...matches.values()][0];
  }

  private async configOf(manifestDigest: Digest): Promise<Digest | undefined> {
    try {
      return parseManifest(await this.content.readBlob(manifestDigest), `manifest ${manifestDigest}`).config.digest;
    } catch {
      return undefined;
    }
  }
}
