/**
 * The registry client: Berth's own OCI distribution client (pull, push, login, catalog),
 * on Node's http/https and nothing else.
 *
 * Vocabulary (as in the distribution spec):
 *   registry     a host[:port] that speaks `/v2/`; `docker.io` is reached at
 *                `registry-1.docker.io` and keyed `https://index.docker.io/v1/` in the
 *                Docker config file, as docker does
 *   repository   a path in a registry (`library/busybox`); every request is scoped to one
 *   manifest     an image manifest or an index, by tag or by digest; an index is resolved
 *                to the host platform's manifest before anything else is fetched
 *   blob         a config or a layer, by digest; streamed straight into the content store
 *                and verified on the way (../store/content-store.ts), never trusted
 *
 * Layers:   ./transport.ts  one HTTP exchange: TLS policy, redirects, retry with backoff,
 *                           status -> BerthError
 *           ./auth.ts       WWW-Authenticate challenges, basic and bearer tokens per scope
 *           ./credentials.ts the Docker config file and `docker-credential-*` helpers
 *           ./client.ts     RegistryClient: the /v2/ endpoints of one registry
 *           ./pull.ts ./push.ts  the two transfers, each with per-blob progress
 *
 * Transport security: HTTPS with verified certificates, always — except for registries on
 * the loopback (localhost, 127.0.0.0/8, ::1) and those the user marks insecure
 * (`BERTH_INSECURE_REGISTRIES=host[:port],…`, the CLI's `--insecure`, or
 * `RegistryOptions.insecure` for an embedder such as the extension). For those, as docker's `insecure-registries`, HTTPS
 * is tried first (without certificate checks for insecure ones) and plain HTTP is used
 * when the registry does not speak TLS — except that a loopback registry is first asked
 * over plain HTTP, which is what nearly all of them speak (./client.ts `ping`).
 */
import type { TransferProgress } from '../events';

/** Docker Hub's name in references, its API host, and its key in the Docker config file. */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API = 'registry-1.docker.io';
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  /** First backoff; doubled per attempt, with jitter. */
  baseDelayMs: number;
  /** Longest wait honoured from a Retry-After header. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 10_000 };

export interface RegistryOptions {
  /** Registries (host[:port]) allowed over plain HTTP or with unverified TLS. */
  insecure?: string[];
  /** The Docker config directory (default $DOCKER_CONFIG or ~/.docker). */
  configDir?: string;
  retry?: RetryPolicy;
  /** Push uploads in chunks of this many bytes (PATCH); monolithic (one PUT) when absent. */
  chunkSize?: number;
  /** Blobs transferred at once. */
  concurrency?: number;
  /** Environment for credential helpers and defaults (tests pin it). */
  env?: NodeJS.ProcessEnv;
}

export interface TransferOptions {
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** True when `host` may be reached over plain HTTP (see the header). */
export function allowsPlainHttp(host: string, options: RegistryOptions): boolean {
  return isLoopback(host) || isMarkedInsecure(host, options);
}

export function isMarkedInsecure(host: string, options: RegistryOptions): boolean {
  return insecureRegistries(options).includes(host);
}

/** `options.insecure` plus `BERTH_INSECURE_REGISTRIES` (comma or space separated). */
export function insecureRegistries(options: RegistryOptions): string[] {
  const fromEnv = (options.env ?? process.env).BERTH_INSECURE_REGISTRIES ?? '';
  return [...(options.insecure ?? []), ...fromEnv.split(/[\s,]+/).filter(Boolean)];
}

/** The host a registry name is reached at (`docker.io` -> `registry-1.docker.io`). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}
