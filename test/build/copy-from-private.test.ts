/**
 * COPY --from a stage or an image of what that stage keeps private: a 0700 directory and a
 * 0600 file of uid 1000, a symlink of uid 1001 inside it, a 0700 root directory holding a
 * mode-000 file. Rootless, Node can read none of the files below the private directory
 * (they belong to subordinate ids), nor the mode-000 one: the build reads them, digests
 * and copies, through the helper's tree agent. The copies are what Docker makes: the same
 * content, modes and times, the source's owners (container ids) unless --chown; and so
 * are the copies a RUN --mount=type=bind,from= gets. Root and rootless.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IMAGE } from '../runtime/support';
import { buildWith, makeContext, runIn, useTestStore } from './support';

const MAKE = [
  `FROM ${IMAGE} AS make`,
  'RUN mkdir -p /data/sub /rootonly && echo secret > /data/f && echo deep > /data/sub/g && ln -s f /data/link' +
    ' && chown -R 1000:1000 /data && chown -h 1001:1002 /data/link && chmod 700 /data /data/sub && chmod 600 /data/f' +
    ' && touch -d @1600000000 /data/f && echo none > /rootonly/none && chmod 000 /rootonly/none && chmod 700 /rootonly',
].join('\n');

/** Every path below the copies, with owner, mode, mtime of the files that have one set, and content. */
const SHOW = "for p in $(find /copied /single /chowned /rootonly /existing | sort); do stat -c '%n %u:%g %a %F' $p; done; stat -c '%Y' /copied/f /single; cat /copied/f /copied/sub/g /single /chowned/f /rootonly/none";

const EXPECTED = [
  '/chowned 7:8 700 directory',
  '/chowned/f 7:8 600 regular file',
  '/chowned/link 7:8 777 symbolic link',
  '/chowned/sub 7:8 700 directory',
  '/chowned/sub/g 7:8 644 regular file',
  // A directory the copy makes takes the source's mode and owner (BuildKit's copy); one
  // that was there keeps its own.
  '/copied 1000:1000 700 directory',
  '/copied/f 1000:1000 600 regular file',
  '/copied/link 1001:1002 777 symbolic link',
  '/copied/sub 1000:1000 700 directory',
  '/copied/sub/g 1000:1000 644 regular file',
  '/existing 0:0 751 directory',
  '/existing/f 1000:1000 600 regular file',
  '/existing/link 1001:1002 777 symbolic link',
  '/existing/sub 1000:1000 700 directory',
  '/existing/sub/g 1000:1000 644 regular file',
  '/rootonly 0:0 700 directory',
  '/rootonly/none 0:0 0 regular file',
  '/single 1000:1000 600 regular file',
  '1600000000',
  '1600000000',
  'secret',
  'deep',
  'secret',
  'secret',
  'none',
  '',
].join('\n');

/** The copies, from `source` (a stage or an image). */
function copies(source: string): string {
  return [
    `FROM ${IMAGE}`,
    'RUN mkdir /existing && chmod 751 /existing',
    `COPY --from=${source} /data /copied`,
    `COPY --from=${source} /data/f /single`,
    `COPY --from=${source} --chown=7:8 /data /chowned`,
    `COPY --from=${source} /rootonly /rootonly`,
    `COPY --from=${source} /data/. /existing/`,
    '',
  ].join('\n');
}

describe('berth build: COPY --from of files a stage keeps private', () => {
  const store = useTestStore();

  it('copies them from a stage with their content, owners, modes and times; a rebuild hits the cache', async () => {
    const dockerfile = `${MAKE}\n${copies('make')}`;
    const first = await buildWith(store, makeContext({}), { dockerfile });
    assert.equal(await runIn(store, first.id, SHOW), EXPECTED);
    const again = await buildWith(store, makeContext({}), { dockerfile });
    assert.deepEqual(again.ran, []);
    assert.equal(again.id, first.id);
  });

  it('gives RUN --mount=type=bind,from= copies of them with the same owners, modes and times', async () => {
    // A directory (spread over the stage's layers) and a writable file are copies; a
    // read-only file is the layer's own.
    const show = "for p in $(find /m | sort); do stat -c '%n %u:%g %a %F' $p; done > /seen; stat -c '%Y' /m/f >> /seen; cat /m/f >> /seen";
    const dockerfile = [
      MAKE,
      `FROM ${IMAGE}`,
      `RUN --mount=type=bind,from=make,source=/data,target=/m ${show}`,
      "RUN --mount=type=bind,from=make,source=/data/f,target=/one,rw stat -c '%u:%g %a %Y' /one >> /seen && echo changed > /one",
      "RUN --mount=type=bind,from=make,source=/data/f,target=/one stat -c '%u:%g %a' /one >> /seen && cat /one >> /seen",
      '',
    ].join('\n');
    const { id } = await buildWith(store, makeContext({}), { dockerfile });
    assert.equal(await runIn(store, id, 'cat /seen'), [
      '/m 1000:1000 700 directory',
      '/m/f 1000:1000 600 regular file',
      '/m/link 1001:1002 777 symbolic link',
      '/m/sub 1000:1000 700 directory',
      '/m/sub/g 1000:1000 644 regular file',
      '1600000000',
      'secret',
      '1000:1000 600 1600000000',
      '1000:1000 600',
      'secret',
      '',
    ].join('\n'), 'a write to a writable bind stays in its copy');
  });

  it('copies them from an image', async () => {
    await buildWith(store, makeContext({}), { dockerfile: `${MAKE}\n`, tags: ['private-src:test'] });
    const { id } = await buildWith(store, makeContext({}), { dockerfile: copies('private-src:test') });
    assert.equal(await runIn(store, id, SHOW), EXPECTED);
  });
});
