/**
 * Image references, parsed and normalized the way Docker does it, so a name means the
 * same thing in Berth as in `docker`:
 *
 *   busybox                 -> docker.io/library/busybox:latest
 *   user/app:1.0            -> docker.io/user/app:1.0
 *   localhost/app           -> localhost/app:latest
 *   registry:5000/x@sha256… -> registry:5000/x@sha256:…   (no tag added to a digest ref)
 *
 * The first path component is a registry domain when it contains '.' or ':', is
 * 'localhost', or has an upper-case letter (path components must be lower case).
 * `familiarName` turns a normalized name back into the short form people type.
 */
import { invalidArgument } from '../errors';
import { type Digest, parseDigest } from '../store/digest';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

export interface Reference {
  /** Registry host[:port], e.g. `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  path: string;
  tag?: string;
  digest?: Digest;
}

const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const MAX_NAME = 255;

function bad(input: string, why: string): Error {
  return invalidArgument(`'${input.slice(0, 300)}' is not a valid image reference: ${why}.`);
}

/**
 * Parses and normalizes a reference. With `defaultTag` (the default), a reference with
 * neither tag nor digest gets `:latest`. Throws `invalid-argument` naming what is wrong.
 */
export function parseReference(input: string, { defaultTag = true }: { defaultTag?: boolean } = {}): Reference {
  if (input.length === 0) throw bad(input, 'it is empty');
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = parseDigest(rest.slice(at + 1), `image reference '${input}'`);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG_RE.test(tag)) throw bad(input, `tag '${tag}' must be 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'`);
  }
  if (rest.length === 0) throw bad(input, 'the repository name is empty');
  let domain = DEFAULT_DOMAIN;
  let repoPath = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      repoPath = rest.slice(slash + 1);
      if (!DOMAIN_RE.test(domain)) throw bad(input, `'${domain}' is not a valid registry host`);
    }
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  for (const component of repoPath.split('/')) {
    if (!COMPONENT_RE.test(component)) {
      throw bad(input, `repository path component '${component}' must be lower-case letters and digits, separated by '.', '_', '__' or '-'`);
    }
  }
  if (domain === DEFAULT_DOMAIN && !repoPath.includes('/')) repoPath = OFFICIAL_PREFIX + repoPath;
  if (domain.length + 1 + repoPath.length > MAX_NAME) throw bad(input, `the repository name is longer than ${MAX_NAME} characters`);
  if (tag === undefined && digest === undefined && defaultTag) tag = 'latest';
  return { domain, path: repoPath, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** `docker.io/library/busybox` */
export function repository(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full normalized form: `docker.io/library/busybox:latest`, `repo@sha256:…`, or both. */
export function formatReference(ref: Reference): string {
  return repository(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Parse + format: the key used in refs.json. */
export function normalizeName(input: string): string {
  return formatReference(parseReference(input));
}

/** The short form people type: `busybox:latest`, `user/app:1.0`, `localhost/app:latest`. */
export function familiarName(name: string): string {
  let out = name;
  if (out.startsWith(`${DEFAULT_DOMAIN}/`)) {
    out = out.slice(DEFAULT_DOMAIN.length + 1);
    if (out.startsWith(OFFICIAL_PREFIX) && !out.slice(OFFICIAL_PREFIX.length).includes('/')) out = out.slice(OFFICIAL_PREFIX.length);
  }
  return out;
}

/** True if `input` parses as a reference (used to tell names from id prefixes). */
export function isReference(input: string): boolean {
  try {
    parseReference(input);
    return true;
  } catch {
    return false;
  }
}
