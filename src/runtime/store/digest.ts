/**
 * Content digests (`sha256:<64 hex>`), the names of everything in the content store.
 *
 * Only sha256 is accepted: it is what every registry and every archive format in use
 * writes, and refusing the rest keeps one hash on every hot path. A digest that reaches
 * us from outside (a manifest, an archive, a CLI argument) is checked with
 * `parseDigest` before it becomes a file name, so it can never carry a path separator.
 */
import { createHash } from 'node:crypto';
import { invalidArgument } from '../errors';

/** A validated `sha256:<64 lowercase hex>` string. */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/**
 * Validates a digest from an untrusted place; `where` names that place for the error
 * ("manifest.json: Config"). Throws `invalid-argument`.
 */
export function parseDigest(value: unknown, where = 'digest'): Digest {
  if (isDigest(value)) return value;
  if (typeof value === 'string' && /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:/.test(value) && !value.startsWith('sha256:')) {
    throw invalidArgument(`${where}: digest algorithm in '${value.slice(0, 80)}' is not supported; Berth stores sha256 content only.`);
  }
  throw invalidArgument(`${where}: '${String(value).slice(0, 80)}' is not a valid digest; expected 'sha256:' followed by 64 lowercase hex digits.`);
}

export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Docker's short id: the first 12 hex digits. */
export function shortId(digest: Digest): string {
  return digestHex(digest).slice(0, 12);
}
