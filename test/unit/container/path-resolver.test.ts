import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { resolveInRoot, type Step, type Walk } from '../../../src/runtime/container/path-resolver';
import { isBerthError } from '../../../src/runtime/errors';

type Node = 'dir' | 'file' | { link: string };

/** An in-memory container root; handles are paths, and every handle entered must be released. */
function tree(nodes: Record<string, Node>): Walk<string> & { open: Set<string>; entered: string[] } {
  const open = new Set<string>();
  const entered: string[] = [];
  const child = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
  return {
    root: '/',
    open,
    entered,
    async step(dir, name): Promise<Step> {
      const node = nodes[child(dir, name)];
      if (node === undefined) return undefined;
      if (node === 'dir') return { type: 'directory' };
      if (node === 'file') return { type: 'other' };
      return { type: 'symlink', target: node.link };
    },
    async enter(dir, name) {
      const p = child(dir, name);
      if (nodes[p] !== 'dir') throw new Error(`enter ${p}: not a directory (a swapped link is refused)`);
      open.add(p);
      entered.push(p);
      return p;
    },
    release(dir) {
      assert.ok(open.delete(dir), `released ${dir} twice or never entered`);
    },
  };
}

const ROOT: Record<string, Node> = {
  '/etc': 'dir',
  '/etc/passwd': 'file',
  '/etc/shadow': 'file',
  '/usr': 'dir',
  '/usr/bin': 'dir',
  '/usr/bin/sh': 'file',
  '/bin': { link: 'usr/bin' },
  '/tmp': 'dir',
  '/tmp/abs': { link: '/etc/shadow' },
  '/tmp/up': { link: '../../../../..' },
  '/tmp/upetc': { link: '../../../../../etc' },
  '/tmp/loop': { link: '/tmp/loop' },
  '/tmp/self': { link: '.' },
  '/tmp/file': 'file',
};

async function resolve(p: string, followLast = true) {
  const t = tree(ROOT);
  const r = await resolveInRoot(t, p, { followLast });
  if (r.parent !== t.root) t.release(r.parent);
  assert.equal(t.open.size, 0, `handles left open: ${[...t.open].join(', ')}`);
  return r;
}

describe('resolveInRoot', () => {
  it('walks plain paths one directory at a time', async () => {
    const r = await resolve('/etc/passwd');
    assert.deepEqual([r.parent, r.name, r.path], ['/etc', 'passwd', '/etc/passwd']);
  });

  it('names the root with no name', async () => {
    for (const p of ['/', '', '.', '/..', '/../..', '/tmp/..', '/tmp/up']) {
      const r = await resolve(p);
      assert.deepEqual([r.parent, r.name, r.path], ['/', undefined, '/'], p);
    }
  });

  it('follows a relative link from its own directory', async () => {
    const r = await resolve('/bin/sh');
    assert.deepEqual([r.parent, r.name, r.path], ['/usr/bin', 'sh', '/usr/bin/sh']);
  });

  it('reads an absolute link from the container root, never the host', async () => {
    const r = await resolve('/tmp/abs');
    assert.deepEqual([r.parent, r.name, r.path], ['/etc', 'shadow', '/etc/shadow']);
  });

  it('clamps .. at the root, in the path and in link targets', async () => {
    assert.equal((await resolve('/../../../etc/passwd')).path, '/etc/passwd');
    assert.equal((await resolve('/tmp/upetc/passwd')).path, '/etc/passwd');
    assert.equal((await resolve('/tmp/up/etc/shadow')).path, '/etc/shadow');
  });

  it('keeps a link in the last component unless told to follow it', async () => {
    const r = await resolve('/tmp/abs', false);
    assert.deepEqual([r.parent, r.name, r.path], ['/tmp', 'abs', '/tmp/abs']);
    assert.equal((await resolve('/bin', false)).path, '/bin');
    // Links in the directories on the way are always followed.
    assert.equal((await resolve('/bin/sh', false)).path, '/usr/bin/sh');
  });

  it('resolves a path ending at a directory reached through . or a link', async () => {
    const r = await resolve('/tmp/self/.');
    assert.deepEqual([r.parent, r.name, r.path], ['/', 'tmp', '/tmp']);
    assert.equal((await resolve('/bin/.')).path, '/usr/bin');
  });

  it('gives a missing last component (for creating it)', async () => {
    const r = await resolve('/etc/new');
    assert.deepEqual([r.parent, r.name], ['/etc', 'new']);
  });

  it('refuses a missing or non-directory component on the way, with not-found', async () => {
    for (const p of ['/nope/x', '/tmp/file/x', '/tmp/abs/x']) {
      const t = tree(ROOT);
      await assert.rejects(resolveInRoot(t, p, { followLast: true }), (err) => isBerthError(err, 'not-found'), p);
      assert.equal(t.open.size, 0, p);
    }
  });

  it('stops a symlink loop', async () => {
    const t = tree(ROOT);
    await assert.rejects(resolveInRoot(t, '/tmp/loop/x', { followLast: true }), /Too many levels of symbolic links/);
    assert.equal(t.open.size, 0);
  });

  it('takes .. after a link from where the link led, entering only directories it just saw', async () => {
    const t = tree(ROOT);
    const r = await resolveInRoot(t, '/tmp/up/bin/../../etc/./passwd', { followLast: true });
    assert.equal(r.path, '/etc/passwd');
    assert.deepEqual(t.entered, ['/tmp', '/usr', '/usr/bin', '/etc']);
  });
});
