/**
 * Copying into and out of real containers, running and stopped, through the Engine and
 * through `berth cp`; run as root and rootless (scripts/run-rootless.sh).
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { isBerthError } from '../../../src/runtime/errors';
import { END_OF_ARCHIVE, readTar, type TarWriteHeader } from '../../../src/runtime/layer/tar';
import { IMAGE, openTestStore, runCli, type TestStore } from '../support';
import { tarOf } from './support';

/** Sets up /data in the container: a file, a dir with an executable, and links that try to leave. */
const SETUP = [
  'mkdir -p /data/dir/sub && printf hello > /data/file && printf run > /data/dir/sub/tool && chmod 750 /data/dir/sub/tool',
  'ln -s /etc/shadow /data/shadow && ln -s ../../../../.. /data/up && ln -s tool /data/dir/sub/rel',
  'printf secret > /etc/shadow && chmod 600 /etc/shadow',
].join(' && ');

interface Entry {
  name: string;
  type: string;
  mode: number;
  linkname: string;
  body: string;
}

async function entries(stream: NodeJS.ReadableStream): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of readTar(stream as AsyncIterable<Uint8Array>)) {
    const chunks: Buffer[] = [];
    for await (const c of e.body()) chunks.push(Buffer.from(c));
    out.push({ name: e.header.name, type: e.header.type, mode: e.header.mode, linkname: e.header.linkname, body: Buffer.concat(chunks).toString() });
  }
  return out;
}

describe('container filesystem copies', () => {
  let store: TestStore;
  let running: string;
  let stopped: string;
  const hostShadow = (() => {
    try {
      return fs.readFileSync('/etc/shadow', 'utf8');
    } catch {
      return undefined; // unreadable as a user: the container's answer cannot be the host's anyway
    }
  })();

  const output = async (ref: string, cmd: string) => {
    const chunks: Buffer[] = [];
    const sink = new PassThrough().on('data', (c: Buffer) => chunks.push(c));
    const code = await store.engine.exec(ref, { cmd: ['sh', '-c', cmd] }, { stdout: sink, stderr: sink });
    return { code, text: Buffer.concat(chunks).toString() };
  };
  /** Runs `cmd` in a fresh container of the stopped one's image-and-upper: start, run, stop. */
  const inStopped = async (cmd: string) => {
    await store.engine.startContainer(stopped);
    try {
      return await output(stopped, cmd);
    } finally {
      await store.engine.killContainer(stopped);
      await store.engine.waitContainer(stopped);
    }
  };

  before(async () => {
    store = await openTestStore();
    running = (await store.engine.runContainer({ image: IMAGE, name: 'live', cmd: ['sh', '-c', `${SETUP} && exec sleep 600`], detach: true })).id;
    // Its first run sets up and exits; later starts (to check what was copied in) stay up.
    const parked = `if [ -e /data ]; then exec sleep 600; fi; ${SETUP} && rm /bin/true`;
    stopped = (await store.engine.runContainer({ image: IMAGE, name: 'parked', cmd: ['sh', '-c', parked] }, { stdout: new PassThrough(), stderr: new PassThrough() })).id;
    for (let i = 0; i < 100 && (await output(running, 'test -e /etc/shadow')).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
  });
  after(async () => store?.dispose());

  for (const which of ['running', 'stopped'] as const) {
    const ref = () => (which === 'running' ? running : stopped);

    it(`copies a file out of a ${which} container, named after its base name`, async () => {
      const got = await entries(await store.engine.copyFromContainer(ref(), '/data/file'));
      assert.deepEqual(got.map((e) => [e.name, e.type, e.body]), [['file', 'file', 'hello']]);
    });

    it(`copies a directory out of a ${which} container with modes and symlinks`, async () => {
      const got = await entries(await store.engine.copyFromContainer(ref(), '/data/dir'));
      assert.deepEqual(got.map((e) => e.name), ['dir/', 'dir/sub/', 'dir/sub/rel', 'dir/sub/tool']);
      const tool = got.find((e) => e.name === 'dir/sub/tool')!;
      assert.deepEqual([tool.mode, tool.body], [0o750, 'run']);
      assert.deepEqual([got[2].type, got[2].linkname], ['symlink', 'tool']);
    });

    it(`copies a directory's contents with /. from a ${which} container`, async () => {
      const got = await entries(await store.engine.copyFromContainer(ref(), '/data/dir/.'));
      assert.deepEqual(got.map((e) => e.name), ['sub/', 'sub/rel', 'sub/tool']);
    });

    it(`keeps symlinks of a ${which} container inside it`, async () => {
      const link = await entries(await store.engine.copyFromContainer(ref(), '/data/shadow'));
      assert.deepEqual(link.map((e) => [e.name, e.type, e.linkname]), [['shadow', 'symlink', '/etc/shadow']]);
      // Through the links: the container's files, never the host's.
      for (const p of ['/data/shadow/.', '/data/up/etc/shadow', '/data/up/../../data/up/etc/shadow']) {
        const got = await entries(await store.engine.copyFromContainer(ref(), p).catch((err) => (isBerthError(err) ? Readable.from([END_OF_ARCHIVE]) : Promise.reject(err))));
        if (p.endsWith('/.')) continue; // a file is not a directory: refused or empty, never the host's
        assert.deepEqual(got.map((e) => e.body), ['secret'], p);
        if (hostShadow !== undefined) assert.notEqual(got[0].body, hostShadow);
      }
      const root = await entries(await store.engine.copyFromContainer(ref(), '/data/up/data/.'));
      assert.ok(root.some((e) => e.name === 'file'), "the container's /data");
    });

    it(`says not-found for a missing path in a ${which} container`, async () => {
      await assert.rejects(store.engine.copyFromContainer(ref(), '/data/nope'), (err) => isBerthError(err, 'not-found'));
      await assert.rejects(store.engine.copyToContainer(ref(), '/data/nope', tarOf([])), (err) => isBerthError(err, 'not-found'));
    });

    it(`copies into a ${which} container`, async () => {
      await store.engine.copyToContainer(ref(), '/data', tarOf([
        { name: `in-${which}/`, type: 'directory', mode: 0o755 },
        { name: `in-${which}/note`, type: 'file', mode: 0o640, body: `to ${which}` },
        { name: `in-${which}/link`, type: 'symlink', mode: 0o777, linkname: 'note' },
        { name: `in-${which}/hard`, type: 'link', mode: 0o640, linkname: `in-${which}/note` },
      ]));
      // Replacing a file the container deleted from the image's /bin.
      await store.engine.copyToContainer(ref(), '/bin', tarOf([{ name: 'true', type: 'file', mode: 0o755, body: 'replaced' }]));
      const check = `cat /data/in-${which}/link /data/in-${which}/hard; stat -c '%a %h %u' /data/in-${which}/note; cat /bin/true 2>/dev/null`;
      const { text } = which === 'running' ? await output(ref(), check) : await inStopped(check);
      assert.match(text, new RegExp(`^to ${which}to ${which}640 2 0\n`));
      assert.match(text, /replaced$/);
    });

    it(`sets owners from the tar in a ${which} container`, async () => {
      await store.engine.copyToContainer(ref(), '/data', tarOf([{ name: `owned-${which}`, type: 'file', mode: 0o4755, uid: 1000, gid: 100, body: 'x' }]));
      const check = `stat -c '%u:%g %a' /data/owned-${which}`;
      const { text } = which === 'running' ? await output(ref(), check) : await inStopped(check);
      assert.equal(text.trim(), '1000:100 4755');
    });

    it(`refuses a malicious tar for a ${which} container and writes nothing outside`, async () => {
      const marker = path.join(os.tmpdir(), `berth-cp-escape-${process.pid}`);
      const attempts: (TarWriteHeader & { body?: string })[][] = [
        [{ name: '../../../../../../../..' + marker, type: 'file', mode: 0o644, body: 'x' }],
        [{ name: marker, type: 'file', mode: 0o644, body: 'x' }],
        [{ name: 'esc', type: 'symlink', mode: 0o777, linkname: path.dirname(marker) }, { name: `esc/${path.basename(marker)}`, type: 'file', mode: 0o644, body: 'x' }],
        [{ name: 'hl', type: 'link', mode: 0o644, linkname: '/etc/passwd' }],
      ];
      for (const items of attempts) {
        await assert.rejects(store.engine.copyToContainer(ref(), '/data', tarOf(items)), (err) => isBerthError(err, 'invalid-argument'), items[items.length - 1].name);
      }
      // An existing link of the container is not written through either.
      await assert.rejects(store.engine.copyToContainer(ref(), '/data', tarOf([{ name: 'up/etc/evil', type: 'file', mode: 0o644, body: 'x' }])), (err) => isBerthError(err, 'invalid-argument'));
      assert.equal(fs.existsSync(marker), false);
      assert.equal(fs.existsSync('/etc/evil'), false);
    });
  }

  it('emits no events for copies', async () => {
    const since = new Date();
    await entries(await store.engine.copyFromContainer(running, '/data/file'));
    await store.engine.copyToContainer(running, '/tmp', tarOf([{ name: 'quiet', type: 'file', mode: 0o644, body: '' }]));
    const seen: string[] = [];
    for await (const e of store.engine.streamEvents({ since, until: new Date() })) seen.push(e.type);
    assert.deepEqual(seen.filter((s) => !s.includes('exec')), []);
    const live = await store.engine.listContainers();
    assert.equal(live.find((c) => c.id === running)?.status, 'running', 'thawed after the copy');
  });

  it('berth cp copies both ways, and through - tar streams', async () => {
    const host = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
    const berth = (...args: string[]) => runCli(args, store.env);
    fs.mkdirSync(path.join(host, 'src'));
    fs.writeFileSync(path.join(host, 'src', 'a.txt'), 'from host');
    fs.symlinkSync('a.txt', path.join(host, 'src', 'a.link'));
    for (const ref of ['live', 'parked']) {
      assert.equal((await berth('cp', '-q', path.join(host, 'src'), `${ref}:/data/copied`)).code, 0);
      const out = path.join(host, `out-${ref}`);
      assert.equal((await berth('cp', '-q', `${ref}:/data/copied`, out)).code, 0);
      assert.equal(fs.readFileSync(path.join(out, 'a.txt'), 'utf8'), 'from host');
      assert.equal(fs.readlinkSync(path.join(out, 'a.link')), 'a.txt');
      assert.equal((await berth('cp', '-q', `${ref}:/data/dir/.`, path.join(host, `contents-${ref}`))).code, 0);
      assert.equal(fs.readFileSync(path.join(host, `contents-${ref}`, 'sub', 'tool'), 'utf8'), 'run');
      assert.equal(fs.statSync(path.join(host, `contents-${ref}`, 'sub', 'tool')).mode & 0o777, 0o750);
      // - : a tar on stdout, and a tar from stdin.
      const listed = execFileSync('sh', ['-c', `node ${JSON.stringify(path.join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js'))} cp ${ref}:/data/file - | tar -tf -`], { env: store.env }).toString();
      assert.equal(listed.trim(), 'file');
      const piped = execFileSync('sh', ['-c', `tar -C ${JSON.stringify(path.join(host, 'src'))} -cf - a.txt | node ${JSON.stringify(path.join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js'))} cp - ${ref}:/tmp`], { env: store.env });
      assert.equal(piped.toString(), '');
      const back = await entries(await store.engine.copyFromContainer(ref, '/tmp/a.txt'));
      assert.equal(back[0].body, 'from host');
    }
    const shadow = await berth('cp', 'live:/data/up/etc/shadow', path.join(host, 'shadow'));
    assert.equal(shadow.code, 0, shadow.stderr);
    assert.equal(fs.readFileSync(path.join(host, 'shadow'), 'utf8'), 'secret');
    fs.rmSync(host, { recursive: true, force: true });
  });
});
