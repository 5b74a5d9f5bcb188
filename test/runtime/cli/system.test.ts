/** info, version, help, and which store the CLI uses. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { COMMANDS, GROUPS } from '../../../src/runtime/cli/commands';
import { CliStore, IMAGE, lines, openCliStore } from './cli-store';

describe('system verbs', () => {
  let store: CliStore;
  before(async () => {
    store = await openCliStore();
  });
  after(async () => store.dispose());

  test('info says where the store is, root or rootless, and the cgroup limits', async () => {
    const info = await store.berth(['info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`Store Root: ${store.root}\n`));
    assert.match(info.stdout, new RegExp(`Rootless: ${process.getuid!() !== 0}\n`));
    assert.match(info.stdout, /Cgroups:\n Mode: /);
    assert.equal((await store.berth(['info', '--format', '{{.storeRoot}}'])).stdout, `${store.root}\n`);
    assert.equal(JSON.parse((await store.berth(['info', '--format', 'json'])).stdout).storeRoot, store.root);
  });

  test('version and -v', async () => {
    assert.match((await store.berth(['version'])).stdout, /^Client:\n Version: \d+\.\d+\.\d+\n/);
    assert.match((await store.berth(['--version'])).stdout, /^berth version \d+\.\d+\.\d+\n$/);
  });

  test('--help for every verb and management form', async () => {
    const paths = [...Object.keys(COMMANDS).map((v) => [v]), ...Object.entries(GROUPS).flatMap(([g, { commands }]) => Object.keys(commands).map((c) => [g, c]))];
    for (const p of paths) {
      const help = await store.berth([...p, '--help']);
      assert.equal(help.code, 0, p.join(' '));
      assert.match(help.stdout, new RegExp(`^Usage: {2}berth ${p.join(' ')} `), p.join(' '));
    }
  });

  test('--root picks another store over BERTH_ROOT', async () => {
    const other = path.join(store.env.BERTH_TMP!, 'other-store');
    assert.deepEqual(lines((await store.berth(['--root', other, 'images', '-q'])).stdout), []);
    assert.equal(lines((await store.berth(['images', '-q', IMAGE])).stdout).length, 1);
    assert.equal((await store.berth(['--root', other, 'info', '--format', '{{.storeRoot}}'])).stdout, `${other}\n`);
  });
});
