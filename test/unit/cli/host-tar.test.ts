import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar-stream';
import { Readable } from 'node:stream';
import { extractTo, packPath } from '../../../src/runtime/cli/host-tar';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'berth-host-tar-'));

function tarOf(entries: { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string; body?: string }[]): Readable {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.type === 'directory' ? 0o755 : 0o644 }, e.body ?? '');
  pack.finalize();
  return pack as unknown as Readable;
}

describe('packPath and extractTo', () => {
  it('round-trip a tree with files, directories and symlinks, keeping modes', async () => {
    const src = tmp();
    fs.mkdirSync(path.join(src, 'tree/sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'tree/sub/run.sh'), 'echo hi\n', { mode: 0o755 });
    fs.symlinkSync('sub/run.sh', path.join(src, 'tree/link'));
    const packed = packPath(path.join(src, 'tree'), { rootName: 'copy', archive: false, followLink: false });
    const dest = tmp();
    const bytes = await extractTo(packed.stream, dest, async () => 'into', { archive: false });
    assert.equal(bytes, 8);
    assert.equal(packed.bytes(), 8);
    assert.equal(fs.readFileSync(path.join(dest, 'copy/sub/run.sh'), 'utf8'), 'echo hi\n');
    assert.equal(fs.statSync(path.join(dest, 'copy/sub/run.sh')).mode & 0o777, 0o755);
    assert.equal(fs.readlinkSync(path.join(dest, 'copy/link')), 'sub/run.sh');
  });

  it("places the top entry 'as' the destination: a renamed file, or a directory's contents", async () => {
    const dest = tmp();
    await extractTo(tarOf([{ name: 'hosts', body: 'x' }]), path.join(dest, 'renamed'), async (isDir) => (assert.equal(isDir, false), 'as'), { archive: false });
    assert.equal(fs.readFileSync(path.join(dest, 'renamed'), 'utf8'), 'x');
    await extractTo(tarOf([{ name: 'etc/', type: 'directory' }, { name: 'etc/a', body: 'a' }]), dest, async () => 'as', { archive: false });
    assert.equal(fs.readFileSync(path.join(dest, 'a'), 'utf8'), 'a');
  });

  it('refuses entries that climb out, absolute names, and writes through planted symlinks', async () => {
    const outside = tmp();
    for (const entries of [
      [{ name: 'x/', type: 'directory' as const }, { name: 'x/../../escape', body: 'no' }],
      [{ name: '/abs', body: 'no' }],
      [{ name: 'x/', type: 'directory' as const }, { name: 'x/link', type: 'symlink' as const, linkname: outside }, { name: 'x/link/escape', body: 'no' }],
      [{ name: 'x/', type: 'directory' as const }, { name: 'x/hard', type: 'link' as const, linkname: '../../etc/passwd' }],
    ]) {
      const dest = tmp();
      await assert.rejects(extractTo(tarOf(entries), dest, async () => 'into', { archive: false }), /outside the destination/);
    }
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('replaces an existing symlink instead of writing through it', async () => {
    const dest = tmp();
    const victim = path.join(tmp(), 'victim');
    fs.writeFileSync(victim, 'safe');
    fs.symlinkSync(victim, path.join(dest, 'f'));
    await extractTo(tarOf([{ name: 'f', body: 'new' }]), dest, async () => 'into', { archive: false });
    assert.equal(fs.readFileSync(victim, 'utf8'), 'safe');
    assert.equal(fs.readFileSync(path.join(dest, 'f'), 'utf8'), 'new');
  });
});
