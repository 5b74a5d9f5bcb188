/**
 * tree: the helper serves one directory tree as root of a user namespace with the user's
 * id maps — reads, writes and owners Node cannot manage rootless — without ever following
 * a symlink on the way. Root (no namespace) and rootless.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HelperError } from '../../../src/runtime/container/helper-client';
import { toHost } from '../../../src/runtime/idmap';
import type { TreeAgent } from '../../../src/runtime/layer/tree-agent';
import { idMap, useHelper } from './fixtures';

async function text(chunks: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c.toString();
  return out;
}

describe('berth-helper tree', () => {
  const h = useHelper();
  const open = async (name: string): Promise<{ root: string; agent: TreeAgent }> => {
    const root = path.join(h.base, name);
    fs.mkdirSync(root, { recursive: true });
    return { root, agent: await h.client.openTree({ path: root, ...idMap }) };
  };
  const hostUid = (id: number) => toHost(idMap.uidMappings, id);

  it('writes, owns, lists and reads files of other container users', async () => {
    const { root, agent } = await open('rw');
    try {
      await agent.mkdir('home', 0o700);
      await agent.chown('home', 1000, 1000, 0o700);
      await agent.write('home/secret', Buffer.from('s3cret'), { mode: 0o600, uid: 1000, gid: 1000, mtimeMs: 1_700_000_000_000 });
      await agent.symlink('home/link', 'secret', { uid: 1000, gid: 1000 });
      await agent.link('home/secret', 'home/hard');
      // Node itself may not look inside when rootless; the agent may.
      const listing = await agent.list('home');
      assert.deepEqual(listing.map((e) => e.name), ['hard', 'link', 'secret']);
      const secret = listing.find((e) => e.name === 'secret')!.stat;
      assert.deepEqual([secret.uid, secret.mode & 0o7777, secret.nlink, secret.mtimeMs, secret.isFile()], [hostUid(1000), 0o600, 2, 1_700_000_000_000, true]);
      assert.equal((await agent.lstat('home/link')).isSymbolicLink(), true);
      assert.equal(await agent.readlink('home/link'), 'secret');
      assert.equal(await text(agent.read('home/secret', 6)), 's3cret');
      assert.equal(fs.lstatSync(path.join(root, 'home')).uid, hostUid(1000));
    } finally {
      agent.close();
    }
  });

  it('replaces what is in the way, renames, sets attributes and removes trees', async () => {
    const { agent } = await open('replace');
    try {
      await agent.mkdir('d', 0o755);
      await agent.mkdir('d/sub', 0o500);
      await agent.write('d/sub/f', Buffer.from('x'), { mode: 0o400 });
      await agent.write('d', Buffer.from('now a file'), { mode: 0o644 });
      assert.equal(await text(agent.read('d', 10)), 'now a file');
      await agent.rename('d', 'e');
      await agent.attributes('e', 0o4755, 1_000_000);
      const e = await agent.lstat('e');
      assert.deepEqual([e.mode & 0o7777, e.mtimeMs], [0o4755, 1_000_000]);
      await agent.remove('e');
      await agent.remove('e');
      assert.deepEqual(await agent.list(''), []);
    } finally {
      agent.close();
    }
  });

  it('refuses a symlink on the way and a climb out of the root, and stays usable', async () => {
    const { root, agent } = await open('links');
    fs.mkdirSync(path.join(h.base, 'outside'), { recursive: true });
    fs.writeFileSync(path.join(h.base, 'outside', 'f'), 'outside');
    fs.symlinkSync('../outside', path.join(root, 'out'));
    try {
      await assert.rejects(agent.lstat('out/f'), (err: NodeJS.ErrnoException) => err.code === 'ELOOP');
      await assert.rejects(agent.write('out/new', Buffer.from('x'), { mode: 0o644 }), (err: NodeJS.ErrnoException) => err.code === 'ELOOP');
      await assert.rejects(agent.lstat('../outside/f'), (err: unknown) => err instanceof Error && /climbs out/.test(err.message));
      await assert.rejects(agent.remove(''), (err: unknown) => err instanceof Error && /root itself/.test(err.message));
      assert.equal(fs.existsSync(path.join(h.base, 'outside', 'new')), false);
      assert.equal((await agent.lstat('out')).isSymbolicLink(), true);
    } finally {
      agent.close();
    }
  });

  it('closes when a reader stops early, and refuses a request with two roots', async () => {
    const { agent } = await open('early');
    await agent.write('big', Buffer.alloc(3 << 20, 1), { mode: 0o644 });
    for await (const chunk of agent.read('big', 3 << 20)) {
      assert.ok(chunk.length > 0);
      break;
    }
    await assert.rejects(agent.lstat('big'), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    await assert.rejects(h.client.openTree({ path: h.base, pid: 1 } as never), (err: unknown) => err instanceof HelperError && /exactly one/.test(err.message));
  });
});
