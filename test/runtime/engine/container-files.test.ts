/**
 * Where a container's files live: its record, log and writable layer in the store; the
 * files of one run (bundle, /etc files, attach socket) in the runtime dir, which a host
 * restart empties. Removal takes everything, and one interrupted half way is finished.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { eventually, IMAGE, openTestStore, TestStore } from '../support';

function collect(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { stream, text: () => text };
}

/** Entries of a dir, without the shared ones (the name index, the stub layers). */
function entries(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n !== '.names' && n !== '.stubs') : [];
}

describe('container files', () => {
  let store: TestStore;
  let storeDir: (id: string) => string;
  let runDir: (id: string) => string;
  before(async () => {
    store = await openTestStore();
    storeDir = (id) => path.join(store.root, 'containers', id);
    runDir = (id) => path.join(store.runtimeDir, 'containers', id);
  });
  after(async () => store.dispose());

  test('a run keeps its bundle and /etc files in the runtime dir, its record and log in the store', async () => {
    const c = await store.engine.createContainer({ image: IMAGE, cmd: ['sh', '-c', 'cat /etc/hostname; echo logged'], hostname: 'filed' });
    const out = collect();
    assert.equal(await store.engine.startContainer(c.config.id, { attach: { stdout: out.stream, stderr: out.stream } }), 0);
    assert.equal(out.text(), 'filed\nlogged\n');
    assert.deepEqual(entries(runDir(c.config.id)).sort(), ['config.json', 'hostname', 'hosts', 'resolv.conf', 'rootfs']);
    const kept = entries(storeDir(c.config.id));
    for (const name of ['container.json', 'state.json', 'exit.json', 'ctr.log', 'upper']) assert.ok(kept.includes(name), `${name} in the store`);
    for (const name of ['config.json', 'hosts', 'attach.sock', 'bundle', 'etc', 'rootfs']) assert.ok(!kept.includes(name), `no ${name} in the store`);
    // The image has no /etc/hosts: its mount point came from the stub layer, not the writable one.
    assert.deepEqual(entries(path.join(storeDir(c.config.id), 'upper')), []);

    await store.engine.removeContainer(c.config.id);
    assert.ok(!fs.existsSync(storeDir(c.config.id)));
    assert.ok(!fs.existsSync(runDir(c.config.id)));
  });

  test("the mount points an image lacks come from one stub layer per image, with the image's /etc", async () => {
    const stubs = path.join(store.runtimeDir, 'containers', '.stubs');
    const before = fs.readdirSync(stubs);
    const out = collect();
    for (let i = 0; i < 2; i++) await store.engine.runContainer({ image: IMAGE, cmd: ['stat', '-c', '%a %Y', '/etc'], autoRemove: true }, { stdout: out.stream, stderr: out.stream });
    assert.deepEqual(fs.readdirSync(stubs), before, 'made once, by the first start');
    const [layer] = before;
    assert.deepEqual(fs.readdirSync(path.join(stubs, layer, 'etc')).sort(), ['hostname', 'hosts', 'resolv.conf']);
    // The image's /etc, as its (only) layer has it.
    const layers = path.join(store.root, 'layers');
    const [imageLayer] = fs.readdirSync(layers).filter((n) => !n.startsWith('.'));
    const etc = fs.statSync(path.join(layers, imageLayer, 'fs', 'etc'));
    assert.deepEqual(out.text().trim().split('\n'), [1, 2].map(() => `${(etc.mode & 0o777).toString(8)} ${Math.floor(etc.mtimeMs / 1000)}`));
  });

  test('run --rm leaves nothing behind, in the store or the runtime dir', async () => {
    const out = collect();
    const { id, exitCode } = await store.engine.runContainer({ image: IMAGE, cmd: ['sh', '-c', 'echo bye > /tmp/f; cat /tmp/f; stat -c %a /etc; ls /etc'], autoRemove: true }, { stdout: out.stream, stderr: out.stream });
    assert.equal(exitCode, 0);
    assert.equal(out.text(), 'bye\n755\ngroup\nhostname\nhosts\npasswd\nresolv.conf\n');
    assert.deepEqual(await store.engine.listContainers({ all: true }), []);
    assert.ok(!fs.existsSync(storeDir(id)));
    assert.deepEqual(entries(path.join(store.root, 'containers')), []);
    assert.deepEqual(entries(path.join(store.runtimeDir, 'containers')), []);
  });

  test('after a host restart (runtime dir emptied, another boot) a running container reads as exited and starts again', async () => {
    const c = await store.engine.createContainer({ image: IMAGE, cmd: ['sleep', '600'], name: 'rebooted' });
    await store.engine.startContainer(c.config.id);
    const stateFile = path.join(storeDir(c.config.id), 'state.json');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    // What a restart leaves: no monitor, no process, no runtime dir, a boot id of the past.
    process.kill(state.monitorPid, 'SIGKILL');
    process.kill(state.pid, 'SIGKILL');
    fs.rmSync(runDir(c.config.id), { recursive: true, force: true });
    fs.writeFileSync(stateFile, JSON.stringify({ ...state, bootId: 'an-earlier-boot' }));

    const inspect = await store.engine.inspectContainer('rebooted');
    assert.equal((inspect.State as { Status: string }).Status, 'exited');
    assert.match(String((inspect.State as { Error: string }).Error), /host restarted/);
    assert.deepEqual((await store.engine.listContainers({ all: true })).map((s) => `${s.name} ${s.status}`), ['rebooted exited']);

    await store.engine.startContainer('rebooted');
    assert.ok(fs.existsSync(path.join(runDir(c.config.id), 'config.json')), 'the run dir is made again');
    await store.engine.removeContainer('rebooted', { force: true });
  });

  test('a container started before run dirs existed (its attach.sock in the store) is still stopped and attached to', async () => {
    const c = await store.engine.createContainer({ image: IMAGE, cmd: ['sh', '-c', 'trap "exit 3" TERM; echo up; while :; do sleep 0.05; done'], name: 'older' });
    await store.engine.startContainer(c.config.id);
    // A socket keeps working under another name: as an older Berth would have placed it.
    fs.renameSync(path.join(runDir(c.config.id), 'attach.sock'), path.join(storeDir(c.config.id), 'attach.sock'));
    const out = collect();
    const attached = store.engine.attachContainer('older', { stdout: out.stream, stderr: out.stream });
    await store.engine.stopContainer('older', { timeout: 5 });
    assert.equal(await attached, 3);
    assert.equal(await store.engine.waitContainer('older'), 3);
    await store.engine.removeContainer('older');
  });

  test('a removal whose remover died after setting the container aside is finished by the next listing', async () => {
    const c = await store.engine.createContainer({ image: IMAGE, cmd: ['true'], name: 'half-removed' });
    await store.engine.startContainer(c.config.id);
    await store.engine.waitContainer(c.config.id);
    // As a remover killed right after its rename would leave it (pid 2^22 + 1 is never a process).
    const aside = path.join(store.root, 'containers', `.rm-${c.config.id}-${2 ** 22 + 1}`);
    fs.renameSync(storeDir(c.config.id), aside);
    assert.deepEqual(await store.engine.listContainers({ all: true }), []);
    await eventually(async () => !fs.existsSync(aside), 5_000, 'the set-aside tree to go');
    assert.ok(!fs.existsSync(runDir(c.config.id)));
  });
});
