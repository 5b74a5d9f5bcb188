/** What the copy suites share: tars made in memory, to copy into containers. */
import { Readable } from 'node:stream';
import { encodeHeader, END_OF_ARCHIVE, padding, type TarWriteHeader } from '../../../src/runtime/layer/tar';

/** A tar of `items`, each with its body (a file's). */
export function tarOf(items: (TarWriteHeader & { body?: string })[]): Readable {
  const parts: Buffer[] = [];
  for (const { body, ...h } of items) {
    const data = Buffer.from(body ?? '');
    parts.push(encodeHeader({ mtime: 1_700_000_000, ...h, size: data.length }), data, padding(data.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Readable.from([Buffer.concat(parts)]);
}
