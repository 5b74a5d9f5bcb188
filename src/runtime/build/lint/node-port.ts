/**
 * The linter's port over real things: a build-context directory on disk (with its
 * .dockerignore) and the Engine's image store. The CLI and the editor both use these.
 */

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isBerthError } from '../../errors';
import { hasGlob, matchGlob, PathMatcher } from '../dockerignore';
import { parseImageName } from './helpers';
import type { BuildContextPort, ImageStorePort, LocalImage } from './port';

/** A context source as a clean relative path (`./a/`, `/a` → `a`; the root is `.`). */
function relative(source: string): string {
  const cleaned = path.posix.normalize(source.replace(/\\/g, '/')).replace(/^\/+/, '').replace(/\/+$/, '');
  return cleaned === '' ? '.' : cleaned;
}

/**
 * The build context at `dir`. The ignore file is `<Dockerfile>.dockerignore` beside the
 * Dockerfile when there is one (BuildKit's rule), else `<dir>/.dockerignore`; it is read once.
 */
export function directoryContext(dir: string, dockerfile?: string): BuildContextPort {
  let matcher: Promise<PathMatcher> | undefined;
  const ignore = () =>
    (matcher ??= (async () => {
      const candidates = [...(dockerfile ? [`${dockerfile}.dockerignore`] : []), path.join(dir, '.dockerignore')];
      for (const file of candidates) {
        const text = await fs.readFile(file, 'utf8').catch(() => undefined);
        if (text !== undefined) return PathMatcher.parse(text);
      }
      return PathMatcher.parse('');
    })());

  /** The relative paths a source names: itself, or every match of its wildcards (one level a segment, as Go's filepath.Match). */
  async function matches(source: string): Promise<string[]> {
    const rel = relative(source);
    if (rel === '.' || rel.startsWith('../')) return rel === '.' ? ['.'] : [];
    if (!hasGlob(rel)) return (await fs.lstat(path.join(dir, rel)).then(() => true, () => false)) ? [rel] : [];
    let found = [''];
    for (const segment of rel.split('/')) {
      const next: string[] = [];
      for (const base of found) {
        if (!hasGlob(segment)) {
          const p = base ? `${base}/${segment}` : segment;
          if (await fs.lstat(path.join(dir, p)).then(() => true, () => false)) next.push(p);
          continue;
        }
        const names = await fs.readdir(path.join(dir, base)).catch(() => [] as string[]);
        for (const name of names) if (matchGlob(segment, name)) next.push(base ? `${base}/${name}` : name);
      }
      found = next;
    }
    return found;
  }

  return {
    async exists(source) {
      return (await matches(source)).length > 0;
    },
    async ignored(source) {
      const m = await ignore();
      if (m.empty) return false;
      const rel = relative(source);
      if (!hasGlob(rel)) return rel !== '.' && m.excludes(rel);
      const found = await matches(source);
      return found.length > 0 && found.every((p) => m.excludes(p));
    },
  };
}

/** The Engine's image methods the port needs. */
export interface ImageLookup {
  inspectImage(ref: string): Promise<Record<string, unknown>>;
  listImages(): Promise<{ repoTags: string[] }[]>;
}

/** What an image inspect record (docker's shape) says, as the linter and the hover want it. */
export function localImage(inspect: Record<string, unknown>): LocalImage {
  const config = (inspect.Config ?? {}) as { Env?: unknown };
  const rootfs = (inspect.RootFS ?? {}) as { Layers?: unknown };
  const platform = [inspect.Os, inspect.Architecture, inspect.Variant].filter((p) => typeof p === 'string' && p !== '').join('/');
  return {
    id: String(inspect.Id ?? ''),
    platform,
    env: Array.isArray(config.Env) ? config.Env.map(String) : [],
    size: typeof inspect.Size === 'number' ? inspect.Size : 0,
    created: typeof inspect.Created === 'string' && inspect.Created !== '' ? inspect.Created : undefined,
    layers: Array.isArray(rootfs.Layers) ? rootfs.Layers.length : 0,
    tags: Array.isArray(inspect.RepoTags) ? inspect.RepoTags.map(String) : [],
  };
}

export function storeImages(engine: ImageLookup): ImageStorePort {
  return {
    async image(reference) {
      try {
        return localImage(await engine.inspectImage(reference));
      } catch (err) {
        if (isBerthError(err, 'not-found') || isBerthError(err, 'invalid-argument')) return undefined;
        throw err;
      }
    },
    async tags(repository) {
      const tags = new Set<string>();
      for (const image of await engine.listImages()) {
        for (const t of image.repoTags) {
          const name = parseImageName(t);
          if (name.tag && (name.repository === repository || name.repository === `docker.io/library/${repository}` || name.repository === `library/${repository}`)) tags.add(name.tag);
        }
      }
      return [...tags].sort();
    },
  };
}
