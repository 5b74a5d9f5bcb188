/**
 * A RUN that leaves files of other users that their modes keep from others — a 0700
 * directory and a 0600 file of uid 1000, apt's 0700 `partial/` of its `_apt` user, a
 * 0640 root:42 file, a mode-000 file of root. Rootless, Node cannot read the first three
 * (they belong to subordinate ids) nor the last (no read bit, even for its owner): the
 * step's layer is read through the helper's tree agent. The image has them all, with
 * their owners and modes. Root and rootless.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IMAGE } from '../runtime/support';
import { buildWith, makeContext, runIn, useTestStore } from './support';

describe('berth build: files the builder\'s user may not read', () => {
  const store = useTestStore();

  it('packs a RUN\'s private files and directories with their owners and modes', async () => {
    const dockerfile = [
      `FROM ${IMAGE}`,
      'RUN mkdir -p /home/app/.ssh /var/cache/apt/archives/partial && echo key > /home/app/.ssh/id && echo note > /home/app/note' +
        ' && chown -R 1000:1000 /home/app && chmod 700 /home/app /home/app/.ssh && chmod 600 /home/app/.ssh/id' +
        ' && chown 100:0 /var/cache/apt/archives/partial && chmod 700 /var/cache/apt/archives/partial' +
        ' && echo hash > /etc/shadowish && chown 0:42 /etc/shadowish && chmod 640 /etc/shadowish && echo none > /etc/none && chmod 000 /etc/none',
      // A later step deletes a private directory and makes it again: opaque, found through the agent.
      'RUN rm -rf /home/app/.ssh && mkdir /home/app/.ssh && echo new > /home/app/.ssh/new && chown -R 1000:1000 /home/app/.ssh && chmod 700 /home/app/.ssh',
      '',
    ].join('\n');
    const { id } = await buildWith(store, makeContext({}), { dockerfile });
    const paths = '/home/app /home/app/.ssh /home/app/.ssh/new /home/app/note /var/cache/apt/archives/partial /etc/shadowish /etc/none';
    assert.equal(
      await runIn(store, id, `stat -c '%n %u:%g %a' ${paths} && ls -A /home/app/.ssh && cat /home/app/note /home/app/.ssh/new /etc/shadowish /etc/none`),
      [
        '/home/app 1000:1000 700',
        '/home/app/.ssh 1000:1000 700',
        '/home/app/.ssh/new 1000:1000 644',
        '/home/app/note 1000:1000 644',
        '/var/cache/apt/archives/partial 100:0 700',
        '/etc/shadowish 0:42 640',
        '/etc/none 0:0 0',
        'new',
        'note',
        'new',
        'hash',
        'none',
        '',
      ].join('\n'),
    );
  });
});
