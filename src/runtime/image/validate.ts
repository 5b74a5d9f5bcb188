/**
 * Validation of manifests, indexes and configs at the boundary. They come from archives
 * and registries, so nothing is assumed: every field used later is checked here, and a
 * failure is an `invalid-argument` naming the file (`where`) and the field.
 */
import { invalidArgument } from '../errors';
import { type Digest, parseDigest } from '../store/digest';
import type { ContainerConfig, Descriptor, ImageConfig, Index, Manifest } from './image';
import { CONFIG_TYPES, INDEX_TYPES, LAYER_TYPES, MANIFEST_TYPES } from './media-types';

/** Overlayfs stacks at most 500 lower layers; Docker itself stops at 127. */
export const MAX_LAYERS = 500;

type Json = Record<string, unknown>;

function fail(where: string, field: string, what: string): never {
  throw invalidArgument(`${where}: ${field} ${what}.`);
}

export function parseJson(data: Uint8Array | string, where: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw invalidArgument(`${where} is not valid JSON (${(err as Error).message}).`, err);
  }
  if (!isObject(value)) fail(where, 'the document', 'must be a JSON object');
  return value;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(obj: Json, key: string, where: string, field = key): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(where, field, 'must be a string');
  return v;
}

function optStringArray(obj: Json, key: string, where: string, field = key): string[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail(where, field, 'must be an array of strings');
  return v as string[];
}

function optStringMap(obj: Json, key: string, where: string, field = key): Record<string, string> | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || Object.values(v).some((s) => typeof s !== 'string')) fail(where, field, 'must be an object of strings');
  return v as Record<string, string>;
}

function optSet(obj: Json, key: string, where: string, field = key): Record<string, object> | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || Object.values(v).some((s) => !isObject(s))) fail(where, field, 'must be an object whose values are objects ({})');
  return v as Record<string, object>;
}

export function parseDescriptor(value: unknown, where: string, field: string): Descriptor {
  if (!isObject(value)) fail(where, field, 'must be an object');
  const mediaType = optString(value, 'mediaType', where, `${field}.mediaType`);
  if (!mediaType) fail(where, `${field}.mediaType`, 'is missing');
  const digest = parseDigest(value.digest, `${where}: ${field}.digest`);
  const size = value.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail(where, `${field}.size`, 'must be a non-negative integer');
  const out: Descriptor = { mediaType, digest, size };
  const annotations = optStringMap(value, 'annotations', where, `${field}.annotations`);
  if (annotations) out.annotations = annotations;
  const urls = optStringArray(value, 'urls', where, `${field}.urls`);
  if (urls) out.urls = urls;
  if (value.platform !== undefined) {
    const p = value.platform;
    if (!isObject(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string') {
      fail(where, `${field}.platform`, 'must have string os and architecture');
    }
    out.platform = { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && { variant: p.variant }) };
  }
  return out;
}

export type ParsedManifest = { kind: 'manifest'; manifest: Manifest } | { kind: 'index'; index: Index };

/** Parses a manifest or an index (the media type field, or the shape when it is absent, decides). */
export function parseManifestOrIndex(data: Uint8Array | string, where: string): ParsedManifest {
  const doc = parseJson(data, where);
  if (doc.schemaVersion !== 2) fail(where, 'schemaVersion', `must be 2 (found ${JSON.stringify(doc.schemaVersion)}); Docker schema 1 images are not supported`);
  const mediaType = optString(doc, 'mediaType', where);
  const isIndex = mediaType ? INDEX_TYPES.has(mediaType) : Array.isArray(doc.manifests);
  if (mediaType && !isIndex && !MANIFEST_TYPES.has(mediaType)) fail(where, 'mediaType', `'${mediaType}' is not an image manifest or index type`);
  const annotations = optStringMap(doc, 'annotations', where);
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) fail(where, 'manifests', 'must be an array');
    const manifests = doc.manifests.map((m, i) => parseDescriptor(m, where, `manifests[${i}]`));
    return { kind: 'index', index: { schemaVersion: 2, ...(mediaType && { mediaType }), manifests, ...(annotations && { annotations }) } };
  }
  const config = parseDescriptor(doc.config, where, 'config');
  if (!CONFIG_TYPES.has(config.mediaType)) fail(where, 'config.mediaType', `'${config.mediaType}' is not an image config type (this may be an artifact, not an image)`);
  if (!Array.isArray(doc.layers)) fail(where, 'layers', 'must be an array');
  if (doc.layers.length > MAX_LAYERS) fail(where, 'layers', `has ${doc.layers.length} entries, more than the ${MAX_LAYERS} overlayfs can stack`);
  const layers = doc.layers.map((l, i) => {
    const d = parseDescriptor(l, where, `layers[${i}]`);
    if (!LAYER_TYPES.has(d.mediaType)) fail(where, `layers[${i}].mediaType`, `'${d.mediaType}' is not a layer type Berth can apply`);
    return d;
  });
  return { kind: 'manifest', manifest: { schemaVersion: 2, ...(mediaType && { mediaType }), config, layers, ...(annotations && { annotations }) } };
}

export function parseManifest(data: Uint8Array | string, where: string): Manifest {
  const parsed = parseManifestOrIndex(data, where);
  if (parsed.kind !== 'manifest') fail(where, 'mediaType', 'is an index where an image manifest was expected');
  return parsed.manifest;
}

function parseContainerConfig(value: unknown, where: string): ContainerConfig {
  if (!isObject(value)) fail(where, 'config', 'must be an object');
  const f = (k: string) => `config.${k}`;
  const out: ContainerConfig = {};
  const user = optString(value, 'User', where, f('User'));
  if (user !== undefined) out.User = user;
  const ports = optSet(value, 'ExposedPorts', where, f('ExposedPorts'));
  if (ports) {
    for (const port of Object.keys(ports)) {
      if (!/^\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/.test(port)) fail(where, f('ExposedPorts'), `has '${port}', which is not port[/tcp|udp|sctp]`);
    }
    out.ExposedPorts = ports;
  }
  const env = optStringArray(value, 'Env', where, f('Env'));
  if (env) out.Env = env;
  for (const key of ['Entrypoint', 'Cmd', 'OnBuild', 'Shell'] as const) {
    const v = optStringArray(value, key, where, f(key));
    if (v) out[key] = v;
  }
  const volumes = optSet(value, 'Volumes', where, f('Volumes'));
  if (volumes) out.Volumes = volumes;
  for (const key of ['WorkingDir', 'StopSignal'] as const) {
    const v = optString(value, key, where, f(key));
    if (v) out[key] = v;
  }
  const labels = optStringMap(value, 'Labels', where, f('Labels'));
  if (labels) out.Labels = labels;
  if (value.Healthcheck !== undefined && value.Healthcheck !== null) {
    const h = value.Healthcheck;
    if (!isObject(h)) fail(where, f('Healthcheck'), 'must be an object');
    const test = optStringArray(h, 'Test', where, f('Healthcheck.Test'));
    const hc: NonNullable<ContainerConfig['Healthcheck']> = test ? { Test: test } : {};
    for (const key of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
      const n = h[key];
      if (n === undefined || n === null) continue;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(where, f(`Healthcheck.${key}`), 'must be a non-negative integer');
      hc[key] = n;
    }
    out.Healthcheck = hc;
  }
  if (typeof value.ArgsEscaped === 'boolean') out.ArgsEscaped = value.ArgsEscaped;
  return out;
}

/** Parses an image config; `where` names the file (`<hex>.json`, `blob sha256:…`). */
export function parseImageConfig(data: Uint8Array | string, where: string): ImageConfig {
  const doc = parseJson(data, where);
  const architecture = optString(doc, 'architecture', where);
  const os = optString(doc, 'os', where);
  if (!architecture) fail(where, 'architecture', 'is missing');
  if (!os) fail(where, 'os', 'is missing');
  const rootfs = doc.rootfs;
  if (!isObject(rootfs)) fail(where, 'rootfs', 'is missing');
  if (rootfs.type !== 'layers') fail(where, 'rootfs.type', `must be "layers" (found ${JSON.stringify(rootfs.type)})`);
  if (!Array.isArray(rootfs.diff_ids)) fail(where, 'rootfs.diff_ids', 'must be an array');
  const diffIds: Digest[] = rootfs.diff_ids.map((d, i) => parseDigest(d, `${where}: rootfs.diff_ids[${i}]`));
  const created = optString(doc, 'created', where);
  if (created !== undefined && Number.isNaN(Date.parse(created))) fail(where, 'created', `'${created}' is not an RFC 3339 time`);
  let history: ImageConfig['history'];
  if (doc.history !== undefined && doc.history !== null) {
    if (!Array.isArray(doc.history)) fail(where, 'history', 'must be an array');
    history = doc.history.map((h, i) => {
      if (!isObject(h)) fail(where, `history[${i}]`, 'must be an object');
      for (const key of ['created', 'created_by', 'author', 'comment']) optString(h, key, where, `history[${i}].${key}`);
      if (h.empty_layer !== undefined && typeof h.empty_layer !== 'boolean') fail(where, `history[${i}].empty_layer`, 'must be true or false');
      return h;
    });
  }
  const config = doc.config === undefined || doc.config === null ? undefined : parseContainerConfig(doc.config, where);
  return {
    ...doc,
    architecture,
    os,
    rootfs: { type: 'layers', diff_ids: diffIds },
    ...(config && { config }),
    ...(history && { history }),
  } as ImageConfig;
}

/** Cross-checks a manifest and its config: one diff id per layer. */
export function checkImage(manifest: Manifest, config: ImageConfig, where: string): void {
  if (manifest.layers.length !== config.rootfs.diff_ids.length) {
    fail(where, 'rootfs.diff_ids', `has ${config.rootfs.diff_ids.length} entries but the manifest lists ${manifest.layers.length} layers`);
  }
}

