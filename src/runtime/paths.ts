/**
 * Where Berth keeps things. One store per root: `--root`/BERTH_ROOT picks it, so several
 * stores can coexist (tests use a temp root each).
 *
 *   <root>/blobs/sha256/<hex>   content store (OCI image-layout shape)
 *   <root>/refs.json            name:tag -> manifest digest
 *   <root>/layers/<chainid>/    extracted, read-only layer trees
 *   <root>/containers/<id>/     one container: config, state, upper/work, log, exit status
 *   <root>/builds/cache/        build cache records
 *   <root>/events.jsonl         append-only event log shared by every process on this store
 *
 * The helper's socket and the containers' files of one run (containers/<id>/: bundle,
 * /etc files, attach sockets) live under the runtime dir, which is per user and per boot
 * ($XDG_RUNTIME_DIR/berth, or /run/berth for root: a tmpfs on the usual host, where they
 * cost a fraction of what they would on the store's disk), so a host restart forgets live
 * state but never the store.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_ROOT) return path.resolve(env.BERTH_ROOT);
  if (isRoot()) return '/var/lib/berth';
  const dataHome = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(dataHome, 'berth');
}

export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_RUNTIME_DIR) return path.resolve(env.BERTH_RUNTIME_DIR);
  if (isRoot()) return '/run/berth';
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'berth');
  // No XDG_RUNTIME_DIR (ssh without logind, CI): a private dir under /tmp, per uid.
  return path.join(os.tmpdir(), `berth-run-${process.getuid?.() ?? 'user'}`);
}

export interface StorePaths {
  root: string;
  blobs: string;
  refs: string;
  layers: string;
  containers: string;
  buildCache: string;
  events: string;
  tmp: string;
}

export function storePaths(root: string): StorePaths {
  return {
    root,
    blobs: path.join(root, 'blobs', 'sha256'),
    refs: path.join(root, 'refs.json'),
    layers: path.join(root, 'layers'),
    containers: path.join(root, 'containers'),
    buildCache: path.join(root, 'builds', 'cache'),
    events: path.join(root, 'events.jsonl'),
    // Temp files live inside the store so that rename() into place never crosses a filesystem.
    tmp: path.join(root, 'tmp'),
  };
}
