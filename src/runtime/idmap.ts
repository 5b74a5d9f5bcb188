/**
 * The user-namespace id mapping Berth uses for containers and for the files of their
 * layers.
 *
 *   root      no mapping: container ids are host ids (like Docker without userns-remap).
 *   rootless  container 0 -> the user's own uid; container 1..N -> the user's range from
 *             /etc/subuid (/etc/subgid), if the setuid helpers newuidmap/newgidmap exist to
 *             install it — up to 65536 ids in all. Without a range only id 0 is mapped.
 *
 * Mappings use the OCI runtime-spec shape `{containerID, hostID, size}`.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import * as os from 'node:os';

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface IdMap {
  /** Empty: identity (root mode). */
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}

export const MAX_MAPPED_IDS = 65536;

export interface IdMapOptions {
  uid?: number;
  gid?: number;
  userName?: string;
  subuidFile?: string;
  subgidFile?: string;
  /** Whether newuidmap/newgidmap are usable; detected on PATH when not given. */
  haveIdmapHelpers?: boolean;
}

export interface SubidRange {
  start: number;
  count: number;
}

/** Ranges for a user in a subuid/subgid file, matched by name or numeric id, in file order. */
export function parseSubidFile(text: string, userName: string, id: number): SubidRange[] {
  const ranges: SubidRange[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const [owner, start, count] = trimmed.split(':');
    if (owner !== userName && owner !== String(id)) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isSafeInteger(s) && Number.isSafeInteger(c) && s >= 0 && c > 0) ranges.push({ start: s, count: c });
  }
  return ranges;
}

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function rootlessMappings(ownId: number, ranges: SubidRange[]): IdMapping[] {
  const mappings: IdMapping[] = [{ containerID: 0, hostID: ownId, size: 1 }];
  let next = 1;
  for (const range of ranges) {
    const size = Math.min(range.count, MAX_MAPPED_IDS - next);
    if (size <= 0) break;
    mappings.push({ containerID: next, hostID: range.start, size });
    next += size;
  }
  return mappings;
}

export function currentIdMap(options: IdMapOptions = {}): IdMap {
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const gid = options.gid ?? process.getgid?.() ?? 0;
  if (uid === 0) return { uidMappings: [], gidMappings: [] };
  const userName = options.userName ?? os.userInfo().username;
  const helpers = options.haveIdmapHelpers ?? (onPath('newuidmap') && onPath('newgidmap'));
  const subuids = helpers ? parseSubidFile(readOr(options.subuidFile ?? '/etc/subuid'), userName, uid) : [];
  const subgids = helpers ? parseSubidFile(readOr(options.subgidFile ?? '/etc/subgid'), userName, uid) : [];
  return { uidMappings: rootlessMappings(uid, subuids), gidMappings: rootlessMappings(gid, subgids) };
}

export function isIdentity(map: IdMap): boolean {
  return map.uidMappings.length === 0 && map.gidMappings.length === 0;
}

/** Host id for a container id; identity for an empty mapping; undefined when unmapped. */
export function toHost(mappings: IdMapping[], id: number): number | undefined {
  if (mappings.length === 0) return id;
  for (const m of mappings) if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  return undefined;
}

/** Container id for a host id; identity for an empty mapping; undefined when unmapped. */
export function toContainer(mappings: IdMapping[], id: number): number | undefined {
  if (mappings.length === 0) return id;
  for (const m of mappings) if (id >= m.hostID && id < m.hostID + m.size) return m.containerID + (id - m.hostID);
  return undefined;
}
