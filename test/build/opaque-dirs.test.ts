/**
 * A RUN that deletes a directory of its base and makes it again leaves an opaque
 * directory in its upper dir; its layer must carry the OCI opaque marker, so images built
 * on it no longer show the base's old files. Root and rootless.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IMAGE } from '../runtime/support';
import { buildWith, makeContext, runIn, useTestStore } from './support';

describe('berth build: directories deleted and made again', () => {
  const store = useTestStore();

  it('hides the base\'s old files below a directory a RUN deleted and made again', async () => {
    const dockerfile = [
      `FROM ${IMAGE}`,
      'RUN mkdir -p /etc/foo/sub /opt/a/b && touch /etc/foo/old /etc/foo/sub/deep /opt/a/b/x /opt/a/y',
      'RUN rm -rf /etc/foo && mkdir /etc/foo && touch /etc/foo/new',
      // Only a directory further down made again: /opt/a keeps y, /opt/a/b loses x.
      'RUN rm -rf /opt/a/b && mkdir /opt/a/b && touch /opt/a/b/z',
      // Made again empty, with the same mode and owner: still hides what it had.
      'RUN rm -rf /opt/a/b && mkdir /opt/a/b',
      '',
    ].join('\n');
    const { id } = await buildWith(store, makeContext({}), { dockerfile });
    assert.equal(await runIn(store, id, 'find /etc/foo /opt | sort'), '/etc/foo\n/etc/foo/new\n/opt\n/opt/a\n/opt/a/b\n/opt/a/y\n');
    const layers = await store.engine.imageLayers(id);
    const step = layers.tree(layers.layerCount - 3, 'layer');
    assert.deepEqual(['etc/foo/old', 'etc/foo/sub', 'etc/foo/new'].map((p) => step.changes[step.paths.indexOf(p)]), ['r', 'r', 'a']);
  });
});
