/**
 * RUN's `--mount`, `--network`, `--security` and `--device` values, with BuildKit's rules
 * (instructions/commands_run*.go). Mount and device values are CSV records of `key=value`
 * fields. A mount's values may use build variables: the typed conversion reads them
 * unexpanded and checks only what does not depend on a variable; the stage model reads
 * them again with the variables expanded.
 */

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type CacheSharing = 'shared' | 'private' | 'locked';
export type NetworkMode = 'default' | 'none' | 'host';
export type SecurityMode = 'sandbox' | 'insecure';

export interface Mount {
  readonly type: MountType;
  readonly from?: string;
  readonly source?: string;
  readonly target?: string;
  readonly readOnly: boolean;
  /** tmpfs size in bytes; 0 when not limited. */
  readonly sizeLimit: number;
  readonly cacheId?: string;
  readonly cacheSharing?: CacheSharing;
  /** secret and ssh: fail when the secret or agent is missing. */
  readonly required: boolean;
  /** secret: expose it as this environment variable. */
  readonly env?: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

export interface Device {
  readonly name: string;
  readonly required: boolean;
}

const mountTypes = new Set<string>(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);
const sharingModes = new Set<string>(['shared', 'private', 'locked']);
const networkModes = new Set<string>(['default', 'none', 'host']);
const securityModes = new Set<string>(['sandbox', 'insecure']);
const mountKeys = [
  'type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid', 'gid', 'src', 'dst',
  'destination', 'ro', 'rw', 'readwrite', 'env',
];

export type Parsed<T> = { readonly value: T } | { readonly error: string };

/** One CSV record (Go's encoding/csv rules, which BuildKit's csvvalue follows). */
export function csvFields(text: string): Parsed<string[]> {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) {
      let j = text.indexOf(',', i);
      if (j < 0) j = text.length;
      const field = text.slice(i, j);
      if (field.includes('"')) return { error: `bare " in non-quoted-field` };
      fields.push(field);
      if (j === text.length) return { value: fields };
      i = j + 1;
      continue;
    }
    let field = '';
    let j = i + 1;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) return { error: `extraneous or missing " in quoted-field` };
      field += text.slice(j, q);
      if (text.charCodeAt(q + 1) === 0x22) {
        field += '"';
        j = q + 2;
        continue;
      }
      j = q + 1;
      break;
    }
    fields.push(field);
    if (j === text.length) return { value: fields };
    if (text.charCodeAt(j) !== 0x2c) return { error: `extraneous or missing " in quoted-field` };
    i = j + 1;
  }
}

/** Go's strconv.ParseBool. */
function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Go's strconv.ParseUint(s, base, 32). */
function parseUint32(s: string, base: 8 | 10): number | undefined {
  const re = base === 8 ? /^(?:0[oO])?[0-7]+(?:_[0-7]+)*$/ : /^[0-9]+$/;
  if (!re.test(s)) return undefined;
  const n = parseInt(s.replace(/^0[oO]/, '').replace(/_/g, ''), base);
  return n <= 0xffffffff ? n : undefined;
}

/** go-units RAMInBytes: `64m`, `1.5GiB`, `512kb`, `1048576`. */
function ramInBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return undefined;
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(n * 1024 ** power);
}

/**
 * A `--mount` value. `expand` turns a field value into its final text. Without it, a value
 * that uses variables cannot be judged yet: the result is then undefined (only `from`,
 * which never expands, is checked).
 */
export function parseMount(text: string, expand?: (value: string) => Parsed<string>): Parsed<Mount | undefined> {
  const csv = csvFields(text);
  if ('error' in csv) return { error: `failed to parse csv mounts: ${csv.error}` };
  const deferred = !expand && text.includes('$');
  const m: { -readonly [K in keyof Mount]: Mount[K] } = { type: 'bind', readOnly: false, sizeLimit: 0, required: false };
  let roAuto = true;
  for (const field of csv.value) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    let value = field.slice(eq + 1);
    if (deferred) {
      if (key === 'from' && eq >= 0 && /\$./.test(value)) {
        return { error: `'from' doesn't support variable expansion, define alias stage instead` };
      }
      continue;
    }
    if (eq < 0) {
      const error = applyMountFlag(m, key, field);
      if (error !== undefined) return { error };
      if (key !== 'required') roAuto = false;
      continue;
    }
    if (expand) {
      const expanded = expand(value);
      if ('error' in expanded) return expanded;
      value = expanded.value;
    }
    const error = applyMountField(m, key, field, value);
    if (error !== undefined) return { error };
    if (key === 'readonly' || key === 'ro' || key === 'readwrite' || key === 'rw') roAuto = false;
  }
  return deferred ? { value: undefined } : checkMount(m, roAuto);
}

/** A field without `=`: `ro`, `rw` and `required` only. */
function applyMountFlag(m: { -readonly [K in keyof Mount]: Mount[K] }, key: string, field: string): string | undefined {
  if (key === 'readonly' || key === 'ro' || key === 'readwrite' || key === 'rw') {
    m.readOnly = key === 'readonly' || key === 'ro';
    return undefined;
  }
  if (key !== 'required') return `invalid field '${field}' must be a key=value pair`;
  if (m.type !== 'secret' && m.type !== 'ssh') return `unexpected key '${key}' for mount type '${m.type}'`;
  m.required = true;
  return undefined;
}

function applyMountField(m: { -readonly [K in keyof Mount]: Mount[K] }, key: string, field: string, value: string): string | undefined {
  const invalid = `invalid value for ${key}: ${value}`;
  const wrongType = `unexpected key '${key}' for mount type '${m.type}'`;
  switch (key) {
    case 'type': {
      const t = value.toLowerCase();
      if (!mountTypes.has(t)) return `unsupported mount type "${value}" (use one of bind, cache, tmpfs, secret, ssh)`;
      m.type = t as MountType;
      return undefined;
    }
    case 'from':
      m.from = value;
      return undefined;
    case 'source':
    case 'src':
      m.source = value;
      return undefined;
    case 'target':
    case 'dst':
    case 'destination':
      m.target = value;
      return undefined;
    case 'readonly':
    case 'ro':
    case 'readwrite':
    case 'rw': {
      const b = parseBool(value);
      if (b === undefined) return invalid;
      m.readOnly = key === 'readonly' || key === 'ro' ? b : !b;
      return undefined;
    }
    case 'required': {
      if (m.type !== 'secret' && m.type !== 'ssh') return wrongType;
      const b = parseBool(value);
      if (b === undefined) return invalid;
      m.required = b;
      return undefined;
    }
    case 'size': {
      if (m.type !== 'tmpfs') return wrongType;
      const size = ramInBytes(value);
      if (size === undefined) return invalid;
      m.sizeLimit = size;
      return undefined;
    }
    case 'id':
      m.cacheId = value;
      return undefined;
    case 'sharing': {
      const s = value.toLowerCase();
      if (!sharingModes.has(s)) return `unsupported sharing value "${value}" (use one of shared, private, locked)`;
      m.cacheSharing = s as CacheSharing;
      return undefined;
    }
    case 'mode':
    case 'uid':
    case 'gid': {
      const n = parseUint32(value, key === 'mode' ? 8 : 10);
      if (n === undefined) return `invalid value ${value} for ${key}`;
      m[key] = n;
      return undefined;
    }
    case 'env':
      m.env = value;
      return undefined;
    default:
      return `unexpected key '${key}' in '${field}' (known keys: ${mountKeys.join(', ')})`;
  }
}

function checkMount(m: { -readonly [K in keyof Mount]: Mount[K] }, roAuto: boolean): Parsed<Mount> {
  const fileInfo = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  for (const key of ['mode', 'uid', 'gid'] as const) {
    if (!fileInfo && m[key] !== undefined) return { error: `${key} not allowed for "${m.type}" type mounts` };
  }
  if (roAuto) m.readOnly = m.type !== 'cache' && m.type !== 'tmpfs';
  if (m.type === 'secret') {
    if (m.from !== undefined) return { error: 'secret mount should not have a from' };
    if (m.cacheSharing !== undefined) return { error: 'secret mount should not define sharing' };
    if (!m.source && !m.target && !m.cacheId) return { error: 'invalid secret mount. one of source, target required' };
    if (m.source && m.cacheId) return { error: "both source and id can't be set" };
  }
  if (m.cacheSharing !== undefined && m.type !== 'cache') return { error: `invalid cache sharing set for ${m.type} mount` };
  return { value: m };
}

export function parseNetwork(value: string): Parsed<NetworkMode> {
  return networkModes.has(value) ? { value: value as NetworkMode } : { error: `invalid network mode "${value}" (use default, none or host)` };
}

export function parseSecurity(value: string): Parsed<SecurityMode> {
  return securityModes.has(value) ? { value: value as SecurityMode } : { error: `security "${value}" is not valid (use sandbox or insecure)` };
}

/** A `--device` value: `name[,required[=bool]]` or `name=…,required=…`. */
export function parseDevice(text: string): Parsed<Device> {
  const csv = csvFields(text);
  if ('error' in csv) return { error: `failed to parse csv devices: ${csv.error}` };
  let name = '';
  let required = false;
  for (const field of csv.value) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = field.slice(eq + 1);
    if (key === 'required') {
      const b = eq < 0 ? true : parseBool(value);
      if (b === undefined) return { error: `invalid value for ${key}: ${value}` };
      required = b;
    } else if (key === 'name' && eq >= 0) {
      if (name !== '') return { error: `device name already set to ${name}` };
      name = value;
    } else if (name === '') {
      name = field;
    } else {
      return { error: eq < 0 ? `invalid field '${field}' must be a key=value pair` : `unexpected key '${key}' in '${field}'` };
    }
  }
  return { value: { name, required } };
}
