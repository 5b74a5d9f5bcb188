/**
 * RegistryClient: the `/v2/` endpoints of one registry, each request authorized for its
 * scopes (./auth.ts), retried when the answer is transient (./transport.ts) and turned
 * into a BerthError a person can act on when it is not:
 *
 *   401 unauthorized        no or refused credentials (`berth login`)
 *   403 permission-denied   the account may not do this
 *   404 not-found           no such repository, manifest, tag or blob
 *   429, 5xx unavailable    after the retries, with the registry's own message
 *
 * The first request pings `/v2/`, which picks the scheme (see ./registry.ts on plain
 * HTTP) and learns the auth challenge, so later requests carry their header up front.
 */
import { BerthError, errnoCode } from '../errors';
import type { Digest } from '../store/digest';
import { Authorizer, CATALOG_SCOPE, type Credentials, repositoryScope } from './auth';
import { CredentialStore } from './credentials';
import { DEFAULT_RETRY, type RegistryOptions, allowsPlainHttp, apiHost, isLoopback, isMarkedInsecure } from './registry';
import { type Body, type HttpResponse, RetryableStatus, discard, readBody, retryAfter, retryableStatus, send, withRetry } from './transport';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  /** A path under the registry (`/v2/…`), or an absolute URL the registry gave (upload locations). */
  path: string | URL;
  scopes: string[];
  /** Statuses the caller takes; anything else becomes an error. */
  accept: number[];
  /** Names the object in errors: "manifest busybox:latest". */
  what: string;
  headers?: Record<string, string>;
  body?: Body;
  /** Called before a retry (progress "retrying"). */
  onRetry?: () => void;
  /** Stops this request and its retries, besides the client's own signal (a pull's other layer failed). */
  signal?: AbortSignal;
}

/** How much of a listing to fetch. */
export interface ListingOptions {
  /** Names asked for per request (`?n=`); the registry may send fewer and say where the rest is. */
  pageSize?: number;
  /** Stop once this many names are in: a registry of 100,000 repositories is not read to show a tree. */
  limit?: number;
}

// distribution's own cap on `n` for the catalog (`catalog.maxentries`).
const DEFAULT_PAGE_SIZE = 1000;

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export class RegistryClient {
  private readonly auth: Authorizer;
  private base: Promise<URL> | undefined;
  private readonly insecure: boolean;

  constructor(
    /** The registry's name as in references (`docker.io`, `localhost:5000`). */
    readonly registry: string,
    readonly options: RegistryOptions & { credentials?: Credentials; signal?: AbortSignal } = {},
  ) {
    this.insecure = isMarkedInsecure(registry, options);
    const store = new CredentialStore(options.configDir, options.env);
    this.auth = new Authorizer({
      registry,
      credentials: async () => options.credentials ?? (await store.get(registry)),
      plainHttpAllowed: (host) => allowsPlainHttp(host, options),
      insecure: this.insecure,
      signal: options.signal,
    });
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** Sends an authorized request with retries; returns the answer with its body unread. */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const base = await this.baseUrl();
    const url = typeof req.path === 'string' ? new URL(req.path, base) : req.path;
    const signal = req.signal && this.signal ? AbortSignal.any([req.signal, this.signal]) : (req.signal ?? this.signal);
    return withRetry(
      this.options.retry ?? DEFAULT_RETRY,
      async () => {
        for (let authTries = 0; ; authTries++) {
          const authorization = await this.auth.header(req.scopes);
          const headers = { ...req.headers, ...(authorization && { authorization }) };
          const response = await send({ method: req.method, url, headers, body: req.body, insecure: this.insecure, signal });
          if (response.status === 401 && authTries === 0 && (await this.auth.unauthorized(response, req.scopes, authorization))) {
            await discard(response);
            continue;
          }
          if (req.accept.includes(response.status)) return response;
          throw await this.failure(response, req.what, authorization !== undefined);
        }
      },
      { signal, onRetry: req.onRetry },
    );
  }

  /** Checks that the registry answers and that the credentials are good (login). */
  async checkLogin(): Promise<void> {
    await discard(await this.request({ method: 'GET', path: '/v2/', scopes: [], accept: [200], what: 'the registry API' }));
  }

  // ---- manifests ---------------------------------------------------------------------

  async getManifest(repo: string, reference: string): Promise<{ bytes: Buffer; contentType: string; digest?: string }> {
    const response = await this.request({
      method: 'GET',
      path: `/v2/${repo}/manifests/${reference}`,
      scopes: [repositoryScope(repo, 'pull')],
      accept: [200],
      what: `manifest ${repo}:${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
    });
    const bytes = await readBody(response);
    const digest = response.headers['docker-content-digest'];
    return { bytes, contentType: String(response.headers['content-type'] ?? '').split(';')[0].trim(), ...(typeof digest === 'string' && { digest }) };
  }

  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string, scopes: string[]): Promise<string | undefined> {
    const response = await this.request({
      method: 'PUT',
      path: `/v2/${repo}/manifests/${reference}`,
      scopes,
      accept: [201, 200],
      what: `manifest ${repo}:${reference}`,
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    await discard(response);
    const digest = response.headers['docker-content-digest'];
    return typeof digest === 'string' ? digest : undefined;
  }

  // ---- blobs ---------------------------------------------------------------------------

  async hasBlob(repo: string, digest: Digest, scopes: string[]): Promise<boolean> {
    const response = await this.request({ method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, scopes, accept: [200, 404], what: `blob ${digest} in ${repo}` });
    await discard(response);
    return response.status === 200;
  }

  /** The blob from byte `offset` on (a 206 when the registry honours Range, else a 200 of all of it). */
  getBlob(repo: string, digest: Digest, offset: number, options: { onRetry?: () => void; signal?: AbortSignal } = {}): Promise<HttpResponse> {
    return this.request({
      method: 'GET',
      path: `/v2/${repo}/blobs/${digest}`,
      scopes: [repositoryScope(repo, 'pull')],
      accept: offset > 0 ? [200, 206] : [200],
      what: `blob ${digest} of ${repo}`,
      ...(offset > 0 && { headers: { range: `bytes=${offset}-` } }),
      ...options,
    });
  }

  /**
   * Starts an upload session, or mounts the blob from `mountFrom` (another repository of
   * this registry) when the registry can: then there is nothing to upload.
   */
  async startUpload(repo: string, digest: Digest, scopes: string[], mountFrom?: string): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const query = mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : '';
    const response = await this.request({ method: 'POST', path: `/v2/${repo}/blobs/uploads/${query}`, scopes, accept: [201, 202], what: `an upload of ${digest} to ${repo}`, body: Buffer.alloc(0) });
    await discard(response);
    if (response.status === 201) return { mounted: true };
    return { mounted: false, location: this.location(response, repo) };
  }

  /** Sends bytes [start, start+length) of a chunked upload; returns the next location. */
  async patchChunk(location: URL, repo: string, scopes: string[], body: Body, start: number, length: number): Promise<URL> {
    const response = await this.request({
      method: 'PATCH',
      path: location,
      scopes,
      accept: [202],
      what: `a chunk of an upload to ${repo}`,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + length - 1}`, 'content-length': String(length) },
      body,
    });
    await discard(response);
    return this.location(response, repo);
  }

  /** Closes an upload with its digest, sending `body` (monolithic) or nothing (chunked). */
  async finishUpload(location: URL, repo: string, digest: Digest, scopes: string[], body?: { data: Body; length: number }): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const response = await this.request({
      method: 'PUT',
      path: url,
      scopes,
      accept: [201],
      what: `blob ${digest} to ${repo}`,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(body?.length ?? 0) },
      body: body?.data ?? Buffer.alloc(0),
    });
    await discard(response);
    const stored = response.headers['docker-content-digest'];
    if (typeof stored === 'string' && stored !== digest) throw new BerthError('unavailable', `${this.registry} stored blob ${digest} of ${repo} as ${stored}; the upload was altered on the way.`);
  }

  // ---- listings ----------------------------------------------------------------------

  /**
   * The repositories (`/v2/_catalog`), following the registry's Link pages. A registry that
   * does not list answers `not-found` (no catalog: Docker Hub, many proxies),
   * `unauthorized` or `permission-denied` (not for this account).
   */
  catalog(options: ListingOptions = {}): Promise<string[]> {
    return this.paged('/v2/_catalog', options, [CATALOG_SCOPE], 'the repository catalog', 'repositories');
  }

  /** The tags of a repository (`/v2/<repo>/tags/list`), paged like the catalog; `not-found` for an unknown repository. */
  tags(repo: string, options: ListingOptions = {}): Promise<string[]> {
    return this.paged(`/v2/${repo}/tags/list`, options, [repositoryScope(repo, 'pull')], `the tags of ${repo}`, 'tags');
  }

  private async paged(path: string, options: ListingOptions, scopes: string[], what: string, field: string): Promise<string[]> {
    const limit = options.limit ?? Infinity;
    const out: string[] = [];
    let next: string | URL | undefined = `${path}?n=${options.pageSize ?? DEFAULT_PAGE_SIZE}`;
    for (let page = 0; next && page < 1000 && out.length < limit; page++) {
      const response = await this.request({ method: 'GET', path: next, scopes, accept: [200], what });
      const items = listed(await readBody(response), field);
      if (!items) throw new BerthError('unavailable', `${this.registry} answered ${what} with something other than a JSON '${field}' list of names.`);
      out.push(...items);
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(response.headers.link ?? ''));
      next = link ? new URL(link[1], response.url) : undefined;
    }
    return out.slice(0, limit);
  }

  // ---- plumbing ----------------------------------------------------------------------

  private location(response: HttpResponse, repo: string): URL {
    const location = response.headers.location;
    if (!location) throw new BerthError('unavailable', `${this.registry} started an upload to ${repo} without saying where to send it (no Location).`);
    return new URL(location, response.url);
  }

  private baseUrl(): Promise<URL> {
    this.base ??= this.ping().catch((err: unknown) => {
      this.base = undefined;
      throw err;
    });
    return this.base;
  }

  /** GET /v2/ over HTTPS, or plain HTTP where allowed and TLS is not spoken. */
  private async ping(): Promise<URL> {
    const host = apiHost(this.registry);
    if (isLoopback(host)) {
      const plain = await this.pingPlain(host);
      if (plain) return plain;
    }
    const schemes = allowsPlainHttp(this.registry, this.options) ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const url = new URL(`${scheme}://${host}/v2/`);
      try {
        const response = await withRetry(this.options.retry ?? DEFAULT_RETRY, async () => {
          const r = await send({ method: 'GET', url, insecure: this.insecure, signal: this.signal });
          if (retryableStatus(r.status)) throw await this.failure(r, 'the registry API', false);
          return r;
        }, { signal: this.signal });
        await discard(response);
        if (response.status === 401) await this.auth.unauthorized(response, [], undefined);
        else if (response.status === 404) throw new BerthError('not-found', `${this.registry} is not a container registry: ${url.href} answered 404.`);
        else if (response.status !== 200) throw await this.failure(response, 'the registry API', false);
        return new URL(`${scheme}://${host}/`);
      } catch (err) {
        if (err instanceof BerthError) throw err;
        this.signal?.throwIfAborted();
        lastError = err;
      }
    }
    const text = `${errnoCode(lastError) ?? ''} ${(lastError as Error).message}`;
    // OpenSSL's own words are a multi-line dump; say what they mean.
    const reason = /wrong version number/i.test(text) ? 'it does not speak TLS (plain HTTP?)' : (lastError as Error).message.split('\n')[0];
    const hint = schemes.length === 1 && /SSL|EPROTO|CERT|certificate/i.test(text)
      ? ` If ${this.registry} serves plain HTTP or a self-signed certificate, mark it insecure (BERTH_INSECURE_REGISTRIES or --insecure).`
      : '';
    throw new BerthError('unavailable', `Cannot reach the registry ${this.registry}: ${reason}.${hint}`, { cause: lastError });
  }

  /**
   * A loopback registry nearly always speaks plain HTTP, and trying TLS on it first costs
   * a handshake and — with extra CAs configured — parsing the whole CA bundle, ~100 ms of
   * a short pull. So it is asked over HTTP first, once, and only a registry's answer is
   * taken (200, or 401 with its challenge); anything else — a TLS server's 400, a closed
   * connection — leaves the choice to the usual order. No credentials are sent here.
   */
  private async pingPlain(host: string): Promise<URL | undefined> {
    let response: HttpResponse;
    try {
      response = await send({ method: 'GET', url: new URL(`http://${host}/v2/`), signal: this.signal });
    } catch {
      this.signal?.throwIfAborted();
      return undefined;
    }
    await discard(response);
    if (response.status === 401) await this.auth.unauthorized(response, [], undefined);
    else if (response.status !== 200) return undefined;
    return new URL(`http://${host}/`);
  }

  /** The error for an answer the caller did not take; transient ones are wrapped for a retry. */
  private async failure(response: HttpResponse, what: string, sentCredentials: boolean): Promise<Error> {
    const detail = await registryMessage(response);
    const suffix = detail ? ` (${detail})` : '';
    const status = response.status;
    const registry = this.registry;
    let error: BerthError;
    if (status === 401) {
      error = new BerthError('unauthorized', sentCredentials && (await this.auth.hasCredentials())
        ? `${registry} refused the credentials for ${what}${suffix}. Run \`berth login ${registry}\` with an account that may access it.`
        : `${registry} requires authentication for ${what}${suffix}. Run \`berth login ${registry}\` first.`);
    } else if (status === 403) {
      error = new BerthError('permission-denied', `${registry} denied access to ${what}${suffix}; the account lacks permission.`);
    } else if (status === 404) {
      error = new BerthError('not-found', `${what} was not found in ${registry}${suffix}. Check the name and tag.`);
    } else if (status === 429) {
      error = new BerthError('unavailable', `${registry} is rate-limiting requests (429) for ${what}${suffix}; try again later.`);
    } else {
      error = new BerthError('unavailable', `${registry} answered ${status} for ${what}${suffix}.`);
    }
    return retryableStatus(status) ? new RetryableStatus(error, retryAfter(response.headers)) : error;
  }
}

/** The names under `field` of a listing page (null and absent are none), or undefined when the body is not such a page. */
function listed(body: Buffer, field: string): string[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const items = (doc as Record<string, unknown>)[field] ?? [];
  return Array.isArray(items) && items.every((i) => typeof i === 'string') ? items : undefined;
}

/** The first `errors[]` entry of a distribution error body, as "CODE: message". */
async function registryMessage(response: HttpResponse): Promise<string | undefined> {
  const body = await readBody(response, 64 * 1024).catch(() => Buffer.alloc(0));
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = doc.errors?.[0];
    if (first) return [first.code, first.message].filter((s) => typeof s === 'string' && s !== '').join(': ') || undefined;
  } catch {
    // not JSON: an HTML page from a proxy, say; its status says enough
  }
  return undefined;
}
