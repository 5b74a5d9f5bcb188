/**
 * The store: everything Berth keeps on disk about images, under one root.
 *
 * Model (after containerd's content store, in the OCI image-layout shape):
 *
 *   blobs/sha256/<hex>   immutable, content-addressed blobs: manifests, indexes, configs,
 *                        layer tarballs. A blob's name *is* its sha256; a blob appears
 *                        only complete and verified (ingested into tmp/, hashed while
 *                        written, fsynced, renamed into place) and is verified again each
 *                        time it is read.
 *   refs.json            the only mutable index: names (`docker.io/library/busybox:latest`)
 *                        -> manifest digest, and the set of known images (manifests), so an
 *                        image that lost its last tag stays listed as dangling like Docker's.
 *                        Read-modify-write under the store lock, written atomically.
 *   leases/<id>.json     "this process is using these blobs and layers": an ingest in flight
 *                        protects what it wrote before any ref points at it. A lease's
 *                        owner holds an abstract unix socket named after it, so a lease
 *                        whose owner died (even by SIGKILL) is recognised and dropped.
 *   tmp/<lease>-…        partial ingests, owned by a lease; removed with their dead lease.
 *   layers/<chainid>/    extracted layer trees (see ../layer/layer.ts).
 *
 * Lifecycle of content: ingest (under a lease) -> referenced by refs.json -> lease
 * released. Garbage collection (../image/gc.ts) runs under the store lock: roots are the
 * images in refs.json plus every live lease; anything unreachable is deleted. Because a
 * lease is extended under the same lock *before* a blob is renamed into place, GC in one
 * process never removes a blob another process has just ingested or de-duplicated.
 *
 * Roles (containerd style; a function asks for the narrowest one it needs):
 *   Provider  has / info / createReadStream / readBlob — reading, verified
 *   Ingester  ingest / writeBlob — adding, atomic
 *   Manager   delete / list — administration
 */
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { Digest } from './digest';
import type { Lease } from './lease';

export type { Digest } from './digest';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface Provider {
  /** True when a complete blob with this digest is present. Never throws for absence. */
  has(digest: Digest): Promise<boolean>;
  /** Size of a present blob. `not-found` when absent. */
  info(digest: Digest): Promise<BlobInfo>;
  /**
   * A stream of the blob that hashes what it reads and fails with `internal` ("blob …
   * is corrupted") at the end if the content does not match its digest — so a consumer
   * must treat the data as provisional until the stream ends cleanly. `not-found` (on
   * the stream) when absent.
   */
  createReadStream(digest: Digest): Readable;
  /**
   * The whole blob, verified, for small JSON blobs (manifests, configs). Refuses blobs
   * larger than `maxSize` (default 4 MiB) with `invalid-argument`, since they come from
   * untrusted archives.
   */
  readBlob(digest: Digest, options?: { maxSize?: number }): Promise<Buffer>;
}

export interface IngestOptions {
  /** When known: the ingest fails with `invalid-argument` unless the content matches. */
  expected?: { digest: Digest; size?: number };
  /** Protects the blob from GC until the lease is released (see ./lease.ts). */
  lease?: Lease;
  signal?: AbortSignal;
}

export interface Ingester {
  /**
   * Streams `source` to a temp file under tmp/, hashing on the way, fsyncs it, checks
   * `expected`, adds the digest to the lease, and renames it into place. Idempotent: an
   * already-present blob is kept and the temp file dropped. On any failure no blob
   * appears and the temp file is removed.
   */
  ingest(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: IngestOptions): Promise<BlobInfo>;
  /** `ingest` for a buffer in memory (manifests, configs). */
  writeBlob(data: Uint8Array, options?: IngestOptions): Promise<BlobInfo>;
}

export interface Manager {
  /** Removes a blob; absent is not an error. Callers (GC) hold the store lock. */
  delete(digest: Digest): Promise<void>;
  list(): Promise<BlobInfo[]>;
}

export interface ContentStore extends Provider, Ingester, Manager {}

/** The lock every refs.json update and every GC sweep holds (see ./lock.ts). */
export function storeLockPath(root: string): string {
  return path.join(root, 'store.lock');
}

export function leasesDir(root: string): string {
  return path.join(root, 'leases');
}
