import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthError } from '../../../../src/runtime/errors';
import { splitContainerPath } from '../../../../src/runtime/cli/commands/cp';
import { extractTo, packPath } from '../../../../src/runtime/cli/host-tar';
import { fakeEngine, runBerth, summary } from '../fake-engine';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));

/** A fake engine whose container filesystem is a host directory, with docker's archive contract. */
function engineOver(rootfs: string) {
  const engine = fakeEngine({ containers: [summary('a'.repeat(64), 'web')] });
  engine.copyFromContainer = async (_ref, file) => {
    const full = path.join(rootfs, file);
    if (!fs.existsSync(full)) throw new BerthError('not-found', `Could not find the file ${file} in container web`);
    return packPath(full, { rootName: path.basename(full), archive: false, followLink: false }).stream;
  };
  engine.copyToContainer = async (_ref, dir, stream) => {
    const full = path.join(rootfs, dir);
    if (!fs.statSync(full, { throwIfNoEntry: false })?.isDirectory()) throw new BerthError('not-found', `no directory ${dir}`);
    await extractTo(stream, full, async () => 'into', { archive: false });
  };
  return engine;
}

function containerTree(): string {
  const rootfs = tmp();
  fs.mkdirSync(path.join(rootfs, 'etc/conf.d'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'etc/hostname'), 'box\n');
  fs.writeFileSync(path.join(rootfs, 'etc/conf.d/a'), 'a');
  fs.mkdirSync(path.join(rootfs, 'tmp'));
  return rootfs;
}

describe('cp from a container', () => {
  it('copies a file as a new name, or into an existing directory', async () => {
    const host = tmp();
    const engine = engineOver(containerTree());
    const out = await runBerth(['cp', 'web:/etc/hostname', path.join(host, 'name')], engine);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stderr, `Successfully copied 4B to ${path.join(host, 'name')}\n`);
    assert.equal(fs.readFileSync(path.join(host, 'name'), 'utf8'), 'box\n');
    await runBerth(['cp', '-q', 'web:/etc/hostname', host], engine);
    assert.equal(fs.readFileSync(path.join(host, 'hostname'), 'utf8'), 'box\n');
  });

  it('copies a directory into a directory, as a new one, or its contents with /.', async () => {
    const host = tmp();
    const engine = engineOver(containerTree());
    await runBerth(['cp', 'web:/etc', host], engine);
    assert.equal(fs.readFileSync(path.join(host, 'etc/conf.d/a'), 'utf8'), 'a');
    await runBerth(['cp', 'web:/etc', path.join(host, 'copy')], engine);
    assert.equal(fs.readFileSync(path.join(host, 'copy/hostname'), 'utf8'), 'box\n');
    fs.mkdirSync(path.join(host, 'flat'));
    await runBerth(['cp', 'web:/etc/.', path.join(host, 'flat')], engine);
    assert.equal(fs.readFileSync(path.join(host, 'flat/hostname'), 'utf8'), 'box\n');
  });

  it('refuses a directory onto a file, a file into a missing directory, and names what is missing', async () => {
    const host = tmp();
    fs.writeFileSync(path.join(host, 'file'), '');
    const engine = engineOver(containerTree());
    assert.match((await runBerth(['cp', 'web:/etc', path.join(host, 'file')], engine)).stderr, /cannot copy a directory to the file/);
    assert.match((await runBerth(['cp', 'web:/etc/hostname', path.join(host, 'nodir') + '/'], engine)).stderr, /does not exist/);
    const missing = await runBerth(['cp', 'web:/nope', host], engine);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not find the file \/nope/);
  });
});

describe('cp into a container', () => {
  it('copies a file into a directory, as a new name, and a directory with its contents', async () => {
    const rootfs = containerTree();
    const host = tmp();
    fs.writeFileSync(path.join(host, 'f.txt'), 'hello');
    fs.mkdirSync(path.join(host, 'd'));
    fs.writeFileSync(path.join(host, 'd/inner'), 'in');
    const engine = engineOver(rootfs);
    const out = await runBerth(['cp', path.join(host, 'f.txt'), 'web:/tmp'], engine);
    assert.equal(out.stderr, 'Successfully copied 5B to web:/tmp\n');
    assert.equal(fs.readFileSync(path.join(rootfs, 'tmp/f.txt'), 'utf8'), 'hello');
    await runBerth(['cp', path.join(host, 'f.txt'), 'web:/tmp/g.txt'], engine);
    assert.equal(fs.readFileSync(path.join(rootfs, 'tmp/g.txt'), 'utf8'), 'hello');
    await runBerth(['cp', path.join(host, 'd'), 'web:/tmp/e'], engine);
    assert.equal(fs.readFileSync(path.join(rootfs, 'tmp/e/inner'), 'utf8'), 'in');
    await runBerth(['cp', `${path.join(host, 'd')}/.`, 'web:/tmp'], engine);
    assert.equal(fs.readFileSync(path.join(rootfs, 'tmp/inner'), 'utf8'), 'in');
  });

  it('refuses a directory onto a file and a missing source', async () => {
    const host = tmp();
    fs.mkdirSync(path.join(host, 'd'));
    const engine = engineOver(containerTree());
    assert.match((await runBerth(['cp', path.join(host, 'd'), 'web:/etc/hostname'], engine)).stderr, /cannot copy a directory to the file/);
    assert.match((await runBerth(['cp', path.join(host, 'none'), 'web:/tmp'], engine)).stderr, /could not find the file/);
    assert.equal((await runBerth(['cp', host, path.join(host, 'x')], engine)).code, 125);
  });
});

describe('splitContainerPath', () => {
  it('reads CONTAINER:PATH, and treats paths that start with / or . as local', () => {
    assert.deepEqual(splitContainerPath('web:/etc'), { container: 'web', path: '/etc' });
    assert.deepEqual(splitContainerPath('web:'), { container: 'web', path: '/' });
    assert.deepEqual(splitContainerPath('./a:b'), { path: './a:b' });
    assert.deepEqual(splitContainerPath('-'), { path: '-' });
  });
});
