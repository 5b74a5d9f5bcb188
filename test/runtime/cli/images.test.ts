/** The image verbs on a real store: import, images, tag, history, inspect, save, load, rmi, prune. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { busyboxTar } from '../support';
import { CliStore, IMAGE, lines, openCliStore } from './cli-store';

describe('image verbs', () => {
  let store: CliStore;
  const berth = (...args: string[]) => store.berth(args);
  const tmp = (name: string) => path.join(store.env.BERTH_TMP!, name);
  before(async () => {
    store = await openCliStore();
  });
  after(async () => store.dispose());

  test('import takes a tarball, a directory or stdin, with --change and -m', async () => {
    const fromFile = await berth('import', '-c', 'CMD ["echo", "imported"]', '-m', 'from a file', busyboxTar(), 'fromfile:1');
    assert.match(fromFile.stdout, /^sha256:[0-9a-f]{64}\n$/, fromFile.stderr);
    assert.equal((await berth('run', '--rm', 'fromfile:1')).stdout, 'imported\n');
    assert.equal((await berth('history', '--format', '{{.Comment}}', 'fromfile:1')).stdout, 'from a file\n');
    const dir = tmp('rootfs');
    fs.mkdirSync(dir);
    await store.sh(`tar -C ${JSON.stringify(dir)} -xf ${JSON.stringify(busyboxTar())}`);
    assert.equal((await berth('import', dir, 'fromdir:1')).code, 0);
    assert.equal((await berth('run', '--rm', 'fromdir:1', 'echo', 'dir')).stdout, 'dir\n');
    const piped = await store.sh(`berth import - fromstdin:1 < ${JSON.stringify(busyboxTar())}`);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((await berth('run', '--rm', 'fromstdin:1', 'true')).code, 0);
  });

  test("images lists like docker's, with -q, -a, --digests, --no-trunc, --filter and --format", async () => {
    const table = lines((await berth('images')).stdout);
    assert.match(table[0], /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    assert.ok(table.some((l) => /^busybox +test +[0-9a-f]{12} /.test(l)), table.join('\n'));
    assert.match((await berth('images', '-q', IMAGE)).stdout, /^[0-9a-f]{12}\n$/);
    assert.match((await berth('images', '-q', '--no-trunc', IMAGE)).stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.match(lines((await berth('images', '--digests')).stdout)[0], /^REPOSITORY +TAG +DIGEST +IMAGE ID/);
    assert.ok(lines((await berth('images', '-a', '-q')).stdout).length >= 1);
    assert.equal((await berth('images', '--filter', 'reference=busybox', '--format', '{{.Repository}}:{{.Tag}}')).stdout, `${IMAGE}\n`);
    assert.equal((await berth('image', 'ls', '--filter', 'dangling=true', '-q')).stdout, '');
    assert.equal(JSON.parse(lines((await berth('images', '--format', 'json', IMAGE)).stdout)[0]).Tag, 'test');
  });

  test('tag adds a name; rmi removes names, then the image', async () => {
    assert.equal((await berth('tag', IMAGE, 'other:v2')).code, 0);
    const ids = lines((await berth('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')).stdout);
    const idOf = (ref: string) => ids.find((l) => l.startsWith(`${ref} `))?.split(' ')[1];
    assert.equal(idOf('other:v2'), idOf(IMAGE));
    assert.equal((await berth('rmi', 'other:v2')).stdout, 'Untagged: other:v2\n');
    const missing = await berth('rmi', 'nosuch:1');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^berth: Error: /);
  });

  test('rmi refuses an image a container uses, unless -f', async () => {
    await berth('import', busyboxTar(), 'solo:1');
    await berth('create', '--name', 'user', 'solo:1');
    const refused = await berth('rmi', 'solo:1');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^berth: Error: .*(in use|using|container)/);
    const forced = await berth('rmi', '-f', 'solo:1');
    assert.match(forced.stdout, /^Untagged: solo:1\n/, forced.stderr);
    await berth('rm', 'user');
  });

  test('history and image inspect', async () => {
    const history = lines((await berth('history', IMAGE)).stdout);
    assert.match(history[0], /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$/);
    assert.match(history[1], /^[0-9a-f]{12} /);
    assert.match((await berth('history', '-q', '--no-trunc', IMAGE)).stdout, /^sha256:[0-9a-f]{64}\n/);
    const [image] = JSON.parse((await berth('image', 'inspect', IMAGE)).stdout) as { Id: string; RepoTags: string[] }[];
    assert.ok(image.RepoTags.includes(IMAGE));
    assert.match((await berth('image', 'inspect', '-f', '{{.Id}}', IMAGE)).stdout, /^sha256:/);
  });

  test('save -o and load -i round-trip an image; save | load through a pipe too', async () => {
    const archive = tmp('saved.tar');
    assert.equal((await berth('save', '-o', archive, IMAGE)).code, 0);
    assert.ok(fs.statSync(archive).size > 100_000);
    await berth('tag', IMAGE, 'keep:1');
    await berth('rmi', IMAGE);
    assert.equal((await berth('load', '-i', archive)).stdout, `Loaded image: ${IMAGE}\n`);
    assert.equal((await berth('run', '--rm', IMAGE, 'echo', 'loaded')).stdout, 'loaded\n');
    await berth('rmi', IMAGE);
    const piped = await store.sh(`berth save keep:1 | berth load`);
    assert.equal(piped.stdout, 'Loaded image: keep:1\n', piped.stderr);
    assert.equal((await store.sh(`berth load -q < ${JSON.stringify(archive)}`)).stdout, '');
    assert.equal((await berth('images', '-q', IMAGE)).code, 0);
    assert.equal((await berth('image', 'save', '--format', 'oci-archive', '-o', tmp('oci.tar'), IMAGE)).code, 0);
    assert.equal((await berth('image', 'load', '-i', tmp('oci.tar'))).code, 0);
  });

  test('image prune removes dangling images, and -a unused ones', async () => {
    await berth('import', busyboxTar(), 'dangle:1');
    await berth('tag', 'dangle:1', 'dangle:2');
    await berth('rmi', 'dangle:1', 'dangle:2');
    assert.equal((await berth('image', 'prune', '-f')).code, 0);
    await berth('import', busyboxTar(), 'unused:1');
    const all = await berth('image', 'prune', '-a', '-f');
    assert.match(all.stdout, /Total reclaimed space: /);
    assert.equal((await berth('images', '-q', 'unused')).stdout, '');
  });
});
