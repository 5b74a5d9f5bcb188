/**
 * References: `<root>/refs.json`, the one mutable index of the store.
 *
 *   names   normalized reference (`docker.io/library/busybox:latest`, or
 *           `repo@sha256:…`) -> manifest digest
 *   images  every known image (by manifest digest) with when it was added. An image whose
 *           last name moved elsewhere stays here — listed as dangling (`<none>:<none>`),
 *           as Docker does — until it is removed or pruned.
 *
 * Every change is a read-modify-write under the store lock, written atomically, so the
 * CLI and the extension host can update names at the same time without losing either.
 */
import { invalidArgument } from '../errors';
import { readJsonOr, writeJsonAtomic } from './atomic';
import { type Digest, isDigest } from './digest';
import { withLock } from './lock';
import { storeLockPath } from './store';
import { storePaths } from '../paths';

export interface ImageRecord {
  /** ISO time the image (manifest) was first added to this store. */
  added: string;
}

export interface RefsFile {
  version: 1;
  names: Record<string, Digest>;
  images: Record<Digest, ImageRecord>;
}

function emptyRefs(): RefsFile {
  return { version: 1, names: {}, images: {} };
}

function validate(value: unknown, file: string): RefsFile {
  const v = value as Partial<RefsFile> | null;
  if (!v || typeof v !== 'object' || v.version !== 1 || typeof v.names !== 'object' || typeof v.images !== 'object') {
    throw invalidArgument(`${file} is not a Berth refs file (version 1). Move it aside to start with an empty image list.`);
  }
  for (const [name, digest] of Object.entries(v.names ?? {})) {
    if (!isDigest(digest)) throw invalidArgument(`${file}: name '${name}' points to an invalid digest '${String(digest)}'.`);
  }
  return v as RefsFile;
}

export class RefStore {
  readonly file: string;

  constructor(readonly root: string) {
    this.file = storePaths(root).refs;
  }

  /** A consistent snapshot (the file is replaced atomically, so no lock is needed to read). */
  async read(): Promise<RefsFile> {
    let raw: unknown;
    try {
      raw = await readJsonOr<unknown>(this.file, emptyRefs());
    } catch (err) {
      throw invalidArgument(`${this.file} is not valid JSON. Move it aside to start with an empty image list.`, err);
    }
    return validate(raw, this.file);
  }

  async get(name: string): Promise<Digest | undefined> {
    return (await this.read()).names[name];
  }

  /**
   * Read-modify-write under the store lock. `fn` mutates the snapshot it is given; the
   * file is rewritten only if something changed. `fn` must not take the store lock.
   */
  async update<T>(fn: (refs: RefsFile) => T | Promise<T>): Promise<T> {
    return withLock(storeLockPath(this.root), async () => {
      const refs = await this.read();
      const before = JSON.stringify(refs);
      const result = await fn(refs);
      if (JSON.stringify(refs) !== before) await writeJsonAtomic(this.file, refs);
      return result;
    });
  }

  /** Adds the image if new and points each name at it (moving names from other images). */
  async setImage(manifest: Digest, names: string[]): Promise<void> {
    await this.update((refs) => addImage(refs, manifest, names));
  }
}

export function addImage(refs: RefsFile, manifest: Digest, names: string[]): void {
  refs.images[manifest] ??= { added: new Date().toISOString() };
  for (const name of names) refs.names[name] = manifest;
}

/**
 * namesOf for every manifest at once, for a listing: one pass over the names instead of
 * one per image (500 images × 500 names was most of a listing's time).
 */
export function namesByManifest(refs: RefsFile): Map<Digest, string[]> {
  const out = new Map<Digest, string[]>();
  for (const name of Object.keys(refs.names).sort()) {
    const names = out.get(refs.names[name]);
    if (names) names.push(name);
    else out.set(refs.names[name], [name]);
  }
  return out;
}

/** The names that point at `manifest`, sorted. */
export function namesOf(refs: RefsFile, manifest: Digest): string[] {
  return Object.keys(refs.names)
    .filter((name) => refs.names[name] === manifest)
    .sort();
}
