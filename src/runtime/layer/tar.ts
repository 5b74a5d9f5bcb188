/**
 * A streaming tar reader and writer (ustar + POSIX pax + the GNU long-name records).
 *
 * Why not tar-stream for this: layers carry binary xattrs (security.capability) in pax
 * records, which tar-stream decodes as UTF-8 strings and so corrupts; and a layer reader
 * must be strict — header checksums, numeric fields, a truncated body are all errors
 * here, never guessed around. The reader hands out body chunks that are views into the
 * input (no copy), and the whole input — trailing zero blocks included — passes through,
 * so a caller hashing the stream gets the layer's diff id.
 */
import { invalidArgument } from '../errors';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (fractional from pax). */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** From pax `SCHILY.xattr.<name>` records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
}

export interface TarEntry {
  header: TarHeader;
  /** The body, as views into the input. Unread bodies are skipped by the next entry. */
  body(): AsyncIterable<Buffer>;
}

const BLOCK = 512;
const MAX_META = 1 << 20;
const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'directory', '6': 'fifo' };

/** Pulls exact byte counts out of an async chunk source. */
class ByteSource {
  private pending: Buffer[] = [];
  private available = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.available += chunk.length;
    }
    return true;
  }

  /** Exactly n bytes, or undefined at a clean end of input before any byte. */
  async read(n: number): Promise<Buffer | undefined> {
    while (this.available < n) {
      if (!(await this.fill())) {
        if (this.available === 0) return undefined;
        throw truncated();
      }
    }
    const first = this.pending[0];
    if (first.length >= n) return this.take(n);
    return Buffer.concat(this.takeMany(n));
  }

  /** Up to `max` bytes as soon as any are available (views, not copies). */
  async readSome(max: number): Promise<Buffer> {
    while (this.available === 0) {
      if (!(await this.fill())) throw truncated();
    }
    return this.take(Math.min(max, this.pending[0].length));
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.readSome(left)).length;
  }

  async drain(): Promise<void> {
    this.pending = [];
    this.available = 0;
    while (await this.fill()) {
      this.pending = [];
      this.available = 0;
    }
  }

  private take(n: number): Buffer {
    const first = this.pending[0];
    const out = first.subarray(0, n);
    if (n === first.length) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.available -= n;
    return out;
  }

  private takeMany(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const piece = this.take(Math.min(left, this.pending[0].length));
      out.push(piece);
      left -= piece.length;
    }
    return out;
  }
}

function truncated(): Error {
  return invalidArgument('The tar stream ended in the middle of an entry: the archive or layer is truncated.');
}

function cstring(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/**
 * An octal field: optional leading spaces, digits, then only NULs and spaces; `empty`
 * when there are no digits, undefined when it is anything else. A byte loop, as every
 * header has eight of these and a layer tens of thousands of headers.
 */
function octal(block: Buffer, start: number, length: number, empty?: number): number | undefined {
  const end = start + length;
  let i = start;
  while (i < end && block[i] === 0x20) i++;
  const first = i;
  let value = 0;
  for (; i < end && block[i] >= 0x30 && block[i] <= 0x37; i++) value = value * 8 + block[i] - 0x30;
  const digits = i - first;
  for (; i < end; i++) if (block[i] !== 0 && block[i] !== 0x20) return undefined;
  return digits === 0 ? empty : value;
}

function numeric(block: Buffer, start: number, length: number, field: string, name: string): number {
  if (block[start] & 0x80) {
    // GNU base-256: big-endian, top bit of the first byte is the marker.
    if (block[start] === 0xff) throw invalidArgument(`Tar entry '${name}': negative ${field}.`);
    let value = block[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i];
    if (!Number.isSafeInteger(value)) throw invalidArgument(`Tar entry '${name}': ${field} is too large.`);
    return value;
  }
  const value = octal(block, start, length, 0);
  if (value === undefined) {
    const text = block.toString('latin1', start, start + length);
    throw invalidArgument(`Tar entry '${printable(name)}': ${field} '${printable(text)}' is not an octal number; the tar is corrupt.`);
  }
  return value;
}

/** A name fit for an error message: control characters shown as '?'. */
function printable(name: string): string {
  return name.slice(0, 100).replace(/[\x00-\x1f\x7f]/g, '?');
}

function checksumOk(block: Buffer): boolean {
  const stored = octal(block, 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 32 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(data: Buffer, into: Map<string, Buffer>): void {
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.toString('latin1', pos, space), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > data.length) throw invalidArgument('A pax extended header in the tar is malformed.');
    const record = data.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw invalidArgument('A pax extended header record has no "=".');
    into.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
}

/**
 * Reads tar entries. Each entry's body must be consumed (or ignored, then it is skipped)
 * before asking for the next. Throws `invalid-argument` on any corruption.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const input = new ByteSource(source);
  const globalPax = new Map<string, Buffer>();
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await input.read(BLOCK);
    if (!block) return;
    if (block.every((b) => b === 0)) {
      await input.drain();
      return;
    }
    const rawName = cstring(block, 0, 100);
    if (!checksumOk(block)) throw invalidArgument(`Tar header for '${printable(rawName)}' has a bad checksum: this is not a tar stream, or it is corrupt.`);
    const flag = String.fromCharCode(block[156]);
    const size = numeric(block, 124, 12, 'size', rawName);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_META) throw invalidArgument(`Tar metadata record for '${rawName}' is ${size} bytes; refusing more than ${MAX_META}.`);
      const data = Buffer.from((await input.read(padded)) ?? Buffer.alloc(0)).subarray(0, size);
      if (data.length < size) throw truncated();
      if (flag === 'x') parsePax(data, pax);
      else if (flag === 'g') parsePax(data, globalPax);
      else if (flag === 'L') longName = cstring(data, 0, data.length);
      else longLink = cstring(data, 0, data.length);
      continue;
    }
    const type = TYPES[flag];
    if (!type) throw invalidArgument(`Tar entry '${rawName}' has type '${flag}' (${flag === 'S' ? 'GNU sparse file' : 'unknown'}), which Berth does not extract.`);
    const magic = block.toString('latin1', 257, 263);
    const prefix = magic === 'ustar\0' ? cstring(block, 345, 155) : '';
    const merged = new Map([...globalPax, ...pax]);
    const text = (key: string) => merged.get(key)?.toString('utf8');
    let name = text('path') ?? longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
    const paxSize = text('size');
    const header: TarHeader = {
      name,
      type,
      mode: numeric(block, 100, 8, 'mode', name) & 0o7777,
      uid: text('uid') !== undefined ? Number(text('uid')) : numeric(block, 108, 8, 'uid', name),
      gid: text('gid') !== undefined ? Number(text('gid')) : numeric(block, 116, 8, 'gid', name),
      size: paxSize !== undefined ? Number(paxSize) : size,
      mtime: text('mtime') !== undefined ? Number(text('mtime')) : numeric(block, 136, 12, 'mtime', name),
      linkname: text('linkpath') ?? longLink ?? cstring(block, 157, 100),
      uname: text('uname') ?? cstring(block, 265, 32),
      gname: text('gname') ?? cstring(block, 297, 32),
      devmajor: numeric(block, 329, 8, 'devmajor', name),
      devminor: numeric(block, 337, 8, 'devminor', name),
      xattrs: new Map(),
    };
    for (const [key, value] of merged) {
      if (key.startsWith('SCHILY.xattr.')) header.xattrs.set(key.slice('SCHILY.xattr.'.length), value);
    }
    for (const field of ['uid', 'gid', 'size', 'mtime'] as const) {
      const v = header[field];
      if (!Number.isFinite(v) || v < 0 || (field !== 'mtime' && !Number.isSafeInteger(v))) throw invalidArgument(`Tar entry '${name}': ${field} '${v}' is invalid.`);
    }
    pax = new Map();
    longName = longLink = undefined;
    name = header.name;
    // Only regular files carry a body; for the others a size is ignored, as GNU tar does
    // for links, except that the bytes are still skipped.
    const bodySize = type === 'file' ? header.size : 0;
    const skipAfter = Math.ceil(header.size / BLOCK) * BLOCK - bodySize;
    let remaining = bodySize;
    const body = async function* (): AsyncGenerator<Buffer> {
      while (remaining > 0) {
        const piece = await input.readSome(remaining);
        remaining -= piece.length;
        yield piece;
      }
    };
    yield { header, body };
    if (remaining > 0) await input.skip(remaining);
    if (skipAfter > 0) await input.skip(skipAfter);
  }
}

// ---- writer -------------------------------------------------------------------------

export interface TarWriteHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

const FLAGS: Record<TarEntryType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6' };

function writeOctal(block: Buffer, value: number, start: number, length: number): boolean {
  const text = Math.floor(value).toString(8);
  if (text.length > length - 1) return false;
  block.write(text.padStart(length - 1, '0') + '\0', start, 'latin1');
  return true;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const tail = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  let len = tail.length + 1;
  while (String(len).length + tail.length !== len) len = String(len).length + tail.length;
  return Buffer.concat([Buffer.from(String(len)), tail]);
}

function rawHeader(name: string, flag: string, h: TarWriteHeader, size: number): { block: Buffer; fits: boolean } {
  const block = Buffer.alloc(BLOCK);
  let fits = Buffer.byteLength(name) <= 100;
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, h.mode & 0o7777, 100, 8);
  fits = writeOctal(block, h.uid ?? 0, 108, 8) && fits;
  fits = writeOctal(block, h.gid ?? 0, 116, 8) && fits;
  fits = writeOctal(block, size, 124, 12) && fits;
  writeOctal(block, Math.max(0, h.mtime ?? 0), 136, 12);
  block.write(flag, 156, 'latin1');
  const link = h.linkname ?? '';
  fits = Buffer.byteLength(link) <= 100 && fits;
  block.write(link, 157, 100, 'utf8');
  block.write('ustar\x0000', 257, 'latin1');
  block.write((h.uname ?? '').slice(0, 31), 265, 'utf8');
  block.write((h.gname ?? '').slice(0, 31), 297, 'utf8');
  writeOctal(block, h.devmajor ?? 0, 329, 8);
  writeOctal(block, h.devminor ?? 0, 337, 8);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i];
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return { block, fits };
}

/** The header block(s) for one entry (pax records added when a field does not fit ustar). */
export function encodeHeader(h: TarWriteHeader): Buffer {
  const size = h.type === 'file' ? (h.size ?? 0) : 0;
  const { block, fits } = rawHeader(h.name, FLAGS[h.type], h, size);
  const needsXattrs = h.xattrs !== undefined && h.xattrs.size > 0;
  const ascii = /^[\x20-\x7e]*$/.test(h.name) && /^[\x20-\x7e]*$/.test(h.linkname ?? '');
  if (fits && ascii && !needsXattrs) return block;
  const records: Buffer[] = [];
  if (Buffer.byteLength(h.name) > 100 || !ascii) records.push(paxRecord('path', Buffer.from(h.name)));
  if (Buffer.byteLength(h.linkname ?? '') > 100 || !ascii) records.push(paxRecord('linkpath', Buffer.from(h.linkname ?? '')));
  if ((h.uid ?? 0) > 0o7777777) records.push(paxRecord('uid', Buffer.from(String(h.uid))));
  if ((h.gid ?? 0) > 0o7777777) records.push(paxRecord('gid', Buffer.from(String(h.gid))));
  if (size > 0o77777777777) records.push(paxRecord('size', Buffer.from(String(size))));
  for (const [key, value] of h.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${key}`, value));
  const data = Buffer.concat(records);
  const shortName = Buffer.from(h.name).subarray(0, 90).toString('latin1').replace(/[^\x20-\x7e]/g, '_');
  const paxHeader = rawHeader(`PaxHeaders/${shortName}`.slice(0, 99), 'x', { name: '', type: 'file', mode: 0o644, mtime: h.mtime }, data.length).block;
  const main = rawHeader(Buffer.from(h.name).subarray(0, 100).toString('latin1').replace(/[^\x20-\x7e]/g, '_'), FLAGS[h.type], {
    ...h,
    uid: Math.min(h.uid ?? 0, 0o7777777),
    gid: Math.min(h.gid ?? 0, 0o7777777),
    linkname: Buffer.from(h.linkname ?? '').subarray(0, 100).toString('latin1').replace(/[^\x20-\x7e]/g, '_'),
  }, Math.min(size, 0o77777777777)).block;
  return Buffer.concat([paxHeader, data, padding(data.length), main]);
}

export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
