import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { END_OF_ARCHIVE, encodeHeader, readTar } from '../../../src/runtime/layer/tar';
import { chunksOf } from './helpers';

/** A one-entry tar whose mode field is `field` (8 bytes), with the checksum made right for it. */
function withMode(field: string): Buffer {
  const header = Buffer.from(encodeHeader({ name: 'f', type: 'file', mode: 0o644, size: 0 }));
  header.write(field.padEnd(8, '\0'), 100, 8, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([header, END_OF_ARCHIVE]);
}

async function modeOf(tar: Buffer): Promise<number> {
  for await (const entry of readTar(chunksOf(tar))) return entry.header.mode;
  throw new Error('no entry');
}

describe('readTar numeric fields', () => {
  it('reads octal padded with leading spaces and trailing spaces or NULs, and an empty field as 0', async () => {
    assert.equal(await modeOf(withMode('0000755\0')), 0o755);
    assert.equal(await modeOf(withMode('  644 \0')), 0o644);
    assert.equal(await modeOf(withMode('')), 0);
  });

  it('refuses a field with anything else in it, naming it', async () => {
    for (const field of ['64x', '6 44', '\x01644']) {
      await assert.rejects(modeOf(withMode(field)), /mode '.*' is not an octal number/, JSON.stringify(field));
    }
  });
});
