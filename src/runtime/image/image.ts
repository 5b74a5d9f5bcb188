/**
 * The image model.
 *
 * An image is a manifest (OCI or Docker schema 2) naming one config blob and an ordered
 * list of layer blobs (bottom first). Its *id* is the config's digest, as in Docker: two
 * manifests that differ only in layer compression are the same image. A *name* (ref)
 * points at a manifest digest (../store/refs.ts); an *index* (OCI index or Docker manifest
 * list) names one manifest per platform and is resolved to the host's at load/pull time,
 * so the store holds single-platform images.
 *
 * Layers are identified three ways:
 *   blob digest  the (possibly compressed) tarball in the content store
 *   diff id      sha256 of the uncompressed tar — config.rootfs.diff_ids[i]
 *   chain id     diff id of the bottom layer, then sha256(parent chain id + " " + diff id):
 *                a layer *in the context of everything below it*; extracted trees are
 *                stored per chain id (../layer/layer.ts)
 *
 * Everything read from an archive, a registry or the store is untrusted and goes through
 * ./validate.ts before use.
 */
import type { Digest } from '../store/digest';
import type { Platform } from './platform';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The runtime defaults an image carries (OCI `config` / Docker `config`). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
  /** Docker writes a few more fields (container, docker_version…); kept as they are. */
  [extra: string]: unknown;
}

/** A validated, single-platform image as stored. */
export interface Image {
  /** Config digest: the image id. */
  id: Digest;
  manifestDigest: Digest;
  manifest: Manifest;
  config: ImageConfig;
}
