import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isBerthError } from '../../../src/runtime/errors';
import { type IdMap, currentIdMap } from '../../../src/runtime/idmap';
import { applyLayer } from '../../../src/runtime/layer/apply';
import { layerDir, layerFsDir, readLayerMeta } from '../../../src/runtime/layer/layer';
import { LayerIndex } from '../../../src/runtime/layer/layer-index';
import { extractLayer } from '../../../src/runtime/layer/layer-store';
import { encodeHeader, END_OF_ARCHIVE } from '../../../src/runtime/layer/tar';
import type { Digest } from '../../../src/runtime/store/digest';
import { Lease } from '../../../src/runtime/store/lease';
import { RecordingPrivilegedFs, chunksOf, packTar, tempDir } from './helpers';

const ROOT_MAP: IdMap = { uidMappings: [], gidMappings: [] };
const ROOTLESS_MAP: IdMap = {
  uidMappings: [{ containerID: 0, hostID: process.getuid!(), size: 1 }, { containerID: 1, hostID: 100000, size: 65535 }],
  gidMappings: [{ containerID: 0, hostID: process.getgid!(), size: 1 }, { containerID: 1, hostID: 100000, size: 65535 }],
};

function digestOf(data: Buffer): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function extract(tarData: Buffer, options: { idMap?: IdMap; root?: string } = {}) {
  const root = options.root ?? path.join(await tempDir(), 'root');
  await fs.mkdir(root, { recursive: true });
  const lease = await Lease.create(root);
  const privileged = new RecordingPrivilegedFs();
  const chainId = digestOf(tarData);
  try {
    const idMap = options.idMap ?? (process.getuid!() === 0 ? ROOT_MAP : currentIdMap());
    const ctx = { root, idMap, privileged: async () => privileged };
    const result = await extractLayer(() => chunksOf(tarData, 1000), ctx, { chainId, lease, what: 'layer test.tar' });
    return { root, chainId, fsDir: layerFsDir(root, chainId), result, privileged };
  } finally {
    await lease.release();
  }
}

describe('applyLayer', () => {
  it('extracts files, dirs, symlinks and hard links with modes and times, and indexes them', async () => {
    const tarData = await packTar([
      { name: 'bin', type: 'directory', mode: 0o755 },
      { name: 'bin/busybox', body: 'ELF', mode: 0o755 },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'bin/ash', type: 'link', linkname: 'bin/busybox' },
      { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
      { name: 'tmp', type: 'directory', mode: 0o1777 },
      { name: 'ro', type: 'directory', mode: 0o555 },
      { name: 'ro/inside', body: 'x', mode: 0o400 },
    ]);
    const { fsDir, result, root, chainId } = await extract(tarData);
    assert.equal(result?.diffId, digestOf(tarData));
    assert.equal(await fs.readFile(path.join(fsDir, 'bin/busybox'), 'utf8'), 'ELF');
    assert.equal(await fs.readlink(path.join(fsDir, 'bin/sh')), 'busybox');
    const [a, b] = await Promise.all([fs.stat(path.join(fsDir, 'bin/ash')), fs.stat(path.join(fsDir, 'bin/busybox'))]);
    assert.equal(a.ino, b.ino);
    assert.equal((await fs.stat(path.join(fsDir, 'tmp'))).mode & 0o7777, 0o1777);
    assert.equal((await fs.stat(path.join(fsDir, 'ro'))).mode & 0o7777, 0o555);
    assert.equal((await fs.stat(path.join(fsDir, 'bin/busybox'))).mtimeMs, 1_700_000_000_000);
    assert.equal((await fs.stat(path.join(fsDir, 'bin'))).mtimeMs, 1_700_000_000_000);
    const index = await LayerIndex.read(layerDir(root, chainId));
    assert.deepEqual([...index.entries()].map((e) => `${e.type} ${e.path}${e.link ? ` -> ${e.link}` : ''}`), [
      'd bin', 'f bin/busybox', 'l bin/sh -> busybox', 'h bin/ash -> bin/busybox', 'f etc/passwd', 'd tmp', 'd ro', 'f ro/inside',
    ]);
    assert.equal((await readLayerMeta(root, chainId))?.size, tarData.length);
  });

  it('reads gzip layers by their magic bytes', async () => {
    const plain = await packTar([{ name: 'a', body: 'z' }]);
    const { result, fsDir } = await extract(gzipSync(plain));
    assert.equal(result?.compression, 'gzip');
    assert.equal(result?.diffId, digestOf(plain));
    assert.equal(await fs.readFile(path.join(fsDir, 'a'), 'utf8'), 'z');
  });

  it('turns whiteouts and opaque markers into helper records and index entries', async () => {
    const { privileged, root, chainId, fsDir } = await extract(await packTar([
      { name: 'etc/.wh.motd', body: '' },
      { name: 'var/cache/.wh..wh..opq', body: '' },
      { name: 'var/cache/new', body: 'n' },
      { name: '.wh..wh.plnk', type: 'directory' },
    ]));
    assert.deepEqual(privileged.records.filter((r) => !r.startsWith('chown')), ['whiteout etc/motd', 'opaque var/cache']);
    const index = await LayerIndex.read(layerDir(root, chainId));
    assert.deepEqual(index.deletions(), { whiteouts: ['etc/motd'], opaque: ['var/cache'] });
    assert.deepEqual(await fs.readdir(path.join(fsDir, 'var/cache')), ['new']);
  });

  it('keeps the last version of a path written twice and a deletion that follows it', async () => {
    const { fsDir } = await extract(await packTar([
      { name: 'f', body: 'one' },
      { name: 'f', body: 'two' },
      { name: 'd/x', body: 'x' },
      { name: 'd', body: 'now a file' },
      { name: 'gone', body: 'g' },
      { name: '.wh.gone', body: '' },
    ]));
    assert.equal(await fs.readFile(path.join(fsDir, 'f'), 'utf8'), 'two');
    assert.equal(await fs.readFile(path.join(fsDir, 'd'), 'utf8'), 'now a file');
    await assert.rejects(fs.lstat(path.join(fsDir, 'gone')), { code: 'ENOENT' });
  });

  it('gives files their exact modes: set-id and sticky bits, bits the umask strips', async () => {
    const modes: Record<string, number> = { suid: 0o4755, sgid: 0o2711, shared: 0o664, sticky: 0o1644 };
    const owned = process.getuid!() === 0 ? { uid: 1000, gid: 1000 } : {};
    const { fsDir } = await extract(await packTar(Object.entries(modes).map(([name, mode]) => ({ name, body: name, mode, ...owned }))));
    for (const [name, mode] of Object.entries(modes)) {
      const stat = await fs.stat(path.join(fsDir, name));
      assert.equal(stat.mode & 0o7777, mode, `mode of ${name}`);
      if (owned.uid !== undefined) assert.equal(stat.uid, owned.uid, `owner of ${name}`);
    }
  });

  it('takes an uncompressed layer\'s diff id from the caller\'s digest of the stream, and hashes a compressed one itself', async () => {
    const plain = await packTar([{ name: 'a', body: 'z' }]);
    const told: Digest = `sha256:${'ab'.repeat(32)}`;
    const apply = async (data: Buffer) => {
      const target = await tempDir();
      const idMap = process.getuid!() === 0 ? ROOT_MAP : currentIdMap();
      return applyLayer(chunksOf(data, 100), { target, workDir: await tempDir(), idMap, privileged: async () => new RecordingPrivilegedFs(), what: 'test', sourceDigest: () => told });
    };
    assert.equal((await apply(plain)).diffId, told);
    assert.equal((await apply(gzipSync(plain))).diffId, digestOf(plain));
  });

  it('records chown for non-root owners rootless, with the mode to restore', async () => {
    const { privileged } = await extract(await packTar([
      { name: './', type: 'directory', uid: 1001, gid: 1001, mode: 0o755 },
      { name: 'home/u', type: 'directory', uid: 1000, gid: 1000, mode: 0o700 },
      { name: 'usr/bin/su', body: 'x', uid: 0, gid: 0, mode: 0o4755 },
      { name: 'odd', body: 'x', uid: 70000, gid: 0 },
    ]), { idMap: ROOTLESS_MAP });
    assert.equal(privileged.fixups[0].request.userxattr, true);
    assert.deepEqual(privileged.fixups[0].request.uidMappings, ROOTLESS_MAP.uidMappings);
    assert.deepEqual(privileged.records, ['chown 1001 1001 755 .', 'chown 1000 1000 700 home/u'], 'the layer root is \'.\'');
  });
});

describe('applyLayer with device nodes', () => {
  it('creates no device node or fifo, and reports each as skipped', async () => {
    const { fsDir, result, root, chainId } = await extract(await packTar([
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 },
      { name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1, mode: 0o640 },
      { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    ]));
    assert.deepEqual(result?.skipped, ['dev/sda (block)', 'dev/mem (char)', 'run/fifo (fifo)']);
    assert.deepEqual(await fs.readdir(path.join(fsDir, 'dev')), []);
    const index = await LayerIndex.read(layerDir(root, chainId));
    assert.deepEqual([...index.entries()].map((e) => `${e.type} ${e.path}`), ['b dev/sda', 'c dev/mem', 'p run/fifo']);
  });
});

describe('applyLayer refuses malicious tars', () => {
  const corpus: Array<[string, () => Promise<Buffer>, RegExp]> = [
    ['a ../ path', () => packTar([{ name: '../../sentinel/pwned', body: 'x' }]), /'\.\.'/],
    ['an absolute path', () => packTar([{ name: '/etc/pwned', body: 'x' }]), /absolute/],
    ['a file through a symlink to /', () => packTar([{ name: 'a', type: 'symlink', linkname: '/' }, { name: 'a/tmp/pwned', body: 'x' }]), /symbolic link/],
    ['a relative symlink escape', () => packTar([{ name: 'a', type: 'symlink', linkname: '../../..' }, { name: 'a/sentinel/pwned', body: 'x' }]), /symbolic link/],
    ['a symlink escape one level down', () => packTar([{ name: 'd/a', type: 'symlink', linkname: '../../../../sentinel' }, { name: 'd/a/pwned', body: 'x' }]), /symbolic link/],
    ['a hard link to /etc/passwd', () => packTar([{ name: 'p', type: 'link', linkname: '/etc/passwd' }]), /absolute hard-link target/],
    ['a hard link to ../', () => packTar([{ name: 'p', type: 'link', linkname: '../../sentinel/keep' }]), /'\.\.'/],
    ['a hard link through a symlink', () => packTar([{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'p', type: 'link', linkname: 'l/passwd' }]), /hard link to 'l\/passwd'/],
    ['a hard link to a path not yet extracted', () => packTar([{ name: 'p', type: 'link', linkname: 'later' }, { name: 'later', body: 'x' }]), /not extracted/],
    ['a symlink replacing a directory, then a file through it', () => packTar([{ name: 'd/f', body: 'x' }, { name: 'd', type: 'symlink', linkname: '/tmp' }, { name: 'd/pwned', body: 'x' }]), /under 'd', which is a symbolic link/],
    ['a whiteout of ../x', () => packTar([{ name: '../.wh.x', body: '' }]), /'\.\.'/],
    ['a whiteout named ..', () => packTar([{ name: 'a/.wh...', body: '' }]), /whiteout of '\.\.'/],
    ['a huge declared size with a truncated body', async () => Buffer.concat([encodeHeader({ name: 'big', type: 'file', mode: 0o644, size: 1e9 }), Buffer.alloc(4096, 1)]), /truncated/],
    ['a corrupt header', async () => Buffer.concat([Buffer.alloc(512, 7), END_OF_ARCHIVE]), /not a tar stream/],
  ];
  for (const [name, make, message] of corpus) {
    it(`refuses ${name}, writing nothing outside and leaving no layer`, async () => {
      const base = await tempDir();
      const root = path.join(base, 'store', 'root');
      const sentinel = path.join(base, 'store', 'sentinel');
      await fs.mkdir(sentinel, { recursive: true });
      await fs.writeFile(path.join(sentinel, 'keep'), 'keep');
      await assert.rejects(extract(await make(), { root }), (err) => {
        assert.ok(isBerthError(err, 'invalid-argument'), String(err));
        assert.match(err.message, message);
        return true;
      });
      assert.deepEqual(await fs.readdir(sentinel), ['keep']);
      assert.deepEqual(await fs.readdir(path.join(root, 'layers')), []);
      await assert.rejects(fs.lstat('/etc/pwned'), { code: 'ENOENT' });
      await assert.rejects(fs.lstat('/tmp/pwned'), { code: 'ENOENT' });
    });
  }
});
