/**
 * RegistryService: the registry operations of the runtime behind one object, over an
 * ImageService's store — what the Engine forwards `pull`, `push`, `login`, `logout` and
 * the Registries view's listings to. Pull and push emit `image.pull` / `image.push`.
 */
import type { RuntimeEvent } from '../events';
import type { ImageService } from '../image/image-service';
import { familiarName, parseReference, repository } from '../image/reference';
import { Lease } from '../store/lease';
import { namesOf } from '../store/refs';
import type { Credentials } from './auth';
import { type ListingOptions, RegistryClient } from './client';
import { CredentialStore, registryName } from './credentials';
import { type PullOptions, pullImage } from './pull';
import { type PushOptions, pushImage } from './push';
import type { RegistryOptions } from './registry';

export interface RegistryCallOptions {
  /** This call may use plain HTTP / unverified TLS for the registry it talks to. */
  insecure?: boolean;
  signal?: AbortSignal;
}

export class RegistryService {
  constructor(
    private readonly images: ImageService,
    private readonly options: RegistryOptions = {},
    private readonly emit: (event: Omit<RuntimeEvent, 'time' | 'pid'>) => unknown = () => undefined,
  ) {}

  /** Pulls `reference` (Docker Hub naming); returns the familiar name it is stored under. */
  async pull(reference: string, options: Omit<PullOptions, 'concurrency'> & RegistryCallOptions = {}): Promise<{ name: string; id: string; digest: string }> {
    const ref = parseReference(reference);
    const client = this.client(ref.domain, options);
    const deps = { content: this.images.content, refs: this.images.refs, layers: this.images.layers };
    const image = await pullImage(ref, client, deps, { ...options, concurrency: this.options.concurrency });
    const name = familiarName(image.name);
    await this.emit({ type: 'image.pull', id: image.id, name });
    return { name, id: image.id, digest: image.manifestDigest };
  }

  /** Pushes the image `source` names to `target` (default: the same name); returns the manifest digest. */
  async push(source: string, target: string = source, options: Omit<PushOptions, 'concurrency' | 'chunkSize' | 'mountFrom'> & RegistryCallOptions = {}): Promise<string> {
    const ref = parseReference(target);
    const { image, manifestDigest, refs } = await this.images.catalog.resolve(source);
    // Other names of this image in the same registry: their repositories may lend blobs.
    const siblings = namesOf(refs, manifestDigest).map((n) => parseReference(n)).filter((r) => r.domain === ref.domain && r.path !== ref.path).map((r) => r.path);
    const lease = await Lease.create(this.images.content.root);
    try {
      // The image's blobs stay put while they are read, even if it is removed meanwhile.
      await lease.add({ digests: [manifestDigest, image.manifest.config.digest, ...image.manifest.layers.map((l) => l.digest)] });
      const client = this.client(ref.domain, options);
      const digest = await pushImage(image, ref, client, this.images.content, { ...options, mountFrom: siblings, chunkSize: this.options.chunkSize, concurrency: this.options.concurrency });
      await this.emit({ type: 'image.push', id: image.id, name: familiarName(repository(ref) + (ref.tag ? `:${ref.tag}` : '')) });
      return digest;
    } finally {
      await lease.release();
    }
  }

  /** Checks the credentials against the registry, then stores them; returns the registry's name. */
  async login(server: string, credentials: Credentials, options: RegistryCallOptions = {}): Promise<string> {
    const registry = registryName(server);
    await new RegistryClient(registry, { ...this.options, ...this.callOptions(registry, options), credentials }).checkLogin();
    await this.credentials().store(registry, credentials);
    return registry;
  }

  /** Forgets the credentials; false when there were none. */
  async logout(server: string): Promise<boolean> {
    return this.credentials().erase(registryName(server));
  }

  /** Registries with stored credentials (the Registries view's roots). */
  async registries(): Promise<string[]> {
    return this.credentials().registries();
  }

  /** The Docker config file the logins are kept in (a watcher's target). */
  credentialsFile(): string {
    return this.credentials().file;
  }

  /** Repositories of a registry; see RegistryClient.catalog for the errors of one that does not list. */
  async catalog(server: string, options: ListingOptions & RegistryCallOptions = {}): Promise<string[]> {
    const registry = registryName(server);
    return this.client(registry, options).catalog(options);
  }

  /** Tags of a repository (`localhost:5000/app`, `busybox`). */
  async tags(repositoryName: string, options: ListingOptions & RegistryCallOptions = {}): Promise<string[]> {
    const ref = parseReference(repositoryName, { defaultTag: false });
    return this.client(ref.domain, options).tags(ref.path, options);
  }

  private client(registry: string, options: RegistryCallOptions): RegistryClient {
    return new RegistryClient(registry, { ...this.options, ...this.callOptions(registry, options) });
  }

  private callOptions(registry: string, options: RegistryCallOptions): RegistryOptions & { signal?: AbortSignal } {
    return { insecure: [...(this.options.insecure ?? []), ...(options.insecure ? [registry] : [])], ...(options.signal && { signal: options.signal }) };
  }

  private credentials(): CredentialStore {
    return new CredentialStore(this.options.configDir, this.options.env);
  }
}
