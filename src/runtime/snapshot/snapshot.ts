/**
 * Snapshots: a container's filesystem, made of the image's extracted layers (shared,
 * read-only, one directory per chain id — ../layer/layer.ts) and one writable layer of
 * its own.
 *
 *   <root>/containers/<id>/upper/    the container's changes, in overlayfs form
 *   <root>/containers/<id>/work/     overlayfs's scratch dir (same filesystem as upper)
 *   <root>/containers/<id>/rootfs/   the mount point the helper mounts the overlay on
 *
 * Lifecycle: `prepare` (idempotent) before each start; `readFile` and `diff` at any time,
 * mounted or not, because they read the layers and the upper dir directly; `remove` with
 * the container. Nothing is mounted in this process: the overlay is an OCI mount the
 * helper performs inside the container's mount namespace, so nothing leaks on the host.
 */
import type { FileChange } from '../container/container';
import type { RootfsPort } from '../container/ports';

export interface Snapshotter extends RootfsPort {
  /** What the container changed: A added, C changed, D deleted; parents before children. */
  diff(containerId: string, chainIds: string[]): Promise<FileChange[]>;
  /** Removes the container's writable layer. Absent is fine. */
  remove(containerId: string): Promise<void>;
}
