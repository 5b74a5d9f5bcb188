/** Media types Berth reads and writes (OCI image-spec v1.1 and Docker image manifest v2.2). */
export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const MANIFEST_TYPES: ReadonlySet<string> = new Set([MediaType.ociManifest, MediaType.dockerManifest]);
export const INDEX_TYPES: ReadonlySet<string> = new Set([MediaType.ociIndex, MediaType.dockerManifestList]);
export const CONFIG_TYPES: ReadonlySet<string> = new Set([MediaType.ociConfig, MediaType.dockerConfig]);
export const LAYER_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociLayer,
  MediaType.ociLayerGzip,
  MediaType.ociLayerZstd,
  MediaType.ociLayerNondistributable,
  MediaType.ociLayerNondistributableGzip,
  MediaType.ociLayerNondistributableZstd,
  MediaType.dockerLayerGzip,
  MediaType.dockerLayer,
  MediaType.dockerForeignLayerGzip,
]);
