/**
 * Authorization for one registry: the scheme comes from the `WWW-Authenticate` challenge
 * of a 401 (the ping of `/v2/` usually), then every request carries a header up front so
 * that a pull does not pay a 401 round trip per blob.
 *
 *   Basic   the user's credentials on every request (htpasswd registries)
 *   Bearer  a token from the challenge's realm for `service` and the request's scopes
 *           (`repository:library/busybox:pull`), fetched with the credentials as Basic
 *           auth when there are any (anonymous otherwise), cached per scope set until it
 *           expires. A 401 with a token means the scopes grew or the token expired: the
 *           token is fetched again once.
 */
import { BerthError } from '../errors';
import { type HttpResponse, readBody, send } from './transport';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (and several challenges in one header). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const re = /\s*([A-Za-z][\w-]*)(?:\s+|$)|\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*,?/gy;
  let current: Challenge | undefined;
  for (let m = re.exec(header); m && m[0] !== ''; m = re.exec(header)) {
    if (m[1] !== undefined) {
      current = { scheme: m[1].toLowerCase(), params: {} };
      out.push(current);
    } else if (current) {
      current.params[m[2].toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4];
    }
  }
  return out;
}

export const repositoryScope = (path: string, actions: string) => `repository:${path}:${actions}`;
export const CATALOG_SCOPE = 'registry:catalog:*';

interface Token {
  value: string;
  expires: number;
}

export interface AuthorizerOptions {
  registry: string;
  credentials: () => Promise<Credentials | undefined>;
  /** May a token realm on this host be reached over plain HTTP (credentials in clear)? */
  plainHttpAllowed: (host: string) => boolean;
  insecure: boolean;
  signal?: AbortSignal;
}

export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, Token>();
  private creds: Promise<Credentials | undefined> | undefined;

  constructor(private readonly options: AuthorizerOptions) {}

  /** The Authorization header for a request with these scopes, when the scheme is known. */
  async header(scopes: string[]): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') {
      const c = await this.credentials();
      return c && `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    }
    if (this.challenge.scheme !== 'bearer') return undefined;
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.value}`;
    const token = await this.fetchToken(scopes);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  /**
   * Takes in a 401: records its challenge and drops the token that failed. True when a
   * retry can do better (a new scheme, or a fresh token); false means the credentials
   * themselves were refused.
   */
  async unauthorized(response: HttpResponse, scopes: string[], sentHeader: string | undefined): Promise<boolean> {
    const challenges = parseChallenges(String(response.headers['www-authenticate'] ?? ''));
    const usable = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!usable) return false;
    const known = this.challenge?.scheme === usable.scheme;
    this.challenge = usable;
    this.tokens.delete([...scopes].sort().join(' '));
    if (sentHeader === undefined) return true;
    // Basic credentials that were refused will be refused again; a token may have
    // expired or lacked a scope, so one fresh token is worth it.
    return !known || (usable.scheme === 'bearer' && sentHeader.startsWith('Bearer '));
  }

  /** True once a challenge asked for credentials the user has not given. */
  async hasCredentials(): Promise<boolean> {
    return (await this.credentials()) !== undefined;
  }

  private credentials(): Promise<Credentials | undefined> {
    this.creds ??= this.options.credentials();
    return this.creds;
  }

  private async fetchToken(scopes: string[]): Promise<Token> {
    const params = this.challenge!.params;
    if (!params.realm) throw new BerthError('unavailable', `${this.options.registry} asked for a bearer token without naming a realm to get it from.`);
    let realm: URL;
    try {
      realm = new URL(params.realm);
    } catch (err) {
      throw new BerthError('unavailable', `${this.options.registry} named '${params.realm}' as its token realm, which is not a URL.`, { cause: err });
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.options.plainHttpAllowed(realm.host))) {
      throw new BerthError('permission-denied', `${this.options.registry} sends credentials to ${realm.origin} over plain HTTP; Berth refuses. Mark ${realm.host} insecure (BERTH_INSECURE_REGISTRIES) if that is intended.`);
    }
    if (params.service) realm.searchParams.set('service', params.service);
    for (const scope of scopes) realm.searchParams.append('scope', scope);
    const creds = await this.credentials();
    const headers: Record<string, string> = creds ? { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` } : {};
    const started = Date.now();
    const response = await send({ method: 'GET', url: realm, headers, insecure: this.options.insecure, signal: this.options.signal });
    const body = await readBody(response, 1024 * 1024);
    if (response.status === 401 || response.status === 403) {
      throw new BerthError('unauthorized', creds
        ? `The token server ${realm.host} refused the credentials of '${creds.username}' for ${this.options.registry}. Run \`berth login ${this.options.registry}\` again.`
        : `The token server ${realm.host} wants credentials for ${this.options.registry}. Run \`berth login ${this.options.registry}\` first.`);
    }
    if (response.status !== 200) throw new BerthError('unavailable', `The token server ${realm.host} answered ${response.status} for ${this.options.registry}.`);
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new BerthError('unavailable', `The token server ${realm.host} answered something that is not JSON.`, { cause: err });
    }
    const value = typeof doc.token === 'string' ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : undefined;
    if (!value) throw new BerthError('unavailable', `The token server ${realm.host} answered without a token.`);
    // The spec's default lifetime is 60 s; keep a margin so a token does not expire in flight.
    const lifetime = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
    return { value, expires: started + Math.max(1, lifetime - 10) * 1000 };
  }
}
