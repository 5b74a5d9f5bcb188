/**
 * `diff` and `commit` of a container whose writable layer holds files of other users that
 * their modes keep from others: a 0700 directory of uid 1000 (with a file in it), a 0600
 * file of uid 1000, a mode-000 file of root, and a directory of that kind deleted and made
 * again (opaque). Rootless, Node cannot read them; the helper's tree agent does, and the
 * committed image has them all with their owners and modes. Root and rootless.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IMAGE, openTestStore, type TestStore } from '../support';

/** The diff's lines, without the mount points the runtime made in /etc. */
async function diff(store: TestStore, container: string): Promise<string[]> {
  return (await run(store, ['diff', container])).trim().split('\n').filter((l) => !/ \/etc(\/|$)/.test(l));
}

async function run(store: TestStore, args: string[]): Promise<string> {
  const r = await store.cli(args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const PATHS = '/d /d/f /d/sub /d/sub/g /none';

describe('commit and diff of private files', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
    const setup = 'mkdir -p /d/sub && touch /d/f && echo deep > /d/sub/g && chown -R 1000 /d && chmod 700 /d /d/sub && chmod 600 /d/sub/g && echo x > /none && chmod 000 /none';
    await run(store, ['run', '--name', 'private', IMAGE, 'sh', '-c', setup]);
  });
  after(async () => store.dispose());

  it('diff lists them', async () => {
    assert.deepEqual(await diff(store, 'private'), ['A /d', 'A /d/f', 'A /d/sub', 'A /d/sub/g', 'A /none']);
  });

  it('commit keeps them, with their owners and modes', async () => {
    await run(store, ['commit', 'private', 'private:1']);
    assert.equal(
      await run(store, ['run', '--rm', 'private:1', 'sh', '-c', `stat -c '%n %u:%g %a' ${PATHS} && cat /d/sub/g /none`]),
      '/d 1000:0 700\n/d/f 1000:0 644\n/d/sub 1000:0 700\n/d/sub/g 1000:0 600\n/none 0:0 0\ndeep\nx\n',
    );
  });

  it('commit marks a private directory deleted and made again as opaque', async () => {
    await run(store, ['run', '--name', 'remade', 'private:1', 'sh', '-c', 'rm -rf /d/sub && mkdir /d/sub && touch /d/sub/new && chown -R 1000 /d/sub && chmod 700 /d/sub']);
    assert.deepEqual(await diff(store, 'remade'), ['C /d', 'C /d/sub', 'D /d/sub/g', 'A /d/sub/new']);
    await run(store, ['commit', 'remade', 'private:2']);
    assert.equal(await run(store, ['run', '--rm', 'private:2', 'ls', '-A', '/d/sub']), 'new\n');
  });
});
