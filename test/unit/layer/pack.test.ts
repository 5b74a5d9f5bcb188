import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { currentIdMap } from '../../../src/runtime/idmap';
import { packDirectory } from '../../../src/runtime/layer/pack';
import { readTar } from '../../../src/runtime/layer/tar';
import { tempDir } from './helpers';

async function entries(dir: string, mode: 'rootfs' | 'upper'): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar(packDirectory(dir, { idMap: currentIdMap(), mode }))) {
    const h = e.header;
    let body = '';
    for await (const chunk of e.body()) body += chunk.toString();
    out.push(`${h.type} ${h.name} ${h.uid}:${h.gid}${h.linkname ? ` -> ${h.linkname}` : ''}${body ? ` '${body}'` : ''}`);
  }
  return out;
}

describe('packDirectory', () => {
  it('writes a tree sorted, parents first, as root-owned entries with hard links kept', async () => {
    const dir = await tempDir('berth-pack-');
    await fs.mkdir(path.join(dir, 'b/c'), { recursive: true });
    await fs.writeFile(path.join(dir, 'b/c/f'), 'data');
    await fs.link(path.join(dir, 'b/c/f'), path.join(dir, 'a-link'));
    await fs.symlink('b/c/f', path.join(dir, 's'));
    assert.deepEqual(await entries(dir, 'rootfs'), ["file a-link 0:0 'data'", 'directory b/ 0:0', 'directory b/c/ 0:0', 'link b/c/f 0:0 -> a-link', 'symlink s 0:0 -> b/c/f']);
  });

  it('turns an upper dir\'s 0/0 character devices into whiteout entries', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('mknod needs root');
    const dir = await tempDir('berth-pack-');
    await fs.mkdir(path.join(dir, 'etc'));
    execFileSync('mknod', [path.join(dir, 'etc/motd'), 'c', '0', '0']);
    assert.deepEqual(await entries(dir, 'upper'), ['directory etc/ 0:0', 'file etc/.wh.motd 0:0']);
    assert.deepEqual(await entries(dir, 'rootfs'), ['directory etc/ 0:0', 'char etc/motd 0:0']);
  });
});
