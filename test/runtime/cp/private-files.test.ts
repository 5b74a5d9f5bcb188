/**
 * Files of the container's other users that their modes keep from others — a 0700
 * directory and 0600 files of uid 1000 — and a mode-000 file of root, copied out of and
 * into running and stopped containers, and read and written through ContainerFs (the file
 * provider's calls): as the container's root would, owners and modes kept. Rootless, Node
 * may not read any of them; the helper's tree agent does. Root and rootless.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { openContainerFs } from '../../../src/runtime/container/container-fs';
import { readTar } from '../../../src/runtime/layer/tar';
import { IMAGE, openTestStore, type TestStore } from '../support';
import { tarOf } from './support';

const SETUP =
  'mkdir -p /d/sub && echo secret > /d/sub/f && echo mine > /d/f && chmod 600 /d/f /d/sub/f && chown -R 1000:1000 /d && chmod 700 /d /d/sub' +
  ' && echo none > /none && chmod 000 /none';

async function entries(stream: NodeJS.ReadableStream): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar(stream as AsyncIterable<Uint8Array>)) {
    let body = '';
    for await (const c of e.body()) body += Buffer.from(c).toString();
    out.push(`${e.header.name} ${e.header.uid}:${e.header.gid} ${e.header.mode.toString(8)}${body ? ` ${body.trim()}` : ''}`);
  }
  return out;
}

describe('private files of container users', () => {
  let store: TestStore;
  const ids: Record<string, string> = {};

  const output = async (ref: string, cmd: string) => {
    const chunks: Buffer[] = [];
    const sink = new PassThrough().on('data', (c: Buffer) => chunks.push(c));
    await store.engine.exec(ref, { cmd: ['sh', '-c', cmd] }, { stdout: sink, stderr: sink });
    return Buffer.concat(chunks).toString();
  };
  /** `cmd`'s output in the container; a stopped one is started for it and stopped again. */
  const inside = async (which: string, cmd: string) => {
    if (which === 'running') return output(ids[which], cmd);
    await store.engine.startContainer(ids[which]);
    try {
      return await output(ids[which], cmd);
    } finally {
      await store.engine.killContainer(ids[which]);
      await store.engine.waitContainer(ids[which]);
    }
  };

  before(async () => {
    store = await openTestStore();
    ids.running = (await store.engine.runContainer({ image: IMAGE, name: 'live', cmd: ['sh', '-c', `${SETUP} && touch /ready && exec sleep 600`], detach: true })).id;
    // Its first run sets up and exits; later starts (to look inside) stay up.
    const parked = `if [ -e /d ]; then exec sleep 600; fi; ${SETUP}`;
    ids.stopped = (await store.engine.runContainer({ image: IMAGE, name: 'parked', cmd: ['sh', '-c', parked] }, { stdout: new PassThrough(), stderr: new PassThrough() })).id;
    for (let i = 0; i < 100 && !(await output(ids.running, 'test -e /ready && echo yes')).includes('yes'); i++) await new Promise((r) => setTimeout(r, 50));
  });
  after(async () => store?.dispose());

  for (const which of ['running', 'stopped']) {
    it(`copies them out of a ${which} container with owners and modes`, async () => {
      assert.deepEqual(await entries(await store.engine.copyFromContainer(ids[which], '/d')), [
        'd/ 1000:1000 700',
        'd/f 1000:1000 600 mine',
        'd/sub/ 1000:1000 700',
        'd/sub/f 1000:1000 600 secret',
      ]);
      assert.deepEqual(await entries(await store.engine.copyFromContainer(ids[which], '/none')), ['none 0:0 0 none']);
    });

    it(`copies into a private directory of a ${which} container, owners from the tar`, async () => {
      await store.engine.copyToContainer(ids[which], '/d', tarOf([
        { name: 'in', type: 'file', mode: 0o600, uid: 1000, gid: 1000, body: 'copied in' },
        { name: 'box/', type: 'directory', mode: 0o700, uid: 1001, gid: 1001 },
        { name: 'box/x', type: 'file', mode: 0o640, uid: 1001, gid: 42, body: 'x' },
      ]));
      assert.equal(
        await inside(which, "stat -c '%n %u:%g %a' /d/in /d/box /d/box/x && cat /d/in"),
        '/d/in 1000:1000 600\n/d/box 1001:1001 700\n/d/box/x 1001:42 640\ncopied in',
      );
    });

    it(`reads and writes them through ContainerFs in a ${which} container`, async () => {
      const fs = await openContainerFs(ids[which], { states: store.engine.containers.states, images: store.engine.parts.images, workDir: store.engine.paths.tmp });
      assert.deepEqual((await fs.readDirectory('/d/sub')).map(([name]) => name), ['f']);
      const stat = await fs.stat('/d/sub/f');
      assert.deepEqual([stat.uid, stat.gid, stat.mode], [1000, 1000, 0o600]);
      assert.equal((await fs.readFile('/d/sub/f')).toString(), 'secret\n');
      await fs.writeFile('/d/sub/f', Buffer.from('changed'), { create: false, overwrite: true });
      await fs.createDirectory('/d/sub/made');
      await fs.writeFile('/d/sub/made/new', Buffer.from('new'), { create: true, overwrite: false });
      await fs.rename('/d/f', '/d/g', { overwrite: false });
      await fs.delete('/d/box', { recursive: true });
      assert.equal(
        await inside(which, "stat -c '%n %u:%g %a' /d/sub/f /d/sub/made /d/g && cat /d/sub/f /d/sub/made/new && ls /d"),
        '/d/sub/f 1000:1000 600\n/d/sub/made 0:0 755\n/d/g 1000:1000 600\nchangednewg\nin\nsub\n',
      );
    });
  }
});
