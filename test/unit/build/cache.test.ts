import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BuildCache } from '../../../src/runtime/build/cache';
import { sha256Digest } from '../../../src/runtime/store/digest';
import { LocalContentStore } from '../../../src/runtime/store/content-store';

const hex = (text: string) => sha256Digest(text).slice('sha256:'.length);

/** A store root and a context dir holding `a.txt`, its stat settled (older than a clock tick). */
async function setUp(): Promise<{ root: string; context: string; file: string; cache: () => BuildCache }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-'));
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-'));
  const file = path.join(context, 'a.txt');
  fs.writeFileSync(file, 'old content');
  await sleep(1100);
  const cache = () => new BuildCache(path.join(root, 'builds', 'cache'), new LocalContentStore(root), root, context);
  return { root, context, file, cache };
}

describe('BuildCache file digests', () => {
  it('remembers a settled file by its stat, across builds: an unchanged file is not read again', async () => {
    const { file, cache } = await setUp();
    const first = cache();
    assert.equal(await first.fileDigest(file, fs.lstatSync(file)), hex('old content'));
    await first.flush();
    // The next build trusts the stat: the content is not read (a deleted file proves it).
    const stat = fs.lstatSync(file);
    fs.rmSync(file);
    assert.equal(await cache().fileDigest(file, stat), hex('old content'));
  });

  it('sees a same-size edit whose mtime was put back (touch -r): ctime moved', async () => {
    const { file, cache } = await setUp();
    const before = fs.lstatSync(file);
    const first = cache();
    await first.fileDigest(file, before);
    await first.flush();
    const ref = `${file}.times`;
    execFileSync('touch', ['-r', file, ref]);
    fs.writeFileSync(file, 'new content');
    execFileSync('touch', ['-r', ref, file]);
    const after = fs.lstatSync(file);
    assert.equal(after.size, before.size);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal(await cache().fileDigest(file, after), hex('new content'));
  });

  it('does not remember a file changed within the last second: a write in the same tick keeps its stat', async () => {
    const { file, cache } = await setUp();
    fs.writeFileSync(file, 'fresh');
    const first = cache();
    assert.equal(await first.fileDigest(file, fs.lstatSync(file)), hex('fresh'));
    await first.flush();
    const stat = fs.lstatSync(file);
    fs.writeFileSync(file, 'FRESH');
    assert.equal(await cache().fileDigest(file, stat), hex('FRESH'));
  });
});
