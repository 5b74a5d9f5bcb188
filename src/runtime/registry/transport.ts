/**
 * One HTTP exchange with a registry, on Node's http/https: keep-alive agents, verified
 * TLS unless the registry is marked insecure, redirects followed the way blob storage
 * needs them (GET/HEAD only; credentials never follow to another host), and the failure
 * rules every caller shares — which answers are worth retrying, how long to wait, and
 * what a person is told when it gives up.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tls from 'node:tls';
import { BerthError, errnoCode } from '../errors';
import type { RetryPolicy } from './registry';

export type Body = Buffer | (() => AsyncIterable<Uint8Array>);

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a factory so the body can be sent again on a retry. */
  body?: Body;
  /** Skip certificate checks (insecure registries only). */
  insecure?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The URL that answered (after redirects). */
  url: URL;
  body: http.IncomingMessage;
}

/**
 * Extra trusted CAs. The `berth` launcher moves NODE_EXTRA_CA_CERTS to
 * BERTH_EXTRA_CA_CERTS so that commands without TLS don't pay for parsing it at start-up
 * (bin/berth); they are read here, on the first TLS connection, on top of Node's own.
 */
function trustedCas(): string[] | undefined {
  const file = process.env.BERTH_EXTRA_CA_CERTS;
  if (!file) return undefined;
  try {
    return [...tls.rootCertificates, fs.readFileSync(file, 'utf8')];
  } catch (err) {
    throw new BerthError('invalid-argument', `Cannot read the extra CA certificates in ${file} (BERTH_EXTRA_CA_CERTS / NODE_EXTRA_CA_CERTS): ${(err as Error).message}. Fix the path or unset the variable.`);
  }
}

let httpsAgent: https.Agent | undefined;
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  get https(): https.Agent {
    httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 16, ca: trustedCas() });
    return httpsAgent;
  },
  insecure: new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false }),
};

const MAX_REDIRECTS = 5;

/** Sends one request (following redirects); the body of the answer is left unread. */
export async function send(request: HttpRequest): Promise<HttpResponse> {
  let url = request.url;
  let headers = { ...request.headers };
  for (let hops = 0; ; hops++) {
    const response = await exchange({ ...request, url, headers });
    const location = response.headers.location;
    const redirect = [301, 302, 303, 307, 308].includes(response.status) && location && (request.method === 'GET' || request.method === 'HEAD');
    if (!redirect) return response;
    await discard(response);
    if (hops >= MAX_REDIRECTS) throw new BerthError('unavailable', `${request.url.host} redirected ${request.method} ${request.url.pathname} more than ${MAX_REDIRECTS} times.`);
    const next = new URL(location, url);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new BerthError('unavailable', `${url.host} redirected to '${next.protocol}', which is not HTTP.`);
    // Blob storage (S3, a CDN) is another host: the registry's credentials stay behind,
    // and the presigned URL carries its own.
    if (next.host !== url.host) headers = withoutAuthorization(headers);
    url = next;
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
}

function exchange(request: HttpRequest): Promise<HttpResponse> {
  const secure = request.url.protocol === 'https:';
  const agent = secure ? (request.insecure ? agents.insecure : agents.https) : agents.http;
  const body = request.body;
  const headers: Record<string, string> = { 'user-agent': 'berth/0.1', ...request.headers };
  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(request.url, { method: request.method, headers, agent, signal: request.signal }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, url: request.url, body: res });
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else void pump(body(), req).catch((err) => req.destroy(err as Error));
  });
}

async function pump(source: AsyncIterable<Uint8Array>, req: http.ClientRequest): Promise<void> {
  for await (const chunk of source) {
    if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
  }
  req.end();
}

/**
 * Reads and drops what is left of a body, and returns once it is gone: only then is the
 * keep-alive connection free again, and a request made before that opens another one —
 * for a remote registry, another TCP and TLS handshake.
 */
export async function discard(response: HttpResponse): Promise<void> {
  await finished(response.body.resume()).catch(() => undefined);
}

/** Reads a (small) body whole; `limit` guards against a registry that sends megabytes of error page. */
export async function readBody(response: HttpResponse, limit = 4 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.body.destroy();
      throw new BerthError('unavailable', `${response.url.host} sent more than ${limit} bytes for ${response.url.pathname}, more than any manifest or answer should be.`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** Network failures that a second try may not meet (a refused connection will be refused again). */
const TRANSIENT_ERRNO = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

export function isTransient(err: unknown): boolean {
  if (err instanceof RetryableStatus) return true;
  const code = errnoCode(err);
  return code !== undefined && TRANSIENT_ERRNO.has(code);
}

/** 429 and 5xx other than 501: the registry may answer better in a moment. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

/** Thrown inside a retried operation for an answer worth another try; carries the final error. */
export class RetryableStatus extends Error {
  constructor(
    readonly error: BerthError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

/** Seconds or an HTTP date, as RFC 9110 allows. */
export function retryAfter(headers: http.IncomingHttpHeaders): number | undefined {
  const value = headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Runs `attempt` until it succeeds, fails with something not transient, or the policy's
 * attempts are spent; waits between tries with exponential backoff and jitter, or what
 * Retry-After asks (capped). `onRetry` lets a caller say so (progress "retrying").
 */
export async function withRetry<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>, options: { signal?: AbortSignal; onRetry?: (err: unknown) => void } = {}): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      options.signal?.throwIfAborted();
      if (!isTransient(err) || n >= policy.attempts) throw err instanceof RetryableStatus ? err.error : err;
      options.onRetry?.(err);
      await backoff(policy, n, options.signal, err instanceof RetryableStatus ? err.retryAfterMs : undefined);
    }
  }
}

/** Waits before try `n + 1`: exponential with jitter, or what the registry asked (capped). */
export function backoff(policy: RetryPolicy, n: number, signal?: AbortSignal, askedMs?: number): Promise<void> {
  const delay = askedMs ?? policy.baseDelayMs * 2 ** (n - 1) * (0.5 + Math.random());
  return sleep(Math.min(delay, policy.maxDelayMs), undefined, { signal });
}
