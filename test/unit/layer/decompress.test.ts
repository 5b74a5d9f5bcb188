import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decompress } from '../../../src/runtime/layer/decompress';

// Node 20's zlib cannot compress zstd; the zstd command can (Debian's zstd package).
const hasZstd = (() => {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function inflate(data: Buffer, onChunk?: () => void): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of decompress(Readable.from([data]), 'test data')) {
    parts.push(chunk);
    onChunk?.();
  }
  return Buffer.concat(parts);
}

describe('decompress', () => {
  // Random bytes do not compress: the zstd stream is several of unzstd's input slices.
  const original = Buffer.concat([randomBytes(300 * 1024), Buffer.alloc(300 * 1024, 'a')]);

  it('passes plain data through and inflates gzip', async () => {
    assert.deepEqual(await inflate(original), original);
    assert.deepEqual(await inflate(gzipSync(original)), original);
  });

  it('inflates zstd and lets the event loop run while it decodes', { skip: !hasZstd && 'no zstd command' }, async () => {
    const compressed = execFileSync('zstd', ['-q', '-c'], { input: original, maxBuffer: 4 << 20 });
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    let turnsWhileDecoding = 0;
    try {
      assert.deepEqual(await inflate(compressed, () => (turnsWhileDecoding = turns)), original);
    } finally {
      clearInterval(timer);
    }
    assert.ok(turnsWhileDecoding > 0, 'a timer ran before the last chunk was decoded');
  });
});
